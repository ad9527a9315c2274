"""The green value (checker/evaluation/value.py via lcc.evaluate): kWh, m³ and t CO2 saved against the
baseline grade over the service life, and the CO2's money value, against hand-worked examples; the
grid factor by region and year (the nearest earlier year, said; national where the region has none)."""
import pytest

from checker.evaluation import data as _data, value as _value
from test_lcc import desktop, evaluate, plan

GRID = _data.load().grid


def test_region_with_its_own_factor():
    g = _value.grid_factor(GRID, "440304", "2023-06-01")        # 深圳 → 广东 → 南方区域电网, 2023
    assert (g["region"], g["year"], g["value"], g["notes"]) == ("south", 2023, 0.4042, [])
    assert g["verified"] is True


def test_plan_dated_in_a_year_without_factor_uses_the_nearest_earlier_and_says_so():
    g = _value.grid_factor(GRID, "440304", "2026-04-20")
    assert (g["year"], g["value"], g["plan_year"]) == (2023, 0.4042, 2026)
    assert g["notes"] == ["year_earlier"]
    g = _value.grid_factor(GRID, "440304", "2022-12-31")        # 2022's own southern factor
    assert (g["year"], g["value"], g["notes"]) == (2022, 0.3869, [])


def test_region_without_factor_for_the_year_uses_the_national_one():
    # 北京 → 华北: the shipped data have its 2023 factor only; a 2022 plan gets the national 2022 factor
    g = _value.grid_factor(GRID, "110101", "2022-05-01")
    assert (g["region"], g["year"], g["value"]) == ("national", 2022, 0.5366)
    assert g["notes"] == ["region_no_factor"]
    assert g["verified"] is False        # the province → grid mapping of 北京 is from memory


@pytest.mark.parametrize("region", [None, "710000", "81"])
def test_no_or_unmapped_region_is_national(region):
    g = _value.grid_factor(GRID, region, "2024-01-01")
    assert (g["region"], g["year"], g["value"]) == ("national", 2023, 0.5306)
    assert g["notes"] == ["region_unknown", "year_earlier"]


def test_before_every_factor_there_is_none_and_no_co2():
    g = _value.grid_factor(GRID, "440304", "2020-06-30")
    assert g["value"] is None and "no_factor_up_to_year" in g["notes"]
    it = evaluate(plan([desktop()], date="2020-06-30"))["items"][0]
    assert it["saved"]["kwh"] == pytest.approx(6000.0)           # kWh need no factor
    assert it["saved"]["t_co2"] is None and it["saved"]["money_value"] is None
    assert "grid_factor" in it["missing"]


def test_saved_and_money_value_by_hand():
    # 10 desktops category A, grade 1 (98 kWh/a) against grade 3 (198 kWh/a), 6 years:
    # 10 × (198 − 98) × 6 = 6,000 kWh; × 0.4042 kg/kWh ÷ 1000 = 2.4252 t CO2; × 100 yuan/t = 242.52 yuan
    ev = evaluate(plan([desktop()]))
    it = ev["items"][0]
    assert it["saved"] == {"kwh": 6000.0, "m3": None, "t_co2": pytest.approx(2.4252), "money_value": pytest.approx(242.52)}


def test_totals_per_project_plan_and_group():
    # + 4 toilets grade 1 (4.0 L) against grade 3 (6.4 L), 30 flushes a day, 250 days, 6 years:
    # 4 × 2.4 L × 30 × 250 ÷ 1000 × 6 = 432 m³
    wc = {"line_id": "02", "category_code": "A05020105", "product_type": "坐便器", "name": "坐便器", "quantity": 4,
          "unit_price": 1500, "amount": 6000, "lcc": {"grade_required": 1, "uses_per_day": 30, "days_per_year": 250}}
    ev = evaluate(plan([desktop(), wc]))
    assert ev["items"][1]["saved"]["m3"] == pytest.approx(432.0)
    assert ev["projects"][0]["saved"] == {"kwh": 6000.0, "m3": 432.0, "t_co2": 2.4252, "money_value": 242.52}
    assert ev["plan"]["saved"] == ev["projects"][0]["saved"]
    assert ev["plan"]["by_group"]["computers"]["kwh"] == 6000.0
    assert ev["plan"]["by_group"]["sanitary_tapware"]["m3"] == 432.0


def test_a_superseded_standard_is_said_and_unverified():
    wc = {"line_id": "02", "category_code": "A05020105", "product_type": "坐便器", "name": "坐便器", "quantity": 1,
          "unit_price": 1500, "amount": 1500, "lcc": {"grade_required": 2, "uses_per_day": 30, "days_per_year": 250}}
    before = evaluate(plan([wc], date="2025-04-30"))["items"][0]
    after = evaluate(plan([wc], date="2025-05-01"))["items"][0]       # GB 25502-2024 in force
    assert "superseded" not in before["notes"] and "superseded" in after["notes"]
    assert after["verified"] is False


def test_batch_summary_totals_by_agency_and_group_with_a_chart(tmp_path):
    import json

    from click.testing import CliRunner

    from checker.cli import main
    from conftest import ROOT
    src = json.loads((ROOT / "examples" / "green-evaluation.json").read_text(encoding="utf-8"))
    other = json.loads(json.dumps(src))
    other["plan_id"], other["agency"]["name"] = "OTHER-1", "另一单位"
    plans = tmp_path / "in"
    plans.mkdir()
    (plans / "a.json").write_text(json.dumps(src, ensure_ascii=False), encoding="utf-8")
    (plans / "b.json").write_text(json.dumps(other, ensure_ascii=False), encoding="utf-8")
    one = evaluate(src, {"lcc_discount_rate": 0.05, "electricity_price_yuan_per_kwh": 0.63,
                         "water_price_yuan_per_m3": 3.9, "carbon_price_yuan_per_t": 95.8})["plan"]["saved"]
    r = CliRunner().invoke(main, ["batch", str(plans), "-d", str(tmp_path / "out"), "-j", "1", "--profile", "shenzhen"])
    assert r.exit_code in (0, 1), r.output
    g = json.loads((tmp_path / "out" / "summary.json").read_text(encoding="utf-8"))["summary"]["green_value"]
    assert g["plans"] == 2
    assert g["total"]["kwh"] == pytest.approx(2 * one["kwh"]) and g["total"]["m3"] == pytest.approx(2 * one["m3"])
    assert set(g["by_agency"]) == {"另一单位", src["agency"]["name"]}
    assert g["by_agency"]["另一单位"]["t_co2"] == pytest.approx(one["t_co2"])
    assert g["by_group"]["sanitary_tapware"]["m3"] == pytest.approx(2 * 10200.0)
    html = (tmp_path / "out" / "summary.html").read_text(encoding="utf-8")
    assert 'class="green-chart"' in html and "<script" not in html.split('id="green-value"')[1].split("</svg>")[0]
    section = html.split('id="green-value"')[1]
    assert "本轮合计" in section and "计划合计" not in section   # the round's total, not a plan's
