"""The same input gives byte-identical output in separate processes with different hash seeds.

Other tests compare two runs in one process, where every set and dict of str iterates in the same
order both times; a different PYTHONHASHSEED changes that order, so output that depends on it (a set
of field names, of rule ids, of list rows …) differs here between the subprocesses."""
import os
import subprocess
import sys

import pytest

from conftest import EXAMPLES, ROOT

SEEDS = ("0", "1", "12345")
PLANS = sorted(p.relative_to(ROOT).as_posix() for p in EXAMPLES.glob("*.json"))
REGISTRY_CSV = ROOT / "rules" / "examples" / "registry"


def lvcai(seed, *args, registry=None):
    """``python3 -m checker ARGS`` in the repository with PYTHONHASHSEED=seed; its stdout as bytes."""
    env = dict(os.environ, PYTHONHASHSEED=seed)
    if registry is not None:
        env["LVCAI_REGISTRY"] = str(registry)
    r = subprocess.run([sys.executable, "-m", "checker", *map(str, args)], cwd=ROOT, env=env,
                       capture_output=True, timeout=600)
    assert r.returncode in (0, 1), r.stderr.decode("utf-8", "replace")
    return r.stdout


@pytest.fixture(scope="module")
def registry(tmp_path_factory):
    """The example registry (rules/examples/registry/*.csv), so the award checks have data to use."""
    path = tmp_path_factory.mktemp("determinism") / "registry.sqlite"
    for kind in ("certificates", "bodies", "credit"):
        lvcai("0", "registry", "import", kind, REGISTRY_CSV / f"{kind}.csv", "--registry", path)
    lvcai("0", "registry", "import", "catalog", REGISTRY_CSV / "catalog-2022.csv", "--edition", "2022", "--registry", path)
    return path


def same_everywhere(run):
    """run(seed) → bytes; assert every seed gives the same bytes, and return them."""
    outputs = {seed: run(seed) for seed in SEEDS}
    first = outputs[SEEDS[0]]
    assert first, "no output to compare"
    for seed, out in outputs.items():
        assert out == first, f"PYTHONHASHSEED={seed} differs from PYTHONHASHSEED={SEEDS[0]}"
    return first


@pytest.mark.parametrize("lang", ["zh", "en"])
def test_check_json_is_the_same_under_every_hash_seed(registry, lang):
    out = same_everywhere(lambda seed: lvcai(seed, "check", *PLANS, "--format", "json", "--lang", lang,
                                             "--explain", registry=registry))
    assert b'"rule_id"' in out and b'"values"' in out     # findings, with the values their rules tested


def test_check_text_with_explain_is_the_same_under_every_hash_seed(registry):
    out = same_everywhere(lambda seed: lvcai(seed, "check", *PLANS, "--format", "text", "--explain", "--lang", "en",
                                             registry=registry))
    assert b"GPP-" in out


@pytest.mark.parametrize("fmt", ["md", "html"])
def test_report_is_the_same_under_every_hash_seed(tmp_path, registry, fmt):
    def run(seed):
        out = tmp_path / f"report-{seed}.{fmt}"
        lvcai(seed, "report", *PLANS, "--format", fmt, "--output", out, "--generated-at", "2026-03-16T09:30:00+08:00",
              registry=registry)
        return out.read_bytes()
    assert b"GPP-" in same_everywhere(run)


def test_batch_outputs_are_the_same_under_every_hash_seed(tmp_path, registry):
    """summary.json and every per-plan findings file, with one worker so the run is in one process."""
    def run(seed):
        out = tmp_path / f"batch-{seed}"
        lvcai(seed, "batch", "examples", "--output-dir", out, "--jobs", "1", "--format", "json", registry=registry)
        files = sorted(p for p in out.rglob("*") if p.is_file() and p.name != "summary.json"
                       and not p.name.startswith("."))
        assert files, "batch wrote no per-plan files"
        return (out / "summary.json").read_bytes() + b"".join(
            p.relative_to(out).as_posix().encode() + b"\n" + p.read_bytes() for p in files)
    assert b'"by_rule"' in same_everywhere(run)


def test_check_json_is_the_same_wherever_lvcai_is_installed(tmp_path):
    """The provenance named each rule parameter's default by its rule file's absolute path, so two
    clones (or an installed copy and a checkout) gave different JSON for the same plan and rules."""
    import shutil
    other = tmp_path / "elsewhere"
    for part in ("rules", "schemas", "reports"):
        shutil.copytree(ROOT / part, other / part)
    plan = "examples/green-evaluation.json"   # relative to cwd: a source is shown as given

    def run(home):
        env = dict(os.environ, LVCAI_HOME=str(home), PYTHONHASHSEED="0")
        r = subprocess.run([sys.executable, "-m", "checker", "check", str(plan), "--format", "json"], cwd=ROOT, env=env,
                           capture_output=True, timeout=600)
        assert r.returncode in (0, 1), r.stderr.decode("utf-8", "replace")
        return r.stdout
    here, there = run(ROOT), run(other)
    assert b"default declared by" in here
    assert str(ROOT).encode() not in here and str(other).encode() not in there
    assert here == there
