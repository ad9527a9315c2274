"""The green-procurement category lists: editions in force by date, and codes resolved to list rows.

A plan's category code is resolved per list and per catalog edition:

* rows whose code is the item's code, or an ancestor of it (a list row for 床类 covers every bed), are
  the *candidates*;
* when there are none but rows sit below the code (A02010100 计算机 is the parent of the listed
  desktop, laptop and server codes), the code is a *parent* of listed codes;
* a ``product_type`` given by the plan selects among candidates (激光打印机 vs 喷墨打印机);
* candidates or children with different obligations leave the code *ambiguous*, and the stricter
  obligation applies, so that nothing passes silently.

Which codes are listed, and with what obligation, comes only from the list files in rules/lists/.
"""
from __future__ import annotations

import json
import re
from dataclasses import dataclass
from functools import cached_property
from pathlib import Path

from . import _paths
from ._jsonutil import load_data
from .errors import DataError, UsageError, Words
from .evaluation.sources import check_citations   # list rows cite the documents of rules/sources.json

#: Obligations from the weakest to the strictest; "none" is off the list.
STRICTNESS = ("none", "priority", "mandatory")

#: The lists a plan is checked against, in output order.
LIST_KINDS = ("energy_saving", "environmental_label")


@dataclass(frozen=True)
class Row:
    id: str
    name: str
    product_type: str
    obligation: str
    standard: str | None
    verified: bool
    unverified: tuple
    edition_id: str

    @cached_property
    def cited(self):
        """The row as a result's items list it (one shared dict per row; do not mutate)."""
        return {"id": self.id, "name": self.name, "obligation": self.obligation}

    @cached_property
    def brief(self):
        """The row as findings cite it (one shared dict per row; do not mutate)."""
        return {"id": self.id, "name": self.name, "obligation": self.obligation, "standard": self.standard,
                "verified": self.verified, "unverified": list(self.unverified), "edition": self.edition_id}


@dataclass(frozen=True)
class Resolution:
    """How a code (and product type) stands on one list."""
    obligation: str          # none | priority | mandatory (the stricter one where unresolved)
    status: str              # off_list | listed | ambiguous | parent | product_type_unmatched
    rows: tuple = ()         # the rows the obligation rests on (all candidates where unresolved)

    @property
    def unverified_rows(self):
        return tuple(r for r in self.rows if not r.verified)


OFF_LIST = Resolution("none", "off_list")


class CatalogEditions:
    """Code structure of each 政府采购品目分类目录 edition, from rules/lists/catalog_editions.json."""

    def __init__(self, path: Path):
        self.path = path
        doc = json.loads(path.read_text(encoding="utf-8"))
        check_citations(path, doc, path.parent.parent)
        self.default = doc["default_edition"]
        self.editions = doc["editions"]
        self.nature_by_letter = {k: v for k, v in doc["nature_by_letter"].items() if len(k) == 1}
        self._patterns = {k: re.compile(v["code_pattern"]) for k, v in self.editions.items()}

    def code_ok(self, edition: str, code: str) -> bool:
        return bool(self._patterns[edition].match(code))

    def significant(self, edition: str, code: str) -> str:
        """The code without the 00 padding of unused levels (2022: A02010100 → A020101)."""
        if self.editions[edition]["zero_padded"]:
            while len(code) > 3 and code.endswith("00"):
                code = code[:-2]
        return code


class ListIndex:
    """One list edition's rows indexed by the significant codes of one catalog edition."""

    #: Resolutions remembered per instance. Codes come from plans (a batch repeats the same few
    #: hundred), but product types are free text, so the memo is bounded: when full it starts over,
    #: which costs one resolution per entry and needs no bookkeeping on every hit.
    CACHE_SIZE = 4096

    def __init__(self, doc: dict, catalog_edition: str, catalogs: CatalogEditions):
        self._cache: dict[tuple, Resolution] = {}
        self.edition_id = doc["edition_id"]
        self._catalogs, self._cat = catalogs, catalog_edition
        self._at: dict[str, list[Row]] = {}        # significant code → rows at that code
        self._below: dict[str, list[Row]] = {}     # proper prefix → rows below it
        for r in doc["rows"]:
            row = Row(r["id"], r["name"], r["product_type"], r["obligation"], r.get("standard"),
                      r["verified"], tuple(r["unverified"]), self.edition_id)
            codes = [r["code_2013"]] if catalog_edition == "2013" else r["codes_2022"]
            for code in filter(None, codes):
                sig = catalogs.significant(catalog_edition, code)
                self._at.setdefault(sig, []).append(row)
                for k in range(3, len(sig), 2):
                    self._below.setdefault(sig[:k], []).append(row)

    def resolve(self, code: str, product_type: str | None = None) -> Resolution:
        key = (code, product_type)
        try:
            return self._cache[key]
        except KeyError:
            pass
        if len(self._cache) >= self.CACHE_SIZE:
            self._cache.clear()
        res = self._cache[key] = self._resolve(code, product_type)
        return res

    def _resolve(self, code: str, product_type: str | None) -> Resolution:
        sig = self._catalogs.significant(self._cat, code)
        candidates = [row for k in range(3, len(sig) + 1, 2) for row in self._at.get(sig[:k], ())]
        status = "listed"
        if not candidates:
            candidates = self._below.get(sig, [])
            status = "parent"
            if not candidates:
                return OFF_LIST
        candidates = list(dict.fromkeys(candidates))
        if product_type:
            chosen = [r for r in candidates if product_type in (r.product_type, r.name, r.id)]
            if chosen:
                candidates, status = chosen, "listed"
            elif len({r.obligation for r in candidates}) > 1:
                status = "product_type_unmatched"
        obligations = {r.obligation for r in candidates}
        strictest = max(obligations, key=STRICTNESS.index)
        if status == "listed" and len(obligations) > 1:
            status = "ambiguous"
        return Resolution(strictest, status, tuple(candidates))


class Lists:
    """Every list edition under rules/lists/, selected by plan date."""

    def __init__(self, directory: Path | None = None, imported=()):
        """The built-in editions in ``directory`` plus ``imported`` ones (list docs from the registry,
        already validated); an imported edition with a built-in's id replaces it."""
        directory = directory or (_paths.rules_dir() / "lists")
        self.catalogs = CatalogEditions(directory / "catalog_editions.json")
        self.editions: dict[str, list[dict]] = {k: [] for k in LIST_KINDS}
        docs = {}
        for path in sorted(directory.glob("*.json")):
            if path.name == "catalog_editions.json":
                continue
            doc = load_data(path, "list")
            check_citations(path, doc, directory.parent)
            doc["_path"] = path
            docs[doc["edition_id"]] = doc
        for doc in imported:
            docs[doc["edition_id"]] = dict(doc, _path=None, _imported=True)
        for doc in docs.values():
            self.editions[doc["list"]].append(doc)
        for eds in self.editions.values():
            eds.sort(key=lambda d: d["effective_from"])
            for a, b in zip(eds, eds[1:]):
                if a["effective_until"] is not None and a["effective_until"] > b["effective_from"]:
                    raise DataError(b["_path"] or f"registry list {b['edition_id']}", "/effective_from",
                                    f"overlaps {a['edition_id']}, which is in force until {a['effective_until']}")
        self._until = {d["edition_id"]: d["effective_until"] for eds in self.editions.values() for d in eds}
        for eds in self.editions.values():
            for a, b in zip(eds, eds[1:]):   # a new edition ends the one before it
                self._until[a["edition_id"]] = a["effective_until"] or b["effective_from"]
        self._index: dict[tuple, ListIndex] = {}

    def in_force(self, kind: str, date: str) -> dict | None:
        """The edition of list ``kind`` in force on ``date`` (YYYY-MM-DD), or None."""
        for doc in reversed(self.editions[kind]):
            until = self._until[doc["edition_id"]]
            if doc["effective_from"] <= date and (until is None or date < until):
                return doc
        return None

    def index(self, doc: dict, catalog_edition: str) -> ListIndex:
        key = (doc["edition_id"], catalog_edition)
        if key not in self._index:
            self._index[key] = ListIndex(doc, catalog_edition, self.catalogs)
        return self._index[key]

    def all_editions(self):
        return [d for k in LIST_KINDS for d in self.editions[k]]

    def edition(self, edition_id: str) -> dict:
        for d in self.all_editions():
            if d["edition_id"] == edition_id:
                return d
        have = ", ".join(d["edition_id"] for d in self.all_editions())
        raise UsageError(Words("no_list_edition", edition=edition_id, have=have))


def diff(a: dict, b: dict) -> dict:
    """Rows added, removed and with a changed obligation from edition ``a`` to ``b``, matched by their
    2013 code and product type."""
    key = lambda r: (r["code_2013"] or "", r["product_type"])
    ra, rb = {key(r): r for r in a["rows"]}, {key(r): r for r in b["rows"]}
    return {"added": [rb[k] for k in sorted(rb.keys() - ra.keys())],
            "removed": [ra[k] for k in sorted(ra.keys() - rb.keys())],
            "changed": [(ra[k], rb[k]) for k in sorted(ra.keys() & rb.keys()) if ra[k]["obligation"] != rb[k]["obligation"]]}
