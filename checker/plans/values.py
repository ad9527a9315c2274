"""Cell values as people write them → the values of the plan contract, exactly.

Amounts and numbers become :class:`decimal.Decimal` (no float on the way: ``"1,200.10"`` is
``Decimal("1200.10")``); a number Excel stored is read with the 15 significant digits Excel shows, so a
formula's binary residue (``45003.000000000007``) is read as the ``45003`` the user sees. Dates become
``YYYY-MM-DD``. Each reader returns ``(value, None)`` or ``(None, kind_of_problem)``; the caller words the
problem with the cell's place and the column's expectation (schemas/sheet.schema.json x-expect).
"""
from __future__ import annotations

import datetime as _dt
import re
import unicodedata
from decimal import Decimal, InvalidOperation

_KEY_DROP = re.compile(r"[\s_\-]+")
_TRAIL = re.compile(r"[:：*★]+$")


def norm_key(text) -> str:
    """A header, label or closed value as compared: NFKC (full-width → half-width), no case, no
    spaces, underscores or hyphens, no trailing colon or required-mark."""
    s = unicodedata.normalize("NFKC", str(text)).strip().lower()
    s = _TRAIL.sub("", s)
    return _KEY_DROP.sub("", s)


def clean_text(value) -> str:
    """Plain text as written, without leading and trailing spaces (ASCII or full-width)."""
    if isinstance(value, float) and value.is_integer():
        value = int(value)
    return str(value).strip().strip("\u3000").strip()


def clean_code(value) -> str:
    """Identifiers and codes: full-width letters and digits become ASCII, spaces go."""
    if isinstance(value, float) and value.is_integer():
        value = int(value)
    return re.sub(r"\s+", "", unicodedata.normalize("NFKC", str(value)))


def excel_number(value) -> Decimal:
    """A number as Excel shows it: 15 significant digits (Excel's precision), exactly."""
    if isinstance(value, bool):
        raise TypeError("a boolean is not a number")
    if isinstance(value, int):
        return Decimal(value)
    return Decimal(format(value, ".15g"))


_MONEY_PREFIX = re.compile(r"^(?:¥|rmb|cny|人民币)", re.I)
_GROUPED = re.compile(r"^[+-]?\d{1,3}(?:,\d{3})+(?:\.\d+)?$")
_PLAIN = re.compile(r"^[+-]?(?:\d+(?:\.\d*)?|\.\d+)$")


def parse_number(value, money: bool = False, percent_ok: bool = False):
    """(Decimal, None) or (None, "number"): 1200, "1,200.00", "¥1,200.00", "1200元", "1.2万元",
    full-width digits; with ``percent_ok`` "30%" is 30."""
    if isinstance(value, (int, float)) and not isinstance(value, bool):
        try:
            return excel_number(value), None
        except (InvalidOperation, ValueError):
            return None, "number"
    s = unicodedata.normalize("NFKC", str(value)).strip()
    s = re.sub(r"\s+", "", s)
    scale = Decimal(1)
    if money:
        s = _MONEY_PREFIX.sub("", s)
        if s.endswith("万元"):
            s, scale = s[:-2], Decimal(10000)
        elif s.endswith("元"):
            s = s[:-1]
    elif percent_ok and s.endswith("%"):
        s = s[:-1]
    if _GROUPED.match(s):
        s = s.replace(",", "")
    if not _PLAIN.match(s):
        return None, "number"
    try:
        return Decimal(s) * scale, None
    except InvalidOperation:
        return None, "number"


_DATE_TEXT = re.compile(r"^(\d{4})\s*(?:[-/.]|年)\s*(\d{1,2})\s*(?:[-/.]|月)\s*(\d{1,2})\s*日?$")
_DATE_COMPACT = re.compile(r"^(\d{4})(\d{2})(\d{2})$")
#: Excel serial dates of 1900-01-01 .. 2100-12-31 (the plan schema's range).
_SERIAL_MIN, _SERIAL_MAX = 1, 73415


def parse_date(value, epoch: _dt.datetime | None = None):
    """(YYYY-MM-DD, None) or (None, "date"): date cells, 2026-03-10, 2026/03/10, 2026.3.10,
    2026年3月10日, 20260310, and Excel serial numbers (a date cell without its date format)."""
    if isinstance(value, _dt.datetime):
        return value.date().isoformat(), None
    if isinstance(value, _dt.date):
        return value.isoformat(), None
    if isinstance(value, (int, float)) and not isinstance(value, bool):
        if float(value).is_integer() and _SERIAL_MIN <= value <= _SERIAL_MAX:
            from openpyxl.utils.datetime import CALENDAR_WINDOWS_1900, from_excel
            return from_excel(int(value), epoch or CALENDAR_WINDOWS_1900).date().isoformat(), None
        return None, "date"
    s = unicodedata.normalize("NFKC", str(value)).strip()
    m = _DATE_TEXT.match(s) or _DATE_COMPACT.match(s)
    if not m:
        return None, "date"
    try:
        return _dt.date(int(m[1]), int(m[2]), int(m[3])).isoformat(), None
    except ValueError:
        return None, "date"


def parse_closed(value, spellings: dict):
    """(value, None) or (None, "enum"): a closed value by any of its spellings (compared as
    :func:`norm_key` compares)."""
    if isinstance(value, bool):
        value = "true" if value else "false"
    if isinstance(value, float) and value.is_integer():
        value = int(value)
    key = norm_key(value)
    for spelling, meaning in spellings.items():
        if norm_key(spelling) == key:
            return meaning, None
    return None, "enum"


_LIST_SEP = re.compile(r"[、,，;；/\n]+")


def parse_closed_list(value, spellings: dict):
    """A list of closed values separated by 、 , ; / or line breaks, in the order written, without repeats."""
    out = []
    for part in _LIST_SEP.split(str(value)):
        if not part.strip():
            continue
        v, problem = parse_closed(part, spellings)
        if problem:
            return None, problem
        if v not in out:
            out.append(v)
    return out, None


def is_empty(value) -> bool:
    return value is None or (isinstance(value, str) and not value.strip().strip("\u3000").strip())


def to_json_number(d: Decimal):
    """A Decimal as the JSON plan holds it: an int when whole, else the float json.loads would
    make from its exact text (so a spreadsheet plan and its converted JSON check alike)."""
    if d == d.to_integral_value():
        return int(d)
    return float(str(d))


def decimal_text(d: Decimal) -> str:
    """The exact decimal text of an amount: no exponent, no trailing zeros after the point."""
    if d == d.to_integral_value():
        return str(int(d))
    t = format(d.normalize(), "f")
    return t
