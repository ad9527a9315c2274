"""The README's sample outputs are what the tool prints.

Every paragraph of the README of the form "`lvcai ARGS` prints:" or "`lvcai ARGS` (abridged):"
followed by a fenced block is a sample: ARGS is run (as `python3 -m checker ARGS` in the checkout)
and its standard output compared with the block. A block with lines that are only "…" is abridged:
the runs of lines between them must appear in the output in order, each run whole and unbroken, the
first at the start and the last at the end unless a "…" stands before or after it. The expected text
is read from the README, never written here: when the output changes on purpose, re-sync the README.
"""
import os
import re
import shlex
import subprocess
import sys

import pytest

from conftest import ROOT

INTRO = re.compile(r"^`lvcai (?P<args>[^`]+)`[^`]*:\s*$")
ELLIPSIS = "…"


def samples():
    lines = (ROOT / "README.md").read_text(encoding="utf-8").splitlines()
    found = []
    for i, line in enumerate(lines):
        m = INTRO.match(line)
        if not m:
            continue
        j = i + 1
        while j < len(lines) and not lines[j].strip():
            j += 1
        if j < len(lines) and lines[j].startswith("```"):
            end = lines.index("```", j + 1)
            found.append((m["args"], lines[j + 1:end]))
    return found


def test_the_readme_samples_are_found():
    """The parser above finds the samples the README is known to have (so the test below cannot
    pass by finding none)."""
    assert {"check examples/award-stage-audit.json",
            "check examples/school-plan-with-violations.json --lang en"} <= {args for args, _ in samples()}


def run(args):
    env = dict(os.environ, NO_COLOR="1")
    r = subprocess.run([sys.executable, "-m", "checker", *shlex.split(args)], cwd=ROOT, env=env,
                       capture_output=True, encoding="utf-8")
    assert r.returncode in (0, 1), r.stderr
    return r.stdout.splitlines()


def segments(block):
    """The runs of lines between "…" lines, and whether a "…" stands first and last."""
    runs, current = [], []
    for line in block:
        if line.strip() == ELLIPSIS:
            runs.append(current)
            current = []
        else:
            current.append(line)
    runs.append(current)
    return runs


def find(lines, run, start):
    for i in range(start, len(lines) - len(run) + 1):
        if lines[i:i + len(run)] == run:
            return i
    return -1


@pytest.mark.parametrize("args,block", samples(), ids=[a for a, _ in samples()])
def test_readme_sample_is_what_the_tool_prints(args, block):
    got = run(args)
    printed = "\n".join(got)
    if not any(line.strip() == ELLIPSIS for line in block):
        assert got == block, f"README's output of `lvcai {args}` differs; the tool prints:\n{printed}"
        return
    runs = segments(block)
    at = 0
    for n, lines in enumerate(runs):
        if not lines:                       # "…" first or last, or two in a row
            continue
        i = find(got, lines, at)
        assert i >= 0, f"README's lines of `lvcai {args}` not printed in this order:\n" + "\n".join(lines) + f"\n\nthe tool prints:\n{printed}"
        if n == 0:
            assert i == 0, f"the README's `lvcai {args}` output does not start as the tool's:\n{printed}"
        if n == len(runs) - 1:
            assert i + len(lines) == len(got), f"the README's `lvcai {args}` output does not end as the tool's:\n{printed}"
        at = i + len(lines)
