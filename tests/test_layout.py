"""Which way the imports point: library code never depends on the click command module, and only
checker/engine.py imports durable-rules."""
import ast
from pathlib import Path

from conftest import ROOT

PKG = ROOT / "checker"


def _imports(path: Path):
    tree = ast.parse(path.read_text(encoding="utf-8"))
    for node in ast.walk(tree):
        if isinstance(node, ast.ImportFrom):
            base = ("." * node.level) + (node.module or "")
            yield base
            for a in node.names:
                yield base + a.name if base.endswith(".") else f"{base}.{a.name}"
        elif isinstance(node, ast.Import):
            yield from (a.name for a in node.names)


def test_no_library_module_imports_the_cli():
    offenders = []
    for path in PKG.rglob("*.py"):
        if path.name in ("cli.py", "__main__.py"):
            continue
        for name in _imports(path):
            if name.split(".")[-1] == "cli" or name.endswith(".cli") or name in (".cli", "checker.cli"):
                offenders.append(f"{path.relative_to(ROOT)}: {name}")
    assert offenders == []


def test_only_the_engine_module_imports_durable():
    users = sorted(str(p.relative_to(ROOT)) for p in PKG.rglob("*.py") if any(n.startswith("durable") for n in _imports(p)))
    assert users == ["checker/engine.py"]


def test_test_helpers_are_not_shipped_in_the_package():
    assert not (PKG / "browser.py").exists()
