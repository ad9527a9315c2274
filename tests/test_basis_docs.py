"""Every loader of rule data refuses a document key rules/sources.json does not list, naming the file and
place (lists, the catalog editions, the shipped catalog, statistics, profiles: the rule loader's check);
and the reports' legal-basis appendix names, per basis, the documents it cites with their addresses."""
import json
import shutil

import pytest
from click.testing import CliRunner

from checker import _paths
from checker.cli import main
from checker.errors import DataError
from checker.lists import Lists
from checker.policy.rulepacks import RulePacks
from conftest import ROOT

RULES = ROOT / "rules"


def lvcai(*args):
    return CliRunner().invoke(main, [str(a) for a in args], catch_exceptions=False)


def _doc(path):
    return json.loads(path.read_text(encoding="utf-8"))


def _write(path, doc):
    path.write_text(json.dumps(doc, ensure_ascii=False), encoding="utf-8")


def _rules_copy(tmp_path):
    rules = tmp_path / "rules"
    shutil.copytree(RULES, rules, ignore=shutil.ignore_patterns("maintenance"))
    return rules


def test_an_unknown_key_in_a_list_row_is_refused_naming_file_and_row(tmp_path):
    rules = _rules_copy(tmp_path)
    assert Lists(rules / "lists").editions["energy_saving"]            # the copy loads
    path = rules / "lists" / "energy_saving_2019.json"
    doc = _doc(path)
    doc["rows"][3]["source_notes"] += " see [S99]"
    _write(path, doc)
    with pytest.raises(DataError) as e:
        Lists(rules / "lists")
    assert "energy_saving_2019.json" in str(e.value) and "/rows/3/source_notes" in str(e.value) and "S99" in str(e.value)


def test_an_unknown_key_in_the_catalog_editions_is_refused(tmp_path):
    rules = _rules_copy(tmp_path)
    path = rules / "lists" / "catalog_editions.json"
    doc = _doc(path)
    doc["editions"]["2022"]["source"] += " [POL-NOPE]"
    _write(path, doc)
    with pytest.raises(DataError) as e:
        Lists(rules / "lists")
    assert "catalog_editions.json" in str(e.value) and "/editions/2022/source" in str(e.value) and "POL-NOPE" in str(e.value)


def test_a_key_the_copys_own_sources_file_lists_is_accepted(tmp_path):
    """The check reads the sources file of the rules directory being loaded, not only the shipped one."""
    rules = _rules_copy(tmp_path)
    path = rules / "lists" / "energy_saving_2019.json"
    doc = _doc(path)
    doc["rows"][0]["source_notes"] += " [S99]"
    _write(path, doc)
    sources = _doc(rules / "sources.json")
    sources["sources"]["S99"] = dict(sources["sources"]["S1"])
    _write(rules / "sources.json", sources)
    from checker.evaluation import sources as S
    assert "S99" in S.table(rules)
    assert Lists(rules / "lists").editions["energy_saving"]


def test_an_unknown_key_in_the_shipped_catalog_is_refused(tmp_path):
    from checker.refdata import _read_catalog
    rules = _rules_copy(tmp_path)
    path = rules / "catalogs" / "catalog_2022.json"
    assert len(_read_catalog(str(path))[0]) > 1000                        # the copy loads
    doc = _doc(path)
    doc["source"]["document"] += " [S77]"
    path = path.with_name("catalog_2022_changed.json")      # read once per path: a new file, a new read
    _write(path, doc)
    with pytest.raises(DataError) as e:
        _read_catalog(str(path))
    assert "catalog_2022_changed.json" in str(e.value) and "/source/document" in str(e.value) and "S77" in str(e.value)
    # a row's name note is read too (only rows with a bracket are walked: the test keeps that honest)
    doc = _doc(rules / "catalogs" / "catalog_2022.json")
    doc["rows"][1200][4] = "named so in the 2022 PDF [S5], see also [S76]"
    path = path.with_name("catalog_2022_row.json")
    _write(path, doc)
    with pytest.raises(DataError) as e:
        _read_catalog(str(path))
    assert "catalog_2022_row.json" in str(e.value) and "/rows/1200/4" in str(e.value) and "S76" in str(e.value)


def test_an_unknown_key_in_the_statistics_is_refused(tmp_path, monkeypatch):
    from checker.service import stats
    rules = _rules_copy(tmp_path)
    monkeypatch.setattr(_paths, "rules_dir", lambda: rules)
    assert 2023 in stats.national()                                         # the copy loads
    path = rules / "statistics" / "national_green_share.json"
    doc = _doc(path)
    doc["years"]["2023"]["note"] += " [POL-NOPE]"
    _write(path, doc)
    with pytest.raises(DataError) as e:
        stats.national()
    assert "national_green_share.json" in str(e.value) and "/years/2023/note" in str(e.value) and "POL-NOPE" in str(e.value)


def test_an_unknown_key_in_a_profile_is_refused_also_through_extends(tmp_path):
    rules = _rules_copy(tmp_path)
    assert RulePacks(rules).profile("shenzhen").id == "shenzhen"            # the copy loads
    path = rules / "profiles" / "national.json"
    doc = _doc(path)
    name = next(iter(doc["params_basis"]))
    doc["params_basis"][name] += " [Z99]"
    _write(path, doc)
    # shenzhen extends national (through guangdong): the parent's citation is checked too
    with pytest.raises(DataError) as e:
        RulePacks(rules).profile("shenzhen")
    assert "national.json" in str(e.value) and f"/params_basis/{name}" in str(e.value) and "Z99" in str(e.value)


def test_the_command_line_exits_2_on_an_unknown_key_in_a_list_or_profile(tmp_path):
    rules = _rules_copy(tmp_path)
    path = rules / "profiles" / "shenzhen.json"
    doc = _doc(path)
    name = next(iter(doc["params_basis"]))
    doc["params_basis"][name] += " [P99]"
    _write(path, doc)
    r = lvcai("rules", "test", rules, "--profile", "shenzhen", "--lang", "en")
    assert r.exit_code == 2 and "shenzhen.json" in r.stderr and "P99" in r.stderr
    assert "Traceback" not in r.output
    rules2 = _rules_copy(tmp_path / "b")
    path = rules2 / "lists" / "environmental_label_2019.json"
    doc = _doc(path)
    doc["source"] += " [S98]"
    _write(path, doc)
    r = lvcai("rules", "test", rules2, "--lang", "en")
    assert r.exit_code == 2 and "environmental_label_2019.json" in r.stderr and "/source" in r.stderr and "S98" in r.stderr
    assert "Traceback" not in r.output


# --- the reports' legal-basis appendix: where each basis can be read ------------------------------
PLAN = ROOT / "examples" / "school-plan-with-violations.json"
#: the golden reports' plans: the award-stage audit cites 财库〔2016〕125号, whose basis names no document key
PLANS = [ROOT / "examples" / n for n in ("office-equipment-compliant.json", "school-plan-with-violations.json",
                                         "award-stage-audit.json")]


def _report(tmp_path, fmt, lang="zh", extra=()):
    out = tmp_path / f"report.{lang}.{fmt}"
    r = CliRunner().invoke(main, ["report", *map(str, PLANS), "--format", fmt, "--output", str(out), "--lang", lang, *extra],
                           catch_exceptions=False)
    assert r.exit_code in (0, 1, 2), r.output
    return out.read_bytes()


def _appendix_md(tmp_path, lang):
    md = _report(tmp_path, "md", lang).decode("utf-8")
    title = "## 附录一：引用的依据" if lang == "zh" else "## Appendix A: legal bases cited"
    return md.split(title, 1)[1].split("\n## ", 1)[0]


def test_the_markdown_appendix_names_each_bases_documents_with_title_and_address(tmp_path):
    zh = _appendix_md(tmp_path, "zh")
    # under 财库〔2019〕9号 its document with both addresses, as code spans (no raw links in Markdown)
    nine = zh.split("财库〔2019〕9号《", 1)[1].split("\n2. ", 1)[0]
    assert "   - 文献：\\[POL-NINE\\] 财政部, 发展改革委" in nine
    assert "`https://mhuanbao.bjx.com.cn/mnews/20190219/963638.shtml` ; `http://xingyewuye.com/news/industry/372156102539.html`" in nine
    # a document without an address says so, in the reader's language
    assert "文献：\\[POL-NEED\\] 《政府采购需求管理办法》" in zh and "— 未记录网址" in zh
    en = _appendix_md(tmp_path, "en")
    assert "   - Document: \\[POL-NEED\\] " in en and "— no address recorded" in en
    assert "文献" not in en and "rules/sources.json" in en and "rules/sources.json" not in zh
    # each cited key once per document of the appendix, and only keys the bases cite
    assert zh.count("\\[POL-NINE\\]") == 1 and "\\[E3\\]" not in zh


def test_the_html_appendix_links_each_address_and_the_count_of_lines_is_the_bases_keys(tmp_path):
    html = _report(tmp_path, "html").decode("utf-8")
    appendix = html.split('<ol class="bases"', 1)[1].split("</ol>", 1)[0]
    assert '<a href="http://www.qejc.cn/info/39814-247.html" rel="noreferrer">http://www.qejc.cn/info/39814-247.html</a>' in appendix
    assert "文献：[POL-NEED] 《政府采购需求管理办法》 (财库〔2021〕22号), issued 2021-04-30, effective 2021-07-01 — 未记录网址" in appendix
    # 财库〔2016〕125号's basis cites no document key: no line under it
    credit = appendix.split("财库〔2016〕125号", 1)[1].split("<li id=", 1)[0]
    assert "doc-source" not in credit
    assert appendix.count('class="small doc-source"') == 8


def test_the_text_report_names_the_documents_under_explain_only(tmp_path):
    r = CliRunner().invoke(main, ["check", str(PLAN), "--lang", "en", "--explain"], catch_exceptions=False)
    assert "       Document: [S1] news summary of both 2019 lists" in r.output
    assert "http://www.qejc.cn/info/39814-247.html" in r.output
    plain = CliRunner().invoke(main, ["check", str(PLAN), "--lang", "en"], catch_exceptions=False)
    assert "Document: [" not in plain.output and plain.exit_code == r.exit_code


def test_the_xlsx_report_has_a_legal_bases_sheet_with_clauses_documents_and_addresses(tmp_path):
    import io

    from openpyxl import load_workbook
    wb = load_workbook(io.BytesIO(_report(tmp_path, "xlsx", "en")))
    ws = wb["Legal bases"]
    rows = list(ws.iter_rows(values_only=True))
    assert rows[0] == ("No.", "Legal basis", "Clauses", "Document", "Address")
    need = [r for r in rows if r[3] and r[3].startswith("[POL-NEED]")]
    assert len(need) == 1 and need[0][4] == "no address recorded" and "art. 31(3)" in need[0][2]
    nine = [r for r in rows if r[3] and r[3].startswith("[POL-NINE]")]
    assert nine[0][4] == "https://mhuanbao.bjx.com.cn/mnews/20190219/963638.shtml ; http://xingyewuye.com/news/industry/372156102539.html"
    # a document whose bases cite no key keeps its row, without a document
    assert any(r[1] and "125" in r[1] and r[3] is None for r in rows)


def test_hostile_titles_and_addresses_in_the_sources_table_are_escaped(tmp_path, monkeypatch):
    """The sources file is lvcai's data, not a plan's, but nothing in it reaches HTML or Markdown raw."""
    from checker.evaluation import sources as S
    real = S.table()
    hostile = dict(real)
    hostile["S1"] = dict(real["S1"], title="<img src=x onerror=alert(1)> [x](javascript:alert(1))",
                         urls=['https://x.example/"onmouseover="alert(1)', "javascript:alert(1)"])
    monkeypatch.setattr(S, "table", lambda rules_dir=None: hostile)
    html = _report(tmp_path, "html").decode("utf-8")
    assert "<img src=x" not in html and '"onmouseover="' not in html
    assert 'href="https://x.example/&#34;onmouseover=&#34;alert(1)"' in html
    md = _report(tmp_path, "md").decode("utf-8")
    from markdown_it import MarkdownIt
    tokens = MarkdownIt("commonmark", {"html": True}).enable("table").parse(md)
    kinds = {t.type for t in tokens} | {c.type for t in tokens for c in (t.children or ())}
    assert not kinds & {"html_inline", "html_block", "link_open", "image"}, kinds
    assert "`javascript:alert(1)`" in md
