"""The service's work, done the way the engine allows (shared/ENGINE.md): one thread per process.

durable-rules is one engine per process and not thread-safe, and the registry's SQLite connection
belongs to the thread that opened it. So every call that touches a Checker, the registry or the
rule packs goes through :func:`submit`, which runs it on this process's one worker thread; the event
loop never blocks on a check, and two requests never share an engine at the same time.
Concurrency comes from worker processes (``lvcai serve --workers N``), each with its own thread,
Checkers and engine.

The functions here are plain and synchronous: they take bytes and options, and return what the
CLI would print, so the API's output is the CLI's output by construction.
"""
from __future__ import annotations

import asyncio
import dataclasses
import hashlib
import json
import os
import re
import tempfile
import threading
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

from .. import waivers as _waivers
from ..errors import LvcaiError
from ..findings import SEVERITIES, exit_code
from ..i18n import LANGS

_EXECUTOR: ThreadPoolExecutor | None = None
_EXECUTOR_PID = None
_LOCK = threading.Lock()


def executor() -> ThreadPoolExecutor:
    """This process's single worker thread (made anew in a forked child)."""
    global _EXECUTOR, _EXECUTOR_PID
    with _LOCK:
        if _EXECUTOR is None or _EXECUTOR_PID != os.getpid():
            _EXECUTOR = ThreadPoolExecutor(max_workers=1, thread_name_prefix="lvcai-engine")
            _EXECUTOR_PID = os.getpid()
        return _EXECUTOR


async def submit(fn, *args, **kwargs):
    """Run ``fn`` on this process's engine thread and await its result."""
    loop = asyncio.get_running_loop()
    return await loop.run_in_executor(executor(), lambda: fn(*args, **kwargs))


class Problem(LvcaiError):
    """An HTTP error with the problem list the CLI would print: [(pointer, message)]."""

    def __init__(self, status: int, title: str, problems=()):
        self.status, self.title = status, title
        self.problems = [(p, m) for p, m in problems] or [("", title)]
        super().__init__(title)


# -- checkers, rebuilt when the registry file changes ------------------------------------------
_CHECKERS: dict = {}


def _stamp(registry):
    from ..refdata import default_path
    path = Path(registry) if registry else default_path()
    try:
        st = path.stat()
        return (st.st_mtime_ns, st.st_size, st.st_ino)
    except OSError:
        return None


def checker(profile: str, registry):
    """The Checker of ``profile`` over ``registry`` for this process; made again (a new engine, which
    ENGINE.md allows at a small leak) only when the registry file changed, e.g. after an import."""
    from ..api import Checker
    from ..refdata import RefData
    key = (profile, registry)
    stamp = _stamp(registry)
    have = _CHECKERS.get(key)
    if have is not None and have[0] == stamp:
        return have[1]
    # As checker.api.get_checker builds it for the CLI, but made on this thread: a Checker's SQLite
    # connection may be used only by the thread that opened it.
    chk = Checker(profile, refdata=RefData.for_checking(registry))
    _CHECKERS[key] = (stamp, chk)
    return chk


def refdata(registry):
    return checker("national", registry).refdata


# -- checking ----------------------------------------------------------------------------------
@dataclasses.dataclass
class Options:
    lang: str = "zh"
    profile: str = "national"
    fail_on: str = "error"
    generated_at: str | None = None
    #: The report's sign-off block (`lvcai check|report --report-no --organisation --prepared-by
    #: --reviewed-by`, each defaulting to its LVCAI_* variable as there).
    filing: dict = dataclasses.field(default_factory=dict)

    def validate(self):
        problems = []
        if self.lang not in LANGS:
            problems.append(("?lang", f"'{self.lang}' is not one of {', '.join(LANGS)}"))
        if self.fail_on not in SEVERITIES:
            problems.append(("?fail_on", f"'{self.fail_on}' is not one of {', '.join(reversed(SEVERITIES))}"))
        if not re.fullmatch(r"[A-Za-z0-9_-]{1,64}", self.profile or ""):
            problems.append(("?profile", f"'{self.profile}' is not a profile name"))
        if self.generated_at is not None:
            import datetime   # as `--generated-at` takes it (checker/cli.py parse_generated_at)
            try:
                self.generated_at = datetime.datetime.fromisoformat(self.generated_at).isoformat()
            except ValueError:
                problems.append(("?generated_at", f"{self.generated_at!r}: expected an ISO 8601 date-time "
                                                  "such as 2026-03-16T09:30:00+08:00"))
        if problems:
            raise Problem(422, "invalid parameters", problems)
        return self


@dataclasses.dataclass
class Upload:
    data: bytes
    source: str
    waivers: bytes | None = None
    waivers_name: str = "waivers.json"


@dataclasses.dataclass
class Outcome:
    body: bytes
    exit_code: int
    checkable: bool
    rule_ids: tuple   # the CHK rule ids of a plan that could not be checked
    result: object = None


def _load_waivers(upload: Upload):
    """Waivers as checker.waivers reads them: from a file, so the temporary one is deleted at once."""
    if upload.waivers is None:
        return (), None
    name = os.path.basename(upload.waivers_name or "waivers.json") or "waivers.json"
    with tempfile.TemporaryDirectory(prefix="lvcai-waivers-") as d:
        path = Path(d) / name
        path.write_bytes(upload.waivers)
        try:
            return _waivers.load(path), _waivers.source(path)
        except LvcaiError as e:
            raise Problem(422, "the waivers file is invalid", [("waivers", str(e).replace(str(path), name))]) from None


def run(upload: Upload, opts: Options, fmt: str, registry) -> Outcome:
    """What ``lvcai check|report PLAN --format FMT`` would write, for one plan: the same Checker,
    options, provenance and formatter (checker/cli.py ``_run``)."""
    from ..formatters import FORMATTERS
    try:
        chk = checker(opts.profile, registry)
    except LvcaiError as e:
        raise Problem(422, "invalid parameters", [("?profile", str(e))]) from None
    waiver_list, waiver_source = _load_waivers(upload)
    result = chk.check(upload.data, upload.source, langs=(opts.lang,), waivers=waiver_list)
    options = {"format": fmt, "fail_on": opts.fail_on, "lang": opts.lang, "profile": opts.profile}
    try:
        meta = chk.run_meta([result], options, opts.generated_at, waivers=waiver_source, waiver_list=waiver_list, filing=opts.filing)
    except LvcaiError as e:   # SOURCE_DATE_EPOCH that is not a number
        raise Problem(422, "invalid parameters", [("", str(e))]) from None
    body = FORMATTERS[fmt]([result], meta, lang=opts.lang, color=False)
    if isinstance(body, str):
        body = body.encode("utf-8")
    return Outcome(body, exit_code([result], opts.fail_on), result.checkable,
                   tuple(sorted({rid for _p, rid, _m in result.errors})), result)


FILING_ENV = {"report_no": "LVCAI_REPORT_NO", "organisation": "LVCAI_ORGANISATION", "prepared_by": "LVCAI_PREPARED_BY",
              "reviewed_by": "LVCAI_REVIEWED_BY"}


def filing(**given) -> dict:
    """The sign-off fields: as given, else from the environment, as the CLI's options take them."""
    return {k: given.get(k) or os.environ.get(env) for k, env in FILING_ENV.items()}


def keep(directory, data: bytes, source: str) -> Path:
    """``--keep DIR``: the plan as received, named by its SHA-256 (storing it twice changes nothing)."""
    suffix = Path(source).suffix.lower()
    suffix = suffix if re.fullmatch(r"\.[a-z0-9]{1,5}", suffix or "") else ".bin"
    target = Path(directory) / f"{hashlib.sha256(data).hexdigest()}{suffix}"
    if not target.exists():
        from .._io import write_atomic
        write_atomic(target, data)
    return target


# -- reference data ----------------------------------------------------------------------------
def rules(profile: str):
    """The rules the profile runs (with the severity the profile gives them), those not run for a
    parameter without a value, and those the profile switches off, with its reason."""
    from ..policy.rulepacks import RulePacks
    try:
        prof, active, skipped, off = RulePacks().listing(profile)
    except LvcaiError as e:
        raise Problem(422, "invalid parameters", [("?profile", str(e))]) from None
    settings = prof.rule_settings or {}
    return {"profile": profile,
            "rules": [{"id": r.id, "severity": settings.get(r.id, {}).get("severity", r.severity), "title": r.title,
                       "pack": r.pack, "legal_basis": [dict(b) for b in r.legal_basis]} for r in active],
            "not_run": [{"rule_id": rid, "parameter_without_value": p} for rid, p in skipped],
            "switched_off": [{"rule_id": rid, "by_profile": st["profile"], "reason": st["reason"]} for rid, st in off]}


def rule(rule_id: str):
    """The rule file as JSON (as `lvcai rules show` prints it; an old id finds its rule), or None."""
    from ..policy.rulepacks import RulePacks
    reg = RulePacks()
    found = reg.rules.get(reg.canonical(rule_id))
    return None if found is None else json.loads(found.path.read_text(encoding="utf-8"))


def _edition_brief(d):
    return {"edition_id": d["edition_id"], "list": d["list"], "title": d.get("title"), "document": d.get("document"),
            "effective_from": d["effective_from"], "effective_until": d["effective_until"],
            "catalog_edition": d.get("catalog_edition"), "verified": d["verified"], "rows": len(d["rows"]),
            "imported": bool(d.get("_imported"))}


def lists(registry):
    chk = checker("national", registry)
    return {"editions": [_edition_brief(d) for d in chk.lists.all_editions()],
            "catalogs": sorted(chk.refdata.imported_catalogs | set(chk.refdata.shipped))}


def _row_matches(row, q):
    q = q.casefold()
    texts = [row.get("name"), row.get("product_type"), row.get("code_2013"), row.get("parent_name"), row.get("id"),
             *(row.get("codes_2022") or ())]
    return any(q in str(t).casefold() for t in texts if t)


def list_edition(kind: str, edition: str, registry, q: str | None = None):
    chk = checker("national", registry)
    for d in chk.lists.all_editions():
        if d["edition_id"] == f"{kind}/{edition}":
            rows = [r for r in d["rows"] if not q or _row_matches(r, q)]
            return {**_edition_brief(d), "query": q, "matched": len(rows),
                    "rows_data": [dict(r) for r in rows]}
    return None


def catalog(edition: str, code: str, registry):
    return refdata(registry).catalog_entry(edition, code)


def catalog_search(edition: str, q: str, registry, limit=200):
    """Codes of the catalog in use whose code starts with, or name contains, ``q``."""
    ref = refdata(registry)
    q = q.strip()
    if not q:
        return []
    if edition in ref.shipped:
        codes = ref.shipped[edition].codes
        hits = [c for c in sorted(codes) if c.startswith(q.upper()) or q in codes[c][0]][:limit]
        return [ref.catalog_entry(edition, c) for c in hits]
    rows = ref.con.execute("SELECT code FROM catalog WHERE edition=? AND (code LIKE ? OR name LIKE ?) ORDER BY code LIMIT ?",
                           (edition, q.upper() + "%", "%" + q + "%", limit)).fetchall()
    return [ref.catalog_entry(edition, c) for (c,) in rows]


CERT_TYPES = ("energy_saving", "environmental_label")


def certificates(number: str, registry, cert_type: str | None = None):
    ref = refdata(registry)
    return [c for t in ([cert_type] if cert_type else CERT_TYPES) for c in [ref.certificate(t, number)] if c]


CREDIT_CODE = re.compile(r"[0-9A-HJ-NPQRTUWXY]{18}")


def supplier(credit_code: str, registry, date: str | None = None):
    ref = refdata(registry)
    bans = ref.bans(credit_code, date) if date else ref.bans_all(credit_code)
    return {"credit_code": credit_code, "bans": bans, "integrity_records": ref.integrity_records(credit_code)}


def health(registry):
    chk = checker("national", registry)
    return {"status": "ok", "pid": os.getpid(), "registry": {"exists": chk.refdata.exists},
            "rules": len(chk.rules), "lists": [d["edition_id"] for d in chk.lists.all_editions()]}


def import_file(kind: str, data: bytes, name: str, registry, edition: str | None):
    """A registry import through the API: the file as `lvcai registry import` takes it (whole or
    rejected whole), from a temporary copy deleted at once."""
    from ..refdata import RefData
    name = os.path.basename(name or f"{kind}.csv") or f"{kind}.csv"
    with tempfile.TemporaryDirectory(prefix="lvcai-import-") as d:
        path = Path(d) / name
        path.write_bytes(data)
        try:
            res = RefData(registry, create=True).import_file(kind, path, edition=edition)
        except LvcaiError as e:
            raise Problem(422, "the file was not imported", [("file", str(e).replace(str(path), name))]) from None
    return {"kind": kind, "file": name, "sha256": res.sha256, "imported": res.imported, "already": res.already}


_SITE: dict = {}


def stats_site(registry) -> dict:
    """The statistics site (checker/service/stats.py) for /stats, built again when the registry changed."""
    from . import stats
    stamp = _stamp(registry)
    have = _SITE.get(registry)
    if have is None or have[0] != stamp:
        have = _SITE[registry] = (stamp, stats.build_site(registry))
    return have[1]
