"""Terminal output, grouped by plan, project and item, from reports/check.txt.j2."""
from __future__ import annotations

import click

from .. import i18n, templates
from . import _safe
from ..findings import SEVERITIES

_COLORS = {"error": "red", "warning": "yellow", "info": "cyan", "compliant": "green",
           "not_compliant": "red", "not_checkable": "magenta"}


def item_pointer(pointer: str) -> str:
    """/projects/P/items/I of a pointer at or inside an item."""
    return "/".join(pointer.split("/")[:5])


def view(result):
    """Group a result's findings: plan level, then per project its own and its items' findings."""
    groups = {"plan": [], "projects": []}
    if not result.checkable:
        return groups
    projects = {p["project_id"]: {"project": p, "findings": [], "items": {}} for p in result.meta["projects"]}
    order = list(projects)
    items = {i["pointer"]: i for i in result.meta["items"]}
    for f in result.findings:
        if f.project_id is None:
            groups["plan"].append(f)
        elif f.line_id is None:
            projects[f.project_id]["findings"].append(f)
        else:
            at = item_pointer(f.pointer)   # a finding may point inside its item (CHK-003: a field of it)
            projects[f.project_id]["items"].setdefault(at, {"item": items[at], "findings": []})["findings"].append(f)
    for pid in order:
        p = projects[pid]
        if p["findings"] or p["items"]:
            groups["projects"].append({"project": p["project"], "findings": p["findings"], "lines": list(p["items"].values())})
    return groups


def render(results, meta, lang="zh", color=False) -> str:
    def style(text, key):
        return click.style(text, fg=_COLORS.get(key), bold=key == "error") if color else text
    totals = {s: sum(r.counts()[s] for r in results) for s in reversed(SEVERITIES)}
    verdicts = {v: sum(1 for r in results if r.verdict() == v) for v in ("compliant", "not_compliant", "not_checkable")}
    def counts(mapping, sep):
        return sep.join(f"{i18n.label(k, lang)} {n}" for k, n in mapping.items())
    return _safe.encodable(templates.render("check.txt.j2", False, results=[(r, view(r)) for r in results], lang=lang,
                            style=style, totals=totals, verdicts=verdicts, meta=meta, counts=counts))
