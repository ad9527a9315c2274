"""The JSON output written in pieces (checker/formatters/json_.py chunks): findings written a block
at a time, each from the text its rule, tested values and list rows share (made once) and its own
place and message. The bytes must be json.dumps's of the whole document."""
import dataclasses
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
    r = checker.check(json.dumps(doc).encode(), "plan.json", langs=("zh",))
    meta = checker.run_meta([r], {})
    pieces = json_.provenance_pieces(checker.provenance())
    text = json_.text([r], meta, "zh", [json_.result_head(r, "zh")], pieces)
    assert json_.data([r], meta, "zh", [json_.result_head(r, "zh")], pieces) == text.encode("utf-8")
    return r, text, json_.render([r], meta, "zh")


def test_pieces_are_the_documents_bytes(checker):
    doc = json.loads(EXAMPLE.read_text(encoding="utf-8"))
    r, text, whole = both(checker, doc)
    assert len(r.findings) > 3 and any(f.list_rows for f in r.findings) and any(f.legal_basis for f in r.findings)
    assert text == whole


def test_a_plan_with_hostile_text_gets_the_same_bytes(checker):
    """Quotes, backslashes, controls, U+2028 and JSON-looking text in the per-finding parts
    (the pointer's line id, the message's name), which are encoded finding by finding."""
    doc = json.loads(EXAMPLE.read_text(encoding="utf-8"))
    for i, item in enumerate(doc["projects"][0]["items"]):
        item["name"] = f'x"}}, {{"rule_id": "\\\x01\u2028{i}'
        item["line_id"] = f'"\\/\n{i}'
    r, text, whole = both(checker, doc)
    assert r.checkable and any('"' in f.line_id for f in r.findings if f.line_id)
    assert text == whole


def _variants(f):
    """``f`` changed in each part of a finding's text that _constant makes once per combination."""
    other_basis = ({"doc": "另一文件", "clause": "第一条", "verified": False},)
    row = {"id": "X-1", "name": "另一行", "obligation": "priority", "verified": False}
    note = {"from": "warning", "by_profile": "shenzhen", "reason": {"zh": "理由", "en": "why"}}
    return {
        "rule_id": dataclasses.replace(f, rule_id="GPP-XXX-999"),
        "severity": dataclasses.replace(f, severity="info" if f.severity != "info" else "error"),
        "status": dataclasses.replace(f, status="waived", waiver={"justification": "j", "approver": "a"}),
        "title": dataclasses.replace(f, title={"zh": "另一标题", "en": "Another title"}),
        "remediation": dataclasses.replace(f, remediation={"zh": "另一改法", "en": "Another fix"}),
        "legal_basis": dataclasses.replace(f, legal_basis=other_basis),
        "values": dataclasses.replace(f, values=(("energy_req", "other"),)),
        "list_rows": dataclasses.replace(f, list_rows=(row,)),
        "profile_note": dataclasses.replace(f, profile_note=note),
    }


@pytest.mark.parametrize("part", ["rule_id", "severity", "status", "title", "remediation", "legal_basis", "values",
                                  "list_rows", "profile_note", "lang"])
def test_the_text_made_once_per_combination_follows_every_part_of_its_key(checker, part):
    """_constant's memo: a finding differing from one already written in one part of the key gets
    its own text (a memo forgetting that part would give it the first finding's)."""
    doc = json.loads(EXAMPLE.read_text(encoding="utf-8"))
    r = checker.check(json.dumps(doc, ensure_ascii=False).encode(), "plan.json", langs=("zh", "en"))
    f = next(f for f in r.findings if f.list_rows and f.legal_basis)
    first_lang, lang = ("en", "zh") if part == "lang" else ("zh", "zh")
    other = f if part == "lang" else _variants(f)[part]
    assert json_._finding_text(f, first_lang, "改") == json_._ENCODE(json_.finding_dict(f, first_lang, "改"))
    assert json_._finding_text(other, lang, "改") == json_._ENCODE(json_.finding_dict(other, lang, "改"))
    assert json_._finding_text(other, lang, "改") != json_._finding_text(f, first_lang, "改")
    as_bytes = b"".join(json_._finding_parts(other, lang, "改", as_bytes=True)[:-1])
    assert as_bytes == json_._ENCODE(json_.finding_dict(other, lang, "改")).encode("utf-8")


def test_a_non_finite_tested_value_is_named_by_its_findings_place(checker):
    doc = json.loads(EXAMPLE.read_text(encoding="utf-8"))
    r = checker.check(json.dumps(doc, ensure_ascii=False).encode(), "plan.json", langs=("zh",))
    f = dataclasses.replace(r.findings[1], values=(("amount", float("nan")),))
    bad = dataclasses.replace(r, findings=(r.findings[0], f))
    meta = checker.run_meta([bad], {})
    with pytest.raises(json_.NotJSON, match="/results/0/findings/1/values/amount"):
        json_.text([bad], meta, "zh")
    with pytest.raises(json_.NotJSON, match="/results/0/findings/1/values/amount"):
        json_.data([bad], meta, "zh")


def test_more_findings_than_a_block(checker, monkeypatch):
    monkeypatch.setattr(json_, "_BLOCK", 2)
    doc = json.loads(EXAMPLE.read_text(encoding="utf-8"))
    r, text, whole = both(checker, doc)
    assert len(r.findings) > 4
    assert text == whole


@pytest.mark.parametrize("part", ["message", "line_id", "pointer", "values", "title", "list_rows", "waiver"])
def test_a_lone_surrogate_becomes_u_fffd_in_each_part_of_a_finding(checker, part):
    """_block looks for lone surrogates only in the text written per finding, _constant in each
    combination's text once: either way the bytes are dumps's (U+FFFD), wherever the surrogate is."""
    from checker.findings import OneLang
    doc = json.loads(EXAMPLE.read_text(encoding="utf-8"))
    r = checker.check(json.dumps(doc).encode(), "plan.json", langs=("zh",))
    f = next(f for f in r.findings if f.list_rows and f.line_id)
    bad = "x\ud800y\udc00"
    changed = {"message": {"message": OneLang("zh", bad)}, "line_id": {"line_id": bad}, "pointer": {"pointer": f.pointer + bad},
               "values": {"values": (("name", bad),)}, "title": {"title": {"zh": bad, "en": bad}},
               "list_rows": {"list_rows": (dict(f.list_rows[0], name=bad),)},
               "waiver": {"status": "waived", "waiver": {"justification": bad}}}[part]
    odd = dataclasses.replace(r, findings=(*r.findings[:2], dataclasses.replace(f, **changed)))
    meta = checker.run_meta([odd], {})
    text = json_.text([odd], meta, "zh", [json_.result_head(odd, "zh")], json_.provenance_pieces(checker.provenance()))
    assert text == json_.render([odd], meta, "zh") and "x\ufffdy\ufffd" in text
    assert json_.data([odd], meta, "zh", [json_.result_head(odd, "zh")], json_.provenance_pieces(checker.provenance())) == \
        text.encode("utf-8")


@pytest.mark.parametrize("profile", ["national", "shenzhen", "guangdong"])
def test_data_is_the_texts_bytes_on_every_example(profile):
    """json_.data (the batch's file, as bytes) against json_.text encoded, in both languages, with the
    profiles' severity changes; and a plan's findings in several blocks."""
    checker = api.Checker(profile)
    pieces = json_.provenance_pieces(checker.provenance())
    seen = 0
    for path in sorted(EXAMPLE.parent.glob("*.json")):
        for lang in ("zh", "en"):
            r = checker.check(path.read_bytes(), path.name, langs=(lang,))
            meta = checker.run_meta([r], {})
            heads = [json_.result_head(r, lang)]
            text = json_.text([r], meta, lang, heads, pieces)
            assert json_.data([r], meta, lang, heads, pieces) == text.encode("utf-8")
            assert text == json_.render([r], meta, lang)
            seen += len(r.findings)
    assert seen > 20
