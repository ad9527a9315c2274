"""Life-cycle cost (全生命周期成本) per item whose product type has a use-phase model
(rules/evaluation/use_phase.json), with the green value of the item (checker/evaluation/value.py).

For one line of q units, service life N years, discount rate d (real, end-of-year discounting; prices
constant, no escalation):

    UPV   = Σ_{t=1..N} 1/(1+d)^t = (1 − (1+d)^−N) / d      (N when d = 0)
    SPV_N = 1/(1+d)^N
    LCC   = q × [ P0 + I0 + (kWh·p_e + m³·p_w + C_maint) × UPV + (C_EoL − V_resid) × SPV_N ]
    CO2 externality = q × kWh × EF_grid/1000 × p_CO2 × UPV

(EVALUATION.md §5.3, after NIST Handbook 135 as implemented in EnergyPlus). kWh or m³ is the annual use
at the grade offered (award stage) or required (earlier stages), from the model's grade values.

Nothing is guessed: an input the computation needs and the plan, the model or the profile does not
give is named in ``missing`` and the figure it feeds is left out (None); a cost element the plan
does not state (installation, maintenance, end of life, residual value) is named in ``not_included``
and the LCC is the sum of the others. Every input used is listed with its source and whether it is
verified."""
from __future__ import annotations

from ..policy import params as _params
from . import value as _value

#: Cost elements per unit the plan may state on item.lcc (CNY); absent: not included, and said.
COSTS = ("installation_cost", "maintenance_cost_per_year", "end_of_life_cost", "residual_value")
PARAMS = ("lcc_discount_rate", "electricity_price_yuan_per_kwh", "water_price_yuan_per_m3", "carbon_price_yuan_per_t")
UNITS = {"electricity": "kWh", "water": "m³"}
PRICE = {"electricity": "electricity_price_yuan_per_kwh", "water": "water_price_yuan_per_m3"}


def states_inputs(doc) -> bool:
    """Whether the plan states any life-cycle cost input: an item's ``lcc``, a grade offered in an
    award, or a project's service life. Only then do the check's outputs carry the evaluation (a
    plan without them is shown as before)."""
    for p in doc["projects"]:
        if "service_life_years" in p:
            return True
        for it in p["items"]:
            if "lcc" in it or "grade_offered" in (it.get("award") or {}):
                return True
    return False


def present_value_factors(rate: float, years: float):
    """(UPV, SPV_N) for discount rate ``rate`` over ``years``."""
    if rate == 0:
        return float(years), 1.0
    spv = (1.0 + rate) ** -years
    return (1.0 - spv) / rate, spv


def _param(values, basis, verified, name, date, unit_of, words):
    value = _params.at(values.get(name), date)
    return {"name": name, "value": value, "unit": unit_of.get(name, ""), "source": basis.get(name),
            "source_words": words.get(name), "verified": bool(verified.get(name)) and value is not None}


def evaluate(doc, values: dict, basis: dict, data, units: dict | None = None, profile=None) -> dict:
    """The life-cycle cost and green value of plan ``doc`` under parameter ``values`` (a profile's,
    checker/policy/rulepacks.RulePacks.values) with their ``basis``; ``data``: checker/evaluation/data.load().
    ``units``: parameter → unit as declared (for display); ``profile`` (checker/policy/rulepacks.Profile):
    which shipped profile set a value, for the words of its basis."""
    units = units or {}
    words, refs = {}, {}
    for name, w in data.param_words.items():
        r = data.param_refs.get(name, {"refs": [], "profile_refs": {}})
        if profile is not None and name in profile.params:
            words[name] = next((w["profile_words"][pid] for pid in profile.chain if pid in w["profile_words"]), None)
            refs[name] = next((r["profile_refs"][pid] for pid in profile.chain if pid in r["profile_refs"]), [])
        else:
            words[name] = w["basis_words"]
            refs[name] = r["refs"]
    date = doc["date"]
    edition = doc.get("catalog_edition", "2022")
    stage = doc.get("stage", "plan")
    params = {n: {**_param(values, basis, data.param_verified, n, date, units, words), "refs": list(refs.get(n, []))} for n in PARAMS}
    grid = _value.grid_factor(data.grid, (doc.get("agency") or {}).get("region"), date)
    items, projects = [], []
    plan_saved, plan_lcc, plan_co2_cost = {}, 0.0, 0.0
    plan_groups = {}
    for pi, project in enumerate(doc["projects"]):
        proj_saved, proj_lcc, proj_n, proj_co2 = {}, 0.0, 0, 0.0
        for ii, item in enumerate(project["items"]):
            res = _item(item, project, f"/projects/{pi}/items/{ii}", edition, stage, date, params, grid, data)
            if res is None:
                continue
            items.append(res)
            _value.add(proj_saved, res["saved"])
            if res["group"]:
                _value.add(plan_groups.setdefault(res["group"], {}), res["saved"])
            if res["lcc"] and res["lcc"]["total"] is not None:
                proj_lcc += res["lcc"]["total"]
                proj_n += 1
                if res["lcc"]["co2_externality"] is not None:
                    proj_co2 += res["lcc"]["co2_externality"]
        _value.add(plan_saved, proj_saved)
        plan_lcc += proj_lcc
        plan_co2_cost += proj_co2
        ds = project.get("design_solution")
        projects.append({"project_id": project["project_id"], "name": project["name"],
                         "design_solution": ds, "service_life_years": project.get("service_life_years"),
                         # 财库〔2021〕22号 art. 21: LCC may be an evaluation factor only where suppliers propose
                         # a design or solution; elsewhere it is information for the purchaser
                         "lcc_as_award_factor": "allowed" if ds is True else "information_only",
                         "items_evaluated": sum(1 for r in items if r["project_id"] == project["project_id"]),
                         "items_with_lcc": proj_n, "lcc_total": round(proj_lcc, 2),
                         "co2_externality_total": round(proj_co2, 2), "saved": _value.rounded(proj_saved)})
    used = [i for r in items for i in r["inputs"]]
    return {
        "method": {"discounting": "end_of_year", "prices": "constant", "formula_source": "NIST Handbook 135 via EnergyPlus [L9]",
                   "formula_refs": ["L9"]},
        "catalog_edition": edition, "stage": stage,
        "parameters": list(params.values()), "grid_factor": grid,
        "items": items, "projects": projects,
        "plan": {"items_evaluated": len(items), "items_with_lcc": sum(p["items_with_lcc"] for p in projects),
                 "lcc_total": round(plan_lcc, 2), "co2_externality_total": round(plan_co2_cost, 2),
                 "saved": _value.rounded(plan_saved),
                 "by_group": {g: _value.rounded(v) for g, v in sorted(plan_groups.items())}},
        "verified": all(i["verified"] for i in used) if used else False,
    }


def _choose(item, edition, data):
    """(model, problem code or None) for an item; (None, None) when no model takes its code."""
    cands = data.models_for(item, edition)
    if not cands:
        return None, None
    lcc = item.get("lcc") or {}
    if "model" in lcc:
        named = [m for m in cands if m["id"] == lcc["model"]]
        return (named[0], None) if named else (cands[0], "model_not_for_code")
    ptype = item.get("product_type")
    fitting = [m for m in cands if "product_types" not in m or ptype in m["product_types"]]
    if len(fitting) == 1:
        return fitting[0], None
    if not fitting:
        return cands[0], "product_type"
    return cands[0], "model"


def _item(item, project, pointer, edition, stage, date, params, grid, data):
    model, choose_problem = _choose(item, edition, data)
    lcc_in = item.get("lcc") or {}
    if model is None:
        if not lcc_in:
            return None
        return _shell(item, project, pointer, None, ["no_model"], [], [])
    missing, notes = [], []
    if choose_problem:
        missing.append(choose_problem)
    inputs = [
        _inp("quantity", item["quantity"], item.get("unit", ""), "plan", True),
        _inp("unit_price", item["unit_price"], "元", "plan", True),
    ]
    if "no_data" in model:
        return _shell(item, project, pointer, model, ["no_grade_data"] + missing, inputs, notes)
    # the grade: offered at award, else required
    award = item.get("award") or {}
    grade, grade_from = None, None
    if stage == "award" and "grade_offered" in award:
        grade, grade_from = award["grade_offered"], "award"
    elif "grade_required" in lcc_in:
        grade, grade_from = lcc_in["grade_required"], "plan"
        if stage == "award":
            notes.append("grade_required_used_at_award")
    elif "grade_offered" in award:
        grade, grade_from = award["grade_offered"], "award"
    # the variant (a category, or a band of a number such as the rated cooling capacity)
    variant = ""
    if "variant_input" in model:
        raw = lcc_in.get(model["variant_input"])
        if raw is None:
            missing.append(model["variant_input"])
            variant = None
        elif "variant_bands" in model:
            if isinstance(raw, (int, float)) and not isinstance(raw, bool):
                variant = next((b["variant"] for b in model["variant_bands"] if raw <= b["up_to"]), None)
            else:
                variant = None
            if variant is None:
                missing.append(model["variant_input"])
                notes.append("variant_out_of_range")
        else:
            variant = raw if raw in model["variants"] else None
            if variant is None:
                missing.append(model["variant_input"])
                notes.append("variant_unknown")
            else:
                inputs.append(_inp(model["variant_input"], raw, "", "plan", True))
    grades = {g["grade"]: g for g in model["variants"][variant]} if variant is not None else {}
    if grade is None:
        missing.append("grade")
    elif variant is not None and grade not in grades:
        missing.append("grade")
        notes.append("grade_not_in_standard")
    # the model's inputs: the plan's item.lcc, else the model's default (an assumption, cited)
    named = {}
    for inp in model["inputs"]:
        if inp["name"] == model.get("variant_input") and "variant_bands" not in model:
            continue
        if inp["name"] in lcc_in:
            named[inp["name"]] = lcc_in[inp["name"]]
            inputs.append(_inp(inp["name"], lcc_in[inp["name"]], inp["unit"], "plan", True))
        elif "default" in inp:
            named[inp["name"]] = inp["default"]
            inputs.append(_inp(inp["name"], inp["default"], inp["unit"], inp["basis"], inp["verified"], inp["basis_words"]))
        elif inp["name"] not in missing:
            missing.append(inp["name"])
    life = project.get("service_life_years")
    if life is None:
        missing.append("service_life_years")
    else:
        inputs.append(_inp("service_life_years", life, "a", "plan", True))
    annual = None
    kind = model["quantity"]
    if not missing:
        base_g, offer_g = grades[model["baseline_grade"]], grades[grade]
        inputs.append(_inp("grade", grade, "", "plan" if grade_from == "plan" else "award", True))
        inputs.append(_inp("grade_value", offer_g["value"], model["grade_unit"], model["source"], offer_g["verified"],
                           model["source_words"], model["refs"]))
        inputs.append(_inp("baseline_grade", model["baseline_grade"], "", model["baseline_basis"], base_g["verified"],
                           model["baseline_basis_words"], model["refs"]))
        inputs.append(_inp("baseline_grade_value", base_g["value"], model["grade_unit"], model["source"], base_g["verified"],
                           model["source_words"], model["refs"]))
        annual = {"offer": _annual(model, offer_g["value"], named), "baseline": _annual(model, base_g["value"], named),
                  "unit": UNITS[kind]}
    saved = {"kwh": None, "m3": None, "t_co2": None, "money_value": None}
    lcc = None
    q = float(item["quantity"])
    if annual is not None:
        amount = _value.saved(annual["baseline"], annual["offer"], q, life)
        saved["kwh" if kind == "electricity" else "m3"] = round(amount, 6)
        if kind == "electricity":
            if grid["value"] is None:
                missing.append("grid_factor")
            else:
                inputs.append(_inp("grid_factor", grid["value"], grid["unit"], grid["source"], grid["verified"], grid["source_words"],
                                   grid["refs"]))
                saved["t_co2"] = round(_value.co2_tonnes(amount, grid["value"]), 6)
                cp = params["carbon_price_yuan_per_t"]
                if cp["value"] is None:
                    missing.append("carbon_price_yuan_per_t")
                else:
                    inputs.append(_inp(cp["name"], cp["value"], cp["unit"], cp["source"], cp["verified"], cp["source_words"], cp["refs"]))
                    saved["money_value"] = round(saved["t_co2"] * cp["value"], 2)
        lcc, lcc_missing = _lcc(item, lcc_in, q, life, annual, kind, params, grid, inputs)
        missing += [m for m in lcc_missing if m not in missing]
    not_included = [c for c in COSTS if c not in lcc_in] if lcc is not None else []
    for c in COSTS:
        if c in lcc_in:
            inputs.append(_inp(c, lcc_in[c], "元", "plan", True))
    if model.get("superseded") and date >= model["superseded"]["from"]:
        notes.append("superseded")
    out = _shell(item, project, pointer, model, missing, inputs, notes)
    out.update({"grade": grade, "grade_from": grade_from, "baseline_grade": model["baseline_grade"],
                "variant": variant or None, "annual": _round(annual), "saved": saved, "lcc": lcc,
                "not_included": not_included})
    out["verified"] = all(i["verified"] for i in inputs) and "superseded" not in notes
    return out


def _lcc(item, lcc_in, q, life, annual, kind, params, grid, inputs):
    """The line's LCC elements (present values, CNY) or (None, [missing parameters])."""
    missing = []
    rate = params["lcc_discount_rate"]
    price = params[PRICE[kind]]
    for p in (rate, price):
        if p["value"] is None:
            missing.append(p["name"])
    if missing:
        return None, missing
    inputs.append(_inp(rate["name"], rate["value"], rate["unit"], rate["source"], rate["verified"], rate["source_words"], rate["refs"]))
    inputs.append(_inp(price["name"], price["value"], price["unit"], price["source"], price["verified"], price["source_words"],
                       price["refs"]))
    upv, spv = present_value_factors(rate["value"], life)
    use_cost = annual["offer"] * price["value"]
    parts = {
        "purchase": q * float(item["unit_price"]),
        "installation": q * lcc_in.get("installation_cost", 0.0),
        "energy": q * use_cost * upv if kind == "electricity" else 0.0,
        "water": q * use_cost * upv if kind == "water" else 0.0,
        "maintenance": q * lcc_in.get("maintenance_cost_per_year", 0.0) * upv,
        "end_of_life": q * lcc_in.get("end_of_life_cost", 0.0) * spv,
        "residual_value": q * lcc_in.get("residual_value", 0.0) * spv,
    }
    total = parts["purchase"] + parts["installation"] + parts["energy"] + parts["water"] + parts["maintenance"] \
        + parts["end_of_life"] - parts["residual_value"]
    co2 = None
    cp = params["carbon_price_yuan_per_t"]
    if kind == "electricity" and grid["value"] is not None and cp["value"] is not None:
        co2 = q * annual["offer"] * grid["value"] / 1000.0 * cp["value"] * upv
    out = {k: round(v, 2) for k, v in parts.items()}
    out.update({"total": round(total, 2), "co2_externality": None if co2 is None else round(co2, 2),
                "total_with_co2": None if co2 is None else round(total + co2, 2),
                "upv": round(upv, 6), "spv_n": round(spv, 6)})
    return out, []


def _annual(model, grade_value, named):
    vals = dict(named, grade_value=grade_value)
    num = 1.0
    for n in model["annual"]["numerator"]:
        num *= float(vals[n])
    for n in model["annual"]["denominator"]:
        num /= float(vals[n])
    return num * model["annual"]["scale"]


def _round(annual):
    return None if annual is None else {**annual, "offer": round(annual["offer"], 6), "baseline": round(annual["baseline"], 6)}


def _inp(name, value, unit, source, verified, words=None, refs=None):
    """One input of a computation: its value and unit, its source (``plan``, ``award`` or the citation of
    the data or profile) and the citation in each language where the data give one, the keys of the
    documents it rests on (rules/sources.json) where the data name them, and whether it is verified."""
    return {"name": name, "value": value, "unit": unit, "source": source, **({"source_words": words} if words else {}),
            **({"refs": list(refs)} if refs is not None else {}), "verified": bool(verified)}


def _shell(item, project, pointer, model, missing, inputs, notes):
    return {"pointer": pointer, "project_id": project["project_id"], "line_id": item["line_id"], "name": item["name"],
            "category_code": item["category_code"], "quantity": item["quantity"],
            "model": model["id"] if model else None, "group": model["group"] if model else None,
            "title": model["title"] if model else None, "standard": model["standard"] if model else None,
            "quantity_kind": model["quantity"] if model else None,
            "missing": missing, "notes": notes, "inputs": inputs,
            "grade": None, "grade_from": None, "baseline_grade": model["baseline_grade"] if model else None,
            "variant": None, "annual": None, "saved": {"kwh": None, "m3": None, "t_co2": None, "money_value": None},
            "lcc": None, "not_included": [], "verified": False}
