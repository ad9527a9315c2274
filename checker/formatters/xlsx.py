"""Excel report (openpyxl): a summary sheet, one row per finding (filterable), one row per item.

Every cell from a plan is written as a string cell, so text such as ``=HYPERLINK(…)`` stays text and
is never a formula, and characters a workbook cannot hold (control characters, lone surrogates) are
shown visibly (``_safe.visible``); the batch summary's workbook is written by the same ``_sheet``.
The workbook's dates and the zip entries' times are fixed, so the same input gives the same bytes.
"""
from __future__ import annotations

import datetime as _dt
import io
import re
import zipfile

from .. import i18n
from ..findings import basis_text
from . import _report, _safe

_FIXED = _dt.datetime(2000, 1, 1)


def _text(ws, row, col, value):
    cell = ws.cell(row=row, column=col)
    if value is None:
        return cell
    if isinstance(value, (int, float)) and not isinstance(value, bool):
        cell.value = value
    else:
        cell.value = _safe.visible(str(value))
        cell.data_type = "s"   # never a formula, whatever the text starts with
    return cell


def _sheet(wb, title, header, rows, widths):
    from openpyxl.styles import Font
    ws = wb.create_sheet(title)
    for c, h in enumerate(header, 1):
        _text(ws, 1, c, h).font = Font(bold=True)
    for r, values in enumerate(rows, 2):
        for c, v in enumerate(values, 1):
            _text(ws, r, c, v)
    ws.freeze_panes = "A2"
    if rows:
        ws.auto_filter.ref = ws.dimensions
    for c, w in enumerate(widths):
        ws.column_dimensions[chr(65 + c)].width = w
    return ws


def render(results, meta, lang="zh", color=False) -> bytes:
    from openpyxl import Workbook
    t = lambda k: i18n.text(k, lang)
    r = _report.build(results, meta, lang)
    wb = Workbook()
    wb.remove(wb.active)
    summary = []
    for p in r["plans"]:
        row = [p["source"], p["plan_id"], p["verdict_label"], p["counts"]["error"], p["counts"]["warning"], p["counts"]["info"]]
        if p["checkable"]:
            share = {b["key"]: b for b in p["share"]}
            row += [p["agency"]["name"], p["date"], p["stage_label"], share["total"]["amount"], share["listed"]["amount"],
                    share["listed"]["share"], share["required"]["amount"], share["required"]["share"]]
        summary.append(row)
    _sheet(wb, t("summary_sheet"),
           [t("source"), t("plan"), t("verdict"), i18n.label("error", lang), i18n.label("warning", lang), i18n.label("info", lang),
            t("agency"), t("date"), t("stage"),
            t("chart_total"), t("chart_listed"), t("chart_listed") + " %", t("chart_required"), t("chart_required") + " %"],
           summary, [28, 18, 10, 8, 8, 8, 28, 12, 10, 16, 16, 10, 16, 10])
    findings = []
    for p in r["plans"]:
        for f in p.get("findings", []):
            findings.append([p["plan_id"], f["project_id"], f["line_id"], f["pointer"], f["rule_id"], f["severity_label"],
                             i18n.label(f["status"], lang), f["title"], f["message"],
                             basis_text(f["legal_basis"]), f["remediation"],
                             ", ".join(f["unverified_rows"])])
        for e in p["errors"]:
            findings.append([p["plan_id"], None, None, e["pointer"], e["rule_id"], i18n.label("not_checkable", lang),
                             None, None, e["message"], None, None, None])
    _sheet(wb, t("findings_sheet"),
           [t("plan"), t("project_id"), t("line"), t("pointer"), t("rule"), t("severity"), t("status"), t("title"),
            t("message"), t("legal_basis"), t("remediation"), t("unverified_rows")],
           findings, [18, 18, 8, 22, 13, 8, 8, 30, 60, 36, 40, 20])
    items = []
    for p in r["plans"]:
        for i in p.get("items", []):
            items.append([p["plan_id"], i["project_id"], i["line_id"], i["name"], i["category_code"], i["amount"],
                          i["energy_label"], i["energy_req_label"], i["env_label"], i["env_req_label"],
                          i18n.label(i["has_findings"], lang), ", ".join(i["unverified_rows"])])
    _sheet(wb, t("items_sheet"),
           [t("plan"), t("project_id"), t("line"), t("name"), t("code"), t("amount_cny"), t("energy_list"),
            t("energy_list") + " " + t("requirement"), t("env_list"), t("env_list") + " " + t("requirement"),
            t("has_findings"), t("unverified_rows")],
           items, [18, 18, 8, 28, 12, 14, 12, 12, 12, 12, 10, 20])
    wb.properties.created = wb.properties.modified = _FIXED
    wb.properties.creator = "lvcai"
    raw = io.BytesIO()
    wb.save(raw)
    return _fixed_zip(raw.getvalue())


_MODIFIED = re.compile(rb"(<dcterms:modified[^>]*>)[^<]*(</dcterms:modified>)")


def _fixed_zip(data: bytes) -> bytes:
    """The same archive with every entry's time fixed, and the modification stamp that openpyxl's
    save writes (the clock, whatever the workbook says) set to the fixed date: identical workbooks
    become identical bytes."""
    src = zipfile.ZipFile(io.BytesIO(data))
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as dst:
        for info in src.infolist():
            fixed = zipfile.ZipInfo(info.filename, date_time=(2000, 1, 1, 0, 0, 0))
            fixed.compress_type = zipfile.ZIP_DEFLATED
            fixed.external_attr = info.external_attr
            body = src.read(info.filename)
            if info.filename == "docProps/core.xml":
                body = _MODIFIED.sub(rb"\g<1>" + _FIXED.strftime("%Y-%m-%dT%H:%M:%SZ").encode() + rb"\g<2>", body)
            dst.writestr(fixed, body)
    return out.getvalue()
