"""Derived values: declared in data (rules/derived/*.json and rules/<pack>/derived/*.json), evaluated
generically over selectors, and put on the facts of their level as plain fields that rules test.

A derivation has a ``level`` (item, project or plan) and a ``value``:

* ``{"in": "selector"}`` (item level): true when the item is in the selector, and absent when it is
  not (test it with ``true``, or ``{"$nex": {name: 1}}`` for "not in"; a comparison with false never
  matches, so the rule loader rejects it). Absent, not false: most items are in no selector, and
  every field of a fact costs engine time (bench/check_bench.py: a third of the engine's time went
  on such false fields);
* ``{"count": "selector"}``: how many items of the project (or plan) are in the selector;
* ``{"sum": {"selector": "s", "of": "amount" | "quantity"}}``: their total amount or quantity;
* ``{"share": {"part": "s1", "whole": "s2", "of": "amount" | "quantity" | "count"}}``: the part as a
  percentage of the whole, rounded to ``round`` decimals (default 2); absent when the whole is zero,
  unless ``empty`` gives the value to use then;
* ``{"field": "a.b"}``: the value of a field of the plan, project or item itself (a number, text or
  true/false; absent when the plan does not give it);
* ``{"length": "a.b"}``: how many elements a list field of the item, project or plan has (0 when absent);
* ``{"count_where": {"list": "evaluation.factors", "where": clause}}``: how many elements of such a list
  match ``clause`` (``field``, ``all``, ``any``, ``not``, as in selectors, over the element's fields);
* ``{"share_where": {"list": "building_materials", "part": clause, "whole": clause}}``: the elements
  matching ``part`` as a percentage of those matching ``whole`` (no value when none match ``whole``);
* ``{"listed": {"field": "plan.agency.region", "table": "id"}}`` (project or plan level): true when the
  field's value starts with a key of the table's edition in force on the plan's date, false when it
  does not, no value when the plan does not give the field or no edition is in force. Tables are data
  (rules/tables/*.json, rules/<pack>/tables/*.json), with their source and whether they are complete.

* ``{"date": ref}``: a date, as the number YYYYMMDD (like ``plan_date``), so that a rule compares it;
* ``{"days": {"from": ref, "to": ref}}``: the days from one date to the other (negative when ``to`` is
  earlier), absent when either date is;
* ``{"status": {"each": {"list": …, "where": clause}, "cases": [{"if": clause, "value": v}, …],
  "otherwise": v, "none": v, "prefer": [v, …]}}``: a verdict per element of a list (the first case
  whose ``if`` holds, else ``otherwise``), and of those verdicts the first in ``prefer`` order; ``none``
  when no element is in the list. In a case, a clause may also be ``{"days": {"from": ref, "to": ref,
  "$gt" | "$gte" | "$lt" | "$lte": n}}`` (false when either date is missing).

A date ``ref`` is a path (``plan.date``; in a ``status`` case, a path of the element itself) or
``{"list": "award.certificates", "where": clause, "field": "valid_until", "pick": "earliest" | "latest"}``:
that field of the list's elements matching ``where``. A derivation may say ``stages`` (["award"]): it
has no value at other stages.

A ``field`` path starting with ``plan.`` reads the plan from a project-level value.

Comparing a value with a parameter is written in the rule's ``when`` (``{"$lt": {"circular_share":
{"$param": "circular_share_min"}}}``), so the engine decides what fires.
"""
from __future__ import annotations

import datetime as _dt
from dataclasses import dataclass
from pathlib import Path

from .._jsonutil import load_data
from ..errors import DataError
from . import selectors as _selectors

LEVELS = ("item", "project", "plan")


@dataclass(frozen=True)
class Derived:
    id: str
    level: str
    title: dict
    description: dict
    unit: str
    value: dict
    round: int
    empty: object
    examples: list
    path: Path
    stages: tuple = ()

    @property
    def op(self):
        return next(iter(self.value))

    def selectors(self):
        (op, arg), = self.value.items()
        if op in _OWN:
            return []
        if op in ("in", "count"):
            return [arg]
        if op == "sum":
            return [arg["selector"]]
        return [arg["part"], arg["whole"]]


@dataclass(frozen=True)
class Verdict:
    """A ``status`` that Python code evaluates over an element it looked up itself (a registry row):
    the lookup is code, the verdict from the looked-up fields is data. ``verdicts`` in a derived file."""
    id: str
    title: dict
    description: dict
    status: dict
    examples: list
    path: Path

    def function(self):
        """fn(element or None, date) → the verdict."""
        fn = status_function(self.status)
        return lambda element, date: fn({"rows": [element] if element is not None else []}, {"date": date})


def load_dir(directory: Path, into: dict, verdicts: dict | None = None):
    if not directory.is_dir():
        return
    for path in sorted(directory.glob("*.json")):
        doc = load_data(path, "derived")
        for i, v in enumerate(doc.get("verdicts", ())):
            if verdicts is not None:
                if v["id"] in verdicts:
                    raise DataError(path, f"/verdicts/{i}/id", f"duplicate verdict '{v['id']}' (also in {verdicts[v['id']].path})")
                verdicts[v["id"]] = Verdict(v["id"], v["title"], v.get("description", v["title"]), v["status"], v["examples"], path)
        for i, d in enumerate(doc.get("derived", ())):
            if d["id"] in into:
                raise DataError(path, f"/derived/{i}/id", f"duplicate derived value '{d['id']}' (also in {into[d['id']].path})")
            op = next(iter(d["value"]))
            if op not in _OWN and (d["level"] == "item") != (op == "in"):
                raise DataError(path, f"/derived/{i}/value",
                                "an item-level value over selectors is {\"in\": selector}; count, sum and share are project or plan values")
            into[d["id"]] = Derived(d["id"], d["level"], d["title"], d.get("description", d["title"]), d.get("unit", ""),
                                    d["value"], d.get("round", 2), d.get("empty"), d["examples"], path,
                                    tuple(d.get("stages", ())))


def check_refs(derived: dict, selectors: dict, fields: dict, tables: dict | None = None):
    for d in derived.values():
        if d.op == "listed":
            if d.value["listed"]["table"] not in (tables or {}):
                raise DataError(d.path, f"/derived/{d.id}", f"derived value '{d.id}' uses no such table '{d.value['listed']['table']}'")
            if d.level == "item":
                raise DataError(d.path, f"/derived/{d.id}", "a listed value is a project or plan value")
        for s in d.selectors():
            if s not in selectors:
                raise DataError(d.path, f"/derived/{d.id}", f"derived value '{d.id}' uses no such selector '{s}'")
        if d.id in fields[d.level]:
            raise DataError(d.path, f"/derived/{d.id}", f"'{d.id}' is already a field of a {d.level} fact")


#: Values read from the plan's own object at the derivation's level, not accumulated over items.
_OWN = ("field", "length", "count_where", "share_where", "listed", "date", "days", "status")



class Evaluator:
    """The derived values a checker needs, compiled once into one generated function per item
    (selectors.compile_function with ``accumulate``): it marks the item's memberships and adds the
    item to the project's and the plan's sums; the values are computed from the sums."""

    def __init__(self, wanted, derived: dict, selectors: dict, tables: dict | None = None):
        fields, sums = [], {"project": [], "plan": []}
        self.project, self.plan = [], []
        self.own = {"item": [], "project": [], "plan": []}    # (name, fn(object) -> value)
        self.stages = {}                                         # name → the stages it has a value at

        def pair(level, name, measure):
            key = (name, measure)
            if key not in sums[level]:
                sums[level].append(key)
            return sums[level].index(key)
        for name in sorted(wanted):
            d = derived[name]
            (op, arg), = d.value.items()
            if op in _OWN:
                self.own[d.level].append((name, _own(op, arg, d, tables or {})))
                if d.stages:
                    self.stages[name] = d.stages
                continue
            if op == "in":
                fields.append((name, arg))
                continue
            lv = d.level
            if op == "count":
                fn = _count(pair(lv, arg, "count"))
            elif op == "sum":
                fn = _total(pair(lv, arg["selector"], arg["of"]), None)
            else:
                fn = _share(pair(lv, arg["part"], arg["of"]), pair(lv, arg["whole"], arg["of"]), d.round, d.empty)
            (self.project if lv == "project" else self.plan).append((name, fn))
        used = sorted({sel for _, sel in fields} | {sel for lv in sums.values() for sel, _ in lv})
        self.n_project, self.n_plan = len(sums["project"]), len(sums["plan"])
        self._accumulate = (_selectors.compile_function(selectors, used, (fields, sums["project"], sums["plan"]))
                            if used else None)
        self.item_active = bool(used) or bool(self.own["item"])
        self.active = self.item_active or bool(self.own["project"] or self.own["plan"])

    def item_function(self, plan=None):
        """The function facts.build calls per item of ``plan`` (the generated one itself when no value
        is read from the item object: one call less per item), or None when there is nothing per item.
        Values declared for other stages than the plan's are left out here, once per plan."""
        if not self.item_active:
            return None
        stage = (plan or {}).get("stage", "plan")
        own = [(n, fn) for n, fn in self.own["item"] if stage in self.stages.get(n, (stage,))]
        if not own:
            return self._accumulate
        accumulate = self._accumulate

        def item(item, project, edition, nature, obligations, rows, fact, project_sums, plan_sums):
            """Put the item-level values on ``fact`` and add the item to the project's and plan's sums."""
            for name, fn in own:
                fact[name] = fn(item, plan)
            if accumulate is not None:
                accumulate(item, project, edition, nature, obligations, rows, fact, project_sums, plan_sums)
        return item

    def values(self, level, sums, obj, plan) -> dict:
        """The project's or plan's values: those summed over its items, and those read from ``obj``
        (the project or plan object itself) or from ``plan``."""
        out = {name: fn(sums) for name, fn in (self.project if level == "project" else self.plan)}
        stage = plan.get("stage", "plan") if plan is not None else "plan"
        out.update((name, fn(obj, plan)) for name, fn in self.own[level] if stage in self.stages.get(name, (stage,)))
        return out


def _read(obj, plan, path):
    """The value at ``path`` of ``obj`` (``plan.…``: of the plan), or MISSING."""
    if path.startswith("plan."):
        return _selectors.get_path(plan, None, path[5:]) if plan is not None else _selectors.MISSING
    return _selectors.get_path(obj, None, path)


def _day(v):
    """A date text YYYY-MM-DD as a date, or None."""
    if not isinstance(v, str):
        return None
    try:
        return _dt.date.fromisoformat(v[:10])
    except ValueError:
        return None


def date_ref(ref):
    """fn(obj, plan) → the date ``ref`` names (a datetime.date) or None; ``obj`` is the item, project
    or plan, or in a status case the list element."""
    if isinstance(ref, str):
        return lambda obj, plan: _day(_read(obj, plan, ref))
    where = _element_clause(ref["where"]) if "where" in ref else (lambda e: True)
    pick = max if ref.get("pick", "latest") == "latest" else min
    lst, fld = ref["list"], ref["field"]

    def from_list(obj, plan):
        v = _read(obj, plan, lst)
        days = [x for e in v if isinstance(e, dict) and where(e)
                for x in (_day(e.get(fld)),) if x is not None] if isinstance(v, list) else []
        return pick(days) if days else None
    return from_list


def _days(arg):
    a, b = date_ref(arg["from"]), date_ref(arg["to"])

    def days(obj, plan):
        x, y = a(obj, plan), b(obj, plan)
        return None if x is None or y is None else (y - x).days
    return days


_CMP = {"$gt": lambda a, b: a > b, "$gte": lambda a, b: a >= b, "$lt": lambda a, b: a < b, "$lte": lambda a, b: a <= b}


def _case_clause(clause):
    """A status case's clause: an element clause, or a days comparison; fn(element, plan) → bool."""
    (key, val), = clause.items()
    if key == "days":
        diff = _days(val)
        (op, bound), = ((k, v) for k, v in val.items() if k in _CMP)
        cmp = _CMP[op]

        def days(e, plan):
            n = diff(e, plan)
            return n is not None and cmp(n, bound)
        return days
    if key in ("all", "any", "not"):
        parts = [_case_clause(c) for c in (val if key in ("all", "any") else [val])]
        if key == "all":
            return lambda e, plan: all(p(e, plan) for p in parts)
        if key == "any":
            return lambda e, plan: any(p(e, plan) for p in parts)
        return lambda e, plan: not parts[0](e, plan)
    plain = _element_clause(clause)
    return lambda e, plan: plain(e)


def status_function(arg):
    """fn(obj, plan) → the verdict of a ``status`` value (see the module's docstring)."""
    each = arg["each"]
    where = _element_clause(each["where"]) if "where" in each else (lambda e: True)
    cases = [(_case_clause(c["if"]), c["value"]) for c in arg["cases"]]
    rank = {v: i for i, v in enumerate(arg["prefer"])}
    otherwise, none = arg["otherwise"], arg.get("none")
    best = arg["prefer"][0]

    def verdict(e, plan):
        for test, value in cases:
            if test(e, plan):
                return value
        return otherwise

    def status(obj, plan):
        v = _read(obj, plan, each["list"])
        out = none
        for e in (v if isinstance(v, list) else ()):
            if isinstance(e, dict) and where(e):
                got = verdict(e, plan)
                if got == best:
                    return got
                if out == none or rank.get(got, len(rank)) < rank.get(out, len(rank)):
                    out = got
        return out
    return status


def _own(op, arg, d, tables):
    if op == "date":
        ref = date_ref(arg)

        def date(obj, plan):
            x = ref(obj, plan)
            return None if x is None else x.year * 10000 + x.month * 100 + x.day
        return date
    if op == "days":
        return _days(arg)
    if op == "status":
        return status_function(arg)
    if op == "field":
        def field(obj, plan):
            v = _read(obj, plan, arg)
            return None if v is _selectors.MISSING or isinstance(v, (dict, list)) else v
        return field
    if op == "length":
        def length(obj, plan):
            v = _read(obj, plan, arg)
            return len(v) if isinstance(v, list) else 0
        return length
    if op == "listed":
        table = tables[arg["table"]]

        def listed(obj, plan):
            v = _read(obj, plan, arg["field"])
            entries = table.entries_on(plan["date"]) if plan is not None else None
            if not isinstance(v, str) or entries is None:
                return None
            return v.startswith(entries)
        return listed
    if op == "share_where":
        part, whole = _element_clause(arg["part"]), _element_clause(arg["whole"])

        def share_where(obj, plan):
            v = _read(obj, plan, arg["list"])
            elems = [e for e in v if isinstance(e, dict) and whole(e)] if isinstance(v, list) else []
            return round(100.0 * sum(1 for e in elems if part(e)) / len(elems), d.round) if elems else d.empty
        return share_where
    where = _element_clause(arg["where"])

    def count_where(obj, plan):
        v = _read(obj, plan, arg["list"])
        return sum(1 for e in v if isinstance(e, dict) and where(e)) if isinstance(v, list) else 0
    return count_where


def _element_clause(clause):
    """A clause over one element of a list field (field, all, any, not); small lists, interpreted."""
    (key, val), = clause.items()
    if key == "field":
        path = val["path"]
        if "equals" in val:
            return lambda e: _selectors._equals(_selectors.get_path(e, None, path), val["equals"])
        if "in" in val:
            return lambda e: _selectors._among(_selectors.get_path(e, None, path), val["in"])
        return lambda e: (_selectors.get_path(e, None, path) is not _selectors.MISSING) is bool(val["exists"])
    parts = [_element_clause(c) for c in (val if key in ("all", "any") else [val])]
    if key == "all":
        return lambda e: all(p(e) for p in parts)
    if key == "any":
        return lambda e: any(p(e) for p in parts)
    return lambda e: not parts[0](e)


def _count(i):
    return lambda sums: int(sums[i])


def _total(i, _):
    return lambda sums: sums[i]


def _share(part, whole, digits, empty):
    def share(sums):
        w = sums[whole]
        return round(100.0 * sums[part] / w, digits) if w else empty
    return share
