"""Machine output: one JSON document per run, as schemas/findings.schema.json describes."""
from __future__ import annotations

import json
import math

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


def data(results, meta, lang="zh", heads=None, known=None) -> bytes:
    """``text(...).encode("utf-8")``, made as bytes: the parts findings share are kept encoded
    (:func:`_constant`), so only what is written per finding is encoded. Writing :func:`text`
    encoded all of it, the legal bases and list rows (nine tenths of a finding's text) again for
    every finding: about 0.3 µs less per line of a batch round."""
    return b"".join(_pieces(results, meta, lang, heads, known, True))


def chunks(results, meta, lang="zh", heads=None, known=None):
    """The same text as :func:`render`, in pieces: the document is never held whole, nor its text.

    A plan of 100,000 lines with a finding on each made a document of 225,000 finding dicts and a
    455 MB string (and its bytes) at once; here a block of at most _BLOCK findings' text exists at a
    time. Each piece is what :func:`dumps` writes there (json.dumps writes a dict as ``{`` key ``: ``
    value joined by ``, `` ``}``), so the bytes are the same; tests/test_reports.py compares them on
    every example."""
    return _pieces(results, meta, lang, heads, known, False)


def _pieces(results, meta, lang, heads, known, as_bytes):
    """:func:`chunks`'s pieces, as str or (``as_bytes``) as their UTF-8 bytes."""
    out = str.encode if as_bytes else str   # str.encode: UTF-8 (lone surrogates are gone: _safe.encodable)
    yield out(f'{{"schema_version": {_ENCODE(SCHEMA_VERSION)}, "provenance": {_provenance_text(_provenance(meta), known)}, "results": [')
    for i, r in enumerate(results):
        where = f"/results/{i}"
        head = _piece(heads[i] if heads is not None else result_head(r, lang), where)[:-1] + ', "findings": ['
        yield out((", " if i else "") + head)
        places = _report.places(r) if r.findings else None
        findings = r.findings
        for j in range(0, len(findings), _BLOCK):
            if j:
                yield out(", ")
            yield _block(r, findings[j:j + _BLOCK], lang, places, f"{where}/findings", j, as_bytes)
        yield out('], "errors": ' + _piece(_errors(r), f"{where}/errors") + "}")
    yield out("]}\n")


#: Findings written per piece: a block's text is small beside a huge plan's 225,000 findings.
_BLOCK = 256


def _block(r, findings, lang, places, where, first, as_bytes=False):
    """The ``findings`` of result ``r`` (from index ``first``) as their JSON texts joined by ``, ``:
    what :func:`dumps` writes for their :func:`finding_dict`, without the list's brackets (as UTF-8
    bytes when ``as_bytes``). A value JSON cannot hold is named by its own finding's pointer, as one
    finding at a time would."""
    try:
        parts = []
        for f in findings:
            parts.extend(_finding_parts(f, lang, _ASK, r, places, as_bytes))
    except ValueError:
        # a non-finite number: encode the dicts one at a time to name its place; or (as_bytes) a
        # lone surrogate, which UnicodeEncodeError is a ValueError: _piece makes it U+FFFD
        plain = _report.plain_remediation
        dicts = [finding_dict(f, lang, plain(r, f, lang, places)) for f in findings]
        text = ", ".join(_piece(d, f"{where}/{first + k}") for k, d in enumerate(dicts))
        return text.encode("utf-8") if as_bytes else text
    parts.pop()   # the last finding's ", "
    if as_bytes:   # each part encoded strictly: a lone surrogate raised above
        return b"".join(parts)
    text = "".join(parts)
    try:
        # Lone surrogates (made U+FFFD by _safe.encodable) can only be in the parts encoded per
        # finding (odd places) or a combination's text (checked once, in _constant): the block's
        # whole text, nine tenths of it the combinations', is not encoded once more to find them.
        "".join(parts[1::2]).encode("utf-8")
    except UnicodeEncodeError:
        return _safe.encodable(text)
    return text


_STR = json.encoder.encode_basestring   # what the encoder of _ENCODE writes a str as (ensure_ascii=False)
_ASK = object()   # _finding_parts's plain remediation: _report.plain_remediation's


def _value(v) -> str:
    """``v`` as JSON text, as :func:`dumps` writes it inside a document."""
    return _STR(v) if type(v) is str else "null" if v is None else _ENCODE(v)


def _finding_text(f, lang, plain=None) -> str:
    """``_ENCODE(finding_dict(f, lang, plain))`` (lone surrogates aside: see _block)."""
    return "".join(_finding_parts(f, lang, plain)[:-1])


def _finding_parts(f, lang, plain=None, r=None, places=None, as_bytes=False) -> tuple:
    """A finding's JSON text and ", " in twelve pieces, the text written per finding at the odd
    places: the parts a finding shares with the other findings of its rule, tested values and list
    rows (:func:`_constant`) come from their text, only the place, message, plain remediation and
    waiver are encoded per finding; no dict is made. ``plain`` _ASK: the plain remediation of ``f``
    in result ``r`` (``places``: _report.places of ``r``). ``as_bytes``: the pieces in UTF-8, the
    shared ones from their bytes (made once), the others encoded strictly (UnicodeEncodeError on a
    lone surrogate)."""
    c = _constant(f, lang)
    if plain is _ASK:
        # a remediation naming no field is the same str for every finding of the combination:
        # plain_remediation would return c[5] itself (fixed_remediation), without being asked;
        # else it is filled in (filled_remediation, the fixed text not looked up again)
        plain = c[5] if c[5] is not None else _report.filled_remediation(r, f, lang, places)
    if plain is None:
        rest = ""
    elif plain is c[5]:
        rest = c[6]
    else:
        rest = ', "remediation_plain": ' + (_STR(plain) if type(plain) is str else _value(plain))
    if f.waiver:
        rest += ', "waiver": ' + _ENCODE(dict(f.waiver))
    p, project, line, message = f.pointer, f.project_id, f.line_id, f.message[lang]
    s = _STR   # most are str (a line's ids, its message): written without a call to _value
    p = s(p) if type(p) is str else _value(p)
    project = s(project) if type(project) is str else _value(project)
    line = s(line) if type(line) is str else _value(line)
    message = s(message) if type(message) is str else _value(message)
    if as_bytes:
        b, e = c[7], str.encode
        return (b[0], e(p), b', "project_id": ', e(project), b', "line_id": ', e(line), b[1], e(message), b[2],
                b[4] if rest is c[6] else e(rest), b[3], b", ")
    return (c[1], p, ', "project_id": ', project, ', "line_id": ', line, c[2], message, c[3], rest, c[4], ", ")


# A finding's rule id, severity, status, title, remediation, legal basis, tested values, list rows
# and severity change are the same in finding after finding of one rule, combination of values and
# list rows (the checker shares those objects: the rule's dicts, one tuple per distinct values and
# rows): their text, about nine tenths of a finding's, is made once per combination and process.
# The key holds the objects' ids and the entry the objects themselves, so an id in a key cannot be
# an object's that died and whose id went to another.
_CONSTANT: dict = {}
_CONSTANT_MAX = 4_000   # distinct combinations: about 100 in a 286-plan round; each entry about 5 KB (text and bytes)


def _constant(f, lang):
    """(kept objects, text before the pointer, between line id and message, between message and
    remediation_plain, the end, the fixed plain remediation (or None), its text, the UTF-8 bytes of
    the four texts and of the plain remediation's) of finding ``f`` in ``lang``."""
    key = (lang, f.rule_id, f.severity, f.status, id(f.title), id(f.remediation), id(f.legal_basis),
           id(f.values), id(f.list_rows), id(f.profile_note))
    hit = _CONSTANT.get(key)
    if hit is None:
        note = f.profile_note
        end = (', "severity_changed": ' + _ENCODE({"from": note["from"], "by_profile": note["by_profile"],
                                                   "reason": note["reason"][lang]}) if note else "") + "}"
        plain = _report.fixed_remediation(f, lang)
        safe = _safe.encodable   # lone surrogates made U+FFFD here, once (_block does not look)
        hit = ((f.title, f.remediation, f.legal_basis, f.values, f.list_rows, note),
               *map(safe, (f'{{"rule_id": {_value(f.rule_id)}, "severity": {_value(f.severity)}, "status": {_value(f.status)}, "pointer": ',
               f', "title": {_value(f.title[lang])}, "message": ',
               f', "remediation": {_value(f.remediation[lang])}, "legal_basis": {_text_of(f.legal_basis)}'
               f', "values": {_ENCODE(dict(f.values))}, "list_rows": {_rows_text(f.list_rows)}'
               f', "rests_on_unverified": {_ENCODE(bool(f.unverified_rows))}',
               end)), plain, None if plain is None else safe(', "remediation_plain": ' + _value(plain)))
        hit += (tuple(t.encode("utf-8") for t in (*hit[1:5], hit[6] or "")),)   # data(): the texts' bytes
        if len(_CONSTANT) >= _CONSTANT_MAX:
            _CONSTANT.clear()
        _CONSTANT[key] = hit
    return hit


# The legal basis (the rule's own tuple of dicts) and the list rows (the list's own row dicts) are
# the same objects in finding after finding: their JSON text is made once per object and process.
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
