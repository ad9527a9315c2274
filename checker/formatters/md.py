"""Markdown report from reports/report.md.j2."""
from .. import templates
from . import _report, _safe


def render(results, meta, lang="zh", color=False) -> str:
    return _safe.visible(templates.render("report.md.j2", False, r=_report.build(results, meta, lang), lang=lang))
