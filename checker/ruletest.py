"""Run the pass/fail examples written in each rule file.

An example names a base plan in rules/examples/ (default ``base``) and a ``set`` of JSON pointer →
value edits applied to it in order (``null`` removes the member). A *fail* example must make its
rule fire (at ``pointer`` when given); a *pass* example must not make it fire.
"""
from __future__ import annotations

import copy
import json
from dataclasses import dataclass

from ._jsonutil import unescape
from .errors import DataError, Words


@dataclass(frozen=True)
class Outcome:
    rule_id: str
    kind: str        # pass | fail
    index: int
    title: str
    ok: bool
    detail: str      # English; Words, so that the command line can say it in the user's language


def apply_set(doc, edits: dict, where: str = ""):
    """Apply {pointer: value} edits to a copy of ``doc``; ``None`` removes; missing objects are made."""
    doc = copy.deepcopy(doc)
    for ptr, value in edits.items():
        tokens = [unescape(t) for t in ptr.split("/")[1:]]
        node = doc
        for i, tok in enumerate(tokens[:-1]):
            key = int(tok) if isinstance(node, list) else tok
            if isinstance(node, dict) and key not in node:
                node[key] = {}
            try:
                node = node[key]
            except (IndexError, KeyError, TypeError):
                raise DataError(where, ptr, Words("example_no_member", at="/".join(tokens[:i + 1]))) from None
        last = tokens[-1]
        if isinstance(node, list):
            last = len(node) if last == "-" else int(last)
            if value is None:
                del node[last]
            elif last == len(node):
                node.append(value)
            else:
                node[last] = value
        elif value is None:
            node.pop(last, None)
        else:
            node[last] = value
    return doc


def example_refdata(rules_dir):
    """A registry built from rules/examples/registry/ (certificates, bodies, credit, catalog-<edition>,
    records), in a temporary file, for examples that say ``"registry": "examples"``."""
    import csv
    import tempfile
    from pathlib import Path
    from .refdata import RefData
    src = Path(rules_dir) / "examples" / "registry"
    ref = RefData(Path(tempfile.mkdtemp(prefix="lvcai-examples-")) / "registry.sqlite", create=True)
    for path in sorted(src.glob("*.csv")):
        kind, _, edition = path.stem.partition("-")
        if kind == "records":
            with open(path, encoding="utf-8") as fh:
                for r in csv.DictReader(fh):
                    ref.record(r["credit_code"], r["name"], r["finding"], on="2025-12-01")
        else:
            ref.import_file(kind, path, edition=edition or None)
    ref.loaded = ref._loaded()
    return ref


def run_examples(checker, rule_ids=None):
    """Every example of the rules of the checker's profile (or of ``rule_ids``) → [Outcome].
    Examples marked ``"registry": "examples"`` run against the example registry; an example's
    ``profile`` and ``params`` select the profile and parameters it runs under."""
    from .api import Checker
    bases = {}
    out = []
    runners = {}

    def runner_for(ex):
        key = (ex.get("profile", checker.profile.id), json.dumps(ex.get("params", {}), sort_keys=True), ex.get("registry"))
        if key == (checker.profile.id, "{}", None):
            return checker
        if key not in runners:
            ref = example_refdata(checker.rulepacks.directory) if ex.get("registry") == "examples" else checker.refdata
            runners[key] = Checker(key[0], checker.rulepacks.directory, ref, ex.get("params"))
        return runners[key]
    in_profile = {r.id for r in checker.rulepacks.rules.values() if r.pack in checker.profile.packs}
    for rule in sorted(checker.rulepacks.rules.values(), key=lambda r: r.id):
        if rule.id not in in_profile or (rule_ids and rule.id not in rule_ids):
            continue
        for kind in ("fail", "pass"):
            for n, ex in enumerate(rule.examples[kind]):
                where = f"{rule.path}#/examples/{kind}/{n}"
                base_name = ex.get("base", "base")
                if base_name not in bases:
                    path = checker.rulepacks.directory / "examples" / f"{base_name}.json"
                    if not path.is_file():
                        raise DataError(where, "/base", Words("example_no_base", path=path))
                    bases[base_name] = json.loads(path.read_text(encoding="utf-8"))
                plan = apply_set(bases[base_name], ex["set"], where)
                result = runner_for(ex).check_document(plan, where)
                if not result.checkable:
                    ptr, _, msg = result.errors[0]
                    out.append(Outcome(rule.id, kind, n, ex["title"], False,
                                       Words("example_not_checkable", ptr=ptr, msg=Words.schema(str(msg)))))
                    continue
                hits = [f.pointer for f in result.findings if f.rule_id == rule.id]
                if kind == "fail":
                    want = ex.get("pointer")
                    ok = bool(hits) and (want is None or want in hits)
                    detail = Words("example_fired") if ok else (
                        Words("example_fired_elsewhere", hits=hits, want=want) if hits else Words("example_not_fired"))
                else:
                    ok = not hits
                    detail = Words("example_not_fired") if ok else Words("example_fired_at", hits=hits)
                out.append(Outcome(rule.id, kind, n, ex["title"], ok, detail))
    return out


def run_policy_examples(checker, names=None):
    """The examples of every selector (items it must and must not match) and every derived value (the
    value expected at a place of an example plan) → [Outcome], rule_id ``selector:<id>`` or ``derived:<id>``."""
    from . import facts as _facts
    from .policy import derived as _derived, selectors as _selectors
    packs = checker.rulepacks
    bases, out = {}, []

    def plan_for(ex, where):
        base_name = ex.get("base", "base")
        if base_name not in bases:
            path = packs.directory / "examples" / f"{base_name}.json"
            if not path.is_file():
                raise DataError(where, "/base", f"no example base plan {path}")
            bases[base_name] = json.loads(path.read_text(encoding="utf-8"))
        return apply_set(bases[base_name], ex["set"], where)

    example_ref = []

    def refdata_for(ex):
        """The example registry for examples that say ``"registry": "examples"``, else the checker's."""
        if ex.get("registry") != "examples":
            return checker.refdata
        if not example_ref:
            example_ref.append(example_refdata(packs.directory))
        return example_ref[0]

    def value_at(derivation, plan, ptr, ref):
        sels = _selectors.closure(derivation.selectors(), packs.selectors)
        ev = _derived.Evaluator([derivation.id], {derivation.id: derivation}, {n: packs.selectors[n] for n in sels},
                                checker.tables)
        built = _facts.build(plan, checker.lists, {derivation.level: {derivation.id}}, ref, (), ev)
        fact = next((f for f in built.facts if f["id"] == "#" + ptr), None)
        if fact is None:
            raise DataError(derivation.path, ptr, "no such place in the example plan")
        return fact.get(derivation.id)

    for sel in sorted(packs.selectors.values(), key=lambda s: s.id):
        if names and f"selector:{sel.id}" not in names:
            continue
        probe = _derived.Derived("in_selector", "item", sel.title, sel.title, "", {"in": sel.id}, 0, None, [], sel.path)
        for kind in ("match", "no_match"):
            for n, ex in enumerate(sel.examples.get(kind, ())):
                where = f"{sel.path}#/selectors/{sel.id}/examples/{kind}/{n}"
                got = value_at(probe, plan_for(ex, where), ex.get("item", "/projects/0/items/0"), refdata_for(ex))
                ok = (got is True) == (kind == "match")     # true, or absent when not in the selector
                out.append(Outcome(f"selector:{sel.id}", kind, n, ex["title"], ok, "matched" if got else "did not match"))
    for d in sorted(packs.derived.values(), key=lambda d: d.id):
        if names and f"derived:{d.id}" not in names:
            continue
        default_at = {"item": "/projects/0/items/0", "project": "/projects/0", "plan": ""}[d.level]
        for n, ex in enumerate(d.examples):
            where = f"{d.path}#/derived/{d.id}/examples/{n}"
            got = value_at(d, plan_for(ex, where), ex.get("at", default_at), refdata_for(ex))
            want = ex["value"]
            ok = got == want and (got is None) == (want is None) and isinstance(got, bool) == isinstance(want, bool)
            out.append(Outcome(f"derived:{d.id}", "value", n, ex["title"], ok, f"got {got!r}, expected {want!r}"))
    for v in sorted(packs.verdicts.values(), key=lambda v: v.id):
        if names and f"verdict:{v.id}" not in names:
            continue
        fn = v.function()
        for n, ex in enumerate(v.examples):
            got = fn(ex["element"], ex["date"])
            out.append(Outcome(f"verdict:{v.id}", "value", n, ex["title"], got == ex["value"], f"got {got!r}, expected {ex['value']!r}"))
    return out
