"""Excel report (openpyxl), from the same content model as the other reports (_report): a summary
sheet with the sign-off block, the numbered findings (one row per line, so they filter by project,
line or severity), the remediation summary, the award evidence, and every item.

A workbook a user can hand on: amounts formatted ``#,##0.00``, shares stored as fractions and shown
``0.0%``, dates as real dates, widths and wrapping set, header rows frozen, filtered and repeated on
every printed page, severities coloured, and each sheet printed landscape on A4, fitted to the
page width.

Every cell from a plan is written as a string cell, so text such as ``=HYPERLINK(…)`` stays text and
is never a formula, and characters a workbook cannot hold (control characters, lone surrogates) are
shown visibly (``_safe.visible``); the batch summary's workbook is written by the same ``_sheet``.
The workbook's dates and the zip entries' times are fixed, so the same input gives the same bytes.
"""
from __future__ import annotations

import datetime as _dt
import unicodedata
from copy import copy

from .. import i18n
from .._io import workbook_bytes
from . import _green, _report, _safe

MONEY = "#,##0.00"
PERCENT = "0.0%"
DATE = "yyyy-mm-dd"
#: Fill colours of the severity (and verdict) cells.
FILLS = {"error": "FEE2E2", "not_compliant": "FEE2E2", "warning": "FEF3C7", "needs_improvement": "FEF3C7",
         "info": "E0F2FE", "compliant": "DCFCE7", "not_checkable": "F3E8FF"}
HEADER_FILL = "E5E7EB"


class Key(str):
    """A cell's text with the key (severity, verdict) that chooses its fill colour."""

    def __new__(cls, text, key):
        obj = super().__new__(cls, text)
        obj.key = key
        return obj


def as_date(text):
    """An ISO date string as a date (a real date cell); anything else is kept as it is."""
    try:
        return _dt.date.fromisoformat(text) if isinstance(text, str) and len(text) == 10 else text
    except ValueError:
        return text


def _text(ws, row, col, value, styled=True):
    """The cell at ``row``, ``col`` holding ``value``; ``styled``: with a date's number format and a
    Key's fill (False: the caller sets the whole style)."""
    from openpyxl.styles import PatternFill
    cell = ws.cell(row=row, column=col)
    if value is None:
        return cell
    if isinstance(value, (int, float)) and not isinstance(value, bool):
        cell.value = value
    elif isinstance(value, _dt.date):
        cell.value = value
        if styled:
            cell.number_format = DATE
    else:
        cell.value = _safe.visible(str(value))
        cell.data_type = "s"   # never a formula, whatever the text starts with
        if styled and isinstance(value, Key) and value.key in FILLS:
            cell.fill = PatternFill("solid", fgColor=FILLS[value.key])
    return cell


def _display_width(text: str) -> int:
    """Columns a text takes in a spreadsheet: a CJK or full-width character counts two."""
    return sum(2 if unicodedata.east_asian_width(ch) in "WF" else 1 for ch in text)


def _row_heights(ws, first_row, widths):
    """Heights for rows whose text wraps: openpyxl writes none, and LibreOffice then prints wrapped
    lines over the next row. Estimated from the text's width in its column (15 points a line)."""
    for row in ws.iter_rows(min_row=first_row):
        lines = 1
        for cell in row:
            if isinstance(cell.value, str) and cell.column <= len(widths):
                width = max(widths[cell.column - 1] - 1, 1)
                lines = max(lines, sum(-(-_display_width(part) // width) or 1 for part in cell.value.split("\n")))
        if lines > 1:
            ws.row_dimensions[row[0].row].height = 15 * min(lines, 30)


def _print_setup(ws, header_row):
    ws.page_setup.orientation = "landscape"
    ws.page_setup.paperSize = ws.PAPERSIZE_A4
    ws.page_setup.fitToWidth = 1
    ws.page_setup.fitToHeight = 0
    ws.sheet_properties.pageSetUpPr.fitToPage = True
    ws.print_title_rows = f"{header_row}:{header_row}"
    ws.page_margins.left = ws.page_margins.right = 0.4
    ws.page_margins.top = ws.page_margins.bottom = 0.5
    ws.oddFooter.center.text = "&P / &N"


def _sheet(wb, title, header, rows, widths, formats=None, top=()):
    """A sheet: optional lines above the table (``top``: title, sign-off), then a bold filled header
    row, frozen, filtered and repeated on printed pages, then ``rows``. ``formats``: column index
    (0-based) → number format. Text wraps; numbers and dates do not."""
    from openpyxl.styles import Alignment, Font, PatternFill
    from openpyxl.utils import get_column_letter
    formats = formats or {}
    ws = wb.create_sheet(title)
    for r, values in enumerate(top, 1):
        for c, v in enumerate(values, 1):
            cell = _text(ws, r, c, v)
            if r == 1 and c == 1:
                cell.font = Font(bold=True, size=14)
    h = len(top) + 1
    for c, name in enumerate(header, 1):
        cell = _text(ws, h, c, name)
        cell.font = Font(bold=True)
        cell.fill = PatternFill("solid", fgColor=HEADER_FILL)
        cell.alignment = Alignment(wrap_text=True, vertical="top")
    wrap = Alignment(wrap_text=True, vertical="top")
    top_aligned = Alignment(vertical="top")
    # A cell's style is one of a few per sheet (its kind of value, fill, number format, wrapping): the
    # first cell of each is styled through openpyxl, which registers the style in the workbook; the
    # others get a copy of that cell's style indexes. Registering it again for every cell (a hash and
    # compare of each style object) was 45% of a summary workbook's time (a million-line round's
    # plans, 60,000 cells); the workbook's styles and bytes are the same either way.
    styles = {}
    for r, values in enumerate(rows, h + 1):
        for c, v in enumerate(values, 1):
            number = isinstance(v, (int, float)) and not isinstance(v, bool)
            fmt = formats.get(c - 1) if number else None
            key = (number, isinstance(v, _dt.date), v.key if isinstance(v, Key) and v.key in FILLS else None,
                   fmt, isinstance(v, str), v is None)
            style = styles.get(key)
            if style is not None:
                cell = _text(ws, r, c, v, styled=False)
                cell._style = copy(style)
                continue
            cell = _text(ws, r, c, v)
            if fmt is not None:
                cell.number_format = fmt
            cell.alignment = wrap if isinstance(v, str) else top_aligned
            styles[key] = copy(cell._style)
    ws.freeze_panes = f"A{h + 1}"
    if rows:
        ws.auto_filter.ref = f"A{h}:{get_column_letter(len(header))}{h + len(rows)}"
    for c, w in enumerate(widths, 1):
        ws.column_dimensions[get_column_letter(c)].width = w
    _row_heights(ws, h, widths)
    _print_setup(ws, h)
    return ws


def _basis(entry, lang):
    return ("；" if lang == "zh" else "; ").join(f"[{b['no']}] {b['short']}" for b in entry["bases"]) or i18n.text("no_legal_basis", lang)


def render(results, meta, lang="zh", color=False) -> bytes:
    from openpyxl import Workbook
    t = lambda k: i18n.text(k, lang)
    lbl = lambda k: i18n.label(k, lang)
    r = _report.build(results, meta, lang)
    wb = Workbook()
    wb.remove(wb.active)
    f = r["filing"]
    top = [[t("report_title")],
           [t("report_no"), f["report_no"], t("organisation"), f["organisation"]],
           [t("prepared_by"), f["prepared_by"], t("reviewed_by"), f["reviewed_by"]],
           [t("check_date"), as_date(f["date"]), t("signature"), None],
           [r["overview"]]]
    summary = []
    for p in r["plans"]:
        row = [p["plan_id"], Key(p["verdict_label"], p["verdict"]), p["counts"]["error"], p["counts"]["warning"],
               p["counts"]["info"]]
        if p["checkable"]:
            share = {b["key"]: b for b in p["share"]}
            row += [p["agency"]["name"], as_date(p["date"]), p["stage_label"], share["total"]["amount"],
                    share["listed"]["ratio"], share["required"]["ratio"], p["at_risk"]]
        summary.append(row)
    _sheet(wb, t("summary_sheet"),
           [t("plan"), t("verdict"), lbl("error"), lbl("warning"), lbl("info"), t("agency"), t("date"), t("stage"),
            t("chart_total"), t("listed_share"), t("required_share"), t("amount_at_risk")],
           summary, [18, 10, 6, 6, 6, 28, 11, 12, 15, 9, 9, 15],
           {8: MONEY, 9: PERCENT, 10: PERCENT, 11: MONEY}, top)
    _sheet(wb, t("conclusion"), [t("plan"), t("conclusion"), t("source")],
           [[p["plan_id"], p["conclusion"], p["source"]] for p in r["plans"]], [18, 90, 30])
    findings = []
    for p in r["plans"]:
        for e in p["entries"]:
            for ln in e["lines"]:
                severity = e["severity_label"]
                if e["status"] != "open":
                    severity += f"（{e['status_label']}）" if lang == "zh" else f" ({e['status_label']})"
                findings.append([e["no"], p["plan_id"], Key(severity, e["severity"]), e["title"],
                                 ln["place"], ln.get("amount"), ln["message"],
                                 _basis(e, lang), e["remediation"] if e["severity"] != "info" else None,
                                 lbl(True) if ln["unverified"] else None, e["rule_id"]])
        for e in p["errors"]:
            findings.append([None, p["plan_id"] or p["source"], Key(lbl("not_checkable"), "not_checkable"), None,
                             e["place"], None, e["text"], None, None, None, e["rule_id"]])
    _sheet(wb, t("findings_sheet"),
           [t("no"), t("plan"), t("severity"), t("title"), t("place"), t("amount_cny"),
            t("message"), t("legal_basis"), t("remediation"), t("unverified"), t("rule")],
           findings, [5, 15, 8, 22, 26, 12, 40, 22, 32, 6, 12], {5: MONEY})
    remediations = [[m["text"], m["ref"], p["plan_id"]] for p in r["plans"] for m in p.get("remediations", [])]
    _sheet(wb, t("remediation_sheet"), [t("remediation"), t("remediation_for"), t("plan")], remediations, [80, 20, 18])
    awards = []
    for p in r["plans"]:
        for a in p.get("awards", []):
            for c in a["certificates"]:
                awards.append([p["plan_id"], a["project_id"], a["line_id"], a["name"], a["supplier"], a["credit_code"],
                               f"{a['brand'] or ''} / {a['model'] or ''}", c["kind_label"], c["obligation"], c["number"], c["issuer"], c["validity"],
                               Key(c["found"], "compliant" if c["status"] == "valid" else "error")])
    if awards:
        _sheet(wb, t("award_sheet"),
               [t("plan"), t("project_id"), t("line"), t("name"), t("supplier"), t("credit_code"), t("brand_model"),
                t("certificate"), t("obligation"), t("cert_number"), t("issuer"), t("validity"), t("status_found")],
               awards, [16, 18, 6, 16, 22, 20, 16, 22, 10, 18, 22, 22, 14])
    items = []
    for p in r["plans"]:
        for i in p.get("items", []):
            items.append([p["plan_id"], i["project_id"], i["line_id"], i["name"], i["category_code"], i["amount"],
                          i["energy_label"], i["energy_req_label"], i["env_label"], i["env_req_label"],
                          lbl(i["has_findings"]), lbl(i["at_risk"])])
    _sheet(wb, t("items_sheet"),
           [t("plan"), t("project_id"), t("line"), t("name"), t("code"), t("amount_cny"), t("energy_list"),
            t("energy_list") + t("requirement"), t("env_list"), t("env_list") + t("requirement"),
            t("has_findings"), t("amount_at_risk")],
           items, [16, 18, 6, 26, 12, 14, 12, 12, 12, 12, 9, 9], {5: MONEY})
    _green_sheet(wb, r, lang)
    _lcc_sheets(wb, r["plans"], lang)
    _bases_sheet(wb, r, lang)
    return workbook_bytes(wb)


def _bases_sheet(wb, r, lang):
    """The legal-basis appendix: per document cited, its clauses and where to read it (one row per
    document of rules/sources.json its bases cite; the address, or "no address recorded")."""
    t = lambda k: i18n.text(k, lang)
    sep = "；" if lang == "zh" else "; "
    rows = []
    for b in r["bases"]:
        doc = b["doc"] if b["title"] == b["doc"] else (f"{b['doc']}《{b['title']}》" if lang == "zh" else f"{b['title']} ({b['doc']})")
        if not b["verified"]:
            doc += f"（{t('basis_unverified')}）" if lang == "zh" else f" ({t('basis_unverified')})"
        clauses = sep.join(c["clause"] for c in b["clauses"])
        for s in b["sources"] or [None]:
            rows.append([b["no"], doc, clauses, f"[{s['key']}] {s['title']}" if s else None,
                         (" ; ".join(s["urls"]) or s["no_url"]) if s else None])
    if rows:
        _sheet(wb, t("bases_sheet"), [t("no"), t("legal_basis"), t("basis_clauses"), t("basis_documents"), t("basis_address")],
               rows, [5, 40, 24, 48, 48])


def _green_sheet(wb, r, lang):
    """The green evaluation (issue 13), a sheet of its own when a plan has products with green criteria."""
    rows = _green.xlsx_rows(r["plans"])
    if not rows:
        return
    w = lambda k: _green.word(k, lang)
    ws = _sheet(wb, w("section"), [i18n.text("plan", lang), i18n.text("project_id", lang), w("project"), w("groups"),
                                   w("project_score"), w("core"), w("comprehensive"), w("ambition"), w("green_weight"),
                                   w("not_covered"), w("ungraded"), w("formula_short")],
                rows, [16, 14, 22, 18, 10, 10, 10, 10, 10, 40, 20, 30], {8: PERCENT})
    formula = next(p["green"]["formula"] for p in r["plans"] if p.get("green") and p["green"]["projects"])
    ws.cell(row=len(rows) + 3, column=1, value=formula)
def _lcc_sheets(wb, plans, lang):
    """The life-cycle cost and green value sheet and the assumptions sheet, for plans that have them
    (formatters/_evaluation.py); no sheet otherwise."""
    with_lcc = [p for p in plans if p.get("lcc")]
    if not with_lcc:
        return
    w = with_lcc[0]["lcc"]["w"]
    rows, assumptions = [], []
    for p in with_lcc:
        L = p["lcc"]
        for row in L["rows"]:
            rows.append([p["plan_id"], f"{row['line']} {row['name']}", row["code"], row["product"], row["grade"], row["baseline"],
                         row["annual"], row["lcc_total"], row["parts"], row["co2_cost"], row["kwh"], row["m3"], row["t_co2"],
                         row["money_value"], "\n".join(row["notes"]), None if row["verified"] else w["unverified_mark"]])
        rows.append([p["plan_id"], w["plan_total"], None, None, None, None, None, L["plan"]["lcc_total"], None,
                     L["plan"]["co2_cost"], L["plan"]["kwh"], L["plan"]["m3"], L["plan"]["t_co2"], L["plan"]["money_value"],
                     L["grid_text"], None])
        for a in L["assumptions"]:
            assumptions.append([p["plan_id"], a["name"], a["value"], a["source"], a["verified"]])
    _sheet(wb, w["section_lcc"], [i18n.text("plan", lang), w["line"], i18n.text("code", lang), w["product"], w["grade"],
                                  w["baseline"], w["annual_use"], w["lcc_total"], "", w["co2_cost"], w["kwh"], w["m3"], w["t_co2"],
                                  w["money_value"], w["status"], w["verified"]],
           rows, [16, 24, 12, 16, 10, 8, 16, 14, 30, 12, 12, 12, 10, 12, 36, 14])
    _sheet(wb, w["assumptions"], [i18n.text("plan", lang), w["assumption"], w["value"], w["source"], w["verified"]], assumptions, [16, 30, 18, 70, 14])


