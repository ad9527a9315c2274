"""Profiles on the same plan: a profile says only what its law says. National rules fix no preference
range, so national reports the magnitude (info) where guangdong checks its 1-5 range; shenzhen adds
the circular-economy duty, whose required share has no shipped value."""
import json
import shutil

import pytest

from checker.api import Checker, get_checker
from checker.errors import DataError, UsageError
from conftest import EXAMPLES, ROOT

PLAN = (EXAMPLES / "school-plan-with-violations.json").read_bytes()


def ids(result):
    return sorted((f.rule_id, f.pointer) for f in result.findings)


def test_the_preference_range_is_checked_only_where_a_law_sets_one():
    nat, gd = get_checker("national"), get_checker("guangdong")
    n, g = set(ids(nat.check(PLAN, "p"))), set(ids(gd.check(PLAN, "p")))
    # every magnitude is reported (8 points in project 0, 2 in project 1): no national range
    assert sorted(n - g) == [("GPP-PRF-004", "/projects/0"), ("GPP-PRF-004", "/projects/1")]
    assert sorted(g - n) == [("GPP-PRF-002", "/projects/0")]      # outside Guangdong's 1-5
    assert "pref_points_max" not in nat.provenance()["profile"]["params"]
    assert "pref_points_max" not in nat.provenance()["profile"]["params_basis"]
    assert {r["rule_id"] for r in nat.provenance()["profile"]["rules_not_run"]} == {"GPP-PRF-002", "GPP-PRF-003", "GPP-PRF-007",
                                                                                "GPP-GRN-002"}   # no law sets a green-weight range
    assert gd.provenance()["profile"]["extends"] == ["national"]
    assert gd.provenance()["profile"]["params_basis"]["pref_points_max"].startswith("粤财采购〔2019〕1号")
    # a parameter the national law does set keeps its default, with the rule's basis
    assert nat.provenance()["profile"]["params_basis"]["price_weight_goods_min"].startswith("财政部令第87号 第五十五条")


def test_a_fujian_10_percent_deduction_is_information_under_national(base_plan):
    base_plan["projects"][0]["evaluation"] = {"method": "lowest_price", "green_price_deduction_pct": 10}
    data = json.dumps(base_plan, ensure_ascii=False).encode()
    nat = [f for f in get_checker("national").check(data, "p", ("en",)).findings if f.rule_id.startswith("GPP-PRF")]
    assert [(f.rule_id, f.severity) for f in nat] == [("GPP-PRF-005", "info")]
    gd = [f for f in get_checker("guangdong").check(data, "p", ("en",)).findings if f.rule_id.startswith("GPP-PRF")]
    assert [(f.rule_id, f.severity) for f in gd] == [("GPP-PRF-003", "warning")]


def test_shenzhen_adds_the_circular_economy_duty_without_inventing_a_share():
    sz = get_checker("shenzhen")
    extra = sorted(set(ids(sz.check(PLAN, "p"))) - set(ids(get_checker("guangdong").check(PLAN, "p"))))
    assert extra == [("GPP-SZX-002", "")]
    assert sz.provenance()["profile"]["params"]["circular_share_min"] is None
    assert {"rule_id": "GPP-SZX-001", "parameter_without_value": "circular_share_min"} in sz.provenance()["profile"]["rules_not_run"]


def own_profile(tmp_path, doc):
    rules = tmp_path / "rules"
    shutil.copytree(ROOT / "rules", rules)
    (rules / "profiles" / f"{doc['id']}.json").write_text(json.dumps(doc, ensure_ascii=False), encoding="utf-8")
    return rules


def test_a_bureau_profile_that_sets_the_share(tmp_path):
    rules = own_profile(tmp_path, {"id": "sz-bureau", "title": {"zh": "某区", "en": "A district"}, "extends": "shenzhen",
                                   "params": {"circular_share_min": 30},
                                   "params_basis": {"circular_share_min": "区财政局通知（示例）"}})
    plan = json.loads(PLAN)
    plan["projects"][1]["items"][0]["circular_economy"] = True            # 31,500 of 671,500 = 4.7%
    result = Checker("sz-bureau", rules_dir=rules).check(json.dumps(plan, ensure_ascii=False).encode(), "p", ("en",))
    (f,) = [f for f in result.findings if f.rule_id.startswith("GPP-SZX")]
    assert (f.rule_id, f.severity) == ("GPP-SZX-001", "warning")
    assert f.message["en"] == ("Circular-economy products are CNY 31,500.00, 4.7% of the plan (counted from the plan's own marks, "
                               "not checked against the catalog), below the required 30%.")


def test_profile_errors_name_the_file(tmp_path):
    rules = own_profile(tmp_path, {"id": "loop", "title": {"zh": "x", "en": "x"}, "extends": "loop"})
    with pytest.raises(DataError, match="profiles extend each other in a cycle: loop"):
        Checker("loop", rules_dir=rules)
    rules = own_profile(tmp_path / "b", {"id": "odd", "title": {"zh": "x", "en": "x"}, "packs": ["nowhere"]})
    with pytest.raises(DataError, match="no such rule pack: 'nowhere'"):
        Checker("odd", rules_dir=rules)
    rules = own_profile(tmp_path / "c", {"id": "bare", "title": {"zh": "x", "en": "x"}, "packs": ["national"]})
    bare = Checker("bare", rules_dir=rules)       # nothing set: the rules' own defaults, ranges not run
    assert bare.params["price_weight_goods_min"] == 30
    assert {r["rule_id"] for r in bare.provenance()["profile"]["rules_not_run"]} >= {"GPP-PRF-002", "GPP-PRF-003"}


def test_a_profile_value_is_checked_against_the_rules_declaration(tmp_path):
    def bad(n, params):
        return own_profile(tmp_path / str(n), {"id": "bad", "title": {"zh": "x", "en": "x"}, "extends": "national",
                                               "params": params})
    with pytest.raises(DataError, match=r"profiles/bad.json: /params/price_weight_good_min: 'price_weight_good_min' is not "
                                         r"a parameter any rule declares \(did you mean 'price_weight_goods_min'\?\)"):
        Checker("bad", rules_dir=bad(1, {"price_weight_good_min": 30}))
    with pytest.raises(DataError, match=r"profiles/bad.json: /params/price_weight_goods_min: 130 is above the maximum 100% "
                                         r"\(declared by GPP-EVL-002 \("):
        Checker("bad", rules_dir=bad(2, {"price_weight_goods_min": 130}))
    with pytest.raises(DataError, match=r"profiles/bad.json: /params/price_weight_goods_min: '30' is not of type number"):
        Checker("bad", rules_dir=bad(3, {"price_weight_goods_min": "30"}))
    with pytest.raises(DataError, match=r"profiles/bad.json: /params/price_weight_goods_min/schedule/1/from: '2020-01-01' "
                                         r"is not after the previous step's date '2021-01-01'"):
        Checker("bad", rules_dir=bad(4, {"price_weight_goods_min": {"schedule": [{"from": "2021-01-01", "value": 30},
                                                                                 {"from": "2020-01-01", "value": 40}]}}))


def test_a_dated_parameter_takes_the_value_in_force_on_the_plan_date(tmp_path):
    rules = own_profile(tmp_path, {"id": "dated", "title": {"zh": "x", "en": "x"}, "extends": "national",
                                   "params": {"price_weight_goods_min": {"schedule": [{"from": "2026-01-01", "value": 30},
                                                                                      {"from": "2026-07-01", "value": 40}]}}})
    checker = Checker("dated", rules_dir=rules)
    plan = json.loads((ROOT / "rules" / "examples" / "base.json").read_text(encoding="utf-8"))
    plan["projects"][0]["evaluation"]["price_weight"] = 35

    def fired(date):
        plan["date"] = date
        r = checker.check(json.dumps(plan, ensure_ascii=False).encode(), "p", ("en",))
        return [f.message["en"] for f in r.findings if f.rule_id == "GPP-EVL-002"]
    assert fired("2025-12-31") == []          # before the first step: no value, the rule does not fire
    assert fired("2026-06-30") == []          # 35 >= 30
    (msg,) = fired("2026-07-01")              # the change date: 40 applies
    assert "40" in msg
    with pytest.raises(UsageError, match="no such profile: 'atlantis'"):
        Checker("atlantis")


def test_a_profile_switches_a_rule_off_or_changes_its_severity_with_a_reason(tmp_path, base_plan):
    reason_off = {"zh": "本区评审办法另行规定价格权重", "en": "the district's evaluation rules set the price weight"}
    reason_sev = {"zh": "本区先作提示", "en": "reported for information first in this district"}
    rules = own_profile(tmp_path, {"id": "district", "title": {"zh": "某区", "en": "A district"}, "extends": "national",
                                   "rules": {"GPP-EVL-003": {"enabled": False, "reason": reason_off},
                                             "GPP-ENV-002": {"severity": "info", "reason": reason_sev}}})
    checker = Checker("district", rules_dir=rules)
    base_plan["projects"][0]["evaluation"].pop("price_weight")                        # would be GPP-EVL-003
    base_plan["projects"][0]["items"][0]["green_requirements"]["environmental_label"] = "none"   # GPP-ENV-002
    result = checker.check(json.dumps(base_plan, ensure_ascii=False).encode(), "p", ("en",))
    assert not [f for f in result.findings if f.rule_id == "GPP-EVL-003"]
    (env,) = [f for f in result.findings if f.rule_id == "GPP-ENV-002"]
    assert env.severity == "info" and env.profile_note == {"by_profile": "district", "from": "warning", "reason": reason_sev}
    prof = checker.provenance()["profile"]
    assert prof["rules_switched_off"] == [{"rule_id": "GPP-EVL-003", "reason": reason_off, "by_profile": "district"}]
    assert prof["severity_changed"][0]["to"] == "info"
    from checker.formatters import json_, text
    doc = json_.document([result], checker.run_meta([result], {}), "en")
    assert doc["results"][0]["findings"][[f["rule_id"] for f in doc["results"][0]["findings"]].index("GPP-ENV-002")][
        "severity_changed"] == {"from": "warning", "by_profile": "district", "reason": reason_sev["en"]}
    out = text.render([result], checker.run_meta([result], {}), "en")
    assert "Severity set by profile district (warning → info): reported for information first in this district" in out
    # the reports say it too: at the finding, and the rule switched off in the provenance
    from checker.formatters import html, md
    meta = checker.run_meta([result], {})
    rep = md.render([result], meta, "en")
    assert "Severity set by profile district (warning → info): reported for information first in this district" in rep
    assert "Rule switched off by profile district: GPP-EVL-003 (the district's evaluation rules set the price weight)" in rep
    rep = html.render([result], meta, "en")
    assert "Severity set by profile district (warning → info): </span>reported for information first in this district" in rep
    assert "Rule switched off by profile district</dt><dd>GPP-EVL-003: the district&#39;s evaluation rules" in rep


def test_a_profile_naming_no_rule_is_rejected(tmp_path):
    rules = own_profile(tmp_path, {"id": "district", "title": {"zh": "x", "en": "x"}, "extends": "national",
                                   "rules": {"GPP-XYZ-999": {"enabled": False, "reason": {"zh": "x", "en": "x"}}}})
    with pytest.raises(DataError, match=r"profiles/district.json: /rules/GPP-XYZ-999: no such rule: \"GPP-XYZ-999\""):
        Checker("district", rules_dir=rules)


def test_an_old_id_finds_its_rule_in_rules_show_and_in_waivers(tmp_path, base_plan):
    from checker.policy.rulepacks import RulePacks
    rules = tmp_path / "rules"
    shutil.copytree(ROOT / "rules", rules)
    path = rules / "national" / "GPP-ENV-002.json"
    doc = json.loads(path.read_text(encoding="utf-8"))
    doc["aliases"] = ["GPP-ENV-001"]
    path.write_text(json.dumps(doc, ensure_ascii=False), encoding="utf-8")
    assert RulePacks(rules).get("GPP-ENV-001").id == "GPP-ENV-002"
    base_plan["projects"][0]["items"][0]["green_requirements"]["environmental_label"] = "none"
    waiver = {"rule_id": "GPP-ENV-001", "plan_id": "EX-BASE", "pointer": "/projects/0/items/0", "justification": "j",
              "approver": "a", "approval_ref": "r", "expires": "2030-01-01"}
    result = Checker("national", rules_dir=rules).check(json.dumps(base_plan, ensure_ascii=False).encode(), "p",
                                                        ("en",), waivers=[waiver])
    (env,) = [f for f in result.findings if f.rule_id == "GPP-ENV-002"]
    assert env.status == "waived"
    assert not [f for f in result.findings if f.rule_id.startswith("WVR")]
