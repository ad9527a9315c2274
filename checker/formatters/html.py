"""HTML report from reports/report.html.j2 (autoescape on: everything from a plan is escaped; control
characters in it are shown visibly, see _safe)."""
from .. import templates
from . import _report, _safe


def render(results, meta, lang="zh", color=False) -> str:
    return _safe.visible(templates.render("report.html.j2", True, r=_report.build(results, meta, lang), lang=lang))
