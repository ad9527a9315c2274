"""Tables: keyed lists that a derived value looks a plan's field up in (rules/tables/*.json and
rules/<pack>/tables/*.json), such as the cities a programme covers by 行政区划代码 prefix. A table has
editions by date, each with its document, whether it was verified and whether it is complete; the
edition in force on the plan's date is used.
"""
from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from .._jsonutil import load_data
from ..errors import DataError


@dataclass(frozen=True)
class Table:
    id: str
    title: dict
    source: dict
    editions: tuple       # ({"from", "document", "verified", "complete", "entries"}, …), by date
    path: Path
    registry: str | None = None    # the registry kind whose imported rows replace the editions
    imported: bool = False         # the editions are the registry's

    def from_registry(self, rows):
        """This table with its editions replaced by imported rows ({prefix, name, valid_from,
        document, note}): one edition per (valid_from, document), verified and complete, as the
        authority's own file is taken to be."""
        groups = {}
        for r in rows:
            groups.setdefault((r["valid_from"], r["document"]), []).append(
                {"prefix": r["prefix"], "name": r["name"], **({"note": r["note"]} if r.get("note") else {})})
        eds = tuple({"from": f, "document": doc, "verified": True, "complete": True, "entries": sorted(es, key=lambda e: e["prefix"])}
                    for (f, doc), es in sorted(groups.items()))
        source = {"doc": "registry import (lvcai registry import " + self.registry + ")", "verified": True}
        return Table(self.id, self.title, source, eds, self.path, self.registry, True)

    def provenance(self) -> dict:
        """Which editions a result used: the shipped file's or the registry's."""
        return {"id": self.id, "source": "registry" if self.imported else "shipped",
                **({"registry_kind": self.registry} if self.registry else {}),
                **({} if self.imported else {"file": f"{self.path.parent.parent.name}/{self.path.parent.name}/{self.path.name}"}),
                "verified": self.source["verified"],
                "editions": [{"from": e["from"], "document": e["document"], "verified": e["verified"],
                              "complete": e["complete"], "entries": len(e["entries"])} for e in self.editions]}

    def edition_on(self, date: str):
        """The edition in force on ``date``, or None before the first."""
        current = None
        for ed in self.editions:
            if ed["from"] <= date:
                current = ed
        return current

    def entries_on(self, date: str):
        """The keys (prefixes) of the edition in force on ``date`` as a tuple, or None."""
        ed = self.edition_on(date)
        return tuple(e["prefix"] for e in ed["entries"]) if ed else None


def load_dir(directory: Path, into: dict):
    if not directory.is_dir():
        return
    for path in sorted(directory.glob("*.json")):
        doc = load_data(path, "tables")
        for i, t in enumerate(doc["tables"]):
            if t["id"] in into:
                raise DataError(path, f"/tables/{i}/id", f"duplicate table '{t['id']}' (also in {into[t['id']].path})")
            eds = sorted(t["editions"], key=lambda e: e["from"])
            into[t["id"]] = Table(t["id"], t["title"], t["source"], tuple(eds), path, t.get("registry"))
