"""Plan → facts for the engine, plus the context each finding message and report needs.

Everything that is a lookup rather than a judgement happens here, once per item, in Python: the
list edition in force, the code resolved to list rows, the certificate status on the plan date,
the project's nature. The rules then decide what is a finding. Facts carry only the fields some
rule tests (``Checker`` passes that set), so the engine sees small facts.
"""
from __future__ import annotations

from dataclasses import dataclass, field

from .lists import LIST_KINDS, STRICTNESS, Lists

#: Fields a rule may test, per fact kind, with what they mean (used to check rule files and in docs).
FIELDS = {
    "item": {
        "stage": "plan stage: plan | award",
        "category_code": "the item's category code",
        "code_form_ok": "true when the code has the form of the plan's catalog edition",
        "energy_list": "obligation on the energy-saving list in force: mandatory | priority | none (stricter one where unresolved)",
        "energy_resolution": "how the code stands on that list: off_list | listed | ambiguous | parent | product_type_unmatched",
        "energy_req": "the plan's energy_saving requirement: required | preferred | none",
        "energy_cert": "award: energy-saving certificate on the plan date: valid | expired | not_yet_valid | missing",
        "energy_pref_applied": "award: true when the evaluation granted the energy-saving preference",
        "env_list": "obligation on the environmental-label list in force: mandatory | priority | none",
        "env_resolution": "how the code stands on that list: off_list | listed | ambiguous | parent | product_type_unmatched",
        "env_req": "the plan's environmental_label requirement: required | preferred | none",
        "env_cert": "award: environmental-label certificate on the plan date: valid | expired | not_yet_valid | missing",
        "env_pref_applied": "award: true when the evaluation granted the environmental-label preference",
        "amount": "the item's amount in CNY",
        "eval_method": "its project's evaluation method",
    },
    "project": {
        "stage": "plan stage",
        "eval_method": "comprehensive_scoring | lowest_price",
        "price_weight": "price weight in percent (absent when not given)",
        "green_bonus_points": "points for certified products (absent when not given)",
        "green_price_deduction_pct": "price deduction for certified products, percent (absent when not given)",
        "nature": "goods | services | works (given, or derived from the item codes)",
        "has_preferred": "true when an item asks for a list preference (preferred)",
        "amount": "the project's amount in CNY",
    },
    "plan": {
        "stage": "plan stage",
        "catalog_edition": "2013 | 2022",
        "catalog_edition_assumed": "true when the plan did not say which catalog edition its codes use",
        "lists_in_force": "true when a list edition is in force on the plan date for every list",
        "total_amount": "the plan's amount in CNY",
    },
}

_REQ_FIELD = {"energy_saving": "energy", "environmental_label": "env"}


@dataclass
class Facts:
    """The facts of one plan, in assert order (plan, projects, items), and their contexts by fact id.

    A fact's id is ``#`` and its JSON pointer in the plan: unique within the plan, as the engine needs."""
    facts: list = field(default_factory=list)
    context: dict = field(default_factory=dict)
    editions: dict = field(default_factory=dict)   # list kind → edition doc in force (or None)


def _cert_status(certs, kind, date):
    status = "missing"
    for c in certs:
        if c.get("type") != kind:
            continue
        if c.get("valid_from") and c["valid_from"] > date:
            status = "not_yet_valid" if status == "missing" else status
        elif c["valid_until"] < date:
            status = "expired" if status in ("missing", "not_yet_valid") else status
        else:
            return "valid"
    return status


def _pct(part, whole):
    return round(100.0 * part / whole, 1) if whole else 0.0


def build(plan: dict, lists: Lists, wanted: dict) -> Facts:
    """Facts for a plan that passed schema validation. ``wanted``: kind → fields rules test."""
    out = Facts()
    date = plan["date"]
    stage = plan.get("stage", "plan")
    cat_assumed = "catalog_edition" not in plan
    cat = plan.get("catalog_edition", lists.catalogs.default)
    indexes = {}
    for kind in LIST_KINDS:
        doc = lists.in_force(kind, date)
        out.editions[kind] = doc
        indexes[kind] = lists.index(doc, cat) if doc else None

    totals = {"total": 0.0, "listed": 0.0, "mandatory": 0.0, "priority": 0.0, "required": 0.0, "preferred": 0.0}
    item_facts = []
    project_facts = []
    for pi, project in enumerate(plan["projects"]):
        ev = project["evaluation"]
        p_ptr = f"/projects/{pi}"
        by_letter: dict[str, float] = {}
        has_preferred = False
        p_amount = 0.0
        for ii, item in enumerate(project["items"]):
            ptr = f"{p_ptr}/items/{ii}"
            code = item["category_code"]
            reqs = item.get("green_requirements", {})
            award = item.get("award") or {}
            certs = award.get("certificates", [])
            applied = set(award.get("preferences_applied", []))
            f = {"id": "#" + ptr, "kind": "item", "stage": stage, "category_code": code,
                 "code_form_ok": lists.catalogs.code_ok(cat, code), "amount": item["amount"],
                 "eval_method": ev["method"]}
            ctx = {"pointer": ptr, "project_index": pi, "item_index": ii, "project_id": project["project_id"],
                   "line_id": item["line_id"], "name": item["name"], "category_code": code,
                   "product_type": item.get("product_type"), "catalog_edition": cat, "date": date, "rows": {}}
            strictest = "none"
            for kind in LIST_KINDS:
                short = _REQ_FIELD[kind]
                idx = indexes[kind]
                res = idx.resolve(code, item.get("product_type")) if idx and f["code_form_ok"] else None
                obligation = res.obligation if res else "none"
                req = reqs.get(kind, "none")
                f[f"{short}_list"] = obligation
                f[f"{short}_resolution"] = res.status if res else "off_list"
                f[f"{short}_req"] = req
                if stage == "award":
                    f[f"{short}_cert"] = _cert_status(certs, kind, date)
                    f[f"{short}_pref_applied"] = kind in applied
                ctx["rows"][kind] = res.rows if res else ()
                strictest = max(strictest, obligation, key=STRICTNESS.index)
                has_preferred = has_preferred or req == "preferred"
            amount = float(item["amount"])
            p_amount += amount
            totals["total"] += amount
            if strictest != "none":
                totals["listed"] += amount
                totals[strictest] += amount
            if "required" in reqs.values():
                totals["required"] += amount
            elif "preferred" in reqs.values():
                totals["preferred"] += amount
            by_letter[code[:1]] = by_letter.get(code[:1], 0.0) + amount
            item_facts.append(f)
            out.context["#" + ptr] = ctx
        nature = project.get("nature")
        derived = nature is None
        if derived:
            letter = max(sorted(by_letter), key=lambda k: by_letter[k])
            nature = lists.catalogs.nature_by_letter.get(letter, "goods")
        pf = {"id": "#" + p_ptr, "kind": "project", "stage": stage, "eval_method": ev["method"],
              "price_weight": ev.get("price_weight"), "green_bonus_points": ev.get("green_bonus_points"),
              "green_price_deduction_pct": ev.get("green_price_deduction_pct"), "nature": nature,
              "has_preferred": has_preferred, "amount": p_amount}
        project_facts.append(pf)
        out.context["#" + p_ptr] = {"pointer": p_ptr, "project_index": pi, "project_id": project["project_id"],
                              "name": project["name"], "nature_derived": derived, "rows": {},
                              **{k: v for k, v in pf.items() if k not in ("id", "kind")}}

    in_force = all(out.editions[k] for k in LIST_KINDS)
    plan_fact = {"id": "#", "kind": "plan", "stage": stage, "catalog_edition": cat,
                 "catalog_edition_assumed": cat_assumed, "lists_in_force": in_force,
                 "total_amount": totals["total"]}
    out.context["#"] = {
        "pointer": "", "plan_id": plan["plan_id"], "date": date, "catalog_edition": cat, "rows": {},
        "missing_lists": ", ".join(k for k in LIST_KINDS if not out.editions[k]),
        **{f"{k}_amount": v for k, v in totals.items()},
        **{f"{k}_share": _pct(v, totals["total"]) for k, v in totals.items() if k != "total"},
    }
    for f in [plan_fact, *project_facts, *item_facts]:
        out.context[f["id"]].update((k, v) for k, v in f.items() if k not in ("id", "kind"))
        keep = wanted.get(f["kind"], ())
        out.facts.append({k: v for k, v in f.items()
                          if v is not None and (k in ("id", "kind") or k in keep)})
    return out
