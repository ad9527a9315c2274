"""Render the bundled examples' HTML report in headless Chromium and save a PNG for the README.

    python3 examples/screenshot.py [--output examples/report.png]
"""
import argparse
import subprocess
import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "tests"))   # tests/browser.py: headless Chromium, a test helper


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--output", default=str(ROOT / "examples" / "report.png"))
    args = ap.parse_args()
    from browser import chromium
    with tempfile.TemporaryDirectory() as tmp:
        html = Path(tmp) / "report.html"
        plans = sorted(str(p.relative_to(ROOT)) for p in (ROOT / "examples").glob("*.json"))
        subprocess.run([sys.executable, "-m", "checker", "report", *plans, "--format", "html", "--output", str(html)],
                       cwd=ROOT, check=False)
        with chromium(1200, 1500) as driver:
            driver.get(html.as_uri())
            driver.save_screenshot(args.output)
    print(args.output)


if __name__ == "__main__":
    main()
