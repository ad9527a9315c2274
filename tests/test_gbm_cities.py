"""The green building-materials city list as a registry import (``registry import gbm_cities``): rows
validated against schemas/imports/gbm_cities.schema.json, recorded in the history, idempotent, and
read by the green_building pack in preference to its shipped, unverified table, with provenance
saying which was used. Also the registry verdict declared in data (rules/derived/certificates.json)."""
import json

import pytest
from click.testing import CliRunner

from checker import facts
from checker.api import Checker
from checker.cli import main
from checker.errors import DataError
from checker.policy import derived as _derived
from checker.refdata import RefData
from checker.ruletest import apply_set
from conftest import ROOT

CITIES_ZH = ("行政区划代码,城市名称,实施日期,文件,备注\n"
             "440300,广东省深圳市,2022/11/1,财库〔2022〕35号,\n"
             "3201,江苏省南京市,2022-11-01,财库〔2022〕35号,试点\n")
CITIES_EN = "code,city,from,document\n4403,Shenzhen,2022-11-01,CK-2022-35\n"


def lvcai(*args):
    return CliRunner().invoke(main, [str(a) for a in args], catch_exceptions=False)


def covered(checker, region, date="2026-03-16"):
    """gb_region_covered of a works project of a hospital in ``region`` (its declared examples' plan)."""
    base = json.loads((ROOT / "rules" / "examples" / "base.json").read_text(encoding="utf-8"))
    plan = apply_set(base, {"/projects/0/nature": "works", "/projects/0/building_type": "hospital",
                            "/projects/0/items/0/category_code": "B01000000", "/projects/0/items/0/name": "门诊楼施工",
                            "/projects/0/items/0/green_requirements": None, "/agency/region": region, "/date": date})
    d = checker.rulepacks.derived["gb_region_covered"]
    ev = _derived.Evaluator([d.id], {d.id: d}, {}, checker.tables)
    built = facts.build(plan, checker.lists, {"project": {d.id}}, checker.refdata, (), ev)
    return next(f for f in built.facts if f["id"] == "#/projects/0").get(d.id)


def test_import_via_cli_is_recorded_and_idempotent(tmp_path):
    reg = tmp_path / "r.sqlite"
    f = tmp_path / "cities.csv"
    f.write_text(CITIES_ZH, encoding="utf-8")
    r = lvcai("registry", "import", "gbm_cities", f, "--registry", reg, "--lang", "en")
    assert r.exit_code == 0 and "imported 2 row(s) of green building-material cities" in r.output
    again = lvcai("registry", "import", "gbm_cities", f, "--registry", reg, "--lang", "en")
    assert "already imported" in again.output
    ref = RefData(reg)
    assert ref.counts()["gbm_cities"] == 2
    assert [h[1] for h in ref.history()] == ["gbm_cities"]
    assert {r["prefix"]: r["valid_from"] for r in ref.table_rows("gbm_cities")} == {"440300": "2022-11-01", "3201": "2022-11-01"}


def test_english_headers_and_bad_rows(tmp_path):
    ref = RefData(tmp_path / "r.sqlite", create=True)
    en = tmp_path / "en.csv"
    en.write_text(CITIES_EN, encoding="utf-8")
    assert ref.import_file("gbm_cities", en).imported == 1
    bad = tmp_path / "bad.csv"
    bad.write_text("code,city,from,document\n44030X,深圳,2022-11-01,X\n3201,南京,2022-13-01,X\n", encoding="utf-8")
    with pytest.raises(DataError) as e:
        ref.import_file("gbm_cities", bad)
    assert "row 2, prefix" in str(e.value) and "row 3, valid_from" in str(e.value)


def test_imported_rows_win_over_the_shipped_table_and_provenance_says_so(tmp_path):
    shipped = Checker("national")
    assert covered(shipped, "440304") is False          # Shenzhen is not on the shipped (incomplete) table
    assert covered(shipped, "320102") is True
    prov = shipped.provenance()["tables"]
    assert prov[0]["id"] == "green_building_cities" and prov[0]["source"] == "shipped" and prov[0]["verified"] is False

    ref = RefData(tmp_path / "r.sqlite", create=True)
    f = tmp_path / "cities.csv"
    f.write_text(CITIES_EN, encoding="utf-8")
    ref.import_file("gbm_cities", f)
    imported = Checker("national", refdata=RefData(ref.path))
    assert covered(imported, "440304") is True
    assert covered(imported, "320102") is False          # only what was imported: the shipped rows are not merged
    assert covered(imported, "440304", date="2022-10-31") is None    # before the imported edition
    prov = imported.provenance()["tables"][0]
    assert prov["source"] == "registry" and prov["registry_kind"] == "gbm_cities" and prov["verified"] is True
    assert prov["editions"] == [{"from": "2022-11-01", "document": "CK-2022-35", "verified": True, "complete": True, "entries": 1}]


@pytest.mark.parametrize("row,date,verdict", [
    (None, "2025-08-15", "not_in_registry"),
    ({"status": "revoked", "issued": "2025-03-01", "expires": "2026-03-31", "product": "same"}, "2025-08-15", "revoked"),
    ({"status": "valid", "issued": "2025-03-01", "expires": "2026-03-31", "product": "same"}, "2026-03-31", "ok"),
    ({"status": "valid", "issued": "2025-03-01", "expires": "2026-03-31", "product": "same"}, "2026-04-01", "expired"),
    ({"status": "valid", "issued": "2025-03-01", "expires": "2026-03-31", "product": "same"}, "2025-02-28", "expired"),
    ({"status": "valid", "issued": "2025-03-01", "expires": "2026-03-31", "product": "differs"}, "2025-08-15", "mismatch"),
])
def test_registry_verdict_is_read_from_data(row, date, verdict):
    assert facts._declared_verdict("registry_match")(row, date) == verdict
