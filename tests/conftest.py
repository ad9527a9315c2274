import json
import os
import tempfile
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
EXAMPLES = ROOT / "examples"
# Tests read only what the project ships (rules/, schemas/, examples/); the comparison of the shipped
# data with the research files it came from is a maintenance script, rules/maintenance/, not a test.
# Never read a registry the machine's user may have at the default place: tests name theirs.
os.environ["LVCAI_REGISTRY"] = str(Path(tempfile.mkdtemp(prefix="lvcai-test-")) / "absent.sqlite")


def pytest_addoption(parser):
    parser.addoption("--regen-golden", action="store_true",
                     help="rewrite tests/golden/ from the current output (do this deliberately, then review the diff)")


@pytest.fixture
def regen_golden(request):
    return request.config.getoption("--regen-golden")


@pytest.fixture(scope="session")
def checker():
    from checker.api import get_checker
    return get_checker("national")


@pytest.fixture
def base_plan():
    return json.loads((ROOT / "rules" / "examples" / "base.json").read_text(encoding="utf-8"))


def plan_bytes(doc) -> bytes:
    return json.dumps(doc, ensure_ascii=False).encode("utf-8")


def json_strings(node, ptr=""):
    """(pointer, text) of every string in a JSON document."""
    if isinstance(node, dict):
        for k, v in node.items():
            yield from json_strings(v, f"{ptr}/{k}")
    elif isinstance(node, list):
        for i, v in enumerate(node):
            yield from json_strings(v, f"{ptr}/{i}")
    elif isinstance(node, str):
        yield ptr, node
