"""Benchmark of `lvcai report --format pdf`: wall time of a 100-line plan's PDF, now and before, in
the same run, alternating, each in a fresh process (start-up, check, WeasyPrint import, layout, PDF).

    python bench/pdf_bench.py                      # 5 rounds; baseline: the commit before the speed work
    python bench/pdf_bench.py --rounds 9 --baseline main

The plans are tests/service_helpers.make_plan with 100 lines (their own codes, amounts and
requirements): number 1 is at plan stage (about 130 findings), number 3 at award stage with
certificates (about 150 findings and an award table over 15 pages). The baseline is the given git
revision, exported with `git archive` into a temporary directory and run from there the same way
(`python -m checker report PLAN --format pdf -o OUT`). Printed: median and best wall time of each,
the ratio now ÷ before, and the pages of each PDF (the same content should give about the same count).
"""
from __future__ import annotations

import argparse
import json
import os
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "tests"))

from service_helpers import make_plan  # noqa: E402

sys.path.insert(0, str(ROOT / "bench"))
from startup_bench import export  # noqa: E402  (a commit's tree, exported with git archive)

BASELINE = "14264e7"   # main before issue 16's PDF and start-up work


def run(tree: Path, plan: Path, out: Path) -> float:
    env = dict(os.environ, SOURCE_DATE_EPOCH="1774000000", PYTHONDONTWRITEBYTECODE="1")
    t = time.perf_counter()
    r = subprocess.run([sys.executable, "-m", "checker", "report", str(plan), "--format", "pdf", "-o", str(out)],
                       cwd=tree, capture_output=True, env=env)
    wall = time.perf_counter() - t
    if r.returncode not in (0, 1) or not out.read_bytes().startswith(b"%PDF"):
        raise SystemExit(f"{tree}: report exited {r.returncode}: {r.stderr.decode(errors='replace')[-2000:]}")
    return wall


def pages(pdf: Path) -> int:
    from pypdf import PdfReader
    return len(PdfReader(pdf).pages)


def findings(plan: Path) -> int:
    r = subprocess.run([sys.executable, "-m", "checker", "check", str(plan), "--format", "json"], cwd=ROOT,
                       capture_output=True)
    return sum(len(x["findings"]) for x in json.loads(r.stdout)["results"])


def main():
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--rounds", type=int, default=5)
    ap.add_argument("--baseline", default=BASELINE, help="git revision to compare with (default %(default)s)")
    args = ap.parse_args()
    with tempfile.TemporaryDirectory(prefix="lvcai-pdf-bench-") as d:
        d = Path(d)
        before = export(args.baseline, d / "before")
        plans = {}
        for i, label in ((1, "plan stage"), (3, "award stage")):
            p = d / f"plan-{i}.json"
            p.write_text(json.dumps(make_plan(i, lines=100, seed=7), ensure_ascii=False), encoding="utf-8")
            plans[label] = p
        print(f"PDF of a 100-line plan; {args.rounds} rounds, alternating; {os.cpu_count()} CPUs; "
              f"Python {sys.version.split()[0]}; before = {args.baseline}")
        times = {(label, which): [] for label in plans for which in ("before", "now")}
        for _ in range(args.rounds):
            for label, plan in plans.items():
                for which, tree in (("before", before), ("now", ROOT)):
                    times[(label, which)].append(run(tree, plan, d / f"{which}.pdf"))
        print("\n| plan | findings | pages before / now | before (median, best) | now (median, best) | now ÷ before |")
        print("| --- | --- | --- | --- | --- | --- |")
        for label, plan in plans.items():
            run(before, plan, d / "b.pdf")
            run(ROOT, plan, d / "n.pdf")
            b, n = times[(label, "before")], times[(label, "now")]
            print(f"| {label} | {findings(plan)} | {pages(d / 'b.pdf')} / {pages(d / 'n.pdf')} "
                  f"| {statistics.median(b):.2f} s, {min(b):.2f} s | {statistics.median(n):.2f} s, {min(n):.2f} s "
                  f"| {statistics.median(n) / statistics.median(b):.2f} |")


if __name__ == "__main__":
    main()
