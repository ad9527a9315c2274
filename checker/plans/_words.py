"""What the spreadsheet reader says, in zh and en: problems name a place (``Sheet1!D7``) and what
was expected; notes say what was read otherwise than written, or not read."""
from __future__ import annotations

from .. import i18n

WORDS = i18n.catalogue()["sheet_words"]   # reports/messages.json: the words are data, like every other message


def say(key: str, lang: str, **kw) -> str:
    return WORDS[key][lang].format(**kw)


def one_of(values, lang: str) -> str:
    """'a、b 或 c' / 'a, b or c'."""
    values = [str(v) for v in values]
    if len(values) <= 1:
        return "".join(values)
    return WORDS["list_sep"][lang].join(values[:-1]) + WORDS["or"][lang] + values[-1]
