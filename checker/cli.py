"""The ``lvcai`` command. Thin: parse options, call the library, render, exit with a named code."""
from __future__ import annotations

import datetime as _dt
import os
import sys
from pathlib import Path

import click

from . import __version__
from ._io import write_atomic
from .errors import LvcaiError, UsageError
from .findings import CHK_PARSE, EXIT_FINDINGS, EXIT_OK, EXIT_UNCHECKABLE, SEVERITIES, exit_code
from .formatters import BINARY, FORMATTERS, REPORT_FORMATS
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


def write_output(data, output: str | None, inputs) -> None:
    """Write to stdout, or to ``output`` atomically (temp file + rename), never over an input."""
    if output is None:
        click.echo(data, nl=False)
        return
    target = Path(output)
    for p in inputs:
        if p != STDIN and Path(p).exists() and target.exists() and os.path.samefile(p, target):
            raise UsageError(f"--output {output} is one of the input plans; refusing to overwrite it")
    directory = target.resolve().parent
    if not directory.is_dir():
        raise UsageError(f"--output {output}: directory {directory} does not exist")
    write_atomic(target, data.encode("utf-8") if isinstance(data, str) else data)


def parse_generated_at(value):
    """--generated-at: an ISO 8601 date-time, kept as given (normalised); the only way time enters."""
    if value is None:
        return None
    try:
        return _dt.datetime.fromisoformat(value).isoformat()
    except ValueError:
        raise UsageError(f"--generated-at {value!r}: expected an ISO 8601 date-time such as 2026-03-16T09:30:00+08:00") from None


def run_meta(checker, results, options, generated_at=None) -> dict:
    meta = checker.provenance()
    meta["inputs"] = [{"source": r.source, "sha256": r.sha256} for r in results]
    meta["options"] = options
    if generated_at:
        meta["generated_at"] = generated_at
    return meta


@click.group(context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(__version__, prog_name="lvcai")
def main():
    """lvcai (绿采): check procurement plans against green-procurement obligations."""


def _run(plans, fmt, output, fail_on, lang, profile, generated_at):
    """Check, render, write; returns the exit code. Shared by `check` and `report`."""
    from .api import get_checker
    try:
        if plans.count(STDIN) > 1:
            raise UsageError("'-' (standard input) may be given only once")
        if fmt in BINARY and output is None:
            raise UsageError(f"--format {fmt} writes a file: give --output FILE")
        stamp = parse_generated_at(generated_at)
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
        data = FORMATTERS[fmt](results, run_meta(checker, results, options, stamp), lang=lang, color=color)
        write_output(data, output, plans)
    except LvcaiError as e:
        click.echo(f"lvcai: error: {e}", err=True)
        return EXIT_UNCHECKABLE
    except Exception as e:  # a bug of ours: one line for the user, the traceback on request
        if os.environ.get("LVCAI_DEBUG"):
            raise
        click.echo(f"lvcai: internal error: {type(e).__name__}: {e} (set LVCAI_DEBUG=1 for the traceback)", err=True)
        return EXIT_UNCHECKABLE
    return exit_code(results, fail_on)


def _common(f):
    """Options shared by `check` and `report`."""
    for deco in reversed([
        click.argument("plans", nargs=-1, required=True, metavar="PLAN.json… (- for stdin)"),
        click.option("--output", "-o", type=click.Path(dir_okay=False), help="Write here (atomically) instead of standard output."),
        click.option("--fail-on", type=click.Choice(list(reversed(SEVERITIES))), default="error", show_default=True,
                     help="Exit 1 when a finding is at or above this severity."),
        click.option("--lang", type=click.Choice(LANGS), default="zh", show_default=True),
        click.option("--profile", default="national", show_default=True, help="Rule profile (rules/profiles/NAME.json)."),
        click.option("--generated-at", metavar="ISO-TIME",
                     help="Print this time in the report; without it nothing time-dependent is printed."),
    ]):
        f = deco(f)
    return f


@main.command()
@_common
@click.option("--format", "fmt", type=click.Choice(list(FORMATTERS)), default="text", show_default=True)
def check(plans, fmt, output, fail_on, lang, profile, generated_at):
    """Check procurement plans. Exit 0: nothing at or above --fail-on; 1: something is; 2: a plan
    could not be checked (each problem is listed with its JSON pointer) or the command was misused."""
    sys.exit(_run(plans, fmt, output, fail_on, lang, profile, generated_at))


@main.command()
@_common
@click.option("--format", "fmt", type=click.Choice(REPORT_FORMATS), required=True)
def report(plans, fmt, output, fail_on, lang, profile, generated_at):
    """Write a compliance report (HTML, PDF, Markdown or Excel) for auditors and budget units.
    --output is required; exit codes as for `check`."""
    if output is None:
        raise click.UsageError("--output FILE is required")
    sys.exit(_run(plans, fmt, output, fail_on, lang, profile, generated_at))


@main.command()
@click.argument("inputs", nargs=-1, required=True, metavar="INPUT… (directory, glob, JSON Lines file or plan)")
@click.option("--output-dir", "-d", required=True, type=click.Path(file_okay=False), help="Where the findings files and the summary go.")
@click.option("--jobs", "-j", type=click.IntRange(min=1), help="Worker processes [default: the number of CPUs].")
@click.option("--format", "formats", default="json,html,xlsx", show_default=True, help="Summary formats, comma-separated: json, html, xlsx.")
@click.option("--fail-on", type=click.Choice(list(reversed(SEVERITIES))), default="error", show_default=True)
@click.option("--lang", type=click.Choice(LANGS), default="zh", show_default=True)
@click.option("--profile", default="national", show_default=True)
@click.option("--force", is_flag=True, help="Check every plan, even those unchanged since the last run.")
def batch(inputs, output_dir, jobs, formats, fail_on, lang, profile, force):
    """Check a whole budget round: one findings file per plan in OUTPUT_DIR/plans/ and a summary.
    Exit 0: every plan checked and nothing at or above --fail-on; 1: something is, or a plan could not
    be checked; 2: the command was misused."""
    from . import batch as _batch
    from .formatters import summary as _summary
    from .api import get_checker
    try:
        wanted = [f.strip() for f in formats.split(",") if f.strip()]
        bad = [f for f in wanted if f not in _summary.FORMATS]
        if bad or not wanted:
            raise UsageError(f"--format {formats}: expected a comma-separated list of {', '.join(_summary.FORMATS)}")
        doc = _batch.run(inputs, output_dir, jobs=jobs, profile=profile, lang=lang, force=force, fail_on=fail_on,
                         progress=sys.stderr.isatty(), stream=sys.stderr)
        meta = get_checker(profile).provenance()
        meta.pop("rules_applied", None)
        meta["inputs"] = list(inputs)
        meta["options"] = {"fail_on": fail_on, "lang": lang, "profile": profile, "formats": wanted}
        for fmt in wanted:
            write_atomic(Path(output_dir) / f"summary.{fmt}", _summary.RENDER[fmt](doc, meta, lang))
    except LvcaiError as e:
        click.echo(f"lvcai: error: {e}", err=True)
        sys.exit(EXIT_UNCHECKABLE)
    v = doc["verdicts"]
    click.echo(f"{doc['plans']} plans: {v['compliant']} compliant, {v['not_compliant']} not compliant, "
               f"{v['not_checkable']} not checkable ({doc['reused']} unchanged); summary in {output_dir}", err=True)
    threshold = SEVERITIES.index(fail_on)
    over = any(n for s, n in doc["findings"].items() if SEVERITIES.index(s) >= threshold)
    sys.exit(EXIT_FINDINGS if v["not_checkable"] or over else EXIT_OK)


if __name__ == "__main__":  # pragma: no cover
    main()
