"""Evaluation factors in spreadsheet plans: the 评审因素 sheet of an .xlsx plan, read and written."""
import io
import json

import pytest
from click.testing import CliRunner
from openpyxl import Workbook, load_workbook

from checker.cli import main
from checker.plans import sheet, write
from conftest import EXAMPLES

GREEN = EXAMPLES / "green-evaluation.json"
BLOCK = [["计划编号", "P-1"], ["日期", "2026-03-10"], ["采购单位", "示范单位"], ["行政区划", "440305"], []]
HEAD = ["项目编号", "项目名称", "采购方式", "评审方法", "价格权重", "行号", "品目编码", "品目名称", "数量", "单位", "单价", "金额",
        "节能产品认证", "环境标志产品认证"]
LINES = [["X-01", "办公设备", "公开招标", "综合评分法", 30, "01", "A02010105", "台式计算机", 10, "台", 5000, 50000, "必须", "优先"],
         ["X-02", "空调", "公开招标", "综合评分法", 30, "01", "A02061804", "空调", 2, "台", 4000, 8000, "必须", "优先"]]
FHEAD = ["项目编号", "因素名称", "因素类别", "分值", "所评标准", "所评指标", "评分档次"]


def workbook(factor_rows, head=FHEAD, lines=LINES, title="评审因素", plan_head=HEAD) -> bytes:
    wb = Workbook()
    ws = wb.active
    ws.title = "计划"
    for r in BLOCK + [plan_head] + lines:
        ws.append(r)
    fs = wb.create_sheet(title)
    for r in [head] + factor_rows:
        fs.append(r)
    buf = io.BytesIO()
    wb.save(buf)
    return buf.getvalue()


def read(data, lang="en"):
    return sheet.read(data, "plan.xlsx", lang)


def factors(plan, project=0):
    return plan.doc["projects"][project]["evaluation"]["factors"]


# -- round trip -------------------------------------------------------------------------------------
@pytest.mark.parametrize("lang", ["zh", "en"])
def test_the_green_evaluation_example_goes_to_xlsx_and_back_unchanged(lang):
    doc = json.loads(GREEN.read_text(encoding="utf-8"))
    data = write.to_xlsx(doc, lang)
    sheets = load_workbook(io.BytesIO(data)).sheetnames
    assert sheets == (["计划", "评审因素"] if lang == "zh" else ["Plan", "Evaluation factors"])
    r = read(data, lang)
    assert r.problems == [] and r.notes == []
    assert r.doc == doc
    assert write.to_xlsx(r.doc, lang) == data   # and the same bytes again


def test_convert_both_ways_and_the_green_score_and_lcc_are_the_same(tmp_path):
    x, j = tmp_path / "g.xlsx", tmp_path / "g.json"
    run = CliRunner().invoke
    assert run(main, ["convert", str(GREEN), "-o", str(x)]).exit_code == 0
    assert run(main, ["convert", str(x), "-o", str(j)]).exit_code == 0
    assert json.loads(j.read_text(encoding="utf-8")) == json.loads(GREEN.read_text(encoding="utf-8"))
    a = json.loads(run(main, ["check", str(GREEN), "--format", "json"]).stdout)["results"][0]
    b = json.loads(run(main, ["check", str(x), "--format", "json"]).stdout)["results"][0]
    assert a["green_evaluation"]["projects"][0]["factors_given"] is True
    for key in ("green_evaluation", "life_cycle_cost", "green_value", "counts", "verdict"):
        assert a[key] == b[key], key
    assert [f["rule_id"] for f in a["findings"]] == [f["rule_id"] for f in b["findings"]]


def test_the_written_sheet_says_kinds_indicators_and_grades_in_words():
    doc = json.loads(GREEN.read_text(encoding="utf-8"))
    ws = load_workbook(io.BytesIO(write.to_xlsx(doc, "zh")))["评审因素"]
    rows = list(ws.iter_rows(values_only=True))
    assert rows[0] == tuple(FHEAD)
    assert rows[4] == ("SZFT-2026-0107-01", "计算机能效等级", "绿色", 3, "computers.energy-grade", None, "1 级能效：3；2 级能效：1")
    assert rows[5][2:6] == ("绿色", 2, "中国环境标志产品认证证书", "有毒有害物质")
    assert ws.cell(2, 1).number_format == "@"   # a project ID stays text
    en = load_workbook(io.BytesIO(write.to_xlsx(doc, "en")))["Evaluation factors"]
    assert list(en.iter_rows(values_only=True))[8][2:7] == (
        "life-cycle cost", 10, "10 年使用年限内的安装、能耗、水耗、维护和废弃处置成本", None, "全生命周期成本最低: 10; 不高于最低者的 110%: 6")


def test_csv_cannot_hold_factors_and_says_where_they_are(tmp_path):
    r = CliRunner().invoke(main, ["convert", str(GREEN), "-o", str(tmp_path / "g.csv"), "--lang", "en"])
    assert r.exit_code == 2
    assert "a CSV file holds one table and cannot hold evaluation factors" in r.stderr and "convert to .xlsx" in r.stderr
    assert "/projects/0/evaluation/factors" in r.stderr and "/projects/1/evaluation/factors" in r.stderr
    assert not (tmp_path / "g.csv").exists()
    r = CliRunner().invoke(main, ["convert", str(GREEN), "-o", str(tmp_path / "g.csv")])
    assert r.exit_code == 2 and "CSV 文件只能容纳一张表，无法容纳评审因素" in r.stderr


def test_a_band_that_a_cell_cannot_hold_is_refused_not_lost(tmp_path):
    doc = json.loads(GREEN.read_text(encoding="utf-8"))
    doc["projects"][1]["evaluation"]["factors"][3]["grades"][1]["condition"] = "2 级能效；或 1 级水效"
    doc["projects"][0]["evaluation"]["factors"][0]["weight_note"] = "kept by a budget system"
    src = tmp_path / "p.json"
    src.write_text(json.dumps(doc, ensure_ascii=False), encoding="utf-8")
    r = CliRunner().invoke(main, ["convert", str(src), "-o", str(tmp_path / "p.xlsx"), "--lang", "en"])
    assert r.exit_code == 2
    assert "/projects/1/evaluation/factors/3/grades/1" in r.stderr and "/projects/0/evaluation/factors/0/weight_note" in r.stderr
    assert not (tmp_path / "p.xlsx").exists()


def test_an_empty_list_of_factors_is_refused_rather_than_dropped():
    doc = json.loads(GREEN.read_text(encoding="utf-8"))
    doc["projects"][1]["evaluation"]["factors"] = []
    with pytest.raises(write.NotRepresentable) as e:
        write.to_xlsx(doc, "en")
    assert "(/projects/1/evaluation/factors)" in str(e.value)
    assert "/projects/0/evaluation/factors" not in str(e.value)   # the first project's factors are held


# -- grades as people write them ---------------------------------------------------------------------
@pytest.mark.parametrize("written,expected", [
    ("1 级能效:5；2 级能效:2", [("1 级能效", 5), ("2 级能效", 2)]),
    ("1 级能效：5;2 级能效：2;", [("1 级能效", 5), ("2 级能效", 2)]),
    ("1 级能效：5 分\n2 级能效：2分\n", [("1 级能效", 5), ("2 级能效", 2)]),
    ("1 级能效：５；\r\n\r\n 2 级能效 ： 2.5 ", [("1 级能效", 5), ("2 级能效", 2.5)]),
    ("PUE：1.3 以下：5；PUE：1.3 至 1.4：3", [("PUE：1.3 以下", 5), ("PUE：1.3 至 1.4", 3)]),
    ("Grade 1: 5 points; grade 2: 1 point", [("Grade 1", 5), ("grade 2", 1)]),
])
def test_grade_spellings(written, expected):
    r = read(workbook([["X-01", "能效", "绿色", 5, None, "节能", written]]))
    assert r.problems == []
    assert factors(r)[0]["grades"] == [{"condition": c, "points": p} for c, p in expected]


@pytest.mark.parametrize("written,said", [
    ("1 级能效 5 分；2 级能效：2", "Grades: '1 级能效 5 分' has no colon between the band and its points"),
    ("1 级能效：五；2 级能效：2", "Grades: '1 级能效：五' has points '五', which is not a number"),
    ("：5", "Grades: '：5' has no band before its colon"),
    ("1 级能效：", "Grades: '1 级能效：' has points '', which is not a number"),
    (5, "Grades: '5' has no colon between the band and its points"),
])
def test_bad_grades_name_the_cell_the_band_and_the_syntax(written, said):
    r = read(workbook([["X-01", "能效", "绿色", 5, None, "节能", written]]))
    assert r.doc is not None and len(r.problems) == 1
    place, rule, message = r.problems[0]
    assert (place, rule) == ("评审因素!G2", "CHK-001")
    assert message == said + "; expected grades written as 'band: points', bands separated by semicolons or line breaks, such as '1 级能效: 5; 2 级能效: 2'"


def test_bad_grades_in_chinese():
    r = read(workbook([["X-01", "能效", "绿色", 5, None, "节能", "1 级能效 5 分"]]), "zh")
    assert r.problems[0][2] == ("“评分档次”中的“1 级能效 5 分”没有用冒号分开档次和分值；应为评分档次，写作“档次：分值”，"
                                "各档之间用分号或换行分隔，如“1 级能效：5；2 级能效：2”")


# -- words and values ----------------------------------------------------------------------------------
def test_kinds_and_indicators_in_chinese_and_english_words():
    rows = [["X-01", "价格", "价格分", 30], [None, "技术", "Technical", 50], [None, "售后", "商务", 10],
            [None, "能效", "绿色", 3, None, "能效", "1 级：3"], [None, "全生命周期成本", "LCC", 4, None, "全生命周期成本"],
            [None, "包装", "其它", 1, None, "绿色包装"], ["X-02", "环境标志", "green", 2, "中国环境标志产品认证证书", "hazardous substances"],
            [None, "水效", "绿色", 1, None, "water"], [None, "碳", "绿色", 1, None, "低碳"], [None, "回收", "绿色", 1, None, "资源回收"]]
    r = read(workbook(rows))
    assert r.problems == []
    assert [(f["kind"], f.get("indicator")) for f in factors(r)] == [
        ("price", None), ("technical", None), ("commercial", None), ("green", "energy"), ("life_cycle_cost", "life_cycle_cost"),
        ("other", "packaging")]
    assert [(f["kind"], f["indicator"]) for f in factors(r, 1)] == [
        ("green", "hazardous_substances"), ("green", "water"), ("green", "carbon"), ("green", "resource_recovery")]
    assert factors(r, 1)[0] == {"name": "环境标志", "kind": "green", "points": 2, "criterion": "中国环境标志产品认证证书",
                                "indicator": "hazardous_substances"}
    assert r.places["/projects/1/evaluation/factors/0/criterion"] == "评审因素!E8"
    assert r.places["/projects/0/evaluation/factors/3"] == "评审因素!5:5"


def test_english_headers_in_any_order_and_a_sheet_of_any_name():
    head = ["Grades", "Points", "Factor", "Project ID", "Factor kind", "Green indicator", "Remarks"]
    r = read(workbook([["1 级能效: 5", 5, "Energy grade", "X-02", "green", "energy", "see tender"]], head=head, title="Scoring"))
    assert r.problems == []
    assert factors(r, 1) == [{"name": "Energy grade", "kind": "green", "points": 5, "indicator": "energy",
                              "grades": [{"condition": "1 级能效", "points": 5}]}]
    assert "evaluation" not in r.doc["projects"][0] or "factors" not in r.doc["projects"][0]["evaluation"]
    assert ("Scoring!1:1", "columns not read (not plan fields): Remarks (G)") in r.notes


def test_with_one_project_the_project_id_may_be_left_out():
    r = read(workbook([["价格", "价格", 30], ["节能", "绿色", 5]], head=["因素名称", "因素类别", "分值"], lines=LINES[:1]))
    assert r.problems == []
    assert [f["name"] for f in factors(r)] == ["价格", "节能"]


def test_with_several_projects_the_project_id_column_is_needed():
    r = read(workbook([["价格", "价格", 30]], head=["因素名称", "因素类别", "分值"]))
    assert r.doc is not None
    assert r.problems[0][:2] == ("评审因素!1:1", "CHK-001")
    assert r.problems[0][2].startswith("the factors sheet has no Project ID column (headers accepted: 项目编号, 项目代码")


def test_an_unknown_project_a_bad_word_and_points_that_are_no_number_each_name_their_cell(tmp_path):
    rows = [["X-09", "价格", "价格", 30], ["X-01", "能效", "环保分", 5, None, "节能"], [None, "水效", "绿色", "五分", None, "节能"],
            [None, "包装", "绿色", 2, None, "塑料"], [None, None, "绿色", 2], [None, "无项目", None, 2]]
    p = tmp_path / "plan.xlsx"
    p.write_bytes(workbook(rows))
    r = CliRunner().invoke(main, ["check", str(p), "--lang", "en"])
    assert r.exit_code == 2
    said = [line.split(": ", 1)[1] for line in r.stderr.splitlines()]
    assert said == [
        "评审因素!A2: project ID 'X-09' on the factors sheet is not a project of the plan sheet (its projects: X-01, X-02)",
        "评审因素!C3: Factor kind: '环保分' is not price, technical, commercial, green, life-cycle cost or other",
        "评审因素!D4: Points: '五分' is not points such as 5 or 2.5",
        "评审因素!F5: Green indicator: '塑料' is not energy, water, carbon, hazardous substances, resource recovery, "
        "life-cycle cost, packaging or other",
        "评审因素!B6: Factor is empty; every evaluation factor needs one",
        "评审因素!C7: Factor kind is empty; every evaluation factor needs one"]
    assert all(line.startswith(f"{p}: ") for line in r.stderr.splitlines()) and "Traceback" not in r.output


def test_rows_filled_down_from_an_unknown_project_are_not_named_again():
    r = read(workbook([["X-9", "价格", "价格", 30], [None, "技术", "技术", 60], ["X-02", "技术", "技术", 60]]))
    assert [p for p, _, _ in r.problems] == ["评审因素!A2"]


def test_a_row_without_a_project_above_it_is_named():
    r = read(workbook([[None, "价格", "价格", 30]]), "zh")
    assert r.problems == [("评审因素!2:2", "CHK-001",
                           "没有项目编号，上方也没有可向下填充的项目编号；计划有多个项目时，每个评审因素都需要注明项目编号")]


@pytest.mark.parametrize("points,grade,said", [
    (150, "1 级：5", ("评审因素!D2", "Points is 150; expected at most 100")),
    (5, "1 级：-2", ("评审因素!G2", "Grades is -2; expected at least 0")),
])
def test_points_beyond_the_plan_contract_name_the_cell(points, grade, said):
    r = read(workbook([["X-01", "能效", "绿色", points, None, "节能", grade]]))
    assert [(p, m) for p, _, m in r.problems] == [said]


def test_factors_of_a_project_without_an_evaluation_method_ask_for_it():
    # a budget table (no stage, no method column) is read as stage budget; factors there need their method
    lines = [row[:3] + row[5:] for row in LINES]
    r = read(workbook([["X-01", "价格", "价格", 30]], lines=lines, plan_head=HEAD[:3] + HEAD[5:]))
    assert [(p, m) for p, _, m in r.problems] == [("计划!7:7", "Evaluation method is empty; every project needs one")]


def test_the_factors_sheet_is_no_block_of_plan_fields():
    # its header holds 项目编号 beside another header: that is no plan field with its value
    r = read(workbook([["X-01", "价格", "价格", 30]], head=["项目编号", "因素名称", "因素类别", "分值"]))
    assert r.problems == [] and r.doc["projects"][0]["project_id"] == "X-01" and len(r.doc["projects"]) == 2
    assert factors(r) == [{"name": "价格", "kind": "price", "points": 30}]


# -- the blank template -------------------------------------------------------------------------------
@pytest.mark.parametrize("lang", ["zh", "en"])
def test_the_template_has_a_factors_sheet_with_guidance_help_and_drop_downs(tmp_path, lang):
    out = tmp_path / "t.xlsx"
    assert CliRunner().invoke(main, ["template", "-o", str(out), "--lang", lang]).exit_code == 0
    wb = load_workbook(out)
    ws = wb["评审因素" if lang == "zh" else "Evaluation factors"]
    assert wb.sheetnames.index(ws.title) == 1
    assert "1 级能效" in ws.cell(1, 1).value
    head = [c.value for c in ws[2]]
    assert head == (FHEAD if lang == "zh" else ["Project ID", "Factor", "Factor kind", "Points", "Criterion", "Green indicator", "Grades"])
    assert "冒号、分号全角半角均可" in ws.cell(2, 7).comment.text if lang == "zh" else "semicolons" in ws.cell(2, 7).comment.text
    checks = {str(dv.sqref): dv for dv in ws.data_validations.dataValidation}
    kind = checks["C3:C502"].formula1
    assert kind == ('"价格,技术,商务,绿色,全生命周期成本,其他"' if lang == "zh" else
                    '"price,technical,commercial,green,life-cycle cost,other"')
    assert checks["F3:F502"].formula1.count(",") == 7
    assert (checks["D3:D502"].formula1, checks["D3:D502"].formula2) == ("0", "100")


def test_the_template_filled_in_gives_a_green_score(tmp_path):
    from checker.api import get_checker
    out = tmp_path / "t.xlsx"
    assert CliRunner().invoke(main, ["template", "-o", str(out)]).exit_code == 0
    wb = load_workbook(out)
    ws = wb["计划"]
    labels = {ws.cell(r, 1).value: r for r in range(1, 9)}
    for label, value in {"计划编号": "T-1", "日期": "2026-03-10", "采购单位": "示范单位", "行政区划": "440305"}.items():
        ws.cell(labels[label], 2).value = value
    header = next(r for r in range(1, 20) if ws.cell(r, 1).value == "项目编号")
    cols = {ws.cell(header, c).value: c for c in range(1, ws.max_column + 1)}
    line = {"项目编号": "P1", "项目名称": "电脑", "采购方式": "公开招标", "评审方法": "综合评分法", "价格权重（%）": 30, "行号": "01",
            "品目编码": "A02010105", "品目名称": "台式计算机", "数量": 10, "单价（元）": 5000, "金额（元）": 50000, "节能产品认证": "必须"}
    for name, value in line.items():
        ws.cell(header + 1, cols[name]).value = value
    fs = wb["评审因素"]
    for r, row in enumerate([["P1", "价格", "价格", 30], [None, "技术", "技术", 60],
                             [None, "计算机能效等级", "绿色", 10, "computers.energy-grade", "节能", "1 级能效：10；2 级能效：5"]], 3):
        for c, v in enumerate(row, 1):
            fs.cell(r, c).value = v
    wb.save(out)
    res = get_checker().check(out.read_bytes(), str(out), langs=("zh",))
    assert res.checkable, res.errors
    project = json.loads(CliRunner().invoke(main, ["check", str(out), "--format", "json"]).stdout)["results"][0][
        "green_evaluation"]["projects"][0]
    assert project["factors_given"] is True
    assert [f["kind"] for f in project["factors"]] == ["price", "technical", "green"]
    assert project["factors"][2]["graded"] is True


def test_a_converted_workbook_carries_no_clock_time():
    """openpyxl stamps the clock into docProps/core.xml whatever the workbook says: two conversions a
    second apart gave different bytes (a flaky round-trip test found it)."""
    import zipfile
    data = write.to_xlsx(json.loads(GREEN.read_text(encoding="utf-8")), "zh")
    core = zipfile.ZipFile(io.BytesIO(data)).read("docProps/core.xml").decode("utf-8")
    assert "2000-01-01T00:00:00Z</dcterms:modified>" in core and "2000-01-01T00:00:00Z</dcterms:created>" in core
