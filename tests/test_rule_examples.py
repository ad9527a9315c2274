"""Every rule's pass and fail examples (rules/*/GPP-*.json), and meta-tests over the rule corpus."""
import json
import re

import pytest
from jsonschema import Draft202012Validator

from checker.api import get_checker
from checker.policy.rulepacks import RulePacks
from checker.ruletest import run_examples, run_policy_examples
from conftest import ROOT

# Every pack's examples, each under a profile that runs the pack (shenzhen's pack only under shenzhen).
_PACK = {r.id: r.pack for r in RulePacks().rules.values()}
OUTCOMES = run_examples(get_checker("national")) + [
    o for o in run_examples(get_checker("shenzhen")) if _PACK[o.rule_id] == "shenzhen"]


@pytest.mark.parametrize("outcome", OUTCOMES, ids=lambda o: f"{o.rule_id}-{o.kind}{o.index}")
def test_rule_example(outcome):
    assert outcome.ok, f"{outcome.rule_id} {outcome.kind} example '{outcome.title}': {outcome.detail}"


def test_every_rule_has_a_passing_and_a_failing_example():
    registry = RulePacks()
    assert registry.rules
    for rule in registry.rules.values():
        kinds = {o.kind for o in OUTCOMES if o.rule_id == rule.id}
        assert kinds == {"pass", "fail"}, rule.id


def test_rule_ids_are_unique_well_formed_and_carry_a_legal_basis():
    registry = RulePacks()
    slugs = set()
    for rule in registry.rules.values():
        assert re.fullmatch(r"GPP-[A-Z]{3}-\d{3}", rule.id)
        assert rule.slug not in slugs
        slugs.add(rule.slug)
        assert rule.legal_basis and all(b["doc"] and b["clause"] for b in rule.legal_basis)
        assert rule.title["zh"] and rule.title["en"] and rule.remediation["zh"] and rule.remediation["en"]


def test_every_schema_is_a_valid_schema():
    schemas = sorted((ROOT / "schemas").glob("*.schema.json"))
    assert len(schemas) >= 6
    for path in schemas:
        Draft202012Validator.check_schema(json.loads(path.read_text(encoding="utf-8")))


@pytest.mark.parametrize("op", ["$ne", "$in", "$nin", "$regex"])
def test_rule_schema_rejects_operators_durable_rules_does_not_implement(op, tmp_path):
    """These operators are accepted by durable-rules and never match: a rule using one must not load."""
    from checker.errors import DataError
    from checker.policy.rulepacks import load_rule
    doc = json.loads((ROOT / "rules" / "national" / "GPP-ENE-001.json").read_text(encoding="utf-8"))
    doc["when"] = {"$and": [{"energy_list": "mandatory"}, {op: {"energy_req": "required"}}]}
    path = tmp_path / "GPP-ENE-001.json"
    path.write_text(json.dumps(doc), encoding="utf-8")
    with pytest.raises(DataError) as e:
        load_rule(path, "national")
    assert str(e.value).startswith(f"{path}: /when/$and/1: ")


def test_rule_testing_an_unknown_field_is_rejected(tmp_path):
    from checker.errors import DataError
    from checker.policy.rulepacks import load_rule
    doc = json.loads((ROOT / "rules" / "national" / "GPP-ENE-001.json").read_text(encoding="utf-8"))
    doc["when"] = {"$and": [{"energy_lst": "mandatory"}, {"$neq": {"energy_req": "required"}}]}
    path = tmp_path / "GPP-ENE-001.json"
    path.write_text(json.dumps(doc), encoding="utf-8")
    with pytest.raises(DataError, match=r"/when: field 'energy_lst' is not a field of a item fact"):
        load_rule(path, "national")


def test_a_broken_rule_makes_its_fail_example_fail(tmp_path):
    """The example runner can fail: a rule whose condition was weakened no longer fires on its fail examples."""
    import shutil
    from checker.api import Checker
    shutil.copytree(ROOT / "rules", tmp_path / "rules")
    path = tmp_path / "rules" / "national" / "GPP-EVL-002.json"
    doc = json.loads(path.read_text(encoding="utf-8"))
    doc["when"]["$and"][0] = {"eval_method": "lowest_price"}
    path.write_text(json.dumps(doc, ensure_ascii=False), encoding="utf-8")
    outcomes = run_examples(Checker("national", rules_dir=tmp_path / "rules"), {"GPP-EVL-002"})
    assert [o.ok for o in outcomes if o.kind == "fail"] == [False, False]
    assert all(o.ok for o in outcomes if o.kind == "pass")


POLICY_OUTCOMES = run_policy_examples(get_checker("national"))


@pytest.mark.parametrize("outcome", POLICY_OUTCOMES, ids=lambda o: f"{o.rule_id}-{o.kind}{o.index}")
def test_selector_and_derived_example(outcome):
    assert outcome.ok, f"{outcome.rule_id} {outcome.kind} example '{outcome.title}': {outcome.detail}"


def test_every_selector_has_items_it_matches_and_items_it_does_not():
    packs = RulePacks()
    assert packs.selectors and packs.derived
    for sel in packs.selectors.values():
        kinds = {o.kind for o in POLICY_OUTCOMES if o.rule_id == f"selector:{sel.id}"}
        assert kinds == ({"match"} if sel.match == {"every_item": True} else {"match", "no_match"}), sel.id
    for d in packs.derived.values():
        assert sum(1 for o in POLICY_OUTCOMES if o.rule_id == f"derived:{d.id}") >= 2, d.id
        assert len({json.dumps(ex["value"]) for ex in d.examples}) >= 2, f"{d.id}: examples should differ in value"


def test_a_wrong_selector_or_derived_example_fails(tmp_path):
    import shutil
    from checker.api import Checker
    shutil.copytree(ROOT / "rules", tmp_path / "rules")
    path = tmp_path / "rules" / "selectors" / "green-lists.json"
    doc = json.loads(path.read_text(encoding="utf-8"))
    doc["selectors"][2]["match"] = {"list": {"kind": "any", "obligation": ["priority"]}}     # mandatory_categories
    path.write_text(json.dumps(doc, ensure_ascii=False), encoding="utf-8")
    outcomes = run_policy_examples(Checker("national", rules_dir=tmp_path / "rules"),
                                   {"selector:mandatory_categories", "derived:mandatory_amount"})
    assert [(o.rule_id, o.kind, o.ok) for o in outcomes if not o.ok] == [
        ("selector:mandatory_categories", "no_match", False), ("derived:mandatory_amount", "value", False)]


def test_selector_errors_name_the_file_and_place(tmp_path):
    import shutil
    from checker.errors import DataError
    shutil.copytree(ROOT / "rules", tmp_path / "rules")
    path = tmp_path / "rules" / "selectors" / "more.json"
    sel = {"id": "cars", "title": {"zh": "车", "en": "cars"}, "source": {"doc": "x", "verified": False},
           "match": {"selector": "vans"}, "examples": {"match": [{"title": "t", "set": {}}]}}
    path.write_text(json.dumps({"selectors": [sel]}), encoding="utf-8")
    with pytest.raises(DataError, match=r"more.json: /selectors/cars: selector 'cars' refers to no such selector 'vans'"):
        RulePacks(tmp_path / "rules")
    sel["match"] = {"prefix": {"2022": ["A0203"]}}
    path.write_text(json.dumps({"selectors": [sel]}), encoding="utf-8")
    with pytest.raises(DataError, match=r"more.json: /selectors/0/match: "):
        RulePacks(tmp_path / "rules")
    sel["match"] = {"selector": "cars"}
    path.write_text(json.dumps({"selectors": [sel]}), encoding="utf-8")
    with pytest.raises(DataError, match=r"selectors refer to each other in a cycle: cars → cars"):
        RulePacks(tmp_path / "rules")


def test_a_membership_is_tested_with_true_or_nex_never_false(tmp_path):
    """An item-level {"in": selector} value is true or absent: a test against false would never match."""
    import shutil
    from checker.errors import DataError
    shutil.copytree(ROOT / "rules", tmp_path / "rules")
    path = tmp_path / "rules" / "vehicles" / "GPP-NEV-002.json"
    doc = json.loads(path.read_text(encoding="utf-8"))
    doc["when"] = {"$and": [{"courier_car": True}, {"new_energy_car": False}]}
    path.write_text(json.dumps(doc, ensure_ascii=False), encoding="utf-8")
    with pytest.raises(DataError, match=r"GPP-NEV-002.json: /when/\$and/1/new_energy_car: 'new_energy_car' is true or absent"):
        RulePacks(tmp_path / "rules")


def test_every_kind_of_selector_clause_selects(tmp_path):
    """rows, in, exists, nature and project fields, beside the kinds the shipped selectors use."""
    import shutil
    from checker.api import Checker
    from checker.ruletest import run_policy_examples
    shutil.copytree(ROOT / "rules", tmp_path / "rules")
    ex = lambda title, s: {"title": title, "set": s}   # noqa: E731
    sels = [
        {"id": "row_es001", "title": {"zh": "x", "en": "x"}, "source": {"doc": "t", "verified": False},
         "match": {"list": {"kind": "energy_saving", "rows": ["ES2019-001"]}},
         "examples": {"match": [ex("desktop", {})], "no_match": [ex("paper", {"/projects/0/items/0/category_code": "A05040101"})]}},
        {"id": "units", "title": {"zh": "x", "en": "x"}, "source": {"doc": "t", "verified": False},
         "match": {"field": {"path": "unit", "in": ["台", "套"]}},
         "examples": {"match": [ex("台", {"/projects/0/items/0/unit": "台"})], "no_match": [ex("no unit", {})]}},
        {"id": "typed", "title": {"zh": "x", "en": "x"}, "source": {"doc": "t", "verified": False},
         "match": {"field": {"path": "product_type", "exists": True}},
         "examples": {"match": [ex("typed", {"/projects/0/items/0/product_type": "台式计算机"})], "no_match": [ex("untyped", {})]}},
        {"id": "works_open", "title": {"zh": "x", "en": "x"}, "source": {"doc": "t", "verified": False},
         "match": {"all": [{"nature": ["works"]}, {"field": {"path": "project.procurement_method", "equals": "公开招标"}}]},
         "examples": {"match": [ex("works", {"/projects/0/nature": "works"})], "no_match": [ex("goods", {})]}},
    ]
    (tmp_path / "rules" / "selectors" / "test.json").write_text(json.dumps({"selectors": sels}, ensure_ascii=False), encoding="utf-8")
    outcomes = run_policy_examples(Checker("national", rules_dir=tmp_path / "rules"),
                                   {f"selector:{s['id']}" for s in sels})
    assert len(outcomes) == 8 and all(o.ok for o in outcomes), [o for o in outcomes if not o.ok]
