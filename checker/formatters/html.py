"""HTML report from reports/report.html.j2 (autoescape on: everything from a plan is escaped)."""
from .. import templates
from . import _report


def render(results, meta, lang="zh", color=False) -> str:
    return templates.render("report.html.j2", True, r=_report.build(results, meta, lang), lang=lang)
