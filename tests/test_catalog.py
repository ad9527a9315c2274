"""The shipped 2022 政府采购品目分类目录 (rules/catalogs/catalog_2022.json): whole, consistent, and
honest about what is verified. (Its comparison with the research files is a maintenance script under rules/maintenance/.)"""
import json
import re

from checker.refdata import shipped_catalogs
from conftest import ROOT

DOC = json.loads((ROOT / "rules/catalogs/catalog_2022.json").read_text(encoding="utf-8"))
ROWS = {r[0]: dict(zip(DOC["columns"], r)) for r in DOC["rows"]}


def significant(code):
    while len(code) > 3 and code.endswith("00"):
        code = code[:-2]
    return code


def test_provenance_names_the_document_its_source_and_what_is_verified():
    assert DOC["edition"] == "2022" and DOC["title"] == "政府采购品目分类目录"
    assert "agent_compliance" in DOC["source"]["snapshot"] and "source.pdf" in DOC["source"]["snapshot"]
    assert "PDF" in DOC["source"]["document"] and "extracted" in DOC["extraction"]
    assert set(DOC["verified"]) == {"code", "level", "parent_code", "name"}
    assert "not checked" in DOC["verified"]["name"]
    assert DOC["columns"] == ["code", "name", "level", "parent_code", "name_note"]


def test_every_code_once_in_the_2022_form():
    assert len(DOC["rows"]) == len(ROWS) == DOC["extracted_from"]["rows"] == 4301
    assert all(re.fullmatch(r"[ABC][0-9]{8}", c) for c in ROWS)


def test_levels_and_parents_follow_the_codes_and_every_parent_exists():
    for code, r in ROWS.items():
        sig = significant(code)
        level = (len(sig) - 1) // 2
        assert r["level"] == level, code
        assert r["parent_code"] == (sig[:-2].ljust(9, "0") if level > 1 else code[0]), code
        assert level == 1 or r["parent_code"] in ROWS, code
        assert r["name"].strip(), code


def test_top_levels_as_the_document_has_them():
    # POLICY.md §6 [S5]: goods 8 门类, works 10, services 25
    tops = {c: r["name"] for c, r in ROWS.items() if r["level"] == 1}
    assert [c for c in tops if c[0] == "A"] == [f"A0{i}000000" for i in range(1, 9)]
    assert (tops["A01000000"], tops["A02000000"], tops["A05000000"], tops["A08000000"]) == ("房屋和构筑物", "设备", "家具和用具", "无形资产")
    assert sum(c[0] == "B" for c in tops) == 10 and sum(c[0] == "C" for c in tops) == 25
    assert tops["C16000000"] == "信息技术服务" and "B99000000" in tops and "C99000000" in tops


def test_codes_of_the_crosswalk_mean_what_the_document_says():
    # POLICY.md §6: codes whose meaning changed between the 2013 and 2022 editions
    assert {c: ROWS[c]["name"] for c in ("A02010104", "A02010105", "A02010108", "A02010109", "A02061808", "A02021001")} == {
        "A02010104": "服务器", "A02010105": "台式计算机", "A02010108": "便携式计算机", "A02010109": "平板式计算机",
        "A02061808": "取暖器", "A02021001": "A3黑白打印机"}


def test_names_that_run_into_their_description_are_marked():
    flagged = {c for c, r in ROWS.items() if r["name_note"]}
    assert {"A02030503", "A02030504", "A02030505", "A08010101"} <= flagged
    assert all(re.search(r"见《|归入|入“|车长|包含|，包$", ROWS[c]["name"]) for c in flagged)
    assert not ROWS["A02010105"]["name_note"]


def test_catalog_editions_name_the_shipped_file_and_no_2013_catalog():
    eds = json.loads((ROOT / "rules/lists/catalog_editions.json").read_text(encoding="utf-8"))["editions"]
    assert eds["2013"]["catalog_file"] is None and eds["2022"]["catalog_file"] == "catalogs/catalog_2022.json"
    shipped = shipped_catalogs()
    assert set(shipped) == {"2022"} and len(shipped["2022"].codes) == 4301
