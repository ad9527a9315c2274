"""The Jinja2 environment over reports/: one place that sets escaping, filters and the catalogue."""
from __future__ import annotations

import json
from functools import lru_cache

import jinja2

from . import _paths, i18n
from .findings import basis_text


_MD_SPECIAL = str.maketrans({c: "\\" + c for c in "\\`*_[]|#"})


def md_escape(value) -> str:
    """Plan text made inert in Markdown: entities for <, >, &; backslashes before syntax; one line."""
    text = str(value).replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")
    return " ".join(text.translate(_MD_SPECIAL).splitlines())


@lru_cache(maxsize=None)
def environment(autoescape: bool) -> jinja2.Environment:
    env = jinja2.Environment(
        loader=jinja2.FileSystemLoader(str(_paths.reports_dir())),
        autoescape=autoescape, undefined=jinja2.StrictUndefined,
        trim_blocks=True, lstrip_blocks=True, keep_trailing_newline=True)
    env.filters["label"] = lambda value, lang: i18n.label(value, lang)
    env.filters["basis"] = basis_text
    env.filters["md"] = md_escape
    env.filters["json"] = lambda v: json.dumps(v, ensure_ascii=False)
    from .formatters import _safe   # here, not at the top: the formatters import this module
    env.filters["tx"] = _safe.terminal
    env.globals["t"] = i18n.text
    return env


def render(name: str, autoescape: bool, **context) -> str:
    return environment(autoescape).get_template(name).render(**context)
