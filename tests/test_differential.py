"""The engine's outcome cache (checker/engine.py) against the engine without it, on random plans.

The cache asks durable-rules once per distinct combination of a fact's tested fields and gives every
other fact with that combination the same rules. These tests generate plans (hypothesis, a bounded
number of examples) whose items, projects and plans vary in everything a rule reads: codes on and
off the lists, product types, requirements, stages, evaluations, natures, dates (which change the
list editions in force and the dated parameters on plan and project facts), catalog editions,
awards with certificates known and unknown to a registry, banned and clean suppliers. Each plan is
checked with the cache cold, without the cache, and with the cache warm, and the JSON outputs must
be the same bytes. Other tests show that the cache is used at all, and that it keeps values of
different types apart."""
import json
import subprocess
import sys

import pytest
from hypothesis import HealthCheck, given, settings, strategies as st

from checker import engine as _engine
from checker.formatters import json_
from conftest import ROOT

REGISTRY_CSV = ROOT / "rules" / "examples" / "registry"
LISTED = ["A02010105", "A02010104", "A02010107", "A02021001", "A02061801", "A02052301", "A02010100", "A02020100"]
OTHER = ["A05010101", "A02080199", "C16070000", "B01000000", "A0201010", "C99", "A99999999", "A02310201",
         "A02030501", "C23110300", "A02010601"]   # an official car, vehicle leasing, data-centre equipment
SELECTOR_FIELDS = [("vehicle_use", ["confidential_courier", "general"]), ("data_centre", [True, False]),
                   ("new_energy", [True, False]), ("involves_packaging", [True, False]), ("circular_economy", [True, False])]
PRODUCT_TYPES = [None, "激光打印机", "喷墨打印机", "台式计算机", "便携式计算机", "某产品"]
REQS = ["required", "preferred", "none"]
DATES = ["2019-01-01", "2020-06-30", "2023-05-31", "2023-06-01", "2025-01-01", "2026-03-16", "2030-12-31"]
SUPPLIERS = [{"name": "示例供应商有限公司", "credit_code": "91440300MA5EXAMP1E"},
             {"name": "示例失信公司", "credit_code": "91440300MA5BANNED1"}, {"name": "无代码公司"}]
CERTS = [("energy_saving", "CQC-ES-0001"), ("environmental_label", "CEC-EL-0001"), ("energy_saving", "NO-SUCH-1"),
         ("environmental_label", "NO-SUCH-2")]


@st.composite
def items(draw, stage, n):
    out = []
    for i in range(n):
        q = draw(st.integers(1, 60))
        price = draw(st.sampled_from([1.0, 99.5, 3000, 5000, 120000]))
        item = {"line_id": str(i + 1), "category_code": draw(st.sampled_from(LISTED + OTHER)), "name": f"物品{i}",
                "quantity": q, "unit_price": price, "amount": round(q * price, 2)}
        pt = draw(st.sampled_from(PRODUCT_TYPES))
        if pt:
            item["product_type"] = pt
        for name, values in SELECTOR_FIELDS:   # what selectors read of an item (facts.build's line memo keys on it)
            if draw(st.integers(0, 3)) == 0:
                item[name] = draw(st.sampled_from(values))
        if stage not in ("budget", "intention") or draw(st.booleans()):
            item["green_requirements"] = {"energy_saving": draw(st.sampled_from(REQS)),
                                          "environmental_label": draw(st.sampled_from(REQS))}
            if draw(st.booleans()):
                item["green_requirements"]["new_energy_vehicle"] = draw(st.sampled_from(REQS))
        if stage == "award":
            certs = [{"type": t, "number": num, "issuer": "中国质量认证中心", "valid_from": "2025-01-01",
                      "valid_until": draw(st.sampled_from(["2026-01-01", "2028-01-01"]))}
                     for t, num in draw(st.lists(st.sampled_from(CERTS), max_size=2, unique=True))]
            item["award"] = {"supplier": dict(draw(st.sampled_from(SUPPLIERS))), "brand": "示例",
                             "model": draw(st.sampled_from(["D100", "X9"])),
                             "preferences_applied": draw(st.lists(st.sampled_from(["energy_saving", "environmental_label"]),
                                                                  max_size=2, unique=True)),
                             "certificates": certs}
        out.append(item)
    return out


@st.composite
def plans(draw):
    stage = draw(st.sampled_from(["plan", "plan", "award", "budget", "intention"]))
    doc = {"plan_id": "DIFF-1", "date": draw(st.sampled_from(DATES)), "stage": stage,
           "agency": {"name": "单位", "region": "440300"}, "projects": []}
    if draw(st.booleans()):
        doc["catalog_edition"] = draw(st.sampled_from(["2022", "2022", "2013"]))
    for p in range(draw(st.integers(1, 3))):
        project = {"project_id": f"P{p + 1}", "name": "项目", "procurement_method": "公开招标",
                   "items": draw(items(stage, draw(st.integers(1, 12))))}
        if stage not in ("budget", "intention") or draw(st.booleans()):
            method = draw(st.sampled_from(["comprehensive_scoring", "lowest_price"]))
            ev = {"method": method}
            if method == "comprehensive_scoring":
                ev["price_weight"] = draw(st.sampled_from([10, 30, 60]))
                if draw(st.booleans()):
                    ev["green_bonus_points"] = draw(st.sampled_from([1, 2, 8]))
            elif draw(st.booleans()):
                ev["green_price_deduction_pct"] = draw(st.sampled_from([1, 3, 20]))
            project["evaluation"] = ev
        if draw(st.booleans()):
            project["nature"] = draw(st.sampled_from(["goods", "services", "works"]))
        doc["projects"].append(project)
    return doc


@pytest.fixture(scope="module")
def registry(tmp_path_factory):
    """The example registry (rules/examples/registry/*.csv): certificates, bodies, credit, catalog."""
    path = tmp_path_factory.mktemp("differential") / "registry.sqlite"

    def lvcai(*args):
        r = subprocess.run([sys.executable, "-m", "checker", *map(str, args)], cwd=ROOT, capture_output=True, timeout=300)
        assert r.returncode == 0, r.stderr.decode("utf-8", "replace")
    for kind in ("certificates", "bodies", "credit"):
        lvcai("registry", "import", kind, REGISTRY_CSV / f"{kind}.csv", "--registry", path)
    lvcai("registry", "import", "catalog", REGISTRY_CSV / "catalog-2022.csv", "--edition", "2022", "--registry", path)
    return path


@pytest.fixture(scope="module")
def checkers(registry):
    from checker.api import Checker, get_checker
    from checker.refdata import RefData
    return [get_checker("national"), get_checker("shenzhen"), Checker("national", refdata=RefData.for_checking(registry))]


def _output(checker, data, cache=True, memo=True):
    """The JSON of ``data`` in both languages, with the engine's outcome cache (``cache``) and the
    lines' memo (``memo``) on or off for this check only."""
    checker.engine.cache, checker.line_memo.on = cache, memo
    try:
        result = checker.check(data, "plan.json", langs=("zh", "en"))
    finally:
        checker.engine.cache = checker.line_memo.on = True
    return json_.render([result], {}, "zh") + json_.render([result], {}, "en")


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large,
                                                                 HealthCheck.function_scoped_fixture])
@given(doc=plans(), which=st.integers(0, 2))
def test_cached_path_gives_the_same_output_as_the_engine_on_every_fact(checkers, doc, which):
    checker = checkers[which]
    data = json.dumps(doc, ensure_ascii=False).encode()
    cold = _output(checker, data, True)
    uncached = _output(checker, data, False)
    warm = _output(checker, data, True)
    assert '"status": "checked"' in cold
    assert cold == uncached
    assert warm == uncached


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large,
                                                                 HealthCheck.function_scoped_fixture])
@given(doc=plans(), which=st.integers(0, 2))
def test_line_memo_gives_the_same_output_as_every_line_made_in_full(checkers, doc, which):
    """facts.build's line memo (facts.LineMemo, kept by the Checker across plans, so warm with the
    lines of every earlier example) against every line made in full."""
    checker = checkers[which]
    data = json.dumps(doc, ensure_ascii=False).encode()
    memo = _output(checker, data, memo=True)
    full = _output(checker, data, memo=False)
    assert '"status": "checked"' in memo
    assert memo == full
    assert _output(checker, data, memo=True) == full


def _plan(**change):
    """A plan of one line, as the line memo's tests vary it (``change``: plan, project and item fields)."""
    item = {"line_id": "1", "category_code": "A02010105", "name": "台式计算机", "quantity": 2, "unit_price": 5000.0,
            "amount": 10000.0, "green_requirements": {"energy_saving": "required", "environmental_label": "preferred"}}
    project = {"project_id": "P1", "name": "项目", "procurement_method": "公开招标",
               "evaluation": {"method": "comprehensive_scoring", "price_weight": 30}, "items": [item]}
    doc = {"plan_id": "MEMO-1", "date": "2026-03-01", "catalog_edition": "2022", "stage": "plan",
           "agency": {"name": "单位", "region": "440300"}, "projects": [project]}
    for key, value in change.items():
        where, _, name = key.partition("__")
        target = {"plan": doc, "project": project, "item": item, "reqs": item["green_requirements"]}[where]
        if value is None:
            target.pop(name, None)
        else:
            target[name] = value
    return doc


def _built(checker, doc, memo, evaluator=None):
    """Every fact and context facts.build makes for ``doc`` (none decided: all returned), with the
    Checker's derived values or ``evaluator``'s."""
    from checker import facts as _facts
    green = [_scheme_fields(p) for p in checker.green_evaluation(doc)["projects"]]
    built = _facts.build(doc, checker.lists, checker.wanted, checker.refdata, checker.unset_params,
                         evaluator or checker.evaluator, checker.dated, green, memo=memo)
    return built.facts, built.context


def _own_evaluator():
    """Derived values over selectors that read what the shipped ones do not (the project's nature, an
    item field that no requirement is), and sum an amount per project: a memo key that forgets one
    of those, or the requirements (which the shipped selectors read as well), makes other facts."""
    from pathlib import Path

    from checker.policy.derived import Derived, Evaluator
    from checker.policy.selectors import Selector
    selectors = {sid: Selector(sid, {}, {}, {}, match, {}, Path("test")) for sid, match in (
        ("goods_items", {"nature": ["goods"]}), ("flagged", {"field": {"path": "flag", "equals": True}}))}
    derived = {did: Derived(did, level, {}, {}, "", value, 2, None, [], Path("test")) for did, level, value in (
        ("goods_line", "item", {"in": "goods_items"}), ("flagged_line", "item", {"in": "flagged"}),
        ("flagged_amount", "project", {"sum": {"selector": "flagged", "of": "amount"}}),
        ("flagged_quantity", "plan", {"sum": {"selector": "flagged", "of": "quantity"}}))}
    return Evaluator(set(derived), derived, selectors)


def _scheme_fields(project):
    from checker.evaluation import scheme
    return scheme.fact_fields(project)


# Pairs of plans whose one line has the same code and fields but for one thing the line memo must
# key on (the plan's context, the project's, the line's own, what selectors read, and their types).
MEMO_VARIANTS = {
    "date": ({}, {"plan__date": "2019-01-01"}),
    "catalog_edition": ({}, {"plan__catalog_edition": "2013"}),
    "stage": ({}, {"plan__stage": "budget"}),
    "eval_method": ({}, {"project__evaluation": {"method": "lowest_price"}}),
    "nature": ({"project__nature": "goods"}, {"project__nature": "services"}),
    "code": ({}, {"item__category_code": "A05010101"}),
    "product_type": ({"item__category_code": "A02021001"}, {"item__category_code": "A02021001", "item__product_type": "激光打印机"}),
    "energy_req": ({}, {"reqs__energy_saving": "none"}),
    "env_req": ({}, {"reqs__environmental_label": "none"}),
    "selector_path_in_an_object": ({"item__category_code": "C23110300"},
                                   {"item__category_code": "C23110300", "reqs__new_energy_vehicle": "required"}),
    "selector_field": ({"item__category_code": "A02030501"},
                       {"item__category_code": "A02030501", "item__vehicle_use": "confidential_courier"}),
    "selector_sum_of_count": ({}, {"item__data_centre": True}),
    "selector_sum_of_quantity": ({"item__category_code": "A02030501"}, {"item__category_code": "A02030501", "item__new_energy": True}),
    "selector_sum_of_amount": ({}, {"item__circular_economy": True}),
    "a_value_and_its_type": ({"item__data_centre": 1}, {"item__data_centre": True}),   # only facts.build sees 1 (no schema)
    # with _own_evaluator
    "own:energy_req": ({}, {"reqs__energy_saving": "none"}),
    "own:env_req": ({}, {"reqs__environmental_label": "none"}),
    "own:nature": ({"project__nature": "goods"}, {"project__nature": "services"}),
    "own:field": ({}, {"item__flag": True}),
    "own:a_value_and_its_type": ({"item__flag": 1}, {"item__flag": True}),
}


@pytest.mark.parametrize("variant", sorted(MEMO_VARIANTS))
def test_line_memo_keeps_apart_lines_that_differ_in_one_thing_it_keys_on(checkers, variant):
    """The memo warm with plan A's line, then plan B's (the same line but for ``variant``) made from
    it: B's facts and contexts must be those made in full. Each pair differs in what is made (checked
    here), so a key that forgets the thing hands B A's line (mutants of facts.build's keys fail here)."""
    from checker import facts as _facts
    a, b = (_plan(**change) for change in MEMO_VARIANTS[variant])
    checker = checkers[0]
    evaluator = _own_evaluator() if variant.startswith("own:") else None
    assert _built(checker, a, None, evaluator) != _built(checker, b, None, evaluator)
    memo = _facts.LineMemo()
    _built(checker, a, memo, evaluator)
    assert memo.size == 1
    assert _built(checker, b, memo, evaluator) == _built(checker, b, None, evaluator)


@pytest.mark.parametrize("own", [False, True])
def test_line_memo_makes_a_repeated_line_once(own):
    """Lines of the same combination after the first are copied, their own fields set: 300 lines of
    two combinations leave two entries, and the project's and plan's sums (of amounts, quantities,
    counts) are those made in full."""
    from checker import facts as _facts
    from checker.api import get_checker
    checker = get_checker("national")
    evaluator = _own_evaluator() if own else None
    doc = _plan()
    item = doc["projects"][0]["items"][0]
    doc["projects"][0]["items"] = [dict(item, line_id=str(i), name=f"物品{i}", amount=float(i), quantity=i,
                                        category_code="A02010105" if i % 2 else "A02030501", new_energy=True,
                                        data_centre=True, flag=bool(i % 2)) for i in range(1, 301)]
    memo = _facts.LineMemo()
    with_memo = _built(checker, doc, memo, evaluator)
    assert memo.size == 2
    full = _built(checker, doc, None, evaluator)
    assert with_memo == full
    assert _built(checker, doc, memo, evaluator) == full   # every line a repeat now (the project's has_preferred too)
    assert memo.size == 2
    small = _facts.LineMemo()
    small.MAX = 1     # full at every line: starts over each time, and still makes the same
    assert _built(checker, doc, small, evaluator) == full
    assert small.size == 1
    # what it holds is what it counts: the table of the project being made starts over with the rest
    assert sum(len(t) for t in small._tables.values()) == small.size


def test_each_combination_goes_to_the_engine_once_per_process(checkers):
    """200 lines of two kinds: the engine sees one fact per new combination, and none the second time;
    without the cache it sees every fact. The findings are the same (one per line of the bad kind)."""
    checker = checkers[0]
    lines = [{"line_id": str(i), "category_code": "A02010105" if i % 2 else "A05010101", "name": f"物品{i}", "quantity": 1,
              "unit_price": 10.0 + i, "amount": 10.0 + i,
              "green_requirements": {"energy_saving": "none", "environmental_label": "none"}} for i in range(200)]
    doc = {"plan_id": "ONCE-1", "date": "2026-03-01", "catalog_edition": "2022", "agency": {"name": "单位"},
           "projects": [{"project_id": "P1", "name": "项目", "procurement_method": "公开招标",
                         "evaluation": {"method": "comprehensive_scoring", "price_weight": 30}, "items": lines}]}
    data = json.dumps(doc, ensure_ascii=False).encode()
    _engine._OUTCOMES[checker.engine.digest].clear()
    before = checker.engine.asserted
    first = _output(checker, data, True)
    seen_first = checker.engine.asserted - before
    assert 2 <= seen_first <= 4            # two item combinations, the project, the plan
    before = checker.engine.asserted
    assert _output(checker, data, True) == first
    assert checker.engine.asserted == before
    before = checker.engine.asserted
    assert _output(checker, data, False) == first
    assert checker.engine.asserted - before == 202
    assert first.count('"line_id": "') - first.count('"line_id": null') >= 100


def test_a_combination_keeps_the_types_of_its_values_apart():
    a = _engine._combination({"id": "#/a", "kind": "item", "flag": True})
    b = _engine._combination({"id": "#/b", "kind": "item", "flag": 1})
    c = _engine._combination({"id": "#/c", "kind": "item", "flag": 1.0})
    assert len({a, b, c}) == 3
    assert _engine._combination({"id": "#/x", "kind": "item", "flag": True}) == a   # the id is not part of it


def test_facts_larger_than_a_chunk_are_all_decided(checkers):
    """More distinct facts than one assert call takes: every chunk's findings come back."""
    checker = checkers[0]
    n = _engine.CHUNK + 7
    facts = [{"id": f"#/projects/0/items/{i}", "kind": "item", "stage": "plan", "energy_list": "mandatory",
              "energy_resolution": "listed", "energy_req": "none", "code_form_ok": True, "plan_date": 20000000 + i}
             for i in range(n)]
    checker.engine.cache = False
    try:
        uncached = sorted((r, f["id"]) for r, f in checker.engine.run(facts))
    finally:
        checker.engine.cache = True
    cached = sorted((r, f["id"]) for r, f in checker.engine.run(facts))
    assert cached == uncached
    assert len({fid for _r, fid in cached}) == n      # every fact fired a rule (mandatory, not required)


@pytest.mark.parametrize("lang", ["zh", "en"])
def test_json_written_in_pieces_is_the_same_text_as_the_whole_document(checkers, lang):
    """`lvcai check --format json` writes json_.chunks: the same text as json_.render, on every
    example plan (findings, not-checkable plans, an award against the registry) and on none."""
    from conftest import EXAMPLES
    checker = checkers[2]
    paths = sorted(EXAMPLES.glob("*.json")) + sorted((ROOT / "rules" / "examples").glob("*.json"))
    results = [checker.check(p.read_bytes(), p.name, langs=(lang,)) for p in paths]
    results.append(checker.check(b'{"plan_id": "x"', "broken.json", langs=(lang,)))
    meta = checker.run_meta(results, {"format": "json"})
    whole = json_.render(results, meta, lang)
    assert sum(len(r.findings) for r in results) > 10 and '"status": "not_checkable"' in whole
    assert "".join(json_.chunks(results, meta, lang)) == whole
    assert "".join(json_.chunks([], meta, lang)) == json_.render([], meta, lang)
    assert "".join(json_.chunks(results[:1], {}, lang)) == json_.render(results[:1], {}, lang)


def test_json_in_pieces_names_the_place_of_a_number_it_cannot_write(checkers):
    checker = checkers[0]
    r = checker.check((ROOT / "rules" / "examples" / "base.json").read_bytes(), "plan.json", langs=("zh",))
    r.meta["totals"]["listed_share"] = float("inf")
    with pytest.raises(json_.NotJSON, match=r"number at /results/0/totals/listed_share is not finite \(inf\)"):
        "".join(json_.chunks([r], {}, "zh"))
    with pytest.raises(json_.NotJSON, match=r"number at /provenance/x/1 is not finite \(nan\)"):
        "".join(json_.chunks([], {"x": [1, float("nan")]}, "zh"))


@settings(max_examples=300, deadline=None)
@given(st.lists(st.one_of(st.floats(allow_nan=False, allow_infinity=False, min_value=-1e13, max_value=1e13),
                          st.floats(min_value=0, max_value=1e-300), st.sampled_from([0.0, -0.0, 5e-324, 0.1, 0.2, 0.3])),
                max_size=40), st.randoms())
def test_the_summary_sums_amounts_exactly_in_any_order(xs, rnd):
    """batch._ExactSum (integer units of 2**-1074) gives math.fsum's correctly rounded sum, in any order."""
    import math

    from checker.batch import _ExactSum
    a, b = _ExactSum(), _ExactSum()
    for x in xs:
        a.add(x)
    shuffled = list(xs)
    rnd.shuffle(shuffled)
    for x in shuffled:
        b.add(x)
    assert a.value() == b.value() == math.fsum(xs)
    assert math.copysign(1, a.value()) == math.copysign(1, math.fsum(xs) or 0.0)


@settings(max_examples=200, deadline=None)
@given(st.lists(st.tuples(st.sampled_from(["", "/projects/0", "/projects/1", "/projects/01", "/projects/10",
                                           "/projects/0/items/2", "/projects/0/items/10", "/projects/0/items/02/x1"]),
                          st.sampled_from(["error", "warning", "info"]), st.sampled_from(["GPP-A-001", "GPP-B-002", "CHK-003"]),
                          st.sampled_from(["甲", "乙", "a"])), max_size=30),
       st.booleans())
def test_findings_ordered_by_place_are_in_the_sort_keys_order(rows, two_sources):
    """api._in_order (a key per place) gives the same list as sorting by Finding.sort_key, equal keys
    and pointers that differ only by a leading zero included."""
    from checker.api import _in_order
    from checker.findings import Finding
    findings = [Finding(source="b.json" if two_sources and i % 2 else "a.json", pointer=ptr, rule_id=rule, severity=sev,
                        title={}, message={"zh": msg}, remediation={}, legal_basis=(), line_id=str(i))
                for i, (ptr, sev, rule, msg) in enumerate(rows)]
    expected = sorted(findings, key=Finding.sort_key)
    assert [id(f) for f in _in_order(list(findings))] == [id(f) for f in expected]
