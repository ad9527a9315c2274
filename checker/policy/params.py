"""Rule parameters: declared by the rules that use them (type, unit, range, default with its basis),
set by profiles, and possibly dated: a schedule is a list of ``{"from": date, "value": v}`` and the
value in force on the plan's date is the one used (none before the first date).

Like yamllint's ``CONF``: a profile value is checked against the declaration, and a profile that sets
an undeclared or mistyped parameter is rejected with its file and place.
"""
from __future__ import annotations

import difflib
from dataclasses import dataclass

from ..errors import DataError

_TYPES = {"number": (int, float), "integer": (int,), "boolean": (bool,), "string": (str,)}


@dataclass(frozen=True)
class ParamDecl:
    name: str
    type: str
    unit: str
    minimum: float | None
    maximum: float | None
    enum: tuple
    description: dict
    default: object          # a value, a schedule ({"schedule": [...]}) or None (no default)
    basis: str
    rule_id: str
    path: object             # the rule file that declares it

    def where(self):
        return f"declared by {self.rule_id} ({self.path})"


def is_schedule(value) -> bool:
    return isinstance(value, dict) and "schedule" in value


def problems(decl: ParamDecl, value) -> list:
    """[(pointer suffix, message)] for ``value`` against ``decl``; [] when it fits. None is always
    allowed: a parameter deliberately left without a value."""
    if value is None:
        return []
    if is_schedule(value):
        out, last = [], ""
        steps = value["schedule"]
        if not isinstance(steps, list) or not steps:
            return [("/schedule", "a schedule needs at least one {\"from\": date, \"value\": …}")]
        for i, step in enumerate(steps):
            if not isinstance(step, dict) or set(step) != {"from", "value"}:
                out.append((f"/schedule/{i}", "each step is {\"from\": \"YYYY-MM-DD\", \"value\": …}"))
                continue
            if step["from"] <= last:
                out.append((f"/schedule/{i}/from", f"'{step['from']}' is not after the previous step's date '{last}'"))
            last = step["from"]
            out.extend((f"/schedule/{i}/value{p}", m) for p, m in problems(decl, step["value"]))
        return out
    kinds = _TYPES[decl.type]
    if not isinstance(value, kinds) or (decl.type != "boolean" and isinstance(value, bool)):
        return [("", f"{value!r} is not of type {decl.type} ({decl.where()})")]
    if decl.enum and value not in decl.enum:
        return [("", f"{value!r} is not one of {list(decl.enum)} ({decl.where()})")]
    if decl.minimum is not None and value < decl.minimum:
        return [("", f"{value!r} is below the minimum {decl.minimum}{decl.unit} ({decl.where()})")]
    if decl.maximum is not None and value > decl.maximum:
        return [("", f"{value!r} is above the maximum {decl.maximum}{decl.unit} ({decl.where()})")]
    return []


def at(value, date: str):
    """The value in force on ``date`` (YYYY-MM-DD): a plain value is always in force; a schedule's
    value is the last step whose ``from`` is on or before the date, None before the first step."""
    if not is_schedule(value):
        return value
    current = None
    for step in value["schedule"]:
        if step["from"] <= date:
            current = step["value"]
        else:
            break
    return current


def check_profile_params(path, params: dict, decls: dict, base="/params"):
    """Reject a profile's parameter that no rule declares or whose value does not fit the declaration."""
    for name, value in params.items():
        decl = decls.get(name)
        if decl is None:
            close = difflib.get_close_matches(name, list(decls), n=1)
            hint = f" (did you mean '{close[0]}'?)" if close else ""
            raise DataError(path, f"{base}/{name}", f"'{name}' is not a parameter any rule declares{hint}")
        for ptr, msg in problems(decl, value):
            raise DataError(path, f"{base}/{name}{ptr}", msg)


def describe(value, unit="") -> str:
    """A value or schedule as one line for docs and provenance: "30%" or "1.4 from 2023-06-01; 1.3 from 2025-01-01"."""
    if value is None:
        return "—"
    if is_schedule(value):
        return "; ".join(f"{s['value']}{unit} from {s['from']}" for s in value["schedule"])
    return f"{value}{unit}"


def load_declarations(path, into: dict, rule_id: str = "evaluation"):
    """Add the declarations of a parameters file that no rule owns (rules/evaluation/parameters.json:
    life-cycle cost and green value) to ``into``; a name a rule already declares is refused, so a
    parameter has one declaration. Absent file: nothing to add."""
    from .._jsonutil import load_data
    if not path.is_file():
        return
    doc = load_data(path, "evaluation_params")
    for name, d in doc["params"].items():
        if name in into:
            raise DataError(path, f"/params/{name}", f"already declared {into[name].where()}")
        decl = ParamDecl(name, d["type"], d.get("unit", ""), d.get("minimum"), d.get("maximum"), (),
                         d["description"], d["default"], d["basis"], rule_id, path)
        for ptr, msg in problems(decl, decl.default):
            raise DataError(path, f"/params/{name}/default{ptr}", msg)
        into[name] = decl
