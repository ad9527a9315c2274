"""The batch summary for the finance bureau: summary.json, summary.html (reports/batch.html.j2) and
summary.xlsx, all from the summary document of :func:`checker.batch.run`."""
from __future__ import annotations

import io

from .. import i18n, templates
from . import _safe, json_
from . import xlsx as _xlsx

FORMATS = ("json", "html", "xlsx")


def render_json(doc, meta, lang) -> bytes:
    return json_.dumps({"provenance": meta, "summary": doc}, indent=1).encode("utf-8")


def render_html(doc, meta, lang) -> bytes:
    return _safe.visible(templates.render("batch.html.j2", True, s=doc, meta=meta, lang=lang)).encode("utf-8")


def render_xlsx(doc, meta, lang) -> bytes:
    from openpyxl import Workbook
    t = lambda k: i18n.text(k, lang)
    lbl = lambda k: i18n.label(k, lang)
    wb = Workbook()
    wb.remove(wb.active)
    v = doc["verdicts"]
    _xlsx._sheet(wb, t("summary_sheet"), [t("summary"), ""],
                 [[t("plans_total"), doc["plans"]], [lbl("compliant"), v["compliant"]], [lbl("not_compliant"), v["not_compliant"]],
                  [lbl("not_checkable"), v["not_checkable"]], *[[lbl(s), n] for s, n in doc["findings"].items()],
                  [t("chart_total"), doc["share"]["total_amount"]], [t("chart_listed"), doc["share"]["listed_amount"]],
                  [t("chart_required"), doc["share"]["required_amount"]]], [30, 18])
    _xlsx._sheet(wb, t("by_agency"), [t("agency"), t("plans"), lbl("compliant"), lbl("not_compliant"), lbl("error"),
                                      lbl("warning"), t("chart_total"), t("chart_listed"), t("chart_listed") + " %",
                                      t("chart_required"), t("chart_required") + " %"],
                 [[a, x["plans"], x["compliant"], x["not_compliant"], x["findings"]["error"], x["findings"]["warning"],
                   x["share"]["total_amount"], x["share"]["listed_amount"], x["share"]["listed_share"],
                   x["share"]["required_amount"], x["share"]["required_share"]] for a, x in doc["by_agency"].items()],
                 [30, 8, 8, 8, 8, 8, 16, 16, 10, 16, 10])
    _xlsx._sheet(wb, t("by_rule"), [t("rule"), t("findings")], [[k, n] for k, n in doc["by_rule"].items()], [14, 10])
    _xlsx._sheet(wb, t("largest"), [t("plan"), t("agency"), t("chart_total"), lbl("error"), t("source"), t("file")],
                 [[x["plan_id"], x["agency"], x["amount"], x["errors"], x["source"], x["file"]] for x in doc["largest_not_compliant"]],
                 [18, 30, 16, 8, 40, 40])
    _xlsx._sheet(wb, lbl("not_checkable"), [t("source"), t("file"), t("message")],
                 [[x["source"], x["file"], x["reason"]] for x in doc["not_checkable"]], [40, 40, 80])
    wb.properties.created = wb.properties.modified = _xlsx._FIXED
    raw = io.BytesIO()
    wb.save(raw)
    return _xlsx._fixed_zip(raw.getvalue())


RENDER = {"json": render_json, "html": render_html, "xlsx": render_xlsx}
