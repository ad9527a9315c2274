"""A plan whose own figures disagree: quantity × unit price vs amount per line, and a project's lines
vs its stated budget (CHK-003 warnings, exact to the cent, without a legal basis they do not have)."""
import json

import pytest
from click.testing import CliRunner

from checker.cli import main
from checker.findings import CHK_ARITHMETIC
from conftest import plan_bytes


def _arith(result):
    return [f for f in result.findings if f.rule_id == CHK_ARITHMETIC]


@pytest.mark.parametrize("quantity,unit_price,amount,flagged", [
    (30, 1500, 54000, True),          # the example: 30 × 1,500 = 45,000
    (30, 1500, 45000, False),
    (3, 0.1, 0.3, False),             # 0.30000000000000004 in floats: exact in decimals
    (3, 33.33, 99.99, False),
    (3, 33.33, 100.00, False),        # exactly one cent apart: within the tolerance
    (3, 33.33, 100.01, True),         # two cents apart
    (1, 1e13, 1e13, False),
])
def test_a_line_that_does_not_add_up_is_a_warning(checker, base_plan, quantity, unit_price, amount, flagged):
    base_plan["projects"][0]["items"][0].update(quantity=quantity, unit_price=unit_price, amount=amount)
    found = _arith(checker.check(plan_bytes(base_plan), "p.json"))
    assert bool(found) is flagged
    if flagged:
        (f,) = found
        assert f.severity == "warning" and f.pointer == "/projects/0/items/0" and f.legal_basis == ()
        assert "30 × 单价 1,500.00 元 = 45,000.00 元" in f.message["zh"] or quantity != 30


def test_a_project_budget_that_its_lines_do_not_reach_is_a_warning(checker, base_plan):
    project = base_plan["projects"][0]
    total = sum(i["amount"] for i in project["items"])
    project["budget"] = total
    assert _arith(checker.check(plan_bytes(base_plan), "p.json")) == []
    project["budget"] = total + 0.02
    (f,) = _arith(checker.check(plan_bytes(base_plan), "p.json"))
    assert f.pointer == "/projects/0" and f.line_id is None and "0.02" in f.message["en"]


def test_the_reports_say_there_is_no_legal_basis_rather_than_leave_it_blank(tmp_path, base_plan):
    base_plan["projects"][0]["items"][0].update(quantity=30, unit_price=1500, amount=54000)
    plan = tmp_path / "p.json"
    plan.write_text(json.dumps(base_plan, ensure_ascii=False), encoding="utf-8")
    text = CliRunner().invoke(main, ["check", str(plan)]).stdout
    assert "依据：无（这是对计划数据本身的核对或说明，不是法规要求）" in text and "需改进" in text
    doc = json.loads(CliRunner().invoke(main, ["check", str(plan), "--format", "json"]).stdout)
    (f,) = [f for f in doc["results"][0]["findings"] if f["rule_id"] == "CHK-003"]
    assert f["legal_basis"] == [] and f["values"] == {"quantity": 30, "unit_price": 1500, "amount": 54000}
