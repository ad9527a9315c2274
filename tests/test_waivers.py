"""Waivers: reported as waived and counted apart, expired by the plan date, unused ones reported."""
import json

from click.testing import CliRunner

from checker.cli import main
from conftest import EXAMPLES

VIOLATIONS = str(EXAMPLES / "school-plan-with-violations.json")     # dated 2026-04-08


def waiver(**kw):
    w = {"rule_id": "GPP-ENE-001", "plan_id": "GZTH-2026-0107", "pointer": "/projects/0/items/0",
         "justification": "教学专用机型无认证产品（市场调查报告 2026-02）", "approver": "天河区财政局",
         "approval_ref": "穗天财采〔2026〕12号", "expires": "2026-12-31"}
    w.update(kw)
    return {k: v for k, v in w.items() if v is not None}


def check(tmp_path, *waivers, extra=()):
    f = tmp_path / "waivers.json"
    f.write_text(json.dumps({"waivers": list(waivers)}, ensure_ascii=False), encoding="utf-8")
    r = CliRunner().invoke(main, ["check", VIOLATIONS, "--format", "json", "--lang", "en", "--waivers", str(f), *extra])
    return r, (json.loads(r.stdout)["results"][0] if r.stdout else None)


def by(result, rule, pointer):
    return [f for f in result["findings"] if f["rule_id"] == rule and f["pointer"] == pointer]


def test_a_waiver_in_force_marks_the_finding_waived_and_counts_it_apart(tmp_path):
    base = json.loads(CliRunner().invoke(main, ["check", VIOLATIONS, "--format", "json"]).stdout)["results"][0]
    r, res = check(tmp_path, waiver())
    (f,) = by(res, "GPP-ENE-001", "/projects/0/items/0")
    assert f["status"] == "waived" and f["waiver"]["approval_ref"] == "穗天财采〔2026〕12号"
    assert res["waived"] == 1 and res["counts"]["error"] == base["counts"]["error"] - 1
    assert r.exit_code == 1          # other errors remain


def test_waiving_every_error_makes_the_exit_code_0(tmp_path):
    errors = [f for f in json.loads(CliRunner().invoke(main, ["check", VIOLATIONS, "--format", "json"]).stdout)["results"][0]["findings"]
              if f["severity"] == "error"]
    r, res = check(tmp_path, *[waiver(rule_id=f["rule_id"], pointer=f["pointer"]) for f in errors])
    assert res["counts"]["error"] == 0 and res["verdict"] == "compliant" and r.exit_code == 0


def test_matching_by_line_id_and_project_id(tmp_path):
    _, res = check(tmp_path, waiver(pointer=None, line_id="1", project_id="GZTH-2026-0107-01"))
    assert by(res, "GPP-ENE-001", "/projects/0/items/0")[0]["status"] == "waived"
    _, res = check(tmp_path, waiver(pointer=None, line_id="1", project_id="GZTH-2026-0107-02"))
    assert by(res, "GPP-ENE-001", "/projects/0/items/0")[0]["status"] == "open"
    assert [f["rule_id"] for f in res["findings"] if f["rule_id"].startswith("WVR")] == ["WVR-002"]


def test_expiry_is_judged_by_the_plan_date_not_today(tmp_path):
    _, res = check(tmp_path, waiver(expires="2026-04-08"))          # the plan's own day: still in force
    assert by(res, "GPP-ENE-001", "/projects/0/items/0")[0]["status"] == "waived"
    _, res = check(tmp_path, waiver(expires="2026-04-07"))
    (f,) = by(res, "GPP-ENE-001", "/projects/0/items/0")
    assert f["status"] == "open" and f["waiver"]["expired"] is True
    (note,) = by(res, "WVR-001", "/projects/0/items/0")
    assert note["severity"] == "warning"
    assert note["message"] == ("The waiver of GPP-ENE-001 (approved by 天河区财政局, 穗天财采〔2026〕12号) expired on "
                               "2026-04-07, before the plan date 2026-04-08; the finding applies again.")


def test_unused_waivers_are_reported(tmp_path):
    r, res = check(tmp_path, waiver(rule_id="GPP-ENV-002"), waiver(plan_id="NO-SUCH-PLAN"))
    (note,) = [f for f in res["findings"] if f["rule_id"] == "WVR-002"]
    assert note["message"] == "The waiver of GPP-ENV-002 at /projects/0/items/0 (穗天财采〔2026〕12号) matches no finding."
    assert "waiver for GPP-ENE-001 in plan NO-SUCH-PLAN (穗天财采〔2026〕12号) matches no plan checked" in r.stderr
    assert json.loads(r.stdout)["provenance"]["unused_waivers"][0]["plan_id"] == "NO-SUCH-PLAN"


def test_malformed_waivers_exit_2_with_the_place(tmp_path):
    r, _ = check(tmp_path, waiver(expires="31/12/2026"))
    assert r.exit_code == 2
    assert r.stderr == (f"lvcai: error: {tmp_path / 'waivers.json'}: /waivers/0/expires: '31/12/2026' does not match "
                        "'^[0-9]{4}-[0-9]{2}-[0-9]{2}$'; '31/12/2026' is not a 'date'\n")
    r, _ = check(tmp_path, waiver(pointer=None))
    assert r.exit_code == 2 and "/waivers/0: " in r.stderr


def test_waivers_never_touch_a_plan_that_could_not_be_checked(tmp_path):
    f = tmp_path / "waivers.json"
    f.write_text(json.dumps({"waivers": [waiver(plan_id="X", pointer="")]}), encoding="utf-8")
    r = CliRunner().invoke(main, ["check", "-", "--format", "json", "--waivers", str(f)], input=b'{"plan_id": "X"}')
    res = json.loads(r.stdout)["results"][0]
    assert r.exit_code == 2 and res["status"] == "not_checkable" and res["findings"] == []


def test_batch_applies_waivers_and_counts_them(tmp_path):
    f = tmp_path / "waivers.json"
    f.write_text(json.dumps({"waivers": [waiver()]}, ensure_ascii=False), encoding="utf-8")
    out = tmp_path / "out"
    CliRunner().invoke(main, ["batch", str(EXAMPLES / "*.json"), "--output-dir", str(out), "--jobs", "1", "--waivers", str(f)])
    assert json.loads((out / "summary.json").read_text(encoding="utf-8"))["summary"]["waived"] == 1


def test_reports_show_waived_findings(tmp_path):
    f = tmp_path / "waivers.json"
    f.write_text(json.dumps({"waivers": [waiver()]}, ensure_ascii=False), encoding="utf-8")
    text = CliRunner().invoke(main, ["check", VIOLATIONS, "--lang", "en", "--waivers", str(f)]).stdout
    assert "error [waived] Mandatory energy-saving category without a required certificate (GPP-ENE-001)\n" \
           "     Project GZTH-2026-0107-01, line 1: 学生用台式计算机" in text
    assert "1 further finding(s) are waived by an approved exception." in text
    assert "Waiver: 穗天财采〔2026〕12号 · 天河区财政局 · 2026-12-31 · " in text
    html = tmp_path / "r.html"
    CliRunner().invoke(main, ["report", VIOLATIONS, "--format", "html", "-o", str(html), "--waivers", str(f)])
    assert '<span class="badge waived">已豁免</span>' in html.read_text(encoding="utf-8")
