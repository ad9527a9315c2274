"""Fuzzing plan documents (hypothesis, a bounded number of examples in CI): whatever a budget system
or an attacker sends, Checker.check returns a result, never raises, and every output is valid JSON
(or text) that can be encoded; jsonschema-rs, which decides validity, never accepts a plan that
jsonschema (which words the problems) rejects."""
import copy
import json
import re

from hypothesis import HealthCheck, given, settings, strategies as st

from checker._jsonutil import validator
from checker.formatters import json_, text
from conftest import EXAMPLES, ROOT

SEEDS = [json.loads(p.read_text(encoding="utf-8"))
         for p in [ROOT / "rules" / "examples" / "base.json", ROOT / "rules" / "examples" / "award.json",
                   *sorted(EXAMPLES.glob("*.json"))]]

HOSTILE_TEXT = ["", " ", "\x00", "\x01\x0b\x1b[31m", "\ud800", "\udfff", "`<img src=x onerror=alert(1)>`",
                "[x](javascript:alert(1))", "|a|b|", "a\nb", "{name}", "%s", "A" * 5000, "0000-00-00", "0000-01-01",
                "2025-02-30", "1899-12-31", "2100-12-31", "A99999999", "A0201010500", "B", "喷墨打印机"]
HOSTILE_NUMBERS = [0, -1, 10 ** 13, 10 ** 13 + 1, 10 ** 400, 1e308, -0.0, 0.1, 2 ** 63, float("inf"), float("nan")]

scalars = st.one_of(st.none(), st.booleans(), st.sampled_from(HOSTILE_TEXT), st.sampled_from(HOSTILE_NUMBERS),
                    st.integers(), st.floats(allow_nan=True, allow_infinity=True), st.text(max_size=20))
values = st.recursive(scalars, lambda inner: st.one_of(st.lists(inner, max_size=3),
                                                       st.dictionaries(st.text(max_size=8), inner, max_size=3)),
                      max_leaves=8)



def _places(doc, path=()):
    """(container, key) for every value in ``doc``: where a mutation can land."""
    items = doc.items() if isinstance(doc, dict) else enumerate(doc) if isinstance(doc, list) else ()
    for k, v in items:
        yield doc, k
        yield from _places(v, path + (k,))


@st.composite
def mutated_plans(draw):
    """A seed plan with one to three changes: a value replaced by a hostile one of its kind (the
    common case, so that most plans stay valid and reach the rules and the outputs), by any JSON
    value, deleted, or nested deeply."""
    doc = copy.deepcopy(draw(st.sampled_from(SEEDS)))
    for _ in range(draw(st.integers(1, 3))):
        node, key = draw(st.sampled_from(list(_places(doc))))
        action = draw(st.sampled_from(["hostile", "hostile", "hostile", "any", "delete", "deep"]))
        old = node[key]
        if action == "delete":
            del node[key]
        elif action == "deep":
            node[key] = _nest(draw(st.integers(20, 60)))
        elif action == "hostile" and isinstance(old, (int, float)) and not isinstance(old, bool):
            node[key] = draw(st.sampled_from(HOSTILE_NUMBERS))
        elif action == "hostile" and isinstance(old, str):
            node[key] = draw(st.sampled_from(HOSTILE_TEXT))
        else:
            node[key] = draw(values)
    return doc


def _nest(depth):
    out = []
    for _ in range(depth):
        out = [out]
    return out


_NUMBER = re.compile(rb'(?<=: )-?[0-9][0-9.eE+-]*')
RAW_NUMBERS = [b"1e309", b"-1e309", b"1" + b"0" * 400, b"1" + b"0" * 5000, b"NaN", b"Infinity", b"1E-400", b"-0"]


@st.composite
def plan_bytes(draw):
    doc = draw(mutated_plans())
    data = json.dumps(doc, ensure_ascii=draw(st.booleans()) or _has_surrogate(doc)).encode("utf-8")
    cut = draw(st.sampled_from([None, None, "number", "truncate", "flip"]))
    if cut == "number":   # a number as only JSON text can carry it: overflowing, thousands of digits
        spans = [m.span() for m in _NUMBER.finditer(data)]
        if spans:
            a, b = draw(st.sampled_from(spans))
            data = data[:a] + draw(st.sampled_from(RAW_NUMBERS)) + data[b:]
    elif cut == "truncate":
        data = data[: draw(st.integers(0, len(data)))]
    elif cut == "flip" and data:
        i = draw(st.integers(0, len(data) - 1))
        data = data[:i] + bytes([draw(st.integers(0, 255))]) + data[i + 1:]
    return data


def _has_surrogate(doc):
    try:
        json.dumps(doc, ensure_ascii=False).encode("utf-8")
        return False
    except UnicodeEncodeError:
        return True


@settings(max_examples=500, deadline=None, suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large])
@given(plan_bytes())
def test_check_never_raises_and_outputs_are_valid(checker, data):
    result = checker.check(data, "fuzz.json")
    meta = checker.run_meta([result], {"format": "json"})
    out = json_.render([result], meta, "en")
    parsed = json.loads(out, parse_constant=lambda c: (_ for _ in ()).throw(AssertionError(f"{c} in JSON output")))
    assert parsed["results"][0]["status"] in ("checked", "not_checkable")
    out.encode("utf-8")
    text.render([result], meta, "zh").encode("utf-8")
    if not result.checkable:
        assert result.errors and all(isinstance(m, str) and m for _, _, m in result.errors)


@settings(max_examples=500, deadline=None, suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large])
@given(mutated_plans())
def test_the_fast_validator_never_accepts_what_jsonschema_rejects(doc):
    from checker._jsonutil import fast_validator
    from checker.plans import sanity_problems
    if sanity_problems(doc):
        return   # refused before either validator sees it
    words = list(validator("plan").iter_errors(doc))
    assert not (words and fast_validator("plan").is_valid(doc)), [e.message for e in words]


