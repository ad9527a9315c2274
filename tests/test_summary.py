"""The batch summary's rendering for a finance bureau (formatters/summary.py), on a summary document
with the parts checker/batch.py is to add (all plans, by category, amount at risk) and the rules'
titles in the provenance; and the fallback when they are absent (see test_batch for the run)."""
import io

from checker.formatters import summary

META = {"tool": {"name": "lvcai", "version": "0"}, "profile": {"id": "national"}, "rule_packs": [], "lists": [],
        "inputs": ["plans/"], "round": {"title": "2026 年天河区预算单位绿色采购检查", "date": "2026-03-20"},
        "rules_applied": [
            {"id": "GPP-ENE-001", "severity": "error", "title": {"zh": "强制采购品目未要求节能认证证书", "en": "Mandatory, no certificate"}},
            {"id": "GPP-ENE-002", "severity": "warning", "title": {"zh": "优先采购节能品目未设置评审优惠", "en": "Priority, no preference"}},
            {"id": "GPP-PLN-001", "severity": "info", "title": {"zh": "计划的绿色采购占比", "en": "Green share"}}]}
SHARE = {"total_amount": 300.0, "listed_amount": 200.0, "mandatory_amount": 100.0, "priority_amount": 100.0,
         "required_amount": 50.0, "preferred_amount": 50.0, "listed_share": 66.7, "mandatory_share": 33.3,
         "priority_share": 33.3, "required_share": 16.7, "preferred_share": 16.7}
COUNTS = {"error": 1, "warning": 2, "info": 3}
DOC = {"plans": 2, "reused": 0, "waived": 0, "verdicts": {"compliant": 1, "not_compliant": 1, "not_checkable": 0},
       "findings": COUNTS, "by_rule": {"GPP-ENE-001": 1, "GPP-ENE-002": 2, "GPP-PLN-001": 2},
       "by_agency": {"天河区示范中学": {"plans": 2, "compliant": 1, "not_compliant": 1, "findings": COUNTS, "share": SHARE}},
       "share": SHARE, "largest_not_compliant": [], "not_checkable": [], "at_risk_amount": 100.0,
       "plans_list": [
           {"plan_id": "P-1", "agency": "天河区示范中学", "source": "a.json", "file": "a.json", "verdict": "not_compliant",
            "assessment": "not_compliant", "counts": COUNTS, "amount": 200.0, "at_risk_amount": 100.0},
           {"plan_id": "P-2", "agency": "天河区示范中学", "source": "b.json", "file": "b.json", "verdict": "compliant",
            "assessment": "needs_improvement", "counts": {"error": 0, "warning": 2, "info": 1}, "amount": 100.0, "at_risk_amount": 0.0}],
       "by_category": {"A02021003": {"name": "打印机", "items": 3, "amount": 200.0, "mandatory_amount": 50.0,
                                     "undetermined_amount": 100.0, "priority_amount": 50.0, "required_amount": 50.0,
                                     "preferred_amount": 100.0, "at_risk_amount": 100.0}}}


def test_summary_html_for_a_finance_bureau():
    html = summary.render_html(DOC, META, "zh").decode()
    assert "<h1>2026 年天河区预算单位绿色采购检查</h1>" in html and "检查日期：2026-03-20" in html
    # every plan in one sortable table, with the reports' verdicts
    assert html.count('<td class="v-') == 2 and 'class="v-needs_improvement">需改进' in html and "<script>" in html
    # by rule with title and severity, errors first; notes apart
    assert html.index("GPP-ENE-001</td><td>错误</td><td>强制采购品目未要求节能认证证书") < html.index("GPP-ENE-002</td><td>警告")
    assert html.index("提示（供参考，不计入问题）") < html.index("GPP-PLN-001")
    # by product category, with the undetermined part apart; the amount at risk
    assert "<td>打印机</td><td class=\"num\">3</td><td class=\"num\">200.00</td><td class=\"num\">25.0%</td><td class=\"num\">50.0%</td>" in html
    assert "<th>涉及金额</th><td class=\"num\">100.00</td>" in html


def test_summary_xlsx_sheets_and_formats():
    from openpyxl import load_workbook
    wb = load_workbook(io.BytesIO(summary.render_xlsx(DOC, META, "zh")))
    assert wb.sheetnames == ["摘要", "全部计划", "按单位", "按规则", "按品目", "无法检查"]
    cat = wb["按品目"]
    assert cat["E2"].value == 0.25 and cat["E2"].number_format == "0.0%" and cat["D2"].number_format == "#,##0.00"
    assert wb["按单位"]["I2"].value == 0.667 and wb["按单位"]["I2"].number_format == "0.0%"
    assert [c.value for c in wb["按规则"]["B"]][1:] == ["错误", "警告", "提示"]
    for ws in wb:
        assert ws.page_setup.orientation == "landscape" and ws.sheet_properties.pageSetUpPr.fitToPage


def test_an_older_summary_document_still_renders():
    old = {k: v for k, v in DOC.items() if k not in ("plans_list", "by_category", "at_risk_amount")}
    meta = {k: v for k, v in META.items() if k not in ("round", "rules_applied")}
    html = summary.render_html(old, meta, "en").decode()
    assert "<h1>Batch check summary</h1>" in html and "Ten largest non-compliant plans" in html and "<script>" not in html
