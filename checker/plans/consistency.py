"""Does a plan add up? Arithmetic the plan states about itself, checked exactly (Decimal).

* a line whose quantity × unit price differs from its amount by more than one cent (0.01 元);
* a project whose lines sum to something else than its stated ``budget`` (an optional field).

These are not duties of procurement law, so they are not rules with a legal basis: they are input
checks like CHK-000…002 (reserved id CHK-003, severity warning), saying that the plan's own figures
disagree, so that a budget officer corrects the table before anyone relies on its amounts.
"""
from __future__ import annotations

from decimal import Decimal

from ..findings import CHK_ARITHMETIC, Finding

CENT = Decimal("0.01")
# Below 10^12 a float product errs by less than 2.3e-4 (2^-52 relative), so lines whose quantity ×
# unit price and amount agree within 0.009 in floats agree within a cent exactly; the others, and
# every case near the one-cent boundary, are decided in Decimal.
_FLOAT_EXACT, _FLOAT_AGREES = 1e12, 0.009

_TITLE = {"zh": "金额与数量、单价或项目预算不一致", "en": "Amounts do not add up"}
_LINE = {"zh": "第 {line} 行 {name}：数量 {q} × 单价 {p} 元 = {product} 元，与所填金额 {amount} 元相差 {diff} 元。",
         "en": "Line {line} {name}: quantity {q} × unit price CNY {p} = CNY {product}, but the amount is CNY {amount} "
               "(a difference of CNY {diff})."}
_PROJECT = {"zh": "项目 {project} 各行金额合计 {total} 元，与所填项目预算 {budget} 元相差 {diff} 元。",
            "en": "The lines of project {project} add up to CNY {total}, but its stated budget is CNY {budget} "
                  "(a difference of CNY {diff})."}
_FIX_LINE = {"zh": "核对该行的数量、单价和金额，改正采购计划中填错的一项。",
             "en": "Check the line's quantity, unit price and amount, and correct the wrong one in the plan."}
_FIX_PROJECT = {"zh": "核对项目预算和各行金额，改正采购计划中填错的数字。",
                "en": "Check the project's budget and its lines' amounts, and correct the wrong figure in the plan."}


def _dec(x) -> Decimal:
    return Decimal(repr(x)) if isinstance(x, float) else Decimal(x)


def _money(d: Decimal) -> str:
    return f"{d.quantize(CENT):,.2f}"


def _num(d: Decimal) -> str:
    return format(d.normalize(), "f") if d == d.to_integral_value() else format(d, "f")


def findings(doc: dict, source: str, plan_id: str | None, langs) -> list:
    """CHK-003 warnings for a plan that passed schema validation."""
    out = []
    for pi, project in enumerate(doc["projects"]):
        for ii, item in enumerate(project["items"]):
            fq, fp, fa = item["quantity"], item["unit_price"], item["amount"]
            if abs(fq * fp) < _FLOAT_EXACT and abs(fq * fp - fa) < _FLOAT_AGREES:
                continue   # the common case, decided in floats without Decimal (see _FLOAT_AGREES)
            q, p, amount = _dec(fq), _dec(fp), _dec(fa)
            product = q * p
            diff = abs(product - amount)
            if diff > CENT:
                ctx = {"line": item["line_id"], "name": item["name"], "q": _num(q), "p": _money(p),
                       "product": _money(product), "amount": _money(amount), "diff": _money(diff)}
                out.append(_finding(source, f"/projects/{pi}/items/{ii}", plan_id, project["project_id"], item["line_id"],
                                    _LINE, _FIX_LINE, ctx, langs, (("quantity", item["quantity"]), ("unit_price", item["unit_price"]),
                                                                   ("amount", item["amount"]))))
        if "budget" in project:
            total = sum((_dec(item["amount"]) for item in project["items"]), Decimal(0))
            budget = _dec(project["budget"])
            diff = abs(total - budget)
            if diff > CENT:
                ctx = {"project": project["project_id"], "total": _money(total), "budget": _money(budget), "diff": _money(diff)}
                out.append(_finding(source, f"/projects/{pi}", plan_id, project["project_id"], None, _PROJECT, _FIX_PROJECT,
                                    ctx, langs, (("budget", project["budget"]), ("sum_of_amounts", float(total)))))
    return out


def _finding(source, pointer, plan_id, project_id, line_id, message, fix, ctx, langs, values) -> Finding:
    return Finding(source=source, pointer=pointer, rule_id=CHK_ARITHMETIC, severity="warning", title=_TITLE,
                   message={lang: message[lang].format(**ctx) for lang in langs}, remediation=fix, legal_basis=(),
                   plan_id=plan_id, project_id=project_id, line_id=line_id, values=values)
