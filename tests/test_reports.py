"""Compliance reports: HTML, Markdown, PDF and Excel from the same content, escaped and reproducible."""
import io
import re
import json

import pytest
from click.testing import CliRunner

from checker.cli import main
from conftest import ROOT, plan_bytes

GOLDEN = ROOT / "tests" / "golden"
EXAMPLE_ARGS = ["examples/office-equipment-compliant.json", "examples/school-plan-with-violations.json",
                "examples/award-stage-audit.json"]
STAMP = "2026-03-20T10:00:00+08:00"


@pytest.fixture
def in_repo(monkeypatch):
    monkeypatch.chdir(ROOT)   # sources print as given: the goldens use the repo-relative paths


@pytest.fixture(autouse=True)
def pinned_date(monkeypatch):
    """Reports print a check date, today's when nothing else is given: pin it, so that tests which
    compare bytes do not depend on the day they run (reproducible builds do the same)."""
    monkeypatch.setenv("SOURCE_DATE_EPOCH", "1774000000")   # 2026-03-20 UTC


def report(tmp_path, fmt, *plans, lang="zh", extra=(), input=None):
    out = tmp_path / f"report.{fmt}"
    r = CliRunner().invoke(main, ["report", *plans, "--format", fmt, "--output", str(out), "--lang", lang, *extra],
                           input=input, catch_exceptions=False)
    assert r.exit_code in (0, 1, 2), r.output
    return out.read_bytes()


@pytest.mark.parametrize("fmt,lang", [("html", "zh"), ("md", "zh"), ("md", "en")])
def test_golden(tmp_path, in_repo, regen_golden, fmt, lang):
    got = report(tmp_path, fmt, *EXAMPLE_ARGS, lang=lang, extra=["--generated-at", STAMP])
    golden = GOLDEN / f"examples.{lang}.{fmt}"
    if regen_golden:
        golden.parent.mkdir(exist_ok=True)
        golden.write_bytes(got)
    assert got == golden.read_bytes(), f"{golden} differs; if the change is intended, run pytest --regen-golden and review the diff"


@pytest.mark.parametrize("fmt", ["html", "md", "xlsx"])
def test_two_runs_give_identical_bytes(tmp_path, in_repo, fmt):
    assert report(tmp_path, fmt, *EXAMPLE_ARGS) == report(tmp_path, fmt, *EXAMPLE_ARGS)


def test_xlsx_bytes_do_not_depend_on_the_clock(tmp_path, in_repo, monkeypatch):
    import datetime as dt
    import openpyxl.writer.excel as excel
    class Later(dt.datetime):
        @classmethod
        def now(cls, tz=None):
            return dt.datetime(2031, 5, 6, 7, 8, 9, tzinfo=tz)
    first = report(tmp_path, "xlsx", *EXAMPLE_ARGS)
    monkeypatch.setattr(excel.datetime, "datetime", Later)   # what openpyxl stamps at save
    assert report(tmp_path, "xlsx", *EXAMPLE_ARGS) == first


def test_the_check_date_is_generated_at_else_source_date_epoch_else_today(tmp_path, in_repo, monkeypatch):
    import datetime as dt
    html = report(tmp_path, "html", *EXAMPLE_ARGS).decode()
    assert "生成时间" not in html and "检查日期</dt><dd>2026-03-20</dd>" in html        # SOURCE_DATE_EPOCH
    html = report(tmp_path, "html", *EXAMPLE_ARGS, extra=["--generated-at", "2026-04-01T09:00:00+08:00"]).decode()
    assert "检查日期</dt><dd>2026-04-01</dd>" in html and "生成时间</dt><dd>2026-04-01T09:00:00+08:00" in html
    monkeypatch.delenv("SOURCE_DATE_EPOCH")
    assert f"检查日期</dt><dd>{dt.date.today().isoformat()}</dd>" in report(tmp_path, "html", *EXAMPLE_ARGS).decode()
    # today's date is for the sign-off block only: the JSON output stays the same bytes tomorrow
    doc = json.loads(CliRunner().invoke(main, ["check", EXAMPLE_ARGS[0], "--format", "json"]).stdout)
    assert "date" not in doc["provenance"]["filing"]
    r = CliRunner().invoke(main, ["report", EXAMPLE_ARGS[0], "--format", "html", "-o", str(tmp_path / "x.html"), "--generated-at", "yesterday", "--lang", "en"])
    assert r.exit_code == 2 and "expected an ISO 8601 date-time" in r.stderr


def test_filing_block(tmp_path, in_repo):
    args = ["--report-no", "TH-2026-017", "--organisation", "天河区财政局", "--prepared-by", "张敏", "--reviewed-by", "李华"]
    html = report(tmp_path, "html", *EXAMPLE_ARGS, extra=args).decode()
    assert "<th>报告编号</th><td>TH-2026-017</td><th>检查单位</th><td>天河区财政局</td>" in html
    assert "<th>检查人</th><td>张敏</td><th>签字</th><td></td>" in html
    assert "<th>复核人</th><td>李华</td><th>签字</th><td></td>" in html
    assert "<th>检查日期</th><td>2026-03-20</td><th>日期</th><td></td>" in html
    md = report(tmp_path, "md", *EXAMPLE_ARGS, extra=args, lang="en").decode()
    assert "| Prepared by | 张敏 | Signature | |" in md and "- Report no.: TH-2026-017" in md
    doc = json.loads(CliRunner().invoke(main, ["check", EXAMPLE_ARGS[0], "--format", "json", *args]).stdout)
    assert doc["provenance"]["filing"] == {"report_no": "TH-2026-017", "organisation": "天河区财政局", "prepared_by": "张敏",
                                           "reviewed_by": "李华", "date": "2026-03-20", "date_source": "SOURCE_DATE_EPOCH"}


def test_report_content(tmp_path, in_repo):
    html = report(tmp_path, "html", *EXAMPLE_ARGS, lang="en").decode()
    # header and verdicts
    assert "Plan <span class=\"pid\">SZFT-2025-0212</span> <span class=\"verdict not_compliant\">not compliant</span>" in html
    assert "<span class=\"verdict compliant\">compliant</span>" in html
    # a conclusion, then numbered findings, errors first, one rule's lines of a project in one entry
    assert ("Plan GZTH-2026-0107 is not compliant: 5 error(s), 4 warning(s) and 4 note(s) were found. "
            "Mandatory-category items without a required or valid certificate amount to CNY 502,000.00.") in html
    assert html.count("GPP-ENE-001</span>") == 1 and "Project GZTH-2026-0107-01, lines 1, 2, 3" in html
    nos = [int(n) for n in re.findall(r'<li class="(?:error|warning|info)(?: grouped)?" id="entry-(\d+)">', html)]
    assert nos == list(range(1, len(nos) + 1))
    # legal basis by number, English titles once in the appendix; plain remediation
    assert re.search(r'<a href="#basis-(\d+)">\[\1\]</a> MOF Order No. 87 art. 55', html)
    assert html.count("Measures for tendering of government procurement of goods and services") == 1
    assert "Raise the weight of price in the evaluation rules to at least the legal floor." in html
    # "not verified" said once, with the list rows it concerns, in words
    assert html.count('<h2 id="unverified">') == 1 and "ES2019-007" in html and "the product standard it names" in html
    # award evidence per item
    assert "CQC22701112223" in html and "91440300MA5GXAMP1W" in html and "示范 / LCD-24" in html
    # items with no finding, appendices and provenance
    assert "Items checked with no finding" in html and "A4 黑白激光打印机" in html
    assert "Appendix B: rules that produced findings" in html and "GPP-EVL-002" in html
    assert "GPP-PLN-003</td>" not in html and "GPP-PLN-003" in html          # run, did not fire: listed compactly
    assert "GPP-SZX-001" not in html                                          # not in the profile
    for name in EXAMPLE_ARGS:
        sha = __import__("hashlib").sha256((ROOT / name).read_bytes()).hexdigest()
        assert sha in html
    assert html.count("<svg class=\"share-chart\"") == 3


def test_pdf_has_pages_and_text(tmp_path, in_repo):
    from pypdf import PdfReader
    pdf = PdfReader(io.BytesIO(report(tmp_path, "pdf", *EXAMPLE_ARGS)))
    assert 6 <= len(pdf.pages) <= 20
    first = pdf.pages[0].extract_text()
    assert "绿色采购合规检查报告" in first and "SZNS-2026-0031" in first
    assert "第 1 页，共" in first
    text = "".join(p.extract_text() for p in pdf.pages)
    assert "GPP-AWD-001" in text and "液晶显示器" in text
    assert pdf.pages[0].mediabox.width == pytest.approx(595.3, abs=1)    # A4


def test_xlsx_reads_back(tmp_path, in_repo):
    from openpyxl import load_workbook
    wb = load_workbook(io.BytesIO(report(tmp_path, "xlsx", *EXAMPLE_ARGS)))
    assert wb.sheetnames == ["摘要", "检查结论", "问题", "整改建议汇总", "中标产品及证书", "明细", "绿色评价", "依据及文献"]
    summary = [[c.value for c in row] for row in wb["摘要"].iter_rows(min_row=6)]
    assert summary[0][:3] == ["采购计划", "结论", "错误"]
    assert [r[0] for r in summary[1:]] == ["SZNS-2026-0031", "GZTH-2026-0107", "SZFT-2025-0212"]
    findings = list(wb["问题"].iter_rows(values_only=True))
    expected = sum(json.loads(CliRunner().invoke(main, ["check", p, "--format", "json"]).stdout)["results"][0]["counts"][s]
                   for p in EXAMPLE_ARGS for s in ("error", "warning", "info"))
    assert len(findings) - 1 == expected                                   # one row per finding's line
    assert wb["问题"].auto_filter.ref.startswith("A1:")
    items = list(wb["明细"].iter_rows(values_only=True))
    assert len(items) - 1 == 9 + 6 + 3


HOSTILE = '<script>alert("x")</script> & "quotes" \'single\''


def hostile_plan(base_plan):
    base_plan["plan_id"] = "EVIL-<b>1</b>"
    base_plan["agency"]["name"] = HOSTILE
    base_plan["projects"][0]["name"] = HOSTILE
    item = base_plan["projects"][0]["items"][0]
    item["name"] = HOSTILE
    item["green_requirements"]["energy_saving"] = "preferred"    # so a finding message quotes the name
    base_plan["projects"][0]["items"].append(dict(item, line_id="=HYPERLINK(\"http://x\")", name="=1+1"))
    return plan_bytes(base_plan)


def test_plan_text_is_escaped_in_html(tmp_path, base_plan):
    html = report(tmp_path, "html", "-", input=hostile_plan(base_plan)).decode()
    assert "<script>" not in html and "<b>1</b>" not in html
    assert "&lt;script&gt;alert(&#34;x&#34;)&lt;/script&gt; &amp; &#34;quotes&#34; &#39;single&#39;" in html


def test_plan_text_is_escaped_in_markdown(tmp_path, base_plan):
    md = report(tmp_path, "md", "-", input=hostile_plan(base_plan)).decode()
    assert "<script>" not in md and "&lt;script&gt;" in md


def test_plan_text_is_literal_in_pdf(tmp_path, base_plan):
    from pypdf import PdfReader
    pdf = PdfReader(io.BytesIO(report(tmp_path, "pdf", "-", input=hostile_plan(base_plan))))
    text = "".join(p.extract_text() for p in pdf.pages)
    assert '<script>alert("x")</script>' in text.replace("\n", "")


def test_plan_text_is_text_in_xlsx(tmp_path, base_plan):
    from openpyxl import load_workbook
    wb = load_workbook(io.BytesIO(report(tmp_path, "xlsx", "-", input=hostile_plan(base_plan))))
    cells = {c.value: c.data_type for row in wb["明细"].iter_rows(min_row=2) for c in row if isinstance(c.value, str)}
    assert cells[HOSTILE] == "s" and cells["=1+1"] == "s" and cells['=HYPERLINK("http://x")'] == "s"


def test_binary_formats_need_an_output_file():
    r = CliRunner().invoke(main, ["check", str(ROOT / EXAMPLE_ARGS[0]), "--format", "pdf"])
    assert r.exit_code == 2 and "--format pdf 生成的是文件：请用 --output FILE 指定文件名" in r.stderr
    r = CliRunner().invoke(main, ["check", str(ROOT / EXAMPLE_ARGS[0]), "--format", "pdf", "--lang", "en"])
    assert r.exit_code == 2 and r.stderr == "lvcai: error: --format pdf writes a file: give --output FILE\n"
    r = CliRunner().invoke(main, ["report", str(ROOT / EXAMPLE_ARGS[0]), "--format", "html"])
    assert r.exit_code == 2


def test_not_checkable_plan_is_reported_and_exits_2(tmp_path):
    r = CliRunner().invoke(main, ["report", "-", "--format", "md", "-o", str(tmp_path / "r.md")], input=b'{"plan_id": "X"}')
    assert r.exit_code == 2
    md = (tmp_path / "r.md").read_text(encoding="utf-8")
    assert "无法检查" in md and "CHK-001" in md and "- CHK-001 整个文件：缺少必填项 date" in md


def test_pdf_running_header_names_the_plan_and_tables_repeat_their_header(tmp_path, in_repo):
    from pypdf import PdfReader
    pdf = PdfReader(io.BytesIO(report(tmp_path, "pdf", *EXAMPLE_ARGS)))
    pages = [p.extract_text() for p in pdf.pages]
    second = pages[1]                                 # a continuation page of the first plan
    assert second.endswith(f"SZNS-2026-0031 绿色采购合规检查报告\n第 2 页，共 {len(pages)} 页")
    # the second plan starts a page of its own (which page depends on the first plan's length)
    starts = [i for i, t in enumerate(pages) if t.startswith("采购计划 GZTH-2026-0107")]
    assert len(starts) == 1 and starts[0] >= 2
    assert "GZTH-2026-0107 绿色采购合规检查报告" in pages[starts[0]]
    assert pages[starts[0] - 1].endswith(f"SZNS-2026-0031 绿色采购合规检查报告\n第 {starts[0]} 页，共 {len(pages)} 页")
    # a table that runs over a page repeats its header there: a plan of 120 clean lines (which
    # tables of the examples break where moves whenever a section is added before them)
    doc = json.loads((ROOT / "rules" / "examples" / "base.json").read_text(encoding="utf-8"))
    line = doc["projects"][0]["items"][0]
    doc["projects"][0]["items"] = [dict(line, line_id=str(i)) for i in range(1, 121)]
    (tmp_path / "long.json").write_text(json.dumps(doc, ensure_ascii=False), encoding="utf-8")
    pages = [p.extract_text() for p in PdfReader(io.BytesIO(report(tmp_path, "pdf", str(tmp_path / "long.json")))).pages]
    cont = [t for t in pages[1:] if t.startswith("项目编号 行号 名称 品目代码 金额（元）")]
    assert cont and all("EX-BASE 绿色采购合规检查报告" in t for t in cont)


def test_xlsx_formats_and_print_set_up(tmp_path, in_repo):
    """A workbook a user can hand on: number formats, real dates, wrapping, frozen and filtered
    headers, severity colours, and every sheet printed landscape, fitted to the page width, with its
    header row repeated on every page."""
    import datetime as dt
    from openpyxl import load_workbook
    wb = load_workbook(io.BytesIO(report(tmp_path, "xlsx", *EXAMPLE_ARGS)))
    for ws in wb:
        assert ws.page_setup.orientation == "landscape", ws.title
        assert ws.sheet_properties.pageSetUpPr.fitToPage and ws.page_setup.fitToWidth == 1 and ws.page_setup.fitToHeight == 0
        header = 6 if ws.title == "摘要" else 1
        assert ws.print_title_rows in (f"{header}:{header}", f"${header}:${header}"), ws.title
        assert ws.freeze_panes == f"A{header + 1}", ws.title
    s = wb["摘要"]
    assert s["B4"].value == dt.datetime(2026, 3, 20) and s["B4"].number_format == "yyyy-mm-dd"   # the check date
    row = {s.cell(6, c).value: s.cell(8, c) for c in range(1, s.max_column + 1)}            # GZTH-2026-0107
    assert row["计划总额"].value == 671500 and row["计划总额"].number_format == "#,##0.00"
    assert row["要求证书占比"].value == pytest.approx(0.107) and row["要求证书占比"].number_format == "0.0%"
    assert row["日期"].value == dt.datetime(2026, 4, 8)
    assert row["结论"].fill.fgColor.rgb.endswith("FEE2E2")                                   # not compliant: red
    conclusion = wb["检查结论"]["B3"]
    assert conclusion.value.startswith("经检查，采购计划 GZTH-2026-0107 不合规") and conclusion.alignment.wrap_text
    assert wb["检查结论"].row_dimensions[3].height >= 30                 # wrapped text gets the height it needs
    f = wb["问题"]
    error = next(row[2] for row in f.iter_rows(min_row=2) if row[2].value == "错误")
    assert error.fill.fgColor.rgb.endswith("FEE2E2")


def test_pdf_is_refused_without_a_cjk_font(tmp_path, in_repo, monkeypatch):
    from checker.formatters import pdf
    monkeypatch.setattr(pdf, "has_cjk_font", lambda: False)
    out = tmp_path / "r.pdf"
    r = CliRunner().invoke(main, ["report", EXAMPLE_ARGS[0], "--format", "pdf", "-o", str(out)])
    assert r.exit_code == 2 and not out.exists()
    assert "本机没有中文字体" in r.stderr and "apt-get install fonts-wqy-microhei" in r.stderr
    r = CliRunner().invoke(main, ["report", EXAMPLE_ARGS[0], "--format", "pdf", "-o", str(out), "--lang", "en"])
    assert r.exit_code == 2 and "no Chinese (CJK) font is installed" in r.stderr   # the plan's names are Chinese
    monkeypatch.undo()
    assert pdf.has_cjk_font()                        # this machine has one (.ci/install puts it there)


@pytest.mark.parametrize("fmt", ["html", "md"])
def test_a_certificate_without_a_start_date_shows_a_dash_not_none(tmp_path, fmt):
    plan = json.loads((ROOT / "examples" / "award-stage-audit.json").read_text(encoding="utf-8"))
    cert = plan["projects"][0]["items"][0]["award"]["certificates"][0]
    del cert["valid_from"]
    src = tmp_path / "plan.json"
    src.write_text(json.dumps(plan, ensure_ascii=False), encoding="utf-8")
    text = report(tmp_path, fmt, str(src)).decode("utf-8")
    assert cert["number"] in text
    assert "None" not in text
    assert re.search(r"—\s*(?:</span>\s*)?(?:至|–)\s*(?:<span[^>]*>)?" + cert["valid_until"], text), text[:0]
