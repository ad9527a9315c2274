"""The depth bound of a parsed plan (checker/plans/json_.py): exactly MAX_DEPTH levels pass, one
more is refused, whether the deep branch is an object or an array and wherever it sits."""
import json

import pytest

from checker.plans.json_ import MAX_DEPTH, _depth_within, sanity_problems


def nested(levels, first="dict"):
    """A value of ``levels`` nested containers, alternating objects and arrays."""
    x = 1
    kinds = ["dict", "list"] if first == "dict" else ["list", "dict"]
    for i in range(levels):
        x = {"a": x} if kinds[(levels - 1 - i) % 2] == "dict" else [x]
    return x


@pytest.mark.parametrize("first", ["dict", "list"])
def test_exactly_max_depth_passes_and_one_more_does_not(first):
    assert _depth_within(nested(MAX_DEPTH, first)) is True
    assert _depth_within(nested(MAX_DEPTH + 1, first)) is False


def test_a_deep_branch_beside_shallow_ones_is_found():
    doc = {"plan_id": "x", "projects": [{"items": [{"a": 1}] * 3}, {"deep": nested(MAX_DEPTH - 2)}], "n": 2}
    assert _depth_within(doc) is False     # plan, projects, project, then MAX_DEPTH - 2 more
    doc["projects"][1]["deep"] = nested(MAX_DEPTH - 3)
    assert _depth_within(doc) is True


def test_scalars_and_empty_containers():
    assert _depth_within(5) is True and _depth_within("x") is True
    assert _depth_within([]) is True and _depth_within({}) is True


def test_sanity_problems_names_the_place():
    doc = {"projects": [nested(MAX_DEPTH)]}
    problems = sanity_problems(doc, json.dumps(doc).encode())
    assert problems and all(f"more than {MAX_DEPTH} levels" in msg for _, msg in problems)
    assert problems[0][0].startswith("/projects/0")
