"""The batch summary's green score and green value (summary.json ``green``, ``green_value`` and
``plans_list[].green_score``) in summary.xlsx and summary.html: sheets in the reader's words with
numbers as numbers, only when the round has them."""
import copy
import io

import pytest

from checker.formatters import summary
from test_summary import DOC, META   # the summary document of the existing summary tests

GREEN = {"plans_scored": 1, "amount": 695000.0, "score": 75.4,
         "by_agency": {"天河区示范中学": {"plans_scored": 1, "amount": 695000.0, "score": 75.4}}}
VALUE = {"plans": 1,
         "total": {"kwh": 152521.818182, "m3": 10200.0, "t_co2": 61.649319, "money_value": 5906.01},
         "by_agency": {"天河区示范中学": {"kwh": 152521.818182, "m3": 10200.0, "t_co2": 61.649319, "money_value": 5906.01}},
         "by_group": {"air_conditioners": {"kwh": 108181.818182, "m3": 0.0, "t_co2": 43.727091, "money_value": 4189.06},
                      "sanitary_tapware": {"kwh": 44340.0, "m3": 10200.0, "t_co2": 17.922228, "money_value": 1716.95}}}


def _doc():
    doc = copy.deepcopy(DOC)
    doc["green"], doc["green_value"] = GREEN, VALUE
    doc["plans_list"][0]["green_score"] = 75.4
    doc["plans_list"][1]["green_score"] = None
    return doc


def _wb(doc, lang):
    from openpyxl import load_workbook
    return load_workbook(io.BytesIO(summary.render_xlsx(doc, META, lang)))


def _table(ws):
    """{first cell: row values} of the rows below the header (the header: the row after the top lines)."""
    rows = list(ws.iter_rows(values_only=True))
    h = next(i for i, r in enumerate(rows) if r[1] is not None)
    return rows[h], {r[0]: r for r in rows[h + 1:] if r[0] is not None}


@pytest.mark.parametrize("lang,names", [
    ("zh", ["摘要", "全部计划", "按单位", "按规则", "按品目", "绿色评价", "绿色价值", "绿色价值（按单位）", "无法检查"]),
    ("en", ["Summary", "All plans", "By agency", "By rule", "By product category", "Green evaluation", "Green value",
            "Green value by agency", "could not be checked"])])
def test_the_green_sheets_are_there_in_the_readers_words(lang, names):
    assert _wb(_doc(), lang).sheetnames == names


def test_the_green_score_sheet_by_agency_with_the_round_last():
    ws = _wb(_doc(), "zh")["绿色评价"]
    header, rows = _table(ws)
    assert header == ("采购单位", "计划数", "适用品目金额（元）", "绿色得分")
    assert list(rows) == ["天河区示范中学", "合计"]
    total = list(ws[ws.max_row])
    assert total[0].value == "合计" and total[0].font.b and total[3].value == 75.4 and total[3].number_format == "0.0"
    assert total[2].value == 695000 and total[2].number_format == "#,##0.00"
    assert ws.auto_filter.ref.endswith(str(ws.max_row - 1))   # sorting the agencies leaves the total last
    assert "有绿色得分的计划 1 个" in ws["A2"].value


def test_each_plans_green_score_is_a_column_of_all_plans():
    ws = _wb(_doc(), "en")["All plans"]
    header = [c.value for c in ws[1]]
    col = header.index("Plan green score")
    scores = [r[col] for r in ws.iter_rows(min_row=2, values_only=True)]
    assert scores == [75.4, None]   # a plan without a score is an empty cell, not 0
    assert ws.cell(2, col + 1).number_format == "0.0"


def test_the_green_value_sheets_by_product_group_and_by_agency():
    wb = _wb(_doc(), "en")
    header, rows = _table(wb["Green value"])
    assert header == ("By product group", "Electricity saved (kWh)", "Water saved (m³)", "CO2 avoided (t)", "Money value (CNY)")
    assert list(rows) == ["air conditioners", "taps and toilets", "Total"]
    assert rows["Total"][1:] == (152521.818182, 10200, 61.649319, 5906.01)
    ws = wb["Green value"]
    last = ws[ws.max_row]
    assert [c.number_format for c in last[1:]] == ["#,##0.0", "#,##0.0", "#,##0.000", "#,##0.00"]
    assert "Saved = quantity" in ws["A2"].value
    header, rows = _table(wb["Green value by agency"])
    assert header[0] == "Agency" and list(rows) == ["天河区示范中学", "Total"]
    assert rows["天河区示范中学"][3] == 61.649319


def test_no_green_sheet_and_no_column_when_the_round_has_none():
    doc = _doc()
    doc["green"] = dict(GREEN, plans_scored=0, score=None, by_agency={})
    del doc["green_value"]
    for p in doc["plans_list"]:
        p["green_score"] = None
    wb = _wb(doc, "zh")
    assert wb.sheetnames == ["摘要", "全部计划", "按单位", "按规则", "按品目", "无法检查"]
    assert "计划绿色得分" not in [c.value for c in wb["全部计划"][1]]
    assert "计划绿色得分" not in summary.render_html(doc, META, "zh").decode()


def test_the_html_summary_shows_the_score_per_plan_the_round_and_the_green_value():
    html = summary.render_html(_doc(), META, "en").decode()
    assert '<th class="sortable num">Plan green score</th>' in html
    assert '<td class="num" data-sort="75.4">75.4</td>' in html and '<td class="num" data-sort="-1">—</td>' in html
    assert 'id="green-evaluation"' in html and "<strong>75.4</strong>" in html
    assert 'id="green-value"' in html and "<svg" in html and "61.649" in html


def test_the_summary_sheet_gives_the_rounds_score_and_green_value():
    ws = _wb(_doc(), "en")["Summary"]
    cells = {r[0].value: r[1] for r in ws.iter_rows(min_row=3, max_col=2) if r[0].value}
    assert cells["Green score"].value == 75.4 and cells["Green score"].number_format == "0.0"
    assert cells["CO2 avoided (t)"].value == 61.649319 and cells["CO2 avoided (t)"].number_format == "#,##0.000"
    assert cells["Water saved (m³)"].value == 10200 and cells["Water saved (m³)"].number_format == "#,##0.0"
    assert cells["Money value (CNY)"].number_format == "#,##0.00"
    counts = [c for c in cells.values() if c.value == 2]   # the plans of the round: a count, not money
    assert counts and all(c.number_format == "General" for c in counts)
