"""The batch summary for the finance bureau: summary.json, summary.html (reports/batch.html.j2) and
summary.xlsx, all from the summary document of :func:`checker.batch.run`.

What is shown, and what of the summary document (``doc``) and the run's provenance (``meta``) it
comes from; a part whose data is absent is left out, so an older summary document still renders:

- title and check date: ``meta["round"]`` (``title``, ``date``), else ``meta["filing"]["date"]``;
- all plans in one table, sortable (``doc["plans_list"]``: plan_id, agency, source, file, verdict,
  assessment, counts, amount, at_risk_amount), else the ten largest non-compliant plans;
- by rule with title and severity, notes (info) apart (titles and severities from
  ``meta["rules_applied"]``; bare ids without it);
- by agency; by product category (``doc["by_category"]``: per code the amounts of
  :func:`_report.categories`, summed); the amount at risk (``doc["at_risk_amount"]``); the plans
  that could not be checked;
- the green score (``doc["green"]``: the round's and each agency's, and ``plans_list[].green_score`` as a
  column of all plans) and the green value (``doc["green_value"]``: kWh, m³, t CO2 and their money value
  by product group and by agency), each only when the round has one.
"""
from __future__ import annotations


from .. import i18n, templates
from .._io import workbook_bytes
from . import _evaluation, _green, _report, _safe, json_
from . import xlsx as _xlsx

FORMATS = ("json", "html", "xlsx")


def render_json(doc, meta, lang) -> bytes:
    rnd = meta.get("round")
    if rnd and rnd.get("date_source") == "today":   # as in json_.document: summary.json keeps its bytes tomorrow
        meta = dict(meta, round={k: v for k, v in rnd.items() if k not in ("date", "date_source")})
    return json_.dumps({"provenance": meta, "summary": doc}, indent=1).encode("utf-8")


def _ratio(part, whole):
    return round(part / whole, 4) if whole else 0.0


def view(doc, meta, lang) -> dict:
    """The summary laid out for people: the parts above, with labels and shares as fractions."""
    rnd = meta.get("round") or {}
    rules = {r["id"]: r for r in meta.get("rules_applied", [])}
    by_rule, info = [], []
    for rid, n in doc["by_rule"].items():
        rule = rules.get(rid)
        row = {"id": rid, "n": n, "severity": rule["severity"] if rule else None,
               "severity_label": i18n.label(rule["severity"], lang) if rule else "",
               "title": rule["title"][lang] if rule else ""}
        (info if row["severity"] == "info" else by_rule).append(row)
    order = {"error": 0, "warning": 1, None: 2}
    by_rule.sort(key=lambda x: (order[x["severity"]], -x["n"], x["id"]))
    categories = []
    for code, c in (doc.get("by_category") or {}).items():
        amount = c["amount"]
        categories.append(dict(c, code=code, mandatory_ratio=_ratio(c["mandatory_amount"], amount),
                               undetermined_ratio=_ratio(c["undetermined_amount"], amount),
                               priority_ratio=_ratio(c["priority_amount"], amount),
                               required_ratio=_ratio(c["required_amount"], amount),
                               preferred_ratio=_ratio(c["preferred_amount"], amount),
                               green_ratio=_ratio(c["required_amount"] + c["preferred_amount"], amount)))
    categories.sort(key=lambda c: (-c["amount"], c["code"]))
    plans = [dict(p, verdict_label=i18n.label(p.get("assessment") or p["verdict"], lang)) for p in doc.get("plans_list") or []]
    sep = "；" if lang == "zh" else "; "
    colon = "：" if lang == "zh" else ": "
    not_checkable = [dict(x, reason_text=sep.join(f"{e['rule_id']} {_report.pointer_place(e['pointer'], lang)}{colon}"
                                                  f"{_report.schema_message(e['message'], lang)}" for e in x["errors"])
                          if x.get("errors") else x["reason"]) for x in doc["not_checkable"]]
    return {"title": rnd.get("title") or i18n.text("batch_title", lang), "not_checkable": not_checkable,
            "date": rnd.get("date") or (meta.get("filing") or {}).get("date"),
            "by_rule": by_rule, "info_rules": info, "categories": categories, "plans": plans,
            "at_risk": doc.get("at_risk_amount"),
            # the green evaluation's words (issue 13; reports/green-batch.html.j2)
            "green_words": {k: _green.word(k, lang) for k in ("section", "batch_intro", "summary_score", "agency",
                                                             "plans_scored", "amount", "plan_score")},
            # the all-plans table gets a green-score column when a plan of the round has a score
            "green_scored": any(p.get("green_score") is not None for p in plans),
            "green_value": _evaluation.batch_view(doc.get("green_value"), lang)}


def render_html(doc, meta, lang) -> bytes:
    return _safe.visible(templates.render("batch.html.j2", True, s=doc, v=view(doc, meta, lang), meta=meta,
                                          lang=lang)).encode("utf-8")


def render_xlsx(doc, meta, lang) -> bytes:
    from openpyxl import Workbook
    t = lambda k: i18n.text(k, lang)
    lbl = lambda k: i18n.label(k, lang)
    v = view(doc, meta, lang)
    M, P = _xlsx.MONEY, _xlsx.PERCENT
    wb = Workbook()
    wb.remove(wb.active)
    verdicts = doc["verdicts"]
    share = doc["share"]
    top = [[v["title"]], [t("round_date"), _xlsx.as_date(v["date"])]]
    rows = [[t("plans_total"), doc["plans"]], [lbl("compliant"), verdicts["compliant"]],
            [lbl("not_compliant"), verdicts["not_compliant"]], [lbl("not_checkable"), verdicts["not_checkable"]],
            *[[lbl(s), n] for s, n in doc["findings"].items()],
            [t("chart_total"), share["total_amount"]], [t("chart_listed"), share["listed_amount"]],
            [t("chart_required"), share["required_amount"]]]
    if v["at_risk"] is not None:
        rows.append([t("amount_at_risk"), v["at_risk"]])
    expected = doc.get("expected_green") or {}
    if expected.get("plans"):
        rows += [[t("early_plans"), expected["plans"]], [t("early_total"), expected["total_amount"]],
                 [t("expected_amount"), expected["expected_amount"]], [t("expected_share"), expected["expected_share"] / 100.0]]
    # the round's green score and green value, where it has them (their sheets give the detail)
    formats = {t("expected_share"): P}
    g, gv = doc.get("green") or {}, doc.get("green_value") or {}
    if g.get("plans_scored") and g.get("score") is not None:
        rows.append([_green.word("summary_score", lang), g["score"]])
        formats[_green.word("summary_score", lang)] = SCORE
    if gv.get("plans"):
        L = _evaluation.batch_view(gv, lang)["w"]
        for k, fmt in (("kwh", KWH), ("m3", M3), ("t_co2", TCO2), ("money_value", M)):
            rows.append([L[k], gv["total"][k]])
            formats[L[k]] = fmt
    ws = _xlsx._sheet(wb, t("summary_sheet"), [t("summary"), ""], rows, [30, 18], top=top)
    for (cell,) in ws.iter_rows(min_row=len(top) + 2, min_col=2, max_col=2):
        label = ws.cell(cell.row, 1).value
        if isinstance(cell.value, float) or (label in formats and isinstance(cell.value, (int, float))):
            cell.number_format = formats.get(label, M)
    if v["plans"]:
        # the plan's green score where the round has any (a plan without one: an empty cell, not 0)
        scored = v["green_scored"]
        extra = [_green.word("plan_score", lang)] if scored else []
        _xlsx._sheet(wb, t("all_plans"),
                     [t("plan"), t("agency"), t("verdict"), lbl("error"), lbl("warning"), t("chart_total"), t("amount_at_risk"),
                      *extra, t("source"), t("file")],
                     [[p["plan_id"], p.get("agency"), _xlsx.Key(p["verdict_label"], p.get("assessment") or p["verdict"]),
                       p["counts"]["error"], p["counts"]["warning"], p.get("amount"), p.get("at_risk_amount"),
                       *([p.get("green_score")] if scored else []), p["source"], p["file"]] for p in v["plans"]],
                     [18, 28, 10, 7, 7, 15, 15, *([10] if scored else []), 40, 40], {5: M, 6: M, 7: SCORE})
    _xlsx._sheet(wb, t("by_agency"), [t("agency"), t("plans"), lbl("compliant"), lbl("not_compliant"), lbl("error"),
                                      lbl("warning"), t("chart_total"), t("chart_listed"), t("listed_share"),
                                      t("chart_required"), t("required_share")],
                 [[a, x["plans"], x["compliant"], x["not_compliant"], x["findings"]["error"], x["findings"]["warning"],
                   x["share"]["total_amount"], x["share"]["listed_amount"], x["share"]["listed_share"] / 100.0,
                   x["share"]["required_amount"], x["share"]["required_share"] / 100.0] for a, x in doc["by_agency"].items()],
                 [30, 8, 8, 8, 8, 8, 16, 16, 10, 16, 10], {6: M, 7: M, 8: P, 9: M, 10: P})
    _xlsx._sheet(wb, t("by_rule"), [t("rule"), t("severity"), t("title"), t("findings")],
                 [[r["id"], _xlsx.Key(r["severity_label"], r["severity"]), r["title"], r["n"]]
                  for r in v["by_rule"] + v["info_rules"]], [14, 8, 50, 10])
    if v["categories"]:
        _xlsx._sheet(wb, t("by_category"),
                     [t("code"), t("name"), t("items_count"), t("amount_cny"), t("mandatory_share"), t("undetermined_share"),
                      t("required_share"), t("preferred_share"), t("green_share_col"), t("amount_at_risk")],
                     [[c["code"], c["name"], c["items"], c["amount"], c["mandatory_ratio"], c["undetermined_ratio"],
                       c["required_ratio"], c["preferred_ratio"], c["green_ratio"], c["at_risk_amount"]] for c in v["categories"]],
                     [12, 24, 8, 16, 10, 12, 10, 10, 10, 16], {3: M, 4: P, 5: P, 6: P, 7: P, 8: P, 9: M})
    _green_sheets(wb, doc, lang)
    if not v["plans"]:
        _xlsx._sheet(wb, t("largest"), [t("plan"), t("agency"), t("chart_total"), lbl("error"), t("source"), t("file")],
                     [[x["plan_id"], x["agency"], x["amount"], x["errors"], x["source"], x["file"]]
                      for x in doc["largest_not_compliant"]], [18, 30, 16, 8, 40, 40], {2: M})
    _xlsx._sheet(wb, lbl("not_checkable"), [t("source"), t("file"), t("reason")],
                 [[x["source"], x["file"], x["reason_text"]] for x in v["not_checkable"]], [40, 40, 80])
    return workbook_bytes(wb)


#: Number formats of the green sheets: the score as the reports show it (one decimal), kWh and m³ with
#: one, tonnes of CO2 with three, money with two (the precision of the HTML summary).
SCORE, KWH, M3, TCO2 = "0.0", "#,##0.0", "#,##0.0", "#,##0.000"


def _green_sheets(wb, doc, lang):
    """The round's green score (summary.json ``green``: each agency and the round) and green value
    (``green_value``: by product group and by agency, each with the round's total), only when the
    round has them; figures are numbers with formats, never text; the total row is the last."""
    g = doc.get("green")
    if g and g.get("plans_scored"):
        w = lambda k: _green.word(k, lang)
        rows = [[name, a["plans_scored"], a["amount"], a["score"]] for name, a in g["by_agency"].items()]
        rows.append([i18n.text("summary", lang), g["plans_scored"], g["amount"], g["score"]])
        _bold_last(_xlsx._sheet(wb, w("section"), [w("agency"), w("plans_scored"), w("amount"), w("summary_score")],
                                rows, [34, 10, 18, 12], {2: _xlsx.MONEY, 3: SCORE},
                                top=[[w("section")], [w("batch_intro").format(n=g["plans_scored"])]]))
    gv = doc.get("green_value")
    if gv and gv.get("plans"):
        L = _evaluation.batch_view(gv, lang)["w"]
        header = [L["kwh"], L["m3"], L["t_co2"], L["money_value"]]
        formats = {1: KWH, 2: M3, 3: TCO2, 4: _xlsx.MONEY}
        figures = lambda x: [x["kwh"], x["m3"], x["t_co2"], x["money_value"]]
        total = [i18n.text("summary", lang), *figures(gv["total"])]
        rows = [[_evaluation.group_title(k, lang), *figures(x)] for k, x in gv["by_group"].items()] + [total]
        _bold_last(_xlsx._sheet(wb, L["section_green_value"], [L["by_group"], *header], rows, [30, 18, 16, 16, 16],
                                formats, top=[[L["section_green_value"]], [L["green_formula"]]]))
        rows = [[name, *figures(x)] for name, x in gv["by_agency"].items()] + [total]
        _bold_last(_xlsx._sheet(wb, i18n.text("green_value_by_agency", lang), [i18n.text("agency", lang), *header],
                                rows, [34, 18, 16, 16, 16], formats, top=[[L["section_green_value"]]]))


def _bold_last(ws):
    """The total row, the sheet's last, in bold and left out of the filter, so sorting keeps it last."""
    from copy import copy
    last = ws.max_row
    for cell in ws[last]:
        font = copy(cell.font)
        font.b = True
        cell.font = font
    first, end = ws.auto_filter.ref.split(":")
    ws.auto_filter.ref = f"{first}:{end.rstrip('0123456789')}{last - 1}"


RENDER = {"json": render_json, "html": render_html, "xlsx": render_xlsx}
