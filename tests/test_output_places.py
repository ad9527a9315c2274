"""_report.places: each finding's item and project looked up by pointer and id, the first of each
(checker.api's Line entries read by attribute, plain dicts by key)."""
import json
from pathlib import Path

from checker import api
from checker.findings import PlanResult
from checker.formatters import _report

EXAMPLE = Path(__file__).resolve().parent.parent / "examples" / "school-plan-with-violations.json"


def test_the_first_item_of_a_pointer_and_the_first_project_of_an_id():
    items = [{"pointer": "/projects/0/items/0", "n": 1}, {"pointer": "/projects/0/items/1", "n": 2},
             {"pointer": "/projects/0/items/0", "n": 3}]
    projects = [{"project_id": "P1", "n": 1}, {"project_id": "P1", "n": 2}]
    r = PlanResult("p.json", "", "x", True, meta={"items": items, "projects": projects})
    by_pointer, by_id = _report.places(r)
    assert {k: v["n"] for k, v in by_pointer.items()} == {"/projects/0/items/0": 1, "/projects/0/items/1": 2}
    assert by_id["P1"]["n"] == 1


def test_a_checked_plans_lines_are_found_by_their_pointers():
    checker = api.Checker("national")
    r = checker.check(EXAMPLE.read_bytes(), EXAMPLE.name, langs=("zh",))
    by_pointer, _ = _report.places(r)
    assert len(by_pointer) == len(r.meta["items"]) > 3
    assert all(by_pointer[i["pointer"]] is i for i in r.meta["items"])
    assert json.dumps(sorted(by_pointer)) == json.dumps(sorted(i["pointer"] for i in r.meta["items"]))
