"""The lvcai check command as a user runs it: exit codes, stdin, bad input, output files."""
import json
import os

import pytest
from click.testing import CliRunner

from checker.cli import main
from conftest import EXAMPLES, plan_bytes

COMPLIANT = str(EXAMPLES / "office-equipment-compliant.json")
VIOLATIONS = str(EXAMPLES / "school-plan-with-violations.json")
AWARD = str(EXAMPLES / "award-stage-audit.json")


def run(*args, input=None):
    return CliRunner().invoke(main, ["check", *args], input=input, catch_exceptions=False)


def test_compliant_plan_exits_0():
    r = run(COMPLIANT)
    assert r.exit_code == 0, r.output
    assert "合规" in r.output and "SZNS-2026-0031" in r.output


def test_violations_exit_1_and_are_grouped_by_project_and_item():
    r = run(VIOLATIONS, "--lang", "en")
    assert r.exit_code == 1
    out = r.output
    # numbered, errors first; the same rule on three lines of a project is one entry listing them
    assert out.index("1. error") < out.index("2. error") < out.index("4. warning") < out.index("9. info")
    assert ("2. error Mandatory energy-saving category without a required certificate (GPP-ENE-001)\n"
            "     Project GZTH-2026-0107-01, lines 1, 2, 3\n"
            "     - Line 1: 学生用台式计算机 (A02010105) is in a mandatory category") in out
    assert out.count("GPP-ENE-001") == 1
    assert "Legal basis: Caiku [2019] No. 9 section 2; Caiku [2019] No. 19 annex (★ mandatory categories)" in out
    # a place in words, no pointer; the remediation in the user's terms, no field name
    assert "/projects/" not in out and "green_requirements" not in out
    assert "Remediation: Make a valid energy-saving product certificate a substantive response condition" in out
    # what rests on unverified list rows is said once
    assert out.count("not yet checked against the official list text") == 1


@pytest.mark.parametrize("fail_on,code", [("error", 0), ("warning", 0), ("info", 1)])
def test_fail_on_threshold(fail_on, code):
    assert run(COMPLIANT, "--fail-on", fail_on).exit_code == code


def test_award_stage_example_flags_expired_certificate():
    r = run(AWARD, "--format", "json")
    assert r.exit_code == 1
    doc = json.loads(r.stdout)
    got = [(f["rule_id"], f["pointer"]) for f in doc["results"][0]["findings"] if f["severity"] == "error"]
    assert got == [("GPP-AWD-001", "/projects/0/items/1"), ("GPP-AWD-004", "/projects/0/items/1")]


def test_stdin(base_plan):
    r = run("-", "--format", "json", input=plan_bytes(base_plan))
    assert r.exit_code == 0
    assert json.loads(r.stdout)["results"][0]["source"] == "<stdin>"


def test_schema_errors_are_all_listed_with_pointers_and_exit_2(base_plan):
    base_plan["date"] = "2026-02-30"
    base_plan["projects"][0]["items"][0]["quantity"] = 0
    base_plan["projects"][0]["evaluation"]["method"] = "best_value"
    r = CliRunner().invoke(main, ["check", "-", "--lang", "en"], input=plan_bytes(base_plan))
    assert r.exit_code == 2
    assert r.stderr.splitlines() == [
        "<stdin>: /date: '2026-02-30' is not a 'date'",
        "<stdin>: /projects/0/evaluation/method: 'best_value' is not one of ['comprehensive_scoring', 'lowest_price']",
        "<stdin>: /projects/0/items/0/quantity: 0 is less than or equal to the minimum of 0",
    ]
    assert "Traceback" not in r.output


def test_malformed_json_names_line_and_column():
    r = CliRunner().invoke(main, ["check", "-", "--lang", "en"], input=b'{"plan_id": "x",\n  "date": }')
    assert r.exit_code == 2
    assert r.stderr == "<stdin>: /: is not valid JSON: Expecting value at line 2 column 11\n"
    r = CliRunner().invoke(main, ["check", "-"], input=b'{"plan_id": "x",\n  "date": }')
    assert r.stderr == "<stdin>: /: 文件不是有效的 JSON（第 2 行第 11 列有误）\n"


def test_a_bad_plan_does_not_stop_the_others(tmp_path):
    bad = tmp_path / "bad.json"
    bad.write_text("[]", encoding="utf-8")
    r = CliRunner().invoke(main, ["check", str(bad), COMPLIANT, str(tmp_path / "missing.json"), "--format", "json"])
    assert r.exit_code == 2
    results = json.loads(r.stdout)["results"]
    assert [x["status"] for x in results] == ["not_checkable", "checked", "not_checkable"]
    assert results[0]["errors"] == [{"rule_id": "CHK-001", "pointer": "", "message": "[] is not of type 'object'"}]
    assert results[2]["errors"][0]["message"] == "cannot be read: No such file or directory"


def test_duplicate_line_ids_make_a_plan_not_checkable(base_plan):
    items = base_plan["projects"][0]["items"]
    items.append(dict(items[0]))
    r = CliRunner().invoke(main, ["check", "-"], input=plan_bytes(base_plan))
    assert r.exit_code == 2
    assert r.stderr == "<stdin>: /projects/0/items/1/line_id: '1' is also the line_id of /projects/0/items/0\n"


def test_output_file_is_written_and_an_input_is_never_overwritten(tmp_path):
    out = tmp_path / "report.json"
    assert run(COMPLIANT, "--format", "json", "--output", str(out)).exit_code == 0
    assert json.loads(out.read_text(encoding="utf-8"))["results"][0]["verdict"] == "compliant"
    umask = os.umask(0)
    os.umask(umask)
    assert out.stat().st_mode & 0o777 == 0o666 & ~umask      # readable by others, not mkstemp's 0600
    plan = tmp_path / "plan.json"
    original = (EXAMPLES / "office-equipment-compliant.json").read_bytes()
    plan.write_bytes(original)
    r = CliRunner().invoke(main, ["check", str(plan), "--output", str(plan), "--lang", "en"])
    assert r.exit_code == 2 and "refusing to overwrite it" in r.stderr
    assert plan.read_bytes() == original
    assert [p.name for p in tmp_path.iterdir() if p.name.startswith(".")] == []


def test_output_is_byte_identical_across_runs():
    a = run(VIOLATIONS, AWARD, COMPLIANT, "--format", "json").output
    b = run(VIOLATIONS, AWARD, COMPLIANT, "--format", "json").output
    assert a == b
    assert run(VIOLATIONS).output == run(VIOLATIONS).output


def test_json_output_follows_the_findings_schema():
    from checker._jsonutil import schema_problems
    doc = json.loads(run(VIOLATIONS, AWARD, COMPLIANT, "--format", "json").stdout)
    assert schema_problems("findings", doc) == []
    prov = doc["provenance"]
    assert prov["tool"]["name"] == "lvcai" and "national" in [p["id"] for p in prov["rule_packs"]]
    assert {d["edition_id"] for d in prov["lists"]} == {"energy_saving/2019", "environmental_label/2019"}
    assert [i["source"] for i in prov["inputs"]] == [VIOLATIONS, AWARD, COMPLIANT]


def test_no_colour_when_not_a_terminal():
    assert "\x1b[" not in run(VIOLATIONS).output


def test_usage_errors_exit_2():
    assert run().exit_code == 2
    assert run(COMPLIANT, "--format", "xml").exit_code == 2
    assert run("-", "-", input=b"{}").exit_code == 2
    r = run(COMPLIANT, "--profile", "atlantis")
    assert r.exit_code == 2 and "no such profile: 'atlantis'" in r.stderr


def test_catalog_edition_absent_is_assumed_2022_and_said(base_plan):
    del base_plan["catalog_edition"]
    doc = json.loads(run("-", "--format", "json", "--lang", "en", input=plan_bytes(base_plan)).stdout)
    info = [f for f in doc["results"][0]["findings"] if f["rule_id"] == "GPP-PLN-002"]
    assert info[0]["message"] == "The plan does not state catalog_edition; its codes were read as the 2022 catalog."


def test_colour_on_a_terminal():
    from checker.api import get_checker
    from checker.formatters import text
    checker = get_checker()
    results = [checker.check(open(VIOLATIONS, "rb").read(), VIOLATIONS)]
    meta = checker.run_meta(results, {})
    coloured, plain = text.render(results, meta, "en", color=True), text.render(results, meta, "en")
    import re
    assert "\x1b[31m\x1b[1merror\x1b[0m Mandatory energy-saving category" in coloured and "\x1b[" not in plain
    assert re.sub(r"\x1b\[[0-9;]*m", "", coloured) == plain        # colour adds escape codes and nothing else
