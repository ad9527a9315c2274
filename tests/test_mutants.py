"""Behaviours no test exercised, found by the mutants that survived bench/mutate.py (facts, lists,
refdata). Each test names the change it catches; the mutants judged equivalent (no behaviour change)
are listed in bench/mutate.py's docstring instead."""
import dataclasses
import datetime as dt
import json

import pytest

from checker import facts
from checker.errors import DataError
from checker.lists import LIST_KINDS, Lists, diff
from checker.refdata import RefData, default_path
from conftest import ROOT
from test_boundaries import BANNED, INSIDE, award_plan, registry  # noqa: F401  (registry is a fixture)

PROJECT = "/projects/0"


def findings_at(result, pointer):
    return {f.rule_id: f for f in result.findings if f.pointer == pointer}


# -- facts ------------------------------------------------------------------------------------------
@pytest.mark.parametrize("reqs,preferred", [
    ({"energy_saving": "required"}, False),
    ({"energy_saving": "required", "environmental_label": "preferred"}, True),
    ({"environmental_label": "preferred"}, True),
    ({}, False),
])
def test_a_project_has_preferred_items_only_when_an_item_asks_for_a_preference(checker, base_plan, reqs, preferred):
    """GPP-PRF-001 (a preference with no bonus and no deduction) turns on has_preferred.
    Catches ``has_preferred = True`` at the start and ``req != "preferred"``."""
    del base_plan["projects"][0]["evaluation"]["green_bonus_points"]
    base_plan["projects"][0]["items"][0]["green_requirements"] = reqs
    got = findings_at(checker.check_document(base_plan, "p.json"), PROJECT)
    assert ("GPP-PRF-001" in got) is preferred


def test_required_and_preferred_amounts(checker, base_plan):
    """An item counts as required when any list is required, else as preferred when any is preferred.
    Catches ``in`` → ``not in`` in both tests of the totals."""
    item = base_plan["projects"][0]["items"][0]
    cases = [({"energy_saving": "required"}, 100), ({"environmental_label": "preferred"}, 200),
             ({}, 400), ({"energy_saving": "required", "environmental_label": "preferred"}, 800),
             ({"energy_saving": "none", "environmental_label": "preferred"}, 1600)]
    base_plan["projects"][0]["items"] = [dict(item, line_id=str(i), amount=amount, green_requirements=reqs)
                                         for i, (reqs, amount) in enumerate(cases)]
    totals = checker.check_document(base_plan, "p.json").meta["totals"]
    assert (totals["total_amount"], totals["required_amount"], totals["preferred_amount"]) == (3100, 100 + 800, 200 + 1600)


@pytest.mark.parametrize("items,nature", [
    ([("C16010000", 10000)], "services"),
    ([("B01000000", 10000)], "works"),
    ([("A02010105", 10000)], "goods"),
    ([("A02010105", 10000), ("C16010000", 20000)], "services"),   # the larger amount decides
    ([("A02010105", 15000), ("A02010105", 15000), ("C16010000", 20000)], "goods"),   # summed per letter
])
def test_a_projects_nature_is_derived_from_the_first_letter_of_its_codes(checker, base_plan, items, nature):
    """财政部令第87号: the catalog's top level (A goods, B works, C services) gives the nature when the
    plan does not. A price weight of 20% is below the goods floor (30%) only. Catches ``code[:2]`` in
    the key and in the running sum."""
    item = base_plan["projects"][0]["items"][0]
    base_plan["projects"][0]["items"] = [dict(item, line_id=str(i), category_code=code, amount=amount, green_requirements={})
                                         for i, (code, amount) in enumerate(items)]
    base_plan["projects"][0]["evaluation"]["price_weight"] = 20
    got = findings_at(checker.check_document(base_plan, "p.json"), PROJECT)
    assert ("GPP-EVL-002" in got) is (nature == "goods")
    base_plan["projects"][0]["evaluation"]["price_weight"] = 5          # below every floor: the finding shows the nature
    got = findings_at(checker.check_document(base_plan, "p.json"), PROJECT)
    if nature == "works":
        assert "GPP-EVL-002" not in got                                 # no floor for works
    else:
        assert dict(got["GPP-EVL-002"].values)["nature"] == nature


def test_the_finding_for_no_list_in_force_names_the_lists(checker, base_plan):
    """Catches ``if out.editions[k]`` (naming the lists that are in force instead)."""
    result = checker.check_document(dict(base_plan, date="2019-03-31"), "p.json")
    (f,) = [f for f in result.findings if f.rule_id == "GPP-PLN-003"]
    assert f.message["en"].startswith(f"No edition of {', '.join(LIST_KINDS)} is in force on 2019-03-31")


def test_supplier_ban_is_absent_without_credit_data_or_credit_code(registry):  # noqa: F811
    """FIELDS: supplier_ban is "absent without credit data or credit code". Catches ``code_ or loaded``."""
    lists = Lists()
    wanted = {"item": {"supplier_ban"}}
    ptr = "#/projects/0/items/0"
    empty = RefData.for_checking(ROOT / "no-such-registry.sqlite")
    assert "supplier_ban" not in facts.build(award_plan(INSIDE, credit_code=BANNED), lists, wanted, empty).context[ptr]
    no_code = award_plan(INSIDE)
    del no_code["projects"][0]["items"][0]["award"]["supplier"]["credit_code"]
    assert "supplier_ban" not in facts.build(no_code, lists, wanted, registry).context[ptr]
    assert facts.build(award_plan(INSIDE, credit_code=BANNED), lists, wanted, registry).context[ptr]["supplier_ban"] == "banned"


# -- lists ------------------------------------------------------------------------------------------
def test_diff_matches_rows_by_code_and_product_type():
    """Rows with the same product type under different codes are different rows.
    Catches ``code_2013 and ""`` in the key (every row with a code keyed by product type alone)."""
    row = lambda code, obligation: {"code_2013": code, "product_type": "打印机", "obligation": obligation}
    a = {"rows": [row("A020201", "mandatory"), row("A020202", "priority"), row(None, "priority")]}
    b = {"rows": [row("A020201", "priority"), row("A020203", "priority"), row(None, "priority")]}
    d = diff(a, b)
    assert [r["code_2013"] for r in d["added"]] == ["A020203"]
    assert [r["code_2013"] for r in d["removed"]] == ["A020202"]
    assert [(x["obligation"], y["obligation"]) for x, y in d["changed"]] == [("mandatory", "priority")]


def test_an_imported_edition_that_overlaps_is_named_as_a_registry_list(tmp_path):
    """An imported edition has no file: the error names it. Catches ``_path and …``."""
    doc = json.loads((ROOT / "rules" / "lists" / "energy_saving_2019.json").read_text(encoding="utf-8"))
    old = dict(doc, edition_id="energy_saving/2018", edition="2018", effective_from="2018-01-01", effective_until="2019-06-01")
    with pytest.raises(DataError) as e:
        Lists(imported=[old])
    assert str(e.value) == (f"{ROOT / 'rules' / 'lists' / 'energy_saving_2019.json'}: /effective_from: "
                            "overlaps energy_saving/2018, which is in force until 2019-06-01")
    new = dict(doc, edition_id="energy_saving/2027", edition="2027", effective_from="2019-05-01", effective_until=None)
    ok = Lists(imported=[dict(doc, effective_until="2019-05-01"), new])   # the import replaces the built-in 2019
    assert ok.in_force("energy_saving", "2019-05-01")["edition_id"] == "energy_saving/2027"
    with pytest.raises(DataError) as e:
        Lists(imported=[dict(doc, effective_until="2019-06-01"), new])
    assert str(e.value).startswith("registry list energy_saving/2027: /effective_from: overlaps energy_saving/2019")


@pytest.mark.parametrize("kind,code,product_type,obligation,status", [
    ("environmental_label", "A02021001", "彩色", "priority", "listed"),   # four rows, all priority
    ("energy_saving", "A02010105", "彩色", "mandatory", "listed"),         # one row
    ("environmental_label", "A02010100", "彩色", "priority", "parent"),
    ("energy_saving", "A02021003", "彩色", "mandatory", "product_type_unmatched"),   # rows that differ
])
def test_an_unmatched_product_type_matters_only_where_the_rows_differ(kind, code, product_type, obligation, status):
    """A product type that selects no row leaves the code as it was when every candidate has the same
    obligation. Catches ``len(obligations) > 1`` → ``>= 1``."""
    lists = Lists()
    res = lists.index(lists.in_force(kind, INSIDE), "2022").resolve(code, product_type)
    assert (res.obligation, res.status) == (obligation, status)


def test_a_resolution_cannot_be_changed():
    """resolve() is cached: every caller shares one Resolution, so it must be immutable.
    Catches ``@dataclass(frozen=False)``."""
    lists = Lists()
    res = lists.index(lists.in_force("energy_saving", INSIDE), "2022").resolve("A02010105")
    with pytest.raises(dataclasses.FrozenInstanceError):
        res.status = "off_list"


# -- refdata ----------------------------------------------------------------------------------------
def test_default_registry_place(monkeypatch, tmp_path):
    """$LVCAI_REGISTRY, else $XDG_DATA_HOME/lvcai, else ~/.local/share/lvcai. Catches ``XDG and …``."""
    monkeypatch.delenv("LVCAI_REGISTRY", raising=False)
    monkeypatch.setenv("XDG_DATA_HOME", str(tmp_path / "xdg"))
    assert default_path() == tmp_path / "xdg" / "lvcai" / "registry.sqlite"
    monkeypatch.delenv("XDG_DATA_HOME")
    monkeypatch.setenv("HOME", str(tmp_path / "home"))
    assert default_path() == tmp_path / "home" / ".local" / "share" / "lvcai" / "registry.sqlite"
    monkeypatch.setenv("LVCAI_REGISTRY", str(tmp_path / "r.sqlite"))
    assert default_path() == tmp_path / "r.sqlite"


def test_a_new_registry_is_made_with_its_directories(tmp_path):
    """Catches ``mkdir(parents=False)``."""
    reg = RefData(tmp_path / "a" / "b" / "registry.sqlite", create=True)
    assert reg.path.is_file() and reg.counts()["certificates"] == 0


def test_a_one_day_ban_and_a_certificate_issued_and_expiring_the_same_day_are_accepted(tmp_path):
    """x-order rejects an end before the start, not an end on the start day. Catches ``<`` → ``<=``."""
    reg = RefData(tmp_path / "r.sqlite", create=True)
    (tmp_path / "credit.csv").write_text(
        "credit_code,name,conduct,ban_start,ban_end,authority,source\n"
        f"{BANNED},某公司,提供虚假材料,2025-07-01,2025-07-01,财政局,名单\n", encoding="utf-8")
    (tmp_path / "certs.csv").write_text(
        "number,type,holder,issued,expires,issuer,status\nN1,energy_saving,某公司,2025-07-01,2025-07-01,机构,valid\n",
        encoding="utf-8")
    assert reg.import_file("credit", tmp_path / "credit.csv").imported == 1
    assert reg.import_file("certificates", tmp_path / "certs.csv").imported == 1
    assert [len(reg.bans(BANNED, d)) for d in ("2025-06-30", "2025-07-01", "2025-07-02")] == [0, 1, 0]


def test_skip_bad_without_a_rejects_file(tmp_path):
    """The library's skip_bad writes rejects only when asked to. Catches ``bad or rejects``."""
    from test_refdata import BAD, write
    reg = RefData(tmp_path / "r.sqlite", create=True)
    res = reg.import_file("certificates", write(tmp_path / "bad.csv", BAD), skip_bad=True)
    assert (res.imported, len(res.rejected)) == (1, 3)
    good = write(tmp_path / "good.csv", BAD.splitlines()[0] + "\nY1,energy_saving,Acme,2024-01-01,2026-01-01,Body,valid\n")
    rejects = tmp_path / "rejects.csv"
    assert reg.import_file("certificates", good, skip_bad=True, rejects=rejects).rejected == []
    assert not rejects.exists()                      # nothing rejected: no rejects file


def test_list_imports_are_told_apart_by_their_content(tmp_path):
    """The same list file twice changes nothing; another list file is imported.
    Catches ``kind='list' OR sha256=?`` and the "already" result's values."""
    doc = json.loads((ROOT / "rules" / "lists" / "energy_saving_2019.json").read_text(encoding="utf-8"))
    first, second = tmp_path / "es2027.json", tmp_path / "es2031.json"
    first.write_text(json.dumps(dict(doc, edition_id="energy_saving/2027", edition="2027", effective_from="2027-01-01"),
                                ensure_ascii=False), encoding="utf-8")
    second.write_text(json.dumps(dict(doc, edition_id="energy_saving/2031", edition="2031", effective_from="2031-01-01"),
                                 ensure_ascii=False), encoding="utf-8")
    reg = RefData(tmp_path / "r.sqlite", create=True)
    res = reg.import_file("list", first)
    assert (res.imported, res.already) == (len(doc["rows"]), False)
    again = reg.import_file("list", first)
    assert (again.imported, again.already) == (0, True)
    other = reg.import_file("list", second)
    assert (other.imported, other.already) == (len(doc["rows"]), False)
    assert [d["edition_id"] for d in reg.list_docs()] == ["energy_saving/2027", "energy_saving/2031"]


def test_an_integrity_record_without_a_date_is_dated_today(tmp_path):
    """Catches ``on and today`` (a record with no date)."""
    reg = RefData(tmp_path / "r.sqlite", create=True)
    before = dt.date.today().isoformat()
    reg.record(BANNED, "某公司", "虚假节能证书声明")
    after = dt.date.today().isoformat()
    (rec,) = reg.integrity_records(BANNED)
    assert rec["recorded_on"] in (before, after) and rec["finding"] == "虚假节能证书声明"
