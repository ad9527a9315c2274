"""The content of a compliance report, shared by the HTML, PDF, Markdown and Excel formats.

``build(results, meta, lang)`` returns plain data: per plan its header, counts, green share (with
the bar geometry of the chart), findings grouped by project and item, and the items with no finding;
then the rules applied, the list editions and the list rows the plans rest on (unverified ones
marked), and the provenance. Templates only lay it out.
"""
from __future__ import annotations

from .. import i18n
from .text import item_pointer, view

#: The share chart's bars: (totals key, label key in messages.json, colour).
BARS = (
    ("total", "chart_total", "#6b7280"),
    ("listed", "chart_listed", "#0f766e"),
    ("mandatory", "chart_mandatory", "#b91c1c"),
    ("priority", "chart_priority", "#2563eb"),
    ("required", "chart_required", "#7c2d12"),
    ("preferred", "chart_preferred", "#4d7c0f"),
)
CHART_WIDTH = 360   # px of the longest bar


def money(value) -> str:
    return f"{value:,.2f}"


def _share(result, lang):
    totals = result.meta["totals"]
    total = totals["total_amount"] or 0.0
    bars = []
    for key, label_key, colour in BARS:
        amount = totals[f"{key}_amount"]
        share = 100.0 if key == "total" else totals[f"{key}_share"]
        width = round(CHART_WIDTH * amount / total, 1) if total else 0.0
        bars.append({"key": key, "label": i18n.text(label_key, lang), "amount": amount, "money": money(amount),
                     "share": share, "width": width, "colour": colour})
    return bars


def _finding(f, lang):
    return {"rule_id": f.rule_id, "severity": f.severity, "severity_label": i18n.label(f.severity, lang),
            "status": f.status, "pointer": f.pointer or "/", "title": f.title[lang], "message": f.message[lang],
            "remediation": f.remediation[lang], "legal_basis": [dict(b) for b in f.legal_basis],
            "tested": [(k, v) for k, v in f.values], "unverified_rows": [r["id"] for r in f.unverified_rows],
            "project_id": f.project_id, "line_id": f.line_id,
            "profile_note": ({"by_profile": f.profile_note["by_profile"], "from": i18n.label(f.profile_note["from"], lang),
                              "reason": f.profile_note["reason"][lang]} if f.profile_note else None)}


def _plan(result, lang):
    out = {"source": result.source, "sha256": result.sha256, "plan_id": result.plan_id,
           "checkable": result.checkable, "verdict": result.verdict(),
           "verdict_label": i18n.label(result.verdict(), lang), "counts": result.counts(),
           "errors": [{"rule_id": rid, "pointer": ptr or "/", "message": msg} for ptr, rid, msg in result.errors]}
    if not result.checkable:
        return out
    m = result.meta
    g = view(result)
    with_findings = {item_pointer(f.pointer) for f in result.findings if f.line_id is not None}
    out.update({
        "agency": m["agency"], "date": m["date"], "stage": m["stage"], "stage_label": i18n.label(m["stage"], lang),
        "catalog_edition": m["catalog_edition"], "lists": m["lists"], "share": _share(result, lang),
        "plan_findings": [_finding(f, lang) for f in g["plan"]],
        "projects": [{"project_id": p["project"]["project_id"], "name": p["project"]["name"],
                      "findings": [_finding(f, lang) for f in p["findings"]],
                      "lines": [{"item": dict(it["item"], amount_text=money(it["item"]["amount"])),
                                 "findings": [_finding(f, lang) for f in it["findings"]]}
                                for it in p["lines"]]} for p in g["projects"]],
        "findings": [_finding(f, lang) for f in result.findings],
        "groups": [(i18n.text("plan_level", lang), [_finding(f, lang) for f in g["plan"]])] + [
            (f"{i18n.text('project', lang)} {p['project']['project_id']} {p['project']['name']}",
             [_finding(f, lang) for f in p["findings"] + [f for it in p["lines"] for f in it["findings"]]])
            for p in g["projects"]],
        "clean_items": [dict(i, amount_text=money(i["amount"]),
                             energy_label=i18n.label(i["energy_list"], lang), env_label=i18n.label(i["env_list"], lang))
                        for i in m["items"] if i["pointer"] not in with_findings],
        "items": [dict(i, amount_text=money(i["amount"]), has_findings=i["pointer"] in with_findings,
                       energy_label=i18n.label(i["energy_list"], lang), env_label=i18n.label(i["env_list"], lang),
                       energy_req_label=i18n.label(i["energy_req"], lang), env_req_label=i18n.label(i["env_req"], lang))
                  for i in m["items"]],
    })
    return out


def build(results, meta, lang) -> dict:
    plans = [_plan(r, lang) for r in results]
    used_rows = {}
    for r in results:
        for f in r.findings:
            for row in f.list_rows:
                used_rows[row["id"]] = row
    totals = {s: sum(p["counts"][s] for p in plans) for s in ("error", "warning", "info")}
    verdicts = {v: sum(1 for p in plans if p["verdict"] == v) for v in ("compliant", "not_compliant", "not_checkable")}
    return {
        "lang": lang, "plans": plans, "totals": totals, "verdicts": verdicts,
        "verdict_labels": {v: i18n.label(v, lang) for v in verdicts},
        "rules": [{"id": r["id"], "severity": r["severity"], "severity_label": i18n.label(r["severity"], lang),
                   "title": r["title"][lang], "legal_basis": r["legal_basis"]} for r in meta["rules_applied"]],
        "lists": meta["lists"],
        "rows": [used_rows[k] for k in sorted(used_rows)],
        "provenance": meta,
    }
