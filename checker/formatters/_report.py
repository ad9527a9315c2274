"""The content of a compliance report, shared by the text, HTML, PDF, Markdown and Excel formats.

``build(results, meta, lang)`` returns plain data, in the words of the people who read it (budget
officers, auditors, finance-bureau staff): a place is a project and a line with its name, never a
JSON pointer; a remediation says what to change in the procurement documents, never a field name.
Pointers, the values a rule tested and the rule's own remediation (with the plan's field names, "for
the budget system") are kept in each entry under ``technical`` for ``--explain`` and nothing else.

Per plan: the grade (不合规 errors / 需改进 warnings / 合规), a conclusion paragraph, the numbered
findings (errors first, then warnings, then information; findings of one rule on several lines of a
project grouped into one entry that lists the lines), the remediation summary, the green share (an
ambiguous code's amount apart, as "mandatory or priority, undetermined"), the award evidence per
item. For the report: the legal bases cited (once, numbered, with their titles in the report's
language), the rules that fired and the ids of all rules run, what rests on unverified list entries
(said once), the list editions, the filing block and the provenance. Templates only lay it out.
"""
from __future__ import annotations

from operator import attrgetter, itemgetter
from types import SimpleNamespace

from .. import i18n
from ..facts import EARLY_STAGES
from ..findings import SEVERITIES
from ..evaluation import sources as _sources
from . import _evaluation, _green

#: The share chart's bars: (key, label key in messages.json, colour).
BARS = (
    ("total", "chart_total", "#6b7280"),
    ("listed", "chart_listed", "#0f766e"),
    ("mandatory", "chart_mandatory", "#b91c1c"),
    ("undetermined", "chart_undetermined", "#c2410c"),
    ("priority", "chart_priority", "#2563eb"),
    ("required", "chart_required", "#7c2d12"),
    ("preferred", "chart_preferred", "#4d7c0f"),
)
CHART_WIDTH = 360   # px of the longest bar
#: How a code stands on a list when the plan leaves open which sub-type is bought.
UNRESOLVED = frozenset({"ambiguous", "parent", "product_type_unmatched"})
_ORDER = {s: i for i, s in enumerate(reversed(SEVERITIES))}   # error 0, warning 1, info 2
_LISTS = (("energy_saving", "energy"), ("environmental_label", "env"))


def item_pointer(pointer: str) -> str:
    """/projects/P/items/I of a pointer at or inside an item (CHK-005 points at a field of its item)."""
    return "/".join(pointer.split("/")[:5])


def money(value) -> str:
    return f"{value:,.2f}"


def _pct(part, whole):
    return round(100.0 * part / whole, 1) if whole else 0.0


def grade(result) -> str:
    """not_checkable, not_compliant (an open error), needs_improvement (an open warning), compliant."""
    if not result.checkable:
        return "not_checkable"
    counts = result.counts()
    return "not_compliant" if counts["error"] else "needs_improvement" if counts["warning"] else "compliant"


# --- words ------------------------------------------------------------------------------------

def _t(key, lang, **kw):
    text = i18n.text(key, lang)
    return text.format(**kw) if kw else text


def _join(values, lang):
    return i18n.text("list_sep", lang).join(str(v) for v in values)


def doc_title(doc, lang):
    entry = i18n.catalogue()["documents"].get(doc)
    return entry[lang] if entry else doc


def clause_text(clause, lang):
    if clause == "(clause not retrieved)":
        return i18n.text("clause_not_retrieved", lang)
    if clause == "(secondary source)":   # a rule resting on practice documents, not on a clause
        return i18n.text("clause_secondary_source", lang)
    return clause if lang == "zh" else i18n.catalogue()["clauses"].get(clause, clause)


def short_doc(doc, lang):
    """The document as cited in a finding: its number in zh, its short English name in en."""
    if lang == "zh":
        return doc
    entry = i18n.catalogue()["documents"].get(doc)
    return entry["en_short"] if entry else doc


class _Bases:
    """The documents cited, numbered in the order they are first cited, each once with the clauses
    cited from it (and a clause's gist, where there is one)."""

    def __init__(self, lang):
        self.lang = lang
        self.docs = {}
        self.items = []

    def ref(self, b) -> dict:
        doc = b["doc"]
        if doc not in self.docs:
            self.docs[doc] = {"no": len(self.items) + 1, "doc": doc, "title": doc_title(doc, self.lang),
                              "clauses": [], "verified": True, "seen": set(), "keys": []}
            self.items.append(self.docs[doc])
        d = self.docs[doc]
        if b.get("verified") is False:
            d["verified"] = False
        keys = b.get("refs") or []
        for k in keys:
            if k not in d["keys"]:
                d["keys"].append(k)
        if b["clause"] not in d["seen"]:
            d["seen"].add(b["clause"])
            gist = i18n.catalogue()["gists"].get(f"{doc} {b['clause']}")
            d["clauses"].append({"clause": clause_text(b["clause"], self.lang), "gist": gist[self.lang] if gist else None})
            d["clauses"].sort(key=lambda c: c["clause"])
        return {"no": d["no"], "short": f"{short_doc(doc, self.lang)} {clause_text(b['clause'], self.lang)}", "keys": keys}

    def documents(self) -> dict:
        """key → where to read it ({key, title, detail, urls, no_url}, rules/sources.json) for every document key
        the cited bases name (their refs), in order of first citation. Nothing is fetched."""
        keys = list(dict.fromkeys(k for d in self.items for k in d["keys"]))
        no_url = i18n.text("no_url_recorded", self.lang)
        return {e["key"]: e for e in _sources.rows(keys, no_url)}


# --- findings ---------------------------------------------------------------------------------

def _rule_text(rule_id, part, lang):
    entry = i18n.catalogue()["rules"].get(rule_id, {}).get(part)
    return entry[lang] if entry else None


_DERIVED = ("rows", "subtypes", "missing_data")
_NOT_NAMED = ("rows", "award", "pointer")


class _Context(dict):
    """What a plain message or remediation template may name, each field looked up when a template
    names it (every finding's remediation is rendered for the JSON output; a template names one or
    two fields of the forty a line has). Looked up in this order, the first that has it: the list
    rows, sub-types and missing data (made here); the values the rule tested; the item's fields
    (not its rows, award or pointer); the project's name; the plan's totals; its date and catalog
    edition."""
    __slots__ = ("_f", "_item", "_project", "_meta", "_lang", "_values")

    def __missing__(self, key):
        f, item, lang = self._f, self._item, self._lang
        if key == "rows":
            value = {kind: tuple(SimpleNamespace(**r) for r in rows) for kind, rows in (item or {}).get("rows", {}).items()}
        elif key == "subtypes":
            names = []
            unresolved = [kind for kind, short in _LISTS if item is not None and item.get(f"{short}_resolution") in UNRESOLVED]
            for row in (r for kind in unresolved for r in item["rows"].get(kind, ())) if unresolved else f.list_rows:
                if row["name"] not in names:
                    names.append(row["name"])
            value = _join(names, lang)
        elif key == "missing_data":
            value = _join([i18n.label(k, lang) for k, v in f.values if k.endswith("_loaded") and v is False], lang)
        else:
            values = self._values
            if values is None:
                values = self._values = dict(f.values)
            m = self._meta
            if key in values:
                value = values[key]
            elif item is not None and key in item and key not in _NOT_NAMED:
                value = item[key]
            elif key == "name" and self._project is not None:
                value = self._project["name"]
            elif key in m["totals"]:
                value = m["totals"][key]
            elif key in ("date", "catalog_edition"):
                value = m[key]
            else:
                raise KeyError(key)
        self[key] = value
        return value


def _context(f, item, project, result, lang):
    """What a plain message or remediation template may name: the item's (or project's) fields, the
    plan's, the values the rule tested, the list rows, and two derived lists (see _Context)."""
    ctx = _Context()
    ctx._f, ctx._item, ctx._project, ctx._meta, ctx._lang, ctx._values = f, item, project, result.meta, lang, None
    return ctx


def _message(f, ctx, lang):
    template = _rule_text(f.rule_id, "message", lang)
    return i18n.render(template, ctx, lang) if template else f.message[lang]


def _remediation(f, ctx, lang):
    template = _rule_text(f.rule_id, "remediation", lang)
    return i18n.render(template, ctx, lang) if template else f.remediation[lang]


def _entries(result, lang, bases):
    """The plan's findings as entries: line findings of one rule in one project (and one status)
    grouped; plan and project findings one entry each. Sorted errors first, then by place."""
    m = result.meta
    items = {i["pointer"]: i for i in m["items"]}
    projects = {p["project_id"]: p for p in m["projects"]}
    cells = (m.get("input") or {}).get("places", {})   # a spreadsheet plan: pointer → its row (计划!10:10)
    groups = {}
    for pos, f in enumerate(result.findings):
        item = items.get(item_pointer(f.pointer)) if f.line_id is not None else None
        project = projects.get(f.project_id) if f.project_id is not None and item is None else None
        ctx = _context(f, item, project, result, lang)
        line = {"message": _message(f, ctx, lang), "unverified": bool(f.unverified_rows),
                "unverified_rows": [r["id"] for r in f.unverified_rows],
                "technical": {"pointer": f.pointer or "/", "values": [(k, v) for k, v in f.values]}}
        if item is not None:
            line.update(line_id=item["line_id"], name=item["name"], code=item["category_code"], amount=item["amount"],
                        amount_text=money(item["amount"]),
                        place=_t("place_line", lang, project=f.project_id, line=item["line_id"], name=item["name"]),
                        short=_t("line_short", lang, line=item["line_id"]))
        elif project is not None:
            line.update(place=_t("place_project", lang, project=project["project_id"], name=project["name"]))
        else:
            line.update(place=_t("whole_plan", lang))
        if f.pointer and f.pointer in cells:
            line["place"] += f" ({cells[f.pointer]})"
            if "short" in line:
                line["short"] += f" ({cells[f.pointer]})"
        key = (f.rule_id, f.status, f.project_id if item is not None else f.pointer)
        if key not in groups:
            groups[key] = {"pos": pos, "f": f, "lines": [], "remediations": [], "project": f.project_id,
                           "is_lines": item is not None}
        g = groups[key]
        g["lines"].append(line)
        text = _remediation(f, ctx, lang)
        if text not in g["remediations"]:
            g["remediations"].append(text)
    entries = []
    for g in sorted(groups.values(), key=lambda g: (_ORDER[g["f"].severity], g["f"].status != "open", g["pos"])):
        f = g["f"]
        lines = g["lines"]
        if g["is_lines"] and len(lines) > 1:
            place = _t("place_lines", lang, project=g["project"], lines=_join([ln["line_id"] for ln in lines], lang))
        else:
            place = lines[0]["place"]
        entries.append({
            "rule_id": f.rule_id, "severity": f.severity, "severity_label": i18n.label(f.severity, lang),
            "status": f.status, "status_label": i18n.label(f.status, lang), "waiver": f.waiver,
            "title": f.title[lang], "place": place, "lines": lines, "grouped": g["is_lines"] and len(lines) > 1,   # plan notes: one after another
            "profile_note": ({"by_profile": f.profile_note["by_profile"], "from": i18n.label(f.profile_note["from"], lang),
                              "reason": f.profile_note["reason"][lang]} if f.profile_note else None),
            "message": (lines[0]["message"] if len(lines) == 1 else
                        None if g["is_lines"] else ("；" if lang == "zh" else "; ").join(ln["message"] for ln in lines)),
            "remediation": " ".join(g["remediations"]),
            "budget_note": f.remediation[lang],
            "amount": sum(ln.get("amount", 0) for ln in lines), "amount_text": money(sum(ln.get("amount", 0) for ln in lines)),
            "bases": [bases.ref(b) for b in f.legal_basis],
            "unverified": any(ln["unverified"] for ln in lines),
        })
    return entries


def _remediation_summary(entries, lang):
    """One line per distinct remediation of the errors and warnings, with the entries it answers."""
    out = {}
    for e in entries:
        if e["severity"] == "info" or e["status"] != "open":
            continue
        out.setdefault(e["remediation"], []).append(e["no"])
    return [{"text": text, "nos": nos, "ref": _t("entry_ref", lang, nos=_join(nos, lang))} for text, nos in out.items()]


# --- amounts ------------------------------------------------------------------------------------

def _at_risk(item, stage) -> bool:
    """A mandatory-category line without the certificate: not required (plan), or not valid (award).
    Before the procurement documents exist (budget, intention) nothing is required yet: none is."""
    if stage in EARLY_STAGES or (item["energy_list"] != "mandatory" and item["env_list"] != "mandatory"):
        return False
    for kind, short in _LISTS:
        if item[f"{short}_list"] != "mandatory":
            continue
        if item[f"{short}_req"] != "required":
            return True
        if stage == "award" and ((item.get("award") or {}).get("status", {}).get(kind, {}).get("cert") or "valid") != "valid":
            return True
    return False


def _undetermined(item) -> bool:
    """Counted as mandatory only because the plan does not say which sub-type is bought."""
    if item["energy_list"] != "mandatory" and item["env_list"] != "mandatory":
        return False
    for kind, short in _LISTS:
        rows = item.get("rows", {}).get(kind, [])
        if (item[f"{short}_list"] == "mandatory" and item.get(f"{short}_resolution") in UNRESOLVED
                and any(r["obligation"] != "mandatory" for r in rows)):
            return True
    return False


def _share(result, lang):
    totals = result.meta["totals"]
    total = totals["total_amount"] or 0.0
    undetermined = sum(float(i["amount"]) for i in result.meta["items"] if _undetermined(i))
    amounts = {k: totals[f"{k}_amount"] for k in ("total", "listed", "mandatory", "priority", "required", "preferred")}
    amounts["mandatory"] -= undetermined
    amounts["undetermined"] = undetermined
    bars = []
    for key, label_key, colour in BARS:
        if key == "undetermined" and not undetermined:
            continue
        amount = amounts[key]
        share = 100.0 if key == "total" else _pct(amount, total)
        width = round(CHART_WIDTH * amount / total, 1) if total else 0.0
        bars.append({"key": key, "label": i18n.text(label_key, lang), "amount": amount, "money": money(amount),
                     "share": share, "ratio": share / 100.0, "width": width, "colour": colour})
    return bars


# --- award evidence -----------------------------------------------------------------------------

def _award(item, lang):
    a = item["award"]
    certs = {c.get("type"): c for c in a["certificates"]}
    rows = []
    for kind, _short in _LISTS:
        status = a["status"][kind]
        c = certs.get(kind)
        if c is None and item[f"{_short}_list"] == "none" and kind not in a["preferences_applied"]:
            continue   # not on that list, no certificate given, no preference: nothing to show
        found = [i18n.label(status["cert"], lang)] if status["cert"] else []
        found += [i18n.label(status[k], lang) for k in ("reg", "body") if status.get(k)]
        rows.append({"kind": kind, "kind_label": i18n.text(f"cert_{kind}", lang),
                     "obligation": i18n.label(item[f"{_short}_list"], lang),
                     "number": c.get("number") if c else None, "issuer": c.get("issuer") if c else None,
                     "validity": f"{c.get('valid_from') or '—'} – {c.get('valid_until') or '—'}" if c else None,
                     "valid_from": c.get("valid_from") if c else None, "valid_until": c.get("valid_until") if c else None,
                     "status": status["cert"], "found": _join(found, lang) or i18n.text("no_certificate", lang),
                     "preference": kind in a["preferences_applied"]})
    return {"line_id": item["line_id"], "project_id": item["project_id"], "name": item["name"],
            "code": item["category_code"], "amount_text": money(item["amount"]),
            "supplier": a["supplier"], "credit_code": a["credit_code"], "brand": a["brand"], "model": a["model"],
            "certificates": rows}


# --- plans and the report ------------------------------------------------------------------------

def _conclusion(p, lang):
    plan = p["plan_id"] or p["source"]
    if not p["checkable"]:
        return _t("concl_not_checkable", lang, plan=plan, n=len(p["errors"]))
    c = p["counts"]
    parts = [_t("concl_" + p["verdict"], lang, plan=plan, **c)]
    if p["at_risk"]:
        parts.append(_t("concl_risk", lang, amount=money(p["at_risk"])))
    first = next((e for e in p["entries"] if e["status"] == "open" and e["severity"] != "info"), None)
    if first is not None:
        parts.append(_t("concl_first", lang, title=first["title"], ref=_t("entry_ref", lang, nos=first["no"])))
    if p["waived"]:
        parts.append(_t("concl_waived", lang, n=p["waived"]))
    if any(e["unverified"] for e in p["entries"]):
        parts.append(_t("concl_unverified", lang))
    return ("" if lang == "zh" else " ").join(parts)


def pointer_place(pointer, lang) -> str:
    """A JSON pointer of a plan that could not be checked, in words: "/projects/0/items/2/amount"
    is 第 1 个项目 第 3 行 amount (the field's name stays: whoever fixes the file needs it)."""
    if pointer and not pointer.startswith("/"):
        return pointer   # a spreadsheet's cell or row as Excel shows it (Sheet1!D7): already a place
    tokens = [t.replace("~1", "/").replace("~0", "~") for t in (pointer or "").split("/")[1:]]
    if not tokens:
        return i18n.text("place_file", lang)
    words, i = [], 0
    while i < len(tokens):
        if tokens[i] in ("projects", "items") and i + 1 < len(tokens) and tokens[i + 1].isdecimal():
            key = "place_project_n" if tokens[i] == "projects" else "place_item_n"
            words.append(_t(key, lang, n=int(tokens[i + 1]) + 1))
            i += 2
        else:
            words.append(tokens[i])
            i += 1
    return (" " if lang == "zh" else ", ").join(words)


def schema_message(message, lang) -> str:
    """A schema or parse problem in the report's language (the patterns of jsonschema's messages in
    messages.json); a message no pattern knows is shown as it is. Our own sentences (Words: a plan
    that is a directory, a FIFO, …) are said in ``lang``."""
    if hasattr(message, "in_lang"):
        return message.in_lang(lang)
    return i18n.schema_message(message, lang)


def _plan(result, lang, bases, counter):
    g = grade(result)
    out = {"source": result.source, "sha256": result.sha256, "plan_id": result.plan_id,
           "checkable": result.checkable, "verdict": g, "verdict_label": i18n.label(g, lang),
           "counts": result.counts(), "waived": result.waived(), "entries": [], "at_risk": 0.0,
           "errors": [{"rule_id": rid, "pointer": ptr or "/", "message": msg, "place": pointer_place(ptr, lang),
                       "text": schema_message(msg, lang)} for ptr, rid, msg in result.errors]}
    if not result.checkable:
        out["conclusion"] = _conclusion(out, lang)
        return out
    m = result.meta
    entries = _entries(result, lang, bases)
    for e in entries:
        counter[0] += 1
        e["no"] = counter[0]
    with_findings = {item_pointer(f.pointer) for f in result.findings if f.line_id is not None}
    items = [dict(i, amount_text=money(i["amount"]), has_findings=i["pointer"] in with_findings,
                  energy_label=i18n.label(i["energy_list"], lang), env_label=i18n.label(i["env_list"], lang),
                  energy_req_label=i18n.label(i["energy_req"], lang), env_req_label=i18n.label(i["env_req"], lang),
                  undetermined=_undetermined(i), at_risk=_at_risk(i, m["stage"]))
             for i in m["items"]]
    out.update({
        "agency": m["agency"], "date": m["date"], "stage": m["stage"], "stage_label": i18n.label(m["stage"], lang),
        "title": m.get("title"),
        "catalog_edition": m["catalog_edition"], "lists": m["lists"], "share": _share(result, lang),
        "undetermined": any(i["undetermined"] for i in items),
        "entries": entries, "remediations": _remediation_summary(entries, lang),
        "at_risk": sum(float(i["amount"]) for i in items if i["at_risk"]),
        "items": items, "clean_items": [i for i in items if not i["has_findings"]],
        "awards": [_award(i, lang) for i in m["items"] if i.get("award")],
    })
    out["lcc"] = _evaluation.section(m, lang)   # life-cycle cost and green value (None: the plan states no input)
    out["at_risk_text"] = money(out["at_risk"])
    out["conclusion"] = _conclusion(out, lang)
    # the green evaluation (issue 13): its own module, its own section in each template
    out["green"] = _green.section(result, lang)
    out["green_lines"] = _green.text_lines(result, lang)
    out["green_source_lines"] = _green.source_text_lines(result, lang)
    return out


def _unverified_part(part, lang):
    return i18n.label(part, lang)


def build(results, meta, lang) -> dict:
    bases = _Bases(lang)
    counter = [0]
    plans = [_plan(r, lang, bases, counter) for r in results]
    used_rows = {}
    for r in results:
        for f in r.findings:
            for row in f.list_rows:
                used_rows[row["id"]] = row
    totals = {s: sum(p["counts"][s] for p in plans) for s in ("error", "warning", "info")}
    verdicts = {v: sum(1 for p in plans if p["verdict"] == v)
                for v in ("not_compliant", "needs_improvement", "compliant", "not_checkable")}
    verdict_labels = {v: i18n.label(v, lang) for v in verdicts}
    entries = [e for p in plans for e in p["entries"]]
    fired = sorted({e["rule_id"] for e in entries})
    rules = {r["id"]: r for r in meta["rules_applied"]}
    for rid in fired:                       # the rules fired table cites its bases too: number them first
        for b in rules.get(rid, {}).get("legal_basis", ()):
            bases.ref(b)
    documents = bases.documents()
    rows = []
    for k in sorted(used_rows):
        row = used_rows[k]
        rows.append(dict(row, obligation_label=i18n.label(row["obligation"], lang),
                         unverified_text=_join([_unverified_part(u, lang) for u in row["unverified"]], lang)))
    return {
        "lang": lang, "plans": plans, "totals": totals, "verdicts": verdicts, "verdict_labels": verdict_labels,
        "overview": _t("report_verdicts", lang, n=len(plans), **totals,
                       verdicts=_join([f"{verdict_labels[v]} {n}" for v, n in verdicts.items() if n], lang)),
        # per document of the appendix, the documents of rules/sources.json its bases cite (title, addresses)
        "bases": [{**{k: v for k, v in b.items() if k not in ("seen", "keys")},
                   "sources": [documents[k] for k in b["keys"] if k in documents]} for b in bases.items],
        "documents": documents, "documents_word": _t("basis_documents", lang),
        "has_gists": any(c["gist"] for b in bases.items for c in b["clauses"]),
        "rules_fired": [{"id": rid, "severity": rules[rid]["severity"], "severity_label": i18n.label(rules[rid]["severity"], lang),
                         "title": rules[rid]["title"][lang], "bases": [bases.ref(b) for b in rules[rid]["legal_basis"]],
                         "nos": [e["no"] for e in entries if e["rule_id"] == rid]}
                        for rid in fired if rid in rules],
        "rules_run": [r["id"] for r in meta["rules_applied"]],
        "later_checks": later_checks(results, lang),
        "unverified_nos": [e["no"] for e in entries if e["unverified"]],
        "unverified_ref": _t("entry_ref", lang, nos=_join([e["no"] for e in entries if e["unverified"]], lang)),
        "lists": [dict(ed, title=doc_title(ed["document"], lang)) for ed in meta["lists"]], "rows": rows,
        "filing": filing(meta, lang),
        "provenance": meta,
    }


def not_applicable_reason(entry, lang) -> str:
    """Why a rule does not apply at a plan's early stage, in ``lang``."""
    return i18n.text(f"not_applicable_{entry['reason']}", lang)


def later_checks(results, lang):
    """Said once per report: the checks that do not apply to its budget and intention plans and will
    once the procurement documents exist; None when no plan is at such a stage. (The award-only
    checks are in the JSON's not_applicable too; the reports name the ones the documents bring.)"""
    early = [r for r in results if r.checkable and "not_applicable" in r.meta]
    if not early:
        return None
    rules = {}
    for r in early:
        for n in r.meta["not_applicable"]:
            if n["reason"] == "needs_documents":
                rules.setdefault(n["rule_id"], n)
    return {"text": _t("later_checks", lang, n=len(early)),
            "rules": [{"id": rid, "title": n["title"][lang]} for rid, n in sorted(rules.items())]}


def filing(meta, lang) -> dict:
    """The sign-off block: report number, organisation, who prepared and reviewed it, the check date."""
    f = meta.get("filing") or {}
    return {k: f.get(k) for k in ("report_no", "organisation", "prepared_by", "reviewed_by", "date")}


def places(result) -> tuple:
    """(item by pointer, project by project_id) of a checked plan's meta, the first of each: built
    once per result, so that looking up each finding's item does not walk every item (a plan of
    100,000 lines with a finding on each made that 10^10 comparisons)."""
    seq = list(result.meta.get("items", ()))
    try:   # checker.api's Line holds its pointer as an attribute: read without a __getitem__ call
        pointers = [i.pointer for i in seq]
    except AttributeError:
        pointers = [i["pointer"] for i in seq]
    items = dict(zip(reversed(pointers), reversed(seq)))   # reversed: the first item of a pointer written last
    projects = {}
    for p in result.meta.get("projects", ()):
        projects.setdefault(p["project_id"], p)
    return items, projects


def fixed_remediation(f, lang):
    """``f``'s plain remediation when it is the same text for every finding of its rule (no
    template, or one naming no field), always the same str object (json_ writes its text once);
    None when it is filled in per finding (:func:`filled_remediation`)."""
    template = _rule_text(f.rule_id, "remediation", lang)
    return i18n.fixed(template) if template else f.remediation[lang]


def plain_remediation(result, f, lang, where=None) -> str:
    """One finding's remediation in the user's words (the JSON output's ``remediation_plain``).
    ``where``: :func:`places` of ``result``, when the caller looks up many findings of it."""
    fixed = fixed_remediation(f, lang)
    if fixed is not None:   # nothing to fill in: no context to build
        return fixed
    return filled_remediation(result, f, lang, where)


def filled_remediation(result, f, lang, where=None) -> str:
    """:func:`plain_remediation` of a finding whose rule's remediation template names fields (its
    :func:`fixed_remediation` is None: json_ knows it for each combination, and asks here)."""
    items, projects = where if where is not None else places(result)
    item = items.get(item_pointer(f.pointer)) if f.line_id is not None else None
    project = projects.get(f.project_id) if item is None and f.project_id else None
    return i18n.render(_rule_text(f.rule_id, "remediation", lang), _context(f, item, project, result, lang), lang)


def categories(result) -> dict:
    """Amounts per category code of a checked plan, for the finance bureau's summary by product
    category: lines, amount, the part on each obligation (an unresolved code's amount apart as
    undetermined), the part with the certificate required or preferred, and a name (the list row's
    where the code is on a list, else the first line's).

    Per item on every plan's output path: the accumulators are a list per code (the dict, in its key
    order, is made once per code at the end), and a line on no list (half of a round's lines) skips
    the obligation tests, which cannot count it anywhere then."""
    out = {}
    stage = result.meta["stage"]
    for i in result.meta["items"]:
        try:   # an items-list entry (api.Line) by its attributes: one call for the seven, not seven
            code, name, amount, energy, env, req_e, req_v = _LINE_FIELDS(i)
        except AttributeError:   # a plain dict
            code, name, amount, energy, env, req_e, req_v = _DICT_FIELDS(i)
        c = out.get(code)
        if c is None:
            # name, items, amount, mandatory, undetermined, priority, required, preferred, at risk
            c = out[code] = [None, 0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0]
        if c[0] is None:
            by_kind = i.get("rows", {})
            energy_rows, env_rows = by_kind.get("energy_saving", []), by_kind.get("environmental_label", [])
            if energy_rows or env_rows:
                rows = [r["name"] for r in energy_rows] + [r["name"] for r in env_rows]
                c[0] = rows[0] if len(set(rows)) == 1 else name
            else:   # on no list: the line's own name
                c[0] = name
        amount = float(amount)
        c[1] += 1
        c[2] += amount
        if energy == "mandatory" or env == "mandatory":
            # undetermined and at risk are only ever true of a mandatory line (their own first test)
            if _undetermined(i):
                c[4] += amount
            else:
                c[3] += amount
            if _at_risk(i, stage):
                c[8] += amount
        elif energy == "priority" or env == "priority":
            c[5] += amount
        if req_e == "required" or req_v == "required":
            c[6] += amount
        elif req_e == "preferred" or req_v == "preferred":
            c[7] += amount
    return {k: _category_dict(out[k]) for k in sorted(out)}


_CATEGORY_FIELDS = ("category_code", "name", "amount", "energy_list", "env_list", "energy_req", "env_req")
_LINE_FIELDS, _DICT_FIELDS = attrgetter(*_CATEGORY_FIELDS), itemgetter(*_CATEGORY_FIELDS)


def _category_dict(c) -> dict:
    # most sums are 0.0, which round() leaves as it is (one code per line in a round: no list made)
    name, n, amount, mandatory, undetermined, priority, required, preferred, at_risk = c
    return {"name": name if not isinstance(name, float) else round(name, 2), "items": n,
            "amount": round(amount, 2) if amount else amount,
            "mandatory_amount": round(mandatory, 2) if mandatory else mandatory,
            "undetermined_amount": round(undetermined, 2) if undetermined else undetermined,
            "priority_amount": round(priority, 2) if priority else priority,
            "required_amount": round(required, 2) if required else required,
            "preferred_amount": round(preferred, 2) if preferred else preferred,
            "at_risk_amount": round(at_risk, 2) if at_risk else at_risk}


def at_risk_amount(result) -> float:
    """The amount of mandatory-category lines without the certificate (not required; at the award
    stage, not valid either)."""
    stage = result.meta["stage"]
    return round(sum(float(i["amount"]) for i in result.meta["items"]
                     if (i["energy_list"] == "mandatory" or i["env_list"] == "mandatory") and _at_risk(i, stage)), 2)
