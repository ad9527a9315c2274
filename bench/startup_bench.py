"""Benchmark of start-up: wall time of one `lvcai` command per process, now and before, in the
same run, alternating, and the imports that cost the most now.

    python bench/startup_bench.py                    # 7 rounds; baseline: the commit before the speed work
    python bench/startup_bench.py --rounds 15 --baseline main

Each command runs as the installed entry point does (`from checker.cli import main; main()`) in a
fresh interpreter, from the tree being measured. Both trees get what an installed package has:
compiled bytecode (a pycache of their own, filled by a first, untimed run) and, for this tree, the
cache of compiled templates (LVCAI_CACHE_DIR, filled by that first run too). The plan is a 100-line
plan (tests/service_helpers.make_plan). Printed: per command the median and best wall time before
and now and the ratio now ÷ before; then, per command, the five imports with the largest cumulative
time now (`python -X importtime`) and the heavy modules it loads; and, in fresh processes of this
tree, what building a checker costs part by part (imports, rule packs, shipped catalog, plan schema
compile, Checker, first check of the plan, text output).
"""
from __future__ import annotations

import argparse
import json
import os
import re
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "tests"))

from service_helpers import make_plan  # noqa: E402

BASELINE = "14264e7"   # main before issue 16's PDF and start-up work
ENTRY = "import sys; from checker.cli import main; sys.exit(main())"
HEAVY = ("fastapi", "starlette", "uvicorn", "pydantic", "weasyprint", "fontTools", "openpyxl", "jsonschema",
         "hypothesis", "httpx", "jinja2", "durable", "sqlite3", "jsonschema_rs")


def export(rev: str, into: Path) -> Path:
    archive = subprocess.run(["git", "-C", str(ROOT), "archive", rev], capture_output=True, check=True).stdout
    into.mkdir(parents=True)
    subprocess.run(["tar", "-x", "-C", str(into)], input=archive, check=True)
    return into


def env_for(tree: Path, work: Path) -> dict:
    env = {k: v for k, v in os.environ.items() if k != "PYTHONDONTWRITEBYTECODE"}
    env.update(PYTHONPYCACHEPREFIX=str(work / f"pyc-{tree.name}"), LVCAI_CACHE_DIR=str(work / f"cache-{tree.name}"),
               LVCAI_REGISTRY=str(work / "absent.sqlite"), SOURCE_DATE_EPOCH="1774000000", HOME=str(work))
    return env


def run(tree: Path, args: list[str], work: Path, extra=()) -> tuple[float, subprocess.CompletedProcess]:
    t = time.perf_counter()
    r = subprocess.run([sys.executable, *extra, "-c", ENTRY, *args], cwd=tree, capture_output=True,
                       env=env_for(tree, work))
    wall = time.perf_counter() - t
    if r.returncode not in (0, 1):
        raise SystemExit(f"{tree}: {' '.join(args)} exited {r.returncode}: {r.stderr.decode(errors='replace')[-1500:]}")
    return wall, r


def top_imports(stderr: str, n: int = 5):
    rows = []
    for line in stderr.splitlines():
        m = re.match(r"import time:\s+(\d+) \|\s+(\d+) \|( *)(\S+)", line)
        if m and len(m[3]) <= 1:    # top-level imports (the interpreter's own and the command's)
            rows.append((int(m[2]), m[4]))
    names = {m[2] for m in (re.match(r"import time:\s+\d+ \|\s+\d+ \|( *)(\S+)", ln) for ln in stderr.splitlines()) if m}
    heavy = sorted({x.split(".")[0] for x in names if x.split(".")[0] in HEAVY})
    return sorted(rows, reverse=True)[:n], heavy


PARTS = r"""
import json, sys, time
T = time.perf_counter
t = [T()]
def lap(): t.append(T()); return t[-1] - t[-2]
out = {}
from checker.cli import main
from checker import api
out["imports (cli, api)"] = lap()
from checker.policy.rulepacks import RulePacks
RulePacks(None); out["rule packs (rules/**/*.json)"] = lap()
from checker import refdata
for c in refdata.shipped_catalogs().values():
    refdata._read_catalog(str(c.path))
out["shipped catalog (catalog_2022.json)"] = lap()
from checker._jsonutil import fast_validator
fast_validator("plan"); out["plan schema compile (jsonschema-rs)"] = lap()
checker = api.get_checker("national", None); out["Checker (engine rulesets, lists, params)"] = lap()
data = open(sys.argv[1], "rb").read()
r = checker.check(data, "plan.json", langs=("zh",)); out["first check of the plan"] = lap()
from checker.formatters import FORMATTERS
FORMATTERS["text"]([r], checker.run_meta([r], {"format": "text", "fail_on": "error", "lang": "zh", "profile": "national"}, None), lang="zh")
out["text output (template from the cache)"] = lap()
print(json.dumps(out))
"""


def parts(plan: Path, work: Path, runs: int = 7) -> dict:
    got = []
    for _ in range(runs + 1):
        r = subprocess.run([sys.executable, "-c", PARTS, str(plan)], cwd=ROOT, capture_output=True, text=True,
                           env=env_for(ROOT, work))
        if r.returncode:
            raise SystemExit(r.stderr)
        got.append(json.loads(r.stdout))
    got = got[1:]       # the first filled the caches
    return {k: statistics.median(g[k] for g in got) for k in got[0]}


def main():
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--rounds", type=int, default=7)
    ap.add_argument("--baseline", default=BASELINE, help="git revision to compare with (default %(default)s)")
    args = ap.parse_args()
    with tempfile.TemporaryDirectory(prefix="lvcai-startup-bench-") as d:
        work = Path(d)
        before = export(args.baseline, work / "before")
        now = ROOT
        plan = work / "plan.json"
        plan.write_text(json.dumps(make_plan(1, lines=100, seed=7), ensure_ascii=False), encoding="utf-8")
        out = str(work / "out")
        commands = {
            "check PLAN (text)": ["check", str(plan), "-o", out],
            "check PLAN --format json": ["check", str(plan), "--format", "json", "-o", out],
            "report PLAN --format html": ["report", str(plan), "--format", "html", "-o", out],
            "rules list": ["rules", "list"],
            "--help": ["--help"],
        }
        for cmd in commands.values():       # fill both bytecode caches and the template cache
            run(before, cmd, work)
            run(now, cmd, work)
        print(f"lvcai start-up, one process per command, 100-line plan; {args.rounds} rounds, alternating; "
              f"{os.cpu_count()} CPUs; Python {sys.version.split()[0]}; before = {args.baseline}\n")
        times = {(c, w): [] for c in commands for w in ("before", "now")}
        for _ in range(args.rounds):
            for c, cmd in commands.items():
                for which, tree in (("before", before), ("now", now)):
                    times[(c, which)].append(run(tree, cmd, work)[0])
        print("| command | before (median, best) | now (median, best) | now ÷ before |")
        print("| --- | --- | --- | --- |")
        for c in commands:
            b, n = times[(c, "before")], times[(c, "now")]
            print(f"| `lvcai {c}` | {statistics.median(b) * 1000:.0f} ms, {min(b) * 1000:.0f} ms "
                  f"| {statistics.median(n) * 1000:.0f} ms, {min(n) * 1000:.0f} ms "
                  f"| {statistics.median(n) / statistics.median(b):.2f} |")
        print("\nLargest top-level imports now (cumulative, one run with -X importtime), and the heavy modules loaded:")
        for c, cmd in commands.items():
            _, r = run(now, cmd, work, extra=("-X", "importtime"))
            top, heavy = top_imports(r.stderr.decode(errors="replace"))
            print(f"- `lvcai {c}`: " + ", ".join(f"{name} {us / 1000:.0f} ms" for us, name in top)
                  + f"; loads {', '.join(heavy) or 'none of them'}")
        print("\nBuilding a checker, part by part (this tree, median of 7 fresh processes):\n")
        print("| part | ms |")
        print("| --- | --- |")
        for k, v in parts(plan, work).items():
            print(f"| {k} | {v * 1000:.1f} |")


if __name__ == "__main__":
    main()
