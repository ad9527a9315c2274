"""The plan's schema problems worded part by part (jsonschema only on the lines jsonschema-rs finds
invalid, checker/_jsonutil._SPLITS) are the very list the whole-plan jsonschema walk gives: same
pointers, same messages, same order, on mutated plans (hypothesis) of one or many lines."""
import copy

from hypothesis import HealthCheck, given, settings, strategies as st

from checker import _jsonutil
from checker._jsonutil import schema_problems, validator
from checker.plans import sanity_problems
from test_fuzz import HOSTILE_NUMBERS, HOSTILE_TEXT, SEEDS, _places, mutated_plans, values


def whole_problems(instance):
    """The list as it was worded before the split: jsonschema over the whole plan."""
    if _jsonutil.fast_validator("plan").is_valid(instance):
        return []
    errs = sorted(validator("plan").iter_errors(instance), key=lambda e: (list(map(str, e.absolute_path)), e.message))
    problems = [(_jsonutil.pointer(e.absolute_path), _jsonutil._short(e.message)) for e in errs]
    return problems or [(_jsonutil.pointer(e.instance_path), e.message)
                        for e in _jsonutil.fast_validator("plan").iter_errors(instance)]


@st.composite
def many_line_plans(draw):
    """A seed plan whose projects have many lines (copies of its own), then one to four changes,
    most of them inside lines, some at the plan's or a project's level (the stage among them, which
    makes every line need an award)."""
    doc = copy.deepcopy(draw(st.sampled_from(SEEDS)))
    for project in doc.get("projects", []):
        project["items"] = [copy.deepcopy(project["items"][k % len(project["items"])]) for k in range(draw(st.integers(1, 12)))]
    if draw(st.booleans()):
        doc["stage"] = draw(st.sampled_from(["award", "budget", "intention", "plan", "bogus"]))
    for _ in range(draw(st.integers(1, 4))):
        places = list(_places(doc))
        if draw(st.integers(0, 3)):   # mostly inside a line
            places = [(n, k) for n, k in places if n is not doc and not isinstance(n, list)] or places
        node, key = draw(st.sampled_from(places))
        old = node[key]
        action = draw(st.sampled_from(["hostile", "hostile", "any", "delete"]))
        if action == "delete":
            del node[key]
        elif action == "hostile" and isinstance(old, (int, float)) and not isinstance(old, bool):
            node[key] = draw(st.sampled_from(HOSTILE_NUMBERS))
        elif action == "hostile" and isinstance(old, str):
            node[key] = draw(st.sampled_from(HOSTILE_TEXT))
        else:
            node[key] = draw(values)
    return doc


SETTINGS = settings(max_examples=400, deadline=None, suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large])


@SETTINGS
@given(mutated_plans())
def test_split_problems_equal_the_whole_plan_walk(doc):
    if sanity_problems(doc):
        return   # refused before the schema is asked
    assert schema_problems("plan", doc) == whole_problems(doc)


@SETTINGS
@given(many_line_plans())
def test_split_problems_equal_the_whole_plan_walk_on_many_lines(doc):
    if sanity_problems(doc):
        return
    assert schema_problems("plan", doc) == whole_problems(doc)


def test_split_sees_a_bad_line_among_good_ones_and_the_award_condition(base_plan):
    """Boundaries: one bad line of many, a line not an object, lines not a list, an award-stage plan
    whose lines lack the award (the shallow pass words that, not the line's own pass)."""
    doc = copy.deepcopy(base_plan)
    line = doc["projects"][0]["items"][0]
    doc["projects"][0]["items"] = [copy.deepcopy(line) for _ in range(30)]
    doc["projects"][0]["items"][17]["quantity"] = -1
    doc["projects"][0]["items"][3] = "x"
    problems = schema_problems("plan", doc)
    assert [p for p, _ in problems] == ["/projects/0/items/17/quantity", "/projects/0/items/3"]
    assert problems == whole_problems(doc)
    doc["stage"] = "award"
    problems = schema_problems("plan", doc)
    assert len(problems) == 31 and ("/projects/0/items/29", "'award' is a required property") in problems
    assert problems == whole_problems(doc)
    doc["projects"][0]["items"] = {"0": line}
    assert schema_problems("plan", doc) == whole_problems(doc) != []
