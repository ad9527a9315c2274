"""The output's own words in zh and en (reports/messages.json), and rule messages filled in.

Rule messages are ``str.format`` templates over the finding's context. Two additions:
``{field!l}`` shows an enum value by its label (``mandatory`` → 强制采购★), and the names
``energy_rows`` / ``env_rows`` list the list rows the item resolved to, with their obligations.
"""
from __future__ import annotations

import json
import string
from functools import lru_cache

from . import _paths

LANGS = ("zh", "en")
_ROW_FIELDS = {"energy_rows": "energy_saving", "env_rows": "environmental_label"}


@lru_cache(maxsize=None)
def catalogue() -> dict:
    return json.loads((_paths.reports_dir() / "messages.json").read_text(encoding="utf-8"))


def label(value, lang: str) -> str:
    try:
        return _label(value, lang)
    except TypeError:   # a value that cannot be a memo's key (a list): looked up as it is
        return _label.__wrapped__(value, lang)


# typed: True and 1 (equal, one hash) have labels of their own ("true" and "1"). A message names an
# enum's label once or twice, a line's list rows each one: the memo saves the look-ups of 4 labels
# per finding (about 1 µs). Bounded: a plan's own values (a field named by {x!l}) could be many.
@lru_cache(maxsize=4096, typed=True)
def _label(value, lang: str) -> str:
    key = str(value).lower() if isinstance(value, bool) else str(value)
    entry = catalogue()["labels"].get(key)
    return entry[lang] if entry else str(value)


def text(key: str, lang: str) -> str:
    return catalogue()["text"][key][lang]


def schema_message(message: str, lang: str) -> str:
    """A schema or parse problem in ``lang`` (the patterns of jsonschema's messages in messages.json);
    a message no pattern knows is shown as it is."""
    import re
    for pattern, texts in catalogue()["schema_messages"]:
        m = re.match(pattern, message)
        if m:
            return texts[lang].format(**m.groupdict())
    return message


def rows_text(rows, lang: str) -> str:
    """The list rows ``rows`` (lists.Row: frozen) with their obligations, as a message names them.
    Lines of one code share their tuple of rows (checker.api keeps one per distinct set): the text is
    made once per tuple and language (a message names up to ten rows). The memo keeps the tuple, so
    its id in a key stays its own."""
    if type(rows) is not tuple:   # a list could change: no memo
        return _rows_text(rows, lang)
    key = (id(rows), lang)
    hit = _ROWS_TEXT.get(key)
    if hit is None:
        if len(_ROWS_TEXT) >= 2_000:   # distinct sets of rows: a few hundred; a report's (formatters/_report.py
            _ROWS_TEXT.clear()           # _Context) are made per finding: bounded to a few MB
        hit = _ROWS_TEXT[key] = (rows, _rows_text(rows, lang))
    return hit[1]


_ROWS_TEXT: dict = {}


def _rows_text(rows, lang: str) -> str:
    sep = "、" if lang == "zh" else ", "
    fmt = "{}（{}）" if lang == "zh" else "{} ({})"
    return sep.join(fmt.format(r.name, label(r.obligation, lang)) for r in rows)


def placeholders(template: str):
    """The field names a message template uses."""
    return [name.split(".")[0].split("[")[0] for _, name, _, _ in string.Formatter().parse(template) if name]


@lru_cache(maxsize=None)
def _compile(template: str):
    """[(literal, name, key, conversion, spec)]: parsed once per template, not per finding."""
    parts = []
    for literal, name, spec, conversion in string.Formatter().parse(template):
        key = None
        if name and "[" in name:
            name, key = name[:-1].split("[", 1)
        parts.append((literal, name, key, conversion, spec or ""))
    return tuple(parts)


@lru_cache(maxsize=None)
def fixed(template: str):
    """What :func:`render` makes of ``template`` when it names no field (the same str object every
    time), else None."""
    parts = _compile(template)
    return None if any(name is not None for _, name, *_ in parts) else "".join(p[0] for p in parts)


def render(template: str, context: dict, lang: str) -> str:
    out = []
    for literal, name, key, conversion, spec in _compile(template):
        out.append(literal)
        if name is None:
            continue
        if name in _ROW_FIELDS:
            value = rows_text(context["rows"].get(_ROW_FIELDS[name], ()), lang)
        else:
            value = context[name]
            if key is not None:
                value = value[key]
            if isinstance(value, dict) and set(value) == set(LANGS):
                value = value[lang]
        if conversion == "l":
            value = label(value, lang)
        elif conversion:
            value = repr(value) if conversion == "r" else str(value)
        out.append(format(value, spec))
    return "".join(out)


@lru_cache(maxsize=256)
def _positional(template: str, names: tuple):
    """``template`` as a str.format text of positional fields, and per field (index of its value in
    ``names``, list kind of a row field, key, conversion); None when a spec nests a field (rendered
    the plain way). A name given twice is its last value's, as in dict(zip(names, values))."""
    at = {name: i for i, name in enumerate(names)}
    fmt, fields = [], []
    for literal, name, key, conversion, spec in _compile(template):
        fmt.append(literal.replace("{", "{{").replace("}", "}}"))
        if name is None:
            continue
        if "{" in spec or "}" in spec:
            return None
        rows = _ROW_FIELDS.get(name)
        fields.append((at["rows" if rows else name], rows, key, conversion))
        fmt.append("{:" + spec + "}" if spec else "{}")
    return "".join(fmt), tuple(fields)


def render_values(template: str, names: tuple, values: tuple, lang: str) -> str:
    """``render(template, dict(zip(names, values)), lang)`` without the dict (a finding's message,
    findings.Later: about 0.5 µs less per message), the template's literal text written by
    str.format."""
    try:
        plan = _positional(template, names)
    except KeyError:   # a field the names lack: render raises the same KeyError
        plan = None
    if plan is None:
        return render(template, dict(zip(names, values)), lang)
    fmt, fields = plan
    args = []
    for index, rows, key, conversion in fields:
        value = values[index]
        if rows is not None:
            value = rows_text(value.get(rows, ()), lang)
        else:
            if key is not None:
                value = value[key]
            if type(value) is not str and isinstance(value, dict) and set(value) == set(LANGS):
                value = value[lang]
        if conversion:
            value = label(value, lang) if conversion == "l" else repr(value) if conversion == "r" else str(value)
        args.append(value)
    return fmt.format(*args)
