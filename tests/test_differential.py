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
OTHER = ["A05010101", "A02080199", "C16070000", "B01000000", "A0201010", "C99", "A99999999", "A02310201"]
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
        if stage not in ("budget", "intention") or draw(st.booleans()):
            item["green_requirements"] = {"energy_saving": draw(st.sampled_from(REQS)),
                                          "environmental_label": draw(st.sampled_from(REQS))}
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


def _output(checker, data, cache):
    checker.engine.cache = cache
    try:
        result = checker.check(data, "plan.json", langs=("zh", "en"))
    finally:
        checker.engine.cache = True
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
