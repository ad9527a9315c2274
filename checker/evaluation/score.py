"""The green score of a project and of a plan.

Project: the share of its applicable core and comprehensive criteria its evaluation scheme covers,
weighted by the profile's parameters green_score_core_weight (w_c) and
green_score_comprehensive_weight (w_p)::

    score = 100 × (w_c × covered_core / applicable_core + w_p × covered_comp / applicable_comp) / (w_c + w_p)

A level with no applicable criterion drops out of both sums. A project without applicable criteria,
or without evaluation factors (no scheme to judge), has no score.

Plan: the mean of its projects' scores weighted by the amount of each project's items in groups with
criteria::

    plan score = Σ score_p × amount_p / Σ amount_p   (projects with a score)
"""
from __future__ import annotations

CORE_WEIGHT = "green_score_core_weight"
COMP_WEIGHT = "green_score_comprehensive_weight"


def _r(x, n=1):
    return round(x + 0.0, n)


def project_score(analysis: dict, weights: dict) -> dict:
    """{score (0-100, one decimal, or None), reason when None, terms, weights}."""
    w = {"core": float(weights[CORE_WEIGHT]), "comprehensive": float(weights[COMP_WEIGHT])}
    counts = analysis["counts"]
    out = {"weights": w, "counts": counts, "score": None}
    if not analysis["groups"]:
        return dict(out, reason="no_criteria")
    if not analysis["factors_given"]:
        return dict(out, reason="no_factors")
    terms, num, den = [], 0.0, 0.0
    for level in ("core", "comprehensive"):
        c = counts[level]
        if c["applicable"] and w[level] > 0:
            share = c["covered"] / c["applicable"]
            num += w[level] * share
            den += w[level]
            terms.append({"level": level, "weight": w[level], "covered": c["covered"], "applicable": c["applicable"],
                          "share": _r(share, 4)})
    if den == 0:
        return dict(out, reason="no_weight", terms=terms)
    return dict(out, score=_r(100.0 * num / den), terms=terms)


def plan_score(projects: list) -> dict:
    """``projects``: [(project id, score dict, amount in groups)] → {score, weight_amount, projects}."""
    rows = [(pid, s["score"], a) for pid, s, a in projects if s["score"] is not None]
    weight = sum(a for _, _, a in rows)
    if not rows:
        return {"score": None, "amount": 0.0, "projects_scored": 0}
    if weight > 0:
        score = sum(s * a for _, s, a in rows) / weight
    else:   # every scored project's amount is 0: a plain mean
        score = sum(s for _, s, _ in rows) / len(rows)
    return {"score": _r(score), "amount": round(weight, 2), "projects_scored": len(rows)}


def evaluate(plan: dict, edition: str, groups: dict, weights: dict) -> dict:
    """The green evaluation of a plan: per project the scheme analysis and score, and the plan score."""
    from .scheme import analyse
    projects, rows = [], []
    for pi, project in enumerate(plan["projects"]):
        a = analyse(project, edition, groups)
        s = project_score(a, weights)
        amount = a["amount_in_groups"]
        projects.append({"pointer": f"/projects/{pi}", "project_id": project["project_id"], "name": project["name"],
                         **a, "score": s})
        rows.append((project["project_id"], s, amount))
    return {"projects": projects, "plan": plan_score(rows),
            "weights": {"core": float(weights[CORE_WEIGHT]), "comprehensive": float(weights[COMP_WEIGHT])}}
