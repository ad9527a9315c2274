"""The README's pictures of `lvcai serve`: the upload page and a statistics page, in headless Chromium.

    python examples/serve_screenshots.py        # writes examples/serve-upload.png and examples/serve-stats.png

A temporary registry gets the example certificates (rules/examples/registry/certificates.csv) and two
recorded rounds of generated plans (tests/service_helpers.make_plan; some awards cite the registry's
certificates), then `lvcai serve` runs on a free loopback port and Chromium takes the pictures.
"""
from __future__ import annotations

import json
import subprocess
import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "tests"))

from browser import chromium  # noqa: E402
from service_helpers import make_plan, server  # noqa: E402


def lvcai(*args, env=None):
    subprocess.run([sys.executable, "-m", "checker", *map(str, args)], cwd=ROOT, check=False, capture_output=True, env=env)


def main():
    import os
    with tempfile.TemporaryDirectory(prefix="lvcai-shots-") as d:
        d = Path(d)
        reg = d / "registry.sqlite"
        env = {**os.environ, "LVCAI_REGISTRY": str(reg)}
        lvcai("registry", "import", "certificates", ROOT / "rules/examples/registry/certificates.csv", env=env)
        for rnd, year, base in (("2025-R1", 2025, 0), ("2026-R1", 2026, 100)):
            pdir = d / rnd
            pdir.mkdir()
            for i in range(base, base + 40):
                doc = make_plan(i, lines=6, seed=3)
                doc["stage"] = "award" if i % 3 else "plan"
                doc["date"] = f"{year}{doc['date'][4:]}"
                for n, item in enumerate(doc["projects"][0]["items"]):
                    item.pop("award", None)
                    if doc["stage"] == "award":
                        certs = []
                        if (i + n) % 4:
                            certs.append({"type": "energy_saving", "number": "CQC-ES-0001", "valid_until": "2028-01-01"})
                        if (i + n) % 3:
                            certs.append({"type": "environmental_label", "number": "CEC-EL-0001", "valid_until": "2028-01-01"})
                        item["award"] = {"supplier": {"name": "示例供应商有限公司"}, "brand": "示例", "model": "D100",
                                         "certificates": certs}
                (pdir / f"plan-{i:03d}.json").write_text(json.dumps(doc, ensure_ascii=False), encoding="utf-8")
            lvcai("batch", pdir, "-d", d / f"out-{rnd}", "--record", "--round", rnd, "--round-date", f"{year}-12-31",
                  "--jobs", "2", env=env)
        with server("--registry", str(reg)) as url, chromium(1200, 900) as driver:
            driver.get(f"{url}/")
            driver.save_screenshot(str(ROOT / "examples" / "serve-upload.png"))
            driver.set_window_size(1200, 1300)
            driver.get(f"{url}/stats/index.html")
            driver.save_screenshot(str(ROOT / "examples" / "serve-stats.png"))
    print("examples/serve-upload.png, examples/serve-stats.png")


if __name__ == "__main__":
    main()
