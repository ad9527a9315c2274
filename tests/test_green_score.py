"""The evaluation scheme against the green criteria (checker/evaluation/scheme.py), the green score
(score.py), the rules GPP-GRN-001/002 and GPP-SCR-001 on green factors, and where the score is shown:
JSON output, reports, batch summary. Each expected score is worked by hand in the test."""
import copy
import json

import pytest

from checker.api import Checker
from checker.formatters import FORMATTERS
from conftest import plan_bytes

PRICE = {"name": "价格", "kind": "price", "points": 30}
TECH = {"name": "技术参数", "kind": "technical", "points": 60,
        "grades": [{"condition": "全部满足", "points": 60}, {"condition": "每项负偏离", "points": 55}]}
SERVICE = {"name": "售后服务", "kind": "commercial", "points": 5}
ENERGY_BY_ID = {"name": "能效等级", "kind": "green", "points": 5, "criterion": "computers.energy-grade",
                "grades": [{"condition": "能效 1 级", "points": 5}, {"condition": "能效 2 级", "points": 2},
                           {"condition": "其他", "points": 0}]}
RECOVERY = {"name": "质保与回收", "kind": "commercial", "points": 5, "indicator": "resource_recovery",
            "grades": [{"condition": "质保 3 年并承诺回收", "points": 5}, {"condition": "其他", "points": 0}]}


def plan(base, factors, edition="2022", code=None):
    doc = copy.deepcopy(base)
    doc["catalog_edition"] = edition
    if code:
        doc["projects"][0]["items"][0]["category_code"] = code
    if factors is not None:
        doc["projects"][0]["evaluation"]["factors"] = factors
    return doc


def green(checker, doc):
    result = checker.check(plan_bytes(doc), "plan.json")
    assert result.checkable, result.errors
    return result, result.meta["green_evaluation"]


def hits(result, rule_id):
    return [f for f in result.findings if f.rule_id == rule_id]


# computers has 2 core criteria (energy-grade, hazardous-substances) and 3 comprehensive ones
# (energy-improvement, warranty, take-back).
@pytest.mark.parametrize("edition, code", [("2022", "A02010105"), ("2013", "A02010104")])
def test_hand_worked_project_score_in_both_catalog_editions(checker, base_plan, edition, code):
    _, g = green(checker, plan(base_plan, [PRICE, TECH, ENERGY_BY_ID, RECOVERY], edition, code))
    p = g["projects"][0]
    assert [x["group"] for x in p["groups"]] == ["computers"]
    # the energy factor names computers.energy-grade: that criterion only (not energy-improvement);
    # the resource_recovery indicator covers warranty and take-back (both comprehensive)
    assert p["factors"][2]["covers"] == ["computers.energy-grade"] and p["factors"][2]["matched_by"] == "criterion"
    assert p["factors"][3]["covers"] == ["computers.warranty", "computers.take-back"]
    assert p["counts"]["core"] == {"applicable": 2, "covered": 1, "unverified": 2}
    assert p["counts"]["comprehensive"] == {"applicable": 3, "covered": 2, "unverified": 1}
    # core 1/2 = 0.5, comprehensive 2/3; weights 2 and 1:
    # 100 × (2 × 0.5 + 1 × 2/3) / 3 = 100 × 1.6667 / 3 = 55.56 → 55.6
    assert p["score"]["score"] == 55.6
    assert p["ambition_reached"] == "partial"
    # green points 5 + 5 of 30 + 60 + 5 + 5 = 100 → 10 %
    assert (p["green_points"], p["total_points"], p["green_weight"]) == (10, 100, 10)
    assert g["plan"] == {"score": 55.6, "amount": 50000.0, "projects_scored": 1}


def test_the_weights_are_the_profiles(base_plan):
    even = Checker("national", params={"green_score_core_weight": 1, "green_score_comprehensive_weight": 1})
    _, g = green(even, plan(base_plan, [PRICE, TECH, ENERGY_BY_ID, RECOVERY]))
    # 100 × (1 × 0.5 + 1 × 2/3) / 2 = 58.33 → 58.3
    assert g["projects"][0]["score"]["score"] == 58.3
    core_only = Checker("national", params={"green_score_core_weight": 1, "green_score_comprehensive_weight": 0})
    _, g = green(core_only, plan(base_plan, [PRICE, TECH, ENERGY_BY_ID, RECOVERY]))
    assert g["projects"][0]["score"]["score"] == 50.0   # 100 × 1 × 0.5 / 1


def test_hand_worked_plan_score_weights_projects_by_their_amount_in_groups(checker, base_plan):
    doc = plan(base_plan, [PRICE, TECH, ENERGY_BY_ID, RECOVERY])
    doc["projects"].append({
        "project_id": "P2", "name": "空调采购", "procurement_method": "公开招标",
        "evaluation": {"method": "comprehensive_scoring", "price_weight": 30,
                       "factors": [PRICE, TECH, {"name": "能效", "kind": "green", "points": 10, "indicator": "energy",
                                                 "grades": [{"condition": "1 级", "points": 10}, {"condition": "其他", "points": 0}]}]},
        "items": [{"line_id": "1", "category_code": "A02061804", "name": "空调", "quantity": 20, "unit_price": 5000,
                   "amount": 100000, "green_requirements": {"energy_saving": "required", "environmental_label": "none"}}]})
    _, g = green(checker, doc)
    p2 = g["projects"][1]
    # air conditioners: core apf-grade and apf-grade-large (both energy: covered), comprehensive
    # life-cycle-cost (not covered): 100 × (2 × 2/2 + 1 × 0/1) / 3 = 66.67 → 66.7
    assert p2["counts"]["core"]["covered"] == 2 and p2["counts"]["comprehensive"]["covered"] == 0
    assert p2["score"]["score"] == 66.7 and p2["ambition_reached"] == "core"
    # plan: (55.6 × 50,000 + 66.7 × 100,000) / 150,000 = (2,780,000 + 6,670,000) / 150,000 = 63.0
    assert g["plan"] == {"score": 63.0, "amount": 150000.0, "projects_scored": 2}


def test_no_green_factor_scores_zero_and_is_reported(checker, base_plan):
    result, g = green(checker, plan(base_plan, [PRICE, TECH, SERVICE]))
    assert g["projects"][0]["score"]["score"] == 0.0 and g["projects"][0]["ambition_reached"] == "none"
    f, = hits(result, "GPP-GRN-001")
    assert f.severity == "info" and f.pointer == "/projects/0"
    assert f.message["en"] == "Project '办公设备采购' buys products of 1 group(s) with green criteria, but none of its 3 evaluation factors is green."


def test_no_factors_means_no_score_and_no_finding(checker, base_plan):
    result, g = green(checker, plan(base_plan, None))
    assert g["projects"][0]["score"] == dict(g["projects"][0]["score"], score=None, reason="no_factors")
    assert g["plan"]["score"] is None and not hits(result, "GPP-GRN-001")


def test_a_product_without_criteria_has_no_score(checker, base_plan):
    doc = plan(base_plan, [PRICE, TECH], code="A02010104")    # a server in the 2022 catalog
    doc["projects"][0]["items"][0]["green_requirements"] = {"energy_saving": "none", "environmental_label": "none"}
    result, g = green(checker, doc)
    assert g["projects"][0]["groups"] == [] and g["projects"][0]["score"]["reason"] == "no_criteria"
    assert not hits(result, "GPP-GRN-001")


def test_an_ungraded_green_factor_is_found_by_the_existing_rule(checker, base_plan):
    ungraded = {"name": "节能环保", "kind": "green", "points": 5}
    result, g = green(checker, plan(base_plan, [PRICE, TECH, ungraded]))
    assert g["projects"][0]["ungraded_green_factors"] == [2]
    assert len(hits(result, "GPP-SCR-001")) == 1 and not hits(result, "GPP-GRN-001")
    # a factor of another kind that names a green indicator is green too, and so must be graded
    by_indicator = {"name": "能效", "kind": "technical", "points": 5, "indicator": "energy"}
    result, g = green(checker, plan(base_plan, [PRICE, TECH, by_indicator]))
    assert g["projects"][0]["ungraded_green_factors"] == [2]
    assert len(hits(result, "GPP-SCR-001")) == 1


def test_a_criterion_of_another_group_is_green_but_covers_nothing(checker, base_plan):
    other = dict(ENERGY_BY_ID, criterion="air_conditioners.apf-grade")
    result, g = green(checker, plan(base_plan, [PRICE, TECH, other]))
    f = g["projects"][0]["factors"][2]
    assert f["green"] and f["covers"] == [] and f["named_elsewhere"]
    assert g["projects"][0]["score"]["score"] == 0.0 and not hits(result, "GPP-GRN-001")


@pytest.mark.parametrize("green_points, fires", [
    (0.5, True),    # 0.5 of 100 points: below 1 %
    (1, False),     # exactly the lower boundary
    (5, False),     # exactly the upper boundary
    (6, True),      # above 5 %
])
def test_green_weight_against_the_profiles_range(base_plan, green_points, fires):
    ranged = Checker("national", params={"green_weight_min": 1, "green_weight_max": 5})
    factors = [PRICE, dict(TECH, points=70 - green_points), dict(ENERGY_BY_ID, points=green_points)]
    result, g = green(ranged, plan(base_plan, factors))
    assert g["projects"][0]["green_weight"] == green_points   # of 100 points
    assert bool(hits(result, "GPP-GRN-002")) is fires


def test_no_range_is_checked_where_no_law_sets_one(checker, base_plan):
    result, _ = green(checker, plan(base_plan, [PRICE, dict(TECH, points=20), dict(ENERGY_BY_ID, points=50)]))
    assert not hits(result, "GPP-GRN-002")
    assert checker.params["green_weight_min"] is None


def test_json_output_carries_the_computation_and_keeps_its_keys(checker, base_plan):
    result, _ = green(checker, plan(base_plan, [PRICE, TECH, ENERGY_BY_ID, RECOVERY]))
    doc = json.loads(FORMATTERS["json"]([result], checker.run_meta([result], {}), lang="en"))
    r = doc["results"][0]
    assert {"totals", "findings", "categories", "at_risk_amount"} <= set(r)   # the contract's keys stay
    ge = r["green_evaluation"]
    assert ge["plan"]["score"] == 55.6 and ge["weights"] == {"core": 2.0, "comprehensive": 1.0}
    p = ge["projects"][0]
    assert p["groups"][0]["title"] == "Computers and monitors"
    assert p["score"]["terms"] == [{"level": "core", "weight": 2.0, "covered": 1, "applicable": 2, "share": 0.5},
                                   {"level": "comprehensive", "weight": 1.0, "covered": 2, "applicable": 3, "share": 0.6667}]
    assert {c["id"]: c["verified"] for c in p["criteria"]}["computers.energy-improvement"] is True
    assert ge["how"].startswith("Green score = 100 × (core weight")


@pytest.mark.parametrize("fmt", ["text", "md", "html"])
def test_every_report_has_a_green_evaluation_section(checker, base_plan, fmt):
    result, _ = green(checker, plan(base_plan, [PRICE, TECH, ENERGY_BY_ID, RECOVERY]))
    meta = checker.run_meta([result], {})
    out = FORMATTERS[fmt]([result], meta, lang="en")
    assert "Green evaluation" in out and "55.6" in out
    assert "rest on facts not yet verified" in out
    zh = FORMATTERS[fmt]([result], meta, lang="zh")
    assert "绿色评价" in zh and "1/2 核心，2/3 全面 → 55.6" in zh


def test_the_xlsx_and_pdf_reports_have_it(checker, base_plan):
    import io

    import openpyxl
    from pypdf import PdfReader
    result, _ = green(checker, plan(base_plan, [PRICE, TECH, ENERGY_BY_ID, RECOVERY]))
    meta = checker.run_meta([result], {})
    wb = openpyxl.load_workbook(io.BytesIO(FORMATTERS["xlsx"]([result], meta, lang="en")))
    ws = wb["Green evaluation"]
    assert [c.value for c in ws[2]][:5] == ["EX-BASE", "P1", "办公设备采购", "Computers and monitors", 55.6]
    text = "".join(page.extract_text() for page in PdfReader(io.BytesIO(FORMATTERS["pdf"]([result], meta, lang="en"))).pages)
    assert "Green evaluation" in text and "55.6" in text


def test_batch_summary_weights_plans_by_amount(tmp_path, base_plan):
    from checker import batch
    src = tmp_path / "in"
    src.mkdir()
    a = plan(base_plan, [PRICE, TECH, ENERGY_BY_ID, RECOVERY])                      # 55.6 on 50,000
    b = plan(base_plan, [PRICE, TECH, SERVICE])                                     # 0.0 on 150,000
    b["plan_id"] = "EX-B"
    b["projects"][0]["items"][0].update(quantity=30, amount=150000)
    c = plan(base_plan, None)                                                       # no score
    c["plan_id"] = "EX-C"
    c["agency"] = {"name": "另一单位", "region": "440300"}
    for name, doc in (("a", a), ("b", b), ("c", c)):
        (src / f"{name}.json").write_text(json.dumps(doc, ensure_ascii=False), encoding="utf-8")
    doc = batch.run([str(src)], tmp_path / "out", jobs=1, lang="en")
    # (55.6 × 50,000 + 0 × 150,000) / 200,000 = 13.9
    assert doc["green"] == {"plans_scored": 2, "amount": 200000.0, "score": 13.9,
                            "by_agency": {"示例单位": {"plans_scored": 2, "amount": 200000.0, "score": 13.9}}}
    assert {p["plan_id"]: p["green_score"] for p in doc["plans_list"]} == {"EX-BASE": 55.6, "EX-B": 0.0, "EX-C": None}
    from checker.formatters import summary
    meta = {"tool": {"name": "lvcai", "version": "0"}, "profile": {"id": "national"}, "rule_packs": [], "lists": [],
            "inputs": ["in/"]}
    html = summary.render_html(doc, meta, "en").decode("utf-8")
    assert 'id="green-evaluation"' in html and "13.9" in html


def test_a_profile_raises_no_green_factor_to_a_warning(tmp_path, base_plan):
    """National law requires no green factor (info); a profile of a place whose rule does may say
    warning, with its reason, in its rule settings."""
    import shutil

    from conftest import ROOT
    rules = tmp_path / "rules"
    shutil.copytree(ROOT / "rules", rules)
    (rules / "profiles" / "green_strict.json").write_text(json.dumps({
        "id": "green_strict", "title": {"zh": "绿色评审从严", "en": "Strict green scoring"}, "extends": "national",
        "rules": {"GPP-GRN-001": {"severity": "warning",
                                  "reason": {"zh": "本地要求设置绿色评审因素", "en": "a local rule requires a green factor"}}}},
        ensure_ascii=False), encoding="utf-8")
    strict = Checker("green_strict", rules_dir=rules)
    result, _ = green(strict, plan(base_plan, [PRICE, TECH, SERVICE]))
    f, = hits(result, "GPP-GRN-001")
    assert f.severity == "warning" and f.profile_note["from"] == "info"
