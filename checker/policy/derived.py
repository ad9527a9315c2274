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
  match ``clause`` (``field``, ``all``, ``any``, ``not``, as in selectors, over the element's fields).

Comparing a value with a parameter is written in the rule's ``when`` (``{"$lt": {"circular_share":
{"$param": "circular_share_min"}}}``), so the engine decides what fires.
"""
from __future__ import annotations

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


def load_dir(directory: Path, into: dict):
    if not directory.is_dir():
        return
    for path in sorted(directory.glob("*.json")):
        doc = load_data(path, "derived")
        for i, d in enumerate(doc["derived"]):
            if d["id"] in into:
                raise DataError(path, f"/derived/{i}/id", f"duplicate derived value '{d['id']}' (also in {into[d['id']].path})")
            op = next(iter(d["value"]))
            if op not in _OWN and (d["level"] == "item") != (op == "in"):
                raise DataError(path, f"/derived/{i}/value",
                                "an item-level value over selectors is {\"in\": selector}; count, sum and share are project or plan values")
            into[d["id"]] = Derived(d["id"], d["level"], d["title"], d.get("description", d["title"]), d.get("unit", ""),
                                    d["value"], d.get("round", 2), d.get("empty"), d["examples"], path)


def check_refs(derived: dict, selectors: dict, fields: dict):
    for d in derived.values():
        for s in d.selectors():
            if s not in selectors:
                raise DataError(d.path, f"/derived/{d.id}", f"derived value '{d.id}' uses no such selector '{s}'")
        if d.id in fields[d.level]:
            raise DataError(d.path, f"/derived/{d.id}", f"'{d.id}' is already a field of a {d.level} fact")


#: Values read from the plan's own object at the derivation's level, not accumulated over items.
_OWN = ("field", "length", "count_where")



class Evaluator:
    """The derived values a checker needs, compiled once into one generated function per item
    (selectors.compile_function with ``accumulate``): it marks the item's memberships and adds the
    item to the project's and the plan's sums; the values are computed from the sums."""

    def __init__(self, wanted, derived: dict, selectors: dict):
        fields, sums = [], {"project": [], "plan": []}
        self.project, self.plan = [], []
        self.own = {"item": [], "project": [], "plan": []}    # (name, fn(object) -> value)

        def pair(level, name, measure):
            key = (name, measure)
            if key not in sums[level]:
                sums[level].append(key)
            return sums[level].index(key)
        for name in sorted(wanted):
            d = derived[name]
            (op, arg), = d.value.items()
            if op in _OWN:
                self.own[d.level].append((name, _own(op, arg)))
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

    def item_function(self):
        """The function facts.build calls per item (the generated one itself when no value is read
        from the item object: one call less per item), or None when there is nothing per item."""
        if not self.item_active:
            return None
        return self._accumulate if not self.own["item"] else self.item

    def item(self, item, project, edition, nature, obligations, rows, fact, project_sums, plan_sums):
        """Put the item-level values on ``fact`` and add the item to the project's and plan's sums."""
        for name, fn in self.own["item"]:
            fact[name] = fn(item)
        if self._accumulate is not None:
            self._accumulate(item, project, edition, nature, obligations, rows, fact, project_sums, plan_sums)

    def values(self, level, sums, obj) -> dict:
        """The project's or plan's values: those summed over its items, and those read from ``obj``
        (the project or plan object itself)."""
        out = {name: fn(sums) for name, fn in (self.project if level == "project" else self.plan)}
        out.update((name, fn(obj)) for name, fn in self.own[level])
        return out


def _own(op, arg):
    if op == "field":
        def field(obj):
            v = _selectors.get_path(obj, None, arg) if not arg.startswith("project.") else _selectors.MISSING
            return None if v is _selectors.MISSING or isinstance(v, (dict, list)) else v
        return field
    if op == "length":
        def length(obj):
            v = _selectors.get_path(obj, None, arg)
            return len(v) if isinstance(v, list) else 0
        return length
    where = _element_clause(arg["where"])

    def count_where(obj):
        v = _selectors.get_path(obj, None, arg["list"])
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
