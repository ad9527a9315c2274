"""Life-cycle cost (checker/evaluation/lcc.py) against hand-worked examples, written out with their
arithmetic; a missing input is named and nothing is guessed; both catalog editions; `lvcai lcc`."""
import json
import re

import pytest
from click.testing import CliRunner

from checker.cli import main
from checker.evaluation import data as _data, lcc as _lcc
from checker.policy.rulepacks import RulePacks
from conftest import ROOT, plan_bytes

PARAMS = {"lcc_discount_rate": 0.05, "electricity_price_yuan_per_kwh": 0.6, "water_price_yuan_per_m3": 4.0,
          "carbon_price_yuan_per_t": 100.0}
BASIS = {k: f"test value of {k}" for k in PARAMS}


def plan(items, life=6, region="440304", date="2026-04-20", edition="2022", stage="plan", **project):
    return {"plan_id": "T-1", "date": date, "catalog_edition": edition, "stage": stage,
            "agency": {"name": "测试单位", "region": region},
            "projects": [{"project_id": "P1", "name": "测试项目", "procurement_method": "公开招标",
                          **({"service_life_years": life} if life is not None else {}), **project,
                          "evaluation": {"method": "lowest_price"}, "items": items}]}


def desktop(**lcc):
    return {"line_id": "01", "category_code": "A02010105", "name": "台式计算机", "quantity": 10, "unit_price": 5000,
            "amount": 50000, "lcc": {"category": "A", "grade_required": 1, **lcc}}


def evaluate(doc, params=PARAMS):
    return _lcc.evaluate(doc, params, BASIS, _data.load())


def test_present_value_factors_by_hand():
    # d = 5%, N = 6: 1.05^6 = 1.340096 → SPV = 0.746215; UPV = (1 − 0.746215) / 0.05 = 5.075692
    upv, spv = _lcc.present_value_factors(0.05, 6)
    assert spv == pytest.approx(0.746215, abs=1e-6)
    assert upv == pytest.approx(5.075692, abs=1e-6)
    # no discounting: N years count fully, the end is not discounted
    assert _lcc.present_value_factors(0.0, 6) == (6.0, 1.0)


def test_desktop_lcc_with_discounting_by_hand():
    # GB 28380-2012, desktop category A: grade 1 TEC 98 kWh/a, baseline grade 3: 198 kWh/a.
    # 10 units at 5,000: purchase 50,000; installation 10 × 100 = 1,000;
    # energy 10 × 98 × 0.6 × 5.075692 = 2,984.51; maintenance 10 × 50 × 5.075692 = 2,537.85;
    # end of life 10 × 20 × 0.746215 = 149.24; residual 10 × 300 × 0.746215 = 2,238.65;
    # LCC = 50,000 + 1,000 + 2,984.51 + 2,537.85 + 149.24 − 2,238.65 = 54,432.95
    doc = plan([desktop(installation_cost=100, maintenance_cost_per_year=50, end_of_life_cost=20, residual_value=300)])
    it = evaluate(doc)["items"][0]
    assert it["model"] == "desktop_computer" and it["missing"] == [] and it["not_included"] == []
    assert it["annual"] == {"offer": 98.0, "baseline": 198.0, "unit": "kWh"}
    lcc = it["lcc"]
    assert lcc["purchase"] == 50000.0 and lcc["installation"] == 1000.0
    assert lcc["energy"] == pytest.approx(2984.51, abs=0.01)
    assert lcc["maintenance"] == pytest.approx(2537.85, abs=0.01)
    assert lcc["end_of_life"] == pytest.approx(149.24, abs=0.01)
    assert lcc["residual_value"] == pytest.approx(2238.65, abs=0.01)
    assert lcc["total"] == pytest.approx(54432.95, abs=0.02)
    # CO2 externality: 10 × 98 kWh × 0.4042 kg/kWh ÷ 1000 × 100 yuan/t × 5.075692 = 201.06
    assert lcc["co2_externality"] == pytest.approx(201.06, abs=0.01)
    assert lcc["total_with_co2"] == pytest.approx(54432.95 + 201.06, abs=0.03)


def test_water_lcc_by_hand_and_costs_not_stated_are_named():
    # GB 25501 taps: grade 1 0.100 L/s; 10 s per use, 40 uses a day, 250 days:
    # 0.1 × 10 × 40 × 250 ÷ 1000 = 10 m³ a year per tap. 5 taps at 300, 10 years at 5%:
    # UPV = (1 − 1.05^−10) / 0.05 = 7.721735; water 5 × 10 × 4.0 × 7.721735 = 1,544.35
    # LCC = 1,500 + 1,544.35 = 3,044.35 (no installation, maintenance, end of life, residual value stated)
    tap = {"line_id": "02", "category_code": "A05020106", "name": "水嘴", "quantity": 5, "unit_price": 300, "amount": 1500,
           "lcc": {"grade_required": 1, "seconds_per_use": 10, "uses_per_day": 40, "days_per_year": 250}}
    it = evaluate(plan([tap], life=10))["items"][0]
    assert it["annual"]["offer"] == pytest.approx(10.0) and it["annual"]["baseline"] == pytest.approx(15.0)
    assert it["lcc"]["water"] == pytest.approx(1544.35, abs=0.01)
    assert it["lcc"]["total"] == pytest.approx(3044.35, abs=0.01)
    assert it["lcc"]["co2_externality"] is None
    assert it["not_included"] == list(_lcc.COSTS)
    assert it["verified"] is False   # the 2019 tap grades are from memory


def test_air_conditioner_by_hand():
    # GB 21455-2019, ≤4,500 W: grade 1 APF 5.00, baseline grade 5 APF 3.30; 3.5 kW × 1,000 h (the model's
    # assumption) = 3,500 kWh thermal → 700 kWh at grade 1, 1,060.61 kWh at grade 5
    ac = {"line_id": "03", "category_code": "A02061804", "product_type": "房间空气调节器", "name": "空调", "quantity": 2,
          "unit_price": 4000, "amount": 8000, "lcc": {"grade_required": 1, "rated_cooling_kw": 3.5}}
    it = evaluate(plan([ac]))["items"][0]
    assert it["annual"]["offer"] == pytest.approx(700.0)
    assert it["annual"]["baseline"] == pytest.approx(1060.606061, abs=1e-6)
    hours = next(i for i in it["inputs"] if i["name"] == "full_load_hours")
    assert hours["value"] == 1000 and hours["verified"] is False
    # the plan's own hours replace the assumption: 3.5 × 800 ÷ 5.0 = 560
    ac["lcc"]["full_load_hours"] = 800
    it = evaluate(plan([ac]))["items"][0]
    assert it["annual"]["offer"] == pytest.approx(560.0)
    assert next(i for i in it["inputs"] if i["name"] == "full_load_hours")["source"] == "plan"
    # a capacity above the standard's 14 kW is no variant: named, not guessed
    ac["lcc"]["rated_cooling_kw"] = 20
    it = evaluate(plan([ac]))["items"][0]
    assert "rated_cooling_kw" in it["missing"] and it["lcc"] is None and "variant_out_of_range" in it["notes"]


@pytest.mark.parametrize("drop, name", [
    ("grade_required", "grade"),
    ("category", "category"),
])
def test_a_missing_item_input_is_named_and_nothing_is_computed(drop, name):
    item = desktop()
    del item["lcc"][drop]
    it = evaluate(plan([item]))["items"][0]
    assert it["missing"] == [name]
    assert it["lcc"] is None and it["annual"] is None
    assert it["saved"] == {"kwh": None, "m3": None, "t_co2": None, "money_value": None}


def test_missing_service_life_and_missing_price_are_named():
    it = evaluate(plan([desktop()], life=None))["items"][0]
    assert it["missing"] == ["service_life_years"] and it["lcc"] is None
    # without an electricity price the LCC is left out, the savings (which need no price) are not
    it = evaluate(plan([desktop()]), {**PARAMS, "electricity_price_yuan_per_kwh": None})["items"][0]
    assert it["missing"] == ["electricity_price_yuan_per_kwh"] and it["lcc"] is None
    assert it["saved"]["kwh"] == pytest.approx(10 * 100 * 6)


def test_national_profile_has_no_water_price_and_says_so():
    rp = RulePacks()
    prof = rp.profile("national")
    values = rp.values(prof)
    assert values["water_price_yuan_per_m3"] is None
    assert rp.values(rp.profile("shenzhen"))["water_price_yuan_per_m3"] == 3.9
    wc = {"line_id": "01", "category_code": "A05020105", "product_type": "坐便器", "name": "坐便器", "quantity": 1,
          "unit_price": 1000, "amount": 1000, "lcc": {"grade_required": 2, "uses_per_day": 20, "days_per_year": 250}}
    it = _lcc.evaluate(plan([wc]), values, {}, _data.load())["items"][0]
    assert it["missing"] == ["water_price_yuan_per_m3"] and it["lcc"] is None
    # 1 × (6.4 − 5.0) L × 20 × 250 ÷ 1000 × 6 years = 42 m³
    assert it["saved"]["m3"] == pytest.approx(42.0)


def test_a_grade_the_standard_does_not_have_is_refused():
    it = evaluate(plan([desktop(grade_required=4)]))["items"][0]
    assert it["missing"] == ["grade"] and "grade_not_in_standard" in it["notes"]


def test_a_model_without_grade_values_says_so():
    display = {"line_id": "01", "category_code": "A02021104", "name": "显示器", "quantity": 1, "unit_price": 900,
               "amount": 900, "lcc": {"grade_required": 1}}
    it = evaluate(plan([display]))["items"][0]
    assert it["model"] == "display" and it["missing"] == ["no_grade_data"] and it["lcc"] is None


@pytest.mark.parametrize("edition, code, model", [
    ("2013", "A02010104", "desktop_computer"),     # 2013: A02010104 台式计算机
    ("2013", "A02010105", "portable_computer"),    # 2013: A02010105 便携式计算机 …
    ("2022", "A02010105", "desktop_computer"),     # … which is 台式计算机 in 2022
    ("2022", "A02010108", "portable_computer"),
    ("2013", "A0206180203", "room_air_conditioner"),
    ("2022", "A02061804", "room_air_conditioner"),
    ("2013", "A060806", "tap"),
    ("2022", "A05020106", "tap"),
])
def test_both_catalog_editions(edition, code, model):
    item = {"line_id": "01", "category_code": code, "name": "x", "quantity": 1, "unit_price": 1, "amount": 1,
            "product_type": "房间空气调节器", "lcc": {"grade_required": 1}}
    it = evaluate(plan([item], edition=edition))["items"][0]
    assert it["model"] == model


def test_sub_type_codes_need_the_product_type():
    # A02061819 (2022) covers electric, gas, heat-pump and solar water heaters: only 电热水器 has a model
    wh = {"line_id": "01", "category_code": "A02061819", "name": "热水器", "quantity": 1, "unit_price": 2000, "amount": 2000,
          "lcc": {"grade_required": 1, "reference_loss_kwh_24h": 1.0, "days_per_year": 365}}
    it = evaluate(plan([wh]))["items"][0]
    assert "product_type" in it["missing"]
    wh["product_type"] = "电热水器"
    it = evaluate(plan([wh]))["items"][0]
    # ε 0.6 × 1.0 kWh × 365 = 219 kWh; baseline grade 5: ε 1.0 → 365 kWh
    assert it["missing"] == [] and it["annual"]["offer"] == pytest.approx(219.0) and it["annual"]["baseline"] == pytest.approx(365.0)


def test_award_uses_the_grade_offered():
    item = desktop(grade_required=2)
    item["award"] = {"supplier": {"name": "供应商"}, "certificates": [], "grade_offered": 1}
    it = evaluate(plan([item], stage="award"))["items"][0]
    assert it["grade"] == 1 and it["grade_from"] == "award"
    del item["award"]["grade_offered"]
    it = evaluate(plan([item], stage="award"))["items"][0]
    assert it["grade"] == 2 and "grade_required_used_at_award" in it["notes"]


def test_legal_frame_per_project():
    ev = evaluate(plan([desktop()], design_solution=True))
    assert ev["projects"][0]["lcc_as_award_factor"] == "allowed"
    assert evaluate(plan([desktop()]))["projects"][0]["lcc_as_award_factor"] == "information_only"


def test_check_output_carries_it_only_when_the_plan_states_an_input(checker):
    doc = plan([desktop()])
    r = checker.check(plan_bytes(doc), "t.json")
    assert "life_cycle_cost" in r.meta
    del doc["projects"][0]["service_life_years"]
    del doc["projects"][0]["items"][0]["lcc"]
    r = checker.check(plan_bytes(doc), "t.json")
    assert "life_cycle_cost" not in r.meta
    assert not [f for f in r.findings if f.rule_id == "CHK-005"]   # lcc is a known field
    doc["projects"][0]["items"][0]["lcc"] = {"grade_requird": 1}
    r = checker.check(plan_bytes(doc), "t.json")
    assert [f.values for f in r.findings if f.rule_id == "CHK-005"] == [(("field", "grade_requird"), ("closest_known_field", "grade_required"))]


EXAMPLE = str(ROOT / "examples" / "green-evaluation.json")


def test_cli_lcc_text_in_both_languages():
    r = CliRunner().invoke(main, ["lcc", EXAMPLE, "--profile", "shenzhen", "--lang", "en"])
    assert r.exit_code == 1, r.output    # the display and the lamp have no grade values: named, exit 1
    assert "Life-cycle cost (CNY) 297,901.84" in r.stdout
    assert "Inputs missing (the figures that need them are not computed): the standard's grade values (not retrieved)" in r.stdout
    assert "Grid emission factor: China Southern grid 2023, 0.4042 kgCO2/kWh (plan year 2026)" in r.stdout
    zh = CliRunner().invoke(main, ["lcc", EXAMPLE, "--profile", "shenzhen"])
    assert "全生命周期成本（元） 297,901.84" in zh.stdout and "计划年份没有排放因子，使用此前最近一年（2023 年）的。" in zh.stdout


def test_cli_lcc_json_has_every_input():
    r = CliRunner().invoke(main, ["lcc", EXAMPLE, "--format", "json", "--profile", "shenzhen"])
    doc = json.loads(r.stdout)
    res = doc["results"][0]
    desk = res["life_cycle_cost"]["items"][0]
    names = {i["name"] for i in desk["inputs"]}
    assert {"quantity", "unit_price", "service_life_years", "grade", "grade_value", "baseline_grade", "baseline_grade_value",
            "lcc_discount_rate", "electricity_price_yuan_per_kwh", "grid_factor", "carbon_price_yuan_per_t",
            "maintenance_cost_per_year", "residual_value", "category"} <= names
    assert all({"value", "unit", "source", "verified"} <= set(i) for i in desk["inputs"])
    assert res["green_value"]["grid_factor"]["year"] == 2023


def test_cli_lcc_exit_codes(tmp_path):
    complete = plan([desktop()])
    path = tmp_path / "p.json"
    path.write_text(json.dumps(complete, ensure_ascii=False), encoding="utf-8")
    assert CliRunner().invoke(main, ["lcc", str(path)]).exit_code == 0
    del complete["projects"][0]["service_life_years"]
    path.write_text(json.dumps(complete, ensure_ascii=False), encoding="utf-8")
    r = CliRunner().invoke(main, ["lcc", str(path), "--lang", "en"])
    assert r.exit_code == 1 and "the project's service life" in r.stdout
    path.write_text("{", encoding="utf-8")
    assert CliRunner().invoke(main, ["lcc", str(path)]).exit_code == 2


def test_a_spreadsheet_plan_gives_the_inputs_in_columns(tmp_path):
    # the same desktop line as above, without installation and end of life: 10 × 98 kWh × 0.63 (the national
    # default price) × 5.075692 = 3,133.73; maintenance 10 × 50 × 5.075692 = 2,537.85
    csv = ("计划编号,日期,采购单位,项目编号,项目名称,采购方式,评审方法,行号,品目编码,名称,数量,单价,金额,节能产品,"
           "使用年限,要求的能效等级,能效标准产品类别,年维护费\n"
           "P-1,2026-04-01,某单位,X1,电脑采购,公开招标,最低评标价法,01,A02010105,台式机,10,5000,50000,强制采购,6,1,A,50\n")
    path = tmp_path / "plan.csv"
    path.write_text(csv, encoding="utf-8")
    r = CliRunner().invoke(main, ["lcc", str(path), "--format", "json"])
    assert r.exit_code == 0, r.output
    it = json.loads(r.stdout)["results"][0]["life_cycle_cost"]["items"][0]
    assert it["lcc"]["energy"] == pytest.approx(3133.73, abs=0.01)
    assert it["lcc"]["maintenance"] == pytest.approx(2537.85, abs=0.01)


def test_the_example_report_shows_the_lcc_table_the_green_value_and_the_assumptions(tmp_path):
    out = tmp_path / "r.html"
    r = CliRunner().invoke(main, ["report", EXAMPLE, "--format", "html", "-o", str(out), "--profile", "shenzhen", "--lang", "en"])
    assert r.exit_code in (0, 1), r.output
    html = out.read_text(encoding="utf-8")
    assert '<table class="resp lcc">' in html and '<table class="resp green-value">' in html
    assert "297,901.84" in html and "Assumptions and sources" in html
    assert "no (not verified)" in html            # the prices rest on unverified sources, and say so


def test_plan_text_in_the_section_is_escaped(tmp_path):
    doc = plan([dict(desktop(), name="<script>alert(1)</script>")])
    doc["projects"][0]["name"] = "<b>项目</b>"
    path = tmp_path / "p.json"
    path.write_text(json.dumps(doc, ensure_ascii=False), encoding="utf-8")
    out = tmp_path / "r.html"
    CliRunner().invoke(main, ["report", str(path), "--format", "html", "-o", str(out)])
    html = out.read_text(encoding="utf-8")
    assert "<script>alert" not in html and "<b>项目" not in html and "&lt;script&gt;alert(1)" in html


@pytest.mark.parametrize("lang", ["zh", "en"])
def test_the_section_speaks_the_readers_words_not_the_plans_field_names(lang):
    schema = json.loads((ROOT / "schemas" / "plan.schema.json").read_text(encoding="utf-8"))
    fields = set(schema["$defs"]["lcc"]["properties"]) | {"service_life_years", "design_solution", "grade_offered"}
    params = set(json.loads((ROOT / "rules" / "evaluation" / "parameters.json").read_text(encoding="utf-8"))["params"])
    r = CliRunner().invoke(main, ["lcc", EXAMPLE, "--profile", "shenzhen", "--lang", lang])
    words = set(re.findall(r"[A-Za-z_][A-Za-z0-9_]*", r.stdout))
    assert not words & {f for f in fields | params if "_" in f}
    assert "/projects/" not in r.stdout
    if lang == "zh":   # the sources are cited in Chinese too
        assert "来源：GB 28380-2012《微型计算机能效限定值及能效等级》" in r.stdout
