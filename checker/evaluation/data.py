"""The data of life-cycle cost and green value, read once from rules/evaluation/: the use-phase models
per product type (use_phase.json), the grid CO2 factors and the province → grid-region table
(grid_factors.json), and the verified flags of the parameters (parameters.json; the parameters' values
themselves come from the profile, checker/policy/params.py)."""
from __future__ import annotations

from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

from .. import _paths
from .._jsonutil import load_data
from ..errors import DataError
from . import sources as _sources


@dataclass(frozen=True)
class EvaluationData:
    models: tuple          # the use_phase.json models, in file order
    grid: dict             # grid_factors.json
    param_verified: dict   # parameter name → verified (parameters.json)
    param_words: dict      # parameter name → {"basis_words": {zh, en}, "profile_words": {profile: {zh, en}}}
    param_refs: dict       # parameter name → {"refs": [keys], "profile_refs": {profile: [keys]}} (rules/sources.json)
    directory: Path
    index: tuple = ((), ())   # ((edition, code) → [models], [(edition, prefixes, model)]), built by load()

    def models_for(self, item, edition):
        """The models whose codes or prefixes (of the plan's catalog ``edition``) take the item's code,
        in file order (an index by edition and code, built once: a model lookup per item)."""
        codes, prefixed = self.index
        code = item["category_code"]
        found = codes.get((edition, code), ())
        extra = [m for ed, prefixes, m in prefixed if ed == edition and code.startswith(prefixes) and m not in found]
        if not extra:
            return list(found)
        return [m for m in self.models if m in found or m in extra]


def _index(models):
    """((edition, code) → [models], [(edition, prefixes, model)]) for ``models``."""
    codes, prefixed = {}, []
    for m in models:
        for ed, cs in m["match"].get("codes", {}).items():
            for c in cs:
                codes.setdefault((ed, c), []).append(m)
        for ed, ps in m["match"].get("prefixes", {}).items():
            prefixed.append((ed, tuple(ps), m))
    return codes, prefixed


def _check(models, directory):
    seen = set()
    for i, m in enumerate(models):
        where = directory / "use_phase.json"
        if m["id"] in seen:
            raise DataError(where, f"/models/{i}/id", f"duplicate model id '{m['id']}'")
        seen.add(m["id"])
        names = {"grade_value"} | {inp["name"] for inp in m["inputs"]}
        for part in ("numerator", "denominator"):
            for name in m["annual"][part]:
                if name not in names:
                    raise DataError(where, f"/models/{i}/annual/{part}",
                                    f"'{name}' is neither grade_value nor an input of model '{m['id']}'")
        for v, grades in m.get("variants", {}).items():
            if m["baseline_grade"] not in {g["grade"] for g in grades}:
                raise DataError(where, f"/models/{i}/variants/{v}", f"has no value for the baseline grade {m['baseline_grade']}")
        for band in m.get("variant_bands", ()):
            if band["variant"] not in m.get("variants", {}):
                raise DataError(where, f"/models/{i}/variant_bands", f"names no variant '{band['variant']}'")


def _check_refs(models, grid, params, directory):
    """Every source key the data cite is listed in rules/sources.json (else a DataError naming the place)."""
    rules = directory.parent
    for i, m in enumerate(models):
        _sources.check_refs(m["refs"], directory / "use_phase.json", f"/models/{i}/refs", rules)
    for part in ("factors", "provinces"):
        for i, f in enumerate(grid[part]):
            _sources.check_refs(f["refs"], directory / "grid_factors.json", f"/{part}/{i}/refs", rules)
    for name, p in params.items():
        _sources.check_refs(p["refs"], directory / "parameters.json", f"/params/{name}/refs", rules)
        for prof, keys in p.get("profile_refs", {}).items():
            _sources.check_refs(keys, directory / "parameters.json", f"/params/{name}/profile_refs/{prof}", rules)


@lru_cache(maxsize=None)
def load(directory: Path | None = None) -> EvaluationData:
    if directory is None or not (directory / "use_phase.json").is_file():
        directory = _paths.rules_dir() / "evaluation"   # a rules directory of its own without these data: the shipped ones
    models = load_data(directory / "use_phase.json", "use_phase")["models"]
    _check(models, directory)
    grid = load_data(directory / "grid_factors.json", "grid_factors")
    regions = set(grid["regions"])
    for i, f in enumerate(grid["factors"]):
        if f["region"] not in regions:
            raise DataError(directory / "grid_factors.json", f"/factors/{i}/region", f"no such region '{f['region']}'")
    params = load_data(directory / "parameters.json", "evaluation_params")["params"]
    _check_refs(models, grid, params, directory)
    return EvaluationData(tuple(models), grid, {k: v["verified"] for k, v in params.items()},
                          {k: {"basis_words": v["basis_words"], "profile_words": v.get("profile_words", {})} for k, v in params.items()},
                          {k: {"refs": v["refs"], "profile_refs": v.get("profile_refs", {})} for k, v in params.items()},
                          directory, _index(models))
