"""The reference registry: a SQLite file holding what an audit after award needs beyond the plan.

Kinds of data, each imported from the files the authorities publish (CSV or XLSX; headers in
Chinese or English; UTF-8, UTF-8 with BOM or GB18030):

* ``catalog``: codes of a 政府采购品目分类目录 edition;
* ``list``: a category-list edition in the format of rules/lists/*.json (the built-in 2019 editions
  need no import);
* ``certificates``: energy-saving and environmental-label certificates as certification bodies export
  them;
* ``bodies``: the designated certification bodies, the types they may certify and when;
* ``credit``: severe-violation and dishonesty records with their ban periods;
* integrity records (诚信档案) added with ``lvcai registry record``.

Where the file is: ``--registry PATH``, else ``$LVCAI_REGISTRY``, else
``$XDG_DATA_HOME/lvcai/registry.sqlite`` (``~/.local/share/lvcai/registry.sqlite``).

Each import is validated row by row against schemas/imports/<kind>.schema.json; a file with bad rows
is rejected whole with every bad row listed, unless ``skip_bad``, which imports the good rows and
writes the rejects to a file. An import is one transaction (readers, in WAL mode, see the data before
or after it, never a mix), is idempotent (rows are keyed, and the same file twice changes nothing)
and is recorded with its file's SHA-256, who and when, so reports can cite it.
"""
from __future__ import annotations

import csv
import datetime as _dt
import getpass
import hashlib
import io
import json
import os
import re
import sqlite3
from dataclasses import dataclass
from pathlib import Path

from . import _paths
from ._jsonutil import load_data, schema_problems
from .errors import DataError, UsageError

KINDS = ("catalog", "list", "certificates", "bodies", "credit")

_SCHEMA_SQL = """
CREATE TABLE IF NOT EXISTS imports (id INTEGER PRIMARY KEY, kind TEXT NOT NULL, file TEXT NOT NULL,
    sha256 TEXT NOT NULL, rows INTEGER NOT NULL, rejected INTEGER NOT NULL, edition TEXT,
    imported_at TEXT NOT NULL, imported_by TEXT NOT NULL);
CREATE TABLE IF NOT EXISTS catalog (edition TEXT NOT NULL, code TEXT NOT NULL, name TEXT NOT NULL,
    parent_code TEXT, import_id INTEGER NOT NULL, PRIMARY KEY (edition, code));
CREATE TABLE IF NOT EXISTS lists (edition_id TEXT PRIMARY KEY, list TEXT NOT NULL, effective_from TEXT NOT NULL,
    doc TEXT NOT NULL, import_id INTEGER NOT NULL);
CREATE TABLE IF NOT EXISTS certificates (type TEXT NOT NULL, number TEXT NOT NULL, holder TEXT NOT NULL,
    brand TEXT, model TEXT, category TEXT, standard TEXT, issued TEXT NOT NULL, expires TEXT NOT NULL,
    issuer TEXT NOT NULL, status TEXT NOT NULL, import_id INTEGER NOT NULL, PRIMARY KEY (type, number));
CREATE TABLE IF NOT EXISTS bodies (name TEXT NOT NULL, type TEXT NOT NULL, valid_from TEXT NOT NULL,
    valid_until TEXT, basis TEXT, import_id INTEGER NOT NULL, PRIMARY KEY (name, type, valid_from));
CREATE TABLE IF NOT EXISTS credit (credit_code TEXT NOT NULL, name TEXT NOT NULL, conduct TEXT NOT NULL,
    penalty TEXT, ban_start TEXT NOT NULL, ban_end TEXT NOT NULL, authority TEXT NOT NULL, source TEXT NOT NULL,
    import_id INTEGER NOT NULL, PRIMARY KEY (credit_code, ban_start, conduct));
CREATE TABLE IF NOT EXISTS records (id INTEGER PRIMARY KEY, credit_code TEXT NOT NULL, name TEXT NOT NULL,
    finding TEXT NOT NULL, plan_id TEXT, recorded_on TEXT NOT NULL, recorded_by TEXT NOT NULL);
"""

_COLUMNS = {
    "catalog": ("edition", "code", "name", "parent_code"),
    "certificates": ("type", "number", "holder", "brand", "model", "category", "standard", "issued", "expires", "issuer", "status"),
    "bodies": ("name", "type", "valid_from", "valid_until", "basis"),
    "credit": ("credit_code", "name", "conduct", "penalty", "ban_start", "ban_end", "authority", "source"),
}


def default_path() -> Path:
    env = os.environ.get("LVCAI_REGISTRY")
    if env:
        return Path(env)
    base = os.environ.get("XDG_DATA_HOME") or str(Path.home() / ".local" / "share")
    return Path(base) / "lvcai" / "registry.sqlite"


def _connect(path: Path | None, create: bool) -> sqlite3.Connection:
    if path is None:   # an empty registry: checks that need data say "not verified"
        con = sqlite3.connect(":memory:", isolation_level=None)
        con.executescript(_SCHEMA_SQL)
        return con
    if not create and not path.exists():
        raise UsageError(f"registry {path} does not exist (import data first, or name another with --registry)")
    path.parent.mkdir(parents=True, exist_ok=True)
    con = sqlite3.connect(str(path), timeout=30, isolation_level=None)
    con.execute("PRAGMA journal_mode=WAL")
    con.executescript(_SCHEMA_SQL)
    return con


# -- reading files ---------------------------------------------------------------------------------
def _decode(data: bytes, path) -> str:
    for enc in ("utf-8-sig", "gb18030"):
        try:
            return data.decode(enc)
        except UnicodeDecodeError:
            continue
    raise DataError(path, "", "is neither UTF-8 nor GB18030 text")


def read_table(path: Path):
    """(header, rows as lists of str) from a CSV or XLSX file; row numbers count the header as 1."""
    data = path.read_bytes()
    if path.suffix.lower() in (".xlsx", ".xlsm"):
        from openpyxl import load_workbook
        try:
            ws = load_workbook(io.BytesIO(data), read_only=True, data_only=True).worksheets[0]
        except Exception as e:
            raise DataError(path, "", f"is not a readable Excel workbook: {e}") from None
        rows = [[_cell(v) for v in row] for row in ws.iter_rows(values_only=True)]
    else:
        rows = list(csv.reader(io.StringIO(_decode(data, path))))
    rows = [r for r in rows if any(c.strip() for c in r)]
    if not rows:
        raise DataError(path, "", "has no header row")
    return [h.strip() for h in rows[0]], rows[1:], hashlib.sha256(data).hexdigest()


def _cell(v) -> str:
    if v is None:
        return ""
    if isinstance(v, _dt.datetime):
        return v.date().isoformat()
    if isinstance(v, _dt.date):
        return v.isoformat()
    if isinstance(v, float) and v.is_integer():
        return str(int(v))
    return str(v)


_DATE = re.compile(r"^\s*(\d{4})\s*[-/.年]\s*(\d{1,2})\s*[-/.月]\s*(\d{1,2})\s*日?\s*$")


def _norm_date(text: str) -> str:
    m = _DATE.match(text)
    return f"{int(m[1]):04d}-{int(m[2]):02d}-{int(m[3]):02d}" if m else text.strip()


@dataclass
class ImportResult:
    kind: str
    file: str
    sha256: str
    imported: int
    rejected: list          # [(row number, column, problem)]
    already: bool = False   # the same file was imported before: nothing changed


def _spec(kind):
    """schemas/imports/<kind>.schema.json: the row schema plus x-aliases (header names), x-values
    (value spellings), x-key (what identifies a row) and x-order (dates that must not go backwards)."""
    return json.loads((_paths.schemas_dir() / "imports" / f"{kind}.schema.json").read_text(encoding="utf-8"))


def parse_rows(kind: str, path: Path):
    """Validated rows of a tabular import: (good rows as dicts, [(row, column, problem)], sha256)."""
    spec = _spec(kind)
    header, rows, sha = read_table(path)
    lookup = {alias.lower(): field for field, aliases in spec["x-aliases"].items() for alias in aliases}
    columns = [lookup.get(h.lower()) for h in header]
    missing = [f for f in spec["required"] if f not in columns]
    if missing:
        raise DataError(path, "row 1", f"missing column(s) {', '.join(missing)} (expected headers such as "
                        + "; ".join(f"{f}: {'/'.join(spec['x-aliases'][f])}" for f in missing) + ")")
    values = spec.get("x-values", {})
    dates = {f for f, p in spec["properties"].items() if p.get("format") == "date"}
    good, bad = [], []
    seen = {}
    for n, raw in enumerate(rows, 2):
        row = {}
        for col, cell in zip(columns, raw):
            if col is None or not cell.strip():
                continue
            v = cell.strip()
            if col in dates:
                v = _norm_date(v)
            v = values.get(col, {}).get(v, v)
            row[col] = v
        problems = schema_problems(f"imports/{kind}", row)
        for first, then in spec.get("x-order", ()):
            if not problems and row.get(then) and row[then] < row[first]:
                problems.append((f"/{then}", f"{row[then]} is before {first} {row[first]}"))
        if problems:
            for ptr, msg in problems:
                bad.append((n, ptr.lstrip("/") or "-", msg))
            continue
        key = tuple(row.get(k) for k in spec["x-key"])
        if key in seen:
            bad.append((n, ",".join(spec["x-key"]), f"duplicates row {seen[key]}"))
            continue
        seen[key] = n
        good.append(row)
    return good, bad, sha


# -- the registry ----------------------------------------------------------------------------------
class RefData:
    """An open registry. Reads are cheap indexed queries; use one per process."""

    def __init__(self, path: Path | None = None, create: bool = False):
        self.path = Path(path) if path else default_path()
        self.con = _connect(self.path, create)
        self.loaded = self._loaded()

    def _loaded(self) -> dict:
        """Which kinds of data the registry holds (checks of a kind it lacks say "not verified")."""
        return {"catalogs": {e for (e,) in self.con.execute("SELECT DISTINCT edition FROM catalog")},
                **{t: self.has(t) for t in ("certificates", "bodies", "credit")}}

    @classmethod
    def for_checking(cls, path: Path | None = None) -> "RefData":
        """The registry at ``path`` (or the default place) for reading; an empty one if no file is there."""
        path = Path(path) if path else default_path()
        if path.exists():
            return cls(path)
        empty = cls.__new__(cls)
        empty.path, empty.con = path, _connect(None, True)
        empty.loaded = empty._loaded()
        return empty

    # imports
    def import_file(self, kind: str, path: Path, edition: str | None = None, skip_bad: bool = False,
                    rejects: Path | None = None) -> ImportResult:
        if kind not in KINDS:
            raise UsageError(f"unknown kind '{kind}' (expected one of: {', '.join(KINDS)})")
        path = Path(path)
        if not path.is_file():
            raise UsageError(f"{path}: no such file")
        if kind == "list":
            return self._import_list(path)
        if kind == "catalog" and not edition:
            raise UsageError("a catalog import needs --edition (2013 or 2022)")
        good, bad, sha = parse_rows(kind, path)
        if bad and not skip_bad:
            raise DataError(path, f"row {bad[0][0]}", "rejected: " + "; ".join(f"row {r}, {c}: {m}" for r, c, m in bad))
        if bad and rejects:
            with open(rejects, "w", encoding="utf-8", newline="") as fh:
                w = csv.writer(fh)
                w.writerow(["row", "column", "problem"])
                w.writerows(bad)
        con = self.con
        con.execute("BEGIN IMMEDIATE")
        try:
            if con.execute("SELECT 1 FROM imports WHERE kind=? AND sha256=? AND coalesce(edition,'')=?",
                           (kind, sha, edition or "")).fetchone():
                con.execute("ROLLBACK")
                return ImportResult(kind, str(path), sha, 0, bad, already=True)
            import_id = con.execute(
                "INSERT INTO imports (kind, file, sha256, rows, rejected, edition, imported_at, imported_by) VALUES (?,?,?,?,?,?,?,?)",
                (kind, path.name, sha, len(good), len(bad), edition, _dt.datetime.now(_dt.timezone.utc).isoformat(timespec="seconds"),
                 _user())).lastrowid
            cols = _COLUMNS[kind]
            sql = f"INSERT OR REPLACE INTO {kind} ({', '.join(cols)}, import_id) VALUES ({', '.join('?' * (len(cols) + 1))})"
            con.executemany(sql, [tuple(edition if c == "edition" else r.get(c) for c in cols) + (import_id,) for r in good])
            con.execute("COMMIT")
        except BaseException:
            con.execute("ROLLBACK")
            raise
        return ImportResult(kind, str(path), sha, len(good), bad)

    def _import_list(self, path):
        doc = load_data(path, "list")
        sha = hashlib.sha256(path.read_bytes()).hexdigest()
        con = self.con
        con.execute("BEGIN IMMEDIATE")
        try:
            if con.execute("SELECT 1 FROM imports WHERE kind='list' AND sha256=?", (sha,)).fetchone():
                con.execute("ROLLBACK")
                return ImportResult("list", str(path), sha, 0, [], already=True)
            import_id = con.execute(
                "INSERT INTO imports (kind, file, sha256, rows, rejected, edition, imported_at, imported_by) VALUES ('list',?,?,?,0,?,?,?)",
                (path.name, sha, len(doc["rows"]), doc["edition_id"], _dt.datetime.now(_dt.timezone.utc).isoformat(timespec="seconds"),
                 _user())).lastrowid
            con.execute("INSERT OR REPLACE INTO lists (edition_id, list, effective_from, doc, import_id) VALUES (?,?,?,?,?)",
                        (doc["edition_id"], doc["list"], doc["effective_from"], json.dumps(doc, ensure_ascii=False), import_id))
            con.execute("COMMIT")
        except BaseException:
            con.execute("ROLLBACK")
            raise
        return ImportResult("list", str(path), sha, len(doc["rows"]), [])

    def record(self, credit_code, name, finding, plan_id=None, on=None):
        """An integrity record (诚信档案) against a supplier, e.g. a false certificate claim."""
        if not re.fullmatch(r"[0-9A-HJ-NPQRTUWXY]{18}", credit_code or ""):
            raise UsageError(f"'{credit_code}' is not an 18-character unified social credit code")
        on = on or _dt.date.today().isoformat()
        self.con.execute("INSERT INTO records (credit_code, name, finding, plan_id, recorded_on, recorded_by) VALUES (?,?,?,?,?,?)",
                         (credit_code, name, finding, plan_id, on, _user()))

    # reads
    def counts(self) -> dict:
        return {t: self.con.execute(f"SELECT count(*) FROM {t}").fetchone()[0]
                for t in ("catalog", "lists", "certificates", "bodies", "credit", "records")}

    def history(self):
        return self.con.execute("SELECT id, kind, file, sha256, rows, rejected, edition, imported_at, imported_by "
                                "FROM imports ORDER BY id").fetchall()

    def has(self, table) -> bool:
        return self.con.execute(f"SELECT 1 FROM {table} LIMIT 1").fetchone() is not None

    def imports_brief(self):
        """What a result depends on in the registry (no paths, so outputs do not depend on the machine)."""
        return [dict(zip(("kind", "file", "sha256", "rows", "edition"), r)) for r in
                self.con.execute("SELECT kind, file, sha256, rows, edition FROM imports ORDER BY id")]

    def catalog_has(self, edition, code) -> bool:
        return self.con.execute("SELECT 1 FROM catalog WHERE edition=? AND code=?", (edition, code)).fetchone() is not None

    def certificate(self, kind, number):
        row = self.con.execute("SELECT type, number, holder, brand, model, category, standard, issued, expires, issuer, status "
                               "FROM certificates WHERE type=? AND number=?", (kind, number)).fetchone()
        return dict(zip(_COLUMNS["certificates"], row)) if row else None

    def body_designated(self, name, kind, date) -> bool:
        return self.con.execute("SELECT 1 FROM bodies WHERE name=? AND type=? AND valid_from<=? AND (valid_until IS NULL OR valid_until>=?)",
                                (name, kind, date, date)).fetchone() is not None

    def bans(self, credit_code, date):
        return [dict(zip(("name", "conduct", "penalty", "ban_start", "ban_end", "authority", "source"), r)) for r in
                self.con.execute("SELECT name, conduct, penalty, ban_start, ban_end, authority, source FROM credit "
                                 "WHERE credit_code=? AND ban_start<=? AND ban_end>=? ORDER BY ban_start", (credit_code, date, date))]

    def bans_all(self, credit_code):
        """Every credit record of a supplier, in force or not."""
        return [dict(zip(("name", "conduct", "penalty", "ban_start", "ban_end", "authority", "source"), r)) for r in
                self.con.execute("SELECT name, conduct, penalty, ban_start, ban_end, authority, source FROM credit "
                                 "WHERE credit_code=? ORDER BY ban_start", (credit_code,))]

    def integrity_records(self, credit_code):
        return [dict(zip(("finding", "plan_id", "recorded_on", "recorded_by"), r)) for r in
                self.con.execute("SELECT finding, plan_id, recorded_on, recorded_by FROM records WHERE credit_code=? ORDER BY id",
                                 (credit_code,))]

    def list_docs(self):
        return [json.loads(d) for (d,) in self.con.execute("SELECT doc FROM lists ORDER BY edition_id")]


def _user():
    try:
        return getpass.getuser()
    except Exception:
        return "unknown"
