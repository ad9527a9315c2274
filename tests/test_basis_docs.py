"""Every loader of rule data refuses a document key rules/sources.json does not list, naming the file and
place (lists, the catalog editions, the shipped catalog, statistics, profiles: the rule loader's check);
and the reports' legal-basis appendix names, per basis, the documents it cites with their addresses."""
import json
import shutil

import pytest
from click.testing import CliRunner

from checker import _paths
from checker.cli import main
from checker.errors import DataError
from checker.lists import Lists
from checker.policy.rulepacks import RulePacks
from conftest import ROOT

RULES = ROOT / "rules"


def lvcai(*args):
    return CliRunner().invoke(main, [str(a) for a in args], catch_exceptions=False)


def _doc(path):
    return json.loads(path.read_text(encoding="utf-8"))


def _write(path, doc):
    path.write_text(json.dumps(doc, ensure_ascii=False), encoding="utf-8")


def _rules_copy(tmp_path):
    rules = tmp_path / "rules"
    shutil.copytree(RULES, rules, ignore=shutil.ignore_patterns("maintenance"))
    return rules


def test_an_unknown_key_in_a_list_row_is_refused_naming_file_and_row(tmp_path):
    rules = _rules_copy(tmp_path)
    assert Lists(rules / "lists").editions["energy_saving"]            # the copy loads
    path = rules / "lists" / "energy_saving_2019.json"
    doc = _doc(path)
    doc["rows"][3]["source_notes"] += " see [S99]"
    _write(path, doc)
    with pytest.raises(DataError) as e:
        Lists(rules / "lists")
    assert "energy_saving_2019.json" in str(e.value) and "/rows/3/source_notes" in str(e.value) and "S99" in str(e.value)


def test_an_unknown_key_in_the_catalog_editions_is_refused(tmp_path):
    rules = _rules_copy(tmp_path)
    path = rules / "lists" / "catalog_editions.json"
    doc = _doc(path)
    doc["editions"]["2022"]["source"] += " [POL-NOPE]"
    _write(path, doc)
    with pytest.raises(DataError) as e:
        Lists(rules / "lists")
    assert "catalog_editions.json" in str(e.value) and "/editions/2022/source" in str(e.value) and "POL-NOPE" in str(e.value)


def test_a_key_the_copys_own_sources_file_lists_is_accepted(tmp_path):
    """The check reads the sources file of the rules directory being loaded, not only the shipped one."""
    rules = _rules_copy(tmp_path)
    path = rules / "lists" / "energy_saving_2019.json"
    doc = _doc(path)
    doc["rows"][0]["source_notes"] += " [S99]"
    _write(path, doc)
    sources = _doc(rules / "sources.json")
    sources["sources"]["S99"] = dict(sources["sources"]["S1"])
    _write(rules / "sources.json", sources)
    from checker.evaluation import sources as S
    assert "S99" in S.table(rules)
    assert Lists(rules / "lists").editions["energy_saving"]


def test_an_unknown_key_in_the_shipped_catalog_is_refused(tmp_path):
    from checker.refdata import _read_catalog
    rules = _rules_copy(tmp_path)
    path = rules / "catalogs" / "catalog_2022.json"
    assert len(_read_catalog(str(path))[0]) > 1000                        # the copy loads
    doc = _doc(path)
    doc["source"]["document"] += " [S77]"
    path = path.with_name("catalog_2022_changed.json")      # read once per path: a new file, a new read
    _write(path, doc)
    with pytest.raises(DataError) as e:
        _read_catalog(str(path))
    assert "catalog_2022_changed.json" in str(e.value) and "/source/document" in str(e.value) and "S77" in str(e.value)


def test_an_unknown_key_in_the_statistics_is_refused(tmp_path, monkeypatch):
    from checker.service import stats
    rules = _rules_copy(tmp_path)
    monkeypatch.setattr(_paths, "rules_dir", lambda: rules)
    assert 2023 in stats.national()                                         # the copy loads
    path = rules / "statistics" / "national_green_share.json"
    doc = _doc(path)
    doc["years"]["2023"]["note"] += " [POL-NOPE]"
    _write(path, doc)
    with pytest.raises(DataError) as e:
        stats.national()
    assert "national_green_share.json" in str(e.value) and "/years/2023/note" in str(e.value) and "POL-NOPE" in str(e.value)


def test_an_unknown_key_in_a_profile_is_refused_also_through_extends(tmp_path):
    rules = _rules_copy(tmp_path)
    assert RulePacks(rules).profile("shenzhen").id == "shenzhen"            # the copy loads
    path = rules / "profiles" / "national.json"
    doc = _doc(path)
    name = next(iter(doc["params_basis"]))
    doc["params_basis"][name] += " [Z99]"
    _write(path, doc)
    # shenzhen extends national (through guangdong): the parent's citation is checked too
    with pytest.raises(DataError) as e:
        RulePacks(rules).profile("shenzhen")
    assert "national.json" in str(e.value) and f"/params_basis/{name}" in str(e.value) and "Z99" in str(e.value)


def test_the_command_line_exits_2_on_an_unknown_key_in_a_list_or_profile(tmp_path):
    rules = _rules_copy(tmp_path)
    path = rules / "profiles" / "shenzhen.json"
    doc = _doc(path)
    name = next(iter(doc["params_basis"]))
    doc["params_basis"][name] += " [P99]"
    _write(path, doc)
    r = lvcai("rules", "test", rules, "--profile", "shenzhen", "--lang", "en")
    assert r.exit_code == 2 and "shenzhen.json" in r.stderr and "P99" in r.stderr
    assert "Traceback" not in r.output
    rules2 = _rules_copy(tmp_path / "b")
    path = rules2 / "lists" / "environmental_label_2019.json"
    doc = _doc(path)
    doc["source"] += " [S98]"
    _write(path, doc)
    r = lvcai("rules", "test", rules2, "--lang", "en")
    assert r.exit_code == 2 and "environmental_label_2019.json" in r.stderr and "/source" in r.stderr and "S98" in r.stderr
    assert "Traceback" not in r.output
