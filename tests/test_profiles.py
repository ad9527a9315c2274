"""Profiles on the same plan: national and guangdong agree (guangdong cites its own rule), shenzhen adds
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


def test_national_and_guangdong_find_the_same_but_cite_different_bases():
    nat, gd = get_checker("national"), get_checker("guangdong")
    assert ids(nat.check(PLAN, "p")) == ids(gd.check(PLAN, "p"))
    assert nat.provenance()["profile"]["params"] == gd.provenance()["profile"]["params"]
    assert gd.provenance()["profile"]["extends"] == ["national"]
    assert gd.provenance()["profile"]["params_basis"]["pref_points_max"].startswith("粤财采购〔2019〕1号")
    assert nat.provenance()["profile"]["params_basis"]["pref_points_max"] == "as pref_points_min"


def test_shenzhen_adds_the_circular_economy_duty_without_inventing_a_share():
    nat, sz = get_checker("national"), get_checker("shenzhen")
    extra = sorted(set(ids(sz.check(PLAN, "p"))) - set(ids(nat.check(PLAN, "p"))))
    assert extra == [("GPP-SZX-002", "")]
    assert sz.provenance()["profile"]["params"]["circular_share_min"] is None
    assert sz.provenance()["profile"]["rules_not_run"] == [{"rule_id": "GPP-SZX-001", "parameter_without_value": "circular_share_min"}]


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
    assert f.message["en"] == "Circular-economy products are CNY 31,500.00, 4.7% of the plan, below the required 30%."


def test_profile_errors_name_the_file(tmp_path):
    rules = own_profile(tmp_path, {"id": "loop", "title": {"zh": "x", "en": "x"}, "extends": "loop"})
    with pytest.raises(DataError, match="profiles extend each other in a cycle: loop"):
        Checker("loop", rules_dir=rules)
    rules = own_profile(tmp_path / "b", {"id": "odd", "title": {"zh": "x", "en": "x"}, "packs": ["nowhere"]})
    with pytest.raises(DataError, match="no such rule pack: 'nowhere'"):
        Checker("odd", rules_dir=rules)
    rules = own_profile(tmp_path / "c", {"id": "bare", "title": {"zh": "x", "en": "x"}, "packs": ["national"]})
    with pytest.raises(DataError, match=r"national/GPP-EVL-002.json: /when/\$and/1/\$or/0/\$and/1/\$lt/price_weight: "
                                         r"parameter 'price_weight_goods_min' is not set by profile 'bare'"):
        Checker("bare", rules_dir=rules)
    with pytest.raises(UsageError, match="no such profile: 'atlantis'"):
        Checker("atlantis")
