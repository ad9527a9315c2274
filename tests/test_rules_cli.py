"""lvcai rules list|show|test|docs and check --explain: rule governance as a maintainer uses it."""
import json
import shutil

from click.testing import CliRunner

from checker.cli import main
from checker.policy.rulepacks import RulePacks
from conftest import EXAMPLES, ROOT


def lvcai(*args):
    return CliRunner().invoke(main, [str(a) for a in args], catch_exceptions=False)


def test_rules_list_and_show():
    out = lvcai("rules", "list", "--lang", "en").stdout.splitlines()
    assert len(out) == sum(1 for r in RulePacks().rules.values() if r.pack in ("national", "vehicles", "data_centres", "packaging", "green_building"))
    # one line per rule of national and the packs that join it, run or not
    assert out[0].startswith("GPP-AWD-001  error    Awarded product in a mandatory category")
    shown = lvcai("rules", "show", "GPP-EVL-002")
    assert shown.exit_code == 0 and json.loads(shown.stdout)["examples"]["fail"][0]["title"] == "goods at 25%"
    r = lvcai("rules", "show", "GPP-XYZ-999", "--lang", "en")
    assert r.exit_code == 2 and r.stderr == 'lvcai: error: no such rule: "GPP-XYZ-999"\n'


def test_rules_list_of_a_profile_shows_what_it_does_not_run():
    out = lvcai("rules", "list", "--profile", "shenzhen", "--lang", "en").stdout
    assert "GPP-SZX-002  info" in out
    assert "GPP-SZX-001  (not run: parameter circular_share_min has no value)" in out


def test_rules_test_passes_on_the_shipped_rules():
    r = lvcai("rules", "test", "--lang", "en")
    assert r.exit_code == 0 and r.stdout.endswith("failed\n") and ", 0 failed" in r.stdout
    r = lvcai("rules", "test")
    assert r.exit_code == 0 and r.stdout.endswith("未通过 0 个\n")


def copy_rules(tmp_path):
    shutil.copytree(ROOT / "rules", tmp_path / "rules")
    return tmp_path / "rules"


def test_rules_test_catches_a_broken_rule(tmp_path):
    rules = copy_rules(tmp_path)
    path = rules / "national" / "GPP-ENE-001.json"
    doc = json.loads(path.read_text(encoding="utf-8"))
    doc["when"]["$and"][1] = {"$neq": {"energy_req": "preferred"}}      # a plausible slip
    path.write_text(json.dumps(doc, ensure_ascii=False), encoding="utf-8")
    r = lvcai("rules", "test", rules, "--lang", "en")
    assert r.exit_code == 1
    assert "FAIL GPP-ENE-001 fail[0] desktop computer with the certificate only preferred: did not fire" in r.stdout
    assert "FAIL GPP-ENE-001 pass[0] desktop computer with the certificate required: fired at ['/projects/0/items/0']" in r.stdout


def test_rules_test_fails_an_operator_durable_rules_does_not_implement(tmp_path):
    rules = copy_rules(tmp_path)
    path = rules / "national" / "GPP-ENE-002.json"
    doc = json.loads(path.read_text(encoding="utf-8"))
    doc["when"] = {"$and": [{"energy_list": "priority"}, {"$in": {"energy_req": ["none"]}}]}
    path.write_text(json.dumps(doc, ensure_ascii=False), encoding="utf-8")
    r = lvcai("rules", "test", rules, "--lang", "en")
    assert r.exit_code == 2
    assert r.stderr.startswith(f"lvcai: error: {path}: /when/$and/1: ")


def test_rules_docs_has_a_page_for_every_rule(tmp_path):
    r = lvcai("rules", "docs", "--output", tmp_path / "docs", "--lang", "en")
    assert r.exit_code == 0
    ids = sorted(RulePacks().rules)
    assert sorted(p.stem for p in (tmp_path / "docs").glob("GPP-*.md")) == ids
    index = (tmp_path / "docs" / "index.md").read_text(encoding="utf-8")
    assert all(f"[{i}]({i}.md)" in index for i in ids)
    page = (tmp_path / "docs" / "GPP-EVL-002.md").read_text(encoding="utf-8")
    assert page.startswith("# GPP-EVL-002: Price weight below the statutory floor\n")
    assert "财政部令第87号 《政府采购货物和服务招标投标管理办法》 第五十五条" in page
    assert "- **fail**: goods at 25%: `/projects/0/evaluation/price_weight` = `25`" in page


def test_check_explain_shows_the_values_tested():
    plain = lvcai("check", EXAMPLES / "school-plan-with-violations.json", "--lang", "en").stdout
    explained = lvcai("check", EXAMPLES / "school-plan-with-violations.json", "--lang", "en", "--explain").stdout
    assert "Values tested" not in plain
    assert 'Values tested: eval_method="comprehensive_scoring", nature="goods", price_weight=25' in explained
    assert 'Values tested: energy_list="mandatory", energy_req="preferred"' in explained


def test_rules_docs_documents_selectors_derived_values_tables_and_parameters_with_their_users(tmp_path):
    r = lvcai("rules", "docs", "--output", tmp_path / "docs", "--lang", "en")
    assert r.exit_code == 0
    policy = (tmp_path / "docs" / "policy.md").read_text(encoding="utf-8")
    section = policy[policy.index("### `official_cars`"):]
    assert "- Used by: selector `new_energy_official_cars`, selector `confidential_courier_cars`, derived `official_car_quantity`, " \
           "derived `nev_share`" in section[:section.index("###", 4)]
    nev = policy[policy.index("### `nev_share` (plan, %)"):]
    assert "- Used by: GPP-NEV-001" in nev[:nev.index("###", 4)]
    assert "| `nev_share_min` | number | % | 0–100 | 30 |" in policy
    assert "| `dc_pue_max` | number |  | 1–3 | 1.4 from 2023-06-01; 1.3 from 2025-01-01 |" in policy
    assert "### `green_building_cities`" in policy and "(incomplete)" in policy
    page = (tmp_path / "docs" / "GPP-NEV-001.md").read_text(encoding="utf-8")
    assert "`nev_share_min` (number, %, 0–100)" in page and "In force: 2024-12-30" in page
