"""Start-up (issue 16): a command imports only what it uses. Not timed (speed is measured by
bench/startup_bench.py): each test runs the real command line in a fresh interpreter and looks at
the modules it loaded."""
import json
import subprocess
import sys

import pytest

from conftest import ROOT

EXAMPLE = str(ROOT / "examples" / "school-plan-with-violations.json")
#: Modules no checking command needs: the web service, the PDF and Excel writers, the Python JSON
#: Schema library (plans are validated by jsonschema-rs), the test-only libraries.
HEAVY = ("fastapi", "starlette", "uvicorn", "pydantic", "weasyprint", "fontTools", "openpyxl", "jsonschema",
         "hypothesis", "httpx", "pypdf")
PROBE = """
import json, sys
from checker.cli import main
try:
    main(sys.argv[1:])
except SystemExit as e:
    code = e.code
else:
    code = 0
sys.stderr.write("\\nLOADED " + json.dumps({"code": code, "modules": sorted(sys.modules)}) + "\\n")
"""


def loaded(*args, tmp_path):
    r = subprocess.run([sys.executable, "-c", PROBE, *args], cwd=ROOT, capture_output=True, text=True,
                       env={"PATH": "/usr/bin:/bin", "SOURCE_DATE_EPOCH": "1774000000", "HOME": str(tmp_path),
                            "LVCAI_CACHE_DIR": str(tmp_path / "cache"), "LVCAI_REGISTRY": str(tmp_path / "none.sqlite")})
    line = [ln for ln in r.stderr.splitlines() if ln.startswith("LOADED ")]
    assert line, r.stderr
    out = json.loads(line[-1][len("LOADED "):])
    return out["code"], set(out["modules"])


def heavy(modules):
    return sorted(m for m in modules if m.split(".")[0] in HEAVY)


@pytest.mark.parametrize("fmt", ["json", "text"])
def test_check_imports_no_heavy_module(tmp_path, fmt):
    code, modules = loaded("check", EXAMPLE, "--format", fmt, "-o", str(tmp_path / "out"), tmp_path=tmp_path)
    assert code == 1 and (tmp_path / "out").stat().st_size > 0     # the example has findings: it ran
    assert heavy(modules) == []
    assert "checker.engine" in modules and "jsonschema_rs" in modules   # the probe sees what a check loads
    if fmt == "json":
        assert "jinja2" not in modules                                 # no template for JSON


def test_help_and_rules_list_load_no_engine(tmp_path):
    code, modules = loaded("--help", tmp_path=tmp_path)
    assert code == 0 and heavy(modules) == [] and "checker.engine" not in modules and "jinja2" not in modules
    code, modules = loaded("rules", "list", tmp_path=tmp_path)
    assert code == 0 and heavy(modules) == [] and "checker.engine" not in modules


def test_pdf_report_does_load_weasyprint(tmp_path):
    """The other side: the probe would see a heavy module that a command does load."""
    code, modules = loaded("report", EXAMPLE, "--format", "pdf", "-o", str(tmp_path / "r.pdf"), tmp_path=tmp_path)
    assert code == 1 and "weasyprint" in modules and "openpyxl" not in modules and "fastapi" not in modules


def test_output_to_a_named_pipe_stays_a_pipe(tmp_path):
    """`-o /dev/null` (a bench's habit) wrote a temporary file and renamed it over the device: run as
    root, that replaced the system's /dev/null with a file. A pipe stands in for the device here."""
    import os
    import stat
    import threading
    from click.testing import CliRunner
    from checker.cli import main
    fifo = tmp_path / "out.pipe"
    os.mkfifo(fifo)
    got = []
    reader = threading.Thread(target=lambda: got.append(fifo.read_bytes()), daemon=True)
    reader.start()
    r = CliRunner().invoke(main, ["check", EXAMPLE, "--format", "json", "-o", str(fifo)])
    reader.join(timeout=10)
    assert r.exit_code == 1 and stat.S_ISFIFO(os.stat(fifo).st_mode)
    assert json.loads(got[0])["results"][0]["source"].endswith("school-plan-with-violations.json")


def test_compiled_templates_are_cached_by_content_and_damage_is_recompiled(tmp_path, monkeypatch):
    """The cache of compiled templates serves the same bytes as compiling, and an entry that is
    damaged or belongs to another source is compiled again, never served."""
    import subprocess as sp
    cache = tmp_path / "cache"
    args = [sys.executable, "-m", "checker", "check", EXAMPLE, "--lang", "en"]
    env = {"PATH": "/usr/bin:/bin", "LVCAI_CACHE_DIR": str(cache), "NO_COLOR": "1", "HOME": str(tmp_path)}
    first = sp.run(args, cwd=ROOT, capture_output=True, env=env)
    entries = sorted(cache.rglob("*.cache"))
    assert first.returncode == 1 and entries                             # the run filled the cache
    assert sp.run(args, cwd=ROOT, capture_output=True, env=env).stdout == first.stdout
    for e in entries:
        e.write_bytes(e.read_bytes()[:20])                               # cut short
    assert sp.run(args, cwd=ROOT, capture_output=True, env=env).stdout == first.stdout
    for e in entries:
        e.write_bytes(b"garbage")
    assert sp.run(args, cwd=ROOT, capture_output=True, env=env).stdout == first.stdout
    no_cache = sp.run(args, cwd=ROOT, capture_output=True, env={**env, "LVCAI_CACHE_DIR": ""})
    assert no_cache.stdout == first.stdout
