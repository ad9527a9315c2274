"""The documents the criteria and evaluation data cite by key (rules/sources.json, validated against
schemas/sources.schema.json): key → title, URL(s), detail and provenance. Data files name them in
``refs``; reports and `lvcai criteria show` print them, so a reader can follow every citation without
lvcai's research notes. Nothing here fetches a URL."""
from __future__ import annotations

import re
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


def _unknown(path, pointer, key, rules_dir) -> DataError:
    return DataError(path, pointer, f"cites document '{key}', which {path_for(rules_dir).name} does not list")


def check_refs(refs, path, pointer, rules_dir=None) -> None:
    """A DataError naming the data file and place when ``refs`` names a key the sources file lacks."""
    known = table(rules_dir)
    for i, key in enumerate(refs):
        if key not in known:
            raise _unknown(path, f"{pointer}/{i}", key, rules_dir)


#: a citation of rules/sources.json in a text: [S5], [POL-NINE, Z1], [S3/S4]
_CITED = re.compile(r"\[((?:[A-Z][0-9]+|POL-[A-Z]+)(?:(?:, |/)(?:[A-Z][0-9]+|POL-[A-Z]+))*)\]")


def cited_keys(node, ptr=""):
    """(pointer, key) of every document key a data file cites: its ``refs`` lists and [KEY] in its texts."""
    if isinstance(node, dict):
        for k, v in node.items():
            if k == "refs" and isinstance(v, list):
                for i, key in enumerate(v):
                    yield f"{ptr}/refs/{i}", key
            else:
                yield from cited_keys(v, f"{ptr}/{k}")
    elif isinstance(node, list):
        for i, v in enumerate(node):
            yield from cited_keys(v, f"{ptr}/{i}")
    elif isinstance(node, str):
        for group in _CITED.findall(node):
            for key in re.split(r", |/", group):
                yield ptr, key


def check_citations(path: Path, doc, rules_dir=None, base: str = "") -> None:
    """A DataError naming the file and place when it cites a document key the sources file does not list
    (``base``: the pointer of ``doc`` within the file, when it is a part of it)."""
    known = table(rules_dir)
    for ptr, key in cited_keys(doc, base):
        if key not in known:
            raise _unknown(path, ptr, key, rules_dir)


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


def rows(keys, no_url_word: str, rules_dir=None) -> list:
    """The documents of ``keys`` as reports list them: [{key, title, detail, urls, no_url}] in the
    given order, ``no_url`` the reader's words for a document without an address (else "")."""
    return [{"key": e["key"], "title": e["title"], "detail": e["detail"], "urls": e["urls"] or [],
             "no_url": no_url_word if e["no_url"] else ""} for e in resolve(keys, rules_dir)]


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
