"""A whole budget round in one run: inputs streamed to worker processes, one findings file per plan,
and a summary for the finance bureau.

* Inputs: a directory (every ``*.json`` and ``*.jsonl`` below it), a glob, a JSON Lines file (one plan
  per line, source ``file.jsonl:LINE``), or a plan file. They are read lazily, in a stable order.
  What is named like a plan but is no readable file (link loops, dangling links, FIFOs, …) is listed
  in the summary's ``skipped`` with the reason, never opened; the output directory is never searched.
* Work: ``jobs`` worker processes (fork), each with one Checker built once (the engine cannot be
  unloaded), each fed through its own pipe with at most two plans in flight, so memory does not grow
  with the batch. An exception while checking a plan, or a worker that dies (it is replaced), makes
  that one plan not checkable with the reason; the run always finishes.
* Output: ``DIR/plans/<name>.json`` per plan, the same JSON as ``lvcai check --format json`` with a
  ``cache_key`` in its provenance; written to a temporary file (``*.lvcai-partial``) and renamed, so a
  killed run leaves no half-written file. A plan whose output carries the same key (content hash, tool
  version, profile, rule-pack and list digests, registry imports, language) is not checked again
  unless ``force``.
* Summary: folded from small per-plan records as they arrive, in any order (amounts summed exactly),
  then sorted, so the result does not depend on ``jobs``.
"""
from __future__ import annotations

import errno
import gc
import glob as _glob
import hashlib
import json
import math
import operator
import os
import re
import signal
import stat
import time
from collections import deque
from dataclasses import dataclass, field
from pathlib import Path

from ._io import is_temporary, shown, write_atomic
from .errors import LvcaiError, UsageError, Words, say
from .facts import EARLY_STAGES, SHARE_KEYS
from .findings import CHK_PARSE, SEVERITIES

TOP_N = 10


# -- inputs ----------------------------------------------------------------------------------------
@dataclass(frozen=True)
class Source:
    name: str           # shown in reports: the path, or path:LINE for JSON Lines (not-UTF-8 bytes as U+FFFD)
    path: str           # the real path (not-UTF-8 bytes kept as the OS decoding gives them)
    line: int = 0       # 1-based line of a JSON Lines file; 0 for a whole file
    offset: int = 0     # the line's byte offset and length, found while discovering
    length: int = 0


#: What a directory walk takes as a plan: JSON, JSON Lines, and spreadsheet plans (checker/plans/sheet.py;
#: Checker.check picks the reader from the bytes and the name).
PLAN_SUFFIXES = (".json", ".jsonl", ".ndjson", ".xlsx", ".xlsm", ".csv", ".tsv")
_DIRECTORY = Words("batch_directory")


def _is_jsonl(path: str) -> bool:
    return path.endswith((".jsonl", ".ndjson"))


def _looks_like_plan(name: str) -> bool:
    return os.path.splitext(name)[1].lower() in PLAN_SUFFIXES


def _not_a_file(path: str):
    """None for a regular file (or a link to one); else why it is not read. Never opens the path."""
    try:
        mode = os.stat(path).st_mode
    except OSError as e:
        if e.errno == errno.ELOOP:
            return Words("batch_link_loop")
        if os.path.islink(path):
            try:
                to = shown(os.readlink(path))
            except OSError:
                to = "?"
            return Words("batch_dangling", to=to)
        if e.errno in (errno.ENOENT, errno.ENOTDIR):
            return Words("batch_no_such")
        return Words("read_failed", why=Words.os_error(e))
    if stat.S_ISREG(mode):
        return None
    if stat.S_ISDIR(mode):
        return _DIRECTORY
    if stat.S_ISFIFO(mode):
        return Words("batch_fifo")
    if stat.S_ISSOCK(mode):
        return Words("batch_socket")
    return Words("batch_device")


def _skip(skipped, path, reason):
    skipped.append({"path": shown(str(path)), "reason": reason})


def _real(path) -> str:
    return os.path.realpath(path)


def _inside(real: str, excluded) -> bool:
    return any(real == e or real.startswith(e.rstrip(os.sep) + os.sep) for e in excluded)


def _walk(root: str, skipped: list, excluded) -> list:
    """Plan files below ``root``, sorted. Symbolic links to files are read; links to directories are
    not followed (as ever), but listed in ``skipped``, as is every entry named like a plan that is
    not a readable file. Paths in ``excluded`` (real paths: the batch's own outputs) are left out."""
    files, todo = [], [(root, _real(root))]
    while todo:
        d, real_d = todo.pop()
        if real_d in excluded:
            continue
        try:
            with os.scandir(d) as it:
                entries = list(it)
        except OSError as e:
            _skip(skipped, d, Words("read_failed", why=Words.os_error(e)))
            continue
        for e in entries:
            try:
                link = e.is_symlink()
                real_dir = not link and e.is_dir(follow_symlinks=False)
                regular = not link and e.is_file(follow_symlinks=False)
            except OSError:
                link = real_dir = regular = False
            if real_dir:                       # not a link: its real path is its real parent's and its name
                todo.append((e.path, os.path.join(real_d, e.name)))
                continue
            plan_like = _looks_like_plan(e.name)
            if regular:
                if plan_like and os.path.join(real_d, e.name) not in excluded:
                    files.append(e.path)
                continue
            why = _not_a_file(e.path)
            if why is None:
                if plan_like and _real(e.path) not in excluded:
                    files.append(e.path)
            elif link and why == _DIRECTORY:
                _skip(skipped, e.path, Words("batch_dir_link"))
            elif plan_like:
                _skip(skipped, e.path, why)
    return sorted(files)


def discover(inputs, skipped=None, exclude=()):
    """Sources for the command-line inputs, in a stable order, without reading plan contents.

    Paths named like plans that are no readable file (symbolic link loops, dangling links, FIFOs,
    directories matched by a glob, …) are appended to ``skipped`` as ``{"path", "reason"}``; nothing
    of them is opened. Paths in ``exclude`` (the batch's own outputs: files, or directories with all
    below them) are never taken as inputs, unless named on their own."""
    skipped = [] if skipped is None else skipped
    excluded = {_real(x) for x in exclude}
    for arg in inputs:
        arg = str(arg)
        if os.path.isdir(arg):
            files = _walk(arg, skipped, excluded)
        elif any(ch in arg for ch in "*?[") and not os.path.lexists(arg):
            files, before = [], len(skipped)
            for f in sorted(_glob.glob(arg, recursive=True)):
                if _inside(_real(f), excluded):
                    continue
                why = _not_a_file(f)
                if why is None:
                    files.append(f)
                elif why != _DIRECTORY or _looks_like_plan(f):
                    _skip(skipped, f, why)
            if not files and len(skipped) == before:
                raise UsageError(Words("batch_no_match", arg=shown(arg)))
        else:
            why = _not_a_file(arg)
            if why:
                raise UsageError(Words("path_why", path=shown(arg), why=why))
            files = [arg]
        for f in files:
            if _is_jsonl(f):
                yield from _jsonl_sources(f)
            else:
                yield Source(shown(f), f)


def _jsonl_sources(path):
    offset, n = 0, 0
    try:
        with open(path, "rb") as fh:
            for n, line in enumerate(fh, 1):
                if line.strip():   # the line without its end, so that a parse error there names this line
                    yield Source(f"{shown(path)}:{n}", path, n, offset, len(line.rstrip(b"\r\n")))
                offset += len(line)
    except OSError:
        if not n:
            yield Source(shown(path), path)      # read() says why it cannot be read


def read(source: Source) -> tuple:
    """(bytes, None) or (None, error). Opens without blocking and reads regular files only, so a
    path that became a FIFO after discovery cannot stop the run."""
    try:
        fd = os.open(source.path, os.O_RDONLY | os.O_NONBLOCK | getattr(os, "O_CLOEXEC", 0))
    except OSError as e:
        return None, Words("read_failed", why=Words.os_error(e))
    try:
        with os.fdopen(fd, "rb") as fh:
            if not stat.S_ISREG(os.fstat(fh.fileno()).st_mode):
                return None, Words("read_failed", why=Words("batch_not_regular"))
            if not source.line:
                return fh.read(), None
            fh.seek(source.offset)
            return fh.read(source.length), None
    except OSError as e:
        return None, Words("read_failed", why=Words.os_error(e))


def output_name(source: Source) -> str:
    """A stable, unique, portable file name for a source's findings (two paths that are shown alike,
    because their names are not UTF-8, still get two files)."""
    stem = re.sub(r"[^0-9A-Za-z._-]+", "_", Path(source.path).stem)[:60] or "plan"
    if source.line:
        stem += f"-L{source.line}"
    key = f"{source.path}:{source.line}" if source.line else source.path
    digest = hashlib.sha256(key.encode("utf-8", "surrogateescape")).hexdigest()[:10]
    return f"{stem}-{digest}.json"


# -- one plan (runs in a worker) -------------------------------------------------------------------
_STATE = {}


def _init_worker(profile, lang, out_dir, force, fail_on, registry=None, waivers=None):
    from . import waivers as _waivers
    from .api import get_checker
    checker = get_checker(profile, registry)
    prov = checker.provenance()
    if waivers:
        prov["waivers"] = _waivers.source(waivers)
    edition_key = json.dumps([prov["tool"], prov["profile"], prov["rule_packs"], prov["lists"], prov["registry"], prov.get("waivers"), lang,
                              prov.get("criteria")],
                             sort_keys=True)
    from .formatters import json_
    _STATE.update(pieces=json_.provenance_pieces(prov))
    _STATE.update(checker=checker, prov=prov, waivers=_waivers.load(waivers) if waivers else (), lang=lang, out=Path(out_dir), force=force, fail_on=fail_on,
                  edition=hashlib.sha256(edition_key.encode()).hexdigest())
    # The checker (rules, engine, lists, catalog, memos' first entries) lives as long as the worker:
    # moved out of the collector's reach, the full collections that a round's allocations trigger no
    # longer walk it (the whole batch 3-4% less CPU with the lines' memo of facts.LineMemo).
    gc.freeze()


def _record(doc, out_name, reused):
    """The small record the summary needs, from a plan's output document."""
    r = doc["results"][0]
    rec = {"source": r["source"], "file": out_name, "plan_id": r["plan_id"], "verdict": r["verdict"],
           "counts": r["counts"], "waived": r.get("waived", 0), "reused": reused, "rules": {}}
    for f in r["findings"]:
        if f["status"] == "open":
            rec["rules"][f["rule_id"]] = rec["rules"].get(f["rule_id"], 0) + 1
    if r["status"] == "checked":
        rec["agency"] = r["agency"].get("name")
        rec["totals"] = {k: r["totals"][f"{k}_amount"] for k in SHARE_KEYS}
        rec["stage"] = r.get("stage", "plan")
        rec["assessment"] = r.get("assessment", r["verdict"])
        rec["at_risk"] = r.get("at_risk_amount", 0.0)
        # (code, name, lines, its amounts in _CATEGORY_AMOUNTS order, 0.0 for one the file lacks):
        # tuples, not the result's dicts, cross from the worker to the parent (a plan has a few
        # hundred codes; unpickling their dicts was a third of the parent's time per plan)
        rec["categories"] = [(code, c["name"], c["items"], _amounts(c)) for code, c in r.get("categories", {}).items()]
        green = (r.get("green_evaluation") or {}).get("plan")   # the green evaluation (issue 13)
        rec["green"] = {"score": green["score"], "amount": green["amount"]} if green else None
        if "green_value" in r:   # life-cycle cost inputs stated: the plan's green value, in total and by product group
            rec["green_value"] = {"plan": r["green_value"]["plan"], "by_group": r["green_value"]["by_group"]}
    else:
        rec["reason"] = "; ".join(f"{e['rule_id']} {e['pointer'] or '/'}: {e['message']}" for e in r["errors"][:5])
        rec["errors"] = [{k: e[k] for k in ("rule_id", "pointer", "message")} for e in r["errors"][:5]]
    return rec


def check_one(source: Source) -> dict:
    st = _STATE
    name = output_name(source)
    target = st["out"] / "plans" / name
    data, err = read(source)
    if data is not None:
        key = hashlib.sha256(hashlib.sha256(data).digest() + st["edition"].encode()).hexdigest()
        if not st["force"] and target.exists():
            try:
                old = json.loads(target.read_bytes())
                if old.get("provenance", {}).get("cache_key") == key:
                    return _record(old, name, True)
            except (OSError, ValueError):
                pass   # unreadable old output: check again
        result = st["checker"].check(data, source.name, langs=(st["lang"],), waivers=st["waivers"], first_line=source.line or 1)
    else:
        key = ""
        result = st["checker"].not_checkable(source.name, "", None, CHK_PARSE, [("", err)])
    return _write(result, target, key)


def _write(result, target, key) -> dict:
    from .formatters import json_
    st = _STATE
    meta = st["checker"].run_meta([result], {"format": "json", "lang": st["lang"], "fail_on": st["fail_on"],
                                              "profile": st["prov"]["profile"]["id"]})
    meta["cache_key"] = key
    if st["prov"].get("waivers"):
        meta["waivers"] = st["prov"]["waivers"]
    # The same bytes as json_.dumps(json_.document(…)).encode(), without the document: the provenance
    # from text made once per worker, the result's head made once for the file and the summary
    # record, the findings' shared parts kept as bytes (json_.data).
    head = json_.result_head(result, st["lang"])
    write_atomic(target, json_.data([result], meta, st["lang"], [head], st["pieces"]))
    brief = dict(head, findings=[{"status": f.status, "rule_id": f.rule_id} for f in result.findings],
                 errors=json_._errors(result))
    return _record({"results": [brief]}, target.name, False)


def _crash_reason(e: BaseException) -> str:
    text = " ".join(str(e).split())[:300]
    return (f"could not be checked: lvcai failed on this plan ({type(e).__name__}{': ' + text if text else ''}); "
            "the other plans were checked; please report this")


def _failed(source: Source, reason: str) -> dict:
    """Record (and findings file, with no cache key so that the next run checks it again) of a plan
    whose check failed inside lvcai rather than on the plan's content."""
    try:
        data, _ = read(source)
        sha = hashlib.sha256(data).hexdigest() if data is not None else ""
        result = _STATE["checker"].not_checkable(source.name, sha, None, CHK_PARSE, [("", reason)])
        return _write(result, _STATE["out"] / "plans" / output_name(source), "")
    except Exception:
        return _bare_failure(source, reason, _STATE["out"])


def _bare_failure(source: Source, reason: str, out: Path) -> dict:
    """The record of a failed plan when not even its findings file can be written; an older findings
    file of the same plan is removed, so that none contradicts the summary."""
    name = output_name(source)
    try:
        (out / "plans" / name).unlink(missing_ok=True)
    except OSError:
        pass
    return {"source": source.name, "file": name, "plan_id": None, "verdict": "not_checkable",
            "counts": dict.fromkeys(reversed(SEVERITIES), 0), "waived": 0, "reused": False, "rules": {},
            "reason": f"{CHK_PARSE} /: {reason}"}


def _do(task) -> dict:
    """One task, ("check", source, None) or ("fail", source, reason); any exception while checking
    becomes the plan's not-checkable record, so one plan never stops the others."""
    kind, source, reason = task
    if kind == "check":
        try:
            return check_one(source)
        except Exception as e:   # a bug, or a plan that trips one: say so on that plan only
            return _failed(source, _crash_reason(e))
    return _failed(source, reason)


# -- worker processes ------------------------------------------------------------------------------
_IN_FLIGHT = 2        # tasks sent to a worker ahead of its results, so that it never waits for the parent
_START_TRIES = 3      # workers that may die in a row before they are ready, before the run gives up


def _worker_main(conn, args, inherited):
    """A worker: build the Checker once, then answer tasks in order until told to stop (None) or the
    parent goes away (end of file)."""
    for c in inherited:       # the parent's ends of the other workers' pipes, copied by fork
        c.close()
    signal.signal(signal.SIGINT, signal.SIG_IGN)   # the parent handles Ctrl-C and stops the workers
    try:
        try:
            _init_worker(*args)
        except BaseException as e:
            msg = str(e) if isinstance(e, LvcaiError) else f"the worker processes could not start: {type(e).__name__}: {e}"
            conn.send(("init_failed", msg))
            return
        conn.send(("ready", None))
        while True:
            try:
                task = conn.recv()
            except (EOFError, OSError):
                return
            if task is None:
                return
            conn.send(("done", _do(task)))
    except BaseException:
        os._exit(70)           # the parent reports the plan this worker was on


def _how(exitcode) -> str:
    if exitcode is not None and exitcode < 0:
        try:
            name = signal.Signals(-exitcode).name
        except ValueError:
            name = ""
        return f"killed by signal {-exitcode}{', ' + name if name else ''}"
    return f"exited with status {exitcode}"


class _Worker:
    def __init__(self, ctx, args, others):
        self.conn, child = ctx.Pipe()
        self.proc = ctx.Process(target=_worker_main, args=(child, args, [w.conn for w in others]), daemon=True)
        self.proc.start()
        child.close()
        self.ready = False
        self.tasks = deque()      # sent, result not yet back; the worker answers them in order

    def send(self, task):
        self.tasks.append(task)
        try:
            self.conn.send(task)
        except OSError:
            pass                  # it died: its sentinel says so and the task is dealt with then


def _run_workers(sources, jobs, args, out, on_record):
    """Check ``sources`` in ``jobs`` worker processes. A worker that dies (killed, out of memory) is
    replaced; the plan it was on becomes not checkable with the reason, the plans queued behind it
    are checked by the others. Returns when every source has its record."""
    import multiprocessing as mp
    from multiprocessing.connection import wait
    ctx = mp.get_context("fork")
    todo = deque(("check", s, None) for s in sources)
    workers = []
    failed_starts = 0

    def start():
        workers.append(_Worker(ctx, args, workers))

    def handle(w, msg):
        nonlocal failed_starts
        kind, payload = msg
        if kind == "ready":
            w.ready = True
        elif kind == "init_failed":
            raise LvcaiError(payload)
        else:
            w.tasks.popleft()
            failed_starts = 0                      # progress: only deaths in a row without any end the run
            on_record(payload)

    def bury(w):
        nonlocal failed_starts
        try:                                       # results it sent before it stopped still count
            while w.conn.poll():
                handle(w, w.conn.recv())
        except (EOFError, OSError):
            pass
        w.proc.join(5)
        if w.proc.exitcode is None:
            w.proc.kill()
            w.proc.join()
        w.conn.close()
        workers.remove(w)
        how = _how(w.proc.exitcode)
        if not w.ready:
            failed_starts += 1
            if failed_starts >= _START_TRIES:
                raise LvcaiError(f"the worker processes could not start (the last one {how})")
        if w.tasks:
            kind, source, reason = w.tasks.popleft()
            todo.extendleft(reversed(w.tasks))     # not started: checked by another worker
            if kind == "check":
                todo.appendleft(("fail", source, f"could not be checked: the worker checking this plan stopped ({how}); "
                                                 "the other plans were checked"))
            else:                                  # it stopped again, writing the failure: record it here
                on_record(_bare_failure(source, reason, out))
        if todo and len(workers) < jobs:
            start()

    ok = False
    try:
        for _ in range(min(jobs, len(todo))):
            start()
        while todo or any(w.tasks for w in workers):
            if not workers:
                start()
            for w in workers:
                while w.ready and todo and len(w.tasks) < _IN_FLIGHT:
                    w.send(todo.popleft())
            ready = {}
            for w in workers:
                ready[w.conn] = ready[w.proc.sentinel] = w
            for obj in wait(list(ready)):
                w = ready[obj]
                if w not in workers:
                    continue                       # buried already in this round
                if obj is w.conn:
                    try:
                        msg = w.conn.recv()
                    except (EOFError, OSError):
                        msg = None
                    except Exception:              # a garbled message: that worker cannot be trusted
                        w.proc.kill()
                        msg = None
                    if msg is not None:
                        handle(w, msg)
                        continue
                bury(w)
        ok = True
    finally:
        for w in workers:
            if ok:
                try:
                    w.conn.send(None)
                except OSError:
                    pass
            else:
                w.proc.kill()
        for w in workers:
            w.proc.join(5)
            if w.proc.exitcode is None:
                w.proc.kill()
                w.proc.join()
            w.conn.close()


# -- the summary -----------------------------------------------------------------------------------
class _ExactSum:
    """A sum of floats that does not depend on the order of the terms, so the summary is the same
    whatever order the workers finish in. Each float is an exact multiple of 2**-1074, so the sum is
    kept exactly as an integer count of 2**-1074 and divided once at the end, which rounds correctly,
    as math.fsum does: the same value as the Shewchuk partials this replaced (tests/test_summary.py),
    at a fraction of the cost (the round's parent process folds 4.5 million category amounts for a
    million lines)."""
    __slots__ = ("exact", "special")

    def __init__(self):
        self.exact = 0          # the sum of the finite terms, in units of 2**-1074
        self.special = None     # the sum of the infinite and NaN terms, if any

    def add(self, x):
        x = float(x)
        try:
            n, d = x.as_integer_ratio()
        except (OverflowError, ValueError):    # infinities and NaN: no exact sum to keep
            self.special = x if self.special is None else self.special + x
            return
        self.exact += n << (1075 - d.bit_length())

    def value(self) -> float:
        try:
            v = self.exact / _UNIT
        except OverflowError:
            v = math.inf if self.exact > 0 else -math.inf
        return v if self.special is None else v + self.special


_UNIT = 1 << 1074
#: The amounts of a plan's categories (formatters/_report.categories) that the summary sums per code.
_CATEGORY_AMOUNTS = ("amount", "mandatory_amount", "undetermined_amount", "priority_amount", "required_amount",
                     "preferred_amount", "at_risk_amount")
_AMOUNTS_OF = operator.itemgetter(*_CATEGORY_AMOUNTS)


def _amounts(c) -> tuple:
    """A category's amounts in _CATEGORY_AMOUNTS order (one C call; 0.0 for one an older file lacks)."""
    try:
        return _AMOUNTS_OF(c)
    except KeyError:
        return tuple(c.get(k, 0.0) for k in _CATEGORY_AMOUNTS)


def _sums():
    return {k: _ExactSum() for k in SHARE_KEYS}


@dataclass
class Summary:
    plans: int = 0
    reused: int = 0
    waived: int = 0
    verdicts: dict = field(default_factory=lambda: {"compliant": 0, "not_compliant": 0, "not_checkable": 0})
    counts: dict = field(default_factory=lambda: dict.fromkeys(reversed(SEVERITIES), 0))
    by_rule: dict = field(default_factory=dict)
    by_agency: dict = field(default_factory=dict)
    share: dict = field(default_factory=_sums)
    not_checkable: list = field(default_factory=list)
    largest: list = field(default_factory=list)
    skipped: list = field(default_factory=list)
    plans_list: list = field(default_factory=list)
    by_category: dict = field(default_factory=dict)
    at_risk: _ExactSum = field(default_factory=_ExactSum)
    # Budget tables and procurement intentions: no requirement is set yet, so their green share is
    # what the lists will expect of the procurement documents (mandatory and priority lines).
    early_plans: int = 0
    expected: dict = field(default_factory=_sums)
    # The green evaluation (issue 13): score × amount and amount of the plans with a green score.
    green: dict = field(default_factory=lambda: {"weighted": _ExactSum(), "amount": _ExactSum(), "plans": 0})
    green_by_agency: dict = field(default_factory=dict)
    # The green value (checker/evaluation): kWh, m³, t CO2 saved and the CO2's money value, of the
    # plans that state life-cycle cost inputs, by agency and by product group.
    value_plans: int = 0
    value_total: dict = field(default_factory=dict)
    value_by_agency: dict = field(default_factory=dict)
    value_by_group: dict = field(default_factory=dict)

    def add(self, rec):
        self.plans += 1
        self.reused += rec["reused"]
        self.waived += rec["waived"]
        self.verdicts[rec["verdict"]] += 1
        for s, n in rec["counts"].items():
            self.counts[s] += n
        for rule, n in rec["rules"].items():
            self.by_rule[rule] = self.by_rule.get(rule, 0) + n
        if rec["verdict"] == "not_checkable":
            self.not_checkable.append({"source": rec["source"], "file": rec["file"], "reason": rec["reason"],
                                       "errors": rec.get("errors", [])})   # the reason's parts, for words in any language
            return
        self.plans_list.append({"plan_id": rec["plan_id"], "agency": rec["agency"], "source": rec["source"], "file": rec["file"],
                                "verdict": rec["verdict"], "assessment": rec.get("assessment", rec["verdict"]),
                                "counts": rec["counts"], "amount": rec["totals"]["total"], "at_risk_amount": rec.get("at_risk", 0.0)})
        self.at_risk.add(rec.get("at_risk", 0.0))
        self._add_green(rec)
        source = rec["source"]
        by_category = self.by_category
        for code, name, lines, amounts in rec.get("categories", ()):
            mine = by_category.get(code)
            if mine is None:   # made only for a new code (a million lines bring 4.5 million (code, plan) pairs)
                mine = by_category[code] = {"name": None, "items": 0, **{k: _ExactSum() for k in _CATEGORY_AMOUNTS}}
            # The name shown: that of the first plan by source (plans arrive in any order; a code off
            # the lists is named by its lines, which differ from plan to plan).
            if mine["name"] is None or (source, name) < mine["_named_by"]:
                mine["name"], mine["_named_by"] = name, (source, name)
            mine["items"] += lines
            for k, v in zip(_CATEGORY_AMOUNTS, amounts):
                if v:   # a zero (most are) leaves an exact sum as it is
                    exact = mine[k]
                    # _ExactSum.add inlined: the parent does this 1.7 million times for a million lines
                    try:
                        n, d = float(v).as_integer_ratio()
                        exact.exact += n << (1075 - d.bit_length())
                    except (OverflowError, ValueError):
                        exact.add(v)
        a = self.by_agency.setdefault(rec["agency"], {"plans": 0, "compliant": 0, "not_compliant": 0,
                                                      "findings": dict.fromkeys(reversed(SEVERITIES), 0),
                                                      "share": _sums()})
        a["plans"] += 1
        a[rec["verdict"]] += 1
        for s, n in rec["counts"].items():
            a["findings"][s] += n
        for k, v in rec["totals"].items():
            a["share"][k].add(v)
            self.share[k].add(v)
        if rec.get("green_value"):
            self._add_green_value(rec)
        if rec.get("stage") in EARLY_STAGES:
            self.early_plans += 1
            for k, v in rec["totals"].items():
                self.expected[k].add(v)
        if rec["verdict"] == "not_compliant":
            self.largest.append({"amount": rec["totals"]["total"], "plan_id": rec["plan_id"], "agency": rec["agency"],
                                 "source": rec["source"], "file": rec["file"], "errors": rec["counts"]["error"]})
            self.largest.sort(key=lambda x: (-x["amount"], x["source"]))
            del self.largest[TOP_N:]

    def _add_green(self, rec):
        """A plan's green score into the round's and its agency's (amount-weighted, order-free sums)."""
        g = rec.get("green")
        self.plans_list[-1]["green_score"] = g["score"] if g else None
        if not g or g["score"] is None:
            return
        for sums in (self.green, self.green_by_agency.setdefault(rec["agency"], {
                "weighted": _ExactSum(), "amount": _ExactSum(), "plans": 0})):
            sums["weighted"].add(g["score"] * g["amount"])
            sums["amount"].add(g["amount"])
            sums["plans"] += 1

    @staticmethod
    def _green_doc(sums):
        amount = sums["amount"].value()
        return {"plans_scored": sums["plans"], "amount": round(amount, 2),
                "score": round(sums["weighted"].value() / amount, 1) if amount > 0 else None}

    def green_document(self):
        """summary.json's ``green``: the round's green score (plans' scores weighted by the amount in
        groups with criteria) and per agency."""
        agencies = self.green_by_agency
        return {**self._green_doc(self.green),
                "by_agency": {k: self._green_doc(v) for k, v in sorted(agencies.items())}}

    def _add_green_value(self, rec):
        """A plan's green value into the round's, its agency's and its product groups' (order-free sums)."""
        def into(sums, values):
            for k, v in values.items():
                if v is not None:
                    sums.setdefault(k, _ExactSum()).add(v)
        self.value_plans += 1
        into(self.value_total, rec["green_value"]["plan"])
        into(self.value_by_agency.setdefault(rec["agency"], {}), rec["green_value"]["plan"])
        for group, values in rec["green_value"]["by_group"].items():
            into(self.value_by_group.setdefault(group, {}), values)

    def _green_value(self):
        def done(sums):
            return {k: round(sums[k].value(), 6) if k in sums else 0.0 for k in ("kwh", "m3", "t_co2", "money_value")}
        return {"plans": self.value_plans, "total": done(self.value_total),
                "by_agency": {a: done(v) for a, v in sorted(self.value_by_agency.items())},
                "by_group": {g: done(v) for g, v in sorted(self.value_by_group.items())}}

    def document(self):
        def pct(part, whole):
            return round(100.0 * part / whole, 1) if whole else 0.0

        def share(sums):
            s = {k: v.value() for k, v in sums.items()}
            return {**{f"{k}_amount": round(v, 2) for k, v in s.items()},
                    **{f"{k}_share": pct(v, s["total"]) for k, v in s.items() if k != "total"}}
        return {
            "plans": self.plans, "reused": self.reused, "verdicts": self.verdicts, "findings": self.counts,
            "waived": self.waived,
            "by_rule": dict(sorted(self.by_rule.items())),
            "by_agency": {k: {**{x: v[x] for x in ("plans", "compliant", "not_compliant", "findings")}, "share": share(v["share"])}
                          for k, v in sorted(self.by_agency.items())},
            "share": share(self.share),
            "largest_not_compliant": self.largest,
            "not_checkable": sorted(self.not_checkable, key=lambda x: x["source"]),
            "skipped": sorted(self.skipped, key=lambda x: (x["path"], x["reason"])),
            # For the finance bureau: every plan (sortable in the HTML), amounts by product category
            # and the amount at risk (mandatory items without a required or valid certificate).
            "plans_list": sorted(self.plans_list, key=lambda x: (x["source"], x["plan_id"] or "")),
            "by_category": {code: {k: (round(v.value(), 2) if isinstance(v, _ExactSum) else v) for k, v in c.items() if k != "_named_by"}
                            for code, c in sorted(self.by_category.items())},
            "at_risk_amount": round(self.at_risk.value(), 2),
            "expected_green": self._expected(pct),
            "green": self.green_document(),
            **({"green_value": self._green_value()} if self.value_plans else {}),
        }

    def _expected(self, pct):
        """The expected green share of the round's budget and intention plans: the amount in listed
        categories (mandatory: the documents will have to require the certificate; priority: a
        preference will be expected) over their total. Plans at plan or award stage are in ``share``."""
        s = {k: self.expected[k].value() for k in ("total", "listed", "mandatory", "priority")}
        return {"plans": self.early_plans, "total_amount": round(s["total"], 2),
                "expected_amount": round(s["listed"], 2), "expected_share": pct(s["listed"], s["total"]),
                "mandatory_amount": round(s["mandatory"], 2), "mandatory_share": pct(s["mandatory"], s["total"]),
                "priority_amount": round(s["priority"], 2), "priority_share": pct(s["priority"], s["total"])}


# -- the run ---------------------------------------------------------------------------------------
class _Progress:
    def __init__(self, total, enabled, stream):
        self.total, self.enabled, self.stream = total, enabled, stream
        self.start = time.monotonic()
        self.last = 0.0

    def update(self, done, final=False):
        if not self.enabled:
            return
        now = time.monotonic()
        if not final and now - self.last < 0.2:
            return
        self.last = now
        rate = done / max(now - self.start, 1e-9)
        eta = (self.total - done) / rate if rate and self.total else 0
        width = 30
        filled = int(width * done / self.total) if self.total else width
        self.stream.write(f"\r[{'#' * filled}{'.' * (width - filled)}] {done}/{self.total} plans · {rate:,.0f} plans/s · ETA {eta:,.0f}s ")
        if final:
            self.stream.write("\n")
        self.stream.flush()


def _clean_temporary(plans_dir: Path):
    """Remove the temporary files a killed run (or a killed worker) left; nothing else."""
    try:
        with os.scandir(plans_dir) as it:
            names = [e.name for e in it if is_temporary(e.name)]
    except OSError:
        return
    for name in names:
        try:
            (plans_dir / name).unlink(missing_ok=True)
        except OSError:
            pass


def run(inputs, out_dir, jobs=None, profile="national", lang="zh", force=False, fail_on="error",
        progress=False, stream=None, registry=None, waivers=None):
    """Check every plan of ``inputs``; returns the summary document (the caller writes the formats).

    Never waits for ever: an exception while checking a plan, or a worker that dies, makes that one
    plan not checkable (with the reason) and the others are checked. Paths skipped while looking for
    plans are in the summary's ``skipped``: ``{"path", "reason", "text"}``, the reason in English and
    its text in ``lang``."""
    out = Path(out_dir)
    (out / "plans").mkdir(parents=True, exist_ok=True)
    _clean_temporary(out / "plans")
    if waivers:
        from . import waivers as _waivers
        _waivers.load(waivers)   # a malformed waiver file is a usage error, found before any work
    summary = Summary()
    own = [out / "plans", *(out / f"summary.{fmt}" for fmt in ("json", "html", "xlsx"))]
    sources = list(discover(inputs, summary.skipped, exclude=own))
    for x in summary.skipped:   # ``reason`` stays the English it always was; ``text`` says it in ``lang``
        x["text"] = say(x["reason"], lang)
    jobs = max(1, jobs or os.cpu_count() or 1)
    bar = _Progress(len(sources), progress, stream)
    args = (profile, lang, str(out), force, fail_on, registry, waivers)

    def add(rec):
        summary.add(rec)
        bar.update(summary.plans)

    if jobs == 1:
        _init_worker(*args)
        for src in sources:
            add(_do(("check", src, None)))
    elif sources:
        try:
            _run_workers(sources, jobs, args, out, add)
        finally:
            _clean_temporary(out / "plans")    # what a killed (or interrupted) worker was writing
    bar.update(summary.plans, final=True)
    return summary.document()
