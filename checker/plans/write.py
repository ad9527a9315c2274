"""Writing a plan document as a spreadsheet (.xlsx or .csv) that checker.plans.sheet reads back as
the same document: the reverse of ``lvcai convert PLAN.xlsx -o PLAN.json``.

Layout: the plan-level fields as a header block (label in column A, value in column B), an empty row,
then the line table with every project column repeated on each of its lines. A workbook's projects'
evaluation factors go on a second sheet (评审因素 / Evaluation factors), one row per factor, its grades
in one cell as ``1 级能效：5；2 级能效：2``; a CSV file holds one table, so a plan with factors is
refused as CSV (keep it as .xlsx or JSON). Closed values are written
in the words of ``lang`` (必须/优先/无 …), dates as date cells, codes as text (so 01 stays 01).
A document that a sheet cannot hold without loss (a field with no column, two certificates of one
type on a line) is refused with the places that cannot be held: converting is lossless or not done.
"""
from __future__ import annotations

import csv
import datetime as _dt
import io

from ..errors import LvcaiError, Words
from .sheet import spec

#: Columns always written, even when no line has a value (the ones a plan needs).
_ALWAYS = ("project_id", "project_name", "procurement_method", "evaluation_method", "line_id", "category_code",
           "name", "quantity", "unit", "unit_price", "amount", "energy_saving", "environmental_label")
_CERT = {"energy_saving": "energy_cert", "environmental_label": "env_cert"}
MONEY_FORMAT = "#,##0.00"
DATE_FORMAT = "yyyy-mm-dd"


class NotRepresentable(LvcaiError):
    """The plan holds something a spreadsheet row cannot (listed by pointer)."""


class _Place(str):
    """A place of the plan that a sheet cannot hold: its JSON pointer (``str``, as the JSON outputs
    and logs have it), said as the reports say places (project 2, line 3, …) with the pointer after."""

    def in_lang(self, lang):
        from ..formatters._report import pointer_place
        return f"{pointer_place(str(self), lang)} ({self})"


def _flatten(doc):
    """(plan fields, [(project fields, item fields)], [pointers that cannot be held])."""
    sp = spec()
    paths = sp["x-paths"]
    plan_f = {f: p for f, p in paths.items() if sp["_level"][f] == "plan"}
    proj_f = {f: p.split("/", 2)[2] for f, p in paths.items() if sp["_level"][f] == "project"}
    item_f = {f: p.split("/", 4)[4] for f, p in paths.items() if sp["_level"][f] == "item" and "/certificates/" not in p}
    lost = []

    def take(node, table, base, known_parents):
        out = {}
        for f, path in table.items():
            cur = node
            for part in path.split("/"):
                cur = cur.get(part) if isinstance(cur, dict) else None
            if cur is not None:
                out[f] = cur
        _unheld(node, set(table.values()) | known_parents, "", base, lost)
        return out

    plan = take(doc, plan_f, "", {"projects"})
    rows = []
    for pi, project in enumerate(doc.get("projects", ())):
        pvals = take(project, proj_f, f"/projects/{pi}", {"items", "evaluation/factors"})
        for ii, item in enumerate(project.get("items", ())):
            base = f"/projects/{pi}/items/{ii}"
            ivals = take(item, item_f, base, {"award/certificates"})
            types = set()
            for ci, cert in enumerate((item.get("award") or {}).get("certificates", ())):
                prefix = _CERT.get(cert.get("type"))
                if prefix is None or cert["type"] in types:   # a sheet row holds one certificate of each type
                    lost.append(f"{base}/award/certificates/{ci}")
                    continue
                types.add(cert["type"])
                for k in ("number", "issuer", "valid_from", "valid_until"):
                    if k in cert:
                        ivals[f"{prefix}_{k}"] = cert[k]
                extra = set(cert) - {"type", "number", "issuer", "valid_from", "valid_until"}
                lost.extend(f"{base}/award/certificates/{ci}/{k}" for k in sorted(extra))
            if "award" in item and not any(k in ivals for k in ("supplier_name",)):
                lost.append(f"{base}/award")
            rows.append((pvals, ivals))
    return plan, rows, lost


def _unheld(node, held_paths, prefix, base, lost):
    """Pointers of keys under ``node`` that no column holds."""
    if not isinstance(node, dict):
        return
    for k, v in node.items():
        path = f"{prefix}{k}"
        if path in held_paths:
            continue
        if any(h.startswith(path + "/") for h in held_paths) and isinstance(v, dict):
            _unheld(v, held_paths, path + "/", base, lost)
            continue
        if path == "award/preferences_applied" or path in ("projects", "items"):
            continue
        lost.append(f"{base}/{path}")


def _cell(f, v, lang):
    sp = spec()
    words = sp["x-write"].get(f) or sp["x-factors"]["x-write"].get(f)
    if isinstance(v, list):
        sep = "、" if lang == "zh" else ", "
        return sep.join(_word(words.get(x), lang, x) for x in v)
    if words is not None:
        key = ("true" if v else "false") if isinstance(v, bool) else str(v)
        return _word(words.get(key), lang, v)
    return v


def _word(w, lang, default):
    if w is None:
        return default
    return w[lang] if isinstance(w, dict) else w


def factor_rows(doc, lang="zh"):
    """(rows of the factors sheet [[cell of each x-factors/x-columns]], [pointers that cannot be held]).

    A grade's condition holding a band separator (; ； or a line break), or spaces around it, would
    not read back as written: it is not held."""
    sp = spec()
    fx = sp["x-factors"]
    g = fx["x-grades"]
    known = {p: f for f, p in fx["x-paths"].items()}
    rows, lost = [], []
    for pi, project in enumerate(doc.get("projects", ())):
        evaluation = project.get("evaluation")
        factors = evaluation.get("factors") if isinstance(evaluation, dict) else None
        if factors == [] or (factors is not None and not isinstance(factors, list)):   # no row to hold it
            lost.append(f"/projects/{pi}/evaluation/factors")
            continue
        for fi, factor in enumerate(factors or ()):
            base = f"/projects/{pi}/evaluation/factors/{fi}"
            if not isinstance(factor, dict):
                lost.append(base)
                continue
            lost.extend(f"{base}/{k}" for k in factor if k not in known)
            cells = {"project_id": project.get("project_id")}
            for key, f in known.items():
                if key not in factor:
                    continue
                v = factor[key]
                if f == "factor_grades":
                    v = _grades_text(v, base, g, lang, lost)
                else:
                    v = _cell(f, v, lang)
                cells[f] = v
            rows.append([cells.get(f) for f in fx["x-columns"]])
    return rows, lost


def _grades_text(grades, base, g, lang, lost):
    w = g["write"][lang]
    bands = []
    for gi, grade in enumerate(grades if isinstance(grades, list) else ()):
        cond = grade.get("condition") if isinstance(grade, dict) else None
        points = grade.get("points") if isinstance(grade, dict) else None
        if (not isinstance(cond, str) or cond != cond.strip() or any(ch in cond for ch in g["separators"])
                or not isinstance(points, (int, float)) or isinstance(points, bool) or set(grade) - {"condition", "points"}):
            lost.append(f"{base}/grades/{gi}")
            continue
        bands.append(f"{cond}{w['colon']}{repr(points) if isinstance(points, float) else points}")
    if not isinstance(grades, list) or not grades:
        lost.append(f"{base}/grades")
    return w["separator"].join(bands)


def _has_factors(doc):
    return [f"/projects/{pi}/evaluation/factors" for pi, p in enumerate(doc.get("projects", ()))
            if isinstance(p.get("evaluation"), dict) and "factors" in p["evaluation"]]


def layout(doc, lang="zh", factors=False):
    """(block [(field, value)], table fields, table rows [[value]]), refusing what cannot be held;
    ``factors``: the projects' evaluation factors go on a sheet of their own (a workbook), else they
    cannot be held (a CSV file)."""
    plan, rows, lost = _flatten(doc)
    lost += factor_rows(doc, lang)[1] if factors else _has_factors(doc)
    if lost:
        places = tuple(_Place(p) for p in lost[:20])
        if len(lost) > 20:
            places += (Words("convert_not_held_more", n=len(lost) - 20),)
        raise NotRepresentable(Words("convert_not_held", places=places))
    sp = spec()
    block = [(f, _cell(f, plan[f], lang)) for f in sp["x-paths"] if f in plan]
    used = set(_ALWAYS)
    for p, i in rows:
        used.update(p)
        used.update(i)
    fields = [f for f in sp["x-paths"] if f in used and sp["_level"][f] != "plan"]
    table = [[_cell(f, {**p, **i}.get(f), lang) if f in {**p, **i} else None for f in fields] for p, i in rows]
    return block, fields, table


def to_csv(doc, lang="zh") -> bytes:
    """UTF-8 with a BOM (so Excel and WPS open it as UTF-8), CRLF line ends as Excel writes them."""
    if _has_factors(doc):
        raise NotRepresentable(Words("convert_csv_factors", places=tuple(_Place(p) for p in _has_factors(doc))))
    block, fields, table = layout(doc, lang)
    labels = spec()["x-labels"]
    buf = io.StringIO()
    w = csv.writer(buf, lineterminator="\r\n")
    for f, v in block:
        w.writerow([labels[f][lang], _csv_value(v)])
    w.writerow([])
    w.writerow([labels[f][lang] for f in fields])
    for row in table:
        w.writerow(["" if v is None else _csv_value(v) for v in row])
    return ("\ufeff" + buf.getvalue()).encode("utf-8")


def _csv_value(v):
    if isinstance(v, float):
        return repr(v)
    return v


def to_xlsx(doc, lang="zh") -> bytes:
    wb = workbook(doc, lang)
    return save(wb)


def workbook(doc, lang="zh", sheet_title=None, comments=False):
    from openpyxl import Workbook
    wb = Workbook()
    ws = wb.active
    ws.title = sheet_title or ("计划" if lang == "zh" else "Plan")
    fill_sheet(ws, doc, lang, comments, factors=True)
    if _has_factors(doc):
        fill_factor_sheet(wb.create_sheet(spec()["x-factors"]["x-sheet"][lang]), doc, lang, comments)
    return wb


def fill_factor_sheet(ws, doc, lang="zh", comments=False, guide=False):
    """The evaluation factors sheet: ``doc``'s factors (None: an empty table); with ``guide``, a line of
    guidance above the header. Returns (header row, {field: column number})."""
    from openpyxl.styles import Alignment, Font
    sp = spec()
    fx = sp["x-factors"]
    labels, kinds, helps = {**sp["x-labels"], **fx["x-labels"]}, {**sp["x-kinds"], **fx["x-kinds"]}, {**sp["x-help"], **fx["x-help"]}
    rows = factor_rows(doc, lang)[0] if doc is not None else []
    header = 1
    if guide:
        ws.cell(row=1, column=1, value=fx["x-guide"][lang]).font = Font(italic=True)
        header = 2
    widths = {"text": 22, "grades": 40, "enum": 16}
    columns = _header_row(ws, header, fx["x-columns"], labels, helps if comments else {}, lang, "E2EFDA",
                          lambda f: widths.get(kinds[f], 14))
    for i, row in enumerate(rows, header + 1):
        for c, (f, v) in enumerate(zip(fx["x-columns"], row), 1):
            if v is None:
                continue
            cell = ws.cell(row=i, column=c, value=v)
            _format(cell, kinds[f])
            if kinds[f] == "grades":
                cell.alignment = Alignment(wrap_text=True, vertical="top")
    _printable(ws, header)
    return header, columns


def fill_sheet(ws, doc, lang="zh", comments=False, fields=None, block_fields=None, factors=False):
    """Write ``doc`` (or, with ``fields``, an empty table of those columns) into worksheet ``ws``;
    returns (header row, {field: column number})."""
    from openpyxl.comments import Comment
    from openpyxl.styles import Font
    sp = spec()
    labels, kinds, helps = sp["x-labels"], sp["x-kinds"], sp["x-help"]
    if doc is not None:
        block, fields, table = layout(doc, lang, factors=factors)
    else:
        block, table = [(f, None) for f in block_fields], []
    bold = Font(bold=True)
    r = 1
    for f, v in block:
        a = ws.cell(row=r, column=1, value=labels[f][lang])
        a.font = bold
        b = ws.cell(row=r, column=2, value=_typed(f, v))
        _format(b, kinds[f])
        if comments and f in helps:
            a.comment = Comment(helps[f][lang], "lvcai")
        r += 1
    header = r + 1
    columns = _header_row(ws, header, fields, labels, helps if comments else {}, lang, "DDEBF7",
                          lambda f: 14 if kinds[f] != "text" else 22)
    for i, row in enumerate(table, header + 1):
        for c, (f, v) in enumerate(zip(fields, row), 1):
            if v is None:
                continue
            cell = ws.cell(row=i, column=c, value=_typed(f, v))
            _format(cell, kinds[f])
    ws.column_dimensions["A"].width = max(ws.column_dimensions["A"].width or 0, 16)
    _printable(ws, header)
    return header, columns


def _printable(ws, header):
    """The header row frozen; printed, the table is one page wide (landscape A4) with its header row
    on every page."""
    ws.freeze_panes = ws.cell(row=header + 1, column=1)
    ws.page_setup.orientation, ws.page_setup.paperSize = "landscape", ws.PAPERSIZE_A4
    ws.page_setup.fitToWidth, ws.page_setup.fitToHeight = 1, 0
    ws.sheet_properties.pageSetUpPr.fitToPage = True
    ws.print_title_rows = f"{header}:{header}"


def _header_row(ws, row, fields, labels, helps, lang, colour, width) -> dict:
    """A table's header cells at ``row`` (bold, filled, wrapped; a comment with the help where given)
    and the column widths; returns {field: column number}."""
    from openpyxl.comments import Comment
    from openpyxl.styles import Alignment, Font, PatternFill
    from openpyxl.utils import get_column_letter
    bold, fill = Font(bold=True), PatternFill("solid", fgColor=colour)
    columns = {}
    for c, f in enumerate(fields, 1):
        cell = ws.cell(row=row, column=c, value=labels[f][lang])
        cell.font, cell.fill = bold, fill
        cell.alignment = Alignment(wrap_text=True, vertical="top")
        if f in helps:
            cell.comment = Comment(helps[f][lang], "lvcai")
        columns[f] = c
        ws.column_dimensions[get_column_letter(c)].width = width(f)
    return columns


def _typed(f, v):
    kind = spec()["x-kinds"][f]
    if kind == "date" and isinstance(v, str):
        try:
            return _dt.date.fromisoformat(v)
        except ValueError:
            return v
    return v


def _format(cell, kind):
    if kind == "money":
        cell.number_format = MONEY_FORMAT
    elif kind == "date":
        cell.number_format = DATE_FORMAT
    elif kind == "code":
        cell.number_format = "@"


def save(wb) -> bytes:
    """The workbook's bytes, the same for the same content (checker._io.workbook_bytes)."""
    from .._io import workbook_bytes
    return workbook_bytes(wb)
