"""The registry as a bureau uses it: import the official files, then check awards against them."""
import json

import pytest
from click.testing import CliRunner

from checker.cli import main
from conftest import EXAMPLES, ROOT, SHARED_DOMAIN
from test_refdata import BAD, CERTS_EN, CERTS_ZH, write

AWARD = str(EXAMPLES / "award-stage-audit.json")


def lvcai(*args):
    return CliRunner().invoke(main, [str(a) for a in args], catch_exceptions=False)


@pytest.fixture
def loaded(tmp_path):
    reg = tmp_path / "registry.sqlite"
    for kind, f in (("certificates", write(tmp_path / "zh.csv", CERTS_ZH, "gb18030")),
                    ("certificates", write(tmp_path / "en.csv", CERTS_EN)),
                    ("bodies", ROOT / "rules/examples/registry/bodies.csv"),
                    ("credit", ROOT / "rules/examples/registry/credit.csv")):
        assert lvcai("registry", "import", kind, f, "--registry", reg).exit_code == 0
    assert lvcai("registry", "import", "catalog", SHARED_DOMAIN / "catalog_2022.csv", "--edition", "2022", "--registry", reg).exit_code == 0
    return reg


def findings(reg, plan=AWARD, *extra):
    r = lvcai("check", plan, "--format", "json", "--lang", "en", "--registry", reg, *extra)
    return [(f["rule_id"], f["pointer"]) for f in json.loads(r.stdout)["results"][0]["findings"]]


def test_award_checked_against_the_registry(loaded):
    got = findings(loaded)
    assert ("GPP-REG-001", "/projects/0/items/1") in got          # the display's certificate expired in the registry
    assert ("GPP-REG-002", "/projects/0/items/2") in got          # the paper's certificate is not in the registry
    assert not [r for r, _ in got if r in ("GPP-REG-007", "GPP-REG-008")]   # every kind of data is there


def test_a_revoked_certificate_and_a_banned_supplier(loaded, tmp_path):
    doc = json.loads(open(AWARD, encoding="utf-8").read())
    award = doc["projects"][0]["items"][0]["award"]
    award["supplier"]["credit_code"] = "91440300MA5BANNED1"
    doc["date"] = "2026-03-16"                     # inside the example ban (2026-01-01 to 2026-12-31)
    plan = tmp_path / "p.json"
    plan.write_text(json.dumps(doc, ensure_ascii=False), encoding="utf-8")
    r = lvcai("check", plan, "--format", "json", "--lang", "en", "--registry", loaded)
    fs = {f["rule_id"]: f for f in json.loads(r.stdout)["results"][0]["findings"] if f["pointer"] == "/projects/0/items/0"}
    assert fs["GPP-REG-002"]["values"]["env_reg"] == "revoked"
    assert "source: 中国政府采购网 严重违法失信行为记录名单（示例）" in fs["GPP-REG-004"]["message"]


def test_integrity_record_shows_in_later_checks(loaded):
    assert not [r for r, _ in findings(loaded) if r == "GPP-REG-005"]
    r = lvcai("registry", "record", "91440300MA5GXAMP1W", "--name", "深圳示范科技有限公司",
              "--finding", "虚假节能证书声明", "--plan-id", "SZFT-2025-0212", "--date", "2025-12-01", "--registry", loaded)
    assert r.exit_code == 0
    assert [p for rid, p in findings(loaded) if rid == "GPP-REG-005"] == ["/projects/0/items/0", "/projects/0/items/1"]


def test_without_data_the_checks_say_not_verified(tmp_path):
    got = [r for r, _ in findings(tmp_path / "absent.sqlite")]
    assert "GPP-REG-007" in got and "GPP-REG-008" in got
    assert not [r for r in got if r in ("GPP-REG-001", "GPP-REG-002", "GPP-REG-004")]


def test_bad_import_exits_2_and_lists_every_bad_row(tmp_path):
    r = lvcai("registry", "import", "certificates", write(tmp_path / "bad.csv", BAD), "--registry", tmp_path / "r.sqlite")
    assert r.exit_code == 2
    assert all(part in r.stderr for part in ("row 2, expires: 2023-01-01 is before issued 2024-01-01",
                                              "row 3, type: 'bogus' is not one of", "row 5, type,number: duplicates row 4"))
    r = lvcai("registry", "import", "certificates", tmp_path / "bad.csv", "--skip-bad", "--registry", tmp_path / "r.sqlite")
    assert r.exit_code == 0 and (tmp_path / "bad.rejects.csv").exists()
    assert "imported 1 certificates row(s)" in r.stdout


def test_stats_history_and_show(loaded):
    stats = lvcai("registry", "stats", "--registry", loaded).stdout
    assert "certificates  3" in stats and "catalogs      2022" in stats
    history = lvcai("registry", "history", "--registry", loaded).stdout.splitlines()
    assert len(history) == 5 and "certificates zh.csv sha256:" in history[0]
    shown = lvcai("registry", "show", "supplier", "91440300MA5BANNED1", "--registry", loaded)
    assert shown.exit_code == 0 and json.loads(shown.stdout)[0]["bans"][0]["authority"] == "深圳市财政局（示例）"
    assert lvcai("registry", "show", "certificate", "NOPE", "--registry", loaded).exit_code == 1
    assert lvcai("registry", "stats", "--registry", loaded.parent / "missing.sqlite").exit_code == 2


def test_imported_list_edition_is_used_and_diffed(tmp_path):
    doc = json.loads((ROOT / "rules/lists/energy_saving_2019.json").read_text(encoding="utf-8"))
    doc.update(edition="2027", edition_id="energy_saving/2027", effective_from="2027-01-01")
    doc["rows"] = [r for r in doc["rows"] if r["id"] != "ES2019-034"]             # drop 电视机
    for r in doc["rows"]:
        if r["id"] == "ES2019-008":
            r["obligation"] = "mandatory"                                       # 投影仪 becomes ★
    reg = tmp_path / "r.sqlite"
    (tmp_path / "es2027.json").write_text(json.dumps(doc, ensure_ascii=False), encoding="utf-8")
    r = lvcai("registry", "import", "list", tmp_path / "es2027.json", "--registry", reg)
    assert r.exit_code == 0
    r = lvcai("lists", "diff", "energy_saving/2019", "energy_saving/2027", "--registry", reg, "--lang", "en")
    assert r.exit_code == 1
    assert r.stdout.splitlines() == ["- ES2019-034 A02091001 普通电视设备(电视机) (mandatory ★)",
                                     "~ ES2019-008 A020202 投影仪 (priority) -> mandatory ★"]
    # a plan dated 2027 is checked against the imported edition: the projector is now mandatory
    plan = json.loads((ROOT / "rules/examples/base.json").read_text(encoding="utf-8"))
    plan["date"] = "2027-03-01"
    item = plan["projects"][0]["items"][0]
    item.update(category_code="A02020200", name="投影仪", green_requirements={"energy_saving": "preferred"})
    (tmp_path / "p.json").write_text(json.dumps(plan, ensure_ascii=False), encoding="utf-8")
    doc = json.loads(lvcai("check", tmp_path / "p.json", "--format", "json", "--registry", reg).stdout)
    assert doc["results"][0]["lists"]["energy_saving"] == "energy_saving/2027"
    assert "GPP-ENE-001" in [f["rule_id"] for f in doc["results"][0]["findings"]]
    assert {"edition_id": "energy_saving/2027", "imported": True}.items() <= \
        next(l for l in doc["provenance"]["lists"] if l["edition_id"] == "energy_saving/2027").items()


def test_lists_diff_of_two_editions():
    r = lvcai("lists", "diff", "energy_saving/2019", "energy_saving/2019")
    assert r.exit_code == 0 and "0 added, 0 removed, 0 obligation changed" in r.stderr
    r = lvcai("lists", "diff", "energy_saving/2019", "energy_saving/2031")
    assert r.exit_code == 2 and "no list edition 'energy_saving/2031'" in r.stderr
