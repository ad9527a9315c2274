"""A field the plan format does not know is a warning naming it and the closest known field
(CHK-005); with --strict the plan is not checkable (exit 2). Fields are only ever added."""
import json

from click.testing import CliRunner

from checker.cli import main
from checker.plans.fields import unknown_fields
from conftest import plan_bytes


def typo_plan(base_plan):
    base_plan["titel"] = "x"
    item = base_plan["projects"][0]["items"][0]
    item["green_requirments"] = item.pop("green_requirements")
    base_plan["projects"][0]["evaluation"]["factors"] = [{"name": "节能", "kind": "green", "pionts": 3}]
    return base_plan


def test_unknown_fields_are_named_with_the_closest_known_field(base_plan):
    assert unknown_fields(typo_plan(base_plan)) == [
        ("/titel", "titel", "title"),
        ("/projects/0/evaluation/factors/0/pionts", "pionts", "points"),
        ("/projects/0/items/0/green_requirments", "green_requirments", "green_requirements"),
    ]


def test_a_plan_without_unknown_fields_has_none(base_plan):
    assert unknown_fields(base_plan) == []


def test_check_warns_and_strict_refuses(tmp_path, base_plan):
    path = tmp_path / "typo.json"
    path.write_bytes(plan_bytes(typo_plan(base_plan)))
    r = CliRunner().invoke(main, ["check", str(path), "--lang", "en", "--format", "json"], catch_exceptions=False)
    doc = json.loads(r.stdout)
    from checker._jsonutil import schema_problems
    assert schema_problems("findings", doc) == []
    chk = [f for f in doc["results"][0]["findings"] if f["rule_id"] == "CHK-005"]
    assert sorted((f["pointer"], f["severity"], f["message"]) for f in chk) == [
        ("/projects/0/evaluation/factors/0/pionts", "warning",
         "The field 'pionts' is not in the plan format and was ignored in the check; did you mean 'points'?"),
        ("/projects/0/items/0/green_requirments", "warning",
         "The field 'green_requirments' is not in the plan format and was ignored in the check; did you mean 'green_requirements'?"),
        ("/titel", "warning", "The field 'titel' is not in the plan format and was ignored in the check; did you mean 'title'?")]
    by_ptr = {f["pointer"]: f for f in chk}
    assert by_ptr["/projects/0/items/0/green_requirments"]["line_id"] == "1"
    assert by_ptr["/projects/0/evaluation/factors/0/pionts"]["project_id"] == "P1"
    text = CliRunner().invoke(main, ["check", str(path), "--lang", "en"], catch_exceptions=False)
    # placed at its line, in words (the report names the line, not the field's pointer)
    assert "(CHK-005)\n     Project P1, line 1: 台式计算机\n     The field 'green_requirments'" in text.stdout
    # the misspelt requirement was ignored: the mandatory item asks for no certificate (error), and
    # the warning beside it says why
    assert text.exit_code == 1 and "GPP-ENE-001" in text.stdout
    out = tmp_path / "report.md"
    md = CliRunner().invoke(main, ["report", str(path), "--format", "md", "--output", str(out)], catch_exceptions=False)
    assert md.exit_code == 1 and "CHK-005" in out.read_text(encoding="utf-8")
    strict = CliRunner().invoke(main, ["check", str(path), "--strict", "--lang", "en"], catch_exceptions=False)
    assert strict.exit_code == 2
    assert f"{path}: /projects/0/items/0/green_requirments: unknown field 'green_requirments': not in the plan format; " \
           "did you mean 'green_requirements'?" in strict.stderr


def test_an_unknown_field_named_with_a_superscript_digit_is_reported_not_raised(checker, base_plan):
    """Found by the fuzz test: "²" is a digit to str.isdigit but not to int(); the findings' order
    cut the pointer /projects/0/items/0/1² into "1" and "²" and raised."""
    plan = json.loads(json.dumps(base_plan))
    plan["projects"][0]["items"][0]["1²"] = 1
    plan["projects"][0]["items"][0]["²"] = 2
    result = checker.check(json.dumps(plan, ensure_ascii=False).encode("utf-8"), "plan.json")
    pointers = [f.pointer for f in result.findings if f.rule_id == "CHK-005"]
    assert "/projects/0/items/0/²" in pointers and "/projects/0/items/0/1²" in pointers
