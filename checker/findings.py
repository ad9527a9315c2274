"""Findings and results: immutable records, made once and never completed afterwards."""
from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass, field

from . import i18n

SEVERITIES = ("info", "warning", "error")   # weakest first

#: Exit codes of every command.
EXIT_OK, EXIT_FINDINGS, EXIT_UNCHECKABLE = 0, 1, 2

#: Reserved rule ids for plans that could not be checked: unreadable or not JSON, schema, duplicate ids.
CHK_PARSE, CHK_SCHEMA, CHK_DUPLICATE = "CHK-000", "CHK-001", "CHK-002"
#: A checked plan whose own figures disagree (quantity × unit price vs amount, lines vs project
#: budget): a warning without legal basis, from checker/plans/consistency.py.
CHK_ARITHMETIC = "CHK-003"
#: How a plan was read, where it was read otherwise than written or not all of it was read (a JSON
#: file in GB18030, columns ignored, a hidden sheet): an info finding without legal basis.
CHK_READ = "CHK-004"
#: A field the plan format does not know: a warning on a checked plan (with --strict, the plan is
#: not checkable instead, under CHK-001). CHK-005, as CHK-003 and CHK-004 were taken first.
CHK_UNKNOWN_FIELD = "CHK-005"

_NUM = re.compile(r"(\d+)")


def basis_text(legal_basis) -> str:
    """A legal basis as one line: "doc clause；doc clause" (every output writes it this way)."""
    return "；".join(f"{b['doc']} {b['clause']}" for b in legal_basis)


def pointer_key(ptr: str):
    """Sort key that puts /projects/2 before /projects/10."""
    # isdecimal, not isdigit: "²" is a digit that int() refuses (an unknown field named "x²" put it
    # in a pointer, and the check raised)
    return tuple(int(t) if t.isdecimal() else t for t in _NUM.split(ptr))


class _OneLanguage(Mapping):
    """{lang: text} of one language, read-only; ``text`` is the subclass's."""
    __slots__ = ()

    def __getitem__(self, lang):
        if lang == self.lang:
            return self.text
        raise KeyError(lang)

    def __iter__(self):
        return iter((self.lang,))

    def __len__(self):
        return 1

    def __repr__(self):
        return repr({self.lang: self.text})

    def __reduce__(self):   # the batch's workers send findings to their parent: as the text
        return OneLang, (self.lang, self.text)


class OneLang(_OneLanguage):
    """A finding's message in the one language a command shows ({lang: text}, read-only): 48 bytes
    where a dict of one key takes 184, and a plan of 100,000 lines can have 225,000 findings, each
    with its own message. Compares equal to the dict it stands for."""
    __slots__ = ("lang", "text")

    def __init__(self, lang: str, text: str):
        self.lang, self.text = lang, text


class Later(_OneLanguage):
    """A finding's message in one language, rendered from its template when read: the values its
    placeholders name are kept (``names``/``values``: the message context's, the same objects),
    not the text. A message is unique per line (the line's name and code), about 240 bytes of text
    beside this record's 56 and its tuple of shared values; a plan of 100,000 lines has 225,000.
    Reads as :class:`OneLang` of the text :func:`checker.i18n.render` makes of the whole context;
    sent to another process as that text."""
    __slots__ = ("lang", "template", "names", "values")

    def __init__(self, lang: str, template: str, names: tuple, values: tuple):
        self.lang, self.template, self.names, self.values = lang, template, names, values

    @property
    def text(self) -> str:
        return i18n.render_values(self.template, self.names, self.values, self.lang)


@dataclass(frozen=True, slots=True)   # slots: a plan of 100,000 lines can have 200,000 findings
class Finding:
    source: str            # file name or "<stdin>"
    pointer: str           # RFC 6901 pointer into the plan
    rule_id: str
    severity: str          # info | warning | error
    title: dict            # {zh, en}
    message: dict          # {lang: text} for the languages asked for
    remediation: dict      # {zh, en}
    legal_basis: tuple     # ({doc, clause, …}, …)
    plan_id: str | None = None
    project_id: str | None = None
    line_id: str | None = None
    values: tuple = ()     # ((field, value), …): what the rule tested
    list_rows: tuple = ()  # row briefs the finding rests on
    status: str = "open"   # open | waived
    waiver: dict | None = None   # the waiver that matched: justification, approver, approval_ref, expires (, expired)
    profile_note: dict | None = None   # the profile changed the rule's severity: {by_profile, from, reason {zh, en}}

    @property
    def unverified_rows(self):
        return tuple(r for r in self.list_rows if not r["verified"])

    def sort_key(self):
        return (self.source, pointer_key(self.pointer), -SEVERITIES.index(self.severity), self.rule_id,
                tuple(sorted(self.message.items())))


@dataclass(frozen=True)
class PlanResult:
    """One input's outcome: checked with findings, or not checkable with the reasons."""
    source: str
    sha256: str
    plan_id: str | None
    checkable: bool
    findings: tuple = ()
    errors: tuple = ()     # (pointer, message) for a plan that could not be checked
    meta: dict = field(default_factory=dict)   # agency, date, stage, editions, items …

    def counts(self):
        """Open findings by severity (waived ones are counted apart: :meth:`waived`)."""
        c = dict.fromkeys(reversed(SEVERITIES), 0)
        for f in self.findings:
            if f.status == "open":
                c[f.severity] += 1
        return c

    def waived(self):
        return sum(1 for f in self.findings if f.status == "waived")

    def verdict(self):
        if not self.checkable:
            return "not_checkable"
        return "not_compliant" if self.counts()["error"] else "compliant"

    def worst(self):
        open_ = [SEVERITIES.index(f.severity) for f in self.findings if f.status == "open"]
        return SEVERITIES[max(open_)] if open_ else None


def at_or_above(counts: dict, fail_on: str = "error") -> bool:
    """True when ``counts`` (severity → number of open findings) has one at or above ``fail_on``."""
    threshold = SEVERITIES.index(fail_on)
    return any(n for s, n in counts.items() if SEVERITIES.index(s) >= threshold)


def exit_code(results, fail_on: str = "error") -> int:
    """0 when nothing open is at or above ``fail_on``, 1 when something is, 2 when a plan was not checkable."""
    if any(not r.checkable for r in results):
        return EXIT_UNCHECKABLE
    return EXIT_FINDINGS if any(at_or_above(r.counts(), fail_on) for r in results) else EXIT_OK
