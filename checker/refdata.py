"""The reference registry: a SQLite file holding what an audit after award needs beyond the plan.

Kinds of data, each imported from the files the authorities publish (CSV or XLSX; headers in
Chinese or English; UTF-8, UTF-8 with BOM or GB18030):

* ``catalog``: codes of a 政府采购品目分类目录 edition. lvcai ships the 2022 edition
  (rules/catalogs/catalog_2022.json, named in rules/lists/catalog_editions.json), so codes of 2022
  plans are checked with no registry at all; a catalog imported for an edition *replaces* the shipped
  one for that edition (an import is the bureau's own statement of the edition, and merging could
  never drop a code). No 2013 catalog is shipped: 2013 codes are checked only after an import;
* ``list``: a category-list edition in the format of rules/lists/*.json (the built-in 2019 editions
  need no import);
* ``certificates``: energy-saving and environmental-label certificates as certification bodies export
  them;
* ``bodies``: the designated certification bodies, the types they may certify and when;
* ``credit``: severe-violation and dishonesty records with their ban periods;
* ``gbm_cities``: the cities of the green building-materials policy by 行政区划代码 prefix; when any
  are imported they replace the shipped, unverified table of the green_building pack;
* ``circular``: the entries of Shenzhen's circular-economy product (service) catalog, batch by batch,
  and ``qualifications``: suppliers' green qualifications (checker/refdata_circular.py reads them);
* integrity records (诚信档案) added with ``lvcai registry record``.

Where the file is: ``--registry PATH``, else ``$LVCAI_REGISTRY``, else
``$XDG_DATA_HOME/lvcai/registry.sqlite`` (``~/.local/share/lvcai/registry.sqlite``).

Each import is validated row by row against schemas/imports/<kind>.schema.json; a file with bad rows
is rejected whole with every bad row listed, unless ``skip_bad``, which imports the good rows and
writes the rejects to a file. An import is one transaction (readers see the data before or after it,
never a mix), is idempotent (rows are keyed, and the same file twice changes nothing) and is recorded
with its file's SHA-256, who and when, so reports can cite it. Dates must be calendar dates within
1900-2100.

Reading (checks, ``registry stats|history|show``) opens the file read-only (``mode=ro``) and never
creates, converts or writes it: a registry in a read-only file or directory can be checked against.
The file rests in SQLite's rollback-journal mode (a WAL-mode file would need -wal/-shm files
beside it even to be read); a file written in WAL mode by an earlier lvcai is converted at its next
import, and until then read as it is.
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
from functools import lru_cache
from pathlib import Path

from . import _paths
from ._jsonutil import load_data, schema_problems
from .errors import DataError, LvcaiError, UsageError, Words
from .evaluation.sources import check_citations

KINDS = ("catalog", "list", "certificates", "bodies", "credit", "gbm_cities", "circular", "qualifications")

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
CREATE TABLE IF NOT EXISTS gbm_cities (prefix TEXT NOT NULL, name TEXT NOT NULL, valid_from TEXT NOT NULL,
    document TEXT NOT NULL, note TEXT, import_id INTEGER NOT NULL, PRIMARY KEY (prefix, valid_from));
CREATE TABLE IF NOT EXISTS circular (batch TEXT NOT NULL, batch_date TEXT NOT NULL, document TEXT NOT NULL,
    enterprise TEXT NOT NULL, credit_code TEXT NOT NULL, product TEXT NOT NULL, brand TEXT NOT NULL, model TEXT NOT NULL,
    category_code TEXT, valid_from TEXT, valid_until TEXT, status TEXT NOT NULL, status_date TEXT, reason TEXT,
    source TEXT NOT NULL, import_id INTEGER NOT NULL, PRIMARY KEY (batch, credit_code, product, brand, model));
CREATE TABLE IF NOT EXISTS qualifications (credit_code TEXT NOT NULL, enterprise TEXT NOT NULL, type TEXT NOT NULL,
    product TEXT NOT NULL, issuer TEXT NOT NULL, batch TEXT NOT NULL, valid_from TEXT NOT NULL, valid_until TEXT,
    source TEXT NOT NULL, import_id INTEGER NOT NULL, PRIMARY KEY (credit_code, type, product, batch));
CREATE TABLE IF NOT EXISTS records (id INTEGER PRIMARY KEY, credit_code TEXT NOT NULL, name TEXT NOT NULL,
    finding TEXT NOT NULL, plan_id TEXT, recorded_on TEXT NOT NULL, recorded_by TEXT NOT NULL);
"""

_COLUMNS = {
    "catalog": ("edition", "code", "name", "parent_code"),
    "certificates": ("type", "number", "holder", "brand", "model", "category", "standard", "issued", "expires", "issuer", "status"),
    "bodies": ("name", "type", "valid_from", "valid_until", "basis"),
    "credit": ("credit_code", "name", "conduct", "penalty", "ban_start", "ban_end", "authority", "source"),
    "gbm_cities": ("prefix", "name", "valid_from", "document", "note"),
    "circular": ("batch", "batch_date", "document", "enterprise", "credit_code", "product", "brand", "model",
                 "category_code", "valid_from", "valid_until", "status", "status_date", "reason", "source"),
    "qualifications": ("credit_code", "enterprise", "type", "product", "issuer", "batch", "valid_from", "valid_until", "source"),
}
#: Columns of a key that may be empty in a file: stored as "" (SQLite keys treat NULLs as distinct,
#: so a corrected file could not replace its rows).
_EMPTY_KEY = {"circular": ("brand", "model"), "qualifications": ("product",)}


_TABLES = ("imports", "catalog", "lists", "certificates", "bodies", "credit", "gbm_cities", "circular", "qualifications",
           "records")
_TABLE_SQL = {stmt.split()[5]: stmt.strip() + ";" for stmt in _SCHEMA_SQL.split(";") if stmt.strip()}
_MAGIC = b"SQLite format 3\x00"

#: Dates in imports: calendar dates within these years.
DATE_MIN, DATE_MAX = _dt.date(1900, 1, 1), _dt.date(2100, 12, 31)


class RegistryError(LvcaiError):
    """The registry file cannot be used: ``registry PATH: problem``."""

    def __init__(self, path, problem):
        self.path, self.problem = str(path), problem
        super().__init__(f"registry {self.path}: {problem}")

    def in_lang(self, lang: str) -> str:
        return Words("reg_error", path=self.path, problem=self.problem).in_lang(lang)


def default_path() -> Path:
    env = os.environ.get("LVCAI_REGISTRY")
    if env:
        return Path(env)
    base = os.environ.get("XDG_DATA_HOME") or str(Path.home() / ".local" / "share")
    return Path(base) / "lvcai" / "registry.sqlite"


def _empty() -> sqlite3.Connection:
    """An empty registry in memory: checks that need data say "not verified"."""
    con = sqlite3.connect(":memory:", isolation_level=None)
    con.executescript(_SCHEMA_SQL)
    return con


def _header(path: Path) -> str:
    """'empty' (a 0-byte file, which SQLite takes for an empty database), 'wal' or 'rollback'; a file
    that is not an SQLite database raises RegistryError before SQLite sees it."""
    try:
        with open(path, "rb") as fh:
            head = fh.read(100)
    except IsADirectoryError:
        raise RegistryError(path, Words("reg_is_dir")) from None
    except OSError as e:
        raise RegistryError(path, Words("read_failed", why=Words.os_error(e))) from None
    if not head:
        return "empty"
    if not head.startswith(_MAGIC):
        raise RegistryError(path, Words("reg_not_sqlite"))
    return "wal" if len(head) > 19 and head[18] == 2 else "rollback"


def _connect_read(path: Path) -> sqlite3.Connection:
    """The registry at ``path`` opened read-only: nothing is created, converted or written."""
    kind = _header(path)
    if kind == "empty":
        return _empty()
    uri = path.resolve().as_uri() + "?mode=ro"
    try:
        try:
            con = sqlite3.connect(uri, uri=True, timeout=30, isolation_level=None)
            tables = {n for (n,) in con.execute("SELECT name FROM sqlite_master WHERE type='table'")}
        except sqlite3.OperationalError:
            if kind != "wal" or os.access(path.parent, os.W_OK):
                raise
            # A WAL-mode file (written by an earlier lvcai) in a directory nobody may write to: SQLite
            # cannot make its -shm index there, and no writer can change the file either.
            con = sqlite3.connect(uri + "&immutable=1", uri=True, isolation_level=None)
            tables = {n for (n,) in con.execute("SELECT name FROM sqlite_master WHERE type='table'")}
        missing = [t for t in _TABLES if t not in tables]
        if tables and len(missing) == len(_TABLES):
            raise RegistryError(path, Words("reg_other_db", tables=", ".join(sorted(tables)), ours=", ".join(_TABLES)))
        for t in missing:   # an empty database, or one from an older lvcai: the kinds it lacks are empty
            con.execute(_TABLE_SQL[t].replace("CREATE TABLE IF NOT EXISTS", "CREATE TEMP TABLE", 1))
    except sqlite3.DatabaseError as e:
        raise RegistryError(path, Words("reg_unreadable_db", detail=e)) from None
    return con


def _connect_write(path: Path) -> sqlite3.Connection:
    """The registry at ``path`` for an import or a record, created (with its directory) if absent."""
    if path.exists():
        _header(path)     # never let SQLite write into a file that is not a registry
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
    except OSError as e:
        raise RegistryError(path, Words("reg_no_dir", dir=path.parent, why=Words.os_error(e))) from None
    try:
        con = sqlite3.connect(str(path), timeout=30, isolation_level=None)
        try:
            con.execute("PRAGMA journal_mode=DELETE")   # see the module's docstring
        except sqlite3.OperationalError as e:
            if "locked" not in str(e):              # another reader holds a WAL file open: convert next time
                raise
        con.executescript(_SCHEMA_SQL)
    except sqlite3.Error as e:
        raise _write_error(path, e) from None
    return con


def _write_error(path, e: sqlite3.Error) -> RegistryError:
    msg = str(e)
    if "readonly" in msg or "read-only" in msg or "unable to open" in msg:
        return RegistryError(path, Words("reg_read_only", detail=msg))
    if "locked" in msg or "busy" in msg:
        return RegistryError(path, Words("reg_busy", detail=msg))
    if "not a database" in msg or "malformed" in msg:
        return RegistryError(path, Words("reg_bad_db", detail=msg))
    return RegistryError(path, Words("reg_cannot_write", detail=msg))


# -- the shipped catalogs --------------------------------------------------------------------------
class ShippedCatalog:
    """A catalog edition shipped with lvcai (rules/catalogs/), read on first use."""

    def __init__(self, edition: str, path: Path):
        self.edition, self.path = edition, path

    @property
    def codes(self) -> dict:
        """code → (name, level, parent_code, name_note)."""
        return _read_catalog(str(self.path))[0]

    def brief(self) -> dict:
        """As ``RefData.imports_brief`` cites an import, marked ``shipped``."""
        _, sha = _read_catalog(str(self.path))
        return {"kind": "catalog", "file": self.path.name, "sha256": sha, "rows": len(self.codes),
                "edition": self.edition, "shipped": True}


@lru_cache(maxsize=None)
def _read_catalog(path: str):
    data = Path(path).read_bytes()
    try:
        doc = json.loads(data)
        cols = doc["columns"]
        codes = {r[0]: tuple(r[1:]) for r in doc["rows"]}
    except (ValueError, KeyError, TypeError, IndexError) as e:
        raise DataError(path, "", f"is not a catalog file of lvcai (code, name, level, parent_code rows): {e}") from None
    if cols[:4] != ["code", "name", "level", "parent_code"]:
        raise DataError(path, "/columns", f"expected code, name, level, parent_code first, found {cols}")
    rules = Path(path).parent.parent
    check_citations(Path(path), {k: v for k, v in doc.items() if k != "rows"}, rules)
    for i, row in enumerate(doc["rows"]):     # 4,000 rows: only those with a bracket can cite (12 -> 2 ms)
        if any(isinstance(c, str) and "[" in c for c in row):
            check_citations(Path(path), row, rules, f"/rows/{i}")
    return codes, hashlib.sha256(data).hexdigest()


def shipped_catalogs() -> dict:
    """edition → ShippedCatalog, as rules/lists/catalog_editions.json names them."""
    rules = _paths.rules_dir()
    doc = json.loads((rules / "lists" / "catalog_editions.json").read_text(encoding="utf-8"))
    return {ed: ShippedCatalog(ed, rules / spec["catalog_file"])
            for ed, spec in doc["editions"].items() if spec.get("catalog_file")}


# -- reading files ---------------------------------------------------------------------------------
def _decode(data: bytes, path) -> str:
    for enc in ("utf-8-sig", "gb18030"):
        try:
            return data.decode(enc)
        except UnicodeDecodeError:
            continue
    raise DataError(path, "", Words("imp_not_text"))


def read_table(path: Path):
    """(header, [(row number, cells as str)], sha256) from a CSV or XLSX file. Row numbers are those
    a spreadsheet shows (the header's row is 1; blank rows are skipped but still counted)."""
    try:
        data = path.read_bytes()
    except OSError as e:
        raise DataError(path, "", Words("read_failed", why=Words.os_error(e))) from None
    if path.suffix.lower() in (".xlsx", ".xlsm"):
        from openpyxl import load_workbook
        try:
            ws = load_workbook(io.BytesIO(data), read_only=True, data_only=True).worksheets[0]
            rows = list(enumerate(([_cell(v) for v in row] for row in ws.iter_rows(values_only=True)), 1))
        except Exception as e:
            raise DataError(path, "", Words("imp_not_xlsx", detail=e)) from None
    else:
        rows = []
        reader = csv.reader(io.StringIO(_decode(data, path)))
        try:
            for row in reader:
                rows.append((len(rows) + 1, row))
        except csv.Error as e:
            n = len(rows) + 1
            if "field larger than field limit" in str(e):
                problem = Words("imp_cell_too_long", limit=f"{csv.field_size_limit():,}", line=reader.line_num)
            else:
                problem = Words("imp_bad_csv", line=reader.line_num, detail=e)
            raise DataError(path, Words("place_row", n=n), problem) from None
    rows = [(n, r) for n, r in rows if any(c.strip() for c in r)]
    if not rows:
        raise DataError(path, "", Words("imp_no_header"))
    return [h.strip() for h in rows[0][1]], rows[1:], hashlib.sha256(data).hexdigest()


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


_ISO_DATE = re.compile(r"^[0-9]{4}-[0-9]{2}-[0-9]{2}$")
_DATE = re.compile(r"^\s*(\d{4})\s*[-/.年]\s*(\d{1,2})\s*[-/.月]\s*(\d{1,2})\s*日?\s*$")


def _norm_date(text: str) -> str:
    m = _DATE.match(text)
    return f"{int(m[1]):04d}-{int(m[2]):02d}-{int(m[3]):02d}" if m else text.strip()


def date_problem(value: str) -> str | None:
    """Why ``value`` is not a calendar date (YYYY-MM-DD) within 1900-2100, or None."""
    outside = Words("date_outside", value=value, min=DATE_MIN.isoformat(), max=DATE_MAX.isoformat())
    if _ISO_DATE.match(value) and not DATE_MIN.year <= int(value[:4]) <= DATE_MAX.year:
        return outside
    try:
        if not _ISO_DATE.match(value):
            raise ValueError
        _dt.date.fromisoformat(value)
    except ValueError:
        return Words("date_not_calendar", value=value)
    return None


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
        raise DataError(path, Words("place_row", n=1), Words(
            "imp_missing_columns", missing=", ".join(missing), missing_zh="、".join(spec["x-aliases"][f][0] for f in missing),
            expected="; ".join(f"{f}: {'/'.join(spec['x-aliases'][f])}" for f in missing),
            expected_zh="；".join("/".join(a for a in spec["x-aliases"][f] if not a.isascii()) for f in missing)))
    values = spec.get("x-values", {})
    dates = {f for f, p in spec["properties"].items() if p.get("format") == "date"}
    good, bad = [], []
    seen = {}
    for n, raw in rows:
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
        bad_dates = {f: p for f in sorted(dates) if f in row for p in [date_problem(row[f])] if p}
        if bad_dates:   # said in our words, in place of the schema's (which lets year 0000 pass)
            problems = [(ptr, msg) for ptr, msg in problems if ptr.lstrip("/") not in bad_dates]
            problems = sorted(problems + [(f"/{f}", p) for f, p in bad_dates.items()])
        for first, then in spec.get("x-order", ()):
            if not problems and row.get(then) and row.get(first) and row[then] < row[first]:
                problems.append((f"/{then}", Words("imp_before", then_value=row[then], first=first, first_value=row[first])))
        if problems:
            for ptr, msg in problems:
                bad.append((n, ptr.lstrip("/") or "-", msg))
            continue
        key = tuple(row.get(k) for k in spec["x-key"])
        if key in seen:
            bad.append((n, ",".join(spec["x-key"]), Words("imp_duplicate", row=seen[key])))
            continue
        seen[key] = n
        good.append(row)
    return good, bad, sha


# -- the registry ----------------------------------------------------------------------------------
class RefData:
    """An open registry, plus the catalogs lvcai ships. Reads are cheap indexed queries; use one per
    process.

    ``RefData(path, create=True)`` opens for writing (imports, records), creating the file if absent;
    ``RefData(path)`` and :meth:`for_checking` open read-only and never create or write anything."""

    def __init__(self, path: Path | None = None, create: bool = False):
        self.path = Path(path) if path else default_path()
        self.exists, self.writable = self.path.exists(), create
        if create:
            self.con = _connect_write(self.path)
            self.exists = True
        elif not self.exists:
            raise UsageError(Words("reg_missing", path=self.path))
        else:
            self.con = _connect_read(self.path)
        self._init_loaded()

    def _init_loaded(self):
        self.imported_catalogs = {e for (e,) in self.con.execute("SELECT DISTINCT edition FROM catalog")}
        #: The shipped catalogs in use: those of editions the registry has no catalog of.
        self.shipped = {ed: c for ed, c in shipped_catalogs().items() if ed not in self.imported_catalogs}
        self.loaded = self._loaded()
        self.circular_cache = None     # the merged circular catalog and answers (checker/refdata_circular.py)

    def _loaded(self) -> dict:
        """Which kinds of data there are (checks of a kind there is none of say "not verified")."""
        return {"catalogs": self.imported_catalogs | set(self.shipped),
                **{t: self.has(t) for t in ("certificates", "bodies", "credit", "circular", "qualifications")}}

    @classmethod
    def for_checking(cls, path: Path | None = None) -> "RefData":
        """The registry at ``path`` (or the default place), read-only; an empty one (with the shipped
        catalogs) if no file is there. Never creates or writes a file or directory."""
        path = Path(path) if path else default_path()
        if path.exists():
            return cls(path)
        empty = cls.__new__(cls)
        empty.path, empty.exists, empty.writable, empty.con = path, False, False, _empty()
        empty._init_loaded()
        return empty

    # imports
    def import_file(self, kind: str, path: Path, edition: str | None = None, skip_bad: bool = False,
                    rejects: Path | None = None) -> ImportResult:
        if kind not in KINDS:
            raise UsageError(Words("imp_unknown_kind", kind=kind, kinds=", ".join(KINDS)))
        self._writing()
        path = Path(path)
        if not path.is_file():
            raise UsageError(Words("imp_no_file", path=path))
        if kind == "list":
            return self._import_list(path)
        if kind == "catalog" and not edition:
            raise UsageError(Words("imp_needs_edition"))
        good, bad, sha = parse_rows(kind, path)
        for r in good:
            for c in _EMPTY_KEY.get(kind, ()):
                r.setdefault(c, "")
        if kind == "circular" and not edition:   # the history names the batches a file brings
            edition = "、".join(sorted({r["batch"] for r in good})) or None
        if bad and not skip_bad:
            raise DataError(path, Words("place_row", n=bad[0][0]), Words("imp_rejected", rows=tuple(
                Words("imp_bad_row", row=r, column=c, problem=m if isinstance(m, Words) else Words.schema(m)) for r, c, m in bad)))
        if bad and rejects:
            with open(rejects, "w", encoding="utf-8", newline="") as fh:
                w = csv.writer(fh)
                w.writerow(["row", "column", "problem"])
                w.writerows(bad)
        try:
            result = self._insert(kind, path, edition, good, bad, sha)
        except sqlite3.Error as e:
            raise _write_error(self.path, e) from None
        self._init_loaded()    # an imported catalog replaces the shipped one of its edition
        return result

    def _insert(self, kind, path, edition, good, bad, sha):
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
        for field in ("effective_from", "effective_until"):
            problem = doc.get(field) and date_problem(doc[field])
            if problem:
                raise DataError(path, f"/{field}", problem)
        sha = hashlib.sha256(path.read_bytes()).hexdigest()
        try:
            result = self._insert_list(path, doc, sha)
        except sqlite3.Error as e:
            raise _write_error(self.path, e) from None
        self._init_loaded()
        return result

    def _insert_list(self, path, doc, sha):
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
            raise UsageError(Words("bad_credit_code", code=credit_code))
        self._writing()
        on = on or _dt.date.today().isoformat()
        problem = date_problem(on)
        if problem:
            raise UsageError(Words("option_why", option="--date", why=problem))
        try:
            self.con.execute("INSERT INTO records (credit_code, name, finding, plan_id, recorded_on, recorded_by) VALUES (?,?,?,?,?,?)",
                             (credit_code, name, finding, plan_id, on, _user()))
        except sqlite3.Error as e:
            raise _write_error(self.path, e) from None

    def _writing(self):
        if not self.writable:
            raise UsageError(f"registry {self.path} was opened for reading; open it with RefData(path, create=True) to write")

    # reads
    def counts(self) -> dict:
        return {t: self.con.execute(f"SELECT count(*) FROM {t}").fetchone()[0]
                for t in ("catalog", "lists", "certificates", "bodies", "credit", "gbm_cities", "circular", "qualifications",
                          "records")}

    def history(self):
        return self.con.execute("SELECT id, kind, file, sha256, rows, rejected, edition, imported_at, imported_by "
                                "FROM imports ORDER BY id").fetchall()

    def has(self, table) -> bool:
        return self.con.execute(f"SELECT 1 FROM {table} LIMIT 1").fetchone() is not None

    def imports_brief(self):
        """What a result depends on in the registry (no paths, so outputs do not depend on the machine):
        its imports, then the shipped catalogs in use (``"shipped": true``)."""
        return [dict(zip(("kind", "file", "sha256", "rows", "edition"), r)) for r in
                self.con.execute("SELECT kind, file, sha256, rows, edition FROM imports ORDER BY id")] + \
            [c.brief() for _, c in sorted(self.shipped.items())]

    def catalog_has(self, edition, code) -> bool:
        if edition in self.shipped:
            return code in self.shipped[edition].codes
        return self.con.execute("SELECT 1 FROM catalog WHERE edition=? AND code=?", (edition, code)).fetchone() is not None

    def catalog_entry(self, edition, code) -> dict | None:
        """A code of the catalog in use for ``edition``, with its name and where it comes from."""
        if edition in self.shipped:
            cat = self.shipped[edition]
            row = cat.codes.get(code)
            if row is None:
                return None
            name, level, parent, note = row
            return {"edition": edition, "code": code, "name": name, "level": level, "parent_code": parent,
                    **({"name_note": note} if note else {}), "source": f"shipped: rules/catalogs/{cat.path.name}"}
        row = self.con.execute("SELECT name, parent_code FROM catalog WHERE edition=? AND code=?", (edition, code)).fetchone()
        if row is None:
            return None
        return {"edition": edition, "code": code, "name": row[0], "parent_code": row[1], "source": "registry import"}

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

    def table_rows(self, kind):
        """The imported rows of a kind that replaces a rules table (gbm_cities), as dicts; [] when none."""
        cols = _COLUMNS[kind]
        return [dict(zip(cols, r)) for r in self.con.execute(f"SELECT {', '.join(cols)} FROM {kind} ORDER BY {cols[2]}, {cols[0]}")]

    def circular_rows(self):
        """Every catalog row of every batch, oldest batch first (checker/refdata_circular.py merges them)."""
        cols = _COLUMNS["circular"]
        return [dict(zip(cols, r)) for r in self.con.execute(
            f"SELECT {', '.join(cols)} FROM circular ORDER BY batch_date, import_id, batch, credit_code, product, brand, model")]

    def qualifications(self, credit_code):
        cols = _COLUMNS["qualifications"]
        return [dict(zip(cols, r)) for r in self.con.execute(
            f"SELECT {', '.join(cols)} FROM qualifications WHERE credit_code=? ORDER BY valid_from, type, product, batch",
            (credit_code,))]

    def list_docs(self):
        return [json.loads(d) for (d,) in self.con.execute("SELECT doc FROM lists ORDER BY edition_id")]


def _user():
    try:
        return getpass.getuser()
    except Exception:
        return "unknown"
