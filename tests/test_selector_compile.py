"""The generated selector function (checker/policy/selectors.compile_function, which the derived
values run per line item) against a plain interpreter of the clauses as the module's docstring
defines them: on random items (hypothesis), with every shipped selector of every pack made an item
field, a project sum and a plan sum of each measure, the fact and the sums come out equal."""
import math
from types import SimpleNamespace

import pytest
from hypothesis import HealthCheck, given, settings, strategies as st

from checker.policy import selectors as S
from checker.policy.rulepacks import RulePacks

# the shipped selectors, and clauses they do not use yet (rows, nature, project paths, three parts,
# a 2013 code list, a field compared with a number)
_EXTRA = {
    "x_rows": {"list": {"kind": "any", "rows": ["es-row-1", "el-row-2"]}},
    "x_nature": {"all": [{"nature": ["services"]}, {"not": {"selector": "x_rows"}}]},
    "x_project": {"any": [{"field": {"path": "project.design_solution", "equals": True}},
                          {"field": {"path": "project.evaluation.method", "in": ["lowest_price"]}}]},
    "x_deep": {"field": {"path": "lcc.grade.value", "exists": True}},
    "x_number": {"all": [{"field": {"path": "lcc.grade_required", "equals": 2}}, {"codes": {"2013": ["A0201"]}},
                         {"prefixes": {"2013": ["A02"], "2022": ["C"]}}]},
    "x_every": {"every_item": True},
}
SELECTORS = {**RulePacks().selectors,
             **{k: S.Selector(k, {}, {}, {}, match, {}, None) for k, match in _EXTRA.items()}}
MEASURES = ("amount", "quantity", "count")


def _walk(clause, found):
    """Every constant the clauses use, by kind, so that random items hit them."""
    (key, val), = clause.items()
    if key in ("codes", "prefixes"):
        for codes in val.values():
            found["codes"].update(codes)
    elif key == "list":
        found["obligations"].update(val.get("obligation", ()))
        found["rows"].update(val.get("rows", ()))
    elif key == "field":
        found["paths"].add(val["path"])
        found["values"].update(v for v in [val.get("equals"), *val.get("in", ())] if v is not None and not isinstance(v, (dict, list)))
    elif key == "fact":
        found["facts"].add(val["field"])
        found["fact_values"].update(val.get("in", ()))
    elif key == "nature":
        found["natures"].update(val)
    elif key in ("all", "any"):
        for c in val:
            _walk(c, found)
    elif key == "not":
        _walk(val, found)


FOUND = {k: set() for k in ("codes", "obligations", "rows", "paths", "values", "facts", "fact_values", "natures")}
for _sel in SELECTORS.values():
    _walk(_sel.match, FOUND)
PATHS = sorted(FOUND["paths"])
CODES = sorted(FOUND["codes"]) + ["A02010105", "A0201", "B99", "C", "X1"]
SCALARS = st.one_of(st.sampled_from(sorted(FOUND["values"], key=repr)), st.sampled_from([True, False, 0, 1, 2, 2.0, 1.0, 0.0, None, "", "none"]),
                    st.text(max_size=3), st.just({}), st.just([]), st.just([True]), st.just({"x": 1}))
ABSENT = object()


def reference(clause, item, project, edition, nature, obligations, rows, fact, memo):
    (key, val), = clause.items()
    code = item["category_code"]
    if key == "codes":
        return code in val.get(edition, ())
    if key == "prefixes":
        return any(code.startswith(p) for p in val.get(edition, ()))
    if key == "list":
        kinds = ("energy_saving", "environmental_label") if val["kind"] == "any" else (val["kind"],)
        return any((bool(val.get("obligation")) and obligations[k] in val["obligation"])
                   or (bool(val.get("rows")) and any(r.id in val["rows"] for r in rows[k])) for k in kinds)
    if key == "field":
        v = S.get_path(item, project, val["path"])
        if "equals" in val:
            return S._equals(v, val["equals"])
        if "in" in val:
            return S._among(v, val["in"])
        return (v is not S.MISSING) == val["exists"]
    if key == "fact":
        if "in" in val:
            return fact.get(val["field"]) in val["in"]
        return (fact.get(val["field"]) is not None) == val["exists"]
    if key == "nature":
        return nature in val
    if key == "every_item":
        return True
    if key == "selector":
        if val not in memo:
            memo[val] = reference(SELECTORS[val].match, item, project, edition, nature, obligations, rows, fact, memo)
        return memo[val]
    if key == "all":
        return all(reference(c, item, project, edition, nature, obligations, rows, fact, memo) for c in val)
    if key == "any":
        return any(reference(c, item, project, edition, nature, obligations, rows, fact, memo) for c in val)
    assert key == "not", key
    return not reference(val, item, project, edition, nature, obligations, rows, fact, memo)


def _put(doc, path, value):
    parts = path.split(".")
    for p in parts[:-1]:
        doc = doc.setdefault(p, {}) if isinstance(doc.get(p, {}), dict) else None
        if doc is None:
            return
    if value is not ABSENT:
        doc[parts[-1]] = value


@st.composite
def cases(draw):
    item = {"category_code": draw(st.sampled_from(CODES)), "amount": draw(st.sampled_from([0, 1, 2.5, 1e6, 123456.78])),
            "quantity": draw(st.sampled_from([1, 3, 0.5, 40]))}
    project = {}
    for path in PATHS:
        if draw(st.booleans()):
            target, path = (project, path[len("project."):]) if path.startswith("project.") else (item, path)
            head = path.split(".")[0]
            if "." in path and draw(st.integers(0, 4)) == 0:
                target[head] = draw(SCALARS)     # the parent of a.b not an object
            else:
                _put(target, path, draw(SCALARS))
    obligation = st.sampled_from(sorted(FOUND["obligations"]) + ["none"])
    obligations = {"energy_saving": draw(obligation), "environmental_label": draw(obligation)}
    row = st.builds(lambda i: SimpleNamespace(id=i), st.sampled_from(sorted(FOUND["rows"]) + ["r-other"]))
    rows = {k: draw(st.lists(row, max_size=2)) for k in obligations}
    fact = {name: draw(st.one_of(st.none(), st.sampled_from(sorted(FOUND["fact_values"]) + ["other"])))
            for name in sorted(FOUND["facts"]) if draw(st.booleans())}
    return (item, project, draw(st.sampled_from(["2013", "2022", "2030"])),
            draw(st.sampled_from(sorted(FOUND["natures"]) + ["goods", "services", "works"])), obligations, rows, fact)


WANTED = sorted(SELECTORS)
ACCUMULATE = ([(f"in_{s}", s) for s in WANTED], [(s, m) for s in WANTED for m in MEASURES],
              [(s, m) for s in reversed(WANTED) for m in MEASURES])
COMPILED = S.compile_function(SELECTORS, WANTED, ACCUMULATE)


def test_every_selector_is_compared():
    assert len(WANTED) >= 10 + len(_EXTRA) and FOUND["paths"] and FOUND["codes"] and FOUND["obligations"]
    assert FOUND["rows"] and FOUND["natures"] and any(p.startswith("project.") for p in FOUND["paths"])


@settings(max_examples=600, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.lists(cases(), min_size=1, max_size=4))
def test_compiled_selectors_equal_the_interpreted_clauses(batch):
    fields, project_measures, plan_measures = ACCUMULATE
    got_project, got_plan = [0.0] * len(project_measures), [0.0] * len(plan_measures)
    want_project, want_plan = [0.0] * len(project_measures), [0.0] * len(plan_measures)
    for item, project, edition, nature, obligations, rows, fact in batch:
        got_fact, want_fact = dict(fact), dict(fact)
        COMPILED(item, project, edition, nature, obligations, rows, got_fact, got_project, got_plan)
        memo = {}
        inside = {s: reference({"selector": s}, item, project, edition, nature, obligations, rows, fact, memo) for s in WANTED}
        measure = {"amount": float(item["amount"]), "quantity": float(item["quantity"]), "count": 1}
        want_fact.update((field, True) for field, s in fields if inside[s])
        for j, (s, m) in enumerate(project_measures):
            if inside[s]:
                want_project[j] += measure[m]
        for j, (s, m) in enumerate(plan_measures):
            if inside[s]:
                want_plan[j] += measure[m]
        assert got_fact == want_fact
    assert got_project == want_project and got_plan == want_plan
    assert all(math.isfinite(x) for x in got_plan)


@pytest.mark.parametrize("value, matches", [({"new_energy_vehicle": "required"}, True), ({"new_energy_vehicle": "none"}, False),
                                            ("required", False), ({}, False)])
def test_a_two_part_path_reads_only_an_object(value, matches):
    """green_requirements.new_energy_vehicle: read when green_requirements is an object, else absent."""
    sels = {"s": S.Selector("s", {}, {}, {}, {"field": {"path": "green_requirements.new_energy_vehicle", "in": ["required"]}}, {}, None),
            "t": S.Selector("t", {}, {}, {}, {"field": {"path": "green_requirements.energy_saving", "exists": False}}, {}, None)}
    fn = S.compile_function(sels, ["s", "t"], ([("in_s", "s"), ("no_t", "t")], [], []))
    fact = {}
    fn({"category_code": "A1", "amount": 1, "quantity": 1, "green_requirements": value}, {}, "2022", "goods",
       {"energy_saving": "none", "environmental_label": "none"}, {}, fact, [], [])
    assert fact == ({"in_s": True, "no_t": True} if matches else {"no_t": True})
