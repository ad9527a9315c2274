"""Output formats: pure functions ``render(results, meta, lang, color=False) -> str | bytes``.

``meta`` is the run's provenance (``Checker.provenance()`` plus inputs and options); nothing here
sees the engine, and nothing reads the clock.

A format's module is imported when the format is first used, not with this package: `lvcai check
--format json` need not load Jinja, WeasyPrint or openpyxl (issue 16, start-up).
"""
from importlib import import_module

_MODULES = {"text": "text", "json": "json_", "html": "html", "md": "md", "pdf": "pdf", "xlsx": "xlsx"}


def _lazy(module: str):
    def render(results, meta, lang="zh", color=False):
        return import_module(f"{__name__}.{module}").render(results, meta, lang=lang, color=color)
    render.__name__ = render.__qualname__ = f"{module}.render"
    return render


FORMATTERS = {fmt: _lazy(module) for fmt, module in _MODULES.items()}
#: Formats that are bytes and go to a file (--output), never to a terminal.
BINARY = frozenset({"pdf", "xlsx"})
#: Formats of `lvcai report`.
REPORT_FORMATS = ("html", "pdf", "md", "xlsx")
