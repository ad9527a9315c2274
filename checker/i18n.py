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
    key = str(value).lower() if isinstance(value, bool) else str(value)
    entry = catalogue()["labels"].get(key)
    return entry[lang] if entry else str(value)


def text(key: str, lang: str) -> str:
    return catalogue()["text"][key][lang]


def rows_text(rows, lang: str) -> str:
    sep = "、" if lang == "zh" else ", "
    fmt = "{}（{}）" if lang == "zh" else "{} ({})"
    return sep.join(fmt.format(r.name, label(r.obligation, lang)) for r in rows)


class _Formatter(string.Formatter):
    def __init__(self, lang):
        super().__init__()
        self.lang = lang

    def get_value(self, key, args, kwargs):
        if key in _ROW_FIELDS:
            return rows_text(kwargs["rows"].get(_ROW_FIELDS[key], ()), self.lang)
        value = kwargs[key]
        if isinstance(value, dict) and set(value) == set(LANGS):
            return value[self.lang]
        return value

    def convert_field(self, value, conversion):
        if conversion == "l":
            return label(value, self.lang)
        return super().convert_field(value, conversion)


def placeholders(template: str):
    """The field names a message template uses."""
    return [name.split(".")[0].split("[")[0] for _, name, _, _ in string.Formatter().parse(template) if name]


def render(template: str, context: dict, lang: str) -> str:
    return _Formatter(lang).vformat(template, (), context)
