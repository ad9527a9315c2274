"""The 2019 lighting rows sit under the 2013 parent A020619 and are crosswalked each to the 2022
children of A02061900 its product type belongs to (the catalog's own descriptions), not spread to
every child: a street light (A02061910 路灯, "包括投光灯、探照灯等") is an LED road-lighting product
(priority), never a ★ double-capped fluorescent lamp."""
import json

from click.testing import CliRunner

from checker.cli import main
from conftest import plan_bytes


def check(base_plan, code, name, energy="none"):
    item = base_plan["projects"][0]["items"][0]
    item.update(category_code=code, name=name, green_requirements={"energy_saving": energy})
    base_plan["projects"][0]["items"] = [item]
    r = CliRunner().invoke(main, ["check", "-", "--format", "json"], input=plan_bytes(base_plan))
    return json.loads(r.stdout)["results"][0]


def test_a_street_light_is_priority_not_mandatory(base_plan):
    res = check(base_plan, "A02061910", "乡镇道路 LED 路灯")
    rules = {f["rule_id"]: f for f in res["findings"]}
    assert "GPP-ENE-001" not in rules and "GPP-COD-001" not in rules
    assert [r["id"] for r in rules["GPP-ENE-002"]["list_rows"]] == ["ES2019-031"]
    assert res["totals"]["mandatory_amount"] == 0 and res["at_risk_amount"] == 0


def test_indoor_luminaires_keep_the_fluorescent_lamp_star(base_plan):
    res = check(base_plan, "A02061908", "教室照明灯具")
    rows = {r["id"] for f in res["findings"] for r in f["list_rows"]}
    assert {"ES2019-030", "ES2019-032", "ES2019-033"} <= rows and "ES2019-031" not in rows
    assert any(f["rule_id"] == "GPP-COD-001" for f in res["findings"])     # lamp ★ or downlight: say which


def test_special_purpose_lights_are_off_the_list(base_plan):
    for code in ("A02061901", "A02061903", "A02061906"):   # 矿灯, 车、船用灯, 防爆灯具
        assert not [f for f in check(base_plan, code, "灯")["findings"] if f["rule_id"].startswith("GPP-ENE")], code


def test_an_ambiguous_codes_remediation_names_its_own_sub_types(base_plan, tmp_path):
    item = base_plan["projects"][0]["items"][0]
    item.update(category_code="A02061908", name="教室照明灯具", green_requirements={"energy_saving": "required"})
    base_plan["projects"][0]["items"] = [item]
    out = CliRunner().invoke(main, ["check", "-"], input=plan_bytes(base_plan)).stdout
    assert "本品目的清单子类：普通照明用双端荧光灯、LED筒灯、普通照明用非定向自镇流LED灯" in out
    assert "打印机" not in out
