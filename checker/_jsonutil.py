"""JSON helpers shared by the loaders: reading data files, JSON pointers, schema validators."""
import json
from functools import lru_cache

import jsonschema_rs

from . import _paths
from .errors import DataError


def pointer(parts) -> str:
    """RFC 6901 pointer from path parts."""
    return "".join("/" + str(p).replace("~", "~0").replace("/", "~1") for p in parts)


def unescape(token: str) -> str:
    return token.replace("~1", "/").replace("~0", "~")


@lru_cache(maxsize=None)
def schema(name: str) -> dict:
    """schemas/<name>.schema.json. The schemas are ours and a test checks each one against the
    metaschema, so runs skip that check (it cost 250 ms of every command's start)."""
    return json.loads((_paths.schemas_dir() / f"{name}.schema.json").read_text(encoding="utf-8"))


@lru_cache(maxsize=None)
def validator(name: str):
    """jsonschema's validator, which words every problem; imported only when a file is invalid."""
    from jsonschema import Draft202012Validator, FormatChecker
    return Draft202012Validator(schema(name), format_checker=FormatChecker())


@lru_cache(maxsize=None)
def fast_validator(name: str):
    """The same schema compiled by jsonschema-rs: about 100 times faster on the valid plans that are
    the rule, so it decides validity; jsonschema words the problems of an invalid one."""
    return jsonschema_rs.validator_for(schema(name), validate_formats=True)


# Where a schema's problems can be worded part by part: schemas/<name>'s definition `holder` (a
# project) has an array property `inner` whose elements are each `{"$ref": "#/$defs/<part>"}` (a
# line), and the holders are the elements of the document's array `outer`. jsonschema reports every
# problem of a whole plan, which on a 500-line plan with one bad line means walking 500 lines in
# Python (about 70 µs a line); jsonschema-rs says which lines are invalid at a fraction of that, so
# jsonschema words only those lines, and the rest of the plan with the schema's descent into the
# lines taken away. Every problem of the whole is a problem of exactly one of these parts (a line's
# own schema is reached once, through that descent; the rest, the award stage's condition on every
# line included, is the shallow pass), and the list is sorted by (place, message), so the parts give
# the same list as the whole (tests/test_schema_split.py compares the two on mutated plans).
_SPLITS = {"plan": {"outer": "projects", "holder": "project", "inner": "items", "part": "item"}}


@lru_cache(maxsize=None)
def _split_validators(name: str):
    """(shallow jsonschema validator, part jsonschema validator, part jsonschema-rs validator)."""
    from jsonschema import Draft202012Validator, FormatChecker
    split = _SPLITS[name]
    whole = schema(name)
    holder = whole["$defs"][split["holder"]]
    inner = holder["properties"][split["inner"]]
    ref = {"$ref": f"#/$defs/{split['part']}"}
    if inner.get("items") != ref or whole["properties"][split["outer"]].get("items") != {"$ref": f"#/$defs/{split['holder']}"}:
        raise AssertionError(f"schemas/{name}: _SPLITS no longer matches the schema")
    shallow_inner = {k: v for k, v in inner.items() if k != "items"}
    shallow_holder = {**holder, "properties": {**holder["properties"], split["inner"]: shallow_inner}}
    shallow = {**whole, "$defs": {**whole["$defs"], split["holder"]: shallow_holder}}
    alone = {"$schema": whole["$schema"], **ref, "$defs": whole["$defs"]}
    return (Draft202012Validator(shallow, format_checker=FormatChecker()),
            Draft202012Validator(alone, format_checker=FormatChecker()),
            jsonschema_rs.validator_for(alone, validate_formats=True))


def _split_errors(name: str, instance):
    """(path, message) of every jsonschema problem of ``instance``, worded part by part (_SPLITS)."""
    shallow, part, fast_part = _split_validators(name)
    outer, inner = _SPLITS[name]["outer"], _SPLITS[name]["inner"]
    found = [(tuple(e.absolute_path), e.message) for e in shallow.iter_errors(instance)]
    groups = instance.get(outer) if isinstance(instance, dict) else None
    if isinstance(groups, list):
        is_valid = fast_part.is_valid
        for i, group in enumerate(groups):
            members = group.get(inner) if isinstance(group, dict) else None
            if not isinstance(members, list):
                continue
            for j, member in enumerate(members):
                if not is_valid(member):
                    here = (outer, i, inner, j)
                    found += [(here + tuple(e.absolute_path), e.message) for e in part.iter_errors(member)]
    return found


def _whole_errors(name: str, instance):
    """(path, message) of every jsonschema problem of ``instance``, the whole at once."""
    return [(tuple(e.absolute_path), e.message) for e in validator(name).iter_errors(instance)]


def schema_problems(name: str, instance):
    """Every schema problem of ``instance`` as (pointer, message), sorted by place."""
    if fast_validator(name).is_valid(instance):
        return []
    errs = sorted((_split_errors if name in _SPLITS else _whole_errors)(name, instance),
                  key=lambda e: (list(map(str, e[0])), e[1]))
    problems = [(pointer(path), _short(message)) for path, message in errs]
    # jsonschema-rs decides validity. Our schemas use only what both implement alike (patterns bound
    # dates to 1900-2100 since the two disagree on year 0000; numbers have maxima), and
    # tests/test_hostile.py compares the two on generated plans. Should jsonschema find nothing
    # where jsonschema-rs found a problem, the plan stays invalid, in jsonschema-rs's words.
    return problems or [(pointer(e.instance_path), e.message) for e in fast_validator(name).iter_errors(instance)]


def _short(message: str, limit: int = 300) -> str:
    """A problem as a line a person can read: a 400-digit number or a long text quoted by the
    validator is cut in the middle."""
    if len(message) <= limit:
        return message
    keep = limit // 2
    return f"{message[:keep]} … {message[-keep:]}"


def load_data(path, schema: str):
    """Read a data file of ours and validate it; a problem raises DataError naming file and place."""
    try:
        doc = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError) as e:
        raise DataError(path, "", f"cannot be read: {e}") from None
    except json.JSONDecodeError as e:
        raise DataError(path, "", f"is not valid JSON: {e.msg} at line {e.lineno} column {e.colno}") from None
    problems = schema_problems(schema, doc)
    if problems:
        ptr, msg = problems[0]
        more = f" (and {len(problems) - 1} more)" if len(problems) > 1 else ""
        raise DataError(path, ptr, msg + more)
    return doc


def load_user_file(path, schema_name: str):
    """A JSON file a user wrote (waivers, configuration), validated against schemas/<schema_name>;
    a problem raises DataError naming the file and place, in words the CLI can say in either language."""
    from pathlib import Path
    from .errors import Words
    path = Path(path)
    try:
        doc = json.loads(path.read_text(encoding="utf-8-sig"))
    except OSError as e:
        raise DataError(path, "", Words("read_failed", why=Words.os_error(e))) from None
    except UnicodeDecodeError as e:
        raise DataError(path, "", Words("json_not_text", detail=e)) from None
    except json.JSONDecodeError as e:
        raise DataError(path, "", Words("json_invalid", detail=e, line=e.lineno, col=e.colno)) from None
    problems = schema_problems(schema_name, doc)
    if problems:
        first = problems[0][0]
        here = tuple(Words.schema(m) for p, m in problems if p == first)
        more = len(problems) - len(here)
        raise DataError(path, first, Words("problems", problems=here, more=Words("more_elsewhere", n=more) if more else ""))
    return doc
