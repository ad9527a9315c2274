"""Shenzhen's circular-economy catalog and suppliers' green qualifications, as the registry holds them
(kinds ``circular`` and ``qualifications`` of checker/refdata.py).

The catalog (深圳市政府采购循环经济产品(服务)目录) is published in batches. An *entry* is one product
or service of one enterprise: its credit code, product, brand and model, compared after
normalisation (:func:`norm`: NFKC, so full-width letters and digits are the plain ones; case folded;
spaces dropped). Each batch's row for an entry changes it: the row's non-empty cells replace the
earlier ones, so a later batch can suspend or remove an entry (with its date and reason) or change its
dates without restating the rest. The *catalog in force* is the result of every batch imported.

An entry is valid on a date when that date is on or after its ``valid_from`` (else the date of the
first batch that lists it), on or before its ``valid_until`` (if any), and no suspension or removal
applies on it: each suspension, removal or relisting is kept with its date (``events``), so a plan
dated before a removal still finds the entry, and one dated inside a suspension that a later batch
lifted does not.

Matching an award (:meth:`Catalog.match`): the enterprise by the supplier's credit code, then the
brand and model; an entry without a brand or model matches any. The verdict is ``matched`` (an entry
valid on the plan date), ``not_valid`` (an entry, but not valid on that date) or ``not_listed``, with
the entries nearest to what was claimed: the enterprise's other entries, else other enterprises'
entries of the same brand.
"""
from __future__ import annotations

import unicodedata

from . import i18n

#: The fields that identify an entry across batches.
KEY = ("credit_code", "product", "brand", "model")
#: What a diff compares between the catalog in force and a new file.
COMPARED = ("enterprise", "category_code", "valid_from", "valid_until", "status", "status_date", "reason")
#: How many nearest entries a finding names.
NEAREST = 3


def norm(text) -> str:
    """Text as matching compares it: NFKC (full-width → plain), case folded, without spaces."""
    return "".join(unicodedata.normalize("NFKC", text or "").casefold().split())


def entry_key(row) -> tuple:
    return (row["credit_code"].upper(), norm(row["product"]), norm(row.get("brand")), norm(row.get("model")))


def merge(rows, into: dict | None = None) -> dict:
    """key → entry: ``rows`` (oldest batch first) laid over ``into``; each entry lists its batches."""
    out = {k: {**e, "batches": list(e["batches"]), "events": list(e["events"])} for k, e in (into or {}).items()}
    for r in rows:
        k = entry_key(r)
        e = out.get(k)
        if e is None:
            e = out[k] = {"batches": [], "events": [], "first_listed": r["batch_date"]}
        was = e.get("status", "listed")
        for c, v in r.items():
            if v not in (None, "") and c not in ("batch_date", "document"):
                e[c] = v
        if r["status"] != "listed":
            e["events"].append({"date": r["status_date"], "status": r["status"], "reason": r.get("reason") or ""})
        elif was != "listed":      # listed again: from its status date, else from its batch's date
            e["events"].append({"date": r.get("status_date") or r["batch_date"], "status": "listed", "reason": r.get("reason") or ""})
            for c in ("status_date", "reason"):
                if not r.get(c):
                    e.pop(c, None)
        e["events"].sort(key=lambda x: x["date"])     # stable: on one day, the later batch's word last
        e.setdefault("brand", "")
        e.setdefault("model", "")
        e["batches"].append({"batch": r["batch"], "date": r["batch_date"], "document": r["document"], "status": r["status"]})
    return out


def status_on(entry, date: str):
    """(status, since, reason) of an entry on ``date``: the last suspension, removal or relisting
    that applies on or before that date; ("listed", None, "") when none does."""
    last = None
    for event in entry["events"]:
        if event["date"] <= date:
            last = event
    return (last["status"], last["date"], last["reason"]) if last else ("listed", None, "")


def valid_on(entry, date: str) -> bool:
    return why_not_valid(entry, date) is None


def why_not_valid(entry, date: str):
    """Why an entry is not valid on ``date``: (not_yet_valid | expired | suspended | removed, since,
    reason), or None when it is valid."""
    start = entry.get("valid_from") or entry["first_listed"]
    if start > date:
        return "not_yet_valid", start, ""
    if entry.get("valid_until") and entry["valid_until"] < date:
        return "expired", entry["valid_until"], ""
    status, since, reason = status_on(entry, date)
    return None if status == "listed" else (status, since, reason)


class Catalog:
    """The catalog in force, indexed by credit code and by brand."""

    def __init__(self, rows):
        self.entries = merge(rows)
        self.by_code, self.by_brand = {}, {}
        for k, e in sorted(self.entries.items()):
            self.by_code.setdefault(k[0], []).append(e)
            if k[2]:
                self.by_brand.setdefault(k[2], []).append(e)

    def match(self, credit_code, brand, model, date):
        """(verdict, the entry matched or found not valid, [nearest entries])."""
        mine = self.by_code.get((credit_code or "").upper(), [])
        b, m = norm(brand), norm(model)
        same = [e for e in mine if norm(e["brand"]) in ("", b) and norm(e["model"]) in ("", m)]
        for e in same:
            if valid_on(e, date):
                return "matched", e, []
        if same:
            return "not_valid", same[0], []
        near = [e for e in mine if valid_on(e, date)]
        if not near and b:
            near = [e for e in self.by_brand.get(b, []) if valid_on(e, date)]
        return "not_listed", None, near[:NEAREST]


#: Looked-up answers kept per opened registry (an import empties them): a round's plans name the same
#: suppliers and products again and again. Bounded, so a long-running service does not grow.
_MEMO_MAX = 50_000


def _memo(ref) -> dict:
    if ref.circular_cache is None:
        ref.circular_cache = {"catalog": None, "answers": {}}
    memo = ref.circular_cache
    if len(memo["answers"]) > _MEMO_MAX:
        memo["answers"].clear()
    return memo


def catalog(ref) -> Catalog:
    """The registry's catalog in force, read once per opened registry."""
    memo = _memo(ref)
    if memo["catalog"] is None:
        memo["catalog"] = Catalog(ref.circular_rows())
    return memo["catalog"]


def qualifications_on(ref, credit_code, date):
    """(valid on ``date``, not valid on it) qualifications of a supplier."""
    valid, other = [], []
    for q in ref.qualifications(credit_code):
        ok = q["valid_from"] <= date and (not q["valid_until"] or date <= q["valid_until"])
        (valid if ok else other).append(q)
    return valid, other


# -- words (reports/messages.json text) --------------------------------------------------------------
def _t(key, lang, **kw):
    return i18n.text(key, lang).format(**kw)


def describe(entry, lang) -> str:
    """An entry as users name it: enterprise, product, brand and model, batch."""
    what = " ".join(x for x in (entry["product"], entry["brand"], entry["model"]) if x)
    batch = entry["batches"][0]["batch"]
    return _t("circ_entry", lang, enterprise=entry["enterprise"], what=what, batch=batch)


def words_for(verdict, entry, near, date) -> dict:
    """{zh, en}: what the catalog says about a claim that did not match."""
    out = {}
    for lang in i18n.LANGS:
        sep = "；" if lang == "zh" else "; "
        if verdict == "not_valid":
            why, since, reason = why_not_valid(entry, date)
            out[lang] = _t("circ_not_valid", lang, entry=describe(entry, lang), why=i18n.label("circ_" + why, lang),
                           since=since, reason=reason or "-")
        elif near:
            out[lang] = _t("circ_nearest", lang, entries=sep.join(describe(e, lang) for e in near))
        else:
            out[lang] = _t("circ_no_nearest", lang)
    return out


def qualification_words(quals) -> dict:
    """{zh, en}: qualifications as users name them: type (product), issuer, batch, valid until."""
    out = {}
    for lang in i18n.LANGS:
        sep = "；" if lang == "zh" else "; "
        out[lang] = sep.join(_t("qual_entry", lang, type=i18n.label("qual_" + q["type"], lang),
                                product=_t("qual_product", lang, product=q["product"]) if q["product"] else "",
                                issuer=q["issuer"], batch=q["batch"], until=q["valid_until"] or _t("qual_open", lang))
                             for q in quals)
    return out


def diff(current: dict, rows) -> dict:
    """What importing ``rows`` would do to the catalog in force ``current`` (key → entry):
    {"added": [entry], "removed": [(before, after)], "changed": [(before, after, [fields])],
     "kept": n entries in force the file does not restate}."""
    after = merge(rows, current)
    keys = {entry_key(r) for r in rows}
    out = {"added": [], "removed": [], "changed": [], "kept": sum(1 for k in current if k not in keys)}
    for k in sorted(keys):
        a = after[k]
        b = current.get(k)
        if b is None:
            out["added"].append(a)
            continue
        fields = [c for c in COMPARED if (b.get(c) or "") != (a.get(c) or "")]
        if not fields:
            continue
        if a.get("status") == "removed" and b.get("status") != "removed":
            out["removed"].append((b, a))
        else:
            out["changed"].append((b, a, fields))
    return out


# -- facts (checker/facts.py calls these) -----------------------------------------------------------
def item_facts(ref, item, award, date, fact, ctx):
    """An award item's circular-catalog verdict and its supplier's qualifications, on ``fact`` (what
    rules test) and ``ctx`` (what their messages name)."""
    code = (award.get("supplier") or {}).get("credit_code")
    answers = _memo(ref)["answers"]
    if item.get("circular_economy") is True and ref.loaded["circular"]:
        key = ("match", code, award.get("brand"), award.get("model"), date)
        if key not in answers:
            verdict, entry, near = catalog(ref).match(code, award.get("brand"), award.get("model"), date)
            answers[key] = (verdict, {lang: describe(entry, lang) for lang in i18n.LANGS} if entry else "-",
                            words_for(verdict, entry, near, date) if verdict != "matched" else "-")
        fact["circular_catalog"], ctx["circular_entry"], ctx["circular_why"] = answers[key]
        claimed = " ".join(x for x in (award.get("brand"), award.get("model")) if x)
        ctx["circular_claimed"] = claimed or "-"
    if code and ref.loaded["qualifications"]:
        key = ("qualifications", code, date)
        if key not in answers:
            valid, other = qualifications_on(ref, code, date)
            expired = {lang: _t("qual_not_counted", lang, list=text) for lang, text in qualification_words(other).items()} if other else ""
            answers[key] = (len(valid), qualification_words(valid) if valid else "-", expired)
        fact["supplier_qualified"], ctx["qualifications"], ctx["qualifications_not_counted"] = answers[key]


def basis(ref, stage) -> dict:
    """{zh, en}: what the circular share is counted from at this stage."""
    key = "circ_basis_catalog" if stage == "award" and ref is not None and ref.loaded["circular"] else "circ_basis_claims"
    return {lang: i18n.text(key, lang) for lang in i18n.LANGS}
