"""The ``lvcai`` command. Thin: parse options, call the library, render, exit with a named code."""
from __future__ import annotations

import datetime as _dt
import json
import os
import sys
from pathlib import Path

import click

from . import __version__
from ._io import shown, write_atomic
from .errors import LvcaiError, UsageError, Words
from .findings import CHK_PARSE, EXIT_FINDINGS, EXIT_OK, EXIT_UNCHECKABLE, SEVERITIES, at_or_above, exit_code
from .formatters import BINARY, FORMATTERS, REPORT_FORMATS, json_
from .clock import check_date
from .i18n import LANGS, text as _text

STDIN = "-"


def read_inputs(paths):
    """Yield (source name, bytes or None, read error) for each argument; '-' is standard input.

    Only regular files are opened (a FIFO would block, a directory is no plan); a name that is not
    UTF-8 is shown with U+FFFD where its bytes are not text."""
    for p in paths:
        if p == STDIN:
            yield "<stdin>", sys.stdin.buffer.read(), None
            continue
        name = shown(p)
        try:
            kind = _not_a_file(os.stat(p).st_mode)
            if kind:
                hint = Words("read_fifo_hint") if kind == "kind_fifo" else ""
                yield name, None, Words("read_not_file", kind=Words(kind), hint=hint)
                continue
            yield name, Path(p).read_bytes(), None
        except OSError as e:
            yield name, None, Words("read_failed", why=Words.os_error(e))


def _not_a_file(mode) -> str | None:
    """The messages.json key of what a path is when it is no regular file, else None."""
    import stat
    for test, kind in ((stat.S_ISDIR, "kind_directory"), (stat.S_ISFIFO, "kind_fifo"), (stat.S_ISSOCK, "kind_socket"),
                       (stat.S_ISCHR, "kind_char_device"), (stat.S_ISBLK, "kind_block_device")):
        if test(mode):
            return kind
    return None


def write_output(data, output: str | None, inputs) -> None:
    """Write to stdout, or to ``output`` atomically (temp file + rename), never over an input."""
    if output is None:
        for part in [data] if isinstance(data, (str, bytes)) else _spooled(data):
            click.echo(part, nl=False)
        return
    target = Path(output)
    for p in inputs:
        if p != STDIN and Path(p).exists() and target.exists() and os.path.samefile(p, target):
            raise UsageError(Words("cli_output_is_input", output=output))
    directory = target.resolve().parent
    if not directory.is_dir():
        raise UsageError(Words("cli_output_no_dir", output=output, directory=directory))
    if isinstance(data, str):
        data = data.encode("utf-8")
    elif not isinstance(data, bytes):
        data = (part.encode("utf-8") for part in data)
    write_atomic(target, data)


def _spooled(chunks):
    """Text pieces (json_.chunks) gathered in a file that stays in memory while small: standard output
    gets nothing when a piece fails (a number JSON cannot hold), and a huge output is never one string."""
    import tempfile
    spool = tempfile.SpooledTemporaryFile(max_size=32 << 20, mode="w+", encoding="utf-8", newline="")
    for part in chunks:
        spool.write(part)
    spool.seek(0)
    return iter(lambda: spool.read(1 << 20), "")


def parse_generated_at(value):
    """--generated-at: an ISO 8601 date-time, kept as given (normalised); the only way time enters."""
    if value is None:
        return None
    try:
        return _dt.datetime.fromisoformat(value).isoformat()
    except ValueError:
        raise UsageError(Words("cli_bad_time", value=repr(value))) from None


def _lang_of(argv) -> str:
    """The --lang of a command line (zh when absent or unknown): click's own words are said before
    the command's options are parsed."""
    lang = next((a.split("=", 1)[1] for a in argv if a.startswith("--lang=")), None) or \
        next((b for a, b in zip(argv, argv[1:]) if a == "--lang"), "zh")
    return lang if lang in LANGS else "zh"


def _click_words(message: str, lang: str) -> str:
    """One of click's own messages (a missing argument, an unknown option, a bad value) in ``lang``:
    the patterns are data in reports/messages.json (click_messages); one no pattern knows stays as is."""
    import re
    from .i18n import catalogue
    if lang == "en":
        return message
    for pattern, texts in catalogue()["click_messages"]:
        m = re.match(pattern, message, re.S)
        if m:
            parts = {k: _click_words(v, lang) if k == "why" else v for k, v in m.groupdict().items()}
            return texts[lang].format(**parts)
    return message


class _Words:
    """Help in both languages down to click's own words: the usage line and the help option."""

    def format_usage(self, ctx, formatter):
        formatter.write_usage(ctx.command_path, " ".join(self.collect_usage_pieces(ctx)), prefix="用法 Usage: ")

    def get_help_option(self, ctx):
        option = super().get_help_option(ctx)
        if option is not None:
            option.help = "显示此帮助并退出。Show this message and exit."
        return option


class _Command(_Words, click.Command):
    pass


class _Group(_Words, click.Group):
    command_class = _Command


_Group.group_class = _Group


class _Lvcai(_Words, click.Group):
    """Every command: an unexpected error (a bug of ours) is one line for the user and exit 2;
    LVCAI_DEBUG=1 shows the traceback. Click's own usage errors are said in the --lang asked for."""

    command_class = _Command
    group_class = _Group

    def main(self, args=None, prog_name=None, complete_var=None, standalone_mode=True, **extra):
        args = list(sys.argv[1:] if args is None else args)
        try:
            rv = super().main(args, prog_name, complete_var, standalone_mode=False, **extra)
        except click.exceptions.UsageError as e:
            lang = _lang_of(args)
            if lang == "en":
                e.show()
            else:
                if e.ctx is not None:
                    click.echo(e.ctx.get_usage(), err=True)
                    click.echo(_text("cli_try_help", lang).format(cmd=e.ctx.command_path), err=True)
                click.echo(_text("cli_usage_error", lang).format(e=_click_words(e.format_message(), lang)), err=True)
            sys.exit(e.exit_code)
        except click.exceptions.Abort:
            click.echo(_text("cli_aborted", _lang_of(args)), err=True)
            sys.exit(1)
        except click.ClickException as e:
            e.show()
            sys.exit(e.exit_code)
        sys.exit(rv if isinstance(rv, int) else 0)

    def parse_args(self, ctx, args):
        ctx.meta["lvcai.argv"] = list(args)   # to say an internal error in the --lang asked for
        return super().parse_args(ctx, args)

    def invoke(self, ctx):
        argv = ctx.meta.get("lvcai.argv", [])
        try:
            return super().invoke(ctx)
        except (click.exceptions.ClickException, click.exceptions.Exit, click.exceptions.Abort, SystemExit):
            raise
        except Exception as e:
            if os.environ.get("LVCAI_DEBUG"):
                raise
            lang = next((a.split("=", 1)[1] for a in argv if a.startswith("--lang=")), None) or \
                next((b for a, b in zip(argv, argv[1:]) if a == "--lang"), "zh")
            click.echo(_text("cli_internal_error", lang if lang in LANGS else "zh").format(detail=f"{type(e).__name__}: {e}"),
                       err=True)
            ctx.exit(EXIT_UNCHECKABLE)


@click.group(cls=_Lvcai, context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(__version__, prog_name="lvcai", help="显示版本并退出。Show the version and exit.")
def main():
    """lvcai（绿采）：按绿色采购要求检查政府采购计划。各命令的帮助：lvcai 命令 --help。

    lvcai (绿采): check procurement plans against green-procurement obligations."""


REGISTRY_OPTION = click.option(
    "--registry", type=click.Path(dir_okay=False), envvar="LVCAI_REGISTRY", show_envvar=True,
    help="参考数据库（SQLite）。The reference registry (SQLite) [default: $XDG_DATA_HOME/lvcai/registry.sqlite].")


WAIVERS_OPTION = click.option(
    "--waivers", type=click.Path(dir_okay=False), help="经批准的豁免（JSON，见 schemas/waivers.schema.json）：被豁免的问题标为已豁免并单独计数；过期和未用上的豁免也会列出。"
    "Approved exceptions (JSON, schemas/waivers.schema.json): "
    "waived findings are reported as waived and counted apart; expired and unused waivers are reported.")


LANG_OPTION = click.option("--lang", type=click.Choice(LANGS), default="zh", show_default=True,
                           help="提示信息的语言。The language of the messages.")


def _run(plans, fmt, output, fail_on, lang, profile, generated_at, registry=None, explain=False, waivers=None, filing=None,
         skip_bad=False, strict=False):
    """Check, render, write; returns the exit code. Shared by `check` and `report`."""
    from . import waivers as _waivers
    from .api import get_checker
    try:
        if plans.count(STDIN) > 1:
            raise UsageError(_text("cli_stdin_once", lang))
        if fmt in BINARY and output is None:
            raise UsageError(_text("cli_binary_needs_output", lang).format(fmt=fmt))
        stamp = parse_generated_at(generated_at)
        if filing is not None:   # the sign-off block: options, else the configuration file's defaults
            from . import config as _config
            filing = _config.filing(filing, click.get_current_context().meta.get("lvcai.config"))
        checker = get_checker(profile, registry)
        waiver_list = _waivers.load(waivers) if waivers else ()
        results = []
        for source, data, err in read_inputs(plans):
            if err is not None:
                results.append(checker.not_checkable(source, "", None, CHK_PARSE, [("", err)]))
            else:   # the bytes handed over, not kept here: Checker.check drops them once parsed
                held, data = [data], None
                results.append(checker.check(held.pop(), source, langs=(lang,), waivers=waiver_list, skip_bad=skip_bad,
                                             strict=strict))
        for r in results:
            read = r.meta.get("input")   # a spreadsheet: places are cells, and what was read is said
            for ptr, _rule_id, msg in r.errors:
                click.echo(f"{r.source}: {ptr or ('/' if read is None else '-')}: {_say(msg, lang)}", err=True)
            for note in (read or {}).get("conversions", ()) if explain else ():   # notes are CHK-004 findings
                click.echo(f"{r.source}: {note['place']}: {note['message']}", err=True)
        for w in _waivers.for_no_plan(waiver_list, results):
            click.echo(_text("cli_unused_waiver", lang).format(**w), err=True)
        options = {"format": fmt, "fail_on": fail_on, "lang": lang, "profile": profile}
        if strict:
            options["strict"] = True
        if explain:
            options["explain"] = True
        color = output is None and fmt == "text" and sys.stdout.isatty() and "NO_COLOR" not in os.environ
        meta = checker.run_meta(results, options, stamp, waivers=_waivers.source(waivers) if waivers else None,
                                waiver_list=waiver_list, filing=filing or {})
        # JSON is written in pieces as it is made: the output of a 100,000-line plan is never held whole.
        data = json_.chunks(results, meta, lang) if fmt == "json" else FORMATTERS[fmt](results, meta, lang=lang, color=color)
        write_output(data, output, plans)
    except LvcaiError as e:
        click.echo(_text("cli_error", lang).format(e=e.in_lang(lang)), err=True)
        return EXIT_UNCHECKABLE
    return exit_code(results, fail_on)


def _remember_config(ctx, _param, value):
    """--config: kept for `_run`, which reads it where its problems are said in the chosen language."""
    ctx.meta["lvcai.config"] = value


def _common(f):
    """Options shared by `check` and `report`."""
    for deco in reversed([
        click.argument("plans", nargs=-1, required=True, metavar="PLAN.json|PLAN.xlsx|PLAN.csv…（- 即标准输入 / - for stdin）"),
        # Help is shown before --lang is read, so each option says it in both languages.
        click.option("--output", "-o", type=click.Path(dir_okay=False),
                     help="写入此文件（不给则写到标准输出）。Write here (atomically) instead of standard output."),
        click.option("--fail-on", type=click.Choice(list(reversed(SEVERITIES))), default="error", show_default=True,
                     help="有此级别或更高级别的问题时退出码为 1。Exit 1 when a finding is at or above this severity."),
        click.option("--lang", type=click.Choice(LANGS), default="zh", show_default=True,
                     help="报告和提示信息的语言。The language of the report and of the messages."),
        click.option("--profile", default="national", show_default=True,
                     help="规则配置（rules/profiles/NAME.json）。Rule profile (rules/profiles/NAME.json)."),
        click.option("--generated-at", metavar="ISO-TIME",
                     help="报告中打印的生成时间，其日期即检查日期；不给时检查日期取 SOURCE_DATE_EPOCH，再不给取今天。"
                          "Print this time in the report; its date is the check date. Without it the check date is "
                          "that of SOURCE_DATE_EPOCH, else today."),
        click.option("--report-no", envvar="LVCAI_REPORT_NO", show_envvar=True,
                     help="签署栏的报告编号。Report number for the sign-off block."),
        click.option("--organisation", envvar="LVCAI_ORGANISATION", show_envvar=True,
                     help="检查单位。The organisation that made the check."),
        click.option("--prepared-by", envvar="LVCAI_PREPARED_BY", show_envvar=True, help="检查人。Who made the check."),
        click.option("--reviewed-by", envvar="LVCAI_REVIEWED_BY", show_envvar=True, help="复核人。Who reviewed it."),
        click.option("--config", metavar="FILE", envvar="LVCAI_CONFIG", show_envvar=True, expose_value=False,
                     callback=_remember_config, type=click.Path(dir_okay=False),
                     help="配置文件（JSON，见 schemas/config.schema.json）：签署栏各项的默认值，命令行选项优先。"
                          "Configuration (JSON, schemas/config.schema.json): defaults for the sign-off block; "
                          "options win over it."),
        REGISTRY_OPTION,
        WAIVERS_OPTION,
        click.option("--skip-bad", is_flag=True, help="电子表格计划：有错误行时仍检查正确的行，并列出错误行（不加此项时这样的计划无法检查，退出码 2）。"
                     "Spreadsheet plans: check the good lines of a table with bad rows; "
                     "the bad rows are listed (without it such a plan is not checkable, exit 2)."),
        click.option("--strict", is_flag=True, help="计划中有格式未定义的字段时，该计划不予检查（退出码 2），而不只是警告（CHK-005）。"
                     "A field the plan format does not know makes the plan not checkable (exit 2) instead of a warning (CHK-005)."),
    ]):
        f = deco(f)
    return f


@main.command()
@_common
@click.option("--format", "fmt", type=click.Choice(list(FORMATTERS)), default="text", show_default=True,
              help="输出格式。Output format.")
@click.option("--explain", is_flag=True, help="文本输出：为每个问题显示规则检查的字段和取值，并列出绿色评价和全生命周期成本所依据文献的题名和网址（JSON 和报告中总有）。"
                                               "Text: show, for every finding, the fact fields and values the rule tested, and the titles and "
                                               "addresses of the documents the green evaluation and life-cycle cost rest on "
                                               "(JSON and reports always carry them).")
def check(plans, fmt, output, fail_on, lang, profile, generated_at, report_no, organisation, prepared_by, reviewed_by,
          registry, waivers, skip_bad, strict, explain):
    """检查采购计划（JSON，或电子表格 .xlsx、.csv）。退出码 0：没有达到 --fail-on 级别的问题；1：有；2：有计划无法检查（逐条列出问题及其位置，如 Sheet1!D7），或命令用法有误。

    Check procurement plans (JSON, or spreadsheets: .xlsx, .csv). Exit 0: nothing at or above
    --fail-on; 1: something is; 2: a plan could not be checked (each problem is listed with its place:
    a JSON pointer, or a cell such as Sheet1!D7) or the command was misused."""
    sys.exit(_run(plans, fmt, output, fail_on, lang, profile, generated_at, registry, explain, waivers,
                  _filing(report_no, organisation, prepared_by, reviewed_by), skip_bad, strict))


@main.command()
@_common
@click.option("--format", "fmt", type=click.Choice(REPORT_FORMATS), required=True, help="报告格式。Report format.")
def report(plans, fmt, output, fail_on, lang, profile, generated_at, report_no, organisation, prepared_by, reviewed_by,
           registry, waivers, skip_bad, strict):
    """为审计人员和预算单位生成合规报告（HTML、PDF、Markdown 或 Excel）。必须给出 --output；退出码与 check 相同。

    Write a compliance report (HTML, PDF, Markdown or Excel) for auditors and budget units.
    --output is required; exit codes as for `check`."""
    if output is None:
        raise click.UsageError(_text("cli_output_required", lang))
    sys.exit(_run(plans, fmt, output, fail_on, lang, profile, generated_at, registry, waivers=waivers,
                  filing=_filing(report_no, organisation, prepared_by, reviewed_by), skip_bad=skip_bad, strict=strict))


@main.command("lcc")
@click.argument("plans", nargs=-1, required=True, metavar="PLAN.json|PLAN.xlsx|PLAN.csv…（- 即标准输入 / - for stdin）")
@click.option("--format", "fmt", type=click.Choice(["text", "json"]), default="text", show_default=True,
              help="输出格式（JSON 含每项计算的全部输入）。Output format (JSON carries every input of each computation).")
@click.option("--output", "-o", type=click.Path(dir_okay=False),
              help="写入此文件（不给则写到标准输出）。Write here (atomically) instead of standard output.")
@click.option("--lang", type=click.Choice(LANGS), default="zh", show_default=True,
              help="输出和提示信息的语言。The language of the output and of the messages.")
@click.option("--profile", default="national", show_default=True,
              help="规则配置（rules/profiles/NAME.json），其中有电价、水价、折现率和碳价。"
                   "Rule profile (rules/profiles/NAME.json): it sets the electricity and water prices, discount rate and carbon price.")
@REGISTRY_OPTION
def lcc_command(plans, fmt, output, lang, profile, registry):
    """计算采购计划中各产品的全生命周期成本和绿色价值（使用年限内节约的电、水和减少的二氧化碳及其货币价值），并列出每项假设及其来源。退出码 0：全部算出；1：有明细缺少输入（逐项写明缺什么，不作推测）；2：有计划无法读取，或命令用法有误。

    Compute the life-cycle cost and green value (electricity, water and CO2 saved over the service
    life, and the CO2's money value) of each item of a plan, with every assumption and its source.
    Exit 0: everything computed; 1: an item lacks an input (each is named, nothing is guessed);
    2: a plan could not be read, or the command was misused."""
    from .api import get_checker
    from .formatters import _evaluation, _report
    from .formatters.json_ import dumps
    from . import templates
    from .findings import EXIT_FINDINGS, EXIT_OK, EXIT_UNCHECKABLE
    try:
        if plans.count(STDIN) > 1:
            raise UsageError(_text("cli_stdin_once", lang))
        checker = get_checker(profile, registry)
        results = []
        for source, data, err in read_inputs(plans):
            if err is not None:
                results.append(checker.not_checkable(source, "", None, CHK_PARSE, [("", err)]))
            else:
                results.append(checker.check(data, source, langs=(lang,), lcc=True))
        if fmt == "json":
            out = []
            for r in results:
                entry = {"source": r.source, "sha256": r.sha256, "plan_id": r.plan_id,
                         "status": "checked" if r.checkable else "not_checkable"}
                if r.checkable:
                    entry["life_cycle_cost"], entry["green_value"] = _evaluation.json_parts(r.meta)
                entry["errors"] = [{"rule_id": rid, "pointer": ptr, "message": msg} for ptr, rid, msg in r.errors]
                out.append(entry)
            data = dumps({"schema_version": "1", "provenance": checker.run_meta(results, {"format": fmt, "lang": lang, "profile": profile}),
                          "results": out}, indent=1)
        else:
            shown_plans = []
            for r in results:
                p = {"source": r.source, "plan_id": r.plan_id, "checkable": r.checkable,
                     "errors": [{"rule_id": rid, "place": _report.pointer_place(ptr, lang), "text": _report.schema_message(msg, lang)}
                                for ptr, rid, msg in r.errors]}
                if r.checkable:
                    p.update({"agency": r.meta["agency"]["name"], "date": r.meta["date"], "lcc": _evaluation.section(r.meta, lang)})
                shown_plans.append(p)
            data = templates.render("lcc.txt.j2", False, plans=shown_plans, lang=lang)
        write_output(data, output, plans)
    except LvcaiError as e:
        click.echo(_text("cli_error", lang).format(e=e.in_lang(lang)), err=True)
        sys.exit(EXIT_UNCHECKABLE)
    if any(not r.checkable for r in results):
        sys.exit(EXIT_UNCHECKABLE)
    incomplete = any(i["missing"] for r in results for i in r.meta["life_cycle_cost"]["items"])
    sys.exit(EXIT_FINDINGS if incomplete else EXIT_OK)


def _filing(report_no, organisation, prepared_by, reviewed_by):
    return {"report_no": report_no, "organisation": organisation, "prepared_by": prepared_by, "reviewed_by": reviewed_by}


@main.command()
@click.argument("inputs", nargs=-1, required=True, metavar="INPUT…（目录、通配符、JSON Lines 文件或计划 / directory, glob, JSON Lines file or plan）")
@click.option("--output-dir", "-d", required=True, type=click.Path(file_okay=False), help="检查结果文件和汇总写到这里。Where the findings files and the summary go.")
@click.option("--jobs", "-j", type=click.IntRange(min=1), help="工作进程数［默认：CPU 数］。Worker processes [default: the number of CPUs].")
@click.option("--format", "formats", default="json,html,xlsx", show_default=True, help="汇总的格式，以逗号分隔。Summary formats, comma-separated: json, html, xlsx.")
@click.option("--fail-on", type=click.Choice(list(reversed(SEVERITIES))), default="error", show_default=True,
              help="有此级别或更高级别的问题时退出码为 1。Exit 1 when a finding is at or above this severity.")
@click.option("--lang", type=click.Choice(LANGS), default="zh", show_default=True,
              help="汇总和提示信息的语言。The language of the summary and of the messages.")
@click.option("--profile", default="national", show_default=True,
              help="规则配置（rules/profiles/NAME.json）。Rule profile (rules/profiles/NAME.json).")
@click.option("--force", is_flag=True, help="检查每份计划，包括上次检查后没有变化的。Check every plan, even those unchanged since the last run.")
@click.option("--title", help="汇总报告的标题（如“2026年度政府采购计划绿色采购检查”）。The round's title on the summary.")
@click.option("--generated-at", metavar="ISO-TIME",
              help="汇总的检查日期；不给时取 SOURCE_DATE_EPOCH，再不给取今天。The check date of the summary; without it "
                   "that of SOURCE_DATE_EPOCH, else today (today's date is left out of summary.json).")
@REGISTRY_OPTION
@WAIVERS_OPTION
@click.option("--record", is_flag=True, help="把本轮结果存入参考数据库，供 lvcai publish 使用（再次记录同一轮会替换）。"
              "Store the round's results in the registry for `lvcai publish` "
              "(recording a round again replaces it).")
@click.option("--round", "round_id", help="--record：本轮的编号［默认：OUTPUT_DIR 的名称］。--record: the round's id [default: the OUTPUT_DIR's name].")
@click.option("--round-date", help="--record：本轮的日期（YYYY-MM-DD）［默认：今天］。--record: the round's date (YYYY-MM-DD) [default: today].")
def batch(inputs, output_dir, jobs, formats, fail_on, lang, profile, force, title, generated_at, registry, waivers, record=False,
          round_id=None, round_date=None):
    """检查一整轮预算：OUTPUT_DIR/plans/ 中每份计划一个检查结果文件，另有汇总。退出码 0：每份计划都已检查且没有达到 --fail-on 级别的问题；1：有，或有计划无法检查；2：命令用法有误，或有汇总文件无法写入（其他的照常写出）。

    Check a whole budget round: one findings file per plan in OUTPUT_DIR/plans/ and a summary.
    Exit 0: every plan checked and nothing at or above --fail-on; 1: something is, or a plan could not
    be checked; 2: the command was misused, or a summary file could not be written (the others are)."""
    from . import batch as _batch, waivers as _waivers
    from ._io import shown
    from .formatters import summary as _summary
    from .api import get_checker
    try:
        wanted = [f.strip() for f in formats.split(",") if f.strip()]
        bad = [f for f in wanted if f not in _summary.FORMATS]
        if bad or not wanted:
            raise UsageError(Words("cli_bad_formats", formats=formats, choices=", ".join(_summary.FORMATS)))
        doc = _batch.run(inputs, output_dir, jobs=jobs, profile=profile, lang=lang, force=force, fail_on=fail_on,
                         progress=sys.stderr.isatty(), stream=sys.stderr, registry=registry, waivers=waivers)
        meta = get_checker(profile, registry).provenance()
        if waivers:
            meta["waivers"] = _waivers.source(waivers)
        date, date_source = check_date(parse_generated_at(generated_at))
        meta["round"] = {**({"title": title} if title else {}), "date": date, "date_source": date_source}
        meta["inputs"] = [shown(i) for i in inputs]
        meta["options"] = {"fail_on": fail_on, "lang": lang, "profile": profile, "formats": wanted}
    except LvcaiError as e:
        click.echo(_text("cli_error", lang).format(e=e.in_lang(lang)), err=True)
        sys.exit(EXIT_UNCHECKABLE)
    except KeyboardInterrupt:
        click.echo(_text("cli_batch_interrupted", lang), err=True)
        sys.exit(130)
    for x in doc["skipped"]:
        click.echo(_text("cli_batch_skipped", lang).format(path=x["path"], reason=_say(x["reason"], lang)), err=True)
    unwritten = []
    for fmt in wanted:           # one format failing must not cost the others
        target = Path(output_dir) / f"summary.{fmt}"
        try:
            write_atomic(target, _summary.RENDER[fmt](doc, meta, lang))
        except Exception as e:   # noqa: BLE001 - reported, and the exit code says so
            why = Words.os_error(e).in_lang(lang) if isinstance(e, OSError) and e.strerror else f"{type(e).__name__}: {e}"
            unwritten.append(_text("cli_batch_unwritten", lang).format(target=shown(str(target)), why=why))
    v = doc["verdicts"]
    skipped = _text("cli_batch_skipped_n", lang).format(n=len(doc["skipped"])) if doc["skipped"] else ""
    click.echo(_text("cli_batch_done", lang).format(plans=doc["plans"], reused=doc["reused"], skipped=skipped,
                                                     out=shown(output_dir), **v), err=True)
    for msg in unwritten:
        click.echo(_text("cli_error", lang).format(e=msg), err=True)
    if record:
        unwritten += _record_round(inputs, output_dir, profile, registry, round_id, round_date, lang)
    if unwritten:
        sys.exit(EXIT_UNCHECKABLE)
    sys.exit(EXIT_FINDINGS if v["not_checkable"] or at_or_above(doc["findings"], fail_on) else EXIT_OK)


def _record_round(inputs, output_dir, profile, registry, round_id, round_date, lang="zh"):
    """`batch --record`: the round's plans stored in the registry (checker/service/stats.py); [] or the error."""
    from . import batch as _batch
    from .refdata import date_problem
    from .service import stats
    try:
        if round_date and date_problem(round_date):
            raise UsageError(Words("option_why", option="--round-date", why=date_problem(round_date)))
        own = [Path(output_dir) / "plans", *(Path(output_dir) / f"summary.{f}" for f in ("json", "html", "xlsx"))]
        sources = [(src.name, _batch.read(src)[0]) for src in _batch.discover(inputs, [], exclude=own)]
        rid = round_id or Path(output_dir).resolve().name
        done = stats.record_round(registry, rid, round_date or stats.default_round_date(), sources, profile)
    except LvcaiError as e:
        click.echo(_text("cli_error", lang).format(e=e.in_lang(lang)), err=True)
        return [str(e)]
    click.echo(_text("cli_round_recorded", lang).format(**done), err=True)
    return []


@main.group("rules")
def rules_group():
    """规则：列出、查看一条、运行示例、生成文档。

    The rules: list them, show one, run their examples, write their documentation."""


@rules_group.command("list")
@click.option("--profile", default="national", show_default=True,
              help="规则配置（rules/profiles/NAME.json）。Rule profile (rules/profiles/NAME.json).")
@LANG_OPTION
def rules_list(profile, lang):
    """列出配置所运行的每条规则：编号、级别、标题和法律依据。

    Id, severity, title and legal basis of every rule the profile runs."""
    from .i18n import label
    from .policy.rulepacks import RulePacks
    try:
        _prof, active, skipped, off = RulePacks().listing(profile)
    except LvcaiError as e:
        _fail(e, lang)
    from .formatters._report import clause_text, short_doc
    sep = "；" if lang == "zh" else "; "
    for r in active:   # the legal basis as the reports cite it: document numbers in zh, short English names in en
        basis = sep.join(f"{short_doc(b['doc'], lang)} {clause_text(b['clause'], lang)}" for b in r.legal_basis)
        click.echo(f"{r.id}  {label(r.severity, lang):<8} {r.title[lang]}  [{basis}]")
    for rule_id, param in skipped:
        click.echo(_text("rules_not_run", lang).format(rule_id=rule_id, param=param))
    for rule_id, setting in off:
        click.echo(_text("rules_switched_off", lang).format(rule_id=rule_id, profile=setting["profile"], reason=setting["reason"][lang]))


@rules_group.command("show")
@click.argument("rule_id")
@LANG_OPTION
def rules_show(rule_id, lang):
    """查看一条规则的全部内容，包括其示例（规则文件的 JSON）。

    Everything about one rule, its examples included (the rule file as JSON). The documents its legal
    bases cite (keys of rules/sources.json, with title and address) follow on standard error, so the
    standard output stays the rule file."""
    from .i18n import text
    from .policy.rulepacks import RulePacks
    try:
        rule = RulePacks().get(rule_id)
    except LvcaiError as e:
        _fail(e, lang)
    click.echo(rule.path.read_text(encoding="utf-8"), nl=False)
    documents = rule.documents()
    if documents:
        click.echo(f"{text('documents_cited', lang)}: {text('documents_cited_intro', lang)}", err=True)
        for s in documents:
            where = " ; ".join(s["urls"]) if s["urls"] else text("no_url_recorded", lang)
            click.echo(f"  [{s['key']}] {s['title']}: {where}", err=True)


@rules_group.command("test")
@click.argument("path", required=False, type=click.Path(exists=True, file_okay=False))
@click.option("--profile", default="national", show_default=True,
              help="规则配置（rules/profiles/NAME.json）。Rule profile (rules/profiles/NAME.json).")
@LANG_OPTION
def rules_test(path, profile, lang):
    """运行每条规则的通过示例和不通过示例（类似 opa test）。PATH：与 rules/ 结构相同的规则目录［默认：内置规则］。有示例未通过时退出码为 1；规则文件无效时为 2。

    Run every rule's pass and fail examples (like `opa test`). PATH: a rules directory laid out
    like rules/ [default: the built-in one]. Exit 1 when an example fails; 2 when a rule file is
    invalid (an operator durable-rules does not implement, an unknown field, …)."""
    from pathlib import Path as _P
    from .api import Checker
    from .ruletest import run_examples, run_policy_examples
    try:
        checker = Checker(profile, rules_dir=_P(path) if path else None)
        outcomes = run_examples(checker)
        policy = run_policy_examples(checker)
    except LvcaiError as e:
        _fail(e, lang)
    failed = [o for o in outcomes + policy if not o.ok]
    for o in failed:
        click.echo(_text("rules_test_fail", lang).format(rule_id=o.rule_id, kind=_text(f"rules_kind_{o.kind}", lang)
                                                           if f"rules_kind_{o.kind}" in _kinds() else o.kind,
                                                           index=o.index, title=o.title, detail=_say(o.detail, lang)))
    rules = len({o.rule_id for o in outcomes})
    parts = len({o.rule_id for o in policy})
    click.echo(_text("rules_test_done_policy", lang).format(rules=rules, examples=len(outcomes), parts=parts, policy=len(policy),
                                                             passed=len(outcomes) + len(policy) - len(failed), failed=len(failed)))
    sys.exit(EXIT_FINDINGS if failed else EXIT_OK)


@rules_group.command("docs")
@click.option("--output", "-o", "out_dir", required=True, type=click.Path(file_okay=False),
              help="文档写到这个目录。The directory to write the pages to.")
@click.option("--lang", type=click.Choice(LANGS), default="zh", show_default=True,
              help="文档和提示信息的语言。The language of the pages and of the messages.")
def rules_docs(out_dir, lang):
    """根据规则文件生成 Markdown 参考文档：每条规则一页，另有索引。

    Write the Markdown reference: one page per rule and an index, from the rule files."""
    from . import templates
    from .facts import FIELDS
    from .policy.rulepacks import RulePacks
    from .policy import params as _params
    try:
        reg = RulePacks()
    except LvcaiError as e:
        _fail(e, lang)
    out = Path(out_dir)
    out.mkdir(parents=True, exist_ok=True)
    rules = sorted(reg.rules.values(), key=lambda r: r.id)
    used = _uses(reg)
    for r in rules:
        page = templates.render("rule.md.j2", False, rule=r, lang=lang, fields={**FIELDS[r.fact], **{
                                    d.id: d.title[lang] for d in reg.derived.values() if d.level == r.fact}},
                                when=json.dumps(r.when, ensure_ascii=False, indent=1), describe=_params.describe)
        write_atomic(out / f"{r.id}.md", page.encode("utf-8"))
    write_atomic(out / "index.md", templates.render("rules-index.md.j2", False, rules=rules, lang=lang).encode("utf-8"))
    page = templates.render("policy.md.j2", False, lang=lang, root=reg.directory, used=used, describe=_params.describe,
                            selectors=sorted(reg.selectors.values(), key=lambda s: s.id),
                            derived=sorted(reg.derived.values(), key=lambda d: d.id),
                            params=sorted(reg.declarations.values(), key=lambda p: p.name),
                            tables=sorted(reg.tables.values(), key=lambda t: t.id),
                            verdicts=sorted(reg.verdicts.values(), key=lambda v: v.id), documents=reg.documents())
    write_atomic(out / "policy.md", page.encode("utf-8"))
    _criteria_docs(out, lang)
    click.echo(_text("rules_docs_done_policy", lang).format(n=len(rules), out=out))


def _criteria_docs(out, lang):
    """`rules docs`: the green criteria, a page per product group (criteria-<group>.md) and their index."""
    from . import templates
    from .formatters import _green
    views = [_green.group_view(g, lang) for g in _criteria_groups(lang).values()]
    for v in views:
        write_atomic(out / f"criteria-{v['id']}.md", templates.render("criteria.md.j2", False, g=v, lang=lang,
                                                                      word=_green.word).encode("utf-8"))
    write_atomic(out / "criteria.md", templates.render("criteria-index.md.j2", False, groups=views, lang=lang,
                                                       word=_green.word).encode("utf-8"))


def _uses(reg) -> dict:
    """Selector, derived value or parameter name → what uses it (rules, derived values, selectors)."""
    from . import i18n
    used = {n: [] for n in [*reg.selectors, *reg.derived, *reg.declarations, *reg.tables]}
    for s in reg.selectors.values():
        for ref in s.refs():
            used[ref].append(f"selector `{s.id}`")
    for d in reg.derived.values():
        for ref in dict.fromkeys(d.selectors()):
            used[ref].append(f"derived `{d.id}`")
        if d.op == "listed":
            used[d.value["listed"]["table"]].append(f"derived `{d.id}`")
    for r in sorted(reg.rules.values(), key=lambda r: r.id):
        names = set(r.fields()) | {n for lang in i18n.LANGS for n in i18n.placeholders(r.message[lang])}
        names |= {p.name for p in r.params}
        for n in sorted(names):
            if n in used and r.id not in used[n]:
                used[n].append(r.id)
    return used


def _kinds():
    from .i18n import catalogue
    return catalogue()["text"]


def _fail(e, lang="zh"):
    click.echo(_text("cli_error", lang).format(e=e.in_lang(lang)), err=True)
    sys.exit(EXIT_UNCHECKABLE)


def _say(message, lang):
    """A problem in the user's language: our own sentences (Words) and the validator's messages
    that messages.json knows; anything else as it is."""
    from .i18n import schema_message
    if isinstance(message, Words):
        return message.in_lang(lang)
    return str(message) if lang == "en" else schema_message(str(message), lang)


@main.group()
def registry():
    """参考数据库：品目分类目录、品目清单版本、认证证书、认证机构、信用记录、诚信档案、深圳市循环经济产品目录和供应商绿色资质，保存在一个 SQLite 文件中。

    The reference registry: catalogs, list editions, certificates, designated bodies, credit
    records, integrity records, Shenzhen's circular-economy catalog and suppliers' green
    qualifications, in one SQLite file."""


def _open_registry(path, lang="zh"):
    """The registry for reading (never created or written): an absent file is an empty registry, the
    normal state of a fresh install; a file that is not a registry exits 2 naming it."""
    from .refdata import RefData
    try:
        return RefData.for_checking(path)
    except LvcaiError as e:
        _fail(e, lang)


@registry.command("import")
@click.argument("kind", type=click.Choice(["catalog", "list", "certificates", "bodies", "credit", "gbm_cities", "circular",
                                           "qualifications"]))
@click.argument("file", type=click.Path(dir_okay=False))
@click.option("--edition", help="品目分类目录：文件是哪个版本（2013 或 2022）。catalog: which edition the file is (2013 or 2022).")
@click.option("--skip-bad", is_flag=True, help="导入正确的行，错误行写到 --rejects。Import the good rows; write the bad ones to --rejects.")
@click.option("--rejects", type=click.Path(dir_okay=False), help="--skip-bad 把未导入的行写到这里［默认：FILE.rejects.csv］。Where --skip-bad writes the rejected rows [default: FILE.rejects.csv].")
@REGISTRY_OPTION
@LANG_OPTION
def registry_import(kind, file, edition, skip_bad, rejects, registry, lang):
    """导入文件（CSV 或 XLSX；UTF-8、带 BOM 的 UTF-8 或 GB18030；表头可用中文或英文；品目清单版本为 JSON）。文件中有错误行时整个文件不导入，逐行列出问题（退出码 2）。

    Import a file (CSV or XLSX; UTF-8, UTF-8 with BOM or GB18030; headers in Chinese or English;
    a list edition as JSON). A file with bad rows is rejected whole, every bad row listed (exit 2)."""
    from .refdata import RefData
    try:
        ref = RefData(registry, create=True)
        rej = Path(rejects) if rejects else (Path(file).with_suffix(".rejects.csv") if skip_bad else None)
        res = ref.import_file(kind, Path(file), edition=edition, skip_bad=skip_bad, rejects=rej)
    except LvcaiError as e:
        _fail(e, lang)
    if res.already:
        click.echo(_text("reg_already", lang).format(file=file, sha=res.sha256[:16]))
    else:
        click.echo(_text("reg_imported", lang).format(file=file, n=res.imported, kind=_text(f"reg_kind_{kind}", lang), path=ref.path))
    if res.rejected:
        click.echo(_text("reg_rejected", lang).format(file=file, n=len(res.rejected), rejects=rej), err=True)


@registry.command("stats")
@REGISTRY_OPTION
@LANG_OPTION
def registry_stats(registry, lang):
    """参考数据库中各类数据的数量，以及检查使用哪些品目分类目录（已导入的，或 lvcai 自带的）。没有数据库文件是正常状态：尚未导入任何数据。

    How much of each kind the registry holds, and which catalogs checks use (imported or shipped
    with lvcai). No registry file is a normal state: nothing imported yet."""
    ref = _open_registry(registry, lang)
    click.echo(_text("reg_stats_head", lang).format(path=ref.path, state="" if ref.exists else _text("reg_stats_no_file", lang)))
    for k, n in ref.counts().items():
        click.echo(_text("reg_stats_row", lang).format(kind=_text(f"reg_kind_{k}", lang), n=n))
    used = [_text("reg_catalog_imported", lang).format(edition=e) for e in sorted(ref.imported_catalogs)] + \
           [_text("reg_catalog_shipped", lang).format(edition=e, n=len(c.codes)) for e, c in sorted(ref.shipped.items())]
    click.echo(_text("reg_stats_row", lang).format(kind=_text("reg_kind_catalogs", lang), n=("、" if lang == "zh" else ", ").join(used) or "-"))


@registry.command("history")
@REGISTRY_OPTION
@LANG_OPTION
def registry_history(registry, lang):
    """每次导入的记录：时间、操作人、文件（SHA-256）、行数。

    Every import: when, by whom, which file (SHA-256), how many rows."""
    ref = _open_registry(registry, lang)
    if not ref.exists:
        click.echo(_text("reg_history_none", lang).format(path=ref.path), err=True)
    for i, kind, f, sha, rows, rejected, edition, at, by in ref.history():
        click.echo(_text("reg_history_row", lang).format(
            i=i, at=at, by=by, kind=_text(f"reg_kind_{kind}", lang) if lang != "en" else kind, file=f, sha=sha, rows=rows,
            rejected=rejected, edition=_text("reg_history_edition", lang).format(edition=edition) if edition else ""))


@registry.command("show")
@click.argument("kind", type=click.Choice(["certificate", "supplier", "catalog"]))
@click.argument("key")
@click.option("--type", "cert_type", type=click.Choice(["energy_saving", "environmental_label"]), help="证书：哪一类。certificate: which type.")
@click.option("--edition", default="2022", show_default=True, help="品目分类目录：哪个版本。catalog: which edition.")
@click.option("--date", help="供应商：在此日期有效的资质、目录条目和禁止记录（YYYY-MM-DD）［默认：全部］。supplier: qualifications, catalog entries and bans in force on this date (YYYY-MM-DD) [default: all].")
@click.option("--format", "fmt", type=click.Choice(["json", "text"]), default="json", show_default=True,
              help="输出格式：json（供系统读取），或 text（供应商的资质、目录条目和记录，按人的说法）。"
                   "json (for systems), or text (a supplier's qualifications, catalog entries and records, in words).")
@REGISTRY_OPTION
@LANG_OPTION
def registry_show(kind, key, cert_type, edition, date, registry, lang, fmt):
    """查询一项：按编号查证书，按统一社会信用代码查供应商（绿色资质、循环经济产品目录条目、禁止参加政府采购活动的记录和诚信档案），或查品目编码。没有找到时退出码为 1。

    Look one thing up: a certificate by number, a supplier by credit code (green qualifications,
    circular-economy catalog entries, bans and integrity records), a catalog code (in the imported
    catalog of the edition, else the shipped one). Exit 1 when nothing is found."""
    import json as _json
    ref = _open_registry(registry, lang)
    if kind == "certificate":
        found = [c for t in ([cert_type] if cert_type else ["energy_saving", "environmental_label"])
                 for c in [ref.certificate(t, key)] if c]
    elif kind == "supplier":
        from . import refdata_circular as circ
        bans = ref.bans(key, date) if date else ref.bans_all(key)
        records = ref.integrity_records(key)
        quals = ref.qualifications(key)
        if date:
            quals = circ.qualifications_on(ref, key, date)[0]
        entries = circ.catalog(ref).by_code.get(key.upper(), [])
        if date:
            entries = [e for e in entries if circ.valid_on(e, date)]
        found = [{"credit_code": key, "qualifications": quals, "circular_entries": entries, "bans": bans,
                  "integrity_records": records}] if bans or records or quals or entries else []
    else:
        found = [e for e in [ref.catalog_entry(edition, key)] if e]
    if fmt == "text" and kind == "supplier" and found:
        click.echo(_supplier_text(found[0], date, lang))
    else:
        click.echo(_json.dumps(found, ensure_ascii=False, indent=1))
    if not found:
        click.echo(_text("reg_show_none", lang).format(key=key), err=True)
    sys.exit(EXIT_OK if found else EXIT_FINDINGS)   # 1: nothing found


def _supplier_text(s, date, lang) -> str:
    """A supplier as `registry show supplier --format text` prints it: what the officer checks, in words."""
    from . import refdata_circular as circ
    from .i18n import label

    def t(key, **kw):
        return _text(key, lang).format(**kw)
    as_of = t("sup_as_of", date=date) if date else ""
    name = next((x["enterprise"] for x in s["qualifications"] + s["circular_entries"] if x.get("enterprise")),
                next((b["name"] for b in s["bans"] if b.get("name")), ""))
    name = (f"（{name}）" if lang == "zh" else f" ({name})") if name else ""
    out = [t("sup_head", code=s["credit_code"], name=name),
           "  " + t("sup_quals", as_of=as_of, n=len(s["qualifications"]))]
    out += [f"    - {circ.qualification_words([q])[lang]}" for q in s["qualifications"]]
    out.append("  " + t("sup_entries", as_of=as_of, n=len(s["circular_entries"])))
    sep = "；" if lang == "zh" else "; "
    out += [f"    - {circ.describe(e, lang)}{sep}{t('sup_entry_status', status=label('circ_' + e['status'], lang))}"
            for e in s["circular_entries"]]
    out.append("  " + t("sup_bans", as_of=as_of, n=len(s["bans"])))
    out += [f"    - {t('sup_ban', start=b['ban_start'], end=b['ban_end'], conduct=b['conduct'], penalty=b['penalty'], authority=b['authority'])}"
            for b in s["bans"]]
    out.append("  " + t("sup_records", n=len(s["integrity_records"])))
    out += [f"    - {t('sup_record', date=r['recorded_on'], plan=r['plan_id'], finding=r['finding'], by=r['recorded_by'])}"
            for r in s["integrity_records"]]
    return "\n".join(out)


@registry.command("diff")
@click.argument("kind", type=click.Choice(["circular"]))
@click.argument("file", type=click.Path(dir_okay=False))
@REGISTRY_OPTION
@LANG_OPTION
def registry_diff(kind, file, registry, lang):
    """导入前查看：与现行的循环经济产品目录相比，新一批目录文件新增、移出和变更了哪些条目（不写入数据库）。相同时退出码为 0，不同时为 1。

    Before an import: what a new batch file adds, removes and changes against the circular-economy
    catalog in force (nothing is written). Exit 0 when it changes nothing, 1 when it does."""
    from . import refdata_circular as circ
    from .errors import DataError
    from .refdata import parse_rows
    ref = _open_registry(registry, lang)
    try:
        if not Path(file).is_file():
            raise UsageError(Words("imp_no_file", path=file))
        good, bad, _ = parse_rows(kind, Path(file))
        if bad:
            raise DataError(file, Words("place_row", n=bad[0][0]), Words("imp_rejected", rows=tuple(
                Words("imp_bad_row", row=r, column=c, problem=m if isinstance(m, Words) else Words.schema(m)) for r, c, m in bad)))
    except LvcaiError as e:
        _fail(e, lang)
    for r in good:
        r.setdefault("brand", "")
        r.setdefault("model", "")
    d = circ.diff(circ.catalog(ref).entries, sorted(good, key=lambda r: r["batch_date"]))
    show = lambda e: circ.describe(e, lang)
    for e in d["added"]:
        click.echo(_text("circ_diff_added", lang).format(entry=show(e)))
    for before, after in d["removed"]:
        click.echo(_text("circ_diff_removed", lang).format(entry=show(before), date=after.get("status_date") or "-",
                                                            reason=after.get("reason") or "-"))
    sep = "；" if lang == "zh" else "; "
    from .i18n import label

    def value(entry, f):
        v = entry.get(f)
        if not v:   # an open date or an empty field, in words
            return _text("qual_open", lang) if f in ("valid_from", "valid_until") else "-"
        return label("circ_" + v, lang) if f == "status" else v
    for before, after, fields in d["changed"]:
        changes = sep.join(_text("circ_diff_change", lang).format(field=_text(f"circ_field_{f}", lang), before=value(before, f),
                                                                  after=value(after, f)) for f in fields)
        click.echo(_text("circ_diff_changed", lang).format(entry=show(before), changes=changes))
    click.echo(_text("circ_diff_summary", lang).format(file=file, added=len(d["added"]), removed=len(d["removed"]),
                                                       changed=len(d["changed"]), kept=d["kept"]), err=True)
    sys.exit(EXIT_FINDINGS if d["added"] or d["removed"] or d["changed"] else EXIT_OK)


@registry.command("list")
@click.argument("kind", type=click.Choice(["circular"]))
@click.option("--date", help="目录在此日期有效的条目（YYYY-MM-DD）［默认：今天］。The entries valid on this date (YYYY-MM-DD) [default: today].")
@click.option("--output", "-o", type=click.Path(dir_okay=False), help="写到此 CSV 文件［默认：标准输出］。Write to this CSV file [default: standard output].")
@REGISTRY_OPTION
@LANG_OPTION
def registry_list(kind, date, output, registry, lang):
    """公布用的品牌和产品清单：在某一日期有效的循环经济产品目录条目（CSV，带 BOM 的 UTF-8，表头用所选语言）。

    The brand and product list to publish: the circular-economy catalog entries valid on a date
    (CSV, UTF-8 with BOM, headers in the chosen language)."""
    import csv as _csv
    import io as _io
    from . import refdata_circular as circ
    from .refdata import date_problem
    if date and date_problem(date):
        _fail(UsageError(Words("option_why", option="--date", why=date_problem(date))), lang)
    day = date or check_date(None)[0]     # today, or SOURCE_DATE_EPOCH
    ref = _open_registry(registry, lang)
    entries = [e for _, e in sorted(circ.catalog(ref).entries.items()) if circ.valid_on(e, day)]
    buf = _io.StringIO()
    w = _csv.writer(buf, lineterminator="\n")
    w.writerow(_text("circ_list_head", lang).split(","))
    for e in entries:
        w.writerow([e["enterprise"], e["credit_code"], e["product"], e["brand"], e["model"], e.get("category_code") or "",
                    e["batches"][0]["batch"], e.get("valid_from") or e["first_listed"], e.get("valid_until") or "", e["source"]])
    if output:
        try:
            write_atomic(Path(output), ("\ufeff" + buf.getvalue()).encode("utf-8"))
        except OSError as e:
            _fail(UsageError(Words("option_why", option=f"--output {output}", why=Words.os_error(e))), lang)
    else:
        click.echo(buf.getvalue(), nl=False)
    click.echo(_text("circ_list_summary", lang).format(date=day, n=len(entries), enterprises=len({e["credit_code"] for e in entries})),
               err=True)


@registry.command("record")
@click.argument("credit_code")
@click.option("--name", required=True, help="供应商名称。The supplier's name.")
@click.option("--finding", required=True, help="检查发现的问题（如虚假的证书声明）。What the audit found (e.g. a false certificate claim).")
@click.option("--plan-id", help="问题所涉及的计划。The plan the finding concerns.")
@click.option("--date", "on", help="发现问题的日期（YYYY-MM-DD）［默认：今天］。The day of the finding (YYYY-MM-DD) [default: today].")
@REGISTRY_OPTION
@LANG_OPTION
def registry_record(credit_code, name, finding, plan_id, on, registry, lang):
    """为供应商添加一条诚信档案记录；此后的中标检查会显示它（GPP-REG-005）。

    Add an integrity record (诚信档案) against a supplier; later award checks show it (GPP-REG-005)."""
    from .refdata import RefData, date_problem
    try:
        if on and date_problem(on):    # before the registry is opened (and perhaps created)
            raise UsageError(Words("option_why", option="--date", why=date_problem(on)))
        RefData(registry, create=True).record(credit_code, name, finding, plan_id, on)
    except LvcaiError as e:
        _fail(e, lang)
    click.echo(_text("reg_recorded", lang).format(code=credit_code, name=name))


@main.group("criteria")
def criteria_group():
    """绿色评价标准：按品目类别列出，查看一类。

    The green evaluation criteria: list the product groups, show one."""


def _criteria_groups(lang):
    from .evaluation.criteria import groups
    try:
        return groups()
    except LvcaiError as e:
        _fail(e, lang)


@criteria_group.command("list")
@click.option("--format", "fmt", type=click.Choice(["text", "json"]), default="text", show_default=True,
              help="输出格式。Output format.")
@LANG_OPTION
def criteria_list(fmt, lang):
    """列出有绿色评价标准的品目类别：编号、核心和全面标准数、名称。

    The product groups with green criteria: id, number of core and comprehensive criteria, title."""
    from .formatters import _green
    groups = _criteria_groups(lang)
    views = [_green.group_view(g, lang) for g in groups.values()]
    if fmt == "json":
        click.echo(json.dumps([{"group": v["id"], "title": v["title"], "core": v["core"], "comprehensive": v["comprehensive"],
                                "criteria": [c["id"] for c in v["criteria"]]} for v in views], ensure_ascii=False, indent=1))
        return
    click.echo(_green.word("criteria_list_header", lang))
    for v in views:
        click.echo(f"{v['id']:<18} {v['core']}/{v['comprehensive']}  {v['title']}")


@criteria_group.command("show")
@click.argument("group")
@click.option("--format", "fmt", type=click.Choice(["text", "json"]), default="text", show_default=True,
              help="输出格式（json：标准文件原文）。Output format (json: the criteria file as it is).")
@LANG_OPTION
def criteria_show(group, fmt, lang):
    """查看一个品目类别的绿色评价标准：指标、层级、类型、分档、证明方式、依据标准和来源（是否已核实）。

    One product group's criteria: indicator, level, type, bands, how verified, the Chinese standard
    and the source (verified or not)."""
    from .formatters import _green
    groups = _criteria_groups(lang)
    if group not in groups:
        click.echo(_text("cli_error", lang).format(e=_green.word("criteria_unknown_group", lang).format(
            group=group, known=", ".join(groups))), err=True)
        sys.exit(EXIT_UNCHECKABLE)
    if fmt == "json":
        click.echo(json.dumps(groups[group].doc, ensure_ascii=False, indent=1))
        return
    click.echo("\n".join(_green.group_lines(groups[group], lang)))


@main.group("lists")
def lists_group():
    """品目清单版本：内置的，以及导入参考数据库的。

    The category-list editions: built in, and imported into the registry."""


@lists_group.command("diff")
@click.argument("edition_a")
@click.argument("edition_b")
@click.option("--lang", type=click.Choice(LANGS), default="zh", show_default=True,
              help="采购要求和提示信息的语言。The language of the obligations and of the messages.")
@REGISTRY_OPTION
def lists_diff(edition_a, edition_b, lang, registry):
    """从 EDITION_A 到 EDITION_B（版本编号如 energy_saving/2019）新增、删除和采购要求变化的行。相同时退出码为 0，不同时为 1。

    Rows added, removed and with a changed obligation from EDITION_A to EDITION_B (edition ids
    such as energy_saving/2019). Exit 0 when they are the same, 1 when they differ."""
    from .api import get_checker
    from .i18n import label
    from .lists import diff
    try:
        lists = get_checker("national", registry).lists
        d = diff(lists.edition(edition_a), lists.edition(edition_b))
    except LvcaiError as e:
        _fail(e, lang)
    row = lambda r: f"{r['id']} {r['code_2013'] or '-'} {r['name']} ({label(r['obligation'], lang)})"
    for r in d["added"]:
        click.echo(f"+ {row(r)}")
    for r in d["removed"]:
        click.echo(f"- {row(r)}")
    for a, b in d["changed"]:
        click.echo(f"~ {row(a)} -> {label(b['obligation'], lang)}")
    n = len(d["added"]) + len(d["removed"]) + len(d["changed"])
    click.echo(_text("cli_lists_diff", lang).format(a=edition_a, b=edition_b, added=len(d["added"]), removed=len(d["removed"]),
                                                     changed=len(d["changed"])), err=True)
    sys.exit(EXIT_FINDINGS if n else EXIT_OK)


@main.command()
@click.argument("plan", metavar="PLAN.json|PLAN.xlsx|PLAN.csv")
@click.option("--output", "-o", required=True, type=click.Path(dir_okay=False),
              help="PLAN.json：约定的 JSON；PLAN.xlsx 或 PLAN.csv：电子表格（按文件名区分）。"
                   "PLAN.json: the contract JSON; PLAN.xlsx or PLAN.csv: a spreadsheet (the kind by the name).")
@click.option("--lang", type=click.Choice(LANGS), default="zh", show_default=True,
              help="提示信息以及电子表格表头和固定取值的语言。The words of messages, and of a spreadsheet's headers and closed values.")
def convert(plan, output, lang):
    """在约定的 JSON 和电子表格之间转换计划：查看实际读取的内容（PLAN.xlsx -o PLAN.json），或把 JSON 计划转成表格编辑（PLAN.json -o PLAN.xlsx）。不能无损转换就不转换：输入不是计划或输出容纳不了时退出码为 2，并列出每个问题的位置。

    Convert a plan between the contract JSON and a spreadsheet, to see exactly what was read
    (PLAN.xlsx -o PLAN.json) or to edit a JSON plan as a table (PLAN.json -o PLAN.xlsx). Lossless or not
    done: exit 2, with every problem's place, when the input is not a plan or the output cannot hold it."""
    from . import plans as _plans
    from .plans import write as _write
    try:
        source, data, err = next(read_inputs([plan]))
        if err is not None:
            raise UsageError(Words("path_why", path=source, why=err))
        doc = _read_plan(source, data, lang)
        target = Path(output).suffix.lower()
        if target == ".json":
            out = (json.dumps(doc, ensure_ascii=False, indent=2) + "\n").encode("utf-8")
        elif target in _plans.sheet.SHEET_SUFFIXES:
            out = _write.to_xlsx(doc, lang)
        elif target in _plans.sheet.CSV_SUFFIXES:
            out = _write.to_csv(doc, lang)
        else:
            raise UsageError(Words("cli_convert_suffix", output=output))
        write_output(out, output, [plan])
    except LvcaiError as e:
        _fail(e, lang)
    click.echo(f"{shown(plan)} -> {output}", err=True)


@main.command()
@click.option("--format", "fmt", type=click.Choice(["xlsx", "csv"]), default="xlsx", show_default=True, help="模板格式。Template format.")
@click.option("--lang", type=click.Choice(LANGS), default="zh", show_default=True,
              help="表头、下拉列表和提示信息的语言。The words of headers, drop-downs and messages.")
@click.option("--output", "-o", required=True, type=click.Path(dir_okay=False), help="模板写到此文件。Write the template here.")
@REGISTRY_OPTION
def template(fmt, lang, output, registry):
    """生成填写采购计划的空白电子表格模板：xlsx 每个表头带批注，固定取值有下拉列表，并有数字格式、填好的示例工作表和品目清单及其采购要求；csv 只有表头。填好后交给 lvcai check。

    Write the blank spreadsheet template for a plan: xlsx with a comment on each header, drop-downs
    for the closed values, number formats, a filled example sheet and the list categories with their
    obligation; csv with the headers only. Fill it in and give it to `lvcai check`."""
    from .api import get_checker
    from .plans import template as _template
    try:
        data = _template.to_xlsx(lang, get_checker("national", registry).lists) if fmt == "xlsx" else _template.to_csv(lang)
        write_output(data, output, [])
    except LvcaiError as e:
        _fail(e, lang)
    click.echo(_text("cli_template_done", lang).format(output=output), err=True)


def _read_plan(source, data, lang):
    """A plan document from a file's bytes, or LvcaiError listing every problem with its place."""
    from . import plans as _plans
    from ._jsonutil import schema_problems
    if _plans.kind_of(data, source) != "json":
        read = _plans.sheet.read(data, source, lang)
        for place, msg in read.notes:
            click.echo(f"{source}: {place}: {msg}", err=True)
        problems = [(place, msg) for place, _rid, msg in read.problems]
        doc = read.doc
    else:
        doc, problems = _plans.parse(data)
        if not problems:
            problems = _plans.sanity_problems(doc, data) or schema_problems("plan", doc)
    if problems:   # said in the language of the command (only `convert` reads plans this way)
        raise LvcaiError("\n".join(f"{source}: {place or '-'}: {_say(msg, lang)}" for place, msg in problems)
                         + "\n" + _text("cli_convert_problems", lang).format(source=source, n=len(problems)))
    return doc


@main.command()
@click.option("--host", default="127.0.0.1", show_default=True,
              help="监听的地址；默认只接受本机的连接。Address to bind; the default takes connections from this machine only.")
@click.option("--port", default=8000, show_default=True, type=click.IntRange(0, 65535), help="监听的端口。The port to listen on.")
@click.option("--workers", default=1, show_default=True, type=click.IntRange(min=1),
              help="工作进程数，每个进程有自己的规则引擎。Worker processes, each with its own rule engine (the engine is one per process).")
@click.option("--token-file", type=click.Path(dir_okay=False, exists=True),
              help="存放令牌的文件，每个请求都须带上该令牌［默认：$LVCAI_TOKEN；都没有时：能访问该地址的人都能使用，拒绝导入］。"
                   "A file holding the token that every request must send (Authorization: Bearer TOKEN) "
                   "[default: $LVCAI_TOKEN; none: open to whoever reaches the address, imports refused].")
@click.option("--max-upload", default=20.0, show_default=True, type=click.FloatRange(min=0.001), help="上传文件的最大大小（MB）。Largest upload, in MB.")
@click.option("--keep", type=click.Path(file_okay=False), help="把收到的每份计划保存到这里（按 SHA-256 命名）；不给则不保存。Store every plan received here (by SHA-256); "
              "without it no plan is stored.")
@REGISTRY_OPTION
@LANG_OPTION
def serve(host, port, workers, token_file, max_upload, keep, registry, lang):
    """启动 HTTP 服务：/api/v1/ 下的接口、网页（上传计划、规则和清单、证书和供应商）以及 /stats 下的统计（lvcai publish 生成的网站）。无需其他服务。

    Start the HTTP service: the API under /api/v1/ (OpenAPI at /api/v1/openapi.json), the pages
    (upload a plan, rules and lists, certificates and suppliers) and the statistics at /stats (the
    site `lvcai publish` writes, from the registry's recorded rounds). Needs nothing else running."""
    try:
        import uvicorn
        from .service.app import ENV_CONFIG
    except ImportError as e:
        _fail(UsageError(Words("cli_serve_needs", detail=e)), lang)
    if keep:
        Path(keep).mkdir(parents=True, exist_ok=True)
    os.environ[ENV_CONFIG] = json.dumps({"registry": str(Path(registry).resolve()) if registry else None,
                                         "token_file": str(Path(token_file).resolve()) if token_file else None,
                                         "max_upload": int(max_upload * 1000 * 1000), "keep": str(Path(keep).resolve()) if keep else None})
    if token_file and not Path(token_file).read_text(encoding="utf-8").strip():
        _fail(UsageError(Words("cli_token_empty", file=token_file)), lang)
    guarded = "cli_serve_token" if (token_file or os.environ.get("LVCAI_TOKEN")) else "cli_serve_open"
    if guarded != "cli_serve_token" and host not in ("127.0.0.1", "localhost", "::1"):
        click.echo(_text("cli_serve_open_warning", lang).format(host=host), err=True)
    click.echo(_text("cli_serve_start", lang).format(host=host, port=port, workers=workers, guarded=_text(guarded, lang)), err=True)
    uvicorn.run("checker.service.app:create_app", factory=True, host=host, port=port, workers=workers,
                log_level="warning", server_header=False, proxy_headers=False)


@main.command()
@click.option("--output", "-o", "output", required=True, type=click.Path(file_okay=False), help="网站目录。The site's directory.")
@click.option("--from", "year_from", type=int, help="纳入统计的第一年。First year of plans to include.")
@click.option("--to", "year_to", type=int, help="纳入统计的最后一年。Last year of plans to include.")
@REGISTRY_OPTION
@LANG_OPTION
def publish(output, year_from, year_to, registry, lang):
    """根据 lvcai batch --record 记录的检查轮次生成公开统计网站：按年度（与全国数据对照）、按单位、按品目的绿色采购比例，持有效证书的品牌和产品，每张表另有 CSV 和 JSON。静态网页，不含脚本。

    Write the public statistics site from the rounds recorded with `lvcai batch --record`: green
    share by year (beside the national figure), by agency and by product category, the brands and
    products with valid certificates, and every table as CSV and JSON. Static; no script."""
    from .service import stats
    try:
        files = stats.build_site(registry, year_from, year_to)
        out = Path(output)
        for rel, data in files.items():
            target = out / rel
            target.parent.mkdir(parents=True, exist_ok=True)
            write_atomic(target, data)
    except LvcaiError as e:
        _fail(e, lang)
    click.echo(_text("cli_publish_done", lang).format(n=len(files), output=output), err=True)


if __name__ == "__main__":  # pragma: no cover
    main()
