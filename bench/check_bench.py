"""Benchmark of the single-process check path: line items/s and peak RSS.

    python bench/check_bench.py                 # 10k and 100k items
    python bench/check_bench.py --items 50000   # other sizes
    python bench/check_bench.py --big 100000    # one plan of 100,000 items through `lvcai check --format json`
    python bench/check_bench.py --big 100000 --baseline /path/to/other/tree   # the same, alternating with another tree

Synthetic plans of 100 items are drawn over real codes: every 2022 code of the bundled lists, plus
off-list codes from the shipped 2022 catalog (rules/catalogs/). Requirements
and evaluations are drawn so that a realistic share of items and projects make rules fire. Each size
runs in a fresh process (so peak RSS is that size's own), and reports the time of the parts:
parse + schema validation + facts + engine + findings (``check``), and JSON rendering.

``--big N`` writes ONE plan of N items, in three shares of items with a finding (none, half, every
item: a mandatory-list code whose certificate the plan does not require is an error), and runs the
installed command on it, ``python -m checker check PLAN --format json -o OUT`` in a fresh process:
wall time and the peak RSS of that process (its own VmHWM, see _WRAP). ``--baseline TREE`` runs the same
command from another source tree (a checkout of an earlier commit) alternately, so both are measured
under the same load and compared as ratios.
"""
from __future__ import annotations

import argparse
import json
import random
import resource
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))


def codes():
    listed = sorted({c for p in (ROOT / "rules" / "lists").glob("*_20*.json")
                     for r in json.loads(p.read_text(encoding="utf-8"))["rows"] for c in r["codes_2022"]})
    catalog = json.loads((ROOT / "rules" / "catalogs" / "catalog_2022.json").read_text(encoding="utf-8"))
    other = [code for code, _name, level, *_ in catalog["rows"] if level == 4 and code not in listed]
    return listed, other


def make_plans(n_items, per_plan=100, seed=7):
    rng = random.Random(seed)
    listed, other = codes()
    reqs = ["required", "preferred", "none"]
    plans = []
    for p in range(max(1, n_items // per_plan)):
        items = []
        for i in range(per_plan):
            code = rng.choice(listed) if rng.random() < 0.6 else rng.choice(other)
            q, price = rng.randint(1, 50), round(rng.uniform(50, 20000), 2)
            items.append({"line_id": str(i + 1), "category_code": code, "name": f"物品{i}", "quantity": q,
                          "unit_price": price, "amount": round(q * price, 2),
                          "green_requirements": {"energy_saving": rng.choice(reqs), "environmental_label": rng.choice(reqs)}})
        ev = rng.choice([{"method": "comprehensive_scoring", "price_weight": rng.choice([30, 40, 25]), "green_bonus_points": rng.choice([2, 3, 8])},
                         {"method": "lowest_price", "green_price_deduction_pct": rng.choice([2, 3])}])
        plans.append(json.dumps({"plan_id": f"B-{p}", "date": "2026-03-01", "catalog_edition": "2022",
                                 "agency": {"name": f"单位{p % 37}", "region": "440300"},
                                 "projects": [{"project_id": "P1", "name": "项目", "procurement_method": "公开招标",
                                               "evaluation": ev, "items": items}]}, ensure_ascii=False).encode())
    return plans


def run_one(n_items):
    from checker.api import Checker
    from checker.formatters import json_
    plans = make_plans(n_items)
    t0 = time.perf_counter()
    checker = Checker("national")
    t1 = time.perf_counter()
    results = []
    findings = 0
    for i, data in enumerate(plans):
        r = checker.check(data, f"plan-{i}.json", langs=("zh",))
        findings += len(r.findings)
        results.append(r)
    t2 = time.perf_counter()
    json_.render(results, checker.run_meta(results, {}), "zh")
    t3 = time.perf_counter()
    items = len(plans) * 100
    return {"items": items, "plans": len(plans), "findings": findings, "startup_s": round(t1 - t0, 3),
            "check_s": round(t2 - t1, 3), "render_json_s": round(t3 - t2, 3),
            "items_per_s": round(items / (t3 - t1)), "check_items_per_s": round(items / (t2 - t1)),
            "peak_rss_mb": round(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024, 1)}


def big_plan(n_items, finding_share, seed=5):
    """One plan of ``n_items`` items; about ``finding_share`` of them break a rule (a mandatory-list
    code without the certificate required), the others are off-list codes that break none."""
    rng = random.Random(seed)
    lists = [json.loads(p.read_text(encoding="utf-8")) for p in (ROOT / "rules" / "lists").glob("*_20*.json")]
    mandatory = sorted({c for d in lists for r in d["rows"] if r["obligation"] == "mandatory" for c in r["codes_2022"]})
    _listed, other = codes()
    items = []
    for i in range(n_items):
        bad = rng.random() < finding_share
        code = rng.choice(mandatory) if bad else rng.choice(other)
        q, price = rng.randint(1, 50), round(rng.uniform(50, 20000), 2)
        items.append({"line_id": str(i + 1), "category_code": code, "name": f"物品{i}", "quantity": q,
                      "unit_price": price, "amount": round(q * price, 2),
                      "green_requirements": {"energy_saving": "none" if bad else "required",
                                             "environmental_label": "none" if bad else "required"}})
    return json.dumps({"plan_id": "BIG-1", "date": "2026-03-01", "catalog_edition": "2022",
                       "agency": {"name": "单位", "region": "440300"},
                       "projects": [{"project_id": "P1", "name": "项目", "procurement_method": "公开招标",
                                     "evaluation": {"method": "comprehensive_scoring", "price_weight": 30, "green_bonus_points": 2},
                                     "items": items}]}, ensure_ascii=False).encode()


#: Runs ``python -m checker`` and, at exit, writes the process's own peak RSS (VmHWM, which exec
#: starts afresh) to the descriptor $LVCAI_BENCH_FD. ru_maxrss of a forked child is not enough: it
#: keeps the peak of the fork's copy of this process from before exec (an earlier run's output read
#: here showed as the next child's peak: 963 MB for every run once a 473 MB output had been read).
_WRAP = """import atexit, os, runpy, sys
def _hwm():
    kb = next(line.split()[1] for line in open('/proc/self/status') if line.startswith('VmHWM'))
    os.write(int(os.environ['LVCAI_BENCH_FD']), kb.encode())
atexit.register(_hwm)
sys.argv = ['checker'] + sys.argv[1:]
runpy.run_module('checker', run_name='__main__', alter_sys=True)
"""


def run_check_command(tree, plan, out):
    """Wall seconds and peak RSS (MB) of ``python -m checker check PLAN --format json -o OUT`` run from ``tree``."""
    import os
    r, w = os.pipe()
    t = time.perf_counter()
    pid = os.fork()
    if pid == 0:   # a child of its own, so that its exit and its peak are its own
        os.close(r)
        os.set_inheritable(w, True)
        os.environ["LVCAI_BENCH_FD"] = str(w)
        os.chdir(tree)
        devnull = os.open(os.devnull, os.O_WRONLY)
        os.dup2(devnull, 1)
        os.dup2(devnull, 2)
        os.execv(sys.executable, [sys.executable, "-c", _WRAP, "check", str(plan), "--format", "json", "-o", str(out)])
    os.close(w)
    _pid, status, usage = os.wait4(pid, 0)
    with os.fdopen(r, "rb") as f:
        hwm = f.read()
    wall = time.perf_counter() - t
    code = os.waitstatus_to_exitcode(status)
    return wall, (int(hwm) if hwm else usage.ru_maxrss) / 1024, code


def _digest(path, tree):
    """(GPP findings, bytes, sha256 with the tree's path masked) of an output file, read and dropped
    at once: this process holds no output while the next command runs."""
    import hashlib
    if not path.exists():
        return 0, 0, hashlib.sha256(b"").hexdigest()
    data = path.read_bytes()
    n, size = data.count(b'"rule_id": "GPP-'), len(data)
    digest = hashlib.sha256(data.replace(str(tree).encode(), b"TREE")).hexdigest()   # the rule files' paths are in the provenance
    del data
    return n, size, digest


def big(n_items, baseline, rounds, shares=(0.0, 0.5, 1.0)):
    import tempfile
    trees = [("this", ROOT)] + ([("baseline", Path(baseline).resolve())] if baseline else [])
    print(f"one plan of {n_items} items, `python -m checker check PLAN --format json -o OUT` (exit 1: findings)")
    print(f"{'tree':>9} {'share':>6} {'findings':>9} {'exit':>4} {'wall s':>7} {'peak RSS MB':>11} {'output MB':>9}  "
          "sha256 of output (tree path masked)")
    with tempfile.TemporaryDirectory() as tmp:
        for share in shares:
            plan = Path(tmp) / f"big-{share}.json"
            plan.write_bytes(big_plan(n_items, share))
            for _ in range(rounds):
                for name, tree in trees:   # alternating: both under the same load
                    out = Path(tmp) / f"out-{name}.json"
                    wall, rss, code = run_check_command(tree, plan, out)
                    n, size, digest = _digest(out, tree)
                    out.unlink(missing_ok=True)
                    print(f"{name:>9} {share:>6} {n:>9} {code:>4} {wall:>7.2f} {rss:>11.1f} {size / 1e6:>9.1f}  "
                          f"{digest[:16]}", flush=True)


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--items", type=int, action="append", help="items per run (repeatable); default 10k and 100k")
    ap.add_argument("--child", type=int, help=argparse.SUPPRESS)
    ap.add_argument("--big", type=int, help="one plan of this many items through `lvcai check --format json`")
    ap.add_argument("--baseline", help="--big: another source tree to run alternately (an earlier commit's checkout)")
    ap.add_argument("--rounds", type=int, default=1, help="--big: runs per tree and share")
    ap.add_argument("--share", type=float, action="append", help="--big: share of items with a finding (repeatable); default 0, 0.5, 1")
    args = ap.parse_args()
    if args.big:
        big(args.big, args.baseline, args.rounds, tuple(args.share or (0.0, 0.5, 1.0)))
        return
    if args.child:
        print(json.dumps(run_one(args.child)))
        return
    print(f"{'items':>8} {'plans':>6} {'findings':>9} {'check s':>8} {'json s':>7} {'items/s':>8} {'peak RSS MB':>11}")
    for n in args.items or [10_000, 100_000]:
        out = subprocess.run([sys.executable, __file__, "--child", str(n)], capture_output=True, text=True, check=True)
        r = json.loads(out.stdout)
        print(f"{r['items']:>8} {r['plans']:>6} {r['findings']:>9} {r['check_s']:>8} {r['render_json_s']:>7} "
              f"{r['items_per_s']:>8} {r['peak_rss_mb']:>11}")


if __name__ == "__main__":
    main()
