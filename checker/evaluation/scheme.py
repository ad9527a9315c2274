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


# The groups an item belongs to depend only on its category code and the fields the selectors test
# (``field`` clauses): once per such combination per process, not once per item and group (a round
# of plans tested 11 selectors on every line). Kept with the groups dict, as criteria.by_id is.
_MEMOS: dict = {}
_MEMO_MAX = 100_000
_UNCACHED = object()


def _flag(value):
    """A ``field`` value as part of a memo key: only true, false and absent are (1 == True in a key)."""
    return value if value is None or value is True or value is False else _UNCACHED


def _fields(clause, out: set) -> bool:
    """Adds the item fields ``clause`` tests besides the code to ``out``; False for a clause this
    does not know (then nothing is memoised)."""
    (key, val), = clause.items()
    if key in ("codes", "prefixes"):
        return True
    if key == "field":
        out.add(val["path"])
        return True
    if key in ("any", "all"):
        return all(_fields(c, out) for c in val)
    return key == "not" and _fields(val, out)


def _memo(groups: dict, edition: str):
    """(field paths, {key: groups}) for ``groups`` in ``edition``, or None when a selector tests
    something else than the code and fields."""
    key = (id(groups), edition)
    hit = _MEMOS.get(key)
    if hit is None or hit[0] is not groups:
        paths: set = set()
        known = all(_fields(g.doc["catalog"]["match"], paths) for g in groups.values())
        hit = _MEMOS[key] = (groups, (tuple(sorted(paths)), {}) if known else None)
    return hit[1]


def analyse(project: dict, edition: str, groups: dict) -> dict:
    """The project's applicable groups and criteria, its factors, which criteria they cover, the
    green share of the points and the level of ambition reached. Plain data, for facts and output."""
    index = by_id(groups)
    preds = [(g, g.predicate(edition)) for g in groups.values()]
    memo = _memo(groups, edition)
    lines, amounts, in_any = {}, {}, 0.0
    for item in project["items"]:
        if memo is not None:
            paths, cache = memo
            if len(paths) == 1:   # the shipped groups test one field (data_centre)
                v = item.get(paths[0])
                key = (item["category_code"], v if v is None or v is True or v is False else _UNCACHED)
            else:
                key = (item["category_code"], *[_flag(item.get(p)) for p in paths])
            cacheable = _UNCACHED not in key
            hits = cache.get(key) if cacheable else None
            if hits is None:
                hits = tuple(g for g, pred in preds if pred(item))
                if cacheable and len(cache) < _MEMO_MAX:
                    cache[key] = hits
        else:
            hits = [g for g, pred in preds if pred(item)]
        if hits:
            amount = float(item["amount"])
            for g in hits:
                lines.setdefault(g.id, []).append(item["line_id"])
                amounts[g.id] = amounts.get(g.id, 0.0) + amount
            in_any += amount
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
