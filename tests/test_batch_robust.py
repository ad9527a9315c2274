"""lvcai batch never hangs, and handles odd inputs honestly (issue 9).

The runs that could hang are real subprocesses with a time bound: a hang fails the test instead of
stopping the suite. Failures inside a worker are injected by a small driver that replaces
``checker.batch.check_one`` before the workers are forked; the workers inherit the replacement.
"""
import json
import os
import signal
import stat
import subprocess
import sys
import time

import pytest
from click.testing import CliRunner

from checker.cli import main
from conftest import EXAMPLES, ROOT

BOUND = 180    # seconds; only proves "finished", far above what a run takes

DRIVER = """
import os, sys, time
import checker.batch as b
_orig = b.check_one
MODE = os.environ.get("DRIVER_MODE", "")

def check_one(src):
    if MODE == "raise" and "boom" in src.name:
        raise RuntimeError("injected failure for " + os.path.basename(src.name))
    if MODE == "hang" and "hang" in src.name:
        tmp = os.environ["DRIVER_PIDFILE"] + ".tmp"
        with open(tmp, "w") as fh:
            fh.write(str(os.getpid()))
        os.replace(tmp, os.environ["DRIVER_PIDFILE"])
        time.sleep(600)
    return _orig(src)

b.check_one = check_one

if MODE.startswith("die"):              # die-exit: the worker exits; die-kill: also while recording the failure
    def check_one(src, _orig=_orig):
        if "doom" in src.name:
            os._exit(3) if MODE == "die-exit" else os.kill(os.getpid(), 9)
        return _orig(src)
    b.check_one = check_one
    if MODE == "die-kill":
        _failed = b._failed
        def failed(src, reason):
            if "doom" in src.name:
                os.kill(os.getpid(), 9)
            return _failed(src, reason)
        b._failed = failed
if MODE == "die-at-start":
    def init(*args):
        os._exit(4)
    b._init_worker = init
from checker.cli import main
main(args=sys.argv[1:], prog_name="lvcai")
"""


def cli(*args, mode="", env=None, timeout=BOUND):
    """Run lvcai batch in a subprocess (through the driver when ``mode`` is set), with a time bound."""
    full_env = {**os.environ, "DRIVER_MODE": mode, **(env or {})}
    cmd = [sys.executable, "-c", DRIVER, *map(str, args)] if mode else [sys.executable, "-m", "checker", *map(str, args)]
    try:
        return subprocess.run(cmd, cwd=ROOT, env=full_env, capture_output=True, timeout=timeout)
    except subprocess.TimeoutExpired:
        pytest.fail(f"lvcai {' '.join(map(str, args))} did not finish within {timeout}s")


def summary(out):
    return json.loads((out / "summary.json").read_text(encoding="utf-8"))["summary"]


def write_plans(directory, base_plan, n, prefix="plan"):
    directory.mkdir(parents=True, exist_ok=True)
    for i in range(n):
        doc = dict(base_plan, plan_id=f"{prefix.upper()}-{i:03d}")
        (directory / f"{prefix}-{i:03d}.json").write_text(json.dumps(doc, ensure_ascii=False), encoding="utf-8")
    return directory


def plan_verdicts(out):
    """source file name → verdict, from the findings files."""
    got = {}
    for p in (out / "plans").iterdir():
        r = json.loads(p.read_text(encoding="utf-8"))["results"][0]
        got[os.path.basename(r["source"])] = r["verdict"]
    return got


# -- 1. a plan that makes the worker raise -----------------------------------------------------------
@pytest.mark.parametrize("jobs", [1, 2])
def test_an_exception_in_a_worker_makes_that_plan_not_checkable(tmp_path, base_plan, jobs):
    src = write_plans(tmp_path / "in", base_plan, 9)
    (src / "boom.json").write_text(json.dumps(dict(base_plan, plan_id="BOOM"), ensure_ascii=False), encoding="utf-8")
    out = tmp_path / "out"
    r = cli("batch", src, "--output-dir", out, "--jobs", jobs, mode="raise")
    assert r.returncode == 1, r.stderr.decode()
    assert b"Traceback" not in r.stderr
    s = summary(out)
    assert s["plans"] == 10 and s["verdicts"]["not_checkable"] == 1
    (bad,) = s["not_checkable"]
    assert bad["source"].endswith("boom.json")
    assert "RuntimeError: injected failure for boom.json" in bad["reason"]
    verdicts = plan_verdicts(out)
    assert verdicts.pop("boom.json") == "not_checkable"
    assert len(verdicts) == 9 and "not_checkable" not in verdicts.values()


def test_a_deeply_nested_plan_ends_as_not_checkable_and_jobs_do_not_matter(tmp_path, base_plan):
    src = write_plans(tmp_path / "in", base_plan, 8)
    (src / "deep.json").write_text("[" * 2000 + "]" * 2000, encoding="utf-8")
    (src / "zz.jsonl").write_text(json.dumps(dict(base_plan, plan_id="Z1")) + "\n" + "[" * 2000 + "]" * 2000 + "\n",
                                  encoding="utf-8")
    for jobs in (1, 2):
        r = cli("batch", src, "--output-dir", tmp_path / f"out{jobs}", "--jobs", jobs)
        assert r.returncode == 1, r.stderr.decode()
        assert b"Traceback" not in r.stderr
    s = summary(tmp_path / "out1")
    assert s["plans"] == 11
    assert [os.path.basename(x["source"]) for x in s["not_checkable"]] == ["deep.json", "zz.jsonl:2"]
    for name in ("summary.json", "summary.html", "summary.xlsx"):
        assert (tmp_path / "out1" / name).read_bytes() == (tmp_path / "out2" / name).read_bytes(), name


# -- 2. a worker killed from outside -----------------------------------------------------------------
def test_a_killed_worker_is_replaced_and_its_plan_reported(tmp_path, base_plan):
    src = write_plans(tmp_path / "in", base_plan, 30)
    (src / "plan-010-hang.json").write_text(json.dumps(dict(base_plan, plan_id="HANG"), ensure_ascii=False), encoding="utf-8")
    out, pidfile = tmp_path / "out", tmp_path / "worker.pid"
    proc = subprocess.Popen([sys.executable, "-c", DRIVER, "batch", str(src), "--output-dir", str(out), "--jobs", "2"],
                            cwd=ROOT, env={**os.environ, "DRIVER_MODE": "hang", "DRIVER_PIDFILE": str(pidfile)},
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE)
    try:
        deadline = time.time() + BOUND
        while not pidfile.exists() and time.time() < deadline and proc.poll() is None:
            time.sleep(0.05)
        assert pidfile.exists(), "the worker never reached the plan"
        worker = int(pidfile.read_text())
        assert worker != proc.pid
        os.kill(worker, signal.SIGKILL)
        _, err = proc.communicate(timeout=BOUND)
    except subprocess.TimeoutExpired:
        pytest.fail("lvcai batch did not finish after one of its workers was killed")
    finally:
        if proc.poll() is None:
            proc.kill()
            proc.wait()
    assert proc.returncode == 1, err.decode()
    s = summary(out)
    assert s["plans"] == 31 and s["verdicts"]["not_checkable"] == 1
    (bad,) = s["not_checkable"]
    assert bad["source"].endswith("plan-010-hang.json")
    assert "the worker checking this plan stopped (killed by signal 9" in bad["reason"]
    verdicts = plan_verdicts(out)
    assert verdicts.pop("plan-010-hang.json") == "not_checkable"
    assert len(verdicts) == 30 and "not_checkable" not in verdicts.values()
    assert [p.name for p in (out / "plans").iterdir() if not p.name.endswith(".json")] == []


@pytest.mark.parametrize("mode, how", [("die-exit", "exited with status 3"), ("die-kill", "killed by signal 9")])
def test_a_worker_that_stops_on_a_plan_every_time(tmp_path, base_plan, mode, how):
    """die-kill: the replacement worker is killed too while writing that plan's failure; the parent
    records it on its own and removes an older findings file of that plan."""
    src = write_plans(tmp_path / "in", base_plan, 12)
    (src / "plan-004-doom.json").write_text(json.dumps(dict(base_plan, plan_id="DOOM"), ensure_ascii=False), encoding="utf-8")
    out = tmp_path / "out"
    assert cli("batch", src, "--output-dir", out, "--jobs", "2").returncode == 0     # findings files of a good run
    r = cli("batch", src, "--output-dir", out, "--jobs", "2", "--force", mode=mode)
    assert r.returncode == 1, r.stderr.decode()
    s = summary(out)
    assert s["plans"] == 13 and s["verdicts"]["not_checkable"] == 1
    (bad,) = s["not_checkable"]
    assert bad["source"].endswith("plan-004-doom.json")
    assert f"the worker checking this plan stopped ({how}" in bad["reason"]
    verdicts = plan_verdicts(out)
    if mode == "die-exit":       # the failure is written by another worker
        assert verdicts.pop("plan-004-doom.json") == "not_checkable"
    else:                        # no findings file says otherwise than the summary
        assert "plan-004-doom.json" not in verdicts
    assert len(verdicts) == 12 and "not_checkable" not in verdicts.values()


def test_ctrl_c_stops_the_workers_and_leaves_no_partial_file(tmp_path, base_plan):
    src = write_plans(tmp_path / "in", base_plan, 6)
    (src / "plan-002-hang.json").write_text(json.dumps(dict(base_plan, plan_id="HANG"), ensure_ascii=False), encoding="utf-8")
    out, pidfile = tmp_path / "out", tmp_path / "worker.pid"
    proc = subprocess.Popen([sys.executable, "-c", DRIVER, "batch", str(src), "--output-dir", str(out), "--jobs", "2"],
                            cwd=ROOT, env={**os.environ, "DRIVER_MODE": "hang", "DRIVER_PIDFILE": str(pidfile)},
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                            preexec_fn=lambda: signal.signal(signal.SIGINT, signal.SIG_DFL))
    try:
        deadline = time.time() + BOUND
        while not pidfile.exists() and time.time() < deadline and proc.poll() is None:
            time.sleep(0.05)
        assert pidfile.exists(), "the worker never reached the plan"
        proc.send_signal(signal.SIGINT)        # the worker would sleep for ten minutes
        _, err = proc.communicate(timeout=BOUND)
    except subprocess.TimeoutExpired:
        pytest.fail("lvcai batch did not stop on Ctrl-C")
    finally:
        if proc.poll() is None:
            proc.kill()
            proc.wait()
    assert proc.returncode == 130 and "已中断".encode() in err and b"Traceback" not in err
    worker = int(pidfile.read_text())
    deadline = time.time() + 10
    while os.path.exists(f"/proc/{worker}") and time.time() < deadline:
        time.sleep(0.05)
    assert not os.path.exists(f"/proc/{worker}"), "the worker outlived the run"
    assert [p.name for p in (out / "plans").iterdir() if not p.name.endswith(".json")] == []


def test_workers_that_cannot_start_end_the_run_with_a_message(tmp_path):
    r = cli("batch", EXAMPLES, "--output-dir", tmp_path / "out", "--jobs", "2", mode="die-at-start")
    assert r.returncode == 2, r.stderr.decode()
    assert b"the worker processes could not start (the last one exited with status 4)" in r.stderr
    assert b"Traceback" not in r.stderr


def test_a_profile_that_cannot_load_is_a_usage_error_with_workers(tmp_path):
    r = cli("batch", EXAMPLES, "--output-dir", tmp_path / "out", "--jobs", "2", "--profile", "atlantis")
    assert r.returncode == 2, r.stderr.decode()
    assert b"Traceback" not in r.stderr and b"atlantis" in r.stderr


# -- 3. what discovery skips, and the batch's own outputs ------------------------------------------
def test_skipped_paths_are_listed_with_their_reason_and_a_fifo_is_never_opened(tmp_path, base_plan):
    src = write_plans(tmp_path / "in", base_plan, 2)
    os.symlink("loop.json", src / "loop.json")
    os.symlink("nowhere.json", src / "gone.json")
    os.mkfifo(src / "pipe.json")
    (tmp_path / "elsewhere").mkdir()
    write_plans(tmp_path / "elsewhere", base_plan, 1, prefix="linked")
    os.symlink(tmp_path / "elsewhere", src / "linked-dir")
    (src / "README.txt").write_text("not a plan", encoding="utf-8")
    out = tmp_path / "out"
    r = cli("batch", src, "--output-dir", out, "--jobs", "2")
    assert r.returncode == 0, r.stderr.decode()
    s = summary(out)
    assert s["plans"] == 2
    reasons = {os.path.basename(x["path"]): x["reason"] for x in s["skipped"]}
    assert set(reasons) == {"loop.json", "gone.json", "pipe.json", "linked-dir"}
    assert "symbolic link loop" in reasons["loop.json"]
    assert "dangling symbolic link" in reasons["gone.json"] and "nowhere.json" in reasons["gone.json"]
    assert "FIFO" in reasons["pipe.json"]
    assert "symbolic link to a directory" in reasons["linked-dir"]
    assert [x["path"] for x in s["skipped"]] == sorted(x["path"] for x in s["skipped"])
    err = r.stderr.decode()
    for name, reason in reasons.items():   # summary.json keeps the English reason; stderr says it in Chinese
        assert f"lvcai：跳过 {src / name}：" in err and reason not in err
    assert "符号链接循环" in err and "失效的符号链接" in err and "命名管道（FIFO）" in err and "指向目录的符号链接" in err
    assert all(f"lvcai：跳过 {x['path']}：{x['text']}" in err for x in s["skipped"])   # summary.json says it too


def test_a_glob_names_what_it_matched_but_could_not_read(tmp_path, base_plan):
    src = write_plans(tmp_path / "in", base_plan, 1)
    (src / "folder.json").mkdir()
    os.mkfifo(src / "pipe.json")
    out = tmp_path / "out"
    r = cli("batch", str(src / "*.json"), "--output-dir", out, "--jobs", "1")
    assert r.returncode == 0, r.stderr.decode()
    reasons = {os.path.basename(x["path"]): x["reason"] for x in summary(out)["skipped"]}
    assert set(reasons) == {"folder.json", "pipe.json"} and "directory" in reasons["folder.json"]


def test_a_fifo_given_by_name_is_a_clear_error(tmp_path):
    os.mkfifo(tmp_path / "pipe.json")
    r = cli("batch", tmp_path / "pipe.json", "--output-dir", tmp_path / "out", "--jobs", "1")
    assert r.returncode == 2 and b"pipe.json" in r.stderr and b"FIFO" in r.stderr and b"Traceback" not in r.stderr


def test_an_output_directory_inside_the_input_is_not_read_as_plans(tmp_path, base_plan):
    src = write_plans(tmp_path / "in", base_plan, 3)
    out = src / "results"
    first = CliRunner().invoke(main, ["batch", str(src), "--output-dir", str(out), "--jobs", "1"], catch_exceptions=False)
    assert first.exit_code == 0, first.output
    assert summary(out)["plans"] == 3
    again = CliRunner().invoke(main, ["batch", str(src), "--output-dir", str(out), "--jobs", "1"], catch_exceptions=False)
    assert again.exit_code == 0, again.output
    s = summary(out)
    assert s["plans"] == 3 and s["reused"] == 3 and s["skipped"] == []


def test_an_output_directory_that_is_the_input_directory(tmp_path, base_plan):
    src = write_plans(tmp_path / "in", base_plan, 3)
    for _ in range(2):
        r = cli("batch", src, "--output-dir", src, "--jobs", "2")
        assert r.returncode == 0, r.stderr.decode()
    s = summary(src)
    assert s["plans"] == 3 and s["reused"] == 3


# -- 4. temporary files ------------------------------------------------------------------------------
def test_a_plan_named_like_a_temporary_file_is_kept_and_reused(tmp_path, base_plan):
    src = tmp_path / "in"
    src.mkdir()
    (src / ".lvcai-tmp-plan.json").write_text(json.dumps(base_plan, ensure_ascii=False), encoding="utf-8")
    out = tmp_path / "out"
    for _ in range(2):
        r = CliRunner().invoke(main, ["batch", str(src), "--output-dir", str(out), "--jobs", "1"], catch_exceptions=False)
        assert r.exit_code == 0, r.output
    assert summary(out)["reused"] == 1
    assert len(list((out / "plans").iterdir())) == 1


def test_only_temporary_files_are_cleaned_and_never_read(tmp_path, base_plan):
    from checker._io import TMP_SUFFIX
    src = write_plans(tmp_path / "in", base_plan, 1)
    out = tmp_path / "out"
    (out / "plans").mkdir(parents=True)
    stale = out / "plans" / f".x.json.abc123{TMP_SUFFIX}"
    stale.write_bytes(b"{half")
    legacy = out / "plans" / ".lvcai-tmp-k3j2h1"          # what earlier versions left
    legacy.write_bytes(b"{half")
    (src / f"in-progress{TMP_SUFFIX}").write_bytes(b"{half")
    r = CliRunner().invoke(main, ["batch", str(src), "--output-dir", str(out), "--jobs", "1"], catch_exceptions=False)
    assert r.exit_code == 0, r.output
    assert not stale.exists() and not legacy.exists()
    assert (src / f"in-progress{TMP_SUFFIX}").exists()
    assert summary(out)["plans"] == 1


def test_write_atomic_uses_a_distinct_temporary_name_and_keeps_the_mode(tmp_path, monkeypatch):
    from checker import _io
    seen = []
    real_replace = os.replace

    def spy(a, b):
        seen.append(os.path.basename(a))
        real_replace(a, b)
    monkeypatch.setattr(_io.os, "replace", spy)
    target = tmp_path / "report.json"
    _io.write_atomic(target, b"{}")
    assert target.read_bytes() == b"{}" and seen[0].endswith(_io.TMP_SUFFIX) and not seen[0].endswith(".json")
    umask = os.umask(0)
    os.umask(umask)
    assert stat.S_IMODE(target.stat().st_mode) == 0o666 & ~umask
    assert sorted(p.name for p in tmp_path.iterdir()) == ["report.json"]


def test_output_to_a_named_pipe_writes_into_it_and_leaves_it_a_pipe(tmp_path):
    """`-o /dev/null` or `-o` a named pipe: the output goes into the device or pipe; renaming a
    temporary file over it (as for a regular file) replaced the machine's /dev/null with a plain file."""
    import threading
    fifo = tmp_path / "out.pipe"
    os.mkfifo(fifo)
    got = []
    reader = threading.Thread(target=lambda: got.append(fifo.read_bytes()), daemon=True)
    reader.start()
    r = CliRunner().invoke(main, ["report", str(EXAMPLES / "office-equipment-compliant.json"), "--format", "md",
                                  "-o", str(fifo)], catch_exceptions=False)
    reader.join(timeout=30)
    assert r.exit_code in (0, 1), r.output
    assert stat.S_ISFIFO(fifo.stat().st_mode)
    assert got and "SZNS-2026-0031" in got[0].decode("utf-8")
    assert sorted(p.name for p in tmp_path.iterdir()) == ["out.pipe"]   # no temporary file left beside it


# -- 5. JSON Lines: the file's line number -----------------------------------------------------------
def test_a_bad_json_lines_line_is_reported_with_the_files_line(tmp_path, base_plan):
    lines = [json.dumps(dict(base_plan, plan_id=f"L{i}"), ensure_ascii=False) for i in range(1, 7)]
    lines.append('{"plan_id": "L7", "date": ')
    (tmp_path / "round.jsonl").write_text("\n".join(lines) + "\n", encoding="utf-8")
    out = tmp_path / "out"
    CliRunner().invoke(main, ["batch", str(tmp_path / "round.jsonl"), "--output-dir", str(out), "--jobs", "1"],
                       catch_exceptions=False)
    (bad,) = summary(out)["not_checkable"]
    assert bad["source"].endswith("round.jsonl:7")
    assert "line 7 column" in bad["reason"] and "line 1 column" not in bad["reason"]


# -- 6. file names that are not UTF-8 ---------------------------------------------------------------
@pytest.mark.parametrize("jobs", ["1", "2"])
def test_file_names_that_are_not_utf8(tmp_path, base_plan, jobs):
    d = tmp_path / "in"
    d.mkdir()
    raw = bytes(d)
    for name, pid in ((b"/plan-\xff.json", "FF"), (b"/plan-\xfe.json", "FE")):
        with open(raw + name, "wb") as fh:
            fh.write(json.dumps(dict(base_plan, plan_id=pid)).encode())
    with open(raw + b"/round-\xfd.jsonl", "wb") as fh:
        fh.write(json.dumps(dict(base_plan, plan_id="L1")).encode() + b"\n{bad\n")
    out = tmp_path / "out"
    r = cli("batch", d, "--output-dir", out, "--jobs", jobs)
    assert r.returncode == 1, r.stderr.decode()            # the bad line
    assert b"Traceback" not in r.stderr
    s = summary(out)
    assert s["plans"] == 4
    assert [os.path.basename(x["source"]) for x in s["not_checkable"]] == ["round-\ufffd.jsonl:2"]
    docs = [json.loads(p.read_text(encoding="utf-8")) for p in (out / "plans").iterdir()]
    assert len(docs) == 4                                   # two names shown alike, still two files
    assert sorted(d["results"][0]["plan_id"] or "" for d in docs) == ["", "FE", "FF", "L1"]
    assert {os.path.basename(d["results"][0]["source"]) for d in docs} == {"plan-\ufffd.json", "round-\ufffd.jsonl:1",
                                                                         "round-\ufffd.jsonl:2"}
    assert (out / "summary.html").exists() and (out / "summary.xlsx").exists()


# -- 7. one summary format that cannot be written --------------------------------------------------
def test_one_summary_format_failing_does_not_lose_the_others(tmp_path, monkeypatch):
    from checker.formatters import summary as fmt

    def broken(doc, meta, lang):
        raise RuntimeError("renderer exploded")
    monkeypatch.setitem(fmt.RENDER, "xlsx", broken)
    out = tmp_path / "out"
    r = CliRunner().invoke(main, ["batch", str(EXAMPLES), "--output-dir", str(out), "--jobs", "1"], catch_exceptions=False)
    assert r.exit_code == 2, r.output
    assert (out / "summary.json").exists() and (out / "summary.html").exists() and not (out / "summary.xlsx").exists()
    assert f"{out / 'summary.xlsx'}：无法写入" in r.stderr and "renderer exploded" in r.stderr
    assert "份计划" in r.stderr          # the counts are still reported


def test_a_summary_the_system_refuses_to_write_is_said_in_words(tmp_path, monkeypatch):
    from checker.formatters import summary as fmt

    def refused(doc, meta, lang):
        raise PermissionError(13, "Permission denied")
    monkeypatch.setitem(fmt.RENDER, "xlsx", refused)
    out = tmp_path / "out"
    r = CliRunner().invoke(main, ["batch", str(EXAMPLES), "--output-dir", str(out), "--jobs", "1"], catch_exceptions=False)
    assert r.exit_code == 2 and f"{out / 'summary.xlsx'}：无法写入：没有访问权限" in r.stderr
    r = CliRunner().invoke(main, ["batch", str(EXAMPLES), "--output-dir", str(out), "--jobs", "1", "--lang", "en"])
    assert r.exit_code == 2 and f"{out / 'summary.xlsx'}: could not be written: Permission denied" in r.stderr
