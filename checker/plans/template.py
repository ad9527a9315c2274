"""The blank spreadsheet template (``lvcai template``): what a budget unit fills in.

xlsx: a plan sheet (header block and line table, each header with a comment saying what the column
means, drop-downs for the closed values, number formats, and cell validation from the bounds of
schemas/sheet.schema.json, such as a grade 1 to 9), an evaluation factors sheet (评审因素: a line of
guidance, the same comments, drop-downs for the factor's kind and green indicator, points 0 to 100),
a filled example sheet (the bundled
office-equipment plan, which the reader never takes for a second plan), and a sheet listing the list
categories with their obligation. csv: the plan sheet's labels and headers only (CSV holds no more).
"""
from __future__ import annotations

import json

from .. import _paths
from . import write
from .sheet import spec

#: Plan-level fields in the template's header block.
BLOCK = ("plan_id", "title", "date", "catalog_edition", "stage", "agency_name", "agency_code", "agency_region")
#: Line-table columns of the blank plan sheet (award columns are added by convert when a plan has them).
COLUMNS = ("project_id", "project_name", "procurement_method", "nature", "evaluation_method", "price_weight",
           "green_bonus_points", "green_price_deduction_pct", "line_id", "category_code", "name", "product_type",
           "quantity", "unit", "unit_price", "amount", "energy_saving", "environmental_label",
           # life-cycle cost and green value (lvcai lcc): the project's service life, the grade the documents
           # require, and the use-phase inputs a product type needs (empty where they do not apply)
           "service_life_years", "design_solution", "grade_required", "lcc_category", "rated_cooling_kw",
           "full_load_hours", "uses_per_day", "seconds_per_use", "days_per_year", "reference_loss_kwh_24h",
           "installation_cost", "maintenance_cost_per_year", "end_of_life_cost", "residual_value")
EXAMPLE = "office-equipment-compliant.json"
#: Rows of the blank table that get drop-downs and number formats.
ROWS = 500
_TITLES = {"plan": {"zh": "计划", "en": "Plan"}, "example": {"zh": "示例", "en": "Example"},
           "lists": {"zh": "清单品目", "en": "List categories"}}
_LIST_HEAD = {"zh": ["清单", "版本", "行", "品目名称", "产品类型", "2013 目录编码", "2022 目录编码", "采购要求"],
              "en": ["List", "Edition", "Row", "Name", "Product type", "2013 code", "2022 code", "Obligation"]}


def _example_doc():
    """The bundled compliant plan (installed beside rules/ by setup.cfg data_files)."""
    return json.loads((_paths.home() / "examples" / EXAMPLE).read_text(encoding="utf-8"))


def to_csv(lang: str = "zh") -> bytes:
    import csv
    import io
    labels = spec()["x-labels"]
    buf = io.StringIO()
    w = csv.writer(buf, lineterminator="\r\n")
    for f in BLOCK:
        w.writerow([labels[f][lang], ""])
    w.writerow([])
    w.writerow([labels[f][lang] for f in COLUMNS])
    return ("\ufeff" + buf.getvalue()).encode("utf-8")


def to_xlsx(lang: str = "zh", lists=None) -> bytes:
    """``lists``: a checker.lists.Lists for the list-categories sheet (its editions in force)."""
    from openpyxl import Workbook
    from openpyxl.utils import get_column_letter
    from openpyxl.worksheet.datavalidation import DataValidation
    sp = spec()
    wb = Workbook()
    ws = wb.active
    ws.title = _TITLES["plan"][lang]
    header, columns = write.fill_sheet(ws, None, lang, comments=True, fields=list(COLUMNS), block_fields=BLOCK)
    first, last = header + 1, header + ROWS
    _fillable(ws, columns, first, last, lang, sp)
    for i, f in enumerate(BLOCK, 1):
        dv = _drop_down(f, lang, sp)
        if dv is not None:
            ws.add_data_validation(dv)
            dv.add(f"B{i}")
    if sp["x-kinds"]["price_weight"] == "number":
        pw = DataValidation(type="decimal", operator="between", formula1="0", formula2="100", allow_blank=True)
        ws.add_data_validation(pw)
        for f in ("price_weight", "green_price_deduction_pct"):
            letter = get_column_letter(columns[f])
            pw.add(f"{letter}{first}:{letter}{last}")
    # Printed, the blank sheet is two landscape pages wide: its 30-odd columns on one page would be
    # too small to fill in by hand
    ws.page_setup.fitToWidth = 2
    _factors_sheet(wb.create_sheet(sp["x-factors"]["x-sheet"][lang]), lang)
    write.fill_sheet(wb.create_sheet(_TITLES["example"][lang]), _example_doc(), lang, comments=False)
    if lists is not None:
        _lists_sheet(wb.create_sheet(_TITLES["lists"][lang]), lists, lang)
    return write.save(wb)


def _factors_sheet(ws, lang):
    """The blank evaluation factors sheet: guidance, headers with their help, drop-downs and bounds."""
    merged = spec()["_merged"]
    header, columns = write.fill_factor_sheet(ws, None, lang, comments=True, guide=True)
    _fillable(ws, columns, header + 1, header + ROWS, lang, merged)


def _fillable(ws, columns, first, last, lang, sp):
    """The rows ``first``..``last`` of a blank table made ready to fill in: each column's drop-down and
    bounds (from ``sp``, the sheet schema) and its cell format."""
    from openpyxl.utils import get_column_letter
    for f, c in columns.items():
        letter = get_column_letter(c)
        for dv in (_drop_down(f, lang, sp), _bounds(f, lang, sp)):
            if dv is not None:
                ws.add_data_validation(dv)
                dv.add(f"{letter}{first}:{letter}{last}")
        kind = sp["x-kinds"][f]
        for r in range(first, last + 1):
            write._format(ws.cell(row=r, column=c), kind)


def _drop_down(f, lang, sp):
    from openpyxl.worksheet.datavalidation import DataValidation
    words = sp["x-write"].get(f)
    if not words or sp["x-kinds"][f] == "enumlist":
        return None
    shown = [w[lang] if isinstance(w, dict) else w for w in words.values()]
    dv = DataValidation(type="list", formula1='"' + ",".join(shown) + '"', allow_blank=True)
    dv.error = {"zh": "请从下拉列表中选择：", "en": "Choose from the list: "}[lang] + "、".join(shown)
    dv.errorTitle = sp["x-labels"][f][lang]
    dv.prompt = sp["x-help"].get(f, sp["x-labels"][f])[lang]
    dv.showErrorMessage = dv.showInputMessage = True
    return dv


#: What a bounded cell must hold, said when Excel or WPS refuses a value.
_BOUND_WORDS = {"integer": {"zh": "请填 {lo} 至 {hi} 的整数", "en": "A whole number from {lo} to {hi}"},
                "between": {"zh": "请填 {lo} 至 {hi} 的数", "en": "A number from {lo} to {hi}"},
                "above": {"zh": "请填大于 {lo} 且不超过 {hi} 的数", "en": "A number above {lo}, at most {hi}"}}


def _bounds(f, lang, sp):
    """Cell validation from the column's bounds in schemas/sheet.schema.json (``properties``: minimum,
    exclusiveMinimum, maximum, type integer), or None for a column without bounds."""
    from openpyxl.worksheet.datavalidation import DataValidation
    prop = sp["properties"].get(f, {})
    lo = prop.get("minimum", prop.get("exclusiveMinimum"))
    hi = prop.get("maximum")
    if lo is None or hi is None:
        return None
    integer = prop.get("type") == "integer"
    # Excel's "between" is inclusive: at an exclusive minimum the cell still takes the minimum itself,
    # and the check of the plan (schemas/plan.schema.json) refuses it with the cell named
    dv = DataValidation(type="whole" if integer else "decimal", operator="between", formula1=str(lo),
                        formula2=str(hi), allow_blank=True)
    words = _BOUND_WORDS["integer" if integer else "above" if "exclusiveMinimum" in prop else "between"]
    dv.error = words[lang].format(lo=lo, hi=hi)
    dv.errorTitle = sp["x-labels"][f][lang]
    dv.prompt = sp["x-help"].get(f, sp["x-labels"][f])[lang]
    dv.showErrorMessage = dv.showInputMessage = True
    return dv


def _lists_sheet(ws, lists, lang):
    from openpyxl.styles import Font
    from ..i18n import label
    ws.append(_LIST_HEAD[lang])
    for c in ws[1]:
        c.font = Font(bold=True)
    for d in lists.all_editions():
        title = d["title"][lang] if isinstance(d.get("title"), dict) else d["list"]
        for row in d["rows"]:
            ws.append([title, d["edition"], row["id"], row["name"], row.get("product_type") or "", row.get("code_2013") or "",
                       "、".join(row.get("codes_2022") or ()), label(row["obligation"], lang)])
    for letter, width in zip("ABCDEFGH", (34, 8, 12, 24, 20, 14, 22, 14)):
        ws.column_dimensions[letter].width = width
    ws.freeze_panes = "A2"
