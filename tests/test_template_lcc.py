"""The life-cycle cost columns of spreadsheet plans: the blank template has them (with their help and
cell validation), every header lvcai writes reads back as its column, and a plan converted to a
spreadsheet gives the same life-cycle cost and green value as the JSON it came from."""
import copy
import json
from pathlib import Path

import pytest
from click.testing import CliRunner

from checker.cli import main
from checker.plans import values as V
from checker.plans import write
from checker.plans.sheet import _UNIT, spec

EXAMPLES = Path(__file__).resolve().parent.parent / "examples"
LCC_COLUMNS = ("service_life_years", "design_solution", "grade_required", "lcc_category", "rated_cooling_kw",
               "full_load_hours", "uses_per_day", "seconds_per_use", "days_per_year", "reference_loss_kwh_24h",
               "installation_cost", "maintenance_cost_per_year", "end_of_life_cost", "residual_value")


def _read_as(header):
    """The column a header is read as (sheet.py's lookup: the header, else without a unit suffix)."""
    sp = spec()
    key = V.norm_key(header)
    f = sp["_lookup"].get(key)
    if f is None:
        m = _UNIT.match(key)
        f = sp["_lookup"].get(m[1]) if m else None
    return f


@pytest.mark.parametrize("lang", ["zh", "en"])
def test_every_header_lvcai_writes_reads_back_as_its_column(lang):
    # convert and the template write x-labels; a label that is no alias is a column the reader drops
    wrong = {f: (label[lang], _read_as(label[lang])) for f, label in spec()["x-labels"].items() if _read_as(label[lang]) != f}
    assert wrong == {}


def _lcc(path, lang="en"):
    r = CliRunner().invoke(main, ["lcc", str(path), "--format", "json", "--lang", lang])
    assert r.exit_code in (0, 1), r.output
    res = json.loads(r.stdout)["results"][0]
    return res["status"], res["life_cycle_cost"], res["green_value"]


def _without_factors(tmp_path):
    """examples/green-evaluation.json without its evaluation factors (a sheet row cannot hold them)."""
    doc = json.loads((EXAMPLES / "green-evaluation.json").read_text(encoding="utf-8"))
    doc = copy.deepcopy(doc)
    for p in doc["projects"]:
        del p["evaluation"]["factors"]
    path = tmp_path / "green.json"
    path.write_text(json.dumps(doc, ensure_ascii=False), encoding="utf-8")
    return path


@pytest.mark.parametrize("lang,fmt", [("zh", "xlsx"), ("en", "xlsx"), ("zh", "csv")])
def test_a_converted_plan_gives_the_same_life_cycle_cost_and_green_value(tmp_path, lang, fmt):
    src = _without_factors(tmp_path)
    out = tmp_path / f"green.{fmt}"
    r = CliRunner().invoke(main, ["convert", str(src), "-o", str(out), "--lang", lang])
    assert r.exit_code == 0, r.output
    want = _lcc(src)
    got = _lcc(out)
    assert got == want
    # not vacuously: the example computes kWh, m³ and CO2 for its grades
    total = want[2]["plan"]
    assert total["kwh"] > 100000 and total["m3"] > 10000 and total["t_co2"] > 50
    # and the sheet holds the grades and inputs under their own headers
    back = CliRunner().invoke(main, ["convert", str(out), "-o", str(tmp_path / "back.json")])
    assert back.exit_code == 0, back.output
    doc = json.loads((tmp_path / "back.json").read_text(encoding="utf-8"))
    assert doc == json.loads(src.read_text(encoding="utf-8"))


def test_evaluation_factors_are_refused_not_dropped_by_convert(tmp_path):
    # a CSV file (one table) has no place for evaluation factors (an .xlsx has their sheet,
    # tests/test_sheet_factors.py): converting refuses (exit 2) and names them
    r = CliRunner().invoke(main, ["convert", str(EXAMPLES / "green-evaluation.json"), "-o", str(tmp_path / "g.csv")])
    assert r.exit_code == 2 and not (tmp_path / "g.csv").exists()
    assert "/projects/0/evaluation/factors" in r.output and "/projects/1/evaluation/factors" in r.output
    # in the user's language, saying what to do
    assert "请转换为 .xlsx（评审因素写在“评审因素”工作表）或保留为 JSON：第 1 个项目" in r.output


def _template(tmp_path, lang):
    out = tmp_path / "t.xlsx"
    r = CliRunner().invoke(main, ["template", "--lang", lang, "-o", str(out)])
    assert r.exit_code == 0, r.output
    return out


@pytest.mark.parametrize("lang", ["zh", "en"])
def test_the_template_has_the_life_cycle_cost_columns_with_help_and_validation(tmp_path, lang):
    from openpyxl import load_workbook
    from openpyxl.utils import get_column_letter
    sp = spec()
    ws = load_workbook(_template(tmp_path, lang)).worksheets[0]
    header = next(r for r in range(1, 20) if ws.cell(r, 1).value == sp["x-labels"]["project_id"][lang])
    cols = {ws.cell(header, c).value: c for c in range(1, ws.max_column + 1)}
    for f in LCC_COLUMNS:
        label = sp["x-labels"][f][lang]
        assert label in cols, label
        assert ws.cell(header, cols[label]).comment.text == sp["x-help"][f][lang]
    validations = {}
    for dv in ws.data_validations.dataValidation:
        for rng in str(dv.sqref).split():
            validations[rng.split(":")[0].rstrip("0123456789")] = dv

    def dv_of(f):
        return validations.get(get_column_letter(cols[sp["x-labels"][f][lang]]))
    grade = dv_of("grade_required")
    assert (grade.type, grade.operator, grade.formula1, grade.formula2) == ("whole", "between", "1", "9")
    assert grade.error == {"zh": "请填 1 至 9 的整数", "en": "A whole number from 1 to 9"}[lang]
    days = dv_of("days_per_year")
    assert (days.type, days.formula1, days.formula2) == ("decimal", "0", "366")
    assert dv_of("design_solution").formula1 == {"zh": '"是,否"', "en": '"yes,no"'}[lang]
    money = ws.cell(header + 1, cols[sp["x-labels"]["installation_cost"][lang]])
    assert money.number_format == "#,##0.00"


def test_the_template_filled_in_with_life_cycle_cost_inputs_is_computed(tmp_path):
    from openpyxl import load_workbook
    path = _template(tmp_path, "zh")
    wb = load_workbook(path)
    ws = wb.worksheets[0]
    labels = {ws.cell(r, 1).value: r for r in range(1, 9)}
    for label, value in {"计划编号": "T-1", "日期": "2026-04-20", "采购单位": "示范单位", "行政区划": "440304"}.items():
        ws.cell(labels[label], 2).value = value
    header = next(r for r in range(1, 20) if ws.cell(r, 1).value == "项目编号")
    cols = {ws.cell(header, c).value: c for c in range(1, ws.max_column + 1)}
    row = {"项目编号": "P1", "项目名称": "空调更新", "采购方式": "公开招标", "评审方法": "综合评分法", "价格权重（%）": 30,
           "行号": "01", "品目编码": "A02061804", "品目名称": "分体壁挂式空调", "产品类型": "房间空气调节器", "数量": 30,
           "单价（元）": 4200, "金额（元）": 126000, "节能产品认证": "必须", "使用年限（年）": 10, "设计方案类项目": "是",
           "要求的能效/水效等级": 1, "额定制冷量（kW）": 3.5, "单台安装费（元）": 300, "单台年维护费（元）": 80,
           "单台废弃处置费（元）": 50}
    for name, value in row.items():
        ws.cell(header + 1, cols[name]).value = value
    wb.save(path)
    # the same line as JSON: the sheet's columns land where the plan format has them
    doc = json.loads((EXAMPLES / "green-evaluation.json").read_text(encoding="utf-8"))
    item = doc["projects"][1]["items"][0]
    plan = {"plan_id": "T-1", "title": "x", "date": "2026-04-20", "agency": {"name": "示范单位", "region": "440304"},
            "projects": [{"project_id": "P1", "name": "空调更新", "procurement_method": "公开招标", "service_life_years": 10,
                          "design_solution": True, "evaluation": {"method": "comprehensive_scoring", "price_weight": 30},
                          "items": [dict(item, name="分体壁挂式空调", green_requirements={"energy_saving": "required"})]}]}
    js = tmp_path / "p.json"
    js.write_text(json.dumps(plan, ensure_ascii=False), encoding="utf-8")
    got, want = _lcc(path), _lcc(js)
    assert got[1]["plan"] == want[1]["plan"] and got[2]["plan"] == want[2]["plan"]
    assert got[2]["plan"]["kwh"] > 100000   # 30 units × (1,060.6 − 700) kWh × 10 years


def test_convert_writes_the_life_cycle_cost_columns():
    doc = json.loads((EXAMPLES / "green-evaluation.json").read_text(encoding="utf-8"))
    for p in doc["projects"]:
        del p["evaluation"]["factors"]
    _, fields, table = write.layout(doc, "zh")
    assert {"service_life_years", "design_solution", "grade_required", "lcc_category", "rated_cooling_kw",
            "uses_per_day", "seconds_per_use", "days_per_year", "reference_loss_kwh_24h", "installation_cost",
            "maintenance_cost_per_year", "end_of_life_cost", "residual_value"} <= set(fields)
    assert table[0][fields.index("design_solution")] == "否" and table[3][fields.index("grade_required")] == 1


def test_the_blank_sheet_prints_two_pages_wide_and_the_example_one(tmp_path):
    # 30-odd columns on one landscape page would be too small to fill in by hand
    from openpyxl import load_workbook
    wb = load_workbook(_template(tmp_path, "zh"))
    plan, example = wb.worksheets[:2]
    assert plan.page_setup.fitToWidth == 2 and plan.sheet_properties.pageSetUpPr.fitToPage
    assert example.page_setup.fitToWidth == 1 and plan.print_title_rows and example.print_title_rows


@pytest.mark.parametrize("fmt", ["xlsx", "csv"])
def test_an_award_plans_grade_offered_goes_through_a_sheet_and_back(tmp_path, fmt):
    doc = json.loads((EXAMPLES / "award-stage-audit.json").read_text(encoding="utf-8"))
    doc["projects"][0]["service_life_years"] = 6
    item = doc["projects"][0]["items"][0]
    item["award"]["grade_offered"] = 1
    item["lcc"] = {"category": "B", "grade_required": 2}
    src = tmp_path / "award.json"
    src.write_text(json.dumps(doc, ensure_ascii=False), encoding="utf-8")
    sheet, back = tmp_path / f"award.{fmt}", tmp_path / "back.json"
    assert CliRunner().invoke(main, ["convert", str(src), "-o", str(sheet), "--lang", "en"]).exit_code == 0
    assert CliRunner().invoke(main, ["convert", str(sheet), "-o", str(back)]).exit_code == 0
    assert json.loads(back.read_text(encoding="utf-8")) == doc
    # the grade offered, not the one required, is what the life-cycle cost uses after the award
    got = _lcc(sheet)
    assert got[1:] == _lcc(src)[1:]
    line = got[1]["items"][0]
    assert (line["grade"], line["grade_from"], line["saved"]["kwh"]) == (1, "award", 30000.0)


def test_the_csv_template_has_the_life_cycle_cost_headers(tmp_path):
    out = tmp_path / "t.csv"
    assert CliRunner().invoke(main, ["template", "--format", "csv", "--lang", "en", "-o", str(out)]).exit_code == 0
    header = out.read_bytes().decode("utf-8-sig").splitlines()[9].split(",")
    labels = spec()["x-labels"]
    assert [labels[f]["en"] for f in LCC_COLUMNS] == header[-len(LCC_COLUMNS):]
    assert all(_read_as(h) for h in header)
