"""Waivers: approved exceptions, reported and never silent.

A waiver matches a finding by rule id, plan id and place (the JSON pointer, or the line id with an
optional project id); its expiry is compared with the plan's date, never today's. A matching waiver
in force marks the finding ``waived`` (it stays in every output and is counted apart); an expired
one leaves the finding open and adds a WVR-001 finding about the expiry; a waiver for a checked plan
that matches nothing adds a WVR-002 finding. Plans that could not be checked have no findings, so
no waiver applies to them.
"""
from __future__ import annotations

import dataclasses
import hashlib
from pathlib import Path

from ._jsonutil import load_user_file
from .findings import Finding

WAIVER_EXPIRED, WAIVER_UNUSED = "WVR-001", "WVR-002"

_TEXT = {
    WAIVER_EXPIRED: {
        "title": {"zh": "豁免已过期", "en": "Waiver expired"},
        "message": {"zh": "{rule_id} 的豁免（批准人 {approver}，批准文号 {approval_ref}）已于 {expires} 到期，早于计划日期 {date}；该问题重新生效。",
                    "en": "The waiver of {rule_id} (approved by {approver}, {approval_ref}) expired on {expires}, "
                          "before the plan date {date}; the finding applies again."},
        "remediation": {"zh": "重新审批豁免或整改该问题。", "en": "Renew the waiver's approval or fix the finding."},
        "severity": "warning"},
    WAIVER_UNUSED: {
        "title": {"zh": "豁免未匹配任何问题", "en": "Waiver matches no finding"},
        "message": {"zh": "{rule_id} 在 {place} 的豁免（批准文号 {approval_ref}）未匹配任何问题。",
                    "en": "The waiver of {rule_id} at {place} ({approval_ref}) matches no finding."},
        "remediation": {"zh": "核对豁免的规则编号和位置，或删除不再需要的豁免。", "en": "Check the waiver's rule id and place, or remove it."},
        "severity": "info"},
}


def source(path) -> dict:
    """How outputs cite a waiver file (and batch keys its cache): name, SHA-256, count."""
    data = Path(path).read_bytes()
    return {"file": Path(path).name, "sha256": hashlib.sha256(data).hexdigest(), "count": len(load(path))}


def load(path) -> list:
    """The waivers of a file; a malformed file raises DataError naming the file and place."""
    return load_user_file(path, "waivers")["waivers"]


def for_no_plan(waivers, results) -> list:
    """The waivers whose plan is not among the checked ``results`` (reported apart: no plan to attach
    a WVR-002 finding to)."""
    checked = {r.plan_id for r in results if r.checkable}
    return [w for w in waivers if w["plan_id"] not in checked]


def _matches(w, f) -> bool:
    if w["rule_id"] != f.rule_id:
        return False
    if "pointer" in w:
        return w["pointer"] == f.pointer
    return w["line_id"] == f.line_id and w.get("project_id", f.project_id) == f.project_id


def _note(code, f_like, ctx, lang_msgs=("zh", "en")):
    t = _TEXT[code]
    return Finding(source=f_like["source"], pointer=f_like["pointer"], rule_id=code, severity=t["severity"],
                   title=t["title"], message={lang: t["message"][lang].format(**ctx) for lang in lang_msgs},
                   remediation=t["remediation"], legal_basis=(), plan_id=f_like["plan_id"],
                   project_id=f_like.get("project_id"), line_id=f_like.get("line_id"),
                   values=tuple(sorted(ctx.items())))


def apply(result, waivers):
    """The result with its waivers applied (a new PlanResult; findings are never edited in place)."""
    if not waivers or not result.checkable:
        return result
    mine = [w for w in waivers if w["plan_id"] == result.plan_id]
    if not mine:
        return result
    date = result.meta["date"]
    langs = tuple(next(iter(result.findings)).message) if result.findings else ("zh", "en")
    used = set()
    out, extra = [], []
    for f in result.findings:
        hit = next(((i, w) for i, w in enumerate(mine) if _matches(w, f)), None)
        if hit is None:
            out.append(f)
            continue
        i, w = hit
        used.add(i)
        record = {k: w[k] for k in ("justification", "approver", "approval_ref", "expires")}
        if w["expires"] >= date:
            out.append(dataclasses.replace(f, status="waived", waiver=record))
        else:
            out.append(dataclasses.replace(f, waiver=dict(record, expired=True)))
            extra.append(_note(WAIVER_EXPIRED, {"source": f.source, "pointer": f.pointer, "plan_id": f.plan_id,
                                                "project_id": f.project_id, "line_id": f.line_id},
                               {"rule_id": w["rule_id"], "approver": w["approver"], "approval_ref": w["approval_ref"],
                                "expires": w["expires"], "date": date}, langs))
    for i, w in enumerate(mine):
        if i not in used:
            place = w.get("pointer") or f"line {w['line_id']}"
            extra.append(_note(WAIVER_UNUSED, {"source": result.source, "pointer": w.get("pointer", ""), "plan_id": result.plan_id},
                               {"rule_id": w["rule_id"], "place": place, "approval_ref": w["approval_ref"]}, langs))
    findings = tuple(sorted(out + extra, key=Finding.sort_key))
    return dataclasses.replace(result, findings=findings)
