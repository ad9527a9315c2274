"""The life-cycle cost and green value sections of the reports, from a result's
``meta["life_cycle_cost"]`` (checker/evaluation/lcc.py): words in the reader's language
(reports/messages.json ``lcc_words``), places as lines, figures formatted, every assumption with its
source and whether it is verified. Kept apart from _report so that other evaluation sections (the
green score) sit beside it without touching it."""
from __future__ import annotations

from .. import i18n
from ..evaluation import sources as _sources


def _words(lang):
    cat = i18n.catalogue()["lcc_words"]
    return {k: v[lang] for k, v in cat.items() if isinstance(v, dict) and "zh" in v}


def _name(key, lang):
    entry = i18n.catalogue()["lcc_words"]["in"].get(key)
    return entry[lang] if entry else key


def group_title(group, lang):
    entry = i18n.catalogue()["lcc_words"]["groups"].get(group)
    return entry[lang] if entry else group


def _cite(entry, lang):
    """The source of an input as the reader's language has it (the data's words), else as given."""
    words = entry.get("source_words")
    return words[lang] if words else (entry.get("source") or "—")


def _with_refs(text, refs):
    """A source text followed by the keys of the documents it rests on: "…[C1, C5]"."""
    return f"{text} [{', '.join(refs)}]" if refs else text


def num(value, places=2):
    return "—" if value is None else f"{value:,.{places}f}"


def _sep(lang):
    return i18n.text("list_sep", lang)


def section(meta: dict, lang: str):
    """The display model of one plan's sections, or None when the plan has no evaluation."""
    ev = meta.get("life_cycle_cost")
    if ev is None:
        return None
    w = _words(lang)
    sep = _sep(lang)
    rows, assumptions, seen, cited = [], [], set(), {}
    for it in ev["items"]:
        notes = []
        if it["missing"]:
            notes.append(w["missing"].format(what=sep.join(_name(m, lang) for m in it["missing"])))
        if it["not_included"]:
            notes.append(w["not_included"].format(what=sep.join(_name(m, lang) for m in it["not_included"])))
        for n in it["notes"]:
            key = f"note_{n}"
            if key in w:
                notes.append(w[key])
        annual = it["annual"]
        lcc = it["lcc"] or {}
        parts = [f"{w[k]} {num(lcc[k])}" for k in ("purchase", "installation", "energy", "water", "maintenance",
                                                     "end_of_life", "residual_value") if lcc.get(k)]
        kind_unit = annual["unit"] if annual else ""
        rows.append({
            "line": f"{it['project_id']} · {it['line_id']}", "name": it["name"], "code": it["category_code"],
            "product": it["title"][lang] if it["title"] else "—",
            "grade": "—" if it["grade"] is None else f"{it['grade']}（{w['grade_from_' + it['grade_from']]}）" if lang == "zh"
            else f"{it['grade']} ({w['grade_from_' + it['grade_from']]})",
            "baseline": "—" if it["baseline_grade"] is None else str(it["baseline_grade"]),
            "annual": "—" if not annual else f"{num(annual['offer'], 1)} / {num(annual['baseline'], 1)} {kind_unit}",
            "lcc_total": num(lcc.get("total")), "co2_cost": num(lcc.get("co2_externality")), "parts": sep.join(parts),
            "kwh": num(it["saved"]["kwh"], 1), "m3": num(it["saved"]["m3"], 1), "t_co2": num(it["saved"]["t_co2"], 3),
            "money_value": num(it["saved"]["money_value"]), "notes": notes,
            "verified": it["verified"],
        })
        for inp in it["inputs"]:
            if inp["source"] in ("plan", "award") or inp["name"] in ("quantity", "unit_price"):
                continue
            key = (inp["name"], str(inp["value"]), inp["source"])
            if key in seen:
                continue
            seen.add(key)
            label = _name(inp["name"], lang)
            if inp["name"] in ("grade_value", "baseline_grade_value", "baseline_grade"):
                label = f"{label}（{it['title'][lang]}）" if lang == "zh" else f"{label} ({it['title'][lang]})"
            refs = inp.get("refs", [])
            cited.update(dict.fromkeys(refs))
            assumptions.append({"name": label, "value": f"{inp['value']} {inp['unit']}".strip(),
                                "source": _with_refs(_cite(inp, lang), refs),
                                "verified": w["yes"] if inp["verified"] else w["no"], "ok": inp["verified"]})
    for p in ev["parameters"]:
        key = (p["name"], str(p["value"]), p["source"])
        if key in seen or p["value"] is None:
            continue
        seen.add(key)
        refs = p.get("refs", [])
        cited.update(dict.fromkeys(refs))
        assumptions.append({"name": _name(p["name"], lang), "value": f"{p['value']} {p['unit']}".strip(),
                            "source": _with_refs(_cite(p, lang), refs),
                            "verified": w["yes"] if p["verified"] else w["no"], "ok": p["verified"]})
    grid = ev["grid_factor"]
    if grid["value"] is None:
        grid_text = w["grid_none"].format(plan_year=grid["plan_year"])
    else:
        grid_text = w["grid_used"].format(region=grid["region_title"][lang], year=grid["year"], value=grid["value"],
                                          plan_year=grid["plan_year"])
    grid_notes = [w[f"note_{n}"].format(year=grid["year"]) for n in grid["notes"] if f"note_{n}" in w]
    legal = []
    for pr in ev["projects"]:
        if not pr["items_evaluated"]:
            continue
        years = pr["service_life_years"] if pr["service_life_years"] is not None else w["years_not_given"]
        legal.append(w["legal_allowed" if pr["lcc_as_award_factor"] == "allowed" else "legal_info"].format(name=pr["name"], years=years))
    projects = [{"name": pr["name"], "project_id": pr["project_id"], "lcc_total": num(pr["lcc_total"]),
                 "co2_cost": num(pr["co2_externality_total"]), "kwh": num(pr["saved"]["kwh"], 1), "m3": num(pr["saved"]["m3"], 1),
                 "t_co2": num(pr["saved"]["t_co2"], 3), "money_value": num(pr["saved"]["money_value"])}
                for pr in ev["projects"] if pr["items_evaluated"]]
    plan = ev["plan"]
    return {
        "w": w, "rows": rows, "legal": legal, "projects": projects, "assumptions": assumptions,
        "sources": _sources.rows(list(cited), w["no_url"]) if assumptions else [],
        "grid_text": grid_text, "grid_notes": grid_notes,
        "plan": {"lcc_total": num(plan["lcc_total"]), "co2_cost": num(plan["co2_externality_total"]),
                 "kwh": num(plan["saved"]["kwh"], 1), "m3": num(plan["saved"]["m3"], 1),
                 "t_co2": num(plan["saved"]["t_co2"], 3), "money_value": num(plan["saved"]["money_value"])},
        "groups": [{"group": group_title(g, lang), "kwh": num(v["kwh"], 1), "m3": num(v["m3"], 1), "t_co2": num(v["t_co2"], 3),
                    "money_value": num(v["money_value"])} for g, v in plan["by_group"].items()],
        "unverified": any(not a["ok"] for a in assumptions) or any(not r["verified"] for r in rows),
    }


def json_parts(meta: dict):
    """(life_cycle_cost, green_value) for the JSON output, or None when the plan has no evaluation:
    every input of every computation (items carry their inputs, sources and verified flags)."""
    ev = meta.get("life_cycle_cost")
    if ev is None:
        return None
    # ADDED: the documents the inputs cite (their refs, and the formula's), resolved from rules/sources.json
    keys = list(dict.fromkeys([k for i in ev["items"] for inp in i["inputs"] for k in inp.get("refs", ())]
                              + [k for p in ev["parameters"] for k in p.get("refs", ())]
                              + list(ev["method"].get("formula_refs", ()))))
    ev = {**ev, "sources": _sources.resolve(keys)}
    carbon = next(p for p in ev["parameters"] if p["name"] == "carbon_price_yuan_per_t")
    green = {"grid_factor": ev["grid_factor"], "carbon_price": carbon,
             "items": [{"pointer": i["pointer"], "project_id": i["project_id"], "line_id": i["line_id"], "group": i["group"],
                        "model": i["model"], "saved": i["saved"], "missing": i["missing"]} for i in ev["items"]],
             "projects": [{"project_id": p["project_id"], "saved": p["saved"]} for p in ev["projects"]],
             "plan": ev["plan"]["saved"], "by_group": ev["plan"]["by_group"]}
    return ev, green


#: The batch chart: one bar per product group (or agency), its length the t CO2 avoided.
CHART_WIDTH = 320


def batch_view(green: dict | None, lang: str):
    """The batch summary's green value (checker/batch.Summary ``green_value``) for people: totals by
    agency and by product group, and the bars of an inline SVG chart of the CO2 avoided by group."""
    if not green:
        return None
    w = _words(lang)

    def row(name, v):
        return {"name": name, "kwh": num(v["kwh"], 1), "m3": num(v["m3"], 1), "t_co2": num(v["t_co2"], 3),
                "money_value": num(v["money_value"]), "t": v["t_co2"]}
    groups = [row(group_title(g, lang), v) for g, v in green["by_group"].items()]
    top = max((g["t"] for g in groups), default=0.0)
    for g in groups:
        g["width"] = round(CHART_WIDTH * g["t"] / top, 1) if top > 0 else 0.0
    return {"w": w, "plans": green["plans"], "total": row(w["round_total"], green["total"]),
            "by_agency": [row(a, v) for a, v in green["by_agency"].items()], "by_group": groups}
