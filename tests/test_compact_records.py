"""The compact records of a check (issue 16, memory): a finding's message in one language
(findings.OneLang, findings.Later: rendered when read) and a line's items-list entry (api.Line)
stand for the dicts they replace.

A command checks in the one language it shows, and its rules' findings carry a Later; a check in
both languages carries dicts. On random plans (the differential tests' generator) the JSON output in
each language must be the same bytes either way, the findings equal, and every entry of the items
list equal to a plain dict of the same keys in the same order."""
import json
import pickle

import pytest
from hypothesis import HealthCheck, given, settings

from checker.api import Line
from checker.findings import Finding, Later, OneLang
from checker.formatters import _report, json_
from test_chunked_check import odd_plans


@pytest.fixture(scope="module")
def checker():
    from checker.api import get_checker
    return get_checker("national")


def test_one_language_message_is_a_read_only_mapping_of_one_key():
    m = OneLang("zh", "文字")
    assert m["zh"] == "文字" and list(m) == ["zh"] and len(m) == 1 and dict(m) == {"zh": "文字"}
    assert m == {"zh": "文字"} and {"zh": "文字"} == m and m != {"zh": "别的"} and m != {"zh": "文字", "en": "text"}
    assert m.get("en") is None and "en" not in m and sorted(m.items()) == [("zh", "文字")]
    with pytest.raises(KeyError):
        m["en"]
    assert pickle.loads(pickle.dumps(m)) == m and repr(m) == repr({"zh": "文字"})


def test_a_line_entry_is_its_dict_and_award_is_absent_unless_given():
    values = tuple(range(15))
    plain, awarded = Line(values), Line(values, {"supplier": "甲"})
    assert list(plain) == list(Line.__slots__[:15]) and "award" not in plain and plain.get("award") is None
    assert not hasattr(plain, "award")   # a template reading .award finds nothing, as with the dict
    assert awarded["award"] == {"supplier": "甲"} and list(awarded)[-1] == "award" and len(awarded) == 16
    assert dict(plain) == dict(zip(Line.__slots__[:15], values)) and plain == dict(plain)
    with pytest.raises(KeyError):
        plain["award"]
    with pytest.raises(KeyError):
        plain["colour"]
    for entry in (plain, awarded):
        assert pickle.loads(pickle.dumps(entry)) == entry
        assert dict(pickle.loads(pickle.dumps(entry))) == dict(entry)


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large,
                                                                HealthCheck.function_scoped_fixture])
@given(doc=odd_plans())
def test_a_check_in_one_language_gives_the_bytes_of_a_check_in_both(checker, doc):
    data = json.dumps(doc, ensure_ascii=False).encode()
    both = checker.check(data, "plan.json", langs=("zh", "en"))
    assert both.checkable
    for lang in ("zh", "en"):
        one = checker.check(data, "plan.json", langs=(lang,))
        assert all(isinstance(f.message, Later) for f in one.findings if f.rule_id.startswith("GPP-"))
        assert json_.render([one], {}, lang) == json_.render([both], {}, lang)
        assert json_.text([one], {}, lang) == json_.render([both], {}, lang)
        assert [f.message[lang] for f in one.findings] == [f.message[lang] for f in both.findings]
        assert list(one.findings) == sorted(one.findings, key=Finding.sort_key)
        assert _report.categories(one) == _report.categories(both)
    for entry in both.meta["items"]:
        assert isinstance(entry, Line) and entry == dict(entry) and list(dict(entry)) == list(entry)
