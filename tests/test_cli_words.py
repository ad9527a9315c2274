"""The command line speaks the user's language: under ``--lang zh`` what a command writes to standard
output and standard error holds no English word outside codes, names, paths and numbers; under
``--lang en`` no Chinese outside names, paths and the numbers of the documents cited. For a
representative set of commands and of their problems (issue 11): a FIFO or a directory given as a
plan, --output over an input, a bad --generated-at, malformed waiver files, a batch with a dangling
link, the registry of a fresh install, bad imports, rules list and rules test.
"""
import json
import os
import re

import pytest
from click.testing import CliRunner

from checker.cli import main
from conftest import EXAMPLES, ROOT

PLAN = str(EXAMPLES / "office-equipment-compliant.json")

# Codes, names and notation that are no words of either language: rule ids, option names, ISO
# dates and times, file names, the tool's and formats' names, hashes, parameter names.
CODES = re.compile(r"GPP-[A-Z]{3}-\d{3}|CHK-\d{3}|WVR-\d{3}|--[a-z][a-z-]*|\$?LVCAI_[A-Z_]+|\d{4}-\d{2}-\d{2}(?:T[\d:+]+)?|"
                   r"YYYY-MM-DD|\b[\w.-]+\.(?:json|csv|xlsx|sqlite|md|txt)\b|\b[0-9a-f]{16,64}\b|\b[a-z]+(?:_[a-z]+)+\b|"
                   r"\blvcai\b|\bJSON\b|\bISO\b|\bFIFO\b|\bSQLite\b|\bUTF-8\b|\bGB18030\b|\bsha256\b|"
                   r"\bcertificates\b|\bregistry\b")   # the last two: the command's own words (`lvcai registry import certificates`)


def run(tmp_path, lang, *args):
    r = CliRunner().invoke(main, [str(a) for a in args] + ["--lang", lang])
    assert "Traceback" not in r.output and "internal error" not in r.output and "内部错误" not in r.output, r.output
    return r.stdout + "\n" + r.stderr


def cases(tmp_path):
    """name → arguments (without --lang), each run in both languages."""
    fifo = tmp_path / "pipe.json"
    os.mkfifo(fifo)
    plans = tmp_path / "plans"
    plans.mkdir()
    (plans / "a.json").write_bytes((EXAMPLES / "office-equipment-compliant.json").read_bytes())
    os.symlink(tmp_path / "nowhere.json", plans / "gone.json")
    (tmp_path / "not-json.json").write_text("[", encoding="utf-8")
    (tmp_path / "bad-waivers.json").write_text(json.dumps({"waivers": [{"rule_id": "GPP-ENE-001"}]}), encoding="utf-8")
    (tmp_path / "bad.csv").write_text("a,b\n1,2\n", encoding="utf-8")
    fresh = tmp_path / "fresh" / "registry.sqlite"
    return {
        "check a FIFO": ["check", fifo],
        "check a directory": ["check", tmp_path],
        "output over an input": ["check", PLAN, "--output", PLAN],
        "bad --generated-at": ["check", PLAN, "--generated-at", "yesterday"],
        "waivers not JSON": ["check", PLAN, "--waivers", tmp_path / "not-json.json"],
        "waivers against the schema": ["check", PLAN, "--waivers", tmp_path / "bad-waivers.json"],
        "batch with a dangling link": ["batch", plans, "--output-dir", tmp_path / "out", "--format", "json", "--jobs", "1"],
        "registry stats, fresh install": ["registry", "stats", "--registry", fresh],
        "registry history, fresh install": ["registry", "history", "--registry", fresh],
        "registry import of a bad file": ["registry", "import", "certificates", tmp_path / "bad.csv", "--registry", tmp_path / "r.sqlite"],
        "registry import of no file": ["registry", "import", "bodies", tmp_path / "absent.csv", "--registry", tmp_path / "r.sqlite"],
        "registry record, bad date": ["registry", "record", "91440300MA5GXAMP1W", "--name", "某公司", "--finding", "虚假认证",
                                      "--date", "2025-02-30", "--registry", tmp_path / "r2.sqlite"],
        "rules list": ["rules", "list", "--profile", "shenzhen"],
        "rules test": ["rules", "test"],
    }


@pytest.fixture(scope="module")
def said(tmp_path_factory):
    out = {}
    for lang in ("zh", "en"):
        tmp = tmp_path_factory.mktemp(lang)
        for name, args in cases(tmp).items():
            out[lang, name] = (run(tmp, lang, *args), str(tmp))
    return out


NAMES = ["check a FIFO", "check a directory", "output over an input", "bad --generated-at", "waivers not JSON",
         "waivers against the schema", "batch with a dangling link", "registry stats, fresh install",
         "registry history, fresh install", "registry import of a bad file", "registry import of no file",
         "registry record, bad date", "rules list", "rules test"]


def schema_fields(name):
    """The member names of a file the user writes (a waiver file): problems name them."""
    names = set()

    def walk(x):
        if isinstance(x, dict):
            names.update(x.get("properties", {}))
            for v in x.values():
                walk(v)
        elif isinstance(x, list):
            for v in x:
                walk(v)
    walk(json.loads((ROOT / "schemas" / f"{name}.schema.json").read_text(encoding="utf-8")))
    return names


def import_headers():
    """The headers an import file may have, in Chinese or English: an import problem names them."""
    return {a for f in (ROOT / "schemas" / "imports").glob("*.schema.json")
            for aliases in json.loads(f.read_text(encoding="utf-8")).get("x-aliases", {}).values() for a in aliases}


def without_paths(text, tmp):
    """Without the paths and the user's own values quoted back ('yesterday', “2025-02-30”)."""
    text = text.replace(tmp, " ").replace(str(ROOT), " ")
    return re.sub(r"/[\w./-]+|'[^'\n]*'|“[^”\n]*”", " ", text)


@pytest.mark.parametrize("name", NAMES)
def test_zh_messages_have_no_english_word(said, name):
    text, tmp = said["zh", name]
    assert re.search(r"[\u4e00-\u9fff]", text), text          # something was said, in Chinese
    rest = CODES.sub(" ", without_paths(text, tmp))
    rest = re.sub(r"\b(?:%s)\b" % "|".join(schema_fields("waivers")), " ", rest)
    english = sorted(set(re.findall(r"[A-Za-z]{2,}", rest)))
    assert english == [], (english, text)


@pytest.mark.parametrize("name", NAMES)
def test_en_messages_have_no_chinese(said, name):
    from checker import i18n
    text, tmp = said["en", name]
    assert re.search(r"[A-Za-z]{3,}", text), text
    rest = without_paths(text, tmp)
    for s in sorted({"某公司", "虚假认证", *i18n.catalogue()["documents"], *import_headers()}, key=len, reverse=True):
        rest = rest.replace(s, " ")
    chinese = sorted(set(re.findall(r"[\u3000-\u303f\u4e00-\u9fff\uff00-\uffef]+", rest)))
    assert chinese == [], (chinese, text)


def commands(cmd=main, path=("lvcai",)):
    import click
    yield " ".join(path), cmd
    if isinstance(cmd, click.Group):
        for name, sub in sorted(cmd.commands.items()):
            yield from commands(sub, (*path, name))


@pytest.mark.parametrize("path,cmd", list(commands()), ids=[p for p, _ in commands()])
def test_help_is_in_both_languages(path, cmd):
    """Help is shown before --lang is read: every command and option says it in Chinese and in English."""
    import click
    texts = {path: cmd.help or ""}
    texts.update({f"{path} {p.opts[0]}": p.help or "" for p in cmd.params
                  if isinstance(p, click.Option) and p.name not in ("help", "version")})
    for where, help_text in texts.items():
        assert re.search(r"[\u4e00-\u9fff]", help_text) and re.search(r"[A-Za-z]{3,} [a-z]{2,}", help_text), where


def test_an_internal_error_is_one_line_in_the_chosen_language(monkeypatch):
    import checker.cli as cli

    def broken(_value):
        raise RuntimeError("boom")
    monkeypatch.setattr(cli, "parse_generated_at", broken)
    monkeypatch.delenv("LVCAI_DEBUG", raising=False)
    r = CliRunner().invoke(main, ["check", PLAN])
    assert r.exit_code == 2 and r.stderr.startswith("lvcai：内部错误") and "RuntimeError: boom" in r.stderr
    for lang_args in (["--lang", "en"], ["--lang=en"]):
        r = CliRunner().invoke(main, ["check", PLAN, *lang_args])
        assert r.exit_code == 2 and r.stderr == "lvcai: internal error: RuntimeError: boom (set LVCAI_DEBUG=1 for the traceback)\n"


def test_report_without_output_says_so_in_the_chosen_language():
    assert "必须用 --output FILE 指定报告文件" in CliRunner().invoke(main, ["report", PLAN, "--format", "md"]).stderr
    assert "--output FILE is required" in CliRunner().invoke(main, ["report", PLAN, "--format", "md", "--lang", "en"]).stderr


@pytest.mark.parametrize("args,zh", [
    (["check"], "错误：缺少参数"),
    (["check", "x.json", "--bogus"], "错误：没有选项 --bogus"),
    (["check", "x.json", "--format", "nope"], "'--format' 的值无效：“nope”不是可选的值"),
    (["batch", "x", "-d", "y", "--jobs", "0"], "的值无效：0 不在允许的范围内"),
    (["nosuch"], "错误：没有命令 nosuch"),
])
def test_clicks_own_usage_errors_are_said_in_the_users_language(args, zh):
    import subprocess
    import sys
    from conftest import ROOT
    r = subprocess.run([sys.executable, "-m", "checker", *args], cwd=ROOT, capture_output=True, encoding="utf-8")
    assert r.returncode == 2 and zh in r.stderr and "Error:" not in r.stderr and "Usage:" in r.stderr   # "用法 Usage:"
    en = subprocess.run([sys.executable, "-m", "checker", *args, "--lang", "en"], cwd=ROOT, capture_output=True, encoding="utf-8")
    assert en.returncode == 2 and "Error: " in en.stderr and "错误" not in en.stderr
