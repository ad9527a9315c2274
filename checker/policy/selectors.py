"""Selectors: named sets of plan items, defined in data (rules/selectors/*.json and
rules/<pack>/selectors/*.json) and compiled once into predicates.

A selector's ``match`` is one clause:

* ``{"codes": {"2013": [...], "2022": [...]}}``: the item's code is one of these, in the plan's
  catalog edition (an edition not named matches nothing);
* ``{"prefixes": {"2022": ["A020101"]}}``: the item's code starts with one of these;
* ``{"list": {"kind": "energy_saving" | "environmental_label" | "any", "obligation": [...], "rows": [...]}}``:
  the obligation the list in force puts on the item, or the list rows its code resolves to;
* ``{"field": {"path": "circular_economy", "equals": true}}`` (or ``"in": [...]``, or ``"exists": true|false``):
  a field of the plan item, a dotted path; ``project.`` reaches the item's project;
* ``{"nature": ["goods"]}``: the nature of the item's project (given, or derived from its codes);
* ``{"fact": {"field": "circular_catalog", "in": ["matched"]}}`` (or ``"exists": true|false``): a field
  of the item's fact that checker/facts.py looked up in the registry (not a field of the plan);
* ``{"every_item": true}``: every item;
* ``{"selector": "other"}``, ``{"all": [...]}``, ``{"any": [...]}``, ``{"not": clause}``.
"""
from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from .._jsonutil import load_data
from ..errors import DataError


@dataclass(frozen=True)
class Selector:
    id: str
    title: dict
    description: dict
    source: dict
    match: dict
    examples: dict
    path: Path

    def refs(self):
        out = []
        _refs(self.match, out)
        return out


def _refs(clause, out, key_wanted="selector"):
    """The selectors a clause refers to (or, with ``key_wanted="fact"``, the fact fields it tests)."""
    (key, val), = clause.items()
    if key == key_wanted:
        out.append(val if key == "selector" else val["field"])
    elif key == "selector":
        pass
    elif key in ("all", "any"):
        for c in val:
            _refs(c, out, key_wanted)
    elif key == "not":
        _refs(val, out, key_wanted)


def load_dir(directory: Path, into: dict):
    """Load every selectors file of ``directory`` (if it exists) into ``into`` (id → Selector)."""
    if not directory.is_dir():
        return
    for path in sorted(directory.glob("*.json")):
        doc = load_data(path, "selectors")
        for i, s in enumerate(doc["selectors"]):
            if s["id"] in into:
                raise DataError(path, f"/selectors/{i}/id", f"duplicate selector '{s['id']}' (also in {into[s['id']].path})")
            into[s["id"]] = Selector(s["id"], s["title"], s.get("description", s["title"]), s["source"], s["match"],
                                     s["examples"], path)


def check_refs(selectors: dict, item_fields=None):
    """Every ``{"selector": …}`` names a selector, no selector refers to itself through others, and
    every ``{"fact": …}`` names a field of item facts (``item_fields``, checker.facts.FIELDS["item"])."""
    for sel in selectors.values():
        for ref in sel.refs():
            if ref not in selectors:
                raise DataError(sel.path, f"/selectors/{sel.id}", f"selector '{sel.id}' refers to no such selector '{ref}'")
        facts = []
        _refs(sel.match, facts, "fact")
        for name in facts:
            if item_fields is not None and name not in item_fields:
                raise DataError(sel.path, f"/selectors/{sel.id}", f"selector '{sel.id}' tests no such item fact field '{name}'")

    state = {}

    def visit(name, trail):
        if state.get(name) == "done":
            return
        if state.get(name) == "open":
            raise DataError(selectors[name].path, "", f"selectors refer to each other in a cycle: {' → '.join(trail + [name])}")
        state[name] = "open"
        for ref in selectors[name].refs():
            visit(ref, trail + [name])
        state[name] = "done"
    for name in selectors:
        visit(name, [])


def closure(names, selectors: dict) -> list:
    """``names`` and every selector they refer to."""
    out, todo = [], list(names)
    while todo:
        n = todo.pop()
        if n not in out:
            out.append(n)
            todo.extend(selectors[n].refs())
    return out


def compile_function(selectors: dict, wanted: list, accumulate):
    """One Python function ``f(item, project, edition, nature, obligations, rows, fact, project_sums,
    plan_sums)`` that evaluates the ``wanted`` selectors (and those they use, each once) for one item
    and acts on the result, as ``accumulate`` = (item fields [(field, selector)], project sums
    [(selector, measure)], plan sums [(selector, measure)]) says: it sets each item field to true on
    ``fact`` when the item is in its selector, and adds the item's measure (amount, quantity or 1 for
    count) to the sums whose selector it is in. ``rows``: list kind → the list rows the code resolved to.

    The function's source is generated from the selectors' structure so that an item costs one call
    (closures per clause cost about 10 µs an item, a fifth of the whole check; measured with
    bench/check_bench.py). No value from the data is written into the source: codes, prefixes,
    paths and values are constants bound as the default arguments c0, c1, … (local lookups), and
    selector ids (``^[a-z][a-z0-9_]*$`` by schema) become local names."""
    order = _topological(closure(wanted, selectors), selectors)
    consts: list = []
    paths: dict = {}      # dotted path → local name: each field is read once per item

    obligations: dict = {}   # list kind → local name: each kind's obligation is looked up once per item
    facts: dict = {}         # fact field → local name: read once per item

    def const(value):
        consts.append(value)
        return f"c{len(consts) - 1}"     # a default argument of the function: a local, the fastest lookup

    def obligation(kind):
        return obligations.setdefault(kind, f"o{len(obligations)}")

    def expr(clause):
        (key, val), = clause.items()
        if key == "codes":
            return f"(code in {const({ed: frozenset(c) for ed, c in val.items()})}.get(edition, EMPTY))"
        if key == "prefixes":
            return f"code.startswith({const({ed: tuple(p) for ed, p in val.items()})}.get(edition, ()))"
        if key == "list":
            kinds = ("energy_saving", "environmental_label") if val["kind"] == "any" else (val["kind"],)
            parts = []
            for k in kinds:
                if val.get("obligation"):
                    parts.append(f"{obligation(k)} in {const(frozenset(val['obligation']))}")
                if val.get("rows"):
                    parts.append(f"not {const(frozenset(val['rows']))}.isdisjoint(r.id for r in rows[{const(k)}])")
            return "(" + " or ".join(parts) + ")"
        if key == "field":
            get = paths.setdefault(val["path"], f"f{len(paths)}")
            if "equals" in val:
                want = val["equals"]
                if isinstance(want, bool):
                    return f"({get} is {const(want)})"
                if isinstance(want, str):
                    return f"({get} == {const(want)})"
                return f"_equals({get}, {const(want)})"
            if "in" in val:
                return f"_among({get}, {const(list(val['in']))})"
            return f"(({get}) is not MISSING) is {const(bool(val['exists']))}"
        if key == "fact":
            got = facts.setdefault(val["field"], f"x{len(facts)}")
            if "in" in val:
                return f"({got} in {const(frozenset(val['in']))})"
            return f"(({got} is not None) is {const(bool(val['exists']))})"
        if key == "nature":
            return f"(nature in {const(frozenset(val))})"
        if key == "every_item":
            return "True"
        if key == "selector":
            return f"s_{val}"
        if key in ("all", "any"):
            return "(" + f" {'and' if key == 'all' else 'or'} ".join(expr(c) for c in val) + ")"
        if key == "not":
            return f"(not {expr(val)})"
        raise ValueError(key)   # the schema admits no other key
    lines = ["    code = item['category_code']"]
    # every clause is a comparison, a membership, a startswith or and/or/not of those: a bool already
    body = [f"    s_{name} = {expr(selectors[name].match)}" for name in order]
    always = {name for name in order if selectors[name].match == {"every_item": True}}
    # Each field of the item is read once per item, however many paths go through it: a path
    # a.b reads a (one local per first part, p0, p1, …), then b of it when a is an object.
    firsts: dict = {}     # first part → (local of its value, local of it as an object, or of {})

    def first(name):
        if name not in firsts:
            n = len(firsts)
            firsts[name] = (f"p{n}", f"d{n}")
            lines.append(f"    p{n} = item.get({const(name)}, MISSING)")
        return firsts[name]
    objects = set()
    for path, local in paths.items():
        parts = path.split(".")
        if len(parts) == 1:
            lines.append(f"    {local} = {first(parts[0])[0]}")
        elif len(parts) == 2 and parts[0] != "project":
            value, obj = first(parts[0])
            if obj not in objects:
                objects.add(obj)
                lines.append(f"    {obj} = {value} if type({value}) is dict else NO_OBJECT")
            lines.append(f"    {local} = {obj}.get({const(parts[1])}, MISSING)")
        else:
            lines.append(f"    {local} = dig(item, project, {const(tuple(parts))})")
    # What the selectors read of the item (and of its project) besides its code, its list
    # resolutions and its fact: facts.build's line memo takes it into its key (see key_source below).
    reads = lines[1:]
    lines += [f"    {local} = obligations[{const(kind)}]" for kind, local in obligations.items()]
    lines += [f"    {local} = fact.get({const(name)})" for name, local in facts.items()]
    lines += body
    fields, project_sums, plan_sums = accumulate
    # the quantity is converted only for the items whose selector sums it (few: most sums are amounts)
    measures = {"amount": "a", "quantity": "float(item['quantity'])", "count": "1"}
    lines += ["    a = float(item['amount'])"]

    def when(sel, action):   # a selector of every item needs no test
        return f"    {action}" if sel in always else f"    if s_{sel}: {action}"
    lines += [when(sel, f"fact[{const(field)}] = True") for field, sel in fields]
    lines += [when(sel, f"project_sums[{j}] += {measures[m]}") for j, (sel, m) in enumerate(project_sums)]
    lines += [when(sel, f"plan_sums[{j}] += {measures[m]}") for j, (sel, m) in enumerate(plan_sums)]
    defaults = "".join(f", c{i}=K[{i}]" for i in range(len(consts)))
    lines.insert(0, f"def selected(item, project, edition, nature, obligations, rows, fact, project_sums, plan_sums{defaults}):")
    namespace = {"K": consts, "EMPTY": frozenset(), "MISSING": MISSING, "NO_OBJECT": _NO_OBJECT, "dig": _dig,
                 "_equals": _equals, "_among": _among}
    # For facts.build's line memo, two more functions of the same clauses:
    # key(item, project, *head): ``head`` and every value the selectors read at a path of the item or
    # its project, each with whether it is a bool (a field tested with ``is True`` must not share a
    # key with 1; values equal otherwise, 1 and 1.0, meet every clause here alike: ==, in, is True,
    # _equals, _among). No type objects in it: a key of atomic values is a tuple the garbage
    # collector stops tracking, and the memo's keys stay off its full collections;
    # adds(item, project, edition, nature, obligations, rows, fact): as ``selected``, but instead of
    # adding to the sums it returns which sums the item adds to, as (project sums of its amount, plan
    # sums of its amount, ((to the plan?, index, "quantity" | "count"), …)), so that a line repeating
    # it adds its own amount or quantity to the same sums.
    values = "".join(f"{local}, type({local}) is bool, " for local in paths.values())
    key_source = [f"def key(item, project, head{defaults}):", *reads, f"    return (*head, {values})"]
    add_lines = [line for line in lines if "_sums[" not in line and line != "    a = float(item['amount'])"]
    add_lines[0] = add_lines[0].replace(", project_sums, plan_sums", "").replace("def selected(", "def adds(")
    add_lines += ["    pa = []", "    la = []", "    rest = []"]
    for to, level in (("p", project_sums), ("l", plan_sums)):
        for j, (sel, m) in enumerate(level):
            # a measure is one of three words of this module's (``measures``), not data
            action = f"{to}a.append({j})" if m == "amount" else f"rest.append(({to == 'l'}, {j}, {m if m in measures else 0!r}))"
            add_lines.append(when(sel, action))
    add_lines.append("    return (tuple(pa), tuple(la), tuple(rest))")
    for name, source in (("<lvcai selectors>", lines), ("<lvcai selectors key>", key_source),
                         ("<lvcai selectors adds>", add_lines)):
        exec(compile("\n".join(source), name, "exec"), namespace)   # noqa: S102 (source built above, no data in it)
    selected = namespace["selected"]
    # besides the code, the edition, the project's nature, the list resolutions and the fields of the
    # fact made before it (``fact_fields``: those it reads), ``selected`` reads only what ``key`` returns
    selected.key, selected.adds = namespace["key"], namespace["adds"]
    selected.fact_fields = frozenset(facts)
    return selected


_NO_OBJECT: dict = {}   # what a path a.b reads b of when a is not an object (only ever read: .get)


def _dig(item, project, parts):
    node = item
    if parts[0] == "project":
        node, parts = project, parts[1:]
    for p in parts:
        if not isinstance(node, dict):
            return MISSING
        node = node.get(p, MISSING)
        if node is MISSING:
            return MISSING
    return node


def _equals(x, want):
    return x is not MISSING and x == want and isinstance(x, bool) == isinstance(want, bool)


def _among(x, allowed):
    return x is not MISSING and not isinstance(x, (dict, list)) and x in allowed


def _topological(names, selectors):
    out = []

    def visit(n):
        if n in out:
            return
        for r in selectors[n].refs():
            visit(r)
        out.append(n)
    for n in sorted(names):
        visit(n)
    return out


def get_path(item, project, path: str):
    """The value at a dotted path of the item (``project.…``: of its project), or MISSING."""
    node = item
    parts = path.split(".")
    if parts[0] == "project":
        node, parts = project, parts[1:]
    for p in parts:
        if not isinstance(node, dict) or p not in node:
            return MISSING
        node = node[p]
    return node


MISSING = object()
