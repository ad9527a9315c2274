"""The vehicles pack (new-energy official vehicles, 财办库〔2024〕269号) is data only: its rules,
selectors, derived values and parameter are files under rules/vehicles/, and nothing in the Python
package names any of them. The same package fires the pack's rules when its files are there and
does not when they are not."""
import hashlib
import json
import shutil

from checker.api import Checker
from checker.policy.rulepacks import RulePacks
from conftest import ROOT

PACK = ROOT / "rules" / "vehicles"
PLAN = {
    "plan_id": "NEV-1", "date": "2025-03-01", "catalog_edition": "2022", "agency": {"name": "某局"},
    "projects": [{"project_id": "P1", "name": "公务用车购置", "procurement_method": "公开招标",
                  "evaluation": {"method": "lowest_price"},
                  "items": [{"line_id": "1", "category_code": "A02030501", "name": "轿车", "quantity": 8,
                             "unit_price": 150000, "amount": 1200000},
                            {"line_id": "2", "category_code": "A02030501", "name": "新能源轿车", "quantity": 2,
                             "unit_price": 160000, "amount": 320000, "new_energy": True}]}],
}


def _package_digest():
    h = hashlib.sha256()
    for path in sorted((ROOT / "checker").rglob("*.py")):
        h.update(str(path.relative_to(ROOT)).encode() + b"\0" + path.read_bytes())
    return h.hexdigest()


def _names_defined_by_the_pack():
    """Every identifier and code the pack's data defines or relies on."""
    packs = RulePacks()
    names = {"vehicles"}
    for rule in packs.rules.values():
        if rule.pack == "vehicles":
            names.add(rule.id)
            names.update(p.name for p in rule.params)
    for sel in packs.selectors.values():
        if sel.path.is_relative_to(PACK):
            names.add(sel.id)
            text = json.dumps(sel.match)
            names.update(tok.strip('"') for tok in text.replace(",", " ").replace("[", " ").replace("]", " ").split()
                         if tok.strip('"').startswith(("A0", "C2")))
    for d in packs.derived.values():
        if d.path.is_relative_to(PACK):
            names.add(d.id)
    return names | {"new_energy", "vehicle_use", "confidential_courier"}


def test_the_pack_is_only_data_files():
    files = [p for p in PACK.rglob("*") if p.is_file()]
    assert files and all(p.suffix == ".json" for p in files)
    packs = RulePacks()
    assert {r.id for r in packs.rules.values() if r.pack == "vehicles"} == {"GPP-NEV-001", "GPP-NEV-002", "GPP-NEV-003"}
    assert packs.declarations["nev_share_min"].path.is_relative_to(PACK)


def test_no_python_names_anything_of_the_pack():
    source = "\n".join(p.read_text(encoding="utf-8") for p in (ROOT / "checker").rglob("*.py"))
    names = _names_defined_by_the_pack()
    assert {"A020305", "C23110300", "official_cars", "nev_share", "nev_share_min"} <= names
    assert [n for n in sorted(names) if n in source] == []


def test_the_same_package_fires_the_pack_only_when_its_files_are_there(tmp_path):
    before = _package_digest()
    with_pack, without = tmp_path / "with" / "rules", tmp_path / "without" / "rules"
    shutil.copytree(ROOT / "rules", with_pack)
    shutil.copytree(ROOT / "rules", without, ignore=shutil.ignore_patterns("vehicles"))
    data = json.dumps(PLAN, ensure_ascii=False).encode()
    fired = [f for f in Checker("national", rules_dir=with_pack).check(data, "p", ("en",)).findings if f.rule_id == "GPP-NEV-001"]
    assert [f.message["en"] for f in fired] == [
        "The plan buys 10 official cars, 2 of them new-energy: 20.0%, below the required 30%."]
    quiet = Checker("national", rules_dir=without)
    assert not any(f.rule_id.startswith("GPP-NEV") for f in quiet.check(data, "p", ("en",)).findings)
    assert "nev_share_min" not in quiet.params
    assert _package_digest() == before
