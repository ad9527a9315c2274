"""`lvcai serve` as a real uvicorn server in a subprocess, on a free loopback port: it starts, answers,
stops; and 50 different plans sent at once to --workers 2 each get exactly the CLI's output."""
import json
import subprocess
import sys
from pathlib import Path
from concurrent.futures import ThreadPoolExecutor
from threading import Barrier

import pytest

from conftest import ROOT

pytest.importorskip("uvicorn")
import httpx  # noqa: E402

from service_helpers import children, server, write_plans  # noqa: E402


def cli_json(path, *extra):
    """`python3 -m checker check PLAN --format json`, run in the plan's directory so that its source
    name is its file name, as the upload's is."""
    r = subprocess.run([sys.executable, "-m", "checker", "check", path.name, "--format", "json", *extra],
                       cwd=path.parent, capture_output=True, env=_env(), check=False)
    assert r.returncode in (0, 1, 2), r.stderr
    return r.stdout


def _env():
    import os
    return {**os.environ, "PYTHONPATH": str(ROOT)}


def test_serve_starts_answers_and_stops(tmp_path):
    plan = ROOT / "examples" / "school-plan-with-violations.json"
    with server() as url:
        assert url.startswith("http://127.0.0.1:")
        h = httpx.get(f"{url}/api/v1/healthz").json()
        assert h["status"] == "ok"
        r = httpx.post(f"{url}/api/v1/check", files={"plan": (plan.name, plan.read_bytes())}, timeout=60)
        assert r.status_code == 200 and r.content == cli_json(plan)
        assert r.headers["x-content-type-options"] == "nosniff"
        assert "server" not in r.headers


def test_serve_with_a_token_file(tmp_path):
    tok = tmp_path / "token"
    tok.write_text("abc123\n", encoding="utf-8")
    with server("--token-file", str(tok), env={"LVCAI_TOKEN": "abc123"}) as url:
        assert httpx.get(f"{url}/api/v1/rules").status_code == 401
        assert httpx.get(f"{url}/api/v1/rules", headers={"authorization": "Bearer nope"}).status_code == 403
        assert httpx.get(f"{url}/api/v1/rules", headers={"authorization": "Bearer abc123"}).status_code == 200


def test_fifty_plans_at_once_each_get_the_cli_output(tmp_path):
    plans = write_plans(tmp_path / "plans", 50, lines=4)
    # a few that are not checkable, among the others
    plans[10].write_bytes(b'{"plan_id": "broken"')
    doc = json.loads(plans[20].read_text(encoding="utf-8"))
    del doc["agency"]
    plans[20].write_text(json.dumps(doc, ensure_ascii=False), encoding="utf-8")
    with ThreadPoolExecutor(4) as pool:
        expected = list(pool.map(cli_json, plans))
    assert len(set(expected)) == 50
    barrier = Barrier(50)

    def send(path):
        with httpx.Client(timeout=120) as c:
            barrier.wait()
            return c.post(f"{url}/api/v1/check", files={"plan": (path.name, path.read_bytes())})

    with server(workers=2) as url:
        if sys.platform.startswith("linux"):      # two worker processes, each with its own engine
            workers = [c for c in children(url.pid) if "spawn_main" in Path(f"/proc/{c}/cmdline").read_text()]
            assert len(workers) == 2
        with ThreadPoolExecutor(50) as pool:
            responses = list(pool.map(send, plans))
    for path, want, r in zip(plans, expected, responses):
        assert r.content == want, path.name
        assert r.status_code == (400 if path == plans[10] else 422 if path == plans[20] else 200)


def test_serve_binds_loopback_unless_told_otherwise():
    from checker.cli import serve
    params = {p.name: p for p in serve.params}
    assert params["host"].default == "127.0.0.1"
    assert params["max_upload"].default == 20.0 and not params["keep"].required
