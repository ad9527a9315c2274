"""Machine output: one JSON document per run, as schemas/findings.schema.json describes."""
from __future__ import annotations

import json
import math
import os
import re

from ..errors import LvcaiError
from . import _evaluation, _green, _report, _safe

SCHEMA_VERSION = "1"


class NotJSON(LvcaiError):
    """A value JSON cannot represent reached the output (a bug upstream: plans with non-finite
    numbers are rejected before they are checked)."""


def finding_dict(f, lang, plain=None):
    return {
        "rule_id": f.rule_id, "severity": f.severity, "status": f.status, "pointer": f.pointer,
        "project_id": f.project_id, "line_id": f.line_id,
        "title": f.title[lang], "message": f.message[lang], "remediation": f.remediation[lang],
        # the rule's and the list's own dicts, shared, not copied: the document is only serialised
        "legal_basis": list(f.legal_basis),
        "values": dict(f.values),
        "list_rows": list(f.list_rows),
        "rests_on_unverified": bool(f.unverified_rows),
        **({"remediation_plain": plain} if plain is not None else {}),
        **({"waiver": dict(f.waiver)} if f.waiver else {}),
        **({"severity_changed": {"from": f.profile_note["from"], "by_profile": f.profile_note["by_profile"],
                                 "reason": f.profile_note["reason"][lang]}} if f.profile_note else {}),
    }


def result_dict(r, lang):
    out = result_head(r, lang)
    where = _report.places(r) if r.findings else None
    out["findings"] = [finding_dict(f, lang, _report.plain_remediation(r, f, lang, where)) for f in r.findings]
    out["errors"] = _errors(r)
    return out


def _errors(r):
    return [{"rule_id": rid, "pointer": ptr, "message": msg} for ptr, rid, msg in r.errors]


def result_head(r, lang):
    """A result's fields before its findings (every field but ``findings`` and ``errors``)."""
    out = {"source": r.source, "sha256": r.sha256, "plan_id": r.plan_id,
           "status": "checked" if r.checkable else "not_checkable", "verdict": r.verdict(),
           "assessment": _report.grade(r), "counts": r.counts(), "waived": r.waived()}
    if r.checkable:
        m = r.meta
        out.update({"agency": m["agency"], "date": m["date"], "stage": m["stage"],
                    "catalog_edition": m["catalog_edition"], "lists": m["lists"], "totals": m["totals"],
                    "at_risk_amount": _report.at_risk_amount(r), "categories": _report.categories(r)})
        parts = _evaluation.json_parts(m)
        if parts:
            out["life_cycle_cost"], out["green_value"] = parts
        if "not_applicable" in m:
            out["not_applicable"] = [{"rule_id": n["rule_id"], "title": n["title"][lang], "applies_at": n["applies_at"],
                                      "reason": n["reason"], "reason_text": _report.not_applicable_reason(n, lang)}
                                     for n in m["not_applicable"]]
        green = _green.json_part(r, lang)   # the green evaluation (issue 13): an added key
        if green is not None:
            out["green_evaluation"] = green
    return out


def document(results, meta, lang="zh") -> dict:
    return {"schema_version": SCHEMA_VERSION, "provenance": _provenance(meta),
            "results": [result_dict(r, lang) for r in results]}


def _provenance(meta):
    filing = meta.get("filing")
    if filing and filing.get("date_source") == "today":
        # Today's date is for the human reports' sign-off block; the JSON stays the same bytes tomorrow.
        meta = dict(meta, filing={k: v for k, v in filing.items() if k not in ("date", "date_source")})
    return meta


#: The encoder of :func:`dumps` (json.dumps with these options builds exactly this one).
_ENCODE = json.JSONEncoder(ensure_ascii=False, allow_nan=False).encode


def _piece(value, where):
    """``value`` as JSON text, as :func:`dumps` writes it inside the document at pointer ``where``."""
    try:
        return _safe.encodable(_ENCODE(value))
    except ValueError:
        found = _non_finite(value)
        if found is None:
            raise
        raise NotJSON(f"output: the number at {where}{'' if found == '/' else found} is not finite "
                      f"({_at(value, found) if found != '/' else value!r}); JSON cannot hold it") from None


def provenance_pieces(meta) -> dict:
    """key → (value, its JSON text) for the provenance fields ``meta`` shares with every run of a
    process (Checker.provenance: built once, never changed). :func:`chunks` writes a field whose
    value is that very object from the text: the batch writes 28 KB of provenance per plan."""
    return {k: (v, _piece(v, f"/provenance/{k}")) for k, v in meta.items() if isinstance(k, str)}


def _provenance_text(meta, known):
    if not known or not all(isinstance(k, str) for k in meta):
        return _piece(meta, "/provenance")
    parts = []
    for k, v in meta.items():
        hit = known.get(k)
        parts.append(f"{_ENCODE(k)}: {hit[1] if hit is not None and hit[0] is v else _piece(v, f'/provenance/{k}')}")
    return "{" + ", ".join(parts) + "}"


def text(results, meta, lang="zh", heads=None, known=None) -> str:
    """:func:`render`'s text made by :func:`chunks` (``heads``: the results' :func:`result_head`
    already made; ``known``: :func:`provenance_pieces`)."""
    return "".join(chunks(results, meta, lang, heads, known))


def chunks(results, meta, lang="zh", heads=None, known=None):
    """The same text as :func:`render`, in pieces: the document is never held whole, nor its text.

    A plan of 100,000 lines with a finding on each made a document of 225,000 finding dicts and a
    455 MB string (and its bytes) at once; here a block of at most _BLOCK findings' dicts and text exist at a time. Each piece
    is what :func:`dumps` writes there (json.dumps writes a dict as ``{`` key ``: `` value joined by
    ``, `` ``}``), so the bytes are the same; tests/test_reports.py compares them on every example."""
    yield f'{{"schema_version": {_ENCODE(SCHEMA_VERSION)}, "provenance": {_provenance_text(_provenance(meta), known)}, "results": ['
    for i, r in enumerate(results):
        where = f"/results/{i}"
        head = _piece(heads[i] if heads is not None else result_head(r, lang), where)[:-1] + ', "findings": ['
        yield (", " if i else "") + head
        places = _report.places(r) if r.findings else None
        findings = r.findings
        for j in range(0, len(findings), _BLOCK):
            part = findings[j:j + _BLOCK]
            block = [finding_dict(f, lang, _report.plain_remediation(r, f, lang, places)) for f in part]
            yield (", " if j else "") + _block(block, f"{where}/findings", j, part)
        yield '], "errors": ' + _piece(_errors(r), f"{where}/errors") + "}"
    yield "]}\n"


#: Findings encoded per call: one encoder call per finding cost more than the encoding itself (a
#: round's plans have tens of findings each); a block of this many dicts is still small beside a
#: huge plan's 225,000.
_BLOCK = 256


def _block(dicts, where, first, findings=None):
    """The findings ``dicts`` (from index ``first``) as their JSON texts joined by ``, ``: the list's
    text without its brackets, what :func:`dumps` writes for them. A value JSON cannot hold is named
    by its own finding's pointer, as one finding at a time would. ``findings``: the Finding of each
    dict, whose legal basis and list rows are then written from their texts (:func:`_shared`)."""
    try:
        text = _shared(dicts, findings) if findings is not None else None
        return _safe.encodable(text if text is not None else _ENCODE(dicts))[1:-1]
    except ValueError:
        return ", ".join(_piece(d, f"{where}/{first + k}") for k, d in enumerate(dicts))


# The legal basis (the rule's own tuple of dicts) and the list rows (the list's own row dicts) are
# three quarters of a finding's text and the same objects in finding after finding: their JSON text
# is made once per object and process (as the provenance's, see provenance_pieces) and put in place
# of a marker. The marker is random per process and counted: should a plan's text hold it, the
# block is encoded as it is, so the bytes are always json's.
_MARK = "lvcai-" + os.urandom(16).hex() + "-"
_MARKED = re.compile('"' + _MARK + r'(\d+)"')
_TEXTS: dict = {}     # id(object) → (object, its JSON text); the object kept, so its id stays its own
_TEXTS_MAX = 10_000   # the lists hold a few thousand rows; bounds memory should rows ever be made per finding


def _text_of(obj) -> str:
    hit = _TEXTS.get(id(obj))
    if hit is None or hit[0] is not obj:
        if len(_TEXTS) >= _TEXTS_MAX:
            _TEXTS.clear()
        hit = _TEXTS[id(obj)] = (obj, _ENCODE(obj))
    return hit[1]


def _rows_text(rows) -> str:
    return "[" + ", ".join(map(_text_of, rows)) + "]"


def _shared(dicts, findings):
    """The block's JSON text with each legal basis and list of rows written from cached texts; None
    when a marker turned up elsewhere in the text (then the caller encodes the block plainly)."""
    table, index = [], {}

    def marker(key, make, obj):
        k = index.get(key)
        if k is None:
            k = index[key] = len(table)
            table.append(make(obj))
        return _MARK + str(k)
    marked = []
    for d, f in zip(dicts, findings):
        basis, rows = f.legal_basis, f.list_rows
        d = dict(d, legal_basis=marker(id(basis), _text_of, basis),
                 list_rows=marker(tuple(map(id, rows)), _rows_text, rows))
        marked.append(d)
    text = _ENCODE(marked)
    if text.count(_MARK) != 2 * len(marked):
        return None
    return _MARKED.sub(lambda m: table[int(m.group(1))], text)


def _non_finite(value, path=""):
    """The JSON pointer of the first NaN or infinity in ``value``, or None."""
    if isinstance(value, float) and not math.isfinite(value):
        return path or "/"
    items = value.items() if isinstance(value, dict) else enumerate(value) if isinstance(value, (list, tuple)) else ()
    for k, v in items:
        found = _non_finite(v, f"{path}/{str(k).replace('~', '~0').replace('/', '~1')}")
        if found:
            return found
    return None


def dumps(doc, indent=None) -> str:
    """``doc`` as JSON text, always valid: NaN and Infinity (which json would print, and no JSON
    reader accepts) raise NotJSON naming the place; lone surrogates become U+FFFD. The one JSON
    encoder of the outputs (summary.json uses it too).

    No indent for findings: with one, json falls back to its pure-Python encoder (4.5x slower on 10k
    items)."""
    try:
        text = json.dumps(doc, ensure_ascii=False, allow_nan=False, indent=indent)
    except ValueError:
        where = _non_finite(doc)
        if where is None:
            raise
        raise NotJSON(f"output: the number at {where} is not finite ({_at(doc, where)!r}); JSON cannot hold it") from None
    return _safe.encodable(text) + "\n"


def _at(doc, pointer):
    for token in pointer.split("/")[1:]:
        token = token.replace("~1", "/").replace("~0", "~")
        doc = doc[token] if isinstance(doc, dict) else doc[int(token)]
    return doc


def render(results, meta, lang="zh", color=False) -> str:
    return dumps(document(results, meta, lang))
