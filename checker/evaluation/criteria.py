"""Green evaluation criteria per product group: rules/criteria/<group>.json, validated against
schemas/criteria.schema.json. Python evaluates the group's catalog selector generically; every code,
criterion, band and source is data."""
from __future__ import annotations

from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

from .. import _paths
from .._jsonutil import load_data
from ..errors import DataError
from . import sources as _sources

AMBITIONS = ("core", "comprehensive")


@dataclass(frozen=True)
class Group:
    id: str
    doc: dict
    path: Path

    @property
    def criteria(self) -> list:
        return self.doc["criteria"]

    def matches(self, item: dict, edition: str) -> bool:
        return self.predicate(edition)(item)

    def predicate(self, edition: str):
        """The catalog selector compiled for one catalog edition: item → bool (made once, then cached;
        per item it costs a set lookup or a startswith, measured with bench/check_bench.py)."""
        cache = self.__dict__.setdefault("_predicates", {})
        if edition not in cache:
            cache[edition] = _compile(self.doc["catalog"]["match"], edition)
        return cache[edition]


def _compile(clause: dict, edition: str):
    (key, val), = clause.items()
    if key == "codes":
        codes = frozenset(val.get(edition, ()))
        return lambda item: item["category_code"] in codes
    if key == "prefixes":
        prefixes = tuple(val.get(edition, ()))
        return lambda item: item["category_code"].startswith(prefixes)
    if key == "field":
        path, want = val["path"], val["equals"]
        return lambda item: (got := item.get(path)) == want and isinstance(got, bool) == isinstance(want, bool)
    if key in ("any", "all"):
        parts = [_compile(c, edition) for c in val]
        return (lambda item: any(f(item) for f in parts)) if key == "any" else (lambda item: all(f(item) for f in parts))
    inner = _compile(val, edition)    # "not": the schema admits no other key
    return lambda item: not inner(item)


def load_file(path: Path) -> Group:
    """One criteria file, validated; a problem raises DataError naming the file and the place."""
    doc = load_data(path, "criteria")
    if doc["group"] != path.stem:
        raise DataError(path, "/group", f"the group '{doc['group']}' differs from the file name '{path.name}' (expected {doc['group']}.json)")
    seen = set()
    for i, c in enumerate(doc["criteria"]):
        if not c["id"].startswith(doc["group"] + "."):
            raise DataError(path, f"/criteria/{i}/id", f"criterion id '{c['id']}' does not start with the group id '{doc['group']}.'")
        if c["id"] in seen:
            raise DataError(path, f"/criteria/{i}/id", f"duplicate criterion id '{c['id']}'")
        seen.add(c["id"])
        _sources.check_refs(c["source"]["refs"], path, f"/criteria/{i}/source/refs", path.parent.parent)
    _sources.check_refs(doc["eu_set"]["refs"], path, "/eu_set/refs", path.parent.parent)
    _sources.check_refs(doc["catalog"]["source"]["refs"], path, "/catalog/source/refs", path.parent.parent)
    return Group(doc["group"], doc, path)


def load_dir(directory: Path) -> dict:
    """Every group of ``directory`` (id → Group), in file-name order; none when it does not exist."""
    if not directory.is_dir():
        return {}
    return {g.id: g for g in (load_file(p) for p in sorted(directory.glob("*.json")))}


@lru_cache(maxsize=None)
def _cached(directory: str) -> dict:
    return load_dir(Path(directory))


def groups(rules_dir=None) -> dict:
    """The groups of ``rules_dir`` (default: the shipped rules), loaded once per process."""
    return _cached(str(Path(rules_dir or _paths.rules_dir()) / "criteria"))


def by_id(all_groups: dict) -> dict:
    """criterion id → (group, criterion) (kept with the groups dict: built once per set of groups)."""
    key = id(all_groups)
    hit = _BY_ID.get(key)
    if hit is None or hit[0] is not all_groups:
        hit = _BY_ID[key] = (all_groups, {c["id"]: (g, c) for g in all_groups.values() for c in g.criteria})
    return hit[1]


_BY_ID: dict = {}
