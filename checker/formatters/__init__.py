"""Output formats: pure functions ``render(results, meta, lang, color=False) -> str | bytes``.

``meta`` is the run's provenance (``Checker.provenance()`` plus inputs and options); nothing here
sees the engine, and nothing reads the clock.
"""
from . import html, json_, md, pdf, text, xlsx

FORMATTERS = {"text": text.render, "json": json_.render, "html": html.render, "md": md.render,
              "pdf": pdf.render, "xlsx": xlsx.render}
#: Formats that are bytes and go to a file (--output), never to a terminal.
BINARY = frozenset({"pdf", "xlsx"})
#: Formats of `lvcai report`.
REPORT_FORMATS = ("html", "pdf", "md", "xlsx")
