"""Pictures of the bundled examples' reports for the README, made the same way every time.

    python3 examples/screenshot.py [--outdir examples]

- report.png: the HTML report in headless Chromium at 1200 px (desktop);
- report-390.png: the same at 390 px (a phone);
- report-pdf-N.png: the first pages of the PDF report (needs pdftoppm, Debian's poppler-utils);
- report-xlsx-N.png: the Excel report as LibreOffice prints it (`soffice --headless --convert-to
  pdf`, then pdftoppm; needs libreoffice-calc). LibreOffice is not needed in CI: a missing tool is
  reported and its pictures are skipped;
- template-N.png: the spreadsheet template (`lvcai template`) as LibreOffice prints it: the blank plan
  sheet's two pages (the plan's columns, then the life-cycle cost columns), the evaluation-factors
  sheet, then the example sheet.

SOURCE_DATE_EPOCH is set, so the check date in the pictures does not change from day to day.
"""
import argparse
import os
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "tests"))   # tests/browser.py: headless Chromium, a test helper
FILING = ["--report-no", "天财采检〔2026〕17号", "--organisation", "天河区财政局", "--prepared-by", "张敏", "--reviewed-by", "李华"]


def report(fmt, out):
    plans = sorted(str(p.relative_to(ROOT)) for p in (ROOT / "examples").glob("*.json"))
    env = dict(os.environ, SOURCE_DATE_EPOCH="1774000000")
    subprocess.run([sys.executable, "-m", "checker", "report", *plans, "--format", fmt, "--output", str(out), *FILING],
                   cwd=ROOT, check=False, env=env)


def pages(pdf, prefix, first=1, last=2, resolution=70, crop=None, pad=True):
    """PNG pages of ``pdf``; ``crop`` (x, y, width, height in pixels) keeps that part of each page."""
    if not shutil.which("pdftoppm"):
        print(f"pdftoppm not found (apt-get install poppler-utils): {prefix}-N.png skipped", file=sys.stderr)
        return
    size = [a for flag, v in zip(("-x", "-y", "-W", "-H"), crop) for a in (flag, str(v))] if crop else []
    subprocess.run(["pdftoppm", "-png", "-r", str(resolution), *size, "-f", str(first), "-l", str(last), str(pdf), str(prefix)],
                   check=True)
    if not pad:   # pdftoppm pads page numbers to the document's page count: keep the README's names
        for n in range(first, last + 1):
            for padded in (f"{prefix}-{n:02d}.png", f"{prefix}-{n:03d}.png"):
                if os.path.exists(padded):
                    os.replace(padded, f"{prefix}-{n}.png")


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--outdir", default=str(ROOT / "examples"))
    out = Path(ap.parse_args().outdir)
    from browser import chromium
    with tempfile.TemporaryDirectory() as tmp:
        tmp = Path(tmp)
        html = tmp / "report.html"
        report("html", html)
        for width, height, name in ((1200, 1500, "report.png"), (390, 1600, "report-390.png")):
            with chromium(width, height) as driver:
                driver.get(html.as_uri())
                driver.save_screenshot(str(out / name))
            print(out / name)
        report("pdf", tmp / "report.pdf")
        pages(tmp / "report.pdf", out / "report-pdf")
        report("xlsx", tmp / "report.xlsx")
        soffice = shutil.which("soffice") or shutil.which("libreoffice")
        if soffice:
            subprocess.run([soffice, "--headless", "--convert-to", "pdf", "--outdir", str(tmp), str(tmp / "report.xlsx")],
                           check=True, capture_output=True)
            pages(tmp / "report.pdf", out / "report-xlsx", 1, 3, pad=False)
            template = tmp / "template.xlsx"
            subprocess.run([sys.executable, "-m", "checker", "template", "--format", "xlsx", "-o", str(template)], cwd=ROOT, check=True)
            subprocess.run([soffice, "--headless", "--convert-to", "pdf", "--outdir", str(tmp), str(template)],
                           check=True, capture_output=True)
            pages(tmp / "template.pdf", out / "template", 1, 4, resolution=170, crop=(100, 150, 1880, 300))
        else:
            print("soffice not found (apt-get install libreoffice-calc): report-xlsx-N.png, template-N.png skipped", file=sys.stderr)


if __name__ == "__main__":
    main()
