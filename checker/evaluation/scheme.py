"""What a project's evaluation scheme (``evaluation.factors``) does for the green criteria of the
product groups its items belong to.

A factor is green when its kind is ``green`` or ``life_cycle_cost``, when its ``criterion`` names a
criterion id of rules/criteria, or when it gives an ``indicator``. It covers:

* the criterion its ``criterion`` names (one of the project's applicable criteria); otherwise
* every applicable criterion of the ``indicator`` it gives (a factor of kind ``life_cycle_cost`` gives
  ``life_cycle_cost`` unless it says otherwise); otherwise
* nothing (a green factor that says neither still counts in the green share of points).

A criterion is applicable when the project has an item in its group (the group's catalog selector,
in the plan's catalog edition).
"""
from __future__ import annotations

from .criteria import AMBITIONS, by_id

GREEN_KINDS = ("green", "life_cycle_cost")


def _num(x):
    return float(x) if isinstance(x, (int, float)) and not isinstance(x, bool) else None


def analyse(project: dict, edition: str, groups: dict) -> dict:
    """The project's applicable groups and criteria, its factors, which criteria they cover, the
    green share of the points and the level of ambition reached. Plain data, for facts and output."""
    index = by_id(groups)
    preds = [(g, g.predicate(edition)) for g in groups.values()]
    lines, amounts, in_any = {}, {}, 0.0
    for item in project["items"]:
        hit = False
        for g, pred in preds:
            if pred(item):
                lines.setdefault(g.id, []).append(item["line_id"])
                amounts[g.id] = amounts.get(g.id, 0.0) + float(item["amount"])
                hit = True
        if hit:
            in_any += float(item["amount"])
    applicable_groups = [{"group": g.id, "title": g.doc["title"], "lines": lines[g.id], "amount": round(amounts[g.id], 2)}
                         for g in groups.values() if g.id in lines]
    gids = {g["group"] for g in applicable_groups}
    criteria = [{"id": c["id"], "group": g.id, "title": c["title"], "indicator": c["indicator"], "ambition": c["ambition"],
                 "type": c["type"], "verified": c["source"]["verified"], "refs": list(c["source"]["refs"]), "covered_by": []}
                for g in groups.values() if g.id in gids for c in g.criteria]
    by_crit = {c["id"]: c for c in criteria}
    ev = project.get("evaluation") or {}
    given = "factors" in ev
    factors = []
    total = green = 0.0
    for i, f in enumerate(ev.get("factors") or ()):
        named = f.get("criterion") if f.get("criterion") in index else None
        # a life-cycle-cost factor serves the life-cycle-cost criteria unless it says otherwise
        indicator = f.get("indicator") or ("life_cycle_cost" if f["kind"] == "life_cycle_cost" else None)
        is_green = f["kind"] in GREEN_KINDS or named is not None or indicator is not None
        if named is not None:
            covers, how = ([named] if named in by_crit else []), "criterion"
        elif indicator is not None:
            covers, how = [c["id"] for c in criteria if c["indicator"] == indicator], "indicator"
        else:
            covers, how = [], None
        for cid in covers:
            by_crit[cid]["covered_by"].append(i)
        points = _num(f.get("points"))
        total += points or 0.0
        if is_green:
            green += points or 0.0
        factors.append({"index": i, "name": f["name"], "kind": f["kind"], "points": points, "green": is_green,
                        "graded": bool(f.get("grades")), "criterion": f.get("criterion"), "indicator": indicator,
                        "matched_by": how, "covers": covers,
                        **({"named_elsewhere": True} if named is not None and named not in by_crit else {})})
    counts = {}
    for level in AMBITIONS:
        mine = [c for c in criteria if c["ambition"] == level]
        counts[level] = {"applicable": len(mine), "covered": sum(1 for c in mine if c["covered_by"]),
                         "unverified": sum(1 for c in mine if not c["verified"])}
    return {
        "groups": applicable_groups,
        "amount_in_groups": round(in_any, 2),
        "criteria": criteria,
        "factors_given": given,
        "factors": factors,
        "total_points": round(total, 4) if given else None,
        "green_points": round(green, 4) if given else None,
        "green_weight": round(100.0 * green / total, 4) if given and total > 0 else None,
        "green_factors": sum(1 for f in factors if f["green"]),
        "ungraded_green_factors": [f["index"] for f in factors if f["green"] and f["points"] and not f["graded"]],
        "counts": counts,
        "ambition_reached": _ambition(counts),
    }


def _ambition(counts) -> str:
    """none | partial | core | comprehensive: comprehensive when every applicable criterion is
    covered, core when every applicable core criterion is, partial when some criterion is."""
    core, comp = counts["core"], counts["comprehensive"]
    if core["applicable"] + comp["applicable"] == 0 or core["covered"] + comp["covered"] == 0:
        return "none"
    if core["covered"] == core["applicable"]:
        return "comprehensive" if comp["covered"] == comp["applicable"] else "core"
    return "partial"


def fact_fields(analysis: dict) -> dict:
    """The project fact fields rules test (checker.facts.FIELDS documents them)."""
    return {"criteria_groups": len(analysis["groups"]), "scheme_factors": len(analysis["factors"]),
            "green_factors": analysis["green_factors"], "green_weight": analysis["green_weight"]}
