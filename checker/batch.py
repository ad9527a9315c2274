"""A whole budget round in one run: inputs streamed to worker processes, one findings file per plan,
and a summary for the finance bureau.

* Inputs: a directory (every ``*.json`` and ``*.jsonl`` below it), a glob, a JSON Lines file (one plan
  per line, source ``file.jsonl:LINE``), or a plan file. They are read lazily, in a stable order.
* Work: ``jobs`` worker processes, each with one Checker built once (the engine cannot be unloaded);
  at most ``4 × jobs`` plans are in flight, so memory does not grow with the batch.
* Output: ``DIR/plans/<name>.json`` per plan, the same JSON as ``lvcai check --format json`` with a
  ``cache_key`` in its provenance; written to a temporary file and renamed, so a killed run leaves no
  half-written file. A plan whose output carries the same key (content hash, tool version, profile,
  rule-pack and list digests, registry imports, language) is not checked again unless ``force``.
* Summary: folded from small per-plan records as they arrive, in any order, then sorted, so the
  result does not depend on ``jobs``.
"""
from __future__ import annotations

import glob as _glob
import hashlib
import json
import os
import re
import time
from dataclasses import dataclass, field
from pathlib import Path

from ._io import TMP_PREFIX as _TMP_PREFIX, write_atomic
from .errors import UsageError
from .facts import SHARE_KEYS
from .findings import CHK_PARSE, SEVERITIES

TOP_N = 10


# -- inputs ----------------------------------------------------------------------------------------
@dataclass(frozen=True)
class Source:
    name: str           # shown in reports: the path, or path:LINE for JSON Lines
    path: str
    line: int = 0       # 1-based line of a JSON Lines file; 0 for a whole file
    offset: int = 0     # the line's byte offset and length, found while discovering
    length: int = 0


def _is_jsonl(path: str) -> bool:
    return path.endswith((".jsonl", ".ndjson"))


def discover(inputs):
    """Sources for the command-line inputs, in a stable order, without reading plan contents."""
    for arg in inputs:
        p = Path(arg)
        if p.is_dir():
            files = sorted(str(f) for f in p.rglob("*") if f.is_file() and f.suffix in (".json", ".jsonl", ".ndjson"))
        elif any(ch in arg for ch in "*?["):
            files = sorted(f for f in _glob.glob(arg, recursive=True) if Path(f).is_file())
            if not files:
                raise UsageError(f"{arg}: no file matches")
        elif p.is_file():
            files = [arg]
        else:
            raise UsageError(f"{arg}: no such file or directory")
        for f in files:
            if _is_jsonl(f):
                yield from _jsonl_sources(f)
            else:
                yield Source(f, f)


def _jsonl_sources(path):
    offset = 0
    with open(path, "rb") as fh:
        for n, line in enumerate(fh, 1):
            if line.strip():
                yield Source(f"{path}:{n}", path, n, offset, len(line))
            offset += len(line)


def read(source: Source) -> tuple:
    """(bytes, None) or (None, error)."""
    try:
        if not source.line:
            return Path(source.path).read_bytes(), None
        with open(source.path, "rb") as fh:
            fh.seek(source.offset)
            return fh.read(source.length), None
    except OSError as e:
        return None, f"cannot be read: {e.strerror or e}"


def output_name(source: Source) -> str:
    """A stable, unique, portable file name for a source's findings."""
    stem = re.sub(r"[^0-9A-Za-z._-]+", "_", Path(source.path).stem)[:60] or "plan"
    if source.line:
        stem += f"-L{source.line}"
    digest = hashlib.sha256(source.name.encode("utf-8")).hexdigest()[:10]
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
    edition_key = json.dumps([prov["tool"], prov["profile"], prov["rule_packs"], prov["lists"], prov["registry"], prov.get("waivers"), lang],
                             sort_keys=True)
    _STATE.update(checker=checker, prov=prov, waivers=_waivers.load(waivers) if waivers else (), lang=lang, out=Path(out_dir), force=force, fail_on=fail_on,
                  edition=hashlib.sha256(edition_key.encode()).hexdigest())


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
    else:
        rec["reason"] = "; ".join(f"{e['rule_id']} {e['pointer'] or '/'}: {e['message']}" for e in r["errors"][:5])
    return rec


def check_one(source: Source) -> dict:
    from .formatters import json_
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
        result = st["checker"].check(data, source.name, langs=(st["lang"],), waivers=st["waivers"])
    else:
        key = ""
        result = st["checker"].not_checkable(source.name, "", None, CHK_PARSE, [("", err)])
    meta = st["checker"].run_meta([result], {"format": "json", "lang": st["lang"], "fail_on": st["fail_on"],
                                              "profile": st["prov"]["profile"]["id"]})
    meta["cache_key"] = key
    if st["prov"].get("waivers"):
        meta["waivers"] = st["prov"]["waivers"]
    doc = json_.document([result], meta, st["lang"])
    write_atomic(target, json_.dumps(doc).encode("utf-8"))
    return _record(doc, name, False)


# -- the summary -----------------------------------------------------------------------------------
@dataclass
class Summary:
    plans: int = 0
    reused: int = 0
    waived: int = 0
    verdicts: dict = field(default_factory=lambda: {"compliant": 0, "not_compliant": 0, "not_checkable": 0})
    counts: dict = field(default_factory=lambda: {s: 0 for s in reversed(SEVERITIES)})
    by_rule: dict = field(default_factory=dict)
    by_agency: dict = field(default_factory=dict)
    share: dict = field(default_factory=lambda: dict.fromkeys(SHARE_KEYS, 0.0))
    not_checkable: list = field(default_factory=list)
    largest: list = field(default_factory=list)

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
            self.not_checkable.append({"source": rec["source"], "file": rec["file"], "reason": rec["reason"]})
            return
        a = self.by_agency.setdefault(rec["agency"], {"plans": 0, "compliant": 0, "not_compliant": 0,
                                                      "findings": {s: 0 for s in reversed(SEVERITIES)},
                                                      "share": dict.fromkeys(self.share, 0.0)})
        a["plans"] += 1
        a[rec["verdict"]] += 1
        for s, n in rec["counts"].items():
            a["findings"][s] += n
        for k, v in rec["totals"].items():
            a["share"][k] += v
            self.share[k] += v
        if rec["verdict"] == "not_compliant":
            self.largest.append({"amount": rec["totals"]["total"], "plan_id": rec["plan_id"], "agency": rec["agency"],
                                 "source": rec["source"], "file": rec["file"], "errors": rec["counts"]["error"]})
            self.largest.sort(key=lambda x: (-x["amount"], x["source"]))
            del self.largest[TOP_N:]

    def document(self):
        def pct(part, whole):
            return round(100.0 * part / whole, 1) if whole else 0.0

        def share(s):
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
        }


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


def run(inputs, out_dir, jobs=None, profile="national", lang="zh", force=False, fail_on="error",
        progress=False, stream=None, registry=None, waivers=None):
    """Check every plan of ``inputs``; returns the summary document (also written to summary.json)."""
    out = Path(out_dir)
    (out / "plans").mkdir(parents=True, exist_ok=True)
    for stale in (out / "plans").glob(_TMP_PREFIX + "*"):   # left by a killed run
        stale.unlink(missing_ok=True)
    if waivers:
        from . import waivers as _waivers
        _waivers.load(waivers)   # a malformed waiver file is a usage error, found before any work
    sources = list(discover(inputs))
    jobs = max(1, jobs or os.cpu_count() or 1)
    bar = _Progress(len(sources), progress, stream)
    summary = Summary()
    args = (profile, lang, str(out), force, fail_on, registry, waivers)
    if jobs == 1:
        _init_worker(*args)
        for i, src in enumerate(sources, 1):
            summary.add(check_one(src))
            bar.update(i)
    else:
        import multiprocessing as mp
        import threading
        in_flight = threading.BoundedSemaphore(4 * jobs)

        def feed():
            for src in sources:
                in_flight.acquire()
                yield src
        with mp.get_context("fork").Pool(jobs, _init_worker, args) as pool:
            for i, rec in enumerate(pool.imap_unordered(check_one, feed(), chunksize=1), 1):
                in_flight.release()
                summary.add(rec)
                bar.update(i)
    bar.update(summary.plans, final=True)
    return summary.document()
