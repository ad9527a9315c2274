"""Rule packs and profiles: loaded from rules/, validated, and looked up by id (not the SQLite reference registry, which is checker.refdata).

A rule pack is a directory under rules/ with a ``pack.json`` and one JSON file per rule. A profile
(rules/profiles/<name>.json) names the packs it runs and the parameters (preference ranges,
thresholds) that rules reference as ``{"$param": "name"}``; a profile may extend another, and its own
values win. Every file is checked against its schema in schemas/ when it is loaded; a rule that tests
a field no fact has, or a parameter the profile lacks, is rejected with the file and place.
"""
from __future__ import annotations

import copy
import hashlib
from dataclasses import dataclass
from pathlib import Path

from . import _paths
from ._jsonutil import load_data, pointer
from .errors import DataError, UsageError
from .facts import FIELDS
from .findings import basis_text



@dataclass(frozen=True)
class Rule:
    id: str
    slug: str
    severity: str
    fact: str
    stages: tuple
    lists: tuple
    title: dict
    description: dict
    message: dict
    remediation: dict
    legal_basis: tuple
    when: dict
    examples: dict
    pack: str
    path: Path

    def fields(self):
        """The fact fields the rule tests, in order of appearance (for --explain and reports)."""
        seen = []
        _walk_fields(self.when, seen)
        if self.stages and "stage" not in seen:
            seen.append("stage")
        return seen

    def legal_basis_text(self):
        return basis_text(self.legal_basis)


def _walk_fields(cond, out, path=()):
    for key, val in cond.items():
        if key in ("$and", "$or"):
            for i, sub in enumerate(val):
                _walk_fields(sub, out, path + (key, i))
        elif key.startswith("$"):
            out.extend(name for name in val if name not in out)
        elif key not in out:
            out.append(key)


def _walk_params(cond, out, path=("when",)):
    """Yield (pointer, param name) for every {"$param": …} in a condition."""
    for key, val in cond.items():
        if key in ("$and", "$or"):
            for i, sub in enumerate(val):
                _walk_params(sub, out, path + (key, i))
        elif isinstance(val, dict) and "$param" in val:
            out.append((pointer(path + (key,)), val["$param"]))
        elif key.startswith("$") and isinstance(val, dict):
            for name, operand in val.items():
                if isinstance(operand, dict) and "$param" in operand:
                    out.append((pointer(path + (key, name)), operand["$param"]))


def _substitute(cond, params):
    if isinstance(cond, dict):
        if set(cond) == {"$param"}:
            return params[cond["$param"]]
        return {k: _substitute(v, params) for k, v in cond.items()}
    if isinstance(cond, list):
        return [_substitute(v, params) for v in cond]
    return cond


@dataclass(frozen=True)
class Pack:
    id: str
    edition: str
    title: dict
    path: Path
    digest: str


@dataclass(frozen=True)
class Profile:
    id: str
    title: dict
    packs: tuple
    params: dict
    params_basis: dict
    chain: tuple     # this profile and the ones it extends, nearest first
    path: Path


def load_rule(path: Path, pack: str) -> Rule:
    doc = load_data(path, "rule")
    if path.stem != doc["id"]:
        raise DataError(path, "/id", f"'{doc['id']}' does not match the file name '{path.stem}'")
    fields = FIELDS[doc["fact"]]
    used = []
    _walk_fields(doc["when"], used)
    for name in used:
        if name not in fields and not (doc["fact"] == "plan" and name.startswith("unset_")):
            raise DataError(path, "/when", f"field '{name}' is not a field of a {doc['fact']} fact "
                                            f"(expected one of: {', '.join(sorted(fields))})")
    return Rule(doc["id"], doc["slug"], doc["severity"], doc["fact"], tuple(doc.get("stages", ())),
                tuple(doc.get("lists", ())), doc["title"], doc.get("description", doc["title"]), doc["message"],
                doc["remediation"], tuple(doc["legal_basis"]), doc["when"], doc["examples"], pack, path)


class RulePacks:
    """Rules by id, from the packs under a rules directory."""

    def __init__(self, directory: Path | None = None):
        self.directory = directory or _paths.rules_dir()
        self.packs: dict[str, Pack] = {}
        self.rules: dict[str, Rule] = {}
        for pack_file in sorted(self.directory.glob("*/pack.json")):
            meta = load_data(pack_file, "pack")
            digest = hashlib.sha256()
            for path in sorted(pack_file.parent.glob("GPP-*.json")):
                digest.update(path.name.encode() + b"\0" + path.read_bytes())
                rule = load_rule(path, meta["id"])
                if rule.id in self.rules:
                    raise DataError(path, "/id", f"duplicate rule id {rule.id} (also in {self.rules[rule.id].path})")
                self.rules[rule.id] = rule
            self.packs[meta["id"]] = Pack(meta["id"], meta["edition"], meta["title"], pack_file.parent,
                                          digest.hexdigest())

    def get(self, rule_id: str) -> Rule:
        try:
            return self.rules[rule_id]
        except KeyError:
            raise UsageError(f'no such rule: "{rule_id}"') from None

    def profile(self, name: str) -> Profile:
        """Load rules/profiles/<name>.json, following ``extends``."""
        chain, params, basis = [], {}, {}
        seen = set()
        current = name
        while current:
            if current in seen:
                raise DataError(self._profile_path(current), "/extends", f"profiles extend each other in a cycle: {current}")
            seen.add(current)
            path = self._profile_path(current)
            doc = load_data(path, "profile")
            chain.append(doc)
            current = doc.get("extends")
        packs = next((d["packs"] for d in chain if "packs" in d), [])
        for doc in reversed(chain):
            params.update(doc.get("params", {}))
            basis.update(doc.get("params_basis", {}))
        top = chain[0]
        for pack in packs:
            if pack not in self.packs:
                raise DataError(self._profile_path(name), "/packs", f"no such rule pack: '{pack}' (have: {', '.join(sorted(self.packs))})")
        return Profile(top["id"], top["title"], tuple(packs), params, basis, tuple(d["id"] for d in chain),
                       self._profile_path(name))

    def _profile_path(self, name):
        path = self.directory / "profiles" / f"{name}.json"
        if not path.is_file():
            have = sorted(p.stem for p in (self.directory / "profiles").glob("*.json"))
            raise UsageError(f"no such profile: '{name}' (have: {', '.join(have)})")
        return path

    def active(self, profile: Profile, params: dict | None = None):
        """The rules a profile runs, with their parameters substituted: [(rule, condition)]. A rule
        needing a parameter the profile leaves without a value (null) is not run: see not_run()."""
        params = {**profile.params, **(params or {})}
        out = []
        for rule in sorted(self.rules.values(), key=lambda r: r.id):
            if rule.pack not in profile.packs:
                continue
            refs = []
            _walk_params(rule.when, refs)
            for ptr, name in refs:
                if name not in params:
                    raise DataError(rule.path, ptr, f"parameter '{name}' is not set by profile '{profile.id}' ({profile.path})")
            if any(params[name] is None for _, name in refs):
                continue
            out.append((rule, _substitute(copy.deepcopy(rule.when), params)))
        return out

    def not_run(self, profile: Profile, params: dict | None = None):
        """[(rule id, parameter)] of the profile's rules skipped for a parameter without a value."""
        params = {**profile.params, **(params or {})}
        out = []
        for rule in sorted(self.rules.values(), key=lambda r: r.id):
            refs = []
            _walk_params(rule.when, refs)
            unset = [name for _, name in refs if params.get(name, 0) is None]
            if rule.pack in profile.packs and unset:
                out.append((rule.id, unset[0]))
        return out
