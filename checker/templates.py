"""The Jinja2 environment over reports/: one place that sets escaping, filters and the catalogue."""
from __future__ import annotations

import json
import re
from functools import lru_cache

import jinja2

from . import _paths, i18n
from .findings import basis_text


# Backslash-escaped: every ASCII punctuation CommonMark or GFM gives a meaning inline (code spans,
# emphasis, links and images, tables, strikethrough, headings) and the escape character itself.
_MD_SPECIAL = str.maketrans({c: "\\" + c for c in "\\`*_[]|#~"})
_BACKTICKS = re.compile("`+")


def _one_line(text: str) -> str:
    """Control characters shown as escapes (formatters/_safe), then line breaks as spaces: a value
    never starts a Markdown line, so it can never start a block (heading, list, table row, HTML)."""
    from .formatters import _safe
    return " ".join(_safe.visible(text).splitlines())


def md_escape(value) -> str:
    """Plan or waiver text made inert in Markdown text and table cells: entities for <, >, & (no raw
    HTML, no autolink, no entity of the plan's own), backslashes before syntax, one line."""
    text = str(value).replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")
    return _one_line(text.translate(_MD_SPECIAL))


def md_code(value) -> str:
    """Plan or waiver text as a Markdown code span (literal, shown as code): fenced with one more
    backtick than its longest run of backticks, padded with a space when it starts or ends with a
    backtick or a space (CommonMark strips one space from each side). Not for table cells, where GFM
    splits at a | even inside a code span: use md_escape there."""
    text = _one_line(str(value))
    if not text:
        return ""
    fence = "`" * (max((len(run) for run in _BACKTICKS.findall(text)), default=0) + 1)
    pad = " " if text[0] in "` " or text[-1] in "` " else ""
    return f"{fence}{pad}{text}{pad}{fence}"


class _CompiledTemplates(jinja2.FileSystemBytecodeCache):
    """Jinja's cache of compiled templates, which cannot go stale: each entry carries the SHA-1 of
    its template's source and Jinja's and Python's bytecode versions, and is compiled again when
    they differ (jinja2.bccache.Bucket). Compiling check.txt.j2 took about 70 ms of each `lvcai
    check`. A cache that cannot be written (read-only home, full disk) is simply not used, and a
    damaged entry is compiled again."""

    def dump_bytecode(self, bucket):
        try:
            super().dump_bytecode(bucket)
        except OSError:
            pass

    def load_bytecode(self, bucket):
        """A damaged entry (cut short, overwritten) is compiled again like a changed template."""
        try:
            super().load_bytecode(bucket)
        except Exception:   # OSError, EOFError, pickle's and marshal's errors: Jinja guards only marshal
            bucket.reset()


def _bytecode_cache(autoescape: bool):
    """$LVCAI_CACHE_DIR, else $XDG_CACHE_HOME/lvcai or ~/.cache/lvcai; one directory per Jinja version
    and escaping (the compiled code depends on both); None (no cache) when it cannot be made, or when
    LVCAI_CACHE_DIR is set to the empty string."""
    import os
    base = os.environ.get("LVCAI_CACHE_DIR")
    if base == "":
        return None
    if base is None:
        base = os.path.join(os.environ.get("XDG_CACHE_HOME") or os.path.join(os.path.expanduser("~"), ".cache"), "lvcai")
    directory = os.path.join(base, f"jinja-{jinja2.__version__}-{'escaped' if autoescape else 'plain'}")
    try:
        os.makedirs(directory, exist_ok=True)
    except OSError:
        return None
    return _CompiledTemplates(directory)


@lru_cache(maxsize=None)
def environment(autoescape: bool) -> jinja2.Environment:
    env = jinja2.Environment(
        loader=jinja2.FileSystemLoader(str(_paths.reports_dir())),
        autoescape=autoescape, undefined=jinja2.StrictUndefined,
        trim_blocks=True, lstrip_blocks=True, keep_trailing_newline=True,
        bytecode_cache=_bytecode_cache(autoescape))
    env.filters["label"] = lambda value, lang: i18n.label(value, lang)
    env.filters["basis"] = basis_text
    env.filters["md"] = md_escape
    env.filters["mdcode"] = md_code
    env.filters["json"] = lambda v: json.dumps(v, ensure_ascii=False)
    from .formatters import _safe   # here, not at the top: the formatters import this module
    env.filters["tx"] = _safe.terminal
    env.globals["t"] = i18n.text
    return env


def render(name: str, autoescape: bool, **context) -> str:
    return environment(autoescape).get_template(name).render(**context)
