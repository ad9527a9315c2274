"""Benchmark of `lvcai batch`: end-to-end line items/s, plans/s and peak RSS, and the cost of the parts.

    python bench/batch_bench.py                       # 100k and 1M lines, --jobs 1 and 2
    python bench/batch_bench.py --lines 100000 --jobs 2
    python bench/batch_bench.py --lines 1000000 --jobs 2 --baseline /tmp/lvcai-base   # before/after, alternating
    python bench/batch_bench.py --lines 200000 --jobs 2 --baseline /tmp/lvcai-base --parts-rounds 5   # parts: medians

A synthetic round is written to a temporary directory: plans of 10-500 lines drawn over the real
list codes and off-list codes of the shipped 2022 catalog (rules/catalogs/), about 3% of them
broken (bad JSON, schema errors). Each run is the real command (`python -m checker batch … --force`)
in a fresh process; peak RSS is the largest of that process and its workers (RUSAGE_CHILDREN).
Then one process times the parts on a sample, per line item: read + parse, schema validation,
facts, rule evaluation (engine), findings (messages), and output (render + atomic write).

In the same run it times only reading and parsing every plan file of the round (``json.loads``, no
checking), in one process and in ``--jobs`` processes, and prints the batch's wall time as a multiple
of each. ``--baseline TREE`` runs the same commands (and parts) from another source tree, a checkout
of an earlier commit, alternately with this one: the machine's load hits both alike, so compare the
ratios, not the absolute figures of separate runs.
"""
from __future__ import annotations

import argparse
import json
import random
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "bench"))

from check_bench import codes  # noqa: E402


def write_round(directory: Path, n_lines: int, seed=11, broken_share=0.03):
    rng = random.Random(seed)
    listed, other = codes()
    reqs = ["required", "preferred", "none"]
    written = plans = broken = 0
    while written < n_lines:
        n = min(rng.randint(10, 500), n_lines - written)
        items = []
        for i in range(n):
            code = rng.choice(listed) if rng.random() < 0.5 else rng.choice(other)
            q, price = rng.randint(1, 40), round(rng.uniform(50, 20000), 2)
            # mostly well-formed requirements: mandatory items required, priority items preferred
            items.append({"line_id": str(i + 1), "category_code": code, "name": f"物品{i}", "quantity": q, "unit_price": price,
                          "amount": round(q * price, 2),
                          "green_requirements": {"energy_saving": rng.choices(reqs, (6, 3, 1))[0],
                                                 "environmental_label": rng.choices(reqs, (1, 8, 1))[0]}})
        doc = {"plan_id": f"R-{plans:06d}", "date": "2026-03-01", "catalog_edition": "2022",
               "agency": {"name": f"预算单位{plans % 97:02d}", "region": "440300"},
               "projects": [{"project_id": "P1", "name": "项目", "procurement_method": "公开招标",
                             "evaluation": {"method": "comprehensive_scoring", "price_weight": 30, "green_bonus_points": 2},
                             "items": items}]}
        text = json.dumps(doc, ensure_ascii=False)
        if rng.random() < broken_share:
            broken += 1
            text = text[: len(text) // 2] if rng.random() < 0.5 else text.replace('"quantity": ', '"quantity": -', 1)
        (directory / f"{plans // 1000:03d}").mkdir(exist_ok=True)
        (directory / f"{plans // 1000:03d}" / f"plan-{plans:06d}.json").write_text(text, encoding="utf-8")
        written += n
        plans += 1
    return plans, broken


def run_batch(src, out, jobs, tree=ROOT):
    """Wall seconds and peak RSS (MB) of one `lvcai batch` run: the largest of its process and its
    workers, as wait4 reports it for that run alone (RUSAGE_CHILDREN would keep the largest of every
    child this bench ever had)."""
    import os
    t = time.perf_counter()
    pid = os.fork()
    if pid == 0:
        os.chdir(tree)
        devnull = os.open(os.devnull, os.O_WRONLY)
        os.dup2(devnull, 1)
        os.dup2(devnull, 2)
        os.execv(sys.executable, [sys.executable, "-m", "checker", "batch", str(src), "--output-dir", str(out),
                                  "--jobs", str(jobs), "--force", "--format", "json,html,xlsx"])
    _pid, _status, usage = os.wait4(pid, 0)
    return time.perf_counter() - t, usage.ru_maxrss / 1024


def _parse_files(paths):
    n = 0
    for p in paths:
        try:
            doc = json.loads(Path(p).read_bytes())
            n += sum(len(pr.get("items", ())) for pr in doc.get("projects", ()))
        except (ValueError, AttributeError, TypeError):
            pass
    return n


def read_parse(src, jobs):
    """Seconds to only read and parse (json.loads) every plan file of ``src`` in ``jobs`` processes."""
    import multiprocessing as mp
    files = sorted(str(p) for p in src.rglob("*.json"))
    t = time.perf_counter()
    if jobs == 1:
        _parse_files(files)
    else:
        with mp.get_context("fork").Pool(jobs) as pool:
            pool.map(_parse_files, [files[i::jobs] for i in range(jobs)])
    return time.perf_counter() - t


def parts_in(tree, src):
    """parts() run in a fresh process that imports the checker of ``tree``."""
    out = subprocess.run([sys.executable, __file__, "--parts-child", str(src), "--tree", str(tree)], cwd=tree,
                         capture_output=True, text=True, check=True)
    return json.loads(out.stdout)


def parts(src, sample=150):
    """Per-item cost of each part, measured in one process on the first ``sample`` plans.

    The public path runs (Checker.check, then the JSON output), with timers wrapped around the steps
    it calls (schema validation, the green evaluation, facts, engine, findings, the result's item
    list), so the figures follow the code as it changes; each step's time is its own, without the
    timed steps it calls (before, "facts" also held the engine, findings and items list of the
    chunks it decides, counted twice in the total); what check spends outside those steps (read, parse, the plan's
    sanity checks, CHK-003, waivers) is "parse+rest". Times are CPU time of this process
    (time.process_time), so that other processes on the machine do not inflate them."""
    from checker import api as _api
    from checker._io import write_atomic
    from checker.formatters import json_
    checker = _api.Checker("national")
    spent = dict.fromkeys(("schema", "green", "facts", "engine", "findings", "items list"), 0.0)
    clock = time.process_time
    inner = [0.0]   # time spent in timed steps called from inside the running one
    stack = ["parse+rest"]   # the step running now ("parse+rest": none of the timed ones)
    calls = dict.fromkeys((*spent, "parse+rest"), 0)       # timed calls made by each step's code
    own = dict.fromkeys((*spent, "parse+rest"), 0)         # calls of each step

    def timed(name, fn):
        """``fn`` with its exclusive time added to ``spent[name]``: a timed step it calls counts
        for that step only (facts.build decides each chunk of lines as it goes: the engine, the
        findings and the items-list entries run inside it). The timers' own cost is taken out
        below (an items-list entry is timed once per line: two clock readings cost about 1 µs)."""
        def wrapper(*args, **kwargs):
            outer = inner[0]
            inner[0] = 0.0
            calls[stack[-1]] += 1
            own[name] += 1
            stack.append(name)
            t = clock()
            try:
                return fn(*args, **kwargs)
            finally:
                took = clock() - t
                stack.pop()
                spent[name] += took - inner[0]
                inner[0] = outer + took
        return wrapper
    _api.schema_problems = timed("schema", _api.schema_problems)
    _api._facts.build = timed("facts", _api._facts.build)
    checker.engine.run = timed("engine", checker.engine.run)
    checker._finding = timed("findings", checker._finding)
    # the items list: each line's entry (made as its chunk is decided) and the result's meta
    if hasattr(_api, "_item_entry"):
        _api._item_entry = timed("items list", _api._item_entry)
    _api._meta = timed("items list", _api._meta)
    if hasattr(checker, "green_evaluation"):   # the green evaluation of each plan (trees that have it)
        checker.green_evaluation = timed("green", checker.green_evaluation)
    files = sorted(src.rglob("*.json"))[:sample]
    for f in files[:3]:   # warm: the validators, the engine's first combinations
        checker.check(f.read_bytes(), f.name, langs=("zh",))
    spent.update(dict.fromkeys(spent, 0.0))
    pieces = json_.provenance_pieces(checker.provenance()) if hasattr(json_, "provenance_pieces") else None
    check = output = 0.0
    items = 0
    out = Path(tempfile.mkdtemp())
    for f in files:
        t0 = clock()
        data = f.read_bytes()
        result = checker.check(data, f.name, langs=("zh",))
        t1 = clock()
        meta = checker.run_meta([result], {})
        if hasattr(json_, "data"):   # as the batch writes a plan's file (trees that have it)
            written = json_.data([result], meta, "zh", [json_.result_head(result, "zh")], pieces)
        elif pieces is not None:
            written = json_.text([result], meta, "zh", [json_.result_head(result, "zh")], pieces).encode()
        else:
            written = json_.render([result], meta, "zh").encode()
        write_atomic(out / f.name, written)
        check, output = check + t1 - t0, output + clock() - t1
        items += len(result.meta.get("items", ()))
    shutil.rmtree(out, ignore_errors=True)
    # What the timers cost: a timed call of nothing, and one clock reading. Of a timed call, about
    # one reading falls inside the step's own time, the rest in the time of the step calling it.
    made = dict(own)
    probe = timed("probe", lambda: None)
    spent["probe"] = 0.0
    own["probe"] = 0
    n = 20_000
    t = clock()
    for _ in range(n):
        probe()
    call = (clock() - t) / n
    t = clock()
    for _ in range(n):
        clock()
    reading = (clock() - t) / n
    del spent["probe"]
    check -= sum(made.values()) * call
    for name in spent:
        spent[name] -= made[name] * reading + calls[name] * (call - reading)
    cost = {"parse+rest": check - sum(spent.values()), **spent, "output": output}
    total = sum(cost.values())
    return items, {k: (v / items * 1e6, 100 * v / total) for k, v in cost.items()}


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--lines", type=int, action="append", help="line items per round (repeatable); default 100k and 1M")
    ap.add_argument("--jobs", type=int, action="append", help="worker processes (repeatable); default 1 and 2")
    ap.add_argument("--baseline", help="another source tree (an earlier commit's checkout), run alternately")
    ap.add_argument("--rounds", type=int, default=1, help="runs per tree and --jobs")
    ap.add_argument("--parts-rounds", type=int, default=1, help="measurements of the parts per tree (alternating; medians shown)")
    ap.add_argument("--parts-child", help=argparse.SUPPRESS)
    ap.add_argument("--tree", help=argparse.SUPPRESS)
    args = ap.parse_args()
    if args.parts_child:
        sys.path.insert(0, args.tree)
        for name in [m for m in sys.modules if m == "checker" or m.startswith("checker.")]:
            del sys.modules[name]
        items, costs = parts(Path(args.parts_child))
        print(json.dumps({"items": items, "costs": costs}))
        return
    trees = [("this", ROOT)] + ([("baseline", Path(args.baseline).resolve())] if args.baseline else [])
    print(f"{'tree':>8} {'lines':>9} {'plans':>6} {'broken':>6} {'jobs':>4} {'wall s':>7} {'items/s':>8} {'plans/s':>7} "
          f"{'peak RSS MB':>11} {'x parse(1)':>10} {'x parse(j)':>10}")
    for n in args.lines or [100_000, 1_000_000]:
        with tempfile.TemporaryDirectory() as tmp:
            src, out = Path(tmp) / "in", Path(tmp) / "out"
            src.mkdir()
            plans, broken = write_round(src, n)
            for jobs in args.jobs or [1, 2]:
                for _ in range(args.rounds):
                    for name, tree in trees:   # alternating, so that both see the same load
                        parse1 = read_parse(src, 1)
                        parse_j = read_parse(src, jobs)
                        wall, peak = run_batch(src, out, jobs, tree)
                        print(f"{name:>8} {n:>9} {plans:>6} {broken:>6} {jobs:>4} {wall:>7.1f} {n / wall:>8,.0f} {plans / wall:>7.1f} "
                              f"{peak:>11.1f} {wall / parse1:>10.1f} {wall / parse_j:>10.1f}", flush=True)
                print(f"{'':>8} only reading and parsing the files: {parse1:.2f} s in 1 process, {parse_j:.2f} s in {jobs} "
                      f"({n / parse1:,.0f} and {n / parse_j:,.0f} items/s)", flush=True)
            if n == (args.lines or [100_000])[0]:
                got = {name: [] for name, _ in trees}
                for _ in range(args.parts_rounds):
                    for name, tree in trees:   # alternating too
                        got[name].append(parts_in(tree, src))
                for name, _ in trees:
                    runs = got[name]
                    stages = list(dict.fromkeys(k for g in runs for k in g["costs"]))
                    us = {k: statistics.median(g["costs"].get(k, (0.0, 0.0))[0] for g in runs) for k in stages}
                    total = sum(us.values())
                    print(f"\nparts [{name}], one process, {runs[0]['items']} line items of the first 150 plans "
                          f"(µs per line item, median of {len(runs)}, share):")
                    for k in stages:
                        print(f"  {k:<15} {us[k]:7.2f} µs  {100 * us[k] / total:5.1f}%")
                    print(f"  {'total':<15} {total:7.2f} µs")
                print()


if __name__ == "__main__":
    main()
