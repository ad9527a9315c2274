"""The shipped list data (rows with their provenance), and code resolution in both catalog editions.
(The comparison with the research files is a maintenance script under rules/maintenance/.)"""
import gc
import json
import weakref

import pytest

from checker.lists import ListIndex, Lists
from conftest import ROOT

LISTS = Lists()
KINDS = ("energy_saving", "environmental_label")
CATALOG_2022 = {r[0] for r in json.loads((ROOT / "rules/catalogs/catalog_2022.json").read_text(encoding="utf-8"))["rows"]}


def edition(kind):
    (doc,) = LISTS.editions[kind]
    return doc


@pytest.mark.parametrize("kind", KINDS)
def test_rows_carry_their_provenance(kind):
    doc = edition(kind)
    assert doc["document"] and doc["source"] and doc["completeness"] and doc["verified"] is False
    assert len({r["id"] for r in doc["rows"]}) == len(doc["rows"])
    for row in doc["rows"]:
        assert row["source_notes"].strip(), row["id"]
        assert row["verified"] == (not row["unverified"]), row["id"]


def test_every_starred_row_is_mandatory_and_there_are_24():
    rows = edition("energy_saving")["rows"]
    starred = {r["id"] for r in rows if r["source_notes"].startswith("★")}
    mandatory = {r["id"] for r in rows if r["obligation"] == "mandatory"}
    assert starred == mandatory
    assert len(mandatory) == 24   # the 24 ★ product types of 财库〔2019〕19号 [S1]


def test_environmental_label_rows_are_all_priority():
    assert {r["obligation"] for r in edition("environmental_label")["rows"]} == {"priority"}


@pytest.mark.parametrize("kind", KINDS)
def test_every_code_resolves_in_both_editions(kind):
    doc = edition(kind)
    idx13, idx22 = LISTS.index(doc, "2013"), LISTS.index(doc, "2022")
    for row in doc["rows"]:
        if row["code_2013"]:
            assert row["id"] in {r.id for r in idx13.resolve(row["code_2013"], row["product_type"]).rows}, row["id"]
        for code in row["codes_2022"]:
            assert code in CATALOG_2022, f"{row['id']}: {code} is not in the shipped 2022 catalog"
            assert row["id"] in {r.id for r in idx22.resolve(code, row["product_type"]).rows}, (row["id"], code)
        if row["code_2013"] and not row["codes_2022"]:
            assert "no 2022 code" in row["crosswalk_basis"]


def test_resolutions_are_remembered_per_index_and_do_not_keep_it_alive():
    a, b = (ListIndex(edition("energy_saving"), "2022", LISTS.catalogs) for _ in range(2))
    first = a.resolve("A02010105")
    assert a.resolve("A02010105") is first                 # remembered
    assert b.resolve("A02010105") is not first             # by its own index
    gone = weakref.ref(a)
    del a
    gc.collect()
    assert gone() is None


def test_the_memo_is_bounded(monkeypatch):
    monkeypatch.setattr(ListIndex, "CACHE_SIZE", 3)
    idx = ListIndex(edition("energy_saving"), "2022", LISTS.catalogs)
    for pt in ("a", "b", "c", "d", "e"):
        idx.resolve("A02021003", pt)
        assert len(idx._cache) <= 3
    assert idx.resolve("A02021003", "喷墨打印机").obligation == "priority"


def test_unmapped_rows_say_why():
    for kind in KINDS:
        for row in edition(kind)["rows"]:
            if not row["codes_2022"]:
                assert row["crosswalk_basis"], row["id"]


@pytest.mark.parametrize("catalog,code,product_type,obligation,status,names", [
    ("2022", "A02010105", None, "mandatory", "listed", ["台式计算机"]),
    ("2013", "A02010104", None, "mandatory", "listed", ["台式计算机"]),
    ("2022", "A02010104", None, "none", "off_list", []),          # 2022 A02010104 is 服务器
    ("2013", "A02010105", None, "mandatory", "listed", ["便携式计算机"]),
    ("2022", "A02021003", None, "mandatory", "ambiguous", ["喷墨打印机", "激光打印机", "针式打印机"]),
    ("2022", "A02021003", "喷墨打印机", "priority", "listed", ["喷墨打印机"]),
    ("2022", "A02021003", "ES2019-005", "mandatory", "listed", ["激光打印机"]),
    ("2022", "A02021003", "彩色", "mandatory", "product_type_unmatched", ["喷墨打印机", "激光打印机", "针式打印机"]),
    ("2022", "A02010100", None, "mandatory", "parent", ["台式计算机", "便携式计算机", "平板式微型计算机"]),
    ("2022", "A02061819", None, "mandatory", "ambiguous", ["热水器—电热水器", "热水器—燃气热水器", "热水器—热泵热水机(器)", "热水器—太阳能热水系统"]),
    ("2022", "A02061808", None, "none", "off_list", []),           # 2022 A02061808 is 取暖器
    ("2022", "A02061908", None, "mandatory", "ambiguous", ["普通照明用双端荧光灯", "LED筒灯", "普通照明用非定向自镇流LED灯"]),
    ("2022", "A09000000", None, "none", "off_list", []),
])
def test_energy_list_resolution(catalog, code, product_type, obligation, status, names):
    res = LISTS.index(edition("energy_saving"), catalog).resolve(code, product_type)
    assert (res.obligation, res.status, [r.name for r in res.rows]) == (obligation, status, names)


@pytest.mark.parametrize("catalog,code,names", [
    ("2022", "A02010104", ["服务器"]),
    ("2022", "A05010201", ["台、桌类"]),      # descendant of a listed 2022 code
    ("2013", "A060101", ["床类"]),            # descendant of a listed 2013 code
    ("2022", "A02061808", ["生活用电器"]),    # a heater is still a 生活用电器
    ("2013", "A02021001", ["文印设备"]),      # 2013 速印机 under 文印设备; in 2022 it is an A3 printer
    ("2022", "A02021001", ["喷墨打印机", "激光打印机", "热式打印机", "针式打印机"]),
])
def test_environmental_label_resolution(catalog, code, names):
    res = LISTS.index(edition("environmental_label"), catalog).resolve(code)
    assert [r.name for r in res.rows] == names and res.obligation == "priority"


def test_editions_are_selected_by_date():
    assert LISTS.in_force("energy_saving", "2019-03-31") is None
    assert LISTS.in_force("energy_saving", "2019-04-01")["edition_id"] == "energy_saving/2019"
    assert LISTS.in_force("environmental_label", "2026-11-23")["edition_id"] == "environmental_label/2019"


def test_a_new_edition_ends_the_one_before_and_explicit_overlaps_are_rejected(tmp_path):
    import shutil
    from checker.errors import DataError
    d = tmp_path / "lists"
    shutil.copytree(ROOT / "rules" / "lists", d)
    doc = json.loads((d / "energy_saving_2019.json").read_text(encoding="utf-8"))
    doc["edition"], doc["edition_id"], doc["effective_from"] = "2027", "energy_saving/2027", "2027-01-01"
    (d / "energy_saving_2027.json").write_text(json.dumps(doc, ensure_ascii=False), encoding="utf-8")
    lists = Lists(d)
    assert lists.in_force("energy_saving", "2026-12-31")["edition_id"] == "energy_saving/2019"
    assert lists.in_force("energy_saving", "2027-01-01")["edition_id"] == "energy_saving/2027"
    old = json.loads((d / "energy_saving_2019.json").read_text(encoding="utf-8"))
    old["effective_until"] = "2027-06-01"
    (d / "energy_saving_2019.json").write_text(json.dumps(old, ensure_ascii=False), encoding="utf-8")
    with pytest.raises(DataError, match="overlaps energy_saving/2019, which is in force until 2027-06-01"):
        Lists(d)
