"""Hostile input is a finding (CHK-000 / CHK-001), never an internal error: each case as an attacker
or a broken budget system would send it, through the library and through the command."""
import copy
import json
import os

import pytest
from click.testing import CliRunner

from checker.cli import main
from checker.findings import CHK_PARSE, CHK_SCHEMA
from checker.plans.json_ import MAX_DEPTH
from conftest import plan_bytes


def _errors(result):
    assert not result.checkable
    return [(rid, ptr, msg) for ptr, rid, msg in result.errors]


def _item(doc):
    return doc["projects"][0]["items"][0]


def test_nesting_beyond_the_parser_is_a_parse_problem(checker):
    (err,) = _errors(checker.check(b"[" * 5000 + b"]" * 5000, "deep.json"))
    assert err[0] == CHK_PARSE and "nested too deeply" in err[2]


def test_nesting_beyond_the_plan_bound_is_refused_with_its_place(checker, base_plan):
    nested = json.loads("[" * (MAX_DEPTH + 5) + "]" * (MAX_DEPTH + 5))
    _item(base_plan)["extra"] = nested
    errs = _errors(checker.check(plan_bytes(base_plan), "deep.json"))
    assert errs[0][0] == CHK_SCHEMA and errs[0][1].startswith("/projects/0/items/0/extra/0/0")
    assert f"more than {MAX_DEPTH} levels" in errs[0][2]


def test_nesting_at_the_bound_is_accepted(checker, base_plan):
    depth = MAX_DEPTH - 5   # the item is the 5th nested container (plan, projects, project, items, item)
    _item(base_plan)["extra"] = json.loads("[" * depth + "]" * depth)
    assert checker.check(plan_bytes(base_plan), "ok.json").checkable
    _item(base_plan)["extra"] = json.loads("[" * (depth + 1) + "]" * (depth + 1))
    assert not checker.check(plan_bytes(base_plan), "deep.json").checkable


@pytest.mark.parametrize("where", ["value", "key", "plan_id"])
def test_a_lone_surrogate_is_refused_with_its_place(checker, base_plan, where):
    if where == "value":
        _item(base_plan)["name"] = "A4\udfff纸"
    elif where == "key":
        _item(base_plan)["\udfff"] = 1
    else:
        base_plan["plan_id"] = "P\ud800"
    data = json.dumps(base_plan).encode("ascii")   # ensure_ascii writes the lone surrogate as its escape
    errs = _errors(checker.check(data, "s.json"))
    assert errs[0][0] == CHK_SCHEMA and "surrogate" in errs[0][2]
    expected = {"value": "/projects/0/items/0/name", "key": "/projects/0/items/0", "plan_id": "/plan_id"}[where]
    assert errs[0][1] == expected
    for _, ptr, msg in errs:   # everything said about it can be printed
        (ptr + msg).encode("utf-8")


def test_a_surrogate_pair_is_a_character_and_is_accepted(checker, base_plan):
    _item(base_plan)["name"] = "纸\ud83d\ude00"
    data = json.dumps(base_plan).encode("ascii")   # \ud83d\ude00 in the JSON text: one character, 😀
    assert checker.check(data, "emoji.json").checkable


@pytest.mark.parametrize("literal", [b"1e309", b"-1e400", b"Infinity", b"NaN", b"-Infinity"])
def test_non_finite_numbers_are_refused(checker, base_plan, literal):
    data = plan_bytes(base_plan).replace(b'"amount": ', b'"amount": ' + literal + b', "was": ', 1)
    (err,) = _errors(checker.check(data, "n.json"))
    assert err[0] == CHK_PARSE and err[1] == ""


def test_huge_integers_are_a_schema_problem_with_a_short_message(checker, base_plan):
    _item(base_plan)["amount"] = 10 ** 400
    errs = _errors(checker.check(plan_bytes(base_plan), "big.json"))
    assert errs[0][0] == CHK_SCHEMA and errs[0][1] == "/projects/0/items/0/amount"
    assert len(errs[0][2]) < 400 and "maximum" in errs[0][2]


def test_an_integer_beyond_the_parser_limit_is_a_parse_problem(checker, base_plan):
    data = plan_bytes(base_plan).replace(b'"amount": ', b'"amount": 1' + b"0" * 5000 + b', "was": ', 1)
    (err,) = _errors(checker.check(data, "digits.json"))
    assert err[0] == CHK_PARSE


@pytest.mark.parametrize("field", ["amount", "unit_price"])
def test_money_is_bounded_at_ten_trillion(checker, base_plan, field):
    item = _item(base_plan)
    item[field] = 10 ** 13
    assert checker.check(plan_bytes(base_plan), "max.json").checkable
    item[field] = 10 ** 13 + 1
    errs = _errors(checker.check(plan_bytes(base_plan), "over.json"))
    assert errs[0][1] == f"/projects/0/items/0/{field}"


def test_sums_of_the_largest_amounts_stay_finite_in_every_output(checker, base_plan):
    item = _item(base_plan)
    base_plan["projects"][0]["items"] = [dict(item, line_id=str(i), amount=10 ** 13, unit_price=10 ** 13, quantity=1)
                                         for i in range(50)]
    r = checker.check(plan_bytes(base_plan), "sum.json")
    assert r.checkable
    from checker.formatters import json_
    text = json_.render([r], checker.run_meta([r], {}))
    json.loads(text, parse_constant=lambda c: pytest.fail(f"{c} in JSON output"))


@pytest.mark.parametrize("date,ok", [
    ("0000-01-01", False), ("1899-12-31", False), ("1900-01-01", True), ("2100-12-31", True), ("2101-01-01", False),
    ("2025-02-29", False), ("2024-02-29", True), ("2025-02-30", False), ("2025-13-01", False), ("2025-04-31", False),
])
def test_dates_are_real_calendar_dates_from_1900_to_2100(checker, base_plan, date, ok):
    base_plan["date"] = date
    assert checker.check(plan_bytes(base_plan), "d.json").checkable is ok


def test_certificate_dates_are_real_calendar_dates_too(checker, base_plan):
    base_plan["stage"] = "award"
    _item(base_plan)["award"] = {"supplier": {"name": "S"}, "certificates": [
        {"type": "energy_saving", "number": "C1", "valid_until": "0000-12-31"}]}
    errs = _errors(checker.check(plan_bytes(base_plan), "cert.json"))
    assert errs[0][1] == "/projects/0/items/0/award/certificates/0/valid_until"


def test_the_parse_message_says_at_once(checker):
    (err,) = _errors(checker.check(b'{"plan_id": "x', "cut.json"))
    assert "at at" not in err[2] and "starting at line 1 column 13" in err[2]


def test_a_json_lines_line_is_named_by_the_file_line(checker):
    (err,) = _errors(checker.check(b'{"plan_id": 1,,}', "f.jsonl:7", first_line=7))
    assert "line 7 column" in err[2]


# -- through the command ---------------------------------------------------------------------------
def _lvcai(*args):
    return CliRunner().invoke(main, list(args), catch_exceptions=False)


def test_check_refuses_a_fifo_instead_of_blocking(tmp_path):
    fifo = tmp_path / "plan.json"
    os.mkfifo(fifo)
    r = _lvcai("check", str(fifo), "--lang", "en")   # opening a FIFO without a writer would block for ever
    assert r.exit_code == 2
    assert "named pipe" in r.output and "give -" in r.output
    r = _lvcai("check", str(fifo))
    assert r.exit_code == 2 and "命名管道" in r.output and "请写 -" in r.output


def test_check_refuses_a_directory(tmp_path):
    r = _lvcai("check", str(tmp_path), "--lang", "en")
    assert r.exit_code == 2 and "a directory" in r.output
    r = _lvcai("check", str(tmp_path))
    assert r.exit_code == 2 and "这是一个目录" in r.output


def test_a_file_name_that_is_not_utf8_is_shown_with_a_replacement(tmp_path, base_plan):
    raw = os.fsencode(tmp_path) + b"/plan-\xff.json"
    with open(raw, "wb") as fh:
        fh.write(plan_bytes(base_plan))
    name = os.fsdecode(raw)
    r = _lvcai("check", name, "--format", "json")
    doc = json.loads(r.stdout)
    assert doc["results"][0]["source"].endswith("plan-\ufffd.json")
    assert doc["results"][0]["status"] == "checked"


@pytest.mark.parametrize("fmt", ["text", "json"])
def test_hostile_plans_never_become_internal_errors(tmp_path, base_plan, fmt):
    cases = {"deep.json": b"[" * 3000 + b"]" * 3000, "inf.json": plan_bytes(base_plan).replace(b'"amount": ', b'"amount": 1e999, "x": ', 1)}
    bad = copy.deepcopy(base_plan)
    bad["date"] = "0000-00-00"
    cases["y0.json"] = plan_bytes(bad)
    paths = []
    for name, data in cases.items():
        (tmp_path / name).write_bytes(data)
        paths.append(str(tmp_path / name))
    r = _lvcai("check", *paths, "--format", fmt)
    assert r.exit_code == 2
    assert "内部错误" not in r.output and "Traceback" not in r.output
    if fmt == "json":
        assert [x["status"] for x in json.loads(r.stdout)["results"]] == ["not_checkable"] * 3
