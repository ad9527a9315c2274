"""The documents the criteria and evaluation data cite by key (rules/sources.json, validated against
schemas/sources.schema.json): key → title, URL(s), detail and provenance. Data files name them in
``refs``; reports and `lvcai criteria show` print them, so a reader can follow every citation without
lvcai's research notes. Nothing here fetches a URL."""
from __future__ import annotations

from functools import lru_cache
from pathlib import Path

from .. import _paths
from .._jsonutil import load_data
from ..errors import DataError


def path_for(rules_dir=None) -> Path:
    """rules/sources.json of ``rules_dir`` when it has one, else the shipped one."""
    if rules_dir is not None and (Path(rules_dir) / "sources.json").is_file():
        return Path(rules_dir) / "sources.json"
    return _paths.rules_dir() / "sources.json"


@lru_cache(maxsize=None)
def _load(path: str) -> dict:
    return load_data(Path(path), "sources")["sources"]


def table(rules_dir=None) -> dict:
    """key → entry of the sources file (loaded once per process)."""
    return _load(str(path_for(rules_dir)))


def check_refs(refs, path, pointer, rules_dir=None) -> None:
    """A DataError naming the data file and place when ``refs`` names a key the sources file lacks."""
    known = table(rules_dir)
    for i, key in enumerate(refs):
        if key not in known:
            raise DataError(path, f"{pointer}/{i}", f"cites source '{key}', which {path_for(rules_dir).name} does not list")


def resolve(keys, rules_dir=None) -> list:
    """[{key, title, urls, detail, no_url}] for ``keys`` in the given order (unknown keys: skipped;
    the loaders refuse them)."""
    known = table(rules_dir)
    out = []
    for k in keys:
        e = known.get(k)
        if e is not None:
            out.append({"key": k, "title": e["title"], "urls": list(e["urls"]), "detail": e.get("detail", ""),
                        "no_url": e["no_url"]})
    return out


class Numbering:
    """A numbered source list built while citing: cite(keys) → "[1][3]" marks; ``entries`` the list
    in order of first citation (each with its number)."""

    def __init__(self, rules_dir=None):
        self.rules_dir = rules_dir
        self.entries: list = []
        self._num: dict = {}

    def cite(self, keys) -> str:
        marks = []
        for e in resolve(keys or (), self.rules_dir):
            n = self._num.get(e["key"])
            if n is None:
                n = self._num[e["key"]] = len(self.entries) + 1
                self.entries.append({**e, "n": n})
            marks.append(f"[{n}]")
        return "".join(marks)
