"""Output formats: pure functions ``render(results, meta, lang, color=False) -> str``.

``meta`` is the run's provenance (``Checker.provenance()`` plus inputs and options); nothing here
sees the engine, and nothing reads the clock.
"""
from . import json_, text

FORMATTERS = {"text": text.render, "json": json_.render}
