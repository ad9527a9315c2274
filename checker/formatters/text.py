"""Terminal output from reports/check.txt.j2, laid out from the report's content model (_report)."""
from __future__ import annotations

import click

from .. import templates
from . import _report, _safe

_COLORS = {"error": "red", "warning": "yellow", "info": "cyan", "compliant": "green", "needs_improvement": "yellow",
           "not_compliant": "red", "not_checkable": "magenta"}


def render(results, meta, lang="zh", color=False) -> str:
    def style(text, key):
        return click.style(text, fg=_COLORS.get(key), bold=key in ("error", "not_compliant")) if color else text
    return _safe.encodable(templates.render("check.txt.j2", False, r=_report.build(results, meta, lang), lang=lang,
                                            style=style, explain=bool(meta["options"].get("explain"))))
