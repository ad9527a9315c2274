"""Reading a plan kept in a spreadsheet (.xlsx or .csv) into the contract's JSON document.

One sheet holds one plan (the first visible sheet with a line table): plan-level fields in a header
block above the table (a label cell, then its value to the right, or ``计划编号：X`` in one cell) or on
another sheet laid out the same way, and one row per line with its project's columns repeated or filled
down (an empty project cell continues the project above; merged cells read the same way). Headers in
Chinese or English, in any order, with the aliases as data (schemas/sheet.schema.json); columns that are
no plan field are ignored and listed once in a note. Values as people write them (checker.plans.values).

What comes out is a :class:`SheetPlan`: the document (exactly what ``lvcai convert`` writes), every
problem with its place as Excel shows it (``Sheet1!D7``, a row ``Sheet1!7:7``) and what was expected,
the notes (columns ignored, hidden sheets, encodings, conversions), and the place of each part of the
document, so findings can name cells. A file with any bad row is not checkable; every bad row is listed.

Hostile files: a workbook is a zip, so its declared unpacked size is bounded before openpyxl opens it
(a zip bomb is refused); XML entity expansion is refused by the expat that Python ships; rows and
columns are bounded (Excel's own limit of rows; the first MAX_COLUMNS columns).
"""
from __future__ import annotations

import csv
import io
import json
import re
import unicodedata
import zipfile
from dataclasses import dataclass, field
from decimal import Decimal
from functools import lru_cache
from pathlib import PurePath

from .. import _paths
from ..facts import EARLY_STAGES
from ..findings import CHK_DUPLICATE, CHK_PARSE, CHK_SCHEMA
from . import values as V
from ._words import WORDS, one_of, say

SHEET_SUFFIXES = (".xlsx", ".xlsm")
CSV_SUFFIXES = (".csv", ".tsv")
ZIP_MAGIC = b"PK\x03\x04"
CFB_MAGIC = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"
MAX_UNPACKED = 512 * 1024 * 1024
MAX_ROWS = 1_048_576            # Excel's own limit
MAX_COLUMNS = 256
HEADER_SCAN_ROWS = 50           # the table's header row is looked for in the first rows of a sheet
_TOTAL_WORDS = {"合计", "总计", "小计", "合计金额", "总合计", "total", "subtotal", "grandtotal"}
_UNIT = re.compile(r"^(.+?)[(\[]?(万元|元|%|cny|rmb)[)\]]?$")


@lru_cache(maxsize=None)
def spec() -> dict:
    """schemas/sheet.schema.json, with lookups derived from it."""
    s = json.loads((_paths.schemas_dir() / "sheet.schema.json").read_text(encoding="utf-8"))
    s["_lookup"] = {V.norm_key(a): f for f, aliases in s["x-aliases"].items() for a in aliases + [f]}
    s["_level"] = {f: ("item" if "items/*" in p else "project" if p.startswith("projects/") else "plan")
                   for f, p in s["x-paths"].items()}
    s["_generic"] = {p: f for f, p in s["x-paths"].items()}
    # the evaluation factors sheet (x-factors): its own headers, plus the main sheet's project ID
    fx = s["x-factors"]
    s["_factor_lookup"] = {V.norm_key(a): f for f, aliases in {**fx["x-aliases"], "project_id": s["x-aliases"]["project_id"]}.items()
                           for a in aliases + [f]}
    s["_factor_field"] = {p: f for f, p in fx["x-paths"].items()}
    # what the reader words a cell with: the main columns and the factor columns together
    merged = dict(s)
    for k in ("properties", "x-kinds", "x-labels", "x-values", "x-write", "x-expect", "x-help"):
        merged[k] = {**s[k], **fx[k]}
    s["_merged"] = merged
    return s


def kind_of(data: bytes, source: str) -> str:
    """'xlsx', 'csv' or 'json': a workbook by its bytes (a zip or an OLE file, whatever its name) or
    by its name; CSV by its name; anything else is read as JSON, as before."""
    if data[:4] == ZIP_MAGIC or data[:8] == CFB_MAGIC:
        return "xlsx"
    suffix = PurePath(source).suffix.lower()
    if suffix in SHEET_SUFFIXES:
        return "xlsx"
    if suffix in CSV_SUFFIXES:
        return "csv"
    return "json"


# -- places ---------------------------------------------------------------------------------------
def col_letter(n: int) -> str:
    s = ""
    while n:
        n, r = divmod(n - 1, 26)
        s = chr(65 + r) + s
    return s


def sheet_ref(name: str) -> str:
    """A sheet name as Excel writes it in a reference: quoted unless letters, digits and _ only."""
    if name and all(ch.isalnum() or ch in "_." for ch in name) and not name[0].isdigit():
        return name
    return "'" + name.replace("'", "''") + "'"


@dataclass
class _Sheet:
    name: str
    index: int
    rows: list            # lists of raw cell values; rows[0] is row 1

    def cell(self, row: int, col: int) -> str:
        return f"{sheet_ref(self.name)}!{col_letter(col)}{row}"

    def row(self, row: int) -> str:
        return f"{sheet_ref(self.name)}!{row}:{row}"


@dataclass
class SheetPlan:
    """A spreadsheet read: the document, or why it cannot be checked, with places and notes."""
    doc: dict | None
    problems: list = field(default_factory=list)      # [(place, rule_id, message)]
    notes: list = field(default_factory=list)         # [(place, message)]
    conversions: list = field(default_factory=list)   # [(place, message)]: values read otherwise than written
    places: dict = field(default_factory=dict)        # JSON pointer → place
    exact: dict = field(default_factory=dict)         # JSON pointer → Decimal, for amounts and numbers
    format: str = ""
    sheet: str = ""
    bad_rows: list = field(default_factory=list)      # row places whose line was not read (skip_bad)

    def place_of(self, ptr: str) -> str:
        """The place of a pointer, or of its nearest ancestor that has one."""
        while ptr:
            if ptr in self.places:
                return self.places[ptr]
            ptr = ptr.rsplit("/", 1)[0]
        return self.places.get("", "")

    def input_meta(self) -> dict:
        """What PlanResult.meta["input"] holds: the format, the sheet, the notes and conversions."""
        return {"format": self.format, "sheet": self.sheet,
                "notes": [{"place": p, "message": m} for p, m in self.notes],
                "conversions": [{"place": p, "message": m} for p, m in self.conversions],
                "places": dict(self.places), **({"skipped_rows": list(self.bad_rows)} if self.bad_rows else {})}


class _Unreadable(Exception):
    def __init__(self, message):
        self.message = message


# -- loading --------------------------------------------------------------------------------------
def _load_xlsx(data: bytes, lang: str):
    """(sheets that are visible, [hidden sheet names], epoch, notes)."""
    if data[:8] == CFB_MAGIC:
        raise _Unreadable(say("encrypted" if "EncryptionInfo".encode("utf-16-le") in data else "old_xls", lang))
    try:
        with zipfile.ZipFile(io.BytesIO(data)) as z:
            unpacked = sum(i.file_size for i in z.infolist())
    except (zipfile.BadZipFile, OSError, ValueError, EOFError) as e:
        raise _Unreadable(say("corrupt", lang, reason=str(e) or type(e).__name__)) from None
    if unpacked > MAX_UNPACKED:
        raise _Unreadable(say("too_large", lang, limit=MAX_UNPACKED // 2**20))
    from openpyxl import load_workbook
    try:
        wb = load_workbook(io.BytesIO(data), read_only=True, data_only=True)
    except Exception as e:   # openpyxl raises many kinds for a damaged package
        raise _Unreadable(say("corrupt", lang, reason=f"{type(e).__name__}: {e}"[:200])) from None
    visible, hidden, notes = [], [], []
    try:
        for i, ws in enumerate(wb.worksheets):
            if getattr(ws, "sheet_state", "visible") != "visible":
                hidden.append(ws.title)
                continue
            max_col = ws.max_column if isinstance(ws.max_column, int) else None
            cut = max_col is not None and max_col > MAX_COLUMNS
            if cut:
                notes.append((f"{sheet_ref(ws.title)}", say("note_columns_cut", lang, n=MAX_COLUMNS)))
            rows = []
            for r in ws.iter_rows(values_only=True, max_col=MAX_COLUMNS if cut else None):
                rows.append(r)
                if len(rows) > MAX_ROWS:
                    raise _Unreadable(say("too_many_rows", lang, n=MAX_ROWS))
            visible.append(_Sheet(ws.title, i, rows))
        epoch = wb.epoch
    except _Unreadable:
        raise
    except Exception as e:
        raise _Unreadable(say("corrupt", lang, reason=f"{type(e).__name__}: {e}"[:200])) from None
    finally:
        wb.close()
    return visible, hidden, epoch, notes


def decode_text(data: bytes):
    """(text, encoding name or None when UTF-8) for CSV and JSON text: UTF-8 (with or without BOM),
    UTF-16 with its BOM, else GB18030; None when none fits."""
    if data[:2] in (b"\xff\xfe", b"\xfe\xff"):
        try:
            return data.decode("utf-16"), "UTF-16"
        except UnicodeDecodeError:
            return None, None
    try:
        return data.decode("utf-8-sig"), None
    except UnicodeDecodeError:
        pass
    try:
        return data.decode("gb18030"), "GB18030"
    except UnicodeDecodeError:
        return None, None


def _load_csv(data: bytes, source: str, lang: str):
    text, encoding = decode_text(data)
    if text is None:
        raise _Unreadable(say("not_text", lang))
    first = text.split("\n", 1)[0]
    delimiter = max(",\t;", key=first.count) if first else ","
    name = PurePath(source).stem if source and not source.startswith("<") else "Sheet1"
    rows = []
    try:
        for r in csv.reader(io.StringIO(text, newline=""), delimiter=delimiter):
            rows.append(r)
            if len(rows) > MAX_ROWS:
                raise _Unreadable(say("too_many_rows", lang, n=MAX_ROWS))
    except csv.Error as e:
        raise _Unreadable(say("csv_error", lang, reason=f"{e} (row {len(rows) + 1})")) from None
    notes = [(sheet_ref(name), say("note_encoding", lang, encoding=encoding))] if encoding else []
    return [_Sheet(name, 0, rows)], [], None, notes


# -- header and block -----------------------------------------------------------------------------
def _header_map(row) -> dict:
    """{column number: (field, scale, header text)} for the cells of a row that name fields."""
    sp, out = spec(), {}
    for c, raw in enumerate(row, 1):
        if V.is_empty(raw) or not isinstance(raw, str):
            continue
        key = V.norm_key(raw)
        f, scale = sp["_lookup"].get(key), 1
        if f is None:
            m = _UNIT.match(key)
            if m and m[1] in sp["_lookup"]:
                f = sp["_lookup"][m[1]]
                if sp["x-kinds"][f] == "money":
                    scale = sp["x-units"].get(m[2], 1)
        if f is not None:
            out[c] = (f, scale, raw.strip())
    return out


def _factor_header_map(row) -> dict:
    """{column number: field} for the cells of a row that name factor columns (or the project ID)."""
    lookup, out = spec()["_factor_lookup"], {}
    for c, raw in enumerate(row, 1):
        if isinstance(raw, str) and not V.is_empty(raw):
            f = lookup.get(V.norm_key(raw))
            if f is not None:
                out[c] = f
    return out


def _is_factor_header(mapping: dict) -> bool:
    """A header row of the factors sheet: the factor's name and at least one other factor column."""
    fields = set(mapping.values())
    return "factor_name" in fields and len(fields - {"project_id", "factor_name"}) >= 1


def parse_grades(raw):
    """(grades, None) or (None, (part, why, kw)): ``1 级能效：5；2 级能效：2`` → [{condition, points}, …].

    Bands are separated by ; ； or line breaks; in each band the LAST : or ： separates the band from
    its points (so a band may hold a colon itself); the points may end in a suffix such as 分
    (schemas/sheet.schema.json x-factors/x-grades). Empty bands (a trailing ；) are ignored."""
    g = spec()["x-factors"]["x-grades"]
    if not isinstance(raw, str):
        return None, (_raw(raw), "grade_no_colon", {})
    out = []
    suffixes = sorted(g["points-suffixes"], key=len, reverse=True)
    for part in re.split("[" + re.escape(g["separators"]) + "]+", raw):
        seg = _strip(part)
        if not seg:
            continue
        i = max(seg.rfind(c) for c in g["colons"])
        if i < 0:
            return None, (seg, "grade_no_colon", {})
        cond, pts = _strip(seg[:i]), _strip(seg[i + 1:])
        if not cond:
            return None, (seg, "grade_no_condition", {})
        p = unicodedata.normalize("NFKC", pts).strip()
        for suffix in suffixes:
            if p.lower().endswith(suffix):
                p = p[:-len(suffix)].strip()
                break
        d, problem = V.parse_number(p) if p else (None, "number")
        if problem:
            return None, (seg, "grade_bad_points", {"points": pts})
        out.append({"condition": cond, "points": V.to_json_number(d)})
    if not out:
        return None, (_raw(raw), "grade_no_colon", {})
    return out, None


def _strip(text: str) -> str:
    return text.strip().strip("\u3000").strip()


def _is_table_header(mapping: dict) -> bool:
    fields = {f for f, _, _ in mapping.values()}
    item_fields = {f for f in fields if spec()["_level"][f] == "item"}
    return len(item_fields) >= 3 and bool(fields & {"category_code", "amount"})


def _block_pairs(sheet: _Sheet, rows: range):
    """(field, value, row, col, scale) for label/value pairs in ``rows`` of a header block or plan sheet."""
    sp = spec()
    for r in rows:
        row = sheet.rows[r - 1]
        cells = [(c, v) for c, v in enumerate(row, 1) if not V.is_empty(v)]
        i = 0
        while i < len(cells):
            c, v = cells[i]
            if isinstance(v, str):
                key = V.norm_key(v)
                f = sp["_lookup"].get(key)
                if f is None:
                    m = _UNIT.match(key)
                    f = sp["_lookup"].get(m[1]) if m else None
                if f is not None and sp["_level"][f] != "item":
                    if i + 1 < len(cells):
                        nc, nv = cells[i + 1]
                        if not (isinstance(nv, str) and sp["_lookup"].get(V.norm_key(nv))):
                            yield f, nv, r, nc, 1
                            i += 2
                            continue
                    yield f, None, r, c + 1, 1   # a label without its value (a blank template's)
                    i += 1
                    continue
                m = re.match(r"^\s*([^:：]{1,30})[:：]\s*(\S.*)$", v)
                if m and sp["_lookup"].get(V.norm_key(m[1])) and sp["_level"][sp["_lookup"][V.norm_key(m[1])]] != "item":
                    yield sp["_lookup"][V.norm_key(m[1])], m[2].strip(), r, c, 1
            i += 1


# -- the reader -----------------------------------------------------------------------------------
class _Reader:
    def __init__(self, lang: str, epoch, skip_bad: bool):
        self.lang, self.epoch, self.skip_bad = lang, epoch, skip_bad
        self.sp = spec()["_merged"]
        self.out = SheetPlan(None)
        self._keys = []    # sort keys of problems, parallel to out.problems
        self._converted = {}   # (field, raw, value) → [first place, cells]

    # words
    def label(self, f):
        return self.sp["x-labels"][f][self.lang]

    def expect(self, f):
        kind = self.sp["x-kinds"][f]
        e = self.sp["x-expect"].get(f) or self.sp["x-expect"].get(kind)
        if e:
            return e[self.lang]
        if kind in ("enum", "enumlist"):
            shown = self.sp["x-write"].get(f, {})
            names = [(w[self.lang] if isinstance(w, dict) else w) for w in shown.values()]
            return one_of(names, self.lang)
        return kind

    def word(self, f, v):
        """A value in the user's words (lowest_price → 最低评标价法 / lowest price)."""
        w = self.sp["x-write"].get(f, {}).get(_shown(v))
        return w[self.lang] if isinstance(w, dict) else _shown(v)

    def problem(self, key, place, rid, message):
        self._keys.append(key)
        self.out.problems.append((place, rid, message))

    # values
    def value(self, f, raw, sheet: _Sheet, r: int, c: int, scale=1):
        """The contract value of a cell, or None after recording a problem."""
        kind = self.sp["x-kinds"][f]
        place = sheet.cell(r, c)
        problem = None
        if kind == "text":
            v = V.clean_text(raw)
        elif kind == "code":
            v = V.clean_code(raw)
        elif kind == "date":
            v, problem = V.parse_date(raw, self.epoch)
        elif kind in ("money", "number"):
            d, problem = V.parse_number(raw, money=kind == "money", percent_ok=kind == "number")
            if not problem:
                d = d * scale
                if len(d.normalize().as_tuple().digits) > 15:
                    self.problem((sheet.index, r, c), place, CHK_SCHEMA, say("too_precise", self.lang, label=self.label(f), raw=_raw(raw)))
                    return None
                v = V.to_json_number(d)
        elif kind == "grades":
            v, bad = parse_grades(raw)
            if bad:
                part, why, kw = bad
                self.problem((sheet.index, r, c), place, CHK_SCHEMA,
                             say("bad_grade", self.lang, label=self.label(f), part=part, why=say(why, self.lang, **kw),
                                 expect=self.expect(f)))
                return None
            return v
        elif kind == "enum" or kind == "bool":
            v, problem = V.parse_closed(raw, self.sp["x-values"][f])
        else:   # enumlist
            v, problem = V.parse_closed_list(raw, self.sp["x-values"][f])
        if problem:
            self.problem((sheet.index, r, c), place, CHK_SCHEMA,
                         say("bad_value", self.lang, label=self.label(f), raw=_raw(raw), expect=self.expect(f)))
            return None
        if kind != "text":   # (grades returned above: a list of bands is no conversion to list)
            shown = _shown(v)
            if isinstance(raw, str):
                converted = raw.strip() != shown
            elif isinstance(raw, float):
                converted = repr(raw) != shown and not (raw.is_integer() and shown == str(int(raw)))
            else:
                converted = kind == "date" and isinstance(raw, int)
            if converted or scale != 1:
                key = (f, _raw(raw), shown)
                seen = self._converted.get(key)
                if seen:
                    seen[1] += 1
                else:
                    self._converted[key] = [place, 1]
        return v

    def conversions(self):
        """Each distinct conversion once: its first place, and how many cells it was made in."""
        out = []
        for (f, raw, shown), (place, n) in self._converted.items():
            msg = say("note_converted", self.lang, label=self.label(f), raw=raw, value=shown)
            out.append((place, msg + (f" (×{n})" if n > 1 else "")))
        return out

    # reading
    def read(self, sheets, hidden, notes, source_kind):
        out = self.out
        out.format = source_kind
        out.notes.extend(notes)
        for name in hidden:
            out.notes.append((sheet_ref(name), say("note_hidden", self.lang, name=name)))
        table, tables = None, set()
        examples = {V.norm_key(n) for n in self.sp["x-example-sheets"]}
        for s in sheets:
            for r in range(1, min(len(s.rows), HEADER_SCAN_ROWS) + 1):
                m = _header_map(s.rows[r - 1])
                if _is_table_header(m):
                    tables.add(s.name)
                    if table is None:
                        table = (s, r, m)
                    elif V.norm_key(s.name) not in examples:
                        out.notes.append((sheet_ref(s.name), say("note_other_table", self.lang, name=s.name, used=table[0].name)))
                    break
        if table is None:
            raise _Unreadable(say("no_table", self.lang, n=HEADER_SCAN_ROWS))
        sheet, hrow, mapping = table
        out.sheet = sheet.name
        factor_sheets = []
        for s in sheets:
            if s is sheet or s.name in tables or V.norm_key(s.name) in examples:
                continue
            for r in range(1, min(len(s.rows), HEADER_SCAN_ROWS) + 1):
                m = _factor_header_map(s.rows[r - 1])
                if _is_factor_header(m):
                    factor_sheets.append((s, r, m))
                    break
        factor_names = {s.name for s, _, _ in factor_sheets}
        # plan-level (and project defaults) from the header block, then from other sheets
        block, given, blank = {}, set(), {}
        # plan fields: the block above the table, then sheets without a line table of their own (never
        # another table's block, such as the template's example sheet)
        others = [s for s in sheets if s is not sheet and s.name not in tables and s.name not in factor_names]
        sources = [(sheet, range(1, hrow))] + [(s, range(1, min(len(s.rows), 200) + 1)) for s in others]
        for s, rows in sources:
            for f, raw, r, c, scale in _block_pairs(s, rows):
                if f in given:
                    continue
                if raw is None:
                    blank.setdefault(f, s.cell(r, c))
                    continue
                given.add(f)
                v = self.value(f, raw, s, r, c, scale)
                if v is not None:
                    block[f] = (v, s.cell(r, c))
        plan_set, projects = self._table(sheet, hrow, mapping, block, given, blank)
        for s, r, m in factor_sheets:
            self._factors(s, r, m, projects)
        out.doc = self._assemble(plan_set, projects, sheet)
        out.conversions = self.conversions()
        order = sorted(range(len(out.problems)), key=lambda i: self._keys[i])
        out.problems = [out.problems[i] for i in order]
        return out

    def _table(self, sheet, hrow, mapping, block, given, blank):
        out, lang, sp = self.out, self.lang, self.sp
        # columns
        cols, seen = {}, {}
        for c, (f, scale, _text) in sorted(mapping.items()):
            if f in seen:
                self.problem((sheet.index, hrow, c), sheet.cell(hrow, c), CHK_SCHEMA,
                             say("dup_column", lang, label=self.label(f), a=sheet.cell(hrow, seen[f]), b=sheet.cell(hrow, c)))
                continue
            seen[f] = c
            cols[c] = (f, scale)
        header = sheet.rows[hrow - 1]
        extra = [f"{V.clean_text(h)} ({col_letter(c)})" for c, h in enumerate(header, 1) if not V.is_empty(h) and c not in mapping]
        if extra:
            out.notes.append((sheet.row(hrow), say("note_extra", lang, cols=WORDS["list_sep"][lang].join(extra))))
        have = set(seen) | given
        required = ["plan_id", "date", "agency_name", "project_id", "project_name", "procurement_method",
                    "evaluation_method", "category_code", "name", "quantity", "unit_price", "amount"]
        # A budget table has no evaluation method yet: without a stage and without the column it is
        # read as stage budget; with a stage, the method is needed unless that stage is an early one
        # (known only once the rows are read, below).
        budget_default = "evaluation_method" not in have and "stage" not in have
        eval_needed_later = "evaluation_method" not in have and "stage" in have
        if "evaluation_method" not in have:
            required.remove("evaluation_method")
        for f in required:
            if f not in have and f in blank:
                r, c = _cell_rc(blank[f])
                scope = say("scope_plan" if sp["_level"][f] == "plan" else "scope_project", lang)
                self.problem((self._sheet_index(blank[f], sheet), r, c), blank[f], CHK_SCHEMA,
                             say("empty", lang, label=self.label(f), scope=scope))
            elif f not in have:
                aliases = WORDS["list_sep"][lang].join(sp["x-aliases"][f])
                self.problem((sheet.index, hrow, 0), sheet.row(hrow), CHK_SCHEMA,
                             say("missing_column", lang, label=self.label(f), aliases=aliases))
        auto_line_ids = "line_id" not in seen
        if auto_line_ids:
            out.notes.append((sheet.row(hrow), say("note_line_ids", lang)))

        plan_set: dict = {}       # field → (value, place) for plan-level values given
        projects: dict = {}       # project id → {"doc": …, "index": …, "set": {field: (value, place)}, "lines": {line_id: place}}
        current = None
        lines = 0
        for f, (v, place) in block.items():
            if sp["_level"][f] == "plan":
                plan_set[f] = (v, place)
        for r in range(hrow + 1, len(sheet.rows) + 1):
            row = sheet.rows[r - 1]
            if not any(not V.is_empty(x) for x in row):
                continue
            cells = {f: (row[c - 1], c, scale) for c, (f, scale) in cols.items()
                     if c - 1 < len(row) and not V.is_empty(row[c - 1])}
            if "category_code" not in cells and "line_id" not in cells and any(
                    isinstance(x, str) and V.norm_key(x) in _TOTAL_WORDS for x in row):
                out.notes.append((sheet.row(r), say("note_total", lang)))
                continue
            n_before = len(out.problems)
            vals = {}
            for f, (raw, c, scale) in cells.items():
                v = self.value(f, raw, sheet, r, c, scale)
                if v is not None:
                    vals[f] = (v, sheet.cell(r, c))
            # plan-level columns: the same on every row
            for f in [f for f in vals if sp["_level"][f] == "plan"]:
                v, place = vals.pop(f)
                self._agree(plan_set, f, v, place, sheet, r, "same_plan")
            # the project: given, or filled down
            if "project_id" in vals:
                pid, pplace = vals["project_id"]
                if pid not in projects:
                    projects[pid] = {"index": len(projects), "set": {"project_id": (pid, pplace)}, "lines": {},
                                     "items": [], "row": sheet.row(r)}
                    for f, (v, place) in block.items():
                        if sp["_level"][f] == "project" and f != "project_id":
                            projects[pid]["set"][f] = (v, place)
                current = projects[pid]
            elif "project_id" in block and current is None:
                pid, pplace = block["project_id"]
                current = projects.setdefault(pid, {"index": 0, "set": {f: v for f, v in block.items() if sp["_level"][f] == "project"},
                                                    "lines": {}, "items": [], "row": pplace})
            elif current is None:
                if "project_id" not in cells:   # a bad project id cell was reported already
                    self.problem((sheet.index, r, 0), sheet.row(r), CHK_SCHEMA, say("no_project", lang))
                out.bad_rows.append(sheet.row(r))
                continue
            for f in [f for f in vals if sp["_level"][f] == "project" and f != "project_id"]:
                v, place = vals.pop(f)
                self._agree(current["set"], f, v, place, sheet, r, "same_project")
            vals.pop("project_id", None)
            item_cells = {f for f in cells if sp["_level"][f] == "item"}
            if not item_cells:
                continue
            lines += 1
            bad = len(out.problems) > n_before
            for f in ("category_code", "name", "quantity", "unit_price", "amount", "line_id"):
                if f in seen and f not in cells:
                    bad = True
                    self.problem((sheet.index, r, seen[f]), sheet.cell(r, seen[f]), CHK_SCHEMA,
                                 say("empty", lang, label=self.label(f), scope=say("scope_line", lang)))
            lid = vals["line_id"][0] if "line_id" in vals else (str(len(current["items"]) + 1) if auto_line_ids else None)
            if lid is not None and lid in current["lines"]:
                bad = True
                self.problem((sheet.index, r, seen.get("line_id", 0)), vals["line_id"][1] if "line_id" in vals else sheet.row(r),
                             CHK_DUPLICATE, say("dup_line", lang, project=current["set"]["project_id"][0], line=lid,
                                                other=current["lines"][lid]))
            if lid is not None:
                current["lines"].setdefault(lid, vals["line_id"][1] if "line_id" in vals else sheet.row(r))
            if bad:
                out.bad_rows.append(sheet.row(r))
                continue
            if auto_line_ids:
                vals["line_id"] = (lid, sheet.row(r))
            current["items"].append((vals, sheet.row(r)))
        if lines == 0 and not out.problems:
            self.problem((sheet.index, hrow + 1, 0), sheet.row(hrow + 1), CHK_PARSE, say("no_lines", lang))
        if budget_default:
            plan_set["stage"] = ("budget", sheet.row(hrow))
            out.notes.append((sheet.row(hrow), say("note_budget_stage", lang)))
        elif eval_needed_later and plan_set.get("stage", (None,))[0] not in EARLY_STAGES:
            f = "evaluation_method"
            if f in blank:
                r, c = _cell_rc(blank[f])
                self.problem((self._sheet_index(blank[f], sheet), r, c), blank[f], CHK_SCHEMA,
                             say("empty", lang, label=self.label(f), scope=say("scope_project", lang)))
            else:
                self.problem((sheet.index, hrow, 0), sheet.row(hrow), CHK_SCHEMA,
                             say("missing_column", lang, label=self.label(f),
                                 aliases=WORDS["list_sep"][lang].join(sp["x-aliases"][f])))
        return plan_set, projects

    def _factors(self, sheet, hrow, mapping, projects):
        """The rows of a factors sheet into each project's ``factors`` [(values, row place)]."""
        out, lang, sp = self.out, self.lang, self.sp
        fx = sp["x-factors"]
        cols, seen = {}, {}
        for c, f in sorted(mapping.items()):
            if f in seen:
                self.problem((sheet.index, hrow, c), sheet.cell(hrow, c), CHK_SCHEMA,
                             say("dup_column", lang, label=self.label(f), a=sheet.cell(hrow, seen[f]), b=sheet.cell(hrow, c)))
                continue
            seen[f] = c
            cols[c] = f
        header = sheet.rows[hrow - 1]
        extra = [f"{V.clean_text(h)} ({col_letter(c)})" for c, h in enumerate(header, 1) if not V.is_empty(h) and c not in mapping]
        if extra:
            out.notes.append((sheet.row(hrow), say("note_extra", lang, cols=WORDS["list_sep"][lang].join(extra))))
        needed = ["factor_kind"] + (["project_id"] if len(projects) != 1 else [])
        for f in needed:
            if f not in seen:
                aliases = fx["x-aliases"].get(f) or sp["x-aliases"][f]
                self.problem((sheet.index, hrow, 0), sheet.row(hrow), CHK_SCHEMA,
                             say("factor_missing_column", lang, label=self.label(f),
                                 aliases=WORDS["list_sep"][lang].join(aliases)))
        only = next(iter(projects.values())) if len(projects) == 1 else None
        current = None
        for r in range(hrow + 1, len(sheet.rows) + 1):
            row = sheet.rows[r - 1]
            cells = {f: (row[c - 1], c) for c, f in cols.items() if c - 1 < len(row) and not V.is_empty(row[c - 1])}
            if not cells:
                continue
            n_before = len(out.problems)
            vals = {}
            for f, (raw, c) in cells.items():
                v = self.value(f, raw, sheet, r, c)
                if v is not None:
                    vals[f] = (v, sheet.cell(r, c))
            if "project_id" in cells:
                if "project_id" not in vals:   # a bad cell, reported already (and so the rows filled down from it)
                    current = False
                    continue
                pid, pplace = vals.pop("project_id")
                current = projects.get(pid, False)
                if current is False:
                    known = WORDS["list_sep"][lang].join(projects) if len(projects) <= 10 else \
                        WORDS["list_sep"][lang].join(list(projects)[:10]) + " …"
                    self.problem((sheet.index, r, cells["project_id"][1]), pplace, CHK_SCHEMA,
                                 say("factor_unknown_project", lang, project=pid, known=known))
                    continue
            elif current is False:
                continue
            elif current is None:
                current = only
                if current is None:
                    self.problem((sheet.index, r, 0), sheet.row(r), CHK_SCHEMA, say("factor_no_project", lang))
                    continue
            if set(cells) == {"project_id"}:
                continue
            bad = len(out.problems) > n_before
            for f in ("factor_name", "factor_kind"):
                if f in seen and f not in cells:
                    bad = True
                    self.problem((sheet.index, r, seen[f]), sheet.cell(r, seen[f]), CHK_SCHEMA,
                                 say("empty", lang, label=self.label(f), scope=say("scope_factor", lang)))
            if bad:
                continue
            current.setdefault("factors", []).append((vals, sheet.row(r)))

    def _sheet_index(self, place, sheet):
        return sheet.index if place.startswith(sheet_ref(sheet.name) + "!") else sheet.index + 1

    def _agree(self, given, f, v, place, sheet, r, scope):
        if f not in given:
            given[f] = (v, place)
        elif given[f][0] != v:
            self.problem((sheet.index, r, 0), place, CHK_SCHEMA,
                         say("conflict", self.lang, label=self.label(f), value=self.word(f, v), first=self.word(f, given[f][0]),
                             other=given[f][1], scope=say(scope, self.lang)))

    # the document
    def _assemble(self, plan_set, projects, sheet):
        out, sp = self.out, self.sp
        doc = {}
        out.places[""] = sheet.cell(1, 1) if "plan_id" not in plan_set else plan_set["plan_id"][1]
        for f in sp["x-paths"]:
            if f in plan_set:
                self._put(doc, sp["x-paths"][f].split("/"), plan_set[f], "")
        doc_projects = []
        for proj in sorted(projects.values(), key=lambda p: p["index"]):
            if self.skip_bad and not proj["items"]:
                continue
            pi = len(doc_projects)
            pptr = f"/projects/{pi}"
            out.places[pptr] = proj["row"]
            pdoc = {}
            for f in sp["x-paths"]:
                if f in proj["set"]:
                    self._put(pdoc, sp["x-paths"][f].split("/")[2:], proj["set"][f], pptr)
            if proj.get("factors"):
                factors = pdoc.setdefault("evaluation", {}).setdefault("factors", [])
                for fi, (vals, row_place) in enumerate(proj["factors"]):
                    fptr = f"{pptr}/evaluation/factors/{fi}"
                    out.places[fptr] = row_place
                    fdoc = {}
                    for f, key in sp["x-factors"]["x-paths"].items():
                        if f in vals:
                            fdoc[key] = vals[f][0]
                            out.places[f"{fptr}/{key}"] = vals[f][1]
                    factors.append(fdoc)
            items = []
            for ii, (vals, row_place) in enumerate(proj["items"]):
                iptr = f"{pptr}/items/{ii}"
                out.places[iptr] = row_place
                idoc = {}
                certs = {}
                for f in sp["x-paths"]:
                    if f not in vals:
                        continue
                    parts = sp["x-paths"][f].split("/")[4:]
                    if parts[:2] == ["award", "certificates"]:
                        certs.setdefault(parts[2], {})[parts[3]] = vals[f]
                        continue
                    self._put(idoc, parts, vals[f], iptr)
                if certs:
                    award = idoc.setdefault("award", {})
                    lst = award.setdefault("certificates", [])
                    for ctype in ("energy_saving", "environmental_label"):
                        if ctype in certs:
                            ci = len(lst)
                            cdoc = {"type": ctype}
                            for k, (v, place) in certs[ctype].items():
                                cdoc[k] = v
                                out.places[f"{iptr}/award/certificates/{ci}/{k}"] = place
                            out.places[f"{iptr}/award/certificates/{ci}"] = row_place
                            lst.append(cdoc)
                if "award" in idoc:
                    idoc["award"].setdefault("certificates", [])
                    out.places.setdefault(f"{iptr}/award", row_place)
                items.append(idoc)
            pdoc["items"] = items
            doc_projects.append(pdoc)
        doc["projects"] = doc_projects
        return doc

    def _put(self, target, parts, vp, base):
        v, place = vp
        node = target
        for p in parts[:-1]:
            node = node.setdefault(p, {})
        node[parts[-1]] = v
        ptr = base + "/" + "/".join(parts)
        self.out.places[ptr] = place


def _cell_rc(place: str):
    """'Sheet1!B7' → (7, 2)."""
    m = re.match(r"^([A-Z]+)(\d+)$", place.rpartition("!")[2])
    col = 0
    for ch in m[1]:
        col = col * 26 + ord(ch) - 64
    return int(m[2]), col


def _raw(raw) -> str:
    text = raw.isoformat() if hasattr(raw, "isoformat") else str(raw)
    return text if len(text) <= 60 else text[:57] + "…"


def _shown(v) -> str:
    if isinstance(v, bool):
        return "true" if v else "false"
    if isinstance(v, list):
        return ", ".join(v)
    if isinstance(v, float):
        return repr(v)
    return str(v)


# -- the contract's own checks, worded for a spreadsheet -------------------------------------------
def _schema_problems(plan: SheetPlan, lang: str) -> list:
    from .._jsonutil import fast_validator, pointer, validator
    if fast_validator("plan").is_valid(plan.doc):
        return []
    sp = spec()["_merged"]
    out = []
    for e in sorted(validator("plan").iter_errors(plan.doc), key=lambda e: [str(p) for p in e.absolute_path]):
        path = list(e.absolute_path)
        ptr = pointer(path)
        if e.validator == "required":
            missing = [p for p in e.validator_value if isinstance(e.instance, dict) and p not in e.instance]
            for m in missing:
                f = _field_for(path + [m])
                label = sp["x-labels"][f][lang] if f else m
                if e.validator_value == ["award"] or m == "award":
                    msg = say("award_needed", lang, label=sp["x-labels"]["supplier_name"][lang])
                else:
                    scope = {"plan": "scope_plan", "project": "scope_project", "item": "scope_line"}.get(sp["_level"].get(f), "scope_line")
                    if f in sp["x-factors"]["x-paths"]:
                        scope = "scope_factor"
                    elif "certificates" in [str(p) for p in path]:
                        scope = "scope_cert"
                    elif path and path[-1] == "award" or m == "supplier":
                        scope = "scope_award"
                    msg = say("empty", lang, label=label, scope=say(scope, lang))
                out.append((plan.place_of(ptr), CHK_SCHEMA, msg))
            continue
        f = _field_for(path)
        label = sp["x-labels"][f][lang] if f else ptr
        value = _shown(e.instance) if not isinstance(e.instance, (dict, list)) else ""
        if e.validator == "minimum":
            msg = say("min", lang, label=label, value=value, limit=e.validator_value)
        elif e.validator == "exclusiveMinimum":
            msg = say("min_excl", lang, label=label, value=value, limit=e.validator_value)
        elif e.validator == "maximum":
            msg = say("max", lang, label=label, value=value, limit=e.validator_value)
        elif f and e.validator in ("pattern", "format", "enum", "const", "type"):
            expect = sp["x-expect"].get(f, {}).get(lang) or e.message
            msg = say("bad_value", lang, label=label, raw=value, expect=expect)
        else:
            msg = say("schema", lang, label=label, expect=e.message)
        out.append((plan.place_of(ptr), CHK_SCHEMA, msg))
    return out


def _field_for(path) -> str | None:
    """The column of a document path (projects/0/items/3/amount → amount)."""
    parts = [str(p) for p in path]
    if "factors" in parts:   # a factor's field, or its grades (…/factors/2/grades/1/points → the grades cell)
        i = parts.index("factors")
        return spec()["_factor_field"].get(parts[i + 2]) if i + 2 < len(parts) else None
    generic = []
    for i, p in enumerate(parts):
        if p.isdigit() and i > 0 and parts[i - 1] in ("projects", "items"):
            generic.append("*")
        elif p.isdigit() and i > 0 and parts[i - 1] == "certificates":
            generic.append("energy_saving")   # a certificate's fields have one label per type; the type decides below
        else:
            generic.append(p)
    key = "/".join(generic)
    sp = spec()
    if key in sp["_generic"]:
        return sp["_generic"][key]
    for f, p in sp["x-paths"].items():   # a parent: its first column (evaluation → evaluation method)
        if p.startswith(key + "/"):
            return f
    return None


# -- entry point ----------------------------------------------------------------------------------
def read(data: bytes, source: str, lang: str = "zh", skip_bad: bool = False) -> SheetPlan:
    """Read a spreadsheet plan (.xlsx or .csv by :func:`kind_of`); never raises for bad input.

    ``skip_bad``: the lines of bad rows are left out (listed in ``bad_rows`` and as notes) and the rest
    is a plan, if what remains is one; problems outside lines (a missing column, a plan field) still
    make it not checkable."""
    kind = kind_of(data, source)
    if not data:
        return SheetPlan(None, [("", CHK_PARSE, say("empty_file", lang))], format=kind)
    try:
        if kind == "csv":
            sheets, hidden, epoch, notes = _load_csv(data, source, lang)
        else:
            sheets, hidden, epoch, notes = _load_xlsx(data, lang)
        reader = _Reader(lang, epoch, skip_bad)
        plan = reader.read(sheets, hidden, notes, kind)
    except _Unreadable as e:
        return SheetPlan(None, [("", CHK_PARSE, e.message)], format=kind)
    if skip_bad and plan.problems:
        row_places = set(plan.bad_rows)
        line_problems = [p for p in plan.problems if _row_of(p[0]) in row_places]
        if len(line_problems) == len(plan.problems):
            plan.notes.extend((p[0], p[2]) for p in line_problems)
            plan.problems = []
    if not plan.problems:
        plan.problems = _schema_problems(plan, lang)
    return plan


def _row_of(place: str) -> str:
    """'S!D7' or 'S!7:7' → 'S!7:7'."""
    sheet, _, ref = place.rpartition("!")
    m = re.match(r"^[A-Z]*(\d+)", ref)
    return f"{sheet}!{m[1]}:{m[1]}" if m else place


def exact_amounts(doc) -> dict:
    """Decimal of every item's quantity, unit price and amount by pointer (for the arithmetic check)."""
    out = {}
    for pi, p in enumerate(doc.get("projects", ())):
        for ii, it in enumerate(p.get("items", ())):
            for k in ("quantity", "unit_price", "amount"):
                v = it.get(k)
                if isinstance(v, (int, float)) and not isinstance(v, bool):
                    out[f"/projects/{pi}/items/{ii}/{k}"] = V.excel_number(v) if isinstance(v, float) else Decimal(v)
    return out
