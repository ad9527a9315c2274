"""Shared by the service tests and bench/serve_bench.py: plans that differ from each other, and a
real `lvcai serve` in a subprocess on a free loopback port (never any other address)."""
from __future__ import annotations

import json
import os
import random
import socket
import subprocess
import sys
import time
from contextlib import contextmanager
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
LOOPBACK = "127.0.0.1"


def _codes():
    rows = []
    for name in ("energy_saving_2019", "environmental_label_2019"):
        doc = json.loads((ROOT / "rules" / "lists" / f"{name}.json").read_text(encoding="utf-8"))
        rows += [(c, r["name"]) for r in doc["rows"] for c in r.get("codes_2022") or ()]
    rows += [("A05040101", "复印纸"), ("C16000000", "信息技术服务"), ("A02010104", "服务器"), ("B02000000", "装修工程")]
    return sorted(set(rows))


def make_plan(i: int, lines: int = 3, seed: int = 0) -> dict:
    """Plan number ``i``: its own id, agency, date, stage, codes, amounts and green requirements;
    some compliant, some not, a few at award stage with certificates."""
    rnd = random.Random(f"{seed}-{i}")
    codes = _codes()
    stage = "award" if i % 7 == 3 else "plan"
    items = []
    for n in range(lines):
        code, name = rnd.choice(codes)
        qty = rnd.randint(1, 200)
        price = rnd.choice([22, 950, 1800, 5100, 12000, 48000])
        req = {k: v for k, v in (("energy_saving", rnd.choice(["required", "preferred", "none", None])),
                                 ("environmental_label", rnd.choice(["required", "preferred", "none", None]))) if v}
        item = {"line_id": f"{n + 1:03d}", "category_code": code, "name": f"{name} {i}-{n}", "quantity": qty,
                "unit": "台", "unit_price": price, "amount": qty * price}
        if req:
            item["green_requirements"] = req
        if stage == "award":
            item["award"] = {"supplier": {"name": f"示范供应商{i % 5}有限公司", "credit_code": "91440300MA5GXAMP1W"},
                             "brand": f"品牌{n % 3}", "model": f"M-{i}-{n}",
                             "certificates": [{"type": "energy_saving", "number": f"CQC-ES-{i:04d}{n:03d}",
                                               "valid_until": "2027-12-31"}] if rnd.random() < 0.6 else []}
        items.append(item)
    return {"plan_id": f"GEN-2026-{i:04d}", "title": f"生成的计划 {i}", "date": f"2026-{1 + i % 12:02d}-{1 + i % 28:02d}",
            "catalog_edition": "2022", "stage": stage,
            "agency": {"name": f"示例单位{i % 9}", "code": f"AG-{i % 9:02d}", "region": "440300"},
            "projects": [{"project_id": f"P{i}", "name": "办公设备采购", "procurement_method": "公开招标",
                          "evaluation": {"method": "comprehensive_scoring", "price_weight": rnd.choice([10, 30, 40]),
                                         "green_bonus_points": rnd.choice([0, 2, 3])},
                          "items": items}]}


def write_plans(directory: Path, n: int, lines: int = 3, seed: int = 0) -> list[Path]:
    directory.mkdir(parents=True, exist_ok=True)
    out = []
    for i in range(n):
        p = directory / f"plan-{i:03d}.json"
        p.write_text(json.dumps(make_plan(i, lines, seed), ensure_ascii=False, indent=1), encoding="utf-8")
        out.append(p)
    return out


def free_port() -> int:
    with socket.socket() as s:
        s.bind((LOOPBACK, 0))
        return s.getsockname()[1]


class URL(str):
    """The server's base URL, with ``pid``: the `lvcai serve` process."""
    pid: int = 0


def children(pid: int) -> list[int]:
    """The processes whose parent is ``pid`` (Linux /proc)."""
    out = []
    for stat in Path("/proc").glob("[0-9]*/stat"):
        try:
            fields = stat.read_text().rsplit(")", 1)[1].split()
        except OSError:
            continue
        if int(fields[1]) == pid:
            out.append(int(stat.parent.name))
    return out


@contextmanager
def server(*args, workers: int = 1, env=None, timeout: float = 60):
    """`python3 -m checker serve` on 127.0.0.1 and a free port; yields its base URL; stops it."""
    import httpx
    port = free_port()
    cmd = [sys.executable, "-m", "checker", "serve", "--host", LOOPBACK, "--port", str(port), "--workers", str(workers), *args]
    proc = subprocess.Popen(cmd, cwd=ROOT, env={**os.environ, **(env or {})},
                            stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    url = URL(f"http://{LOOPBACK}:{port}")
    url.pid = proc.pid
    try:
        deadline = time.monotonic() + timeout
        headers = {"authorization": f"Bearer {env['LVCAI_TOKEN']}"} if env and env.get("LVCAI_TOKEN") else {}
        while True:
            if proc.poll() is not None:
                raise RuntimeError(f"lvcai serve exited {proc.returncode}: {proc.stderr.read().decode(errors='replace')}")
            try:
                if httpx.get(f"{url}/healthz", headers=headers, timeout=2).status_code == 200:
                    break
            except httpx.HTTPError:
                pass
            if time.monotonic() > deadline:
                raise RuntimeError("lvcai serve did not answer /healthz in time")
            time.sleep(0.2)
        yield url
    finally:
        proc.terminate()
        try:
            proc.wait(timeout=20)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait()
        proc.stderr.close()
