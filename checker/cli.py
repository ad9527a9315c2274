"""The ``lvcai`` command. Thin: parse options, call the library, render, exit with a named code."""
from __future__ import annotations

import os
import sys
import tempfile
from pathlib import Path

import click

from . import __version__
from .errors import LvcaiError, UsageError
from .findings import CHK_PARSE, EXIT_UNCHECKABLE, SEVERITIES, exit_code
from .formatters import FORMATTERS
from .i18n import LANGS

STDIN = "-"


def read_inputs(paths):
    """Yield (source name, bytes or None, read error) for each argument; '-' is standard input."""
    for p in paths:
        if p == STDIN:
            yield "<stdin>", sys.stdin.buffer.read(), None
            continue
        try:
            yield p, Path(p).read_bytes(), None
        except OSError as e:
            yield p, None, f"cannot be read: {e.strerror or e}"


def write_output(text: str, output: str | None, inputs) -> None:
    """Write to stdout, or to ``output`` atomically (temp file + rename), never over an input."""
    if output is None:
        click.echo(text, nl=False)
        return
    target = Path(output)
    for p in inputs:
        if p != STDIN and Path(p).exists() and target.exists() and os.path.samefile(p, target):
            raise UsageError(f"--output {output} is one of the input plans; refusing to overwrite it")
    directory = target.resolve().parent
    if not directory.is_dir():
        raise UsageError(f"--output {output}: directory {directory} does not exist")
    fd, tmp = tempfile.mkstemp(prefix=f".{target.name}.", dir=directory)
    try:
        with os.fdopen(fd, "w", encoding="utf-8", newline="\n") as fh:
            fh.write(text)
        os.replace(tmp, target)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise


def run_meta(checker, results, options) -> dict:
    meta = checker.provenance()
    meta["inputs"] = [{"source": r.source, "sha256": r.sha256} for r in results]
    meta["options"] = options
    return meta


@click.group(context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(__version__, prog_name="lvcai")
def main():
    """lvcai (绿采): check procurement plans against green-procurement obligations."""


@main.command()
@click.argument("plans", nargs=-1, required=True, metavar="PLAN.json… (- for stdin)")
@click.option("--format", "fmt", type=click.Choice(sorted(FORMATTERS)), default="text", show_default=True)
@click.option("--output", "-o", type=click.Path(dir_okay=False), help="Write here instead of standard output.")
@click.option("--fail-on", type=click.Choice(list(reversed(SEVERITIES))), default="error", show_default=True,
              help="Exit 1 when a finding is at or above this severity.")
@click.option("--lang", type=click.Choice(LANGS), default="zh", show_default=True)
@click.option("--profile", default="national", show_default=True, help="Rule profile (rules/profiles/NAME.json).")
def check(plans, fmt, output, fail_on, lang, profile):
    """Check procurement plans. Exit 0: nothing at or above --fail-on; 1: something is; 2: a plan
    could not be checked (each problem is listed with its JSON pointer) or the command was misused."""
    from .api import get_checker
    try:
        if plans.count(STDIN) > 1:
            raise UsageError("'-' (standard input) may be given only once")
        checker = get_checker(profile)
        results = []
        for source, data, err in read_inputs(plans):
            if err is not None:
                results.append(checker.not_checkable(source, "", None, CHK_PARSE, [("", err)]))
            else:
                results.append(checker.check(data, source, langs=(lang,)))
        for r in results:
            for ptr, rid, msg in r.errors:
                click.echo(f"{r.source}: {ptr or '/'}: {msg}", err=True)
        options = {"format": fmt, "fail_on": fail_on, "lang": lang, "profile": profile}
        color = output is None and fmt == "text" and sys.stdout.isatty() and "NO_COLOR" not in os.environ
        text = FORMATTERS[fmt](results, run_meta(checker, results, options), lang=lang, color=color)
        write_output(text, output, plans)
    except LvcaiError as e:
        click.echo(f"lvcai: error: {e}", err=True)
        sys.exit(EXIT_UNCHECKABLE)
    sys.exit(exit_code(results, fail_on))


if __name__ == "__main__":  # pragma: no cover
    main()
