"""Fields a plan has that the plan format does not know, with the closest known name.

The plan schema accepts unknown fields (budget systems add their own), so a misspelt optional field
such as ``green_requirments`` would be ignored silently. This walks a valid plan beside the
schema's declared properties and names every unknown field with the known field it most resembles.
The walk is compiled once from schemas/plan.schema.json: no field name is listed in Python.
"""
from __future__ import annotations

from .. import i18n

import copy
import difflib
from functools import lru_cache

import jsonschema_rs

from .._jsonutil import schema


@lru_cache(maxsize=None)
def _closed():
    """The plan schema with every object closed (additionalProperties: false), compiled by
    jsonschema-rs: almost every plan has no unknown field, and this says so in about 0.3 µs an item
    where the walk below takes several (bench/check_bench.py)."""
    doc = copy.deepcopy(schema("plan"))

    def close(node):
        if isinstance(node, dict):
            if node.get("type") == "object" and "properties" in node:
                node["additionalProperties"] = False
            for v in node.values():
                close(v)
        elif isinstance(node, list):
            for v in node:
                close(v)
    close(doc)
    return jsonschema_rs.validator_for(doc, validate_formats=False)


@lru_cache(maxsize=None)
def _tree():
    """The schema as {"props": {name: subtree}, "items": subtree} nodes (None: nothing to check)."""
    doc = schema("plan")
    defs = doc.get("$defs", {})

    def node(s, seen=()):
        if not isinstance(s, dict):
            return None
        ref = s.get("$ref")
        if ref and ref.startswith("#/$defs/") and ref not in seen:
            base = node(defs[ref[len("#/$defs/"):]], seen + (ref,))
            if "properties" not in s and "items" not in s:
                return base
        props = s.get("properties")
        items = s.get("items")
        if props is None and items is None:
            return None
        subs = {k: node(v, seen) for k, v in (props or {}).items()}
        return {"nested": tuple((k, t) for k, t in subs.items() if t is not None),   # only those with more inside
                "known": frozenset(props) if props is not None else None,
                "items": node(items, seen) if isinstance(items, dict) else None}
    return node(doc)


def unknown_fields(doc) -> list:
    """[(pointer, field, closest known field or None)] for every field the plan format does not know
    (``doc`` is a plan that passed schema validation)."""
    if _closed().is_valid(doc):
        return []
    out = []

    def walk(value, tree, ptr):
        if tree is None:
            return
        if isinstance(value, dict) and tree["known"] is not None:
            extra = value.keys() - tree["known"]
            for k in sorted(extra) if extra else ():
                # a hostile plan's key may be megabytes long: only a name-sized key gets a suggestion
                close = difflib.get_close_matches(k, sorted(tree["known"]), n=1, cutoff=0.6) if len(k) <= 64 else ()
                out.append((f"{ptr}/{_escape(k)}", k, close[0] if close else None))
            for k, sub in tree["nested"]:
                if k in value:
                    walk(value[k], sub, f"{ptr}/{_escape(k)}")
        elif isinstance(value, list) and tree["items"] is not None:
            for i, v in enumerate(value):
                walk(v, tree["items"], f"{ptr}/{i}")
    walk(doc, _tree(), "")
    return out


def _escape(token: str) -> str:
    return token.replace("~", "~0").replace("/", "~1")


#: The words of the CHK-005 finding (and of the CHK-001 problem under --strict).
TEXT = i18n.catalogue()["unknown_field_words"]   # reports/messages.json: the words are data, like every other message


def message(field, close, lang, strict=False) -> str:
    """The CHK-005 message (``strict``: the CHK-001 problem: the plan is refused, not the field ignored)."""
    text = TEXT["strict" if strict else "message"][lang].format(field=field)
    return text + (TEXT["hint"][lang].format(close=close) if close else "" if strict else TEXT["end"][lang])
