"""Issue 12: plans before the procurement documents exist (stages budget and intention)."""
import json

from click.testing import CliRunner

from checker.cli import main
from conftest import ROOT, plan_bytes


def budget_plan():
    return json.loads((ROOT / "rules" / "examples" / "budget.json").read_text(encoding="utf-8"))


def test_plan_stage_without_evaluation_is_still_refused(checker, base_plan):
    del base_plan["projects"][0]["evaluation"]
    r = checker.check(plan_bytes(base_plan), "p.json")
    assert not r.checkable
    assert any(rid == "CHK-001" and "evaluation" in msg for _ptr, rid, msg in r.errors)
    base_plan["stage"] = "award"
    assert not checker.check(plan_bytes(base_plan), "p.json").checkable


def test_plan_without_stage_still_needs_evaluation(checker, base_plan):
    del base_plan["stage"]
    del base_plan["projects"][0]["evaluation"]
    assert not checker.check(plan_bytes(base_plan), "p.json").checkable


def test_budget_and_intention_need_no_evaluation_nor_green_requirements(checker):
    for stage in ("budget", "intention"):
        doc = dict(budget_plan(), stage=stage)
        r = checker.check(plan_bytes(doc), "b.json")
        assert r.checkable, r.errors
        assert r.meta["stage"] == stage


def test_document_rules_are_not_applicable_not_passed(checker):
    r = checker.check(plan_bytes(budget_plan()), "b.json")
    fired = {f.rule_id for f in r.findings}
    assert "GPP-ENE-001" not in fired          # a mandatory computer with no requirement: not judged yet
    na = {n["rule_id"]: n for n in r.meta["not_applicable"]}
    assert na["GPP-ENE-001"]["reason"] == "needs_documents"
    assert na["GPP-EVL-002"]["applies_at"] == ["plan", "award"]
    assert na["GPP-AWD-001"]["reason"] == "needs_award"
    assert "GPP-COD-004" not in na              # the code's form is checked at every stage


def test_plan_stage_results_carry_no_not_applicable_list(checker, base_plan):
    assert "not_applicable" not in checker.check(plan_bytes(base_plan), "p.json").meta


def test_json_lists_the_rules_not_applicable_with_the_reason(tmp_path):
    path = tmp_path / "b.json"
    path.write_bytes(plan_bytes(budget_plan()))
    for lang, word in (("en", "procurement documents"), ("zh", "采购文件")):
        out = CliRunner().invoke(main, ["check", str(path), "--format", "json", "--lang", lang], catch_exceptions=False)
        res = json.loads(out.output)["results"][0]
        assert res["stage"] == "budget" and res["at_risk_amount"] == 0
        ene = next(n for n in res["not_applicable"] if n["rule_id"] == "GPP-ENE-001")
        assert ene["reason"] == "needs_documents" and word in ene["reason_text"]


def test_reports_say_once_which_checks_apply_later(tmp_path):
    path = tmp_path / "b.json"
    path.write_bytes(plan_bytes(budget_plan()))
    text = CliRunner().invoke(main, ["check", str(path), str(path), "--lang", "en"]).output
    assert text.count("will apply once the procurement documents exist") == 1
    assert "GPP-EVL-002" in text and "budget stage" in text
    zh = CliRunner().invoke(main, ["check", str(path)]).output
    assert zh.count("待采购文件编制后适用") == 1 and "预算编制阶段" in zh
    for fmt in ("md", "html"):
        out = tmp_path / f"r.{fmt}"
        CliRunner().invoke(main, ["report", str(path), "--format", fmt, "--output", str(out), "--lang", "en"], catch_exceptions=False)
        body = out.read_text(encoding="utf-8")
        assert body.count("will apply once the procurement documents exist") == 1 and "GPP-ENE-001" in body


def test_plan_stage_reports_do_not_mention_later_checks(tmp_path, base_plan):
    path = tmp_path / "p.json"
    path.write_bytes(plan_bytes(base_plan))
    assert "procurement documents exist" not in CliRunner().invoke(main, ["check", str(path), "--lang", "en"]).output


def test_a_rule_judging_the_documents_must_not_apply_at_early_stages(tmp_path):
    import shutil

    import pytest

    from checker.errors import DataError
    from checker.policy.rulepacks import RulePacks
    rules = tmp_path / "rules"
    shutil.copytree(ROOT / "rules", rules)
    p = rules / "national" / "GPP-ENE-001.json"
    doc = json.loads(p.read_text(encoding="utf-8"))
    del doc["stages"]
    p.write_text(json.dumps(doc, ensure_ascii=False), encoding="utf-8")
    with pytest.raises(DataError, match="energy_req"):
        RulePacks(rules)


def test_mandatory_and_priority_categories_say_what_the_documents_will_need(checker):
    doc = budget_plan()
    doc["projects"][0]["items"].append({"line_id": "2", "category_code": "A02020200", "name": "投影仪",
                                        "quantity": 1, "unit_price": 8000, "amount": 8000})
    r = checker.check(plan_bytes(doc), "b.json")
    by_rule = {}
    for f in r.findings:
        by_rule.setdefault(f.rule_id, []).append(f)
    [mand] = by_rule["GPP-BGT-001"]
    assert mand.line_id == "1" and mand.severity == "info"
    assert "采购文件" in mand.message["zh"] and "认证证书" in mand.message["zh"]
    assert "procurement documents will have to require" in mand.message["en"]
    assert {f.line_id for f in by_rule["GPP-BGT-002"]} == {"1", "2"}   # the computer is priority on the label list
    assert all("preference" not in f.message["zh"] for f in by_rule["GPP-BGT-002"])
    assert any(b["doc"] == "财库〔2019〕9号" for b in mand.legal_basis)


def test_budget_rules_run_only_at_budget_and_intention(checker, base_plan):
    fired = {f.rule_id for f in checker.check(plan_bytes(base_plan), "p.json").findings}
    assert not fired & {"GPP-BGT-001", "GPP-BGT-002"}
    fired = {f.rule_id for f in checker.check(plan_bytes(dict(budget_plan(), stage="intention")), "b.json").findings}
    assert "GPP-BGT-001" in fired


def test_batch_summary_gives_the_expected_green_share_of_the_round(tmp_path, base_plan):
    from openpyxl import load_workbook
    plans = tmp_path / "in"
    plans.mkdir()
    doc = budget_plan()      # a mandatory computer, 50,000
    doc["projects"][0]["items"].append({"line_id": "2", "category_code": "A06010000", "name": "图书",
                                        "quantity": 1, "unit_price": 50000, "amount": 50000})
    (plans / "budget.json").write_bytes(plan_bytes(doc))
    (plans / "intention.json").write_bytes(plan_bytes(dict(budget_plan(), plan_id="EX-INT", stage="intention")))
    (plans / "plan.json").write_bytes(plan_bytes(base_plan))      # plan stage: not in the expected share
    out = tmp_path / "out"
    r = CliRunner().invoke(main, ["batch", str(plans), "--output-dir", str(out), "--lang", "en", "--jobs", "1"], catch_exceptions=False)
    assert r.exit_code in (0, 1), r.output
    summary = json.loads((out / "summary.json").read_text(encoding="utf-8"))["summary"]
    e = summary["expected_green"]
    assert e["plans"] == 2
    assert e["total_amount"] == 150000 and e["expected_amount"] == 100000 and e["expected_share"] == 66.7
    assert e["mandatory_amount"] == 100000 and e["priority_amount"] == 0
    html = next(out.glob("*.html")).read_text(encoding="utf-8")
    assert "Expected green share" in html and "66.7%" in html
    wb = load_workbook(next(out.glob("*.xlsx")))
    values = [c.value for ws in wb.worksheets for row in ws.iter_rows() for c in row]
    assert "Expected green share" in values and 66.7 / 100 in values


BUDGET_CSV = ("计划编号,日期,单位名称,项目编号,项目名称,采购方式,品目编码,名称,数量,单价,金额\n"
              "YS-1,2026-03-16,示例单位,P1,办公设备,公开招标,A02010105,台式计算机,10,5000,50000\n"
              "YS-1,2026-03-16,示例单位,P1,办公设备,公开招标,A02020200,投影仪,1,8000,8000\n")


def _with_stage(csv_text, stage):
    head, *rows = csv_text.splitlines(keepends=True)
    return "".join(["计划编号,阶段," + head.split(",", 1)[1], *[r.split(",", 1)[0] + f",{stage}," + r.split(",", 1)[1] for r in rows]])


def test_a_budget_table_without_stage_nor_evaluation_reads_as_stage_budget(checker, tmp_path):
    r = checker.check(BUDGET_CSV.encode("utf-8"), "budget.csv")
    assert r.checkable, r.errors
    assert r.meta["stage"] == "budget"
    notes = [f for f in r.findings if f.rule_id == "CHK-004"]
    assert any("预算编制" in f.message["zh"] and "budget" in f.message["en"] for f in notes)
    assert {f.rule_id for f in r.findings} >= {"GPP-BGT-001", "GPP-BGT-002"}
    assert "not_applicable" in r.meta
    path = tmp_path / "budget.csv"
    path.write_text(BUDGET_CSV, encoding="utf-8")
    for fmt in ("md", "html"):      # two plan notes (line numbers, stage) render one after the other
        out = tmp_path / f"r.{fmt}"
        res = CliRunner().invoke(main, ["report", str(path), "--format", fmt, "--output", str(out)], catch_exceptions=False)
        body = out.read_text(encoding="utf-8")
        assert res.exit_code == 0 and "按预算编制阶段读取" in body and "None" not in body
    assert "按预算编制阶段读取" in CliRunner().invoke(main, ["check", str(path)]).output


def test_a_sheet_with_a_stage_needs_the_evaluation_method_unless_early(checker):
    r = checker.check(_with_stage(BUDGET_CSV, "计划").encode("utf-8"), "plan.csv")
    assert not r.checkable and any("评审方法" in msg for _p, _r, msg in r.errors)
    for word, stage in (("采购意向", "intention"), ("预算编制", "budget")):
        r = checker.check(_with_stage(BUDGET_CSV, word).encode("utf-8"), "early.csv")
        assert r.checkable and r.meta["stage"] == stage
        assert not any(f.rule_id == "CHK-004" and "预算编制阶段读取" in f.message["zh"] for f in r.findings)
