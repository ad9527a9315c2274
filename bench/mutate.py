"""Mutation testing of the modules that decide dates and matches: which small changes the tests miss.

    python bench/mutate.py                                   # facts, lists, refdata; 2 workers
    python bench/mutate.py --module lists --jobs 1
    python bench/mutate.py --exclude tests/test_boundaries.py --report before.json
    python bench/mutate.py --tests tests/ --only facts:161 --only lists:52   # survivors, whole suite

Each mutant is one small change to one module, made on its syntax tree and written back with
``ast.unparse``:

* a comparison flipped at its boundary or negated: ``<`` ↔ ``<=``, ``>`` ↔ ``>=``, ``==`` ↔ ``!=``,
  ``in`` ↔ ``not in``, ``is`` ↔ ``is not``;
* ``and`` ↔ ``or``; ``not x`` → ``x``; ``True`` ↔ ``False``; an integer constant plus one;
* in SQL text: ``<=`` → ``<``, ``>=`` → ``>``, one ``AND`` → ``OR``, ``x IS NULL OR`` dropped.

The repository (tracked and untracked, not ignored, files) is copied to a scratch directory, once
per worker; the worktree itself is never changed. Each
mutant runs the module's test subset (SUBSETS) with ``pytest -x`` under a time limit. A mutant is
*killed* when the tests fail, *survives* when they pass, and *timed out* past the limit (counted
apart, not in the surviving share). First the unmutated module, as unparsed, must pass its subset.

Survivors judged equivalent (no observable behaviour changes), as of this script's first runs:

* facts ``stage == "award" and refdata is not None`` → ``or``: the Checker always passes a registry,
  and at plan stage the block only adds ``supplier_records = 0`` to facts no plan-stage rule reads;
* facts, the project context's ``k not in ("id", "kind")`` → ``in``: the loop that follows copies
  every field into the context again (the filter is redundant);
* lists ``significant``: ``len(code) > 3`` → ``>= 3`` or ``> 4``, and ``resolve``'s
  ``range(3, len(sig) + 1, 2)`` → ``+ 2``: codes have odd lengths (a letter and pairs of digits),
  and no top-level code is a letter and "00";
* lists ``lru_cache(maxsize=4096)`` → 4097; refdata ``sqlite3.connect(timeout=30)`` → 31;
* lists ``Resolution.unverified_rows`` negated: nothing calls it (dead code);
* refdata ``_connect(None, True)`` → ``False``: ``create`` is not read for an in-memory registry;
* refdata ``json.dumps(doc, ensure_ascii=False)`` → ``True`` when storing a list: read back the same;
* refdata ``load_workbook(read_only=True)`` → ``False``: memory, not results.

Not equivalent and not tested: ``load_workbook(data_only=True)`` → ``False`` would import a formula
cell's formula instead of its cached value; a test needs a workbook saved by a spreadsheet program
(openpyxl writes no cached values).
"""
from __future__ import annotations

import argparse
import ast
import json
import os
import queue
import shutil
import subprocess
import sys
import tempfile
import time
from concurrent.futures import ThreadPoolExecutor
from dataclasses import asdict, dataclass
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent

#: The tests that exercise each module; a mutant is run against its module's subset only.
SUBSETS = {
    "facts": ["tests/test_boundaries.py", "tests/test_mutants.py", "tests/test_rule_examples.py", "tests/test_engine.py",
              "tests/test_registry_cli.py", "tests/test_cli.py", "tests/test_profiles.py"],
    "lists": ["tests/test_boundaries.py", "tests/test_mutants.py", "tests/test_lists.py", "tests/test_rule_examples.py",
              "tests/test_engine.py", "tests/test_profiles.py", "tests/test_registry_cli.py"],
    "refdata": ["tests/test_boundaries.py", "tests/test_mutants.py", "tests/test_refdata.py", "tests/test_registry_cli.py"],
}

_CMP = {ast.Lt: ast.LtE, ast.LtE: ast.Lt, ast.Gt: ast.GtE, ast.GtE: ast.Gt, ast.Eq: ast.NotEq,
        ast.NotEq: ast.Eq, ast.In: ast.NotIn, ast.NotIn: ast.In, ast.Is: ast.IsNot, ast.IsNot: ast.Is}
_SYM = {ast.Lt: "<", ast.LtE: "<=", ast.Gt: ">", ast.GtE: ">=", ast.Eq: "==", ast.NotEq: "!=",
        ast.In: "in", ast.NotIn: "not in", ast.Is: "is", ast.IsNot: "is not"}
_SQL = (("<=?", "<?"), (">=?", ">?"), (" AND ", " OR "), ("valid_until IS NULL OR ", ""))


@dataclass
class Mutant:
    module: str
    node: int          # index of the node in ast.walk order
    arg: object        # which operator / occurrence
    line: int
    change: str
    outcome: str = ""  # killed | survived | timeout
    seconds: float = 0.0
    failed: str = ""   # the first failing test


def _is_docstring(node, parents):
    parent = parents.get(node)
    return isinstance(parent, ast.Expr)


def sites(module: str, source: str):
    """Every mutant of ``source``, in a fixed order."""
    tree = ast.parse(source)
    nodes = list(ast.walk(tree))
    parents = {child: node for node in nodes for child in ast.iter_child_nodes(node)}
    out = []
    for i, node in enumerate(nodes):
        line = getattr(node, "lineno", 0)
        if isinstance(node, ast.Compare):
            for k, op in enumerate(node.ops):
                if type(op) in _CMP:
                    out.append(Mutant(module, i, k, line, f"{_SYM[type(op)]} → {_SYM[_CMP[type(op)]]}"))
        elif isinstance(node, ast.BoolOp):
            a, b = ("and", "or") if isinstance(node.op, ast.And) else ("or", "and")
            out.append(Mutant(module, i, None, line, f"{a} → {b}"))
        elif isinstance(node, ast.UnaryOp) and isinstance(node.op, ast.Not):
            out.append(Mutant(module, i, None, line, "not x → x"))
        elif isinstance(node, ast.Constant) and isinstance(node.value, bool):
            out.append(Mutant(module, i, None, line, f"{node.value} → {not node.value}"))
        elif isinstance(node, ast.Constant) and type(node.value) is int:
            out.append(Mutant(module, i, None, line, f"{node.value} → {node.value + 1}"))
        elif (isinstance(node, ast.Constant) and isinstance(node.value, str) and not _is_docstring(node, parents)
              and ("SELECT" in node.value or "WHERE" in node.value)):
            for old, new in _SQL:
                start = 0
                while (at := node.value.find(old, start)) >= 0:
                    out.append(Mutant(module, i, (old, new, at), line, f"SQL {old.strip()!r} → {new.strip()!r} at {at}"))
                    start = at + len(old)
    return out


def apply(source: str, m: Mutant) -> str:
    tree = ast.parse(source)
    node = list(ast.walk(tree))[m.node]
    if isinstance(node, ast.Compare):
        node.ops[m.arg] = _CMP[type(node.ops[m.arg])]()
    elif isinstance(node, ast.BoolOp):
        node.op = ast.Or() if isinstance(node.op, ast.And) else ast.And()
    elif isinstance(node, ast.UnaryOp):
        parents = {c: n for n in ast.walk(tree) for c in ast.iter_child_nodes(n)}
        _replace(parents[node], node, node.operand)
    elif isinstance(node.value, bool):
        node.value = not node.value
    elif isinstance(node.value, int):
        node.value += 1
    else:
        old, new, at = m.arg
        node.value = node.value[:at] + new + node.value[at + len(old):]
    return ast.unparse(tree)


def _replace(parent, old, new):
    for name, value in ast.iter_fields(parent):
        if value is old:
            setattr(parent, name, new)
            return
        if isinstance(value, list) and any(v is old for v in value):
            value[[id(v) for v in value].index(id(old))] = new
            return
    raise ValueError("node not found in its parent")


def copy_repo(dest: Path):
    files = subprocess.run(["git", "ls-files", "-co", "--exclude-standard", "-z"], cwd=ROOT, check=True,
                           capture_output=True).stdout.decode().split("\0")
    for f in filter(None, files):
        src = ROOT / f
        if src.is_file():
            (dest / f).parent.mkdir(parents=True, exist_ok=True)
            shutil.copy2(src, dest / f)


def run_tests(repo: Path, tests, timeout):
    start = time.monotonic()
    env = dict(os.environ, PYTHONDONTWRITEBYTECODE="1")
    try:
        r = subprocess.run([sys.executable, "-m", "pytest", "-q", "-x", "-p", "no:cacheprovider", *tests],
                           cwd=repo, env=env, capture_output=True, text=True, timeout=timeout)
    except subprocess.TimeoutExpired:
        return "timeout", time.monotonic() - start, ""
    failed = next((line.split(" - ")[0] for line in r.stdout.splitlines() if line.startswith(("FAILED", "ERROR"))), "")
    if r.returncode not in (0, 1):   # collection error, interrupted, internal error: the mutant broke import
        failed = failed or f"pytest exit {r.returncode}"
    return ("survived" if r.returncode == 0 else "killed"), time.monotonic() - start, failed


def main(argv=None):
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--module", action="append", choices=sorted(SUBSETS), help="modules to mutate [default: all]")
    ap.add_argument("--exclude", action="append", default=[], help="a test file to leave out of every subset")
    ap.add_argument("--tests", nargs="+", help="run these tests for every module instead of its subset (e.g. tests/)")
    ap.add_argument("--only", action="append", default=[], metavar="MODULE:LINE",
                    help="only the mutants on this line (repeatable), e.g. to re-run survivors against --tests tests/")
    ap.add_argument("--jobs", type=int, default=2)
    ap.add_argument("--timeout", type=float, default=0, help="seconds per mutant [default: 4x the clean run, at least 30]")
    ap.add_argument("--report", type=Path, help="write every mutant and its outcome here (JSON)")
    args = ap.parse_args(argv)
    modules = args.module or sorted(SUBSETS)
    scratch = Path(tempfile.mkdtemp(prefix="lvcai-mutate-"))
    try:
        repos = queue.Queue()
        for j in range(args.jobs):
            repo = scratch / f"w{j}" / "repo"
            copy_repo(repo)
            repos.put(repo)
        results = []
        for module in modules:
            rel = f"checker/{module}.py"
            source = (ROOT / rel).read_text(encoding="utf-8")
            tests = [t for t in (args.tests or SUBSETS[module]) if t not in args.exclude]
            repo = repos.get()
            (repo / rel).write_text(ast.unparse(ast.parse(source)), encoding="utf-8")
            clean, seconds, failed = run_tests(repo, tests, 600)
            (repo / rel).write_text(source, encoding="utf-8")
            repos.put(repo)
            if clean != "survived":
                sys.exit(f"{rel}: the tests fail without a mutation ({failed}); fix that first")
            timeout = args.timeout or max(30.0, 4 * seconds)
            mutants = [m for m in sites(module, source) if not args.only or f"{module}:{m.line}" in args.only]
            print(f"{rel}: {len(mutants)} mutants, clean run {seconds:.1f}s, limit {timeout:.0f}s, tests {' '.join(tests)}",
                  flush=True)

            def one(m, rel=rel, source=source, tests=tests, timeout=timeout):
                repo = repos.get()
                try:
                    (repo / rel).write_text(apply(source, m), encoding="utf-8")
                    m.outcome, m.seconds, m.failed = run_tests(repo, tests, timeout)
                finally:
                    (repo / rel).write_text(source, encoding="utf-8")
                    repos.put(repo)
                if m.outcome != "killed":
                    print(f"  {m.outcome.upper():8} {rel}:{m.line} {m.change}", flush=True)
                return m
            with ThreadPoolExecutor(args.jobs) as pool:
                results += list(pool.map(one, mutants))
        print("\nmodule    mutants  killed  survived  timeout  surviving share (of those that finished)")
        summary = {}
        for module in modules:
            ms = [m for m in results if m.module == module]
            n = {k: sum(m.outcome == k for m in ms) for k in ("killed", "survived", "timeout")}
            done = n["killed"] + n["survived"]
            summary[module] = dict(n, mutants=len(ms), surviving_share=round(n["survived"] / done, 3) if done else None)
            print(f"{module:9} {len(ms):7} {n['killed']:7} {n['survived']:9} {n['timeout']:8}  "
                  f"{n['survived']}/{done} = {100 * n['survived'] / max(done, 1):.1f}%")
        if args.report:
            args.report.write_text(json.dumps({"excluded_tests": args.exclude, "summary": summary,
                                               "mutants": [asdict(m) for m in results]}, ensure_ascii=False, indent=1),
                                   encoding="utf-8")
        return 0
    finally:
        shutil.rmtree(scratch, ignore_errors=True)


if __name__ == "__main__":
    sys.exit(main())
