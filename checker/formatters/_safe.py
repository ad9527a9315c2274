"""Plan text made safe for each output, in one place.

Plans and waivers come from outside; their strings may hold anything JSON can carry: control
characters (``\\x01``, ``\\x1b``), lone surrogates (``"\\ud800"`` in the JSON, or a file name whose
bytes are not UTF-8), the non-characters U+FFFE and U+FFFF. What the outputs do with them:

- :func:`visible` (every XLSX cell, the HTML and PDF reports, Markdown): control characters other
  than tab, LF and CR are shown as a hex escape (``\\x01``, ``\\x1b``, ``\\x7f``); a lone surrogate,
  U+FFFE or U+FFFF becomes the replacement character U+FFFD. XML 1.0 (so XLSX) cannot hold most of
  them at all (openpyxl raises ``IllegalCharacterError``), HTML calls them parse errors, and the
  others are invisible, so a reader would not know they are there. (Unicode's "control pictures",
  ␁ ␛, would be nicer, but no CJK font has them: the PDF would show empty boxes.) A backslash of the
  plan itself is left as it is, so ``\\x01`` in a plan and U+0001 look the same; the JSON output
  keeps the exact text.
- :func:`terminal` (text output): the same, and LF, CR and the Unicode line separators too, so that
  one value can neither act on the reader's terminal (``\\x1b[2J``) nor forge a line of the layout.
- :func:`encodable` (every str output, before it is encoded): lone surrogates become U+FFFD, so the
  output can always be written as UTF-8.
"""
from __future__ import annotations

import re

_REPLACEMENT = "\ufffd"

# XML 1.0 Char excludes the C0 controls, surrogates and U+FFFE/U+FFFF (openpyxl's own check,
# ILLEGAL_CHARACTERS_RE, covers only the controls); DEL and the C1 controls are legal but invisible.
_CONTROLS = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f\ud800-\udfff\ufffe\uffff]")
# Everything a terminal acts on, and line breaks, which would forge lines of the layout.
_TERMINAL = re.compile("[\x00-\x08\x0a-\x1f\x7f-\x9f\u2028\u2029\ud800-\udfff]")
_SURROGATE = re.compile("[\ud800-\udfff]")
_SHORT = {"\n": "\\n", "\r": "\\r", "\u2028": "\\u2028", "\u2029": "\\u2029"}


def _picture(ch: str) -> str:
    """One unsafe character as something every font can show: a control as its escape, a surrogate
    or non-character as U+FFFD."""
    if ch in _SHORT:
        return _SHORT[ch]
    code = ord(ch)
    return f"\\x{code:02x}" if code <= 0x9F else _REPLACEMENT


def _shown(m) -> str:
    return _picture(m.group())


def visible(text: str) -> str:
    """``text`` with its control characters visible (tab, LF and CR stay): what an XLSX cell can
    hold, and what HTML, PDF and Markdown show as it is."""
    return _CONTROLS.sub(_shown, text)


def terminal(value) -> str:
    """One value of the text output, inert on a terminal and on one line."""
    return _TERMINAL.sub(_shown, str(value))


def encodable(text: str) -> str:
    """``text`` with lone surrogates replaced by U+FFFD (fast when there are none: one encode)."""
    try:
        text.encode("utf-8")
    except UnicodeEncodeError:
        return _SURROGATE.sub(_REPLACEMENT, text)
    return text
