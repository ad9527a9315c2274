"""Benchmark of the single-process check path: line items/s and peak RSS.

    python bench/check_bench.py                 # 10k and 100k items
    python bench/check_bench.py --items 50000   # other sizes

Synthetic plans of 100 items are drawn over real codes: every 2022 code of the bundled lists, plus
off-list codes from the shipped 2022 catalog (rules/catalogs/). Requirements
and evaluations are drawn so that a realistic share of items and projects make rules fire. Each size
runs in a fresh process (so peak RSS is that size's own), and reports the time of the parts:
parse + schema validation + facts + engine + findings (``check``), and JSON rendering.
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


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--items", type=int, action="append", help="items per run (repeatable); default 10k and 100k")
    ap.add_argument("--child", type=int, help=argparse.SUPPRESS)
    args = ap.parse_args()
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
