"""The registry as a bureau uses it: import the official files, then check awards against them."""
import json
import os
import sqlite3
import subprocess
import sys

import pytest
from click.testing import CliRunner

from checker.cli import main
from checker.refdata import RefData
from conftest import EXAMPLES, ROOT
from test_refdata import BAD, CERTS_EN, CERTS_ZH, shipped_catalog_csv, write

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
    catalog = shipped_catalog_csv(tmp_path / "catalog_2022.csv")
    assert lvcai("registry", "import", "catalog", catalog, "--edition", "2022", "--registry", reg).exit_code == 0
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
    assert "GPP-REG-008" in got
    assert not [r for r in got if r in ("GPP-REG-001", "GPP-REG-002", "GPP-REG-004", "GPP-REG-006", "GPP-REG-007")]


def plan_with(tmp_path, code, edition="2022", amount=250000):
    doc = json.loads((ROOT / "rules/examples/base.json").read_text(encoding="utf-8"))
    doc["catalog_edition"] = edition
    doc["projects"][0]["items"][0].update(category_code=code, quantity=50, unit_price=amount / 50, amount=amount)
    path = tmp_path / f"plan-{code}.json"
    path.write_text(json.dumps(doc, ensure_ascii=False), encoding="utf-8")
    return path


def test_with_no_registry_a_made_up_2022_code_is_an_error(tmp_path):
    r = lvcai("check", plan_with(tmp_path, "A99999999"), "--format", "json", "--registry", tmp_path / "absent.sqlite")
    assert r.exit_code == 1
    fs = json.loads(r.stdout)["results"][0]["findings"]
    assert [(f["rule_id"], f["severity"], f["pointer"]) for f in fs if f["rule_id"].startswith("GPP-REG")] == \
        [("GPP-REG-006", "error", "/projects/0/items/0")]
    r = lvcai("check", plan_with(tmp_path, "A02010105"), "--format", "json", "--registry", tmp_path / "absent.sqlite")
    assert r.exit_code == 0
    assert not [f for f in json.loads(r.stdout)["results"][0]["findings"] if f["rule_id"].startswith("GPP-REG")]


def test_2013_codes_are_not_verified_without_an_imported_2013_catalog(tmp_path):
    got = findings(tmp_path / "absent.sqlite", plan_with(tmp_path, "A02010199", edition="2013"))
    assert ("GPP-REG-007", "") in got and "GPP-REG-006" not in [r for r, _ in got]


def test_an_imported_catalog_replaces_the_shipped_one_of_its_edition(tmp_path):
    reg = tmp_path / "r.sqlite"
    assert lvcai("registry", "import", "catalog", ROOT / "rules/examples/registry/catalog-2022.csv", "--edition", "2022",
                 "--registry", reg).exit_code == 0          # 4 codes: A02010108 (a laptop) is not among them
    r = lvcai("check", plan_with(tmp_path, "A02010108"), "--format", "json", "--registry", reg)
    doc = json.loads(r.stdout)
    assert "GPP-REG-006" in [f["rule_id"] for f in doc["results"][0]["findings"]]
    assert [i["file"] for i in doc["provenance"]["registry"]["imports"]] == ["catalog-2022.csv"]   # no shipped entry
    stats = lvcai("registry", "stats", "--registry", reg, "--lang", "en").stdout
    assert "catalogs      2022 (imported)" in stats


def tree(d):
    return sorted((str(p.relative_to(d)), p.stat().st_mtime_ns, p.read_bytes() if p.is_file() else b"")
                  for p in d.rglob("*"))


def test_a_fresh_install_has_an_empty_registry_and_the_shipped_catalog(tmp_path):
    reg = tmp_path / "not-yet" / "registry.sqlite"
    r = lvcai("registry", "stats", "--registry", reg, "--lang", "en")
    assert r.exit_code == 0, r.output
    assert r.stdout.splitlines()[0] == f"registry: {reg} (no file yet: nothing imported)"
    assert "certificates  0" in r.stdout and "catalogs      2022 (shipped with lvcai: 4301 codes)" in r.stdout
    r = lvcai("registry", "stats", "--registry", reg)
    assert r.exit_code == 0 and r.stdout.splitlines()[0] == f"参考数据库：{reg}（尚无文件：未导入任何数据）"
    assert "认证证书：0" in r.stdout and "2022（lvcai 自带：4301 个编码）" in r.stdout
    r = lvcai("registry", "history", "--registry", reg, "--lang", "en")
    assert r.exit_code == 0 and r.stdout == "" and "nothing imported" in r.stderr
    shown = lvcai("registry", "show", "catalog", "A02010105", "--registry", reg)
    assert shown.exit_code == 0 and json.loads(shown.stdout)[0]["name"] == "台式计算机"
    assert json.loads(shown.stdout)[0]["source"] == "shipped: rules/catalogs/catalog_2022.json"
    assert lvcai("registry", "show", "catalog", "A99999999", "--registry", reg).exit_code == 1
    assert lvcai("registry", "show", "supplier", "91440300MA5BANNED1", "--registry", reg).exit_code == 1
    assert not (tmp_path / "not-yet").exists()


def test_check_never_creates_a_registry(tmp_path):
    reg = tmp_path / "no-dir" / "registry.sqlite"
    assert lvcai("check", AWARD, "--registry", reg).exit_code in (0, 1)
    assert lvcai("lists", "diff", "energy_saving/2019", "energy_saving/2019", "--registry", reg).exit_code == 0
    assert list(tmp_path.iterdir()) == []


def test_a_read_only_registry_is_checked_against_and_left_as_it_was(loaded):
    d = loaded.parent
    for p in d.iterdir():
        if p != loaded:
            p.unlink()
    before = tree(d)
    os.chmod(loaded, 0o444)
    os.chmod(d, 0o555)
    try:
        got = findings(loaded)
        stats = lvcai("registry", "stats", "--registry", loaded, "--lang", "en")
        ref = RefData.for_checking(loaded)
        with pytest.raises(sqlite3.OperationalError, match="readonly"):     # opened read-only (root ignores chmod)
            ref.con.execute("INSERT INTO records (credit_code, name, finding, recorded_on, recorded_by) VALUES ('x','x','x','x','x')")
        ref.con.close()
    finally:
        os.chmod(d, 0o755)
        os.chmod(loaded, 0o644)
    assert ("GPP-REG-001", "/projects/0/items/1") in got and stats.exit_code == 0 and "certificates  3" in stats.stdout
    assert tree(d) == before                      # same bytes and mtime, and no -wal, -shm or -journal file


def test_a_registry_written_in_wal_mode_is_read_without_change_and_converted_by_the_next_import(loaded, tmp_path):
    con = sqlite3.connect(loaded)
    assert con.execute("PRAGMA journal_mode=WAL").fetchone() == ("wal",)
    con.close()
    data = loaded.read_bytes()
    assert data[18] == 2
    # in a process of its own, as a user runs it (this one's checkers keep their registries open)
    r = subprocess.run([sys.executable, "-m", "checker", "check", AWARD, "--format", "json", "--registry", str(loaded)],
                       cwd=ROOT, capture_output=True)
    assert r.returncode == 1 and "GPP-REG-001" in [f["rule_id"] for f in json.loads(r.stdout)["results"][0]["findings"]]
    assert loaded.read_bytes() == data
    assert lvcai("registry", "import", "bodies", write(tmp_path / "b.csv", "name,type,valid_from\nX,energy_saving,2020-01-01\n"),
                 "--registry", loaded).exit_code == 0
    assert loaded.read_bytes()[18] == 1          # rollback journal: readers need no files beside it


def test_a_registry_that_is_not_sqlite_is_named_and_left_alone(tmp_path):
    reg = write(tmp_path / "registry.sqlite", "这不是数据库\n" * 20)
    before = reg.read_bytes()
    expected = f"registry {reg}: is not an lvcai registry: expected an SQLite database file"   # after "lvcai: error: " or "lvcai：错误："
    for args in (["check", AWARD], ["report", AWARD, "--format", "md", "-o", tmp_path / "r.md"],
                 ["registry", "stats"], ["registry", "history"], ["registry", "show", "catalog", "A02010105"],
                 ["registry", "import", "bodies", ROOT / "rules/examples/registry/bodies.csv"],
                 ["registry", "record", "91440300MA5GXAMP1W", "--name", "x", "--finding", "y"],
                 ["lists", "diff", "energy_saving/2019", "energy_saving/2019"]):
        r = lvcai(*args, "--registry", reg, "--lang", "en")
        assert r.exit_code == 2 and r.stderr.startswith("lvcai") and expected in r.stderr.splitlines()[0], (args, r.output)
        assert "internal error" not in r.output
    assert reg.read_bytes() == before and not (tmp_path / "r.md").exists()


def test_an_sqlite_file_of_another_program_is_not_taken_for_a_registry(tmp_path):
    reg = tmp_path / "other.sqlite"
    con = sqlite3.connect(reg)
    con.execute("CREATE TABLE notes (x)")
    con.commit()
    con.close()
    r = lvcai("check", AWARD, "--registry", reg, "--lang", "en")
    assert r.exit_code == 2 and "is an SQLite database but not an lvcai registry (it has tables notes" in r.stderr


def test_an_empty_file_is_an_empty_registry(tmp_path):
    reg = write(tmp_path / "r.sqlite", "")
    assert lvcai("registry", "stats", "--registry", reg).exit_code == 0
    assert ("GPP-REG-008", "") in findings(reg) and reg.read_bytes() == b""


def test_writing_a_registry_that_sqlite_can_only_read_is_a_clear_error(tmp_path):
    # What a user who may not write the file gets: SQLite opens it read-only and refuses the write.
    # (Tests run as root, whom chmod does not stop, so the connection is opened read-only here.)
    ref = RefData(tmp_path / "r.sqlite", create=True)
    ref.con.close()
    ref.con = sqlite3.connect((tmp_path / "r.sqlite").as_uri() + "?mode=ro", uri=True, isolation_level=None)
    with pytest.raises(Exception) as e:
        ref.import_file("bodies", ROOT / "rules/examples/registry/bodies.csv")
    assert str(e.value).startswith(f"registry {tmp_path / 'r.sqlite'}: cannot be written (attempt to write a readonly database): "
                                   "the file or its directory is read-only")


def test_a_registry_whose_directory_cannot_be_made_is_named(tmp_path):
    blocker = write(tmp_path / "file.txt", "x")
    r = lvcai("registry", "import", "bodies", ROOT / "rules/examples/registry/bodies.csv", "--registry", blocker / "r.sqlite", "--lang", "en")
    assert r.exit_code == 2 and f"registry {blocker / 'r.sqlite'}: cannot create its directory {blocker}" in r.stderr


def test_an_import_with_a_huge_cell_exits_2_naming_the_row(tmp_path):
    f = write(tmp_path / "c.csv", "name,type,valid_from\n" + "X" * 200_000 + ",energy_saving,2020-01-01\n")
    r = lvcai("registry", "import", "bodies", f, "--registry", tmp_path / "r.sqlite", "--lang", "en")
    assert r.exit_code == 2 and f"{f}: row 2: a cell is longer than 131,072 characters" in r.stderr


@pytest.mark.parametrize("date", ["2025-02-30", "0000-01-01", "2025-12-01T10:00"])
def test_a_record_with_an_impossible_date_is_refused_before_the_registry_is_created(tmp_path, date):
    reg = tmp_path / "r.sqlite"
    r = lvcai("registry", "record", "91440300MA5GXAMP1W", "--name", "x", "--finding", "y", "--date", date, "--registry", reg)
    assert r.exit_code == 2 and "--date：" in r.stderr and not reg.exists()


def test_bad_import_exits_2_and_lists_every_bad_row(tmp_path):
    r = lvcai("registry", "import", "certificates", write(tmp_path / "bad.csv", BAD), "--registry", tmp_path / "r.sqlite", "--lang", "en")
    assert r.exit_code == 2
    assert all(part in r.stderr for part in ("row 2, expires: 2023-01-01 is before issued 2024-01-01",
                                              "row 3, type: 'bogus' is not one of", "row 5, type,number: duplicates row 4"))
    r = lvcai("registry", "import", "certificates", tmp_path / "bad.csv", "--skip-bad", "--registry", tmp_path / "r.sqlite", "--lang", "en")
    assert r.exit_code == 0 and (tmp_path / "bad.rejects.csv").exists()
    assert "imported 1 row(s) of certificates" in r.stdout


def test_stats_history_and_show(loaded):
    stats = lvcai("registry", "stats", "--registry", loaded, "--lang", "en").stdout
    assert "certificates  3" in stats and "catalogs      2022 (imported)" in stats
    history = lvcai("registry", "history", "--registry", loaded, "--lang", "en").stdout.splitlines()
    assert len(history) == 5 and "certificates zh.csv sha256:" in history[0]
    shown = lvcai("registry", "show", "supplier", "91440300MA5BANNED1", "--registry", loaded)
    assert shown.exit_code == 0 and json.loads(shown.stdout)[0]["bans"][0]["authority"] == "深圳市财政局（示例）"
    assert lvcai("registry", "show", "certificate", "NOPE", "--registry", loaded).exit_code == 1
    assert lvcai("registry", "stats", "--registry", loaded.parent / "missing.sqlite").exit_code == 0


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
        next(e for e in doc["provenance"]["lists"] if e["edition_id"] == "energy_saving/2027").items()


def test_lists_diff_of_two_editions():
    r = lvcai("lists", "diff", "energy_saving/2019", "energy_saving/2019")
    assert r.exit_code == 0 and "新增 0 行，删除 0 行，采购要求变化 0 行" in r.stderr
    r = lvcai("lists", "diff", "energy_saving/2019", "energy_saving/2019", "--lang", "en")
    assert r.exit_code == 0 and "0 added, 0 removed, 0 obligation changed" in r.stderr
    r = lvcai("lists", "diff", "energy_saving/2019", "energy_saving/2031", "--lang", "en")
    assert r.exit_code == 2 and "no list edition 'energy_saving/2031'" in r.stderr
    r = lvcai("lists", "diff", "energy_saving/2019", "energy_saving/2031")
    assert r.exit_code == 2 and "没有品目清单版本“energy_saving/2031”" in r.stderr
