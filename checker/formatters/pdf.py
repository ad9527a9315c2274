"""PDF report: reports/report.pdf.j2 rendered by WeasyPrint (A4, running header, page numbers).

CJK text needs a CJK font installed on the system (the README names fonts-wqy-microhei): without one
the PDF would show boxes, so a report with Chinese text is refused (exit 2) naming the package to
install. WeasyPrint
is imported only here, so the other formats work without it. No URL is fetched: the template has no
external resources, and a fetcher that refuses every URL makes sure of it.
"""
from __future__ import annotations

import contextlib
import io
import re
import shutil
import subprocess
import sys
import threading
import unicodedata

from .. import templates
from ..errors import UsageError
from . import _report, _safe


def _no_fetch(url, timeout=10, ssl_context=None):
    raise ValueError(f"lvcai reports fetch nothing: {url}")


_CJK = re.compile("[\u3400-\u9fff\uf900-\ufaff]")
#: What to install when no CJK font is there (Debian and Ubuntu package names).
FONT_PACKAGES = "fonts-wqy-microhei (or fonts-noto-cjk)"
NO_FONT = {
    "zh": "PDF 报告含中文，但本机没有中文字体，生成的 PDF 会把汉字显示为方框。请先安装中文字体："
          "apt-get install " + FONT_PACKAGES + "，或改用 --format html。",
    "en": "the PDF report has Chinese text but no Chinese (CJK) font is installed, so its characters would print "
          "as boxes; install one first: apt-get install " + FONT_PACKAGES + ", or use --format html.",
}


def has_cjk_font() -> bool:
    """True when fontconfig (which WeasyPrint's Pango uses) knows a font covering Chinese; True as
    well when fc-list is not there to ask (then WeasyPrint itself would not find fonts that way)."""
    fc_list = shutil.which("fc-list")
    if fc_list is None:
        return True
    try:
        out = subprocess.run([fc_list, ":lang=zh", "family"], capture_output=True, text=True, timeout=30).stdout
    except (OSError, subprocess.SubprocessError):
        return True
    return bool(out.strip())


_IMPORTING = threading.Lock()


def _import_weasyprint():
    """``import weasyprint``, about 0.15 s sooner on Linux. WeasyPrint opens Pango and its companions
    by trying several names per library, and cffi hands every name that is not a file to
    ``ctypes.util.find_library``, which runs gcc, ldconfig and ld in subprocesses: 22 of them before
    the names that work (``libpango-1.0.so.0``, ...), which the dynamic loader opens by itself. So,
    on Linux only, the first try skips that search (the same libraries are opened, by their sonames);
    should that fail (an unusual installation), the import is done again the usual way."""
    if not sys.platform.startswith("linux"):
        import weasyprint
        return weasyprint
    with _IMPORTING:        # the service renders in threads: one first import, one patch at a time
        if "weasyprint" in sys.modules:
            import weasyprint
            return weasyprint
        import ctypes.util
        search = ctypes.util.find_library
        ctypes.util.find_library = lambda name: None
        try:
            with contextlib.redirect_stdout(io.StringIO()):   # WeasyPrint prints advice when a library fails
                import weasyprint
            return weasyprint
        except OSError:
            for name in [m for m in sys.modules if m == "weasyprint" or m.startswith("weasyprint.")]:
                del sys.modules[name]
        finally:
            ctypes.util.find_library = search
        import weasyprint
        return weasyprint


def _ch(text: str) -> float:
    """About how wide ``text`` is in ``ch`` (the width of a "0" in the report's font, WenQuanYi Micro
    Hei: "0" 0.55 em, 中 1 em, N 0.73 em, "-" 0.32 em)."""
    return sum(1.85 if unicodedata.east_asian_width(c) in "WF" else 1.2 if c.isupper() else 0.6 if c in " -.,/:" else 1.0
               for c in text)


def columns(r) -> dict:
    """Widths (in ch) of the columns of the untroubled lines' table whose values do not wrap well
    (project, line, amount): as wide as their longest value, within bounds, as an automatic table
    layout would make them, but from the text's length instead of measuring every cell."""
    items = [i for p in r["plans"] for i in p.get("clean_items", ())]
    def width(key, low, high):
        return round(min(high, max([low] + [_ch(str(i[key])) + 1 for i in items])), 1)
    return {"project": width("project_id", 8, 22), "line": width("line_id", 4, 10), "amount": width("amount_text", 8, 18)}


def render(results, meta, lang="zh", color=False) -> bytes:
    try:
        weasyprint = _import_weasyprint()
    except (ImportError, OSError) as e:   # OSError: the Pango library is missing
        raise UsageError(f"PDF output needs WeasyPrint and Pango: {e}") from None
    r = _report.build(results, meta, lang)
    # Control characters made visible: in the PDF's text they would make it unextractable.
    html = _safe.visible(templates.render("report.pdf.j2", True, r=r, lang=lang, cols=columns(r)))
    if _CJK.search(html) and not has_cjk_font():
        raise UsageError(NO_FONT.get(lang, NO_FONT["en"]))
    doc = weasyprint.HTML(string=html, url_fetcher=_no_fetch, base_url=".")
    return doc.write_pdf(uncompressed_pdf=False)
