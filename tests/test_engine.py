"""The engine driving pattern (checker/engine.py's notes): every matching rule fires, clean plans are quiet,
and one process checks thousands of plans without growing or crashing."""
import copy

from checker.engine import Engine
from conftest import plan_bytes


def engine_two_rules():
    return Engine([
        ("big", "item", {"$gt": {"amount": 100}}),
        ("mandatory", "item", {"$and": [{"energy_list": "mandatory"}, {"$neq": {"energy_req": "required"}}]}),
        ("either", "item", {"$or": [{"a": 1}, {"b": 1}]}),
    ])


def test_two_rules_firing_on_one_item_give_two_findings():
    eng = engine_two_rules()
    fired = eng.run([{"id": "#/i/0", "kind": "item", "amount": 500, "energy_list": "mandatory", "energy_req": "none"}])
    assert sorted(name for name, _ in fired) == ["big", "mandatory"]


def test_a_fact_no_rule_matches_is_quiet_and_does_not_block_the_others():
    eng = engine_two_rules()
    facts = [{"id": "#/i/0", "kind": "item", "amount": 1, "energy_list": "none", "energy_req": "none"},
             {"id": "#/i/1", "kind": "item", "amount": 101, "energy_list": "none", "energy_req": "none"}]
    assert [(n, f["id"]) for n, f in eng.run(facts)] == [("big", "#/i/1")]
    assert eng.run(facts[:1]) == []


def test_identical_items_with_their_own_ids_each_fire():
    eng = engine_two_rules()
    same = {"kind": "item", "amount": 500, "energy_list": "none", "energy_req": "none"}
    fired = eng.run([{"id": "#/i/0", **same}, {"id": "#/i/1", **same}])
    assert sorted(f["id"] for _, f in fired) == ["#/i/0", "#/i/1"]


def test_or_rule_fires_once_when_both_alternatives_match():
    eng = engine_two_rules()
    fired = eng.run([{"id": "#/i/0", "kind": "item", "a": 1, "b": 1, "amount": 0}])
    assert [n for n, _ in fired] == ["either"]


def test_the_same_ids_are_reused_plan_after_plan():
    eng = engine_two_rules()
    fact = {"id": "#/i/0", "kind": "item", "amount": 500, "energy_list": "none", "energy_req": "none"}
    for _ in range(3):
        assert [n for n, _ in eng.run([dict(fact)])] == ["big"]


def test_clean_plan_gives_only_the_share_and_what_was_not_verified(checker, base_plan):
    result = checker.check(plan_bytes(base_plan), "clean.json")
    # no registry here: the 2022 codes are checked against the catalog lvcai ships, so nothing is
    # unverified; the national profile reports the preference's 2 points for information (no national range)
    assert result.checkable and [f.rule_id for f in result.findings] == ["GPP-PLN-001", "GPP-PRF-004"]


def _rss_kb():
    with open("/proc/self/status") as fh:
        for line in fh:
            if line.startswith("VmRSS:"):
                return int(line.split()[1])


def test_two_thousand_plans_in_one_process_without_growth(checker, base_plan):
    plans = []
    for n in range(4):
        doc = copy.deepcopy(base_plan)
        item = doc["projects"][0]["items"][0]
        doc["projects"][0]["items"] = [dict(item, line_id=str(i), amount=1000 + i) for i in range(20)]
        if n % 2:
            for it in doc["projects"][0]["items"]:
                it["green_requirements"]["energy_saving"] = "preferred"   # every item fires GPP-ENE-001
        plans.append(plan_bytes(doc))
    for i in range(200):                      # warm up caches before measuring
        checker.check(plans[i % 4], "p.json")
    before = _rss_kb()
    errors = 0
    for i in range(2000):
        r = checker.check(plans[i % 4], "p.json")
        errors += r.counts()["error"]
    growth_mb = (_rss_kb() - before) / 1024
    assert errors == 1000 * 20
    assert growth_mb < 8, f"RSS grew {growth_mb:.1f} MB over 2,000 plans"
