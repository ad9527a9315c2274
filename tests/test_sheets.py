"""Spreadsheet plans (.xlsx, .csv): read as the contract's document, every problem with its cell."""
import io
import json
import re
import zipfile

import pytest
from click.testing import CliRunner
from openpyxl import Workbook

from checker.cli import main
from checker.plans import sheet, write
from conftest import EXAMPLES

EXAMPLE_NAMES = ["office-equipment-compliant", "school-plan-with-violations", "award-stage-audit"]

BLOCK = [["计划编号", "P-1"], ["日期", "2026-03-10"], ["采购单位", "示范单位"], ["行政区划", "440305"], []]
HEAD = ["项目编号", "项目名称", "采购方式", "评审方法", "价格权重", "行号", "品目编码", "品目名称", "数量", "单位", "单价", "金额",
        "节能产品认证", "环境标志产品认证"]
LINE = ["X-01", "办公设备", "公开招标", "综合评分法", 30, "01", "A02010105", "台式计算机", 10, "台", 5000, 50000, "必须", "优先"]


def xlsx(rows, title="Sheet1", extra=None) -> bytes:
    wb = Workbook()
    ws = wb.active
    ws.title = title
    for r in rows:
        ws.append(r)
    if extra:
        extra(wb)
    buf = io.BytesIO()
    wb.save(buf)
    return buf.getvalue()


def csv_bytes(rows, encoding="utf-8") -> bytes:
    import csv
    buf = io.StringIO()
    csv.writer(buf).writerows(rows)
    return buf.getvalue().encode(encoding)


def read(data, source="plan.xlsx", lang="en", **kw):
    return sheet.read(data, source, lang, **kw)


def example(name):
    return json.loads((EXAMPLES / f"{name}.json").read_text(encoding="utf-8"))


def line(**changes):
    row = list(LINE)
    for k, v in changes.items():
        row[HEAD.index(k)] = v
    return row


# -- round trips ------------------------------------------------------------------------------------
@pytest.mark.parametrize("name", EXAMPLE_NAMES)
@pytest.mark.parametrize("fmt", ["xlsx", "csv"])
@pytest.mark.parametrize("lang", ["zh", "en"])
def test_a_plan_written_as_a_sheet_reads_back_as_the_same_document(name, fmt, lang):
    doc = example(name)
    data = write.to_xlsx(doc, lang) if fmt == "xlsx" else write.to_csv(doc, lang)
    r = read(data, f"plan.{fmt}")
    assert r.problems == []
    assert r.doc == doc


def test_convert_both_ways_on_the_command_line_gives_the_same_plan(tmp_path):
    src = EXAMPLES / "award-stage-audit.json"
    x, j = tmp_path / "a.xlsx", tmp_path / "a.json"
    assert CliRunner().invoke(main, ["convert", str(src), "-o", str(x)]).exit_code == 0
    assert CliRunner().invoke(main, ["convert", str(x), "-o", str(j)]).exit_code == 0
    assert json.loads(j.read_text(encoding="utf-8")) == json.loads(src.read_text(encoding="utf-8"))
    first = x.read_bytes()
    assert CliRunner().invoke(main, ["convert", str(src), "-o", str(x)]).exit_code == 0
    assert x.read_bytes() == first   # same input, same bytes


def test_convert_refuses_what_a_sheet_cannot_hold(tmp_path):
    doc = example("award-stage-audit")
    certs = doc["projects"][0]["items"][0]["award"]["certificates"]
    certs.append(dict(certs[0], number="CQC-SECOND"))
    doc["projects"][0]["x_note"] = "kept by a budget system"
    src = tmp_path / "p.json"
    src.write_text(json.dumps(doc, ensure_ascii=False), encoding="utf-8")
    r = CliRunner().invoke(main, ["convert", str(src), "-o", str(tmp_path / "p.xlsx")])
    assert r.exit_code == 2
    assert "/projects/0/items/0/award/certificates/2" in r.stderr and "/projects/0/x_note" in r.stderr
    assert not (tmp_path / "p.xlsx").exists()


def test_convert_of_a_bad_sheet_lists_every_problem_with_its_cell(tmp_path):
    p = tmp_path / "bad.xlsx"
    p.write_bytes(xlsx(BLOCK + [HEAD, line(数量="ten"), line(行号="02", 金额="12,34,5")]))
    r = CliRunner().invoke(main, ["convert", str(p), "-o", str(tmp_path / "bad.json"), "--lang", "en"])
    assert r.exit_code == 2
    assert "Sheet1!I7: Quantity: 'ten' is not a number such as 30 or 30%" in r.stderr
    assert "Sheet1!L8: Amount (CNY): '12,34,5' is not an amount such as 1200, 1,200.00, ¥1,200.00 or 1200元" in r.stderr
    assert "Traceback" not in r.output


# -- values as people write them --------------------------------------------------------------------
@pytest.mark.parametrize("written,expected", [
    ("2026-03-10", "2026-03-10"), ("2026/03/10", "2026-03-10"), ("2026/3/1", "2026-03-01"), ("2026年3月10日", "2026-03-10"),
    ("２０２６年３月１０日", "2026-03-10"), (46091, "2026-03-10"), ("20260310", "2026-03-10"),
])
def test_date_spellings(written, expected):
    rows = [list(r) for r in BLOCK]
    rows[1][1] = written
    assert read(xlsx(rows + [HEAD, LINE])).doc["date"] == expected


def test_a_date_cell_is_a_date():
    import datetime
    rows = [list(r) for r in BLOCK]
    rows[1][1] = datetime.date(2026, 3, 10)
    assert read(xlsx(rows + [HEAD, LINE])).doc["date"] == "2026-03-10"


@pytest.mark.parametrize("written,expected", [
    (1200, 1200), ("1200", 1200), ("1,200.00", 1200), ("¥1,200.00", 1200), ("￥1,200.50", 1200.5), ("1200元", 1200),
    ("1.2万元", 12000), ("１２００", 1200), (" 1 200 ", 1200), ("RMB 3,000", 3000), (1200.1, 1200.1), ("0.10", 0.1),
])
def test_amount_spellings(written, expected):
    r = read(xlsx(BLOCK + [HEAD, line(金额=written)]))
    assert r.problems == []
    got = r.doc["projects"][0]["items"][0]["amount"]
    assert got == expected and type(got) is type(expected)


def test_a_wan_yuan_header_scales_by_ten_thousand_exactly():
    head = [h if h != "金额" else "金额（万元）" for h in HEAD]
    head = [h if h != "单价" else "单价(万元)" for h in head]
    r = read(xlsx(BLOCK + [head, line(单价="0.5", 金额="5.0001")]))
    item = r.doc["projects"][0]["items"][0]
    assert (item["unit_price"], item["amount"]) == (5000, 50001)
    assert any("read as 50001" in m for _, m in r.conversions)


def test_excel_binary_residue_is_read_as_excel_shows_it():
    r = read(xlsx(BLOCK + [HEAD, line(金额=45003.000000000007, 单价=0.1 + 0.2)]))
    item = r.doc["projects"][0]["items"][0]
    assert (item["amount"], item["unit_price"]) == (45003, 0.3)


@pytest.mark.parametrize("es,env,expected", [
    ("必须", "优先", {"energy_saving": "required", "environmental_label": "preferred"}),
    ("Required", "preferred", {"energy_saving": "required", "environmental_label": "preferred"}),
    ("无", "none", {"energy_saving": "none", "environmental_label": "none"}),
    (" 强制 ", "优先采购", {"energy_saving": "required", "environmental_label": "preferred"}),
])
def test_requirement_spellings(es, env, expected):
    r = read(xlsx(BLOCK + [HEAD, line(节能产品认证=es, 环境标志产品认证=env)]))
    assert r.doc["projects"][0]["items"][0]["green_requirements"] == expected


@pytest.mark.parametrize("written,expected", [("是", True), ("否", False), ("yes", True), ("NO", False), (True, True)])
def test_yes_no_spellings(written, expected):
    head, row = HEAD + ["循环经济产品"], LINE + [written]
    assert read(xlsx(BLOCK + [head, row])).doc["projects"][0]["items"][0]["circular_economy"] is expected


def test_full_width_codes_and_spaces_are_trimmed():
    r = read(xlsx(BLOCK + [HEAD, line(项目编号="　Ｘ－01 ", 品目编码="Ａ０２０１０１０５", 品目名称=" 台式计算机　")]))
    p = r.doc["projects"][0]
    assert (p["project_id"], p["items"][0]["category_code"], p["items"][0]["name"]) == ("X-01", "A02010105", "台式计算机")


def test_english_headers_in_any_order_extra_columns_listed_once():
    head = ["Amount", "Category code", "Item name", "Quantity", "Unit price", "Line", "Project ID", "Project name",
            "Procurement method", "Evaluation method", "备注", "Notes"]
    row = [50000, "A02010105", "PC", 10, 5000, "1", "X", "n", "公开招标", "lowest price", "x", "y"]
    block = [["Plan ID", "P"], ["Date:", "2026-03-10"], ["Purchasing unit", "U"], []]
    r = read(xlsx(block + [head, row, row[:5] + ["2"] + row[6:]]))
    assert r.problems == []
    assert r.doc["projects"][0]["evaluation"] == {"method": "lowest_price"}
    assert [n for n in r.notes if "not read" in n[1]] == [("Sheet1!5:5", "columns not read (not plan fields): 备注 (K), Notes (L)")]


def test_project_columns_filled_down_and_merged():
    def merge(wb):
        wb.active.merge_cells("A7:A8")
    rows = BLOCK + [HEAD, LINE, [None, None, None, None, None, "02"] + LINE[6:], ["Y-02", "其他", "询价", "最低评标价法"] + LINE[4:]]
    r = read(xlsx(rows, extra=merge))
    assert r.problems == []
    assert [(p["project_id"], [i["line_id"] for i in p["items"]]) for p in r.doc["projects"]] == [("X-01", ["01", "02"]), ("Y-02", ["01"])]


def test_plan_fields_in_one_cell_and_in_merged_header_cells():
    def merge(wb):
        wb.active.merge_cells("A1:B1")
    rows = [["计划编号", None, "P-9"], ["日期：2026年3月10日"], ["采购单位：示范单位"], [], HEAD, LINE]
    r = read(xlsx(rows, extra=merge))
    assert r.problems == []
    assert (r.doc["plan_id"], r.doc["date"], r.doc["agency"]) == ("P-9", "2026-03-10", {"name": "示范单位"})


def test_plan_fields_on_a_second_sheet():
    def info(wb):
        ws = wb.create_sheet("计划信息")
        for row in BLOCK:
            ws.append(row)
    r = read(xlsx([HEAD, LINE], title="明细", extra=info))
    assert r.problems == []
    assert r.doc["plan_id"] == "P-1" and r.doc["agency"]["region"] == "440305"


def test_a_hidden_sheet_is_not_read_and_said_so():
    def hidden(wb):
        ws = wb.create_sheet("旧版", 0)
        for row in BLOCK + [HEAD, line(金额="broken")]:
            ws.append(row)
        ws.sheet_state = "hidden"
    r = read(xlsx(BLOCK + [HEAD, LINE], extra=hidden))
    assert r.problems == [] and r.sheet == "Sheet1"
    assert ("旧版", "hidden sheet '旧版' not read") in r.notes


def _with_formula(data: bytes, cell: str, formula: str, cached) -> bytes:
    """Put a formula with its cached value into ``cell`` of the first sheet (as Excel saves it)."""
    src = zipfile.ZipFile(io.BytesIO(data))
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w") as dst:
        for info in src.infolist():
            body = src.read(info.filename)
            if info.filename == "xl/worksheets/sheet1.xml":
                text = body.decode()
                text, n = re.subn(rf'<c r="{cell}"([^>]*)><v>[^<]*</v></c>', rf'<c r="{cell}"\1><f>{formula}</f><v>{cached}</v></c>', text)
                assert n == 1
                body = text.encode()
            dst.writestr(info, body)
    return out.getvalue()


def test_formulas_are_read_by_their_cached_values():
    data = _with_formula(xlsx(BLOCK + [HEAD, LINE]), "L7", "I7*K7", "50000")
    r = read(data)
    assert r.problems == [] and r.doc["projects"][0]["items"][0]["amount"] == 50000


def test_csv_in_gb18030_with_its_encoding_noted():
    r = read(csv_bytes(BLOCK + [HEAD, LINE], "gb18030"), "预算表.csv")
    assert r.problems == [] and r.doc["agency"]["name"] == "示范单位"
    assert ("预算表", "read as GB18030 text") in r.notes


def test_csv_problems_name_the_cell_as_excel_would():
    r = read(csv_bytes(BLOCK + [HEAD, line(数量="")]), "预算表.csv")
    assert r.problems == [("预算表!I7", "CHK-001", "Quantity is empty; every line needs one")]


# -- bad files and bad rows -------------------------------------------------------------------------
def test_every_bad_row_is_listed_with_its_cell_and_the_expectation():
    rows = BLOCK + [HEAD, line(日期=None) if False else line(数量="many"), line(行号="02", 品目编码="X1"),
                    line(行号="03", 节能产品认证="maybe"), line(行号="01"), line(行号="04", 评审方法="最低评标价法")]
    r = read(xlsx(rows))
    assert r.problems == [
        ("Sheet1!I7", "CHK-001", "Quantity: 'many' is not a number such as 30 or 30%"),
        ("Sheet1!M9", "CHK-001", "Energy-saving certification: 'maybe' is not required, preferred or none"),
        ("Sheet1!F10", "CHK-002", "line 01 appears twice in project X-01 (also at Sheet1!F7)"),
        ("Sheet1!D11", "CHK-001", "Evaluation method 'lowest price' differs from 'comprehensive scoring' given at Sheet1!D7 for the same project"),
    ]


def test_schema_problems_are_worded_for_the_sheet():
    rows = [list(r) for r in BLOCK]
    rows[3][1] = "4403"
    r = read(xlsx(rows + [HEAD, line(品目编码="X1"), line(行号="02", 数量=0)]), lang="zh")
    assert r.problems == [
        ("Sheet1!B4", "CHK-001", "“行政区划”的值“4403”不是6 位行政区划代码，如 440305"),
        ("Sheet1!G7", "CHK-001", "“品目编码”的值“X1”不是品目编码，如 A02010105（A、B 或 C 加 2 至 10 位数字）"),
        ("Sheet1!I8", "CHK-001", "“数量”为 0，应大于 0"),
    ]


def test_a_missing_column_names_the_header_row_and_the_headers_accepted():
    head = [h for h in HEAD if h != "品目编码"]
    row = [v for h, v in zip(HEAD, LINE) if h != "品目编码"]
    r = read(xlsx(BLOCK + [head, row]))
    assert r.problems == [("Sheet1!6:6", "CHK-001", "no Category code (headers accepted: 品目编码, 品目代码, 采购品目编码, "
                           "品目分类编码, category code, category); give it as a column, or above the table")]


@pytest.mark.parametrize("data,expected", [
    (b"", "is empty (0 bytes)"),
    (b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + "EncryptionInfo".encode("utf-16-le") + b"\0" * 100, "password-protected"),
    (b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + b"\0" * 100, "old .xls"),
    (b"PK\x03\x04" + b"\0" * 100, "is not a readable Excel workbook"),
])
def test_unreadable_workbooks_say_why(data, expected):
    r = read(data)
    assert r.doc is None and len(r.problems) == 1 and expected in r.problems[0][2]


def test_a_truncated_workbook_and_one_without_a_table():
    full = xlsx(BLOCK + [HEAD, LINE])
    assert "is not a readable Excel workbook" in read(full[: len(full) // 2]).problems[0][2]
    assert "has no line table" in read(xlsx([["hello"]])).problems[0][2]
    assert read(xlsx(BLOCK + [HEAD])).problems == [("Sheet1!7:7", "CHK-000", "the table has no lines below its header row")]


def test_a_zip_bomb_is_refused_before_it_is_unpacked(monkeypatch):
    monkeypatch.setattr(sheet, "MAX_UNPACKED", 1024 * 1024)
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w", zipfile.ZIP_DEFLATED) as z:
        z.writestr("xl/worksheets/sheet1.xml", b"\0" * (2 * 1024 * 1024))
    r = read(buf.getvalue())
    assert "unpacks to more than 1 MiB" in r.problems[0][2]


# -- the command line -------------------------------------------------------------------------------
def test_check_names_cells_and_exits_2_for_a_bad_file(tmp_path):
    p = tmp_path / "plan.xlsx"
    p.write_bytes(xlsx(BLOCK + [HEAD, line(金额="n/a"), line(行号="02", 单价="")]))
    r = CliRunner().invoke(main, ["check", str(p), "--lang", "en"])
    assert r.exit_code == 2
    assert f"{p}: Sheet1!L7: Amount (CNY): 'n/a' is not an amount such as 1200, 1,200.00, ¥1,200.00 or 1200元" in r.stderr
    assert f"{p}: Sheet1!K8: Unit price (CNY) is empty; every line needs one" in r.stderr
    assert "CHK-001 Sheet1!L7" in r.stdout and "Traceback" not in r.output


@pytest.mark.parametrize("data", [b"", b"PK\x03\x04garbage", b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + b"\0" * 64])
def test_check_of_a_broken_workbook_is_one_clear_line_and_exit_2(tmp_path, data):
    p = tmp_path / "plan.xlsx"
    p.write_bytes(data)
    r = CliRunner().invoke(main, ["check", str(p), "--lang", "en"])
    assert r.exit_code == 2
    assert r.stderr.startswith(f"{p}: -: ") and len(r.stderr.splitlines()) == 1


def test_skip_bad_checks_the_good_lines_and_lists_the_rest(tmp_path):
    p = tmp_path / "plan.xlsx"
    p.write_bytes(xlsx(BLOCK + [HEAD, line(数量="many"), line(行号="02"), line(行号="03", 品目编码="")]))
    r = CliRunner().invoke(main, ["check", str(p), "--lang", "en", "--skip-bad", "--format", "json"])
    assert r.exit_code in (0, 1), r.output
    result = json.loads(r.stdout)["results"][0]
    assert result["status"] == "checked"
    notes = [f["message"] for f in result["findings"] if f["rule_id"] == "CHK-004"]   # in every output, not only stderr
    assert any("Sheet1!I7: Quantity: 'many' is not a number" in n for n in notes)
    assert any("Sheet1!G9: Category code is empty; every line needs one" in n for n in notes)
    from checker.api import get_checker
    res = get_checker().check(p.read_bytes(), str(p), langs=("en",), skip_bad=True)
    assert [i["line_id"] for i in res.meta["items"]] == ["02"]
    assert res.meta["input"]["skipped_rows"] == ["Sheet1!7:7", "Sheet1!9:9"]


def test_skip_bad_does_not_hide_a_problem_outside_the_lines():
    rows = [list(r) for r in BLOCK]
    rows[1][1] = "soon"
    r = read(xlsx(rows + [HEAD, LINE]), skip_bad=True)
    assert r.problems == [("Sheet1!B2", "CHK-001", "Date: 'soon' is not a date such as 2026-03-10, 2026/03/10 or 2026年3月10日")]


def test_explain_shows_each_conversion_once(tmp_path):
    p = tmp_path / "plan.csv"
    p.write_bytes(csv_bytes(BLOCK + [HEAD, line(金额="¥50,000.00"), line(行号="02", 金额="¥50,000.00")]))
    r = CliRunner().invoke(main, ["check", str(p), "--lang", "en", "--explain"])
    assert f"{p}: plan!L7: Amount (CNY) '¥50,000.00' read as 50000 (×2)" in r.stderr
    quiet = CliRunner().invoke(main, ["check", str(p), "--lang", "en"])
    assert "read as" not in quiet.stderr


def test_json_plans_are_read_as_before():
    from checker.api import get_checker
    data = (EXAMPLES / "office-equipment-compliant.json").read_bytes()
    r = get_checker().check(data, "plan.json")
    assert r.checkable and "input" not in r.meta


# -- the bundled examples ---------------------------------------------------------------------------
@pytest.mark.parametrize("name", EXAMPLE_NAMES)
def test_the_bundled_xlsx_example_is_its_json_plan(name):
    """examples/*.xlsx are made by `lvcai convert examples/NAME.json -o examples/NAME.xlsx`."""
    r = read((EXAMPLES / f"{name}.xlsx").read_bytes(), f"{name}.xlsx")
    assert r.problems == [] and r.doc == example(name)


def test_check_examples_xlsx_gives_the_findings_of_the_json_versions():
    def findings(paths):
        r = CliRunner().invoke(main, ["check", *paths, "--format", "json", "--lang", "en"])
        results = json.loads(r.stdout)["results"]
        return r.exit_code, [(x["plan_id"], x["verdict"], x["counts"], x["findings"]) for x in results]
    as_json = findings([str(EXAMPLES / f"{n}.json") for n in EXAMPLE_NAMES])
    as_xlsx = findings([str(EXAMPLES / f"{n}.xlsx") for n in EXAMPLE_NAMES])
    assert as_json == as_xlsx
    assert as_json[0] == 1 and sum(len(x[3]) for x in as_json[1]) > 10


# -- the template -----------------------------------------------------------------------------------
def _template(tmp_path, lang, fmt="xlsx"):
    out = tmp_path / f"template.{fmt}"
    r = CliRunner().invoke(main, ["template", "--format", fmt, "--lang", lang, "-o", str(out)])
    assert r.exit_code == 0, r.output
    return out


@pytest.mark.parametrize("lang", ["zh", "en"])
def test_template_filled_in_is_checked(tmp_path, lang):
    from openpyxl import load_workbook
    from checker.api import get_checker
    path = _template(tmp_path, lang)
    wb = load_workbook(path)
    ws = wb.worksheets[0]
    labels = {ws.cell(r, 1).value: r for r in range(1, 9)}
    plan = {"计划编号": "T-1", "日期": "2026年3月10日", "采购单位": "示范单位", "行政区划": "440305"} if lang == "zh" else \
        {"Plan ID": "T-1", "Date": "2026/03/10", "Purchasing unit": "U", "Region code": "440305"}
    for label, value in plan.items():
        ws.cell(labels[label], 2).value = value
    header = next(r for r in range(1, 20) if ws.cell(r, 1).value in ("项目编号", "Project ID"))
    cols = {ws.cell(header, c).value: c for c in range(1, ws.max_column + 1)}
    zh = ["项目编号", "项目名称", "采购方式", "评审方法", "价格权重（%）", "行号", "品目编码", "品目名称", "数量", "单价（元）", "金额（元）", "节能产品认证"]
    en = ["Project ID", "Project name", "Procurement method", "Evaluation method", "Price weight (%)", "Line", "Category code",
          "Item name", "Quantity", "Unit price (CNY)", "Amount (CNY)", "Energy-saving certification"]
    rows = [["P1", "电脑", "公开招标", "综合评分法" if lang == "zh" else "comprehensive scoring", 30, "01", "A02010105", "台式计算机",
             10, "5,000.00", 50000, "优先" if lang == "zh" else "preferred"],
            [None, None, None, None, None, "02", "A02021104", "显示器", 5, 900, "4500元", "必须" if lang == "zh" else "required"]]
    for i, row in enumerate(rows, header + 1):
        for name, value in zip(zh if lang == "zh" else en, row):
            ws.cell(i, cols[name]).value = value
    wb.save(path)
    res = get_checker().check(path.read_bytes(), str(path), langs=(lang,))
    assert res.checkable, res.errors
    assert res.meta["items"][0]["amount"] == 50000 and res.meta["items"][1]["energy_req"] == "required"
    assert "GPP-ENE-001" in {f.rule_id for f in res.findings}   # a desktop computer only "preferred"
    assert not [n for n in res.meta["input"]["notes"] if "not read" in n["message"] and "Example" in n["message"]]


def test_template_has_comments_drop_downs_formats_an_example_and_the_lists(tmp_path):
    from openpyxl import load_workbook
    wb = load_workbook(_template(tmp_path, "zh"))
    assert wb.sheetnames == ["计划", "评审因素", "示例", "清单品目"]
    ws = wb["计划"]
    header = next(r for r in range(1, 20) if ws.cell(r, 1).value == "项目编号")
    cols = {ws.cell(header, c).value: c for c in range(1, ws.max_column + 1)}
    assert "必须、优先 或 无" in ws.cell(header, cols["节能产品认证"]).comment.text
    lists = {dv.formula1 for dv in ws.data_validations.dataValidation}
    assert {'"必须,优先,无"', '"综合评分法,最低评标价法"'} <= lists
    assert ws.cell(header + 1, cols["金额（元）"]).number_format == "#,##0.00"
    example = read((tmp_path / "template.xlsx").read_bytes(), "template.xlsx")
    assert example.sheet == "计划"   # the blank sheet is the plan, the example is not a second one
    listed = list(wb["清单品目"].iter_rows(min_row=2, values_only=True))
    assert listed[0] == ("节能产品政府采购品目清单", "2019", "ES2019-001", "台式计算机", "台式计算机", "A02010104", "A02010105", "强制采购★")
    assert len(listed) > 40 and {r[0] for r in listed} == {"节能产品政府采购品目清单", "环境标志产品政府采购品目清单"}


def test_template_blank_says_what_to_fill(tmp_path):
    r = CliRunner().invoke(main, ["check", str(_template(tmp_path, "en")), "--lang", "en"])
    assert r.exit_code == 2
    assert "Plan!B1: Plan ID is empty; the plan needs one" in r.stderr


def test_template_csv_reads_back(tmp_path):
    text = _template(tmp_path, "zh", "csv").read_bytes().decode("utf-8-sig")
    assert text.splitlines()[0] == "计划编号," and "品目编码" in text.splitlines()[9]


# -- JSON plans in other encodings ------------------------------------------------------------------
@pytest.mark.parametrize("codec,name", [("gb18030", "GB18030"), ("utf-16", "UTF-16"), ("utf-16-le", "UTF-16LE"),
                                        ("utf-16-be", "UTF-16BE")])
def test_a_json_plan_in_gb18030_or_utf16_is_read_and_the_encoding_said(tmp_path, codec, name):
    from checker.api import get_checker
    text = (EXAMPLES / "school-plan-with-violations.json").read_text(encoding="utf-8")
    p = tmp_path / "plan.json"
    p.write_bytes(text.encode(codec))
    utf8 = get_checker().check(text.encode("utf-8"), "plan.json", langs=("en",))
    res = get_checker().check(p.read_bytes(), "plan.json", langs=("en",))
    note = f"is not UTF-8; read as {name} text (the plan contract's JSON is UTF-8: save it as UTF-8 for budget systems)"
    # the same findings, and one CHK-004 info finding saying how the file was read
    assert res.checkable and tuple(f for f in res.findings if f.rule_id != "CHK-004") == utf8.findings
    assert [f.message["en"] for f in res.findings if f.rule_id == "CHK-004"] == [note]
    assert res.meta["input"]["notes"] == [{"place": "-", "message": note}]
    r = CliRunner().invoke(main, ["check", str(p), "--lang", "en", "--format", "json"])
    found = [f for f in json.loads(r.stdout)["results"][0]["findings"] if f["rule_id"] == "CHK-004"]
    assert r.exit_code == 1 and [f["message"] for f in found] == [note] and found[0]["severity"] == "info"


def test_bytes_that_are_no_text_still_say_not_utf8():
    from checker.api import get_checker
    res = get_checker().check(b'{"plan_id": "\xff\xfe\x80"}', "x.json")
    assert res.errors == (("", "CHK-000", "is not UTF-8 text: invalid start byte at byte 13"),)


def test_findings_of_a_sheet_plan_name_the_row_beside_the_place_in_words():
    r = CliRunner().invoke(main, ["check", str(EXAMPLES / "school-plan-with-violations.xlsx"), "--lang", "en"])
    out = r.stdout
    assert re.search(r"Project GZTH-2026-0107-01 计算机教室及多媒体设备更新 \(计划!\d+:\d+\)", out)
    assert re.search(r"- Line 1 \(计划!\d+:\d+\): 学生用台式计算机", out)
    json_plan = CliRunner().invoke(main, ["check", str(EXAMPLES / "school-plan-with-violations.json"), "--lang", "en"]).stdout
    assert "计划!" not in json_plan


def test_the_template_prints_one_page_wide_with_its_headers_repeated(tmp_path):
    from openpyxl import load_workbook
    out = tmp_path / "t.xlsx"
    assert CliRunner().invoke(main, ["template", "--format", "xlsx", "-o", str(out)]).exit_code == 0
    wb = load_workbook(out)
    # the blank plan sheet (two pages wide since it has the life-cycle cost columns) and the example
    for ws, wide in zip(wb.worksheets[:2], (2, 1)):
        assert ws.page_setup.orientation == "landscape" and ws.sheet_properties.pageSetUpPr.fitToPage, ws.title
        assert ws.page_setup.fitToWidth == wide and ws.page_setup.fitToHeight == 0, ws.title
        assert ws.print_title_rows and ws.freeze_panes, ws.title


def test_a_plan_read_as_gb18030_that_cannot_be_checked_keeps_its_note_out_of_the_findings(tmp_path):
    from checker.api import get_checker
    from checker.formatters import json_
    doc = json.loads((EXAMPLES / "award-stage-audit.json").read_text(encoding="utf-8"))
    doc["projects"][0]["items"][0]["name"] = ""          # a schema problem
    res = get_checker().check(json.dumps(doc, ensure_ascii=False).encode("gb18030"), "p.json", langs=("en",))
    assert not res.checkable and res.findings == () and "GB18030" in res.meta["input"]["notes"][0]["message"]
    json.loads(json_.render([res], get_checker().run_meta([res], {}), "en"))
