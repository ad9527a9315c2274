"""Rule packs and profiles: loaded from rules/, validated, and looked up by id or alias (not the SQLite
reference registry, which is checker.refdata).

A rule pack is a directory under rules/ with a ``pack.json``, one JSON file per rule, and optionally
``selectors/`` and ``derived/`` (rules/selectors/ and rules/derived/ hold the shared ones). A rule
declares the parameters it uses (``params``: type, unit, range, default with its basis) and references
them as ``{"$param": "name"}``. A profile (rules/profiles/<name>.json) names the packs it runs (a pack
may also join profiles itself with ``in_profiles``) and sets parameter values, plain or as a schedule
by date; it may extend another, and its own values win. Every file is checked against its schema in
schemas/ when it is loaded; a rule that tests a field no fact has, or a profile value that no rule
declares or that does not fit its declaration, is rejected with the file and place.

This module moved from checker/rulepacks.py into checker/policy/ (ARCHITECTURE.md) when selectors,
derived values and parameter declarations made it the centre of the rule language.
"""
from __future__ import annotations

import copy
import hashlib
import json
from dataclasses import dataclass
from pathlib import Path

from .. import _paths
from .._jsonutil import load_data, pointer
from ..errors import DataError, UsageError
from .. import facts as _facts
from ..facts import FIELDS
from ..findings import basis_text
from ..evaluation.sources import check_citations, cited_keys
from . import derived as _derived, params as _params, selectors as _selectors, tables as _tables

#: Fields every fact kind has besides FIELDS and the derived values: the plan's date as a number
#: (YYYYMMDD, which a rule may test), and unset_<param> (true when the profile leaves it without value).
PLAN_DATE = "plan_date"


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
    aliases: tuple = ()
    params: tuple = ()          # (ParamDecl, …) the rule declares
    effective_from: str | None = None
    effective_until: str | None = None

    def fields(self):
        """The fact fields the rule tests, in order of appearance (for --explain and reports)."""
        seen = []
        _walk_fields(self.when, seen)
        if self.stages and "stage" not in seen:
            seen.append("stage")
        return seen

    def legal_basis_text(self):
        return basis_text(self.legal_basis)

    def documents(self):
        """[{key, title, urls, detail, no_url}] of the documents the rule's legal bases and parameter
        bases cite (refs, [KEY] in their texts), in order of first citation, from rules/sources.json."""
        from ..evaluation import sources as _sources
        keys = []
        texts = [list(self.legal_basis), [p.basis for p in self.params]]
        for _, key in cited_keys(texts):
            if key not in keys:
                keys.append(key)
        return _sources.resolve(keys, self.path.parent.parent)


def _walk_fields(cond, out, path=()):
    for key, val in cond.items():
        if key in ("$and", "$or"):
            for i, sub in enumerate(val):
                _walk_fields(sub, out, path + (key, i))
        elif key.startswith("$"):
            out.extend(name for name in val if name not in out)
        elif key not in out:
            out.append(key)


def _tests(cond, path=("when",)):
    """Yield (pointer, field, how) for every test in a condition; how is the operator, or "true" /
    "value" for equality with true / another value."""
    for key, val in cond.items():
        if key in ("$and", "$or"):
            for i, sub in enumerate(val):
                yield from _tests(sub, path + (key, i))
        elif key.startswith("$"):
            for name in val:
                yield pointer(path + (key, name)), name, key
        else:
            yield pointer(path + (key,)), key, "true" if val is True else "value"


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


def param_field(name: str) -> str:
    """The fact field that carries a dated parameter's value on the plan's date."""
    return "p_" + name.replace(".", "_")


def _substitute(cond, values, dated):
    """The condition with parameters put in: a plain value as a constant; a schedule as a reference
    to the fact's own field ``p_<name>`` (durable-rules' ``{"$m": field}``), whose value facts.build
    puts on the fact for the plan's date. ``dated`` collects the names of such parameters."""
    if isinstance(cond, dict):
        if set(cond) == {"$param"}:
            name = cond["$param"]
            if _params.is_schedule(values[name]):
                dated.add(name)
                return {"$m": param_field(name)}
            return values[name]
        return {k: _substitute(v, values, dated) for k, v in cond.items()}
    if isinstance(cond, list):
        return [_substitute(v, values, dated) for v in cond]
    return cond


@dataclass(frozen=True)
class Pack:
    id: str
    edition: str
    title: dict
    path: Path
    digest: str
    in_profiles: tuple = ()


@dataclass(frozen=True)
class Profile:
    id: str
    title: dict
    packs: tuple
    params: dict
    params_basis: dict
    chain: tuple     # this profile and the ones it extends, nearest first
    path: Path
    rule_settings: dict = None   # rule id → {"enabled": bool, "severity": …, "reason": …}


@dataclass(frozen=True)
class Active:
    """What a profile runs: [(rule, compiled condition)], the parameter values (plain or schedules),
    and per fact kind the dated parameters whose value facts.build puts on the facts."""
    rules: list
    values: dict
    dated: dict      # fact kind → {field: schedule}
    windows: dict = None   # rule id → (effective_from, effective_until), either may be None


def load_rule(path: Path, pack: str, derived: dict | None = None) -> Rule:
    """One rule file, checked against the schema, the fields of its fact kind (with the derived values
    of that level) and its own parameter declarations."""
    doc = load_data(path, "rule")
    check_citations(path, doc, path.parent.parent)
    if path.stem != doc["id"]:
        raise DataError(path, "/id", f"'{doc['id']}' does not match the file name '{path.stem}'")
    fields = set(FIELDS[doc["fact"]]) | {d.id for d in (derived or {}).values() if d.level == doc["fact"]}
    used = []
    _walk_fields(doc["when"], used)
    for name in used:
        if name not in fields and name != PLAN_DATE and not name.startswith("unset_"):
            raise DataError(path, "/when", f"field '{name}' is not a field of a {doc['fact']} fact "
                                            f"(expected one of: {', '.join(sorted(fields))})")
    members = {d.id for d in (derived or {}).values() if d.level == doc["fact"] and d.op == "in"}
    for ptr, name, how in _tests(doc["when"]):
        if name in members and how not in ("true", "$ex", "$nex"):
            raise DataError(path, ptr, f"'{name}' is true or absent (an item in the selector, or not): test it with true, "
                                       f"or {{\"$nex\": {{\"{name}\": 1}}}} for an item not in it")
    early = [s for s in (doc.get("stages") or _facts.STAGES) if s in _facts.EARLY_STAGES]
    docs_fields = sorted(_facts.DOCUMENT_FIELDS.intersection(used))
    if early and docs_fields:
        raise DataError(path, "/stages", f"the rule tests {', '.join(docs_fields)}, which only the procurement documents give, "
                                         f"so it cannot apply at stage {' or '.join(early)}: give \"stages\": [\"plan\", \"award\"] "
                                         "(or one of them)")
    decls = []
    for name, d in doc.get("params", {}).items():
        decl = _params.ParamDecl(name, d["type"], d.get("unit", ""), d.get("minimum"), d.get("maximum"),
                                 tuple(d.get("enum", ())), d["description"], d.get("default"), d.get("basis", ""),
                                 doc["id"], path)
        for ptr, msg in _params.problems(decl, decl.default):
            raise DataError(path, f"/params/{name}/default{ptr}", msg)
        decls.append(decl)
    declared = {d.name for d in decls}
    refs = []
    _walk_params(doc["when"], refs)
    for ptr, name in refs:
        if name not in declared:
            raise DataError(path, ptr, f"parameter '{name}' is not declared in this rule's params "
                                       "(give its type, unit, range and, where the law sets one, a default with its basis)")
    return Rule(doc["id"], doc["slug"], doc["severity"], doc["fact"], tuple(doc.get("stages", ())),
                tuple(doc.get("lists", ())), doc["title"], doc.get("description", doc["title"]), doc["message"],
                doc["remediation"], tuple(doc["legal_basis"]), doc["when"], doc["examples"], pack, path,
                tuple(doc.get("aliases", ())), tuple(decls), doc.get("effective_from"), doc.get("effective_until"))


class RulePacks:
    """Rules by id (and alias), selectors, derived values and parameter declarations, from the
    packs under a rules directory."""

    def __init__(self, directory: Path | None = None):
        self.directory = directory or _paths.rules_dir()
        self.packs: dict[str, Pack] = {}
        self.rules: dict[str, Rule] = {}
        self.selectors: dict = {}
        self.derived: dict = {}
        self.tables: dict = {}
        self.verdicts: dict = {}
        pack_files = sorted(self.directory.glob("*/pack.json"))
        _selectors.load_dir(self.directory / "selectors", self.selectors)
        _derived.load_dir(self.directory / "derived", self.derived, self.verdicts)
        _tables.load_dir(self.directory / "tables", self.tables)
        for pack_file in pack_files:
            _selectors.load_dir(pack_file.parent / "selectors", self.selectors)
            _derived.load_dir(pack_file.parent / "derived", self.derived, self.verdicts)
            _tables.load_dir(pack_file.parent / "tables", self.tables)
        self.cited: list = []     # document keys the selectors, derived values and tables cite, in order
        for sub in ("selectors", "derived", "tables"):
            for d in [self.directory, *(f.parent for f in pack_files)]:
                for path in sorted((d / sub).glob("*.json")):
                    doc = json.loads(path.read_text(encoding="utf-8"))
                    check_citations(path, doc, self.directory)
                    self.cited += [k for _, k in cited_keys(doc) if k not in self.cited]
        _selectors.check_refs(self.selectors, FIELDS["item"])
        _derived.check_refs(self.derived, self.selectors, FIELDS, self.tables)
        for pack_file in pack_files:
            meta = load_data(pack_file, "pack")
            digest = hashlib.sha256()
            data_files = [*sorted(pack_file.parent.glob("GPP-*.json")), *sorted(pack_file.parent.glob("selectors/*.json")),
                          *sorted(pack_file.parent.glob("derived/*.json")), *sorted(pack_file.parent.glob("tables/*.json"))]
            for path in data_files:
                digest.update(path.relative_to(pack_file.parent).as_posix().encode() + b"\0" + path.read_bytes())
            for path in sorted(pack_file.parent.glob("GPP-*.json")):
                rule = load_rule(path, meta["id"], self.derived)
                if rule.id in self.rules:
                    raise DataError(path, "/id", f"duplicate rule id {rule.id} (also in {self.rules[rule.id].path})")
                self.rules[rule.id] = rule
            self.packs[meta["id"]] = Pack(meta["id"], meta["edition"], meta["title"], pack_file.parent,
                                          digest.hexdigest(), tuple(meta.get("in_profiles", ())))
        self.aliases = {}
        for rule in self.rules.values():
            for alias in rule.aliases:
                if alias in self.rules or alias in self.aliases:
                    raise DataError(rule.path, "/aliases", f"alias '{alias}' is already a rule id or another rule's alias")
                self.aliases[alias] = rule.id
        self.declarations: dict = {}
        for rule in sorted(self.rules.values(), key=lambda r: r.id):
            for decl in rule.params:
                other = self.declarations.get(decl.name)
                if other and (other.type, other.unit, other.minimum, other.maximum, other.enum) != \
                        (decl.type, decl.unit, decl.minimum, decl.maximum, decl.enum):
                    raise DataError(rule.path, f"/params/{decl.name}",
                                    f"declared differently by {other.rule_id} ({other.path}): type, unit and range must agree")
                if other and other.default is not None and decl.default is not None and other.default != decl.default:
                    raise DataError(rule.path, f"/params/{decl.name}/default", f"differs from the default {other.where()}")
                if other is None or (other.default is None and decl.default is not None):
                    self.declarations[decl.name] = decl
        # life-cycle cost and green value (checker/evaluation) declare their parameters in data of their own
        _params.load_declarations(self.directory / "evaluation" / "parameters.json", self.declarations)

        for rule in self.rules.values():
            for name in rule.fields():
                if name.startswith("unset_") and not any(name == "unset_" + d.replace(".", "_") for d in self.declarations):
                    raise DataError(rule.path, "/when", f"field '{name}' names no declared parameter "
                                                        f"(unset_<parameter> is true when the profile leaves it without a value)")

    def documents(self):
        """[{key, title, urls, detail, no_url}] of the documents the selectors, derived values, tables and
        parameter bases cite (rules/sources.json), in order of first citation."""
        from ..evaluation import sources as _sources
        keys = list(self.cited)
        bases = [d.basis for d in sorted(self.declarations.values(), key=lambda d: d.name)]
        keys += [k for _, k in cited_keys(bases) if k not in keys]
        return _sources.resolve(list(dict.fromkeys(keys)), self.directory)

    def get(self, rule_id: str) -> Rule:
        """The rule with this id, or the rule that has it as an alias (a renamed rule's old id)."""
        try:
            return self.rules[self.aliases.get(rule_id, rule_id)]
        except KeyError:
            raise UsageError(f'no such rule: "{rule_id}"') from None

    def canonical(self, rule_id: str) -> str:
        """The current id of a rule named by its id or an old id (alias); unknown ids are returned as given."""
        return self.aliases.get(rule_id, rule_id)

    def profile(self, name: str) -> Profile:
        """Load rules/profiles/<name>.json, following ``extends``; its parameter values are checked
        against the rules' declarations."""
        chain, params, basis, settings = [], {}, {}, {}
        seen = set()
        current = name
        while current:
            if current in seen:
                raise DataError(self._profile_path(current), "/extends", f"profiles extend each other in a cycle: {current}")
            seen.add(current)
            path = self._profile_path(current)
            doc = load_data(path, "profile")
            check_citations(path, doc, self.directory)
            _params.check_profile_params(path, doc.get("params", {}), self.declarations)
            for rule_id in doc.get("rules", {}):
                if self.canonical(rule_id) not in self.rules:
                    raise DataError(path, f"/rules/{rule_id}", f'no such rule: "{rule_id}"')
            chain.append((doc, path))
            current = doc.get("extends")
        packs = next((d["packs"] for d, _ in chain if "packs" in d), [])
        for doc, _ in reversed(chain):
            params.update(doc.get("params", {}))
            basis.update(doc.get("params_basis", {}))
            for rule_id, setting in doc.get("rules", {}).items():
                settings[self.canonical(rule_id)] = {**setting, "profile": doc["id"]}
        top = chain[0][0]
        for pack in packs:
            if pack not in self.packs:
                raise DataError(self._profile_path(name), "/packs", f"no such rule pack: '{pack}' (have: {', '.join(sorted(self.packs))})")
        ids = [d["id"] for d, _ in chain]
        joined = [p.id for p in sorted(self.packs.values(), key=lambda p: p.id)
                  if p.id not in packs and set(p.in_profiles) & set(ids)]
        return Profile(top["id"], top["title"], tuple(packs) + tuple(joined), params, basis, tuple(ids),
                       self._profile_path(name), settings)

    def _profile_path(self, name):
        path = self.directory / "profiles" / f"{name}.json"
        if not path.is_file():
            have = sorted(p.stem for p in (self.directory / "profiles").glob("*.json"))
            raise UsageError(f"no such profile: '{name}' (have: {', '.join(have)})")
        return path

    def values(self, profile: Profile, params: dict | None = None) -> dict:
        """Every declared parameter's value under the profile: the rule's default (with its basis),
        then the profile chain's values, then ``params`` (a caller's or an example's own)."""
        values = {name: d.default for name, d in self.declarations.items()}
        values.update(profile.params)
        if params:
            _params.check_profile_params("parameters given to the checker", params, self.declarations, base="")
            values.update(params)
        return values

    def basis(self, profile: Profile) -> dict:
        """Per parameter with a value: where it comes from (the profile's basis, or the rule's default's)."""
        out = {}
        for name, d in self.declarations.items():
            if name in profile.params_basis:
                out[name] = profile.params_basis[name]
            elif name not in profile.params and d.default is not None:
                out[name] = f"{d.basis} (default declared by {d.rule_id} ({self.shown_path(d.path)}))"
        return out

    def shown_path(self, path) -> str:
        """A rule file's path as outputs show it: from the rules directory's own name
        (``rules/data_centres/GPP-GDC-001.json``), the same wherever lvcai is installed; the
        absolute path made the provenance of every JSON output differ from one clone to another."""
        try:
            return (Path(self.directory.name) / Path(path).relative_to(self.directory)).as_posix()
        except ValueError:
            return Path(path).name

    def in_profile(self, profile: Profile):
        """The rules of the profile's packs, by id, whether run or not."""
        return [r for r in sorted(self.rules.values(), key=lambda r: r.id) if r.pack in profile.packs]

    def listing(self, name: str):
        """(profile, the rules it runs, [(rule id, parameter without value)], [(rule id, setting)] it
        switches off): what `lvcai rules list` and the service's rules endpoint show."""
        prof = self.profile(name)
        return prof, [r for r, _ in self.active(prof).rules], self.not_run(prof), self.switched_off(prof)

    def switched_off(self, profile: Profile):
        """[(rule id, setting)] of the profile's rules that the profile switches off, with the reason."""
        return [(r.id, profile.rule_settings[r.id]) for r in self.in_profile(profile)
                if profile.rule_settings and profile.rule_settings.get(r.id, {}).get("enabled", True) is False]

    def active(self, profile: Profile, params: dict | None = None) -> Active:
        """The rules a profile runs, with their parameters put in. A rule needing a parameter without
        a value, or switched off by the profile, is not run: see not_run() and switched_off()."""
        values = self.values(profile, params)
        off = {rule_id for rule_id, _ in self.switched_off(profile)}
        out, dated, windows = [], {}, {}
        for rule in self.in_profile(profile):
            refs = []
            _walk_params(rule.when, refs)
            if rule.id in off or any(values.get(name) is None for _, name in refs):
                continue
            names = set()
            condition = _substitute(copy.deepcopy(rule.when), values, names)
            guards = [{"$ex": {param_field(n): 1}} for n in sorted(names)]
            if rule.effective_from or rule.effective_until:
                windows[rule.id] = (rule.effective_from, rule.effective_until)
            if guards:
                # A missing field makes durable-rules' comparisons with {"$m": …} true: guard them.
                # after the rule's own tests, which discriminate: most facts fail those first
                condition = {"$and": [condition, *guards]}
            for n in names:
                dated.setdefault(rule.fact, {})[param_field(n)] = values[n]
            out.append((rule, condition))
        return Active(out, values, dated, windows)

    def not_run(self, profile: Profile, params: dict | None = None):
        """[(rule id, parameter)] of the profile's rules skipped for a parameter without a value."""
        values = self.values(profile, params)
        out = []
        for rule in self.in_profile(profile):
            refs = []
            _walk_params(rule.when, refs)
            unset = [name for _, name in refs if values.get(name) is None]
            if unset:
                out.append((rule.id, unset[0]))
        return out
