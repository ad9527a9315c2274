"""PDF report: reports/report.pdf.j2 rendered by WeasyPrint (A4, running header, page numbers).

CJK text needs a CJK font installed on the system (the README names fonts-wqy-microhei). WeasyPrint
is imported only here, so the other formats work without it. No URL is fetched: the template has no
external resources, and a fetcher that refuses every URL makes sure of it.
"""
from __future__ import annotations

from .. import templates
from ..errors import UsageError
from . import _report, _safe


def _no_fetch(url, timeout=10, ssl_context=None):
    raise ValueError(f"lvcai reports fetch nothing: {url}")


def render(results, meta, lang="zh", color=False) -> bytes:
    try:
        import weasyprint
    except (ImportError, OSError) as e:   # OSError: the Pango library is missing
        raise UsageError(f"PDF output needs WeasyPrint and Pango: {e}") from None
    # Control characters made visible: in the PDF's text they would make it unextractable.
    html = _safe.visible(templates.render("report.pdf.j2", True, r=_report.build(results, meta, lang), lang=lang))
    doc = weasyprint.HTML(string=html, url_fetcher=_no_fetch, base_url=".")
    return doc.write_pdf(uncompressed_pdf=False)
