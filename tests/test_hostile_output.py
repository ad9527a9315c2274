"""Every output format survives hostile plan and waiver text: control characters, Markdown and HTML
syntax, lone surrogates, non-finite numbers. Each test feeds the real command or formatter."""
import copy
import io
import json
import re
import subprocess
import sys

import pytest
from click.testing import CliRunner

from checker.cli import main
from conftest import ROOT

#: C0 controls that XML 1.0 (so XLSX) cannot hold, an ANSI escape sequence that a terminal would obey, DEL.
CONTROLS = "\x01\x0b\x1b[2J\x7f"
SHOWN = r"\x01\x0b\x1b[2J\x7f"                   # the same, as the outputs show them
IMG = "<img src=x onerror=alert(1)>"
LINK = "[x](javascript:alert(1))"


@pytest.fixture
def award_plan():
    return json.loads((ROOT / "rules" / "examples" / "award.json").read_text(encoding="utf-8"))


def hostile(doc):
    """An award plan with control characters in every kind of text a plan carries, and an item whose
    energy-saving requirement is only preferred, so a finding quotes the item's name."""
    doc = copy.deepcopy(doc)
    doc["plan_id"] = "EVIL" + CONTROLS
    doc["agency"]["name"] = "机构" + CONTROLS
    project = doc["projects"][0]
    project["project_id"] = "P" + CONTROLS
    project["name"] = "项目" + CONTROLS
    item = project["items"][0]
    item["line_id"] = "L" + CONTROLS
    item["name"] = "台式" + CONTROLS
    item["green_requirements"]["energy_saving"] = "preferred"
    item["award"]["supplier"]["name"] = "供应商" + CONTROLS
    item["award"]["brand"] = "品牌" + CONTROLS
    clean = copy.deepcopy(item)
    clean.update(line_id="2", name="显示器" + CONTROLS, green_requirements={"energy_saving": "required"})
    project["items"].append(clean)
    return doc


def waivers_for(doc):
    return {"waivers": [{"rule_id": "GPP-ENE-001", "plan_id": doc["plan_id"], "line_id": doc["projects"][0]["items"][0]["line_id"],
                         "justification": "理由" + CONTROLS, "approver": "审批人" + CONTROLS,
                         "approval_ref": "文号" + CONTROLS, "expires": "2030-12-31"}]}


def write_case(tmp_path, award_plan):
    doc = hostile(award_plan)
    plan = tmp_path / "plan.json"
    plan.write_text(json.dumps(doc, ensure_ascii=False), encoding="utf-8")
    waivers = tmp_path / "waivers.json"
    waivers.write_text(json.dumps(waivers_for(doc), ensure_ascii=False), encoding="utf-8")
    return plan, waivers


def lvcai(*args):
    """The real command, as a user runs it."""
    return subprocess.run([sys.executable, "-m", "checker", *map(str, args)], cwd=ROOT, capture_output=True)


XML_ILLEGAL = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\ud800-\udfff\ufffe\uffff]")


def workbook_strings(data):
    from openpyxl import load_workbook
    wb = load_workbook(io.BytesIO(data))
    return [c.value for ws in wb for row in ws.iter_rows() for c in row if isinstance(c.value, str)]


# -- 1. control characters -------------------------------------------------------------------------
def test_xlsx_report_shows_control_characters_visibly(tmp_path, award_plan):
    plan, waivers = write_case(tmp_path, award_plan)
    out = tmp_path / "x.xlsx"
    r = lvcai("report", plan, "--waivers", waivers, "--format", "xlsx", "-o", out)
    assert r.returncode in (0, 1), r.stderr.decode()
    strings = workbook_strings(out.read_bytes())
    assert not any(XML_ILLEGAL.search(s) for s in strings)
    for text in ("EVIL", "机构", "P", "L", "台式", "显示器"):    # (the workbook has no project names)
        assert text + SHOWN in strings, text
    assert any("台式" + SHOWN in s and s != "台式" + SHOWN for s in strings)   # quoted in a finding message


def test_batch_summary_xlsx_survives_control_characters(tmp_path, award_plan):
    plan, _ = write_case(tmp_path, award_plan)
    src = tmp_path / "round"
    src.mkdir()
    (src / "plan.json").write_bytes(plan.read_bytes())
    (src / ("broken" + CONTROLS + ".json")).write_text('{"plan_id": "B\\u0001"', encoding="utf-8")
    out = tmp_path / "out"
    r = lvcai("batch", src, "--output-dir", out, "--jobs", "1")
    assert r.returncode == 1, r.stderr.decode()
    assert {p.name for p in out.iterdir()} >= {"summary.json", "summary.html", "summary.xlsx"}
    strings = workbook_strings((out / "summary.xlsx").read_bytes())
    assert not any(XML_ILLEGAL.search(s) for s in strings)
    assert "机构" + SHOWN in strings                                    # by agency, and the largest amounts
    assert "EVIL" + SHOWN in strings
    assert any(s.endswith("broken" + SHOWN + ".json") for s in strings)   # the plan that could not be checked


def test_summary_renderer_directly(tmp_path, award_plan):
    from checker import batch
    from checker.formatters import summary
    plan, _ = write_case(tmp_path, award_plan)
    doc = batch.run([str(plan)], tmp_path / "out", jobs=1)
    strings = workbook_strings(summary.render_xlsx(doc, {"tool": "lvcai"}, "en"))
    assert "机构" + SHOWN in strings and "EVIL" + SHOWN in strings


@pytest.mark.parametrize("fmt", ["html", "pdf", "md", "xlsx"])
def test_every_report_format_survives_control_characters(tmp_path, award_plan, fmt):
    plan, waivers = write_case(tmp_path, award_plan)
    out = tmp_path / f"r.{fmt}"
    r = lvcai("report", plan, "--waivers", waivers, "--format", fmt, "-o", out)
    assert r.returncode in (0, 1) and out.stat().st_size > 0, r.stderr.decode()
    if fmt in ("html", "md"):
        text = out.read_text(encoding="utf-8")
        assert not XML_ILLEGAL.search(text)                   # parse errors in HTML, invisible in both
        assert ("机构" + SHOWN if fmt == "html" else "机构" + SHOWN.replace("[", "\\[")) in text
    if fmt == "pdf":
        from pypdf import PdfReader
        text = "".join(p.extract_text() for p in PdfReader(out).pages)
        assert "EVIL" in text and "机构" in text


def test_text_output_cannot_drive_the_terminal(tmp_path, award_plan):
    plan, waivers = write_case(tmp_path, award_plan)
    r = lvcai("check", plan, "--waivers", waivers)
    assert r.returncode in (0, 1), r.stderr.decode()
    out = r.stdout.decode("utf-8")
    assert not re.search("[\x00-\x08\x0b-\x1f\x7f-\x9f]", out)
    # (the project's name is not in the text output: a line's place is the project id, line and name)
    for text in ("EVIL", "机构", "台式", "理由", "审批人"):
        assert text + SHOWN in out, text


def test_json_keeps_the_exact_text(tmp_path, award_plan):
    plan, waivers = write_case(tmp_path, award_plan)
    r = lvcai("check", plan, "--waivers", waivers, "--format", "json")
    doc = json.loads(r.stdout)
    res = doc["results"][0]
    assert res["plan_id"] == "EVIL" + CONTROLS and res["agency"]["name"] == "机构" + CONTROLS
    assert [f["waiver"]["justification"] for f in res["findings"] if f.get("waiver")] == ["理由" + CONTROLS]


# -- 3. JSON is always JSON ------------------------------------------------------------------------
def checked(checker, doc, source="plan.json"):
    from conftest import plan_bytes
    r = checker.check(plan_bytes(doc), source, langs=("zh",))
    return r, checker.run_meta([r], {"format": "json", "lang": "zh", "fail_on": "error", "profile": "national"})


def test_json_output_refuses_nan_and_infinity(checker, base_plan):
    from checker.formatters import json_, summary
    r, meta = checked(checker, base_plan)
    r.meta["totals"]["total_amount"] = float("nan")     # as if a bug upstream let one through
    with pytest.raises(json_.NotJSON, match=r"number at /results/0/totals/total_amount is not finite \(nan\)"):
        json_.render([r], meta)
    with pytest.raises(json_.NotJSON, match=r"/summary/by_agency/a~1b/share/total_amount is not finite \(inf\)"):
        summary.render_json({"by_agency": {"a/b": {"share": {"total_amount": float("inf")}}}}, meta, "zh")
    with pytest.raises(json_.NotJSON, match=r"/provenance/x/1 is not finite \(-inf\)"):
        summary.render_json({}, {"x": [0.5, -float("inf")]}, "zh")


def test_cli_reports_a_non_finite_number_as_an_error_not_as_json(monkeypatch):
    from checker.formatters import json_
    real = json_.result_head     # the CLI writes JSON in pieces (json_.chunks): the result's head has the totals
    def with_nan(result, lang):
        head = real(result, lang)
        head["totals"]["listed_share"] = float("nan")
        return head
    monkeypatch.setattr(json_, "result_head", with_nan)
    r = CliRunner().invoke(main, ["check", str(ROOT / "examples" / "award-stage-audit.json"), "--format", "json"])
    assert r.exit_code == 2 and r.stdout == ""
    assert "lvcai：错误：output: the number at /results/0/totals/listed_share is not finite (nan)" in r.stderr


# -- 4. names and text that are not valid Unicode --------------------------------------------------
NOT_UTF8 = "plan-\udcff.json"      # what Python makes of the file name b"plan-\xff.json"


@pytest.mark.parametrize("fmt", ["text", "json", "html", "md", "pdf", "xlsx"])
def test_formatters_take_a_source_name_that_is_not_utf8(checker, base_plan, fmt):
    from checker.formatters import FORMATTERS
    r, meta = checked(checker, base_plan, NOT_UTF8)
    out = FORMATTERS[fmt]([r], meta, lang="zh")
    if fmt == "xlsx":
        assert "plan-\ufffd.json" in workbook_strings(out)
    elif fmt == "pdf":
        assert out.startswith(b"%PDF")
    else:
        text = out.encode("utf-8").decode("utf-8")      # encodable: the surrogate became U+FFFD
        assert "plan-\ufffd.json" in text and "\udcff" not in text
        if fmt == "json":
            assert json.loads(text)["results"][0]["source"] == "plan-\ufffd.json"


@pytest.mark.parametrize("fmt", ["json", "html", "xlsx"])
def test_summary_takes_a_source_name_that_is_not_utf8(tmp_path, checker, fmt):
    from checker import batch
    from checker.formatters import summary
    broken = tmp_path / "broken.json"
    broken.write_text("{", encoding="utf-8")
    doc = batch.run([str(broken)], tmp_path / "out", jobs=1)
    doc["not_checkable"][0]["source"] = NOT_UTF8
    meta = dict(checker.provenance(), inputs=[NOT_UTF8], options={"lang": "zh"})   # as `lvcai batch` makes it
    out = summary.RENDER[fmt](doc, meta, "zh")
    assert "plan-\ufffd.json" in (workbook_strings(out) if fmt == "xlsx" else out.decode("utf-8"))


def test_a_lone_surrogate_in_plan_text_is_refused_and_every_format_can_say_so(tmp_path, base_plan):
    base_plan["agency"]["name"] = "单位\ud800"
    plan = tmp_path / "plan.json"
    plan.write_text(json.dumps(base_plan), encoding="ascii")      # "\ud800": valid JSON, not valid Unicode
    for fmt in ("text", "json"):
        r = lvcai("check", plan, "--format", fmt)
        assert r.returncode == 2, r.stderr.decode()
        out = r.stdout.decode("utf-8")
        # the text output names the place in words (agency name), the JSON by its pointer
        assert ("/agency/name" if fmt == "json" else "agency name") in out
        assert "surrogate" in out and "内部错误" not in r.stderr.decode()


# -- 2. Markdown -----------------------------------------------------------------------------------
MD_TEXT = "a`b``c " + IMG + " " + LINK + " *e* _u_ | p\nq\r\n# h <https://x> &amp; ~~s~~ \\"


def md_case(tmp_path, base_plan):
    """A plan with Markdown and HTML syntax in all its text, an item with no finding (so it is in a
    table), a waiver matching nothing whose pointer is hostile (the finding shows it as a code span),
    and a plan that cannot be checked whose schema message quotes hostile text."""
    doc = copy.deepcopy(base_plan)
    doc["plan_id"] = "`" + IMG + "`"
    doc["agency"].update(name=MD_TEXT, code=LINK)
    project = doc["projects"][0]
    project["project_id"], project["name"] = "P|1", MD_TEXT
    item = project["items"][0]
    item.update(line_id="`1`", name=MD_TEXT)
    item["green_requirements"]["energy_saving"] = "preferred"         # a finding quoting the name
    project["items"].append(dict(item, line_id="|2|\n", name=MD_TEXT, category_code="A02010105",
                                 green_requirements={"energy_saving": "required"}))
    plan = tmp_path / "plan.json"
    plan.write_text(json.dumps(doc, ensure_ascii=False), encoding="utf-8")
    broken = tmp_path / "broken.json"
    broken.write_text(json.dumps(dict(base_plan, plan_id=[IMG, "`x`"])), encoding="utf-8")
    pointer = "/x`" + IMG + "``" + LINK + "| \n<b>"
    waivers = tmp_path / "waivers.json"
    waivers.write_text(json.dumps({"waivers": [
        {"rule_id": "GPP-ENE-001", "plan_id": doc["plan_id"], "pointer": pointer, "justification": MD_TEXT,
         "approver": MD_TEXT, "approval_ref": "`" + LINK, "expires": "2030-12-31"},
        {"rule_id": "GPP-ENE-001", "plan_id": doc["plan_id"], "line_id": "`1`", "justification": MD_TEXT,
         "approver": IMG, "approval_ref": LINK, "expires": "2030-12-31"}]}), encoding="utf-8")
    return plan, broken, waivers, pointer


def permissive_markdown():
    """CommonMark with GFM tables and strikethrough, raw HTML on, and every link target allowed
    (markdown-it refuses javascript: by default; a naive renderer would not)."""
    from markdown_it import MarkdownIt
    md = MarkdownIt("commonmark").enable(["table", "strikethrough"])
    md.validateLink = lambda url: True
    return md


def tokens(md, text):
    for tok in md.parse(text):
        yield tok
        yield from tok.children or ()


@pytest.mark.parametrize("lang", ["zh", "en"])
def test_markdown_gives_a_renderer_no_html_and_no_link(tmp_path, base_plan, lang):
    plan, broken, waivers, pointer = md_case(tmp_path, base_plan)
    out = tmp_path / "r.md"
    r = lvcai("report", plan, broken, "--waivers", waivers, "--format", "md", "-o", out, "--lang", lang)
    assert r.returncode == 2, r.stderr.decode()                  # the broken plan
    text = out.read_text(encoding="utf-8")
    md = permissive_markdown()
    kinds = {t.type for t in tokens(md, text)}
    assert not kinds & {"html_inline", "html_block", "link_open", "image"}, kinds
    html = md.render(text)
    assert "<img" not in html and "<b>" not in html and "javascript:" not in "".join(re.findall(r'(?:href|src)="[^"]*"', html))
    assert set(re.findall(r"<([a-z0-9]+)", html)) <= {"h1", "h2", "h3", "h4", "p", "ul", "ol", "li", "strong", "code",
                                                      "table", "thead", "tbody", "tr", "th", "td"}
    # every table row has as many cells as its table's header
    for table in re.findall(r"<table>.*?</table>", html, re.S):
        widths = {len(re.findall(r"<t[hd][ >]", row)) for row in re.findall(r"<tr>.*?</tr>", table, re.S)}
        assert len(widths) == 1, table
    # and the text is all there, literally, as text (pointers are not shown: places are in words,
    # pointers only in JSON and --explain)
    shown = "".join(t.content for t in tokens(md, text) if t.type == "text")
    assert MD_TEXT.replace("\r\n", " ").replace("\n", " ") in shown
    assert IMG in shown and LINK in shown


@pytest.mark.parametrize("value", ["x", "`", "``", "a`b", "`a", "a``", " a ", "``a```b`", "a\nb", "<b>|"])
def test_a_code_span_shows_its_value_exactly(value):
    from checker.templates import md_code
    md = permissive_markdown()
    [para] = [t for t in md.parse(md_code(value)) if t.type == "inline"]
    assert [(c.type, c.content) for c in para.children] == [("code_inline", value.replace("\n", " "))]
