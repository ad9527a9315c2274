"""Compliance reports: HTML, Markdown, PDF and Excel from the same content, escaped and reproducible."""
import io
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


def test_nothing_time_dependent_without_generated_at(tmp_path, in_repo):
    html = report(tmp_path, "html", *EXAMPLE_ARGS).decode()
    assert "生成时间" not in html
    assert "生成时间</dt><dd>2026-03-20T10:00:00+08:00" in report(tmp_path, "html", *EXAMPLE_ARGS, extra=["--generated-at", STAMP]).decode()
    r = CliRunner().invoke(main, ["report", EXAMPLE_ARGS[0], "--format", "html", "-o", str(tmp_path / "x.html"), "--generated-at", "yesterday"])
    assert r.exit_code == 2 and "expected an ISO 8601 date-time" in r.stderr


def test_report_content(tmp_path, in_repo):
    html = report(tmp_path, "html", *EXAMPLE_ARGS, lang="en").decode()
    # header and verdicts
    assert "Plan <span class=\"pid\">SZFT-2025-0212</span> <span class=\"verdict not_compliant\">not compliant</span>" in html
    assert "<span class=\"verdict compliant\">compliant</span>" in html
    # the values that made a rule fire, legal basis, remediation, unverified rows
    assert "<code>energy_list</code>=mandatory" in html
    assert "财政部令第87号 第五十五条" in html and "Raise price_weight to at least the floor." in html
    assert "rests on unverified list rows: ES2019-001" in html
    # items with no finding, appendices and provenance
    assert "Items checked with no finding" in html and "A4 黑白激光打印机" in html
    assert "Appendix A: rules applied" in html and "GPP-PLN-003" in html
    assert "energy_saving/2019" in html and "ES2019-007" in html
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
    assert wb.sheetnames == ["摘要", "问题", "明细"]
    summary = [[c.value for c in row] for row in wb["摘要"].iter_rows()]
    assert summary[0][:3] == ["文件", "采购计划", "结论"]
    assert [r[1] for r in summary[1:]] == ["SZNS-2026-0031", "GZTH-2026-0107", "SZFT-2025-0212"]
    findings = list(wb["问题"].iter_rows(values_only=True))
    expected = sum(json.loads(CliRunner().invoke(main, ["check", p, "--format", "json"]).stdout)["results"][0]["counts"][s]
                   for p in EXAMPLE_ARGS for s in ("error", "warning", "info"))
    assert len(findings) - 1 == expected
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
    assert r.exit_code == 2 and "--format pdf writes a file: give --output FILE" in r.stderr
    r = CliRunner().invoke(main, ["report", str(ROOT / EXAMPLE_ARGS[0]), "--format", "html"])
    assert r.exit_code == 2


def test_not_checkable_plan_is_reported_and_exits_2(tmp_path):
    r = CliRunner().invoke(main, ["report", "-", "--format", "md", "-o", str(tmp_path / "r.md")], input=b'{"plan_id": "X"}')
    assert r.exit_code == 2
    md = (tmp_path / "r.md").read_text(encoding="utf-8")
    assert "无法检查" in md and "CHK-001" in md and "'date' is a required property" in md


def test_pdf_running_header_names_the_plan_and_tables_repeat_their_header(tmp_path, in_repo):
    from pypdf import PdfReader
    pdf = PdfReader(io.BytesIO(report(tmp_path, "pdf", EXAMPLE_ARGS[0], EXAMPLE_ARGS[1])))
    second = pdf.pages[1].extract_text()              # a continuation page of the first plan
    assert second.endswith(f"SZNS-2026-0031 绿色采购合规检查报告\n第 2 页，共 {len(pdf.pages)} 页")
    third = pdf.pages[2].extract_text()               # the second plan starts a page of its own
    assert third.startswith("采购计划 GZTH-2026-0107") and "GZTH-2026-0107 绿色采购合规检查报告" in third
    fifth = pdf.pages[4].extract_text()               # a continuation page of the second plan's findings
    assert fifth.startswith("级别 规则 说明")          # the findings table's header, repeated
    assert fifth.endswith(f"GZTH-2026-0107 绿色采购合规检查报告\n第 5 页，共 {len(pdf.pages)} 页")
