"""The check made chunk by chunk (issue 16, memory) against the check made in one piece.

Checker.check_document has facts.build hand over the lines' facts a chunk at a time (Checker.chunk
lines); each chunk is decided by the engine and turned into findings and items-list entries before
the next chunk's facts are made, and the lines' contexts are freed on the way. The plan's and the
projects' facts (sums over the lines) come last. These tests check random plans (the differential
tests' generator, plus unknown fields and lines whose figures disagree) with chunks of 1, 3 and 7
lines and with all lines in one chunk: the JSON outputs must be the same bytes, the findings in
Finding.sort_key order, and facts.build's chunks together the same facts as its unchunked list."""
import json

import pytest
from hypothesis import HealthCheck, given, settings, strategies as st

from checker import api as _api, facts as _facts
from checker.findings import Finding
from checker.formatters import json_
from test_differential import plans


@pytest.fixture(scope="module")
def checker():
    from checker.api import get_checker
    return get_checker("national")


def _output(checker, data, chunk):
    old = checker.chunk
    checker.chunk = chunk
    try:
        result = checker.check(data, "plan.json", langs=("zh", "en"))
    finally:
        checker.chunk = old
    return result, json_.render([result], {}, "zh") + json_.render([result], {}, "en")


@st.composite
def odd_plans(draw):
    """A differential plan with, here and there, a field the format does not know and a line whose
    amount is not quantity × unit price (CHK-005 and CHK-003 findings, placed among the rules')."""
    doc = draw(plans())
    for project in doc["projects"]:
        if draw(st.booleans()):
            project["colour"] = "绿"
        for item in project["items"]:
            if draw(st.integers(0, 4)) == 0:
                item["amount"] = round(item["amount"] + 7, 2)
            if draw(st.integers(0, 5)) == 0:
                item["colour"] = "绿"
    return doc


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large,
                                                                HealthCheck.function_scoped_fixture])
@given(doc=odd_plans(), chunk=st.sampled_from([1, 3, 7]))
def test_a_plan_checked_in_chunks_gives_the_same_output_as_in_one_piece(checker, doc, chunk):
    data = json.dumps(doc, ensure_ascii=False).encode()
    whole, whole_text = _output(checker, data, 10 ** 9)
    parts, parts_text = _output(checker, data, chunk)
    assert whole.checkable
    assert parts_text == whole_text
    assert parts.findings == whole.findings
    assert list(parts.findings) == sorted(parts.findings, key=Finding.sort_key)
    assert [i["pointer"] for i in parts.meta["items"]] == [f"/projects/{p}/items/{i}" for p, project in
                                                           enumerate(doc["projects"]) for i in range(len(project["items"]))]


def _many_lines(n, bad_every=2, off_every=3):
    lines = [{"line_id": str(i + 1), "category_code": "A02010105" if i % bad_every else "A05010101", "name": f"物品{i}",
              "quantity": 2, "unit_price": 10.0, "amount": 20.0 if i % off_every else 21.0,
              "green_requirements": {"energy_saving": "none", "environmental_label": "none"}} for i in range(n)]
    return {"plan_id": "CHUNK-1", "date": "2026-03-01", "catalog_edition": "2022", "agency": {"name": "单位"},
            "projects": [{"project_id": f"P{p}", "name": "项目", "procurement_method": "公开招标",
                          "evaluation": {"method": "comprehensive_scoring", "price_weight": 30},
                          "items": lines[p::2]} for p in range(2)]}


@pytest.mark.parametrize("off_every", [3, 1000])   # many findings besides the rules' (merged) and few (bisected)
def test_many_lines_in_small_chunks_keep_their_order(checker, off_every):
    data = json.dumps(_many_lines(400, off_every=off_every), ensure_ascii=False).encode()
    whole, whole_text = _output(checker, data, 10 ** 9)
    parts, parts_text = _output(checker, data, 11)
    others = sum(1 for f in whole.findings if f.rule_id.startswith("CHK-"))
    assert (others > 64) == (off_every == 3)
    assert len(whole.findings) > 200
    assert parts_text == whole_text


def test_merged_places_each_other_finding_by_its_key():
    def f(ptr, rule="GPP-X-001"):
        return Finding(source="s", pointer=ptr, rule_id=rule, severity="error", title={}, message={"zh": ptr},
                       remediation={}, legal_basis=())
    lines = [f(f"/projects/0/items/{i}") for i in range(12)]
    others = [f(""), f("/projects/0"), f("/projects/0/items/10", "CHK-003"), f("/projects/0/items/11/x"), f("/projects/1")]
    assert _api._merged(lines, others) == sorted(lines + others, key=Finding.sort_key)
    assert _api._merged(lines, []) is lines
    many = [f(f"/projects/0/items/{i}/a", "CHK-003") for i in range(70)]
    assert _api._merged(lines, sorted(many, key=Finding.sort_key)) == sorted(lines + many, key=Finding.sort_key)


def test_facts_build_hands_over_the_lines_in_chunks_of_the_same_facts(checker):
    doc = _many_lines(25)
    args = (doc, checker.lists, checker.wanted, checker.refdata, checker.unset_params, checker.evaluator, checker.dated)
    whole = _facts.build(*args)
    seen, sizes = [], []

    def take(facts, built):
        sizes.append(len(facts))
        for fact in facts:
            assert fact["id"] in built.context   # the line's context is there for the callee
        seen.extend(facts)
    parts = _facts.build(*args, per_chunk=take, chunk=4)
    assert sizes == [4, 4, 4, 4, 4, 4, 1]
    assert [f for f in whole.facts if f["kind"] == "item"] == seen
    assert [f for f in whole.facts if f["kind"] != "item"] == parts.facts   # plan and projects, from all lines' sums
