"""The JSON output written in pieces (checker/formatters/json_.py chunks): findings encoded a block
at a time, their legal basis and list rows written from cached texts in place of a random marker.
The bytes must be json.dumps's of the whole document, even when a plan's text holds the marker."""
import json
from pathlib import Path

import pytest

from checker import api
from checker.formatters import json_

EXAMPLE = Path(__file__).resolve().parent.parent / "examples" / "school-plan-with-violations.json"


@pytest.fixture(scope="module")
def checker():
    return api.Checker("national")


def both(checker, doc):
    r = checker.check(json.dumps(doc, ensure_ascii=False).encode(), "plan.json", langs=("zh",))
    meta = checker.run_meta([r], {})
    pieces = json_.provenance_pieces(checker.provenance())
    return r, json_.text([r], meta, "zh", [json_.result_head(r, "zh")], pieces), json_.render([r], meta, "zh")


def test_pieces_are_the_documents_bytes(checker):
    doc = json.loads(EXAMPLE.read_text(encoding="utf-8"))
    r, text, whole = both(checker, doc)
    assert len(r.findings) > 3 and any(f.list_rows for f in r.findings) and any(f.legal_basis for f in r.findings)
    assert text == whole


@pytest.mark.parametrize("name", [lambda m: m + "0", lambda m: m, lambda m: "x" + m + "12y"])
def test_a_plan_holding_the_marker_gets_the_same_bytes(checker, name):
    doc = json.loads(EXAMPLE.read_text(encoding="utf-8"))
    for i, item in enumerate(doc["projects"][0]["items"]):
        item["name"] = name(json_._MARK)
        item["line_id"] = name(json_._MARK) + ("" if i == 0 else str(i))   # a finding's line_id: a whole JSON string
    r, text, whole = both(checker, doc)
    assert r.checkable and any(f.line_id == name(json_._MARK) for f in r.findings)
    assert text == whole


def test_shared_texts_are_used_and_refused_when_the_marker_is_elsewhere(checker):
    doc = json.loads(EXAMPLE.read_text(encoding="utf-8"))
    r = checker.check(json.dumps(doc, ensure_ascii=False).encode(), "plan.json", langs=("zh",))
    fs = list(r.findings)
    dicts = [json_.finding_dict(f, "zh") for f in fs]
    plain = json_._ENCODE(dicts)
    assert json_._shared(dicts, fs) == plain
    dicts[0]["message"] = json_._MARK + "0"
    assert json_._shared(dicts, fs) is None
    assert json_._block(dicts, "/results/0/findings", 0, fs) == json_._ENCODE(dicts)[1:-1]


def test_more_findings_than_a_block(checker, monkeypatch):
    monkeypatch.setattr(json_, "_BLOCK", 2)
    doc = json.loads(EXAMPLE.read_text(encoding="utf-8"))
    r, text, whole = both(checker, doc)
    assert len(r.findings) > 4
    assert text == whole
