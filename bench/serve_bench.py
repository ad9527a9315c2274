"""Benchmark of `lvcai serve`: plans/s and per-plan latency (p50, p95, p99: the time from sending
one plan to having its findings) at 1 and 8 concurrent clients against --workers 2, and the ratio to
`lvcai batch --jobs 2` on the same plans in the same run.

    python bench/serve_bench.py                       # 600 plans of 100 lines, clients 1 and 8
    python bench/serve_bench.py --plans 400 --clients 1,8,32,64

The plans are tests/service_helpers.make_plan (each its own codes, amounts, requirements; some at
award stage). The batch run is the real command (`python -m checker batch DIR -d OUT --jobs 2
--force --format json`) in a fresh process, timed from start to exit. The server is the real command
(`python -m checker serve --workers 2`) on a free loopback port, warmed by one request per worker;
each client is a thread with its own keep-alive connection that posts plans (JSON bodies) to
/api/v1/check one after the other until all are done. Clients and server share the machine's cores.
"""
from __future__ import annotations

import argparse
import os
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "tests"))

import httpx  # noqa: E402

from service_helpers import server, write_plans  # noqa: E402


def run_batch(plans_dir: Path, out: Path, jobs: int) -> float:
    t = time.perf_counter()
    r = subprocess.run([sys.executable, "-m", "checker", "batch", str(plans_dir), "-d", str(out), "--jobs", str(jobs),
                        "--force", "--format", "json"], cwd=ROOT, capture_output=True)
    wall = time.perf_counter() - t
    if r.returncode not in (0, 1):
        raise SystemExit(f"batch exited {r.returncode}: {r.stderr.decode(errors='replace')}")
    return wall


def run_clients(url: str, bodies: list[tuple[str, bytes]], clients: int):
    """All plans sent by ``clients`` threads; returns (wall seconds, latencies)."""
    lock, latencies, errors = threading.Lock(), [], []
    todo = iter(bodies)

    def client():
        with httpx.Client(timeout=300) as c:
            while True:
                with lock:
                    nxt = next(todo, None)
                if nxt is None:
                    return
                name, body = nxt
                t = time.perf_counter()
                r = c.post(f"{url}/api/v1/check", params={"source": name}, content=body,
                           headers={"content-type": "application/json"})
                dt = time.perf_counter() - t
                with lock:
                    latencies.append(dt)
                    if r.status_code != 200:
                        errors.append((name, r.status_code))

    threads = [threading.Thread(target=client) for _ in range(clients)]
    t = time.perf_counter()
    for th in threads:
        th.start()
    for th in threads:
        th.join()
    wall = time.perf_counter() - t
    if errors:
        raise SystemExit(f"{len(errors)} requests failed, e.g. {errors[:3]}")
    return wall, latencies


def pct(values, p):
    s = sorted(values)
    return s[min(len(s) - 1, int(round(p / 100 * (len(s) - 1))))]


def main():
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--plans", type=int, default=600)
    ap.add_argument("--lines", type=int, default=100)
    ap.add_argument("--clients", default="1,8")
    ap.add_argument("--workers", type=int, default=2)
    args = ap.parse_args()
    counts = [int(c) for c in args.clients.split(",")]
    with tempfile.TemporaryDirectory(prefix="lvcai-serve-bench-") as d:
        d = Path(d)
        env_reg = str(d / "absent.sqlite")
        os.environ["LVCAI_REGISTRY"] = env_reg          # the same (empty) registry for batch and serve
        plans = write_plans(d / "plans", args.plans, lines=args.lines, seed=7)
        bodies = [(p.name, p.read_bytes()) for p in plans]
        print(f"{args.plans} plans of {args.lines} lines; {os.cpu_count()} CPUs; Python {sys.version.split()[0]}")
        batch_wall = run_batch(d / "plans", d / "out", args.workers)
        batch_rate = args.plans / batch_wall
        print(f"lvcai batch --jobs {args.workers}: {batch_wall:.2f} s, {batch_rate:.1f} plans/s (process start included)")
        rows = []
        with server(workers=args.workers) as url:
            run_clients(url, bodies[: args.workers * 2], args.workers * 2)      # warm every worker
            for c in counts:
                wall, lat = run_clients(url, bodies, c)
                rate = args.plans / wall
                rows.append((c, rate, statistics.median(lat), pct(lat, 95), pct(lat, 99), rate / batch_rate))
        print(f"\nlvcai serve --workers {args.workers}, {args.plans} plans of {args.lines} lines each:\n")
        print("| clients | plans/s | latency p50 | latency p95 | latency p99 | served ÷ batch --jobs %d |" % args.workers)
        print("| --- | --- | --- | --- | --- | --- |")
        for c, rate, p50, p95, p99, ratio in rows:
            print(f"| {c} | {rate:.1f} | {p50 * 1000:.0f} ms | {p95 * 1000:.0f} ms | {p99 * 1000:.0f} ms | {ratio:.2f} |")


if __name__ == "__main__":
    main()
