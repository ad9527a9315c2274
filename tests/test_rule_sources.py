"""The rule data beyond the criteria (rule packs' legal bases and parameter bases, selectors, derived
values, tables, lists, the catalog, statistics, profiles) cite documents by keys of rules/sources.json,
never lvcai's unshipped research notes; the rule loader refuses an unknown key; `rules docs` and
`rules show` print the documents' titles and addresses."""
import json
import re
import shutil

import pytest
from click.testing import CliRunner

from checker.cli import main
from checker.errors import DataError
from checker.policy.rulepacks import RulePacks, cited_keys
from conftest import ROOT, json_strings

RULES = ROOT / "rules"
SOURCES = RULES / "sources.json"
#: every rule data file a user's clone ships (the maintainer's scripts under rules/maintenance excluded)
DATA = sorted(p for p in RULES.rglob("*.json") if "maintenance" not in p.parts and p != SOURCES)
INTERNAL = re.compile(r"POLICY\.md|EVALUATION\.md")


def lvcai(*args):
    return CliRunner().invoke(main, [str(a) for a in args], catch_exceptions=False)


def _doc(path):
    return json.loads(path.read_text(encoding="utf-8"))


def test_no_shipped_rule_data_text_points_to_the_research_notes():
    assert len(DATA) > 80                                   # the walk sees the packs, lists, catalog, profiles
    found = [f"{p.relative_to(RULES)}{ptr}" for p in DATA for ptr, text in json_strings(_doc(p)) if INTERNAL.search(text)]
    assert found == []
    # nor do the schemas' descriptions or the report templates a reader sees
    for path in [*sorted((ROOT / "schemas").glob("*.json")), *sorted((ROOT / "reports").glob("*"))]:
        assert not INTERNAL.search(path.read_text(encoding="utf-8")), path.name
    # the test can fail: a note citing POLICY.md is found
    assert INTERNAL.search("clause numbering as summarised in POLICY.md §2")


def test_every_key_cited_by_the_rule_data_is_listed_in_the_sources_file():
    known = set(_doc(SOURCES)["sources"])
    cited = {}
    for p in DATA:
        for ptr, key in cited_keys(_doc(p)):
            cited.setdefault(key, []).append(f"{p.relative_to(RULES)}{ptr}")
    # not vacuous: the legal bases' refs, [S5] in the lists' crosswalks, [S3/S4] in their row notes
    assert {"POL-NINE", "POL-NEED", "POL-GDC", "POL-NEV", "POL-SZCE", "POL-STAT", "S1", "S3", "S4", "S5", "Z1"} <= set(cited)
    assert any(w.startswith("lists/energy_saving_2019.json/rows/") for w in cited["S4"])
    unknown = {k: where[:3] for k, where in cited.items() if k not in known}
    assert unknown == {}, f"cited but not in rules/sources.json: {unknown}"


def test_the_citation_walk_reads_refs_and_bracketed_keys():
    doc = {"a": {"refs": ["S1", "POL-NINE"]}, "b": ["see [S3/S4]", "[E3, E11] and [1] and [ABC]"], "c": "S5 bare"}
    assert list(cited_keys(doc)) == [("/a/refs/0", "S1"), ("/a/refs/1", "POL-NINE"), ("/b/0", "S3"), ("/b/0", "S4"),
                                     ("/b/1", "E3"), ("/b/1", "E11")]


def test_a_key_named_in_a_legal_basis_note_is_also_in_its_refs():
    missing, seen = [], 0
    for p in sorted(RULES.glob("*/GPP-*.json")):
        for i, b in enumerate(_doc(p)["legal_basis"]):
            seen += bool(b.get("refs"))
            for _, key in cited_keys({k: v for k, v in b.items() if k != "refs"}):
                if key not in b.get("refs", ()):
                    missing.append(f"{p.name}/legal_basis/{i}: {key}")
    assert seen > 40 and missing == []


def test_a_legal_basis_saying_from_memory_or_not_verified_is_not_marked_verified():
    words = re.compile(r"from memory|not verified|not retrieved|open point")
    flagged, seen = [], 0
    for p in sorted(RULES.glob("*/GPP-*.json")):
        for i, b in enumerate(_doc(p)["legal_basis"]):
            if words.search(b.get("note", "")):
                seen += 1
                if b.get("verified") is True and "number and date" not in b["note"]:
                    flagged.append(f"{p.name}/legal_basis/{i}")
    assert seen >= 5 and flagged == []


def _rules_copy(tmp_path):
    rules = tmp_path / "rules"
    shutil.copytree(RULES, rules, ignore=shutil.ignore_patterns("maintenance", "criteria", "evaluation", "catalogs"))
    return rules


def test_an_unknown_key_in_a_rules_legal_basis_is_refused_naming_file_and_place(tmp_path):
    rules = _rules_copy(tmp_path)
    path = rules / "national" / "GPP-ENE-001.json"
    doc = _doc(path)
    assert RulePacks(rules).get("GPP-ENE-001").documents()[0]["key"] == "POL-NINE"      # the copy loads
    doc["legal_basis"][0]["refs"] = ["POL-NINE", "X99"]
    path.write_text(json.dumps(doc, ensure_ascii=False), encoding="utf-8")
    with pytest.raises(DataError) as e:
        RulePacks(rules)
    assert "GPP-ENE-001.json" in str(e.value) and "/legal_basis/0/refs/1" in str(e.value) and "X99" in str(e.value)
    # a bracketed key in a note is held to the list too
    doc["legal_basis"][0]["refs"] = ["POL-NINE"]
    doc["legal_basis"][0]["note"] += " [POL-NOPE]"
    path.write_text(json.dumps(doc, ensure_ascii=False), encoding="utf-8")
    with pytest.raises(DataError) as e:
        RulePacks(rules)
    assert "/legal_basis/0/note" in str(e.value) and "POL-NOPE" in str(e.value)


def test_an_unknown_key_in_a_selector_or_table_is_refused(tmp_path):
    rules = _rules_copy(tmp_path)
    path = rules / "data_centres" / "selectors" / "data-centres.json"
    doc = _doc(path)
    doc["selectors"][0]["source"]["note"] += " [Q42]"
    path.write_text(json.dumps(doc, ensure_ascii=False), encoding="utf-8")
    with pytest.raises(DataError) as e:
        RulePacks(rules)
    assert "data-centres.json" in str(e.value) and "/selectors/0/source/note" in str(e.value) and "Q42" in str(e.value)


def test_the_rule_command_line_exits_2_on_an_unknown_key(tmp_path):
    rules = _rules_copy(tmp_path)
    path = rules / "green_building" / "tables" / "green-building-cities.json"
    doc = _doc(path)
    doc["tables"][0]["source"]["note"] += " [POL-NOPE]"
    path.write_text(json.dumps(doc, ensure_ascii=False), encoding="utf-8")
    r = lvcai("rules", "test", rules, "--lang", "en")
    assert r.exit_code == 2 and "green-building-cities.json" in r.stderr and "POL-NOPE" in r.stderr
    assert "Traceback" not in r.output


def test_rules_docs_pages_list_the_documents_cited(tmp_path):
    r = lvcai("rules", "docs", "-o", tmp_path, "--lang", "en")
    assert r.exit_code == 0
    page = (tmp_path / "GPP-ENE-001.md").read_text(encoding="utf-8")
    assert "财库〔2019〕9号 《关于调整优化节能产品、环境标志产品政府采购执行机制的通知》 二 [POL-NINE]" in page
    cited = page.split("## Documents cited", 1)[1]
    assert "- **POL-NINE** 财政部, 发展改革委" in cited and "<http://xingyewuye.com/news/industry/372156102539.html>" in cited
    assert "- **S1** " in cited and "<http://www.qejc.cn/info/39814-247.html>" in cited
    # a document with no address says so; a rule citing none has no such section
    need = (tmp_path / "GPP-SCR-001.md").read_text(encoding="utf-8")
    assert "**POL-NEED**" in need and "(no address recorded)" in need
    # the policy page (selectors, derived values, tables, parameters) lists what they cite
    policy = (tmp_path / "policy.md").read_text(encoding="utf-8").split("## Documents cited", 1)[1]
    assert "- **POL-GDC** " in policy and "- **POL-TJGB** " in policy and "- **S5** " in policy
    zh = tmp_path / "zh"
    lvcai("rules", "docs", "-o", zh)
    assert "## 所引文献" in (zh / "GPP-ENE-001.md").read_text(encoding="utf-8")
    uncited = [p.name for p in sorted(tmp_path.glob("GPP-*.md"))
               if "## Documents cited" not in p.read_text(encoding="utf-8")]
    assert all(not RulePacks().get(n[:-3]).documents() for n in uncited)


def test_rules_show_keeps_the_rule_file_on_stdout_and_names_the_documents_on_stderr():
    r = lvcai("rules", "show", "GPP-NEV-001", "--lang", "en")
    assert r.exit_code == 0
    assert json.loads(r.stdout)["legal_basis"][0]["refs"] == ["POL-NEV"]
    assert r.stderr.startswith("Documents cited: ")
    assert "  [POL-NEV] 财政部办公厅 notice of 2024-12-30" in r.stderr and "http://swyan.com/news/522.html" in r.stderr
