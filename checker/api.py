"""The library entry point: ``Checker(profile).check(data, source)`` → :class:`PlanResult`.

A Checker loads and validates the rule packs, the profile and the list editions, and compiles the
active rules into one engine, once; ``check`` then reads, validates and checks one plan. Use
:func:`get_checker` to share one Checker per profile in a process (the engine cannot be unloaded).
"""
from __future__ import annotations

import bisect
import dataclasses
import hashlib
import heapq
import json
from collections.abc import Mapping
from functools import lru_cache

from . import __version__, facts as _facts, i18n, plans, waivers as _waivers
from .plans import fields as _fields
from ._jsonutil import schema_problems
from .clock import check_date
from .engine import Engine
from .errors import DataError
from .plans import consistency
from .findings import (CHK_DUPLICATE, CHK_PARSE, CHK_READ, CHK_SCHEMA, CHK_UNKNOWN_FIELD, SEVERITIES, Finding, Later,
                       PlanResult, pointer_key)
from .lists import LIST_KINDS, Lists
from .policy import derived as _derived, params as _params, selectors as _selectors
from .policy.rulepacks import RulePacks
from .evaluation import criteria as _criteria, scheme as _scheme, score as _score
from .evaluation import data as _evaluation_data, lcc as _lcc

#: Per fact kind, the names a rule message may use besides the fact's fields.
CONTEXT = {
    "item": {"pointer", "project_id", "line_id", "name", "product_type", "catalog_edition", "date", "energy_rows",
             "env_rows", "params", "supplier", "ban", "records", "energy_registry", "env_registry",
             "circular_claimed", "circular_entry", "circular_why", "qualifications", "qualifications_not_counted"},
    "project": {"pointer", "project_id", "name", "nature_derived", "params"},
    "plan": {"pointer", "plan_id", "date", "missing_lists", "params", "circular_basis"},
}


class Checker:
    """Rules, lists and engine for one profile; build once per process and call :meth:`check`."""

    def __init__(self, profile: str = "national", rules_dir=None, refdata=None, params=None):
        """``refdata``: a :class:`checker.refdata.RefData` (certificates, bodies, credit, catalogs);
        None checks against an empty one, so the checks that need data say "not verified"."""
        from .refdata import RefData
        self.refdata = refdata if refdata is not None else RefData.for_checking(_EMPTY)
        self.rulepacks = RulePacks(rules_dir)
        self.profile = self.rulepacks.profile(profile)
        self.lists = Lists(rules_dir / "lists" if rules_dir else None, self.refdata.list_docs())
        active = self.rulepacks.active(self.profile, params)
        self.params = active.values
        self._dated_params = sorted(k for k, v in self.params.items() if _params.is_schedule(v))
        self.unset_params = tuple(sorted(k for k, v in self.params.items() if v is None))
        self.dated = active.dated
        # Which rules are in force on a plan's date is settled like the list edition in force: by
        # date, outside the engine (a date field on every fact cost engine time for every item).
        self.windows = active.windows
        self.rules = {rule.id: rule for rule, _ in active.rules}
        self.severity = {rid: s["severity"] for rid, s in (self.profile.rule_settings or {}).items()
                         if "severity" in s and rid in self.rules}
        self._notes = {rid: {"by_profile": self.profile.rule_settings[rid]["profile"], "from": self.rules[rid].severity,
                             "reason": self.profile.rule_settings[rid]["reason"]} for rid in self.severity}
        self.wanted = {kind: set() for kind in _facts.FIELDS}
        self.tested = {rule.id: tuple(rule.fields()) for rule, _ in active.rules}
        derived = self.rulepacks.derived
        missing = [name for name in _facts.TOTALS if name not in derived or derived[name].level != "plan"]
        if missing:
            raise DataError(self.rulepacks.directory / "derived", "",
                            f"the plan totals every result carries are not defined as plan-level derived values: {', '.join(missing)}")
        needed = set(_facts.TOTALS)
        compiled = []
        for rule, condition in active.rules:
            level = {d.id for d in derived.values() if d.level == rule.fact}
            for lang in i18n.LANGS:
                for name in i18n.placeholders(rule.message[lang]):
                    if name in level:
                        needed.add(name)
                    elif name not in _facts.FIELDS[rule.fact] and name not in CONTEXT[rule.fact]:
                        raise DataError(rule.path, f"/message/{lang}",
                                        f"placeholder '{{{name}}}' is not known for a {rule.fact} fact")
            needed.update(f for f in rule.fields() if f in level)
            self.wanted[rule.fact].update(rule.fields())
            if rule.stages and set(rule.stages) != set(_facts.STAGES):
                condition = {"$and": [{"$or": [{"stage": s} for s in rule.stages]}, condition]}
            compiled.append((rule.id, rule.fact, condition))
        for kind, dated in self.dated.items():
            self.wanted[kind].update(dated)
        self.tables, self.tables_used = self._tables(needed)
        # At an early stage (budget, intention) the rules that judge the procurement documents or the
        # award do not apply; each result of such a stage lists them (not_applicable), never a silent pass.
        self.not_applicable = {stage: tuple(rule for _id, rule in sorted(self.rules.items())
                                            if rule.stages and stage not in rule.stages)
                               for stage in _facts.EARLY_STAGES}
        self.evaluator = self._evaluator(needed)
        # the green evaluation system (issue 13): criteria per product group and the score weights
        self.criteria = _criteria.groups(self.rulepacks.directory)
        self.engine = Engine(compiled)
        #: Line items whose facts are made, decided and turned into findings at a time (facts.build's
        #: ``chunk``); the engine takes them in chunks of engine.CHUNK anyway.
        self.chunk = 2000
        self._values: dict = {}
        # one tuple per distinct list rows of findings (ids of the lists' own row briefs, which this
        # Checker's lists hold, and the tuple keeps, as long as it lives)
        self._rows: dict = {}
        self._msg_rows: dict = {}   # the list rows of messages (findings.Later), one dict per distinct set
        self._rule_rows: dict = {}  # (rule id, rows tuples' ids) → (the rows briefs findings cite, the rows)
        #: facts.build's memo of the lines made (facts.LineMemo); ``line_memo.on = False`` makes every line in full
        self.line_memo = _facts.LineMemo()
        self._provenance = None

    def _evaluator(self, names):
        """The derived values ``names`` compiled over the selectors they use (and those these use)."""
        sels = _selectors.closure({s for n in names for s in self.rulepacks.derived[n].selectors()}, self.rulepacks.selectors)
        return _derived.Evaluator(names, self.rulepacks.derived, {n: self.rulepacks.selectors[n] for n in sels},
                                  self.tables)

    def _tables(self, names):
        """The tables the derived values ``names`` look up, each with its editions replaced by the
        registry's imported rows when its ``registry`` kind has any (imports win over the shipped file)."""
        out = dict(self.rulepacks.tables)
        for t in self.rulepacks.tables.values():
            if t.registry:
                rows = self.refdata.table_rows(t.registry)
                if rows:
                    out[t.id] = t.from_registry(rows)
        used = sorted({d.value["listed"]["table"] for n in names for d in [self.rulepacks.derived[n]] if d.op == "listed"})
        return out, [out[t] for t in used]

    # -- provenance ---------------------------------------------------------------------------
    def provenance(self) -> dict:
        """What a result depends on besides the input: tool, profile, rule packs, list editions.

        Computed once per Checker (it hashes the list files); callers get a shallow copy to extend."""
        if self._provenance is None:
            self._provenance = self._compute_provenance()
        return dict(self._provenance)

    def _compute_provenance(self) -> dict:
        return {
            "tool": {"name": "lvcai", "version": __version__},
            "profile": {"id": self.profile.id, "extends": list(self.profile.chain[1:]),
                        "params": {k: v for k, v in sorted(self.params.items()) if v is not None or k in self.profile.params},
                        "params_basis": dict(sorted(self.rulepacks.basis(self.profile).items())),
                        "rules_not_run": [{"rule_id": r, "parameter_without_value": p}
                                          for r, p in self.rulepacks.not_run(self.profile, self.params)],
                        "rules_switched_off": [{"rule_id": r, "reason": s["reason"], "by_profile": s["profile"]}
                                               for r, s in self.rulepacks.switched_off(self.profile)],
                        "severity_changed": [{"rule_id": r, "from": self.rules[r].severity, "to": sev,
                                              "reason": self.profile.rule_settings[r]["reason"],
                                              "by_profile": self.profile.rule_settings[r]["profile"]}
                                             for r, sev in sorted(self.severity.items())]},
            "rule_packs": [{"id": p.id, "edition": p.edition, "sha256": p.digest}
                           for p in sorted(self.rulepacks.packs.values(), key=lambda p: p.id) if p.id in self.profile.packs],
            "lists": [{"edition_id": d["edition_id"], "document": d["document"], "effective_from": d["effective_from"],
                       "effective_until": d["effective_until"], "verified": d["verified"],
                       "unverified_rows": sum(1 for r in d["rows"] if not r["verified"]), "rows": len(d["rows"]),
                       "sha256": hashlib.sha256(d["_path"].read_bytes() if d["_path"] else
                                                 json.dumps(d["rows"], ensure_ascii=False, sort_keys=True).encode()).hexdigest(),
                       **({"imported": True} if d.get("_imported") else {})}
                      for d in self.lists.all_editions()],
            "registry": {"imports": self.refdata.imports_brief()},
            "criteria": [{"group": g.id, "criteria": len(g.criteria),
                          "unverified": sum(1 for c in g.criteria if not c["source"]["verified"]),
                          "sha256": hashlib.sha256(g.path.read_bytes()).hexdigest()} for g in self.criteria.values()],
            **({"tables": [t.provenance() for t in self.tables_used]} if self.tables_used else {}),
            "rules_applied": [{"id": r.id, "severity": self.severity.get(r.id, r.severity), "title": r.title,
                               "legal_basis": [dict(b) for b in r.legal_basis]}
                              for r in sorted(self.rules.values(), key=lambda r: r.id)],
        }

    def run_meta(self, results, options, generated_at=None, *, waivers=None, waiver_list=(), filing=None) -> dict:
        """The provenance of a run over ``results``: what the Checker depends on, the inputs' SHA-256,
        the options, and the time only when the caller gave one. ``waivers``: the waiver file as
        outputs cite it (waivers.source); ``waiver_list``: its waivers, of which those for no plan of
        the run are listed; ``filing``: the sign-off fields of a report (report_no, organisation,
        prepared_by, reviewed_by), given a check date by checker.clock. The CLI and the service
        both build their outputs' metadata here, so they stay byte for byte the same."""
        meta = self.provenance()
        meta["inputs"] = [{"source": r.source, "sha256": r.sha256} for r in results]
        meta["options"] = options
        if generated_at:
            meta["generated_at"] = generated_at
        if waivers:
            meta["waivers"] = waivers
        unused = _waivers.for_no_plan(waiver_list, results)
        if unused:
            meta["unused_waivers"] = unused
        if filing is not None:
            date, date_source = check_date(generated_at)
            meta["filing"] = {**{k: v for k, v in filing.items() if v}, "date": date, "date_source": date_source}
        return meta

    # -- checking -----------------------------------------------------------------------------
    def check(self, data: bytes, source: str, langs=i18n.LANGS, waivers=(), first_line: int = 1,
              skip_bad: bool = False, strict: bool = False, lcc: bool = False) -> PlanResult:
        """Check one plan given as bytes (a file's content); never raises for bad input.

        A workbook (.xlsx, by its bytes or name) or a .csv (by ``source``'s name) is read by
        checker.plans.sheet into the contract's document first; its problems name cells (``Sheet1!D7``)
        and ``skip_bad`` checks the good lines of a table with bad rows (listed in the result's
        ``meta["input"]["notes"]``). Anything else is JSON, read as it always was.

        Findings carry their messages in ``langs`` (both by default; a command passes the one it shows);
        ``waivers`` (checker.waivers.load) are applied to the findings. ``first_line``: the line of the
        file where ``data`` starts (a JSON Lines line), so parse errors name the file's line.
        ``strict``: a field the plan format does not know makes the plan not checkable (CHK-001)
        instead of a warning (CHK-005), for a spreadsheet plan too."""
        sha = hashlib.sha256(data).hexdigest()
        if plans.kind_of(data, source) != "json":
            return self.check_sheet(data, source, sha, langs, waivers, skip_bad, strict, lcc)
        doc, problems, encoding = plans.json_.parse_any(data, first_line)
        if problems:
            return self.not_checkable(source, sha, None, CHK_PARSE, problems)
        problems = plans.sanity_problems(doc, data)
        if problems:
            return self.not_checkable(source, sha, _plan_id(doc), CHK_SCHEMA, problems)
        del data   # parsed: a caller that handed its bytes over (cli._run) frees them here, not after the check
        result = self.check_document(doc, source, sha, langs, waivers, strict, lcc)
        if encoding:
            note = {"place": "-", "message": plans._words.say("note_json_encoding", langs[0], encoding=encoding)}
            result = _with_notes(dataclasses.replace(result, meta={**result.meta, "input": {"format": "json", "notes": [note]}}),
                                 {lang: [plans._words.say("note_json_encoding", lang, encoding=encoding)] for lang in langs})
        return result

    def check_sheet(self, data: bytes, source: str, sha: str, langs=i18n.LANGS, waivers=(), skip_bad=False,
                    strict=False, lcc=False) -> PlanResult:
        """Check a spreadsheet plan: read it (every problem with its cell), then check its document.
        ``meta["input"]`` says what was read: format, sheet, notes, conversions and the place of
        every part of the document."""
        read = plans.sheet.read(data, source, langs[0], skip_bad)
        info = {"input": read.input_meta()}
        problems = read.problems or [(ptr, CHK_SCHEMA, msg) for ptr, msg in plans.sanity_problems(read.doc)]
        if problems:
            return PlanResult(source, sha, _plan_id(read.doc), False, (), tuple(problems), info)
        result = self.check_document(read.doc, source, sha, langs, waivers, strict, lcc)
        result = dataclasses.replace(result, meta={**result.meta, **info})
        notes = {langs[0]: [f"{place}: {msg}" for place, msg in read.notes]}
        for lang in langs[1:]:   # the notes in each further language (the reader speaks one at a time)
            notes[lang] = [f"{place}: {msg}" for place, msg in plans.sheet.read(data, source, lang, skip_bad).notes]
        return _with_notes(result, notes) if read.notes else result

    def check_document(self, doc, source: str, sha: str = "", langs=i18n.LANGS, waivers=(), strict: bool = False,
                       lcc: bool = False) -> PlanResult:
        """Check a parsed plan document (``check`` has already refused what ``plans.sanity_problems``
        finds; a caller with its own document should run that first). The result's meta carries the
        life-cycle cost and green value (``life_cycle_cost``) when the plan states an input of them,
        or always with ``lcc`` (`lvcai lcc`)."""
        plan_id = _plan_id(doc)
        problems = schema_problems("plan", doc)
        if problems:
            return self.not_checkable(source, sha, plan_id, CHK_SCHEMA, problems)
        dupes = _duplicate_ids(doc)
        if dupes:
            return self.not_checkable(source, sha, plan_id, CHK_DUPLICATE, dupes)
        unknown = _fields.unknown_fields(doc)
        if unknown and strict:
            return self.not_checkable(source, sha, plan_id, CHK_SCHEMA,
                                      [(ptr, _fields.message(name, close, "en", strict=True)) for ptr, name, close in unknown])
        green = self.green_evaluation(doc)
        params = self.params
        if self._dated_params:   # messages show a dated parameter's value on the plan's date
            params = {**params, **{k: _params.at(params[k], doc["date"]) for k in self._dated_params}}
        findings, items = [], []
        projects = doc["projects"]
        shared = {}   # the rows parts of the lines' entries, one per distinct set of list rows

        def decide(facts, built, lines=True):
            """The engine's outcomes for ``facts`` turned into findings (their contexts read, then
            freed as each line's items-list entry is made). ``lines``: facts.build hands over the
            lines' facts (chunk by chunk, nothing else) and returns the plan's and projects'."""
            findings.extend(_in_order([self._finding(rule_id, fact["id"], built, source, plan_id, langs, params)
                                       for rule_id, fact in self._fired(facts, doc)]))
            if lines:
                pop = built.context.pop
                for fact in facts:
                    ctx = pop(fact["id"])
                    project = projects[ctx["project_index"]]
                    items.append(_item_entry(project, project["items"][ctx["item_index"]], ctx, shared))

        built = _facts.build(doc, self.lists, self.wanted, self.refdata, self.unset_params, self.evaluator, self.dated,
                             [_scheme.fact_fields(p) for p in green["projects"]], per_chunk=decide, chunk=self.chunk,
                             memo=self.line_memo)
        # The lines' findings are in order now: chunk after chunk, each in order, in the lines' order.
        lines, findings = findings, []
        decide(built.facts, built, lines=False)   # the plan's and projects' facts (items were decided chunk by chunk)
        built.facts.clear()
        findings += [_unknown_field(ptr, name, close, source, plan_id, doc, langs) for ptr, name, close in unknown]
        findings += consistency.findings(doc, source, plan_id, langs)
        findings = _merged(lines, _in_order(findings))
        del lines
        meta = _meta(doc, built, items)
        meta["green_evaluation"] = green
        if meta["stage"] in self.not_applicable:
            meta["not_applicable"] = [_not_applicable(rule, meta["stage"]) for rule in self.not_applicable[meta["stage"]]]
        if lcc or _lcc.states_inputs(doc):
            meta["life_cycle_cost"] = self.life_cycle_cost(doc)
        result = PlanResult(source, sha, plan_id, True, tuple(findings), (), meta)
        if waivers and self.rulepacks.aliases:   # a waiver may name a rule by an old id (alias)
            waivers = [dict(w, rule_id=self.rulepacks.canonical(w["rule_id"])) for w in waivers]
        return _waivers.apply(result, waivers)

    def green_evaluation(self, doc) -> dict:
        """The plan's green evaluation (checker.evaluation.score.evaluate) under this profile's weights."""
        weights = {k: _params.at(self.params.get(k), doc["date"]) for k in (_score.CORE_WEIGHT, _score.COMP_WEIGHT)}
        weights = {k: (v if v is not None else 0) for k, v in weights.items()}
        return _score.evaluate(doc, doc.get("catalog_edition", self.lists.catalogs.default), self.criteria, weights)

    def life_cycle_cost(self, doc) -> dict:
        """The life-cycle cost and green value of a valid plan under this profile's parameters
        (checker/evaluation/lcc.py)."""
        decls = self.rulepacks.declarations
        units = {n: d.unit.strip() for n, d in decls.items()}
        # the profile's basis for a value it sets, else the declaration's own (no file path: outputs are the same anywhere)
        basis = {n: self.profile.params_basis.get(n) if n in self.profile.params else d.basis for n, d in decls.items()}
        return _lcc.evaluate(doc, self.params, basis, _evaluation_data.load(self.rulepacks.directory / "evaluation"), units,
                             self.profile)

    def _fired(self, facts, doc):
        """(rule id, fact) for each rule the engine fired on ``facts``, the rules out of their date
        window on the plan's date left out."""
        fired = self.engine.run(facts)
        if self.windows:
            date = doc["date"]
            fired = [(r, f) for r, f in fired if r not in self.windows or _in_window(self.windows[r], date)]
        return fired

    def _finding(self, rule_id, fact_id, built, source, plan_id, langs, params) -> Finding:
        rule = self.rules[rule_id]
        ctx = built.context[fact_id]     # this check's own context: no copy needed
        ctx["params"] = params
        rows_of = ctx["rows"]
        # the rows briefs of a rule's lists, once per rule and distinct rows tuples (a list
        # resolution's, shared by the lines resolving to it; kept alive in the memo with rows_of)
        key = (rule_id, *map(id, rows_of.values()))
        hit = self._rule_rows.get(key)
        if hit is None:
            rows = tuple(r.brief for kind in rule.lists for r in rows_of.get(kind, ()))
            rows = self._rows.setdefault(tuple(map(id, rows)), rows) if len(self._rows) < 100_000 else rows
            if len(self._rule_rows) >= 100_000:
                self._rule_rows.clear()
            hit = self._rule_rows[key] = (rows, rows_of)
        rows = hit[0]
        tested = self.tested[rule_id]
        return Finding(
            source=source, pointer=ctx["pointer"], rule_id=rule.id, severity=self.severity.get(rule.id, rule.severity),
            title=rule.title, message=self._later(rule.message[langs[0]], ctx, langs[0]) if len(langs) == 1
            else {lang: i18n.render(rule.message[lang], ctx, lang) for lang in langs},
            remediation=rule.remediation, legal_basis=rule.legal_basis, plan_id=plan_id,
            project_id=ctx.get("project_id"), line_id=ctx.get("line_id"),
            values=self._shared(tuple(zip(tested, map(ctx.get, tested)))), list_rows=rows,
            profile_note=self._notes.get(rule_id))

    def _later(self, template: str, ctx: dict, lang: str) -> Later:
        """The message of ``template`` in ``lang``, rendered when read (findings.Later): the values
        of the context it reads kept, the line's list rows as one shared dict per distinct set."""
        names = _message_names(template)
        values = tuple(map(ctx.__getitem__, names))
        if names and names[-1] == "rows":
            rows = ctx["rows"]
            memo = self._msg_rows
            if len(memo) >= 100_000:
                memo.clear()
            # keyed by the rows tuples (a list resolution's), which the memo keeps alive in ``rows``
            rows = memo.setdefault(tuple(map(id, rows.values())), rows)
            values = values[:-1] + (rows,)
        return Later(lang, template, names, values)

    def _shared(self, values: tuple) -> tuple:
        """One tuple per distinct tested values (lines of one combination share it): a plan of
        100,000 lines with 225,000 findings held as many equal tuples. Bounded like the engine's memo."""
        memo = self._values
        if len(memo) >= 100_000:
            memo.clear()
        try:
            return memo.setdefault(values, values)
        except TypeError:   # a value that cannot be hashed: kept as it is
            return values

    def not_checkable(self, source, sha, plan_id, rule_id, problems) -> PlanResult:
        return PlanResult(source, sha, plan_id, False, (), tuple((ptr, rule_id, msg) for ptr, msg in problems))


@lru_cache(maxsize=None)
def _message_names(template: str) -> tuple:
    """The context's keys a message template reads (i18n.render): its placeholders' names, and
    ``rows`` last where it names list rows."""
    names = tuple(dict.fromkeys(n for n in i18n.placeholders(template) if n not in i18n._ROW_FIELDS))
    return names + ("rows",) if any(n in i18n._ROW_FIELDS for n in i18n.placeholders(template)) else names


def _in_order(findings: list) -> list:
    """``findings`` sorted by Finding.sort_key (stable), with a key made per place rather than per
    finding: the full keys of 225,000 findings (each with its messages) took about 90 MB at once.
    The findings of one check share their source, so the order is the places' order, then within a
    place the full key's; a list with several sources is sorted the plain way."""
    if len({f.source for f in findings}) > 1:
        return sorted(findings, key=Finding.sort_key)
    by_place: dict = {}
    for f in findings:
        by_place.setdefault(pointer_key(f.pointer), []).append(f)
    out = []
    for place in sorted(by_place):
        group = by_place[place]
        if len(group) > 1:
            # severity and rule first; the messages (rendered when read) only where those tie
            kinds = [(-SEVERITIES.index(f.severity), f.rule_id) for f in group]
            if len(set(kinds)) == len(kinds):
                group = [f for _, f in sorted(zip(kinds, group), key=lambda kf: kf[0])]
            else:
                group.sort(key=Finding.sort_key)
        out += group
    return out


def _merged(ordered, others: list) -> list:
    """Two lists in Finding.sort_key order merged into one (ties: ``ordered``'s first). A few others
    (a plan's and projects' findings) are placed by bisection; many, by a merge: either way no key
    is held for every finding (the lines' 225,000 findings are already in order)."""
    if not others:
        return ordered
    if len(others) > 64:
        return list(heapq.merge(ordered, others, key=Finding.sort_key))
    out, start = [], 0
    for f in others:
        i = bisect.bisect_right(ordered, f.sort_key(), lo=start, key=Finding.sort_key)
        out += ordered[start:i]
        out.append(f)
        start = i
    out += ordered[start:]
    return out


def _not_applicable(rule, stage) -> dict:
    """A rule not applicable at an early ``stage``, with why: it needs the procurement documents
    (it applies from stage plan) or the award (stage award only)."""
    return {"rule_id": rule.id, "title": rule.title, "applies_at": list(rule.stages),
            "reason": "needs_documents" if "plan" in rule.stages else "needs_award"}


def _in_window(window, date) -> bool:
    start, end = window
    return (start is None or start <= date) and (end is None or date < end)


def _unknown_field(ptr, name, close, source, plan_id, doc, langs) -> Finding:
    """CHK-003 for a field the plan format does not know, placed at its project or item (read from
    the plan itself: the lines' contexts are freed as their findings are made)."""
    parts = ptr.split("/")
    ctx = {}
    if len(parts) > 3 and parts[1] == "projects" and parts[2].isdecimal() and int(parts[2]) < len(doc["projects"]):
        project = doc["projects"][int(parts[2])]
        ctx = {"project_id": project["project_id"]}
        if len(parts) > 5 and parts[3] == "items":
            if parts[4].isdecimal() and int(parts[4]) < len(project["items"]):
                ctx["line_id"] = project["items"][int(parts[4])]["line_id"]
            else:
                ctx = {}
    return Finding(source=source, pointer=ptr, rule_id=CHK_UNKNOWN_FIELD, severity="warning", title=_fields.TEXT["title"],
                   message={lang: _fields.message(name, close, lang) for lang in langs},
                   remediation=_fields.TEXT["remediation"], legal_basis=(), plan_id=plan_id,
                   project_id=ctx.get("project_id"), line_id=ctx.get("line_id"),
                   values=(("field", name), ("closest_known_field", close)))


_READ_TITLE = {"zh": "计划的读取说明", "en": "How the plan was read"}
_READ_FIX = {"zh": "核对说明所述内容是否影响计划；如有需要，改正文件后重新检查。",
             "en": "Check whether what the note says affects the plan; if so, correct the file and check it again."}


def _with_notes(result, notes: dict):
    """``result`` with one CHK-004 info finding per note on how the plan was read (``notes``: lang →
    texts, the same number in each language): no rule and no legal basis, but in every output. A
    plan that could not be checked has no findings; its notes stay in ``meta["input"]``."""
    if not result.checkable:
        return result
    langs = list(notes)
    extra = [Finding(source=result.source, pointer="", rule_id=CHK_READ, severity="info", title=_READ_TITLE,
                     message={lang: notes[lang][i] for lang in langs}, remediation=_READ_FIX, legal_basis=(),
                     plan_id=result.plan_id) for i in range(len(notes[langs[0]]))]
    return dataclasses.replace(result, findings=tuple(sorted((*result.findings, *extra), key=Finding.sort_key)))


def _plan_id(doc):
    pid = doc.get("plan_id") if isinstance(doc, dict) else None
    return pid if isinstance(pid, str) and plans.json_.is_text(pid) else None


def _duplicate_ids(doc):
    out, seen_projects = [], {}
    for pi, project in enumerate(doc["projects"]):
        pid = project["project_id"]
        if pid in seen_projects:
            out.append((f"/projects/{pi}/project_id", f"'{pid}' is also the project_id of /projects/{seen_projects[pid]}"))
        seen_projects.setdefault(pid, pi)
        seen_lines = {}
        for ii, item in enumerate(project["items"]):
            lid = item["line_id"]
            if lid in seen_lines:
                out.append((f"/projects/{pi}/items/{ii}/line_id",
                            f"'{lid}' is also the line_id of /projects/{pi}/items/{seen_lines[lid]}"))
            seen_lines.setdefault(lid, ii)
    return out


def _item_entry(project, item, ctx, shared) -> dict:
    """A line's entry in the result's items list (its context is freed once this is made).

    Its ``rows`` and ``unverified_rows`` are the same objects for every line resting on the same list
    rows (``shared``: the check's own memo; readers only read them): a 100,000-line plan held
    300,000 small lists and dicts of a few distinct values (about 45 MB)."""
    # the rows tuples themselves (a list resolution's, shared by every line resolving to it) name the
    # entry: the memo keeps them alive through hit[0], so their ids stay theirs (a key of every row's
    # id per line cost about 0.7 µs a line)
    key = tuple(map(id, ctx["rows"].values()))
    hit = shared.get(key)
    if hit is None:
        hit = shared[key] = (ctx["rows"], sorted({r.id for rows in ctx["rows"].values() for r in rows if not r.verified}),
                             {kind: [r.cited for r in rows] for kind, rows in ctx["rows"].items()})
    return Line((ctx["pointer"], project["project_id"], item["line_id"], item["name"], item["category_code"], item["amount"],
                 ctx["energy_list"], ctx["env_list"], ctx["energy_req"], ctx["env_req"], hit[1], item.get("product_type"),
                 ctx.get("energy_resolution"), ctx.get("env_resolution"), hit[2]),
                _award(item, ctx) if "award" in item else None)


_LINE_KEYS = ("pointer", "project_id", "line_id", "name", "category_code", "amount", "energy_list", "env_list",
              "energy_req", "env_req", "unverified_rows", "product_type", "energy_resolution", "env_resolution", "rows")
_LINE_KEYSET = frozenset(_LINE_KEYS + ("award",))


class Line(Mapping):
    """A line's entry in the result's items list: a read-only mapping of the keys above (and
    ``award`` for an awarded line), in that order, equal to the dict it stands for. Slots, not a
    dict: a dict of 15 keys took about 650 bytes, and a plan of 100,000 lines holds 100,000 entries
    until its output is written; this takes 160. Unset, ``award`` is absent (a key error, as in
    the dict, and no attribute for a template)."""
    __slots__ = _LINE_KEYS + ("award",)

    def __init__(self, values: tuple, award=None):
        # one unpacking into the slots (a setattr per key cost about 1 µs a line); the names are _LINE_KEYS'
        (self.pointer, self.project_id, self.line_id, self.name, self.category_code, self.amount, self.energy_list,
         self.env_list, self.energy_req, self.env_req, self.unverified_rows, self.product_type, self.energy_resolution,
         self.env_resolution, self.rows) = values
        if award is not None:
            self.award = award

    def __getitem__(self, key):
        if key in _LINE_KEYSET:
            try:
                return getattr(self, key)
            except AttributeError:
                pass
        raise KeyError(key)

    def __iter__(self):
        yield from _LINE_KEYS
        if hasattr(self, "award"):
            yield "award"

    def __len__(self):
        return len(_LINE_KEYS) + hasattr(self, "award")

    def __repr__(self):
        return repr(dict(self))

    def __reduce__(self):
        return Line, (tuple(getattr(self, k) for k in _LINE_KEYS), getattr(self, "award", None))


def _meta(doc, built, items) -> dict:
    plan_ctx = built.context["#"]
    return {
        "plan_id": doc["plan_id"], "title": doc.get("title"), "agency": doc["agency"], "date": doc["date"],
        "stage": doc.get("stage", "plan"),
        "catalog_edition": plan_ctx["catalog_edition"],
        "lists": {k: (built.editions[k] or {}).get("edition_id") for k in LIST_KINDS},
        "projects": [{"project_id": p["project_id"], "name": p["name"]} for p in doc["projects"]],
        "totals": {k: plan_ctx[k] for k in sorted(_facts.TOTALS)},
        "items": items,
    }


def _award(item, ctx) -> dict:
    """An awarded item's evidence as the reports show it: supplier, product, certificates, and the
    status the check found for each list (and against the registry, where it was consulted)."""
    award = item["award"]
    supplier = award.get("supplier") or {}
    return {"supplier": supplier.get("name"), "credit_code": supplier.get("credit_code"),
            "brand": award.get("brand"), "model": award.get("model"),
            "preferences_applied": list(award.get("preferences_applied", [])),
            "certificates": [dict(c) for c in award.get("certificates", [])],
            "status": {kind: {k: ctx.get(f"{short}_{k}") for k in ("cert", "reg", "body")}
                       for kind, short in (("energy_saving", "energy"), ("environmental_label", "env"))}}


_EMPTY = "/nonexistent/lvcai-empty-registry.sqlite"   # RefData.for_checking makes an empty one


@lru_cache(maxsize=None)
def get_checker(profile: str = "national", registry: str | None = None) -> Checker:
    """One Checker per profile and registry per process. ``registry``: a registry file; None uses
    $LVCAI_REGISTRY or the default place (checker.refdata.default_path), empty if nothing is there."""
    from .refdata import RefData
    return Checker(profile, refdata=RefData.for_checking(registry))
