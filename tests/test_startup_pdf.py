"""The PDF report's speed measures (issue 16) keep its content: fixed column widths sized from the
values, and WeasyPrint's faster import that falls back to the usual one. Not timed (bench/pdf_bench.py)."""
import subprocess
import sys

import pytest

from conftest import ROOT
from checker.formatters import pdf


def plan(*items):
    return {"plans": [{"clean_items": [{"project_id": p, "line_id": ln, "amount_text": a} for p, ln, a in items]}]}


def test_column_widths_follow_the_longest_value_within_bounds():
    short = pdf.columns(plan(("P1", "1", "9.00")))
    assert short == {"project": 8, "line": 4, "amount": 8}                       # the lower bounds
    ids = pdf.columns(plan(("P1", "1", "9.00"), ("SZNS-2026-0031-01", "001", "1,245,000.00")))
    assert 17 < ids["project"] < 22 and ids["line"] == 4 and 9 < ids["amount"] < 14
    wide = pdf.columns(plan(("项目" * 30, "行" * 30, "9" * 40)))
    assert wide == {"project": 22, "line": 10, "amount": 18}                     # the upper bounds: they wrap
    assert pdf.columns({"plans": [{"errors": []}]}) == {"project": 8, "line": 4, "amount": 8}   # not checkable


def test_ideographs_count_wider_than_digits():
    assert pdf._ch("中文") == pytest.approx(3.7) and pdf._ch("00") == 2 and pdf._ch("A-") == pytest.approx(1.8)


def test_pdf_stylesheet_fixes_every_table_and_sizes_the_items_columns(tmp_path):
    from checker import templates
    from checker.formatters import _report
    from checker.api import get_checker
    checker = get_checker("national", None)
    result = checker.check((ROOT / "examples" / "office-equipment-compliant.json").read_bytes(), "x.json")
    r = _report.build([result], checker.run_meta([result], {"format": "pdf", "fail_on": "error", "lang": "zh",
                                                           "profile": "national"}, None, filing={}), "zh")
    html = templates.render("report.pdf.j2", True, r=r, lang="zh", cols=pdf.columns(r))
    assert "table { table-layout: fixed; }" in html
    cols = pdf.columns(r)
    assert f"table.items th:nth-child(1) {{ width: {cols['project']}ch; }}" in html
    for cls in ("items", "award", "share", "unverified-rows", "rules-fired", "lists-used"):
        assert f"table.{cls} " in html
    assert '<table class="resp items">' in html and "SZNS-2026-0031-01" in html


FALLBACK = r"""
import ctypes.util, sys
real = ctypes.util.find_library
class FailOnce:
    tries = 0
    def find_spec(self, name, path=None, target=None):
        if name == "weasyprint" and FailOnce.tries == 0:
            FailOnce.tries += 1
            assert ctypes.util.find_library("c") is None     # the fast path is on
            raise OSError("cannot load library 'libpango-1.0.so.0'")
        return None
sys.meta_path.insert(0, FailOnce())
from checker.formatters import pdf
wp = pdf._import_weasyprint()
assert FailOnce.tries == 1 and ctypes.util.find_library is real and wp.HTML
print("fell back")
"""


def test_weasyprint_import_falls_back_to_the_usual_search():
    r = subprocess.run([sys.executable, "-c", FALLBACK], cwd=ROOT, capture_output=True, text=True)
    assert r.returncode == 0 and r.stdout == "fell back\n", r.stderr
