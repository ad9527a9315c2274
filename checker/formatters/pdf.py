"""PDF report: reports/report.pdf.j2 rendered by WeasyPrint (A4, running header, page numbers).

CJK text needs a CJK font installed on the system (the README names fonts-wqy-microhei): without one
the PDF would show boxes, so a report with Chinese text is refused (exit 2) naming the package to
install. WeasyPrint
is imported only here, so the other formats work without it. No URL is fetched: the template has no
external resources, and a fetcher that refuses every URL makes sure of it.
"""
from __future__ import annotations

import re
import shutil
import subprocess

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


def render(results, meta, lang="zh", color=False) -> bytes:
    try:
        import weasyprint
    except (ImportError, OSError) as e:   # OSError: the Pango library is missing
        raise UsageError(f"PDF output needs WeasyPrint and Pango: {e}") from None
    # Control characters made visible: in the PDF's text they would make it unextractable.
    html = _safe.visible(templates.render("report.pdf.j2", True, r=_report.build(results, meta, lang), lang=lang))
    if _CJK.search(html) and not has_cjk_font():
        raise UsageError(NO_FONT.get(lang, NO_FONT["en"]))
    doc = weasyprint.HTML(string=html, url_fetcher=_no_fetch, base_url=".")
    return doc.write_pdf(uncompressed_pdf=False)
