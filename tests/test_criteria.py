"""The green criteria as data (rules/criteria, schemas/criteria.schema.json), their catalog selectors in
both catalog editions, and `lvcai criteria list|show` and the criteria pages of `lvcai rules docs`."""
import json
import shutil

import pytest
from click.testing import CliRunner

from checker.cli import main
from checker.errors import DataError
from checker.evaluation import criteria as C
from conftest import ROOT

GROUPS = {"computers", "imaging", "air_conditioners", "lighting", "water_heaters", "sanitary_tapware", "furniture",
          "copy_paper", "cleaning_services", "vehicles", "data_centres"}
DIR = ROOT / "rules" / "criteria"


def lvcai(*args):
    return CliRunner().invoke(main, [str(a) for a in args], catch_exceptions=False)


#: the indicators the issue names (the criteria schema's enum must stay these)
INDICATORS = ("energy", "water", "carbon", "hazardous_substances", "resource_recovery", "life_cycle_cost",
              "packaging", "other")


def test_every_shipped_file_is_valid_and_the_groups_are_the_agreed_ones():
    groups = C.load_dir(DIR)
    assert set(groups) == GROUPS
    for g in groups.values():
        assert g.path.name == f"{g.id}.json"
        assert g.criteria, g.id
        for c in g.criteria:
            assert c["id"].startswith(g.id + ".")
            assert c["indicator"] in INDICATORS and c["ambition"] in C.AMBITIONS
            if c["type"] == "award":   # graded points: at least a top band and a zero band
                shares = [b["share"] for b in c["bands"]]
                assert max(shares) == 1 and min(shares) < 1, c["id"]


def test_a_criterion_resting_on_memory_or_an_uncertain_fact_is_not_verified():
    flagged = []
    for g in C.load_dir(DIR).values():
        for c in g.criteria:
            note = c["source"].get("note", "") + c["source"]["where"]
            if ("(memory)" in note or "Uncertain" in note or "UNSURE" in note) and c["source"]["verified"]:
                flagged.append(c["id"])
    assert flagged == []
    # and some criteria do rest on such facts: the rule above is not vacuous
    unverified = [c["id"] for g in C.load_dir(DIR).values() for c in g.criteria if not c["source"]["verified"]]
    assert "sanitary_tapware.tap-flow-grade" in unverified and "furniture.formaldehyde" in unverified
    assert "air_conditioners.apf-grade" not in unverified   # GB 21455-2019 grades ≤ 4,500 W are sourced


@pytest.mark.parametrize("edition, code, group", [
    ("2013", "A02010104", "computers"),          # 台式计算机 in the 2013 catalog
    ("2022", "A02010105", "computers"),          # 台式计算机 in the 2022 catalog
    ("2013", "A0206180203", "air_conditioners"),
    ("2022", "A02061804", "air_conditioners"),
    ("2013", "A060806", "sanitary_tapware"),
    ("2022", "A05020106", "sanitary_tapware"),
    ("2013", "A0602", "furniture"),               # a prefix: 台、桌类 and what is under it
    ("2013", "A060201", "furniture"),
    ("2022", "A05010201", "furniture"),
    ("2013", "A020619", "lighting"),
    ("2022", "A02061908", "lighting"),
    ("2013", "A090101", "copy_paper"),
    ("2022", "A05040101", "copy_paper"),
    ("2022", "C23160000", "cleaning_services"),
    ("2022", "A02010602", "data_centres"),
])
def test_the_group_selectors_match_in_both_catalog_editions(edition, code, group):
    groups = C.load_dir(DIR)
    found = [g.id for g in groups.values() if g.matches({"category_code": code}, edition)]
    assert group in found


@pytest.mark.parametrize("edition, code", [
    ("2022", "A02010104"),   # 服务器 in 2022: the 2013 desktop code means a server there
    ("2013", "A02010105"),   # 便携式计算机 in 2013 is a computer, but not 2022's desktop: still computers
])
def test_a_code_means_what_its_edition_says(edition, code):
    groups = C.load_dir(DIR)
    found = [g.id for g in groups.values() if g.matches({"category_code": code}, edition)]
    assert found == ([] if edition == "2022" else ["computers"])


def test_cleaning_services_have_no_2013_code_and_data_centres_match_by_the_plans_mark():
    groups = C.load_dir(DIR)
    assert not groups["cleaning_services"].matches({"category_code": "C23160000"}, "2013")
    assert groups["data_centres"].matches({"category_code": "A02010104", "data_centre": True}, "2013")
    assert not groups["data_centres"].matches({"category_code": "A02010104"}, "2013")


def _broken(tmp_path, edit):
    d = tmp_path / "criteria"
    d.mkdir()
    doc = json.loads((DIR / "water_heaters.json").read_text(encoding="utf-8"))
    edit(doc)
    (d / "water_heaters.json").write_text(json.dumps(doc, ensure_ascii=False), encoding="utf-8")
    return d


def test_a_broken_file_names_the_file_and_the_place(tmp_path):
    d = _broken(tmp_path, lambda doc: doc["criteria"][0].update(indicator="noise"))
    with pytest.raises(DataError) as e:
        C.load_dir(d)
    assert e.value.path.endswith("water_heaters.json") and e.value.pointer == "/criteria/0/indicator"
    assert "'noise' is not one of" in e.value.problem


def test_an_award_criterion_needs_bands(tmp_path):
    d = _broken(tmp_path, lambda doc: doc["criteria"][0].pop("bands"))
    with pytest.raises(DataError) as e:
        C.load_dir(d)
    assert e.value.pointer == "/criteria/0" and "'bands' is a required property" in e.value.problem


def test_ids_belong_to_the_group_and_the_file_name_is_the_group(tmp_path):
    d = _broken(tmp_path, lambda doc: doc["criteria"][0].update(id="computers.energy-grade"))
    with pytest.raises(DataError, match="does not start with the group id 'water_heaters.'"):
        C.load_dir(d)
    d2 = tmp_path / "two"
    d2.mkdir()
    shutil.copy(DIR / "water_heaters.json", d2 / "heaters.json")
    with pytest.raises(DataError, match="differs from the file name 'heaters.json'"):
        C.load_dir(d2)


def test_a_bad_criteria_file_makes_the_command_say_so_with_exit_2(tmp_path, monkeypatch):
    home = tmp_path / "home"
    for part in ("rules", "schemas", "reports"):
        shutil.copytree(ROOT / part, home / part)
    doc = json.loads((home / "rules" / "criteria" / "copy_paper.json").read_text(encoding="utf-8"))
    doc["criteria"][1]["ambition"] = "heroic"
    (home / "rules" / "criteria" / "copy_paper.json").write_text(json.dumps(doc), encoding="utf-8")
    monkeypatch.setenv("LVCAI_HOME", str(home))
    C._cached.cache_clear()
    try:
        r = lvcai("criteria", "list", "--lang", "en")
    finally:
        C._cached.cache_clear()
    assert r.exit_code == 2
    assert "copy_paper.json" in r.stderr and "/criteria/1/ambition" in r.stderr and "Traceback" not in r.stderr


def test_criteria_list_in_both_languages_and_as_json():
    en = lvcai("criteria", "list", "--lang", "en")
    assert en.exit_code == 0
    assert "water_heaters      1/0  Water heaters" in en.stdout.splitlines()
    zh = lvcai("criteria", "list")
    assert "sanitary_tapware   2/2  水嘴和便器" in zh.stdout.splitlines()
    doc = json.loads(lvcai("criteria", "list", "--format", "json").stdout)
    assert {g["group"] for g in doc} == GROUPS
    assert next(g for g in doc if g["group"] == "computers")["criteria"][0] == "computers.energy-grade"


def test_criteria_show_says_what_is_not_verified():
    out = lvcai("criteria", "show", "air_conditioners", "--lang", "en").stdout
    assert "air_conditioners.apf-grade  APF grade (rated cooling ≤ 4,500 W)  [verified]" in out
    assert "air_conditioners.apf-grade-large  APF grade (rated cooling 4,500–14,000 W)  [not verified]" in out
    assert "    2013 catalog: A0206180203" in out and "    2022 catalog: A02061804" in out
    assert "- grade 2: APF ≥ 4.50 → 60%" in out
    zh = lvcai("criteria", "show", "air_conditioners").stdout
    assert "[未核实]" in zh and "依据标准：GB 21455-2019 房间空气调节器能效限定值及能效等级，1 级" in zh
    raw = lvcai("criteria", "show", "furniture", "--format", "json").stdout
    assert json.loads(raw) == json.loads((DIR / "furniture.json").read_text(encoding="utf-8"))


def test_criteria_show_of_an_unknown_group():
    r = lvcai("criteria", "show", "spaceships", "--lang", "en")
    assert r.exit_code == 2
    assert r.stderr.startswith("lvcai: error: No product group 'spaceships'; known: air_conditioners, ")


def test_rules_docs_write_a_page_per_group(tmp_path):
    r = lvcai("rules", "docs", "-o", tmp_path, "--lang", "en")
    assert r.exit_code == 0
    assert sorted(p.name for p in tmp_path.glob("criteria-*.md")) == sorted(f"criteria-{g}.md" for g in GROUPS)
    page = (tmp_path / "criteria-sanitary_tapware.md").read_text(encoding="utf-8")
    assert "## `sanitary_tapware.tap-flow-grade` Tap water-efficiency grade" in page
    assert "| Source | not verified: GB 25501-2019" in page
    index = (tmp_path / "criteria.md").read_text(encoding="utf-8")
    assert "| [Copy paper](criteria-copy_paper.md) | 2 | 1 |" in index
