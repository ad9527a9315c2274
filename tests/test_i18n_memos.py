"""The memos of checker/i18n.py (labels, list rows' text, a template's fixed text): each answer is
the one made without the memo, whatever was asked before (a memo forgetting part of its key would
give an earlier answer)."""
from checker import i18n
from checker.lists import Row


def _row(name, obligation):
    return Row(id=name, name=name, product_type="", obligation=obligation, standard=None, verified=True,
               unverified=(), edition_id="e")


def test_a_label_is_its_values_own_and_its_languages():
    labels = i18n.catalogue()["labels"]
    assert i18n.label(1, "zh") == "1"
    assert i18n.label(True, "zh") == labels["true"]["zh"]   # equal to 1, one hash: a label of its own
    assert i18n.label(1.0, "zh") == "1.0"
    assert i18n.label("mandatory", "zh") == labels["mandatory"]["zh"]
    assert i18n.label("mandatory", "en") == labels["mandatory"]["en"] != labels["mandatory"]["zh"]


def test_a_value_that_cannot_be_a_key_is_labelled_too():
    assert i18n.label(["mandatory"], "zh") == "['mandatory']"


def test_rows_text_is_made_per_tuple_and_language():
    rows = (_row("灯", "mandatory"), _row("冰箱", "priority"))
    zh, en = i18n.rows_text(rows, "zh"), i18n.rows_text(rows, "en")
    assert zh == i18n._rows_text(rows, "zh") and "、" in zh
    assert en == i18n._rows_text(rows, "en") and ", " in en and en != zh
    other = (_row("灯", "priority"),)
    assert i18n.rows_text(other, "zh") == i18n._rows_text(other, "zh") != zh


def test_a_list_of_rows_is_not_kept_in_the_memo():
    rows = [_row("灯", "mandatory")]
    first = i18n.rows_text(rows, "zh")
    rows.append(_row("冰箱", "priority"))
    assert i18n.rows_text(rows, "zh") == i18n._rows_text(rows, "zh") != first


def test_a_template_naming_no_field_is_fixed_text_and_one_naming_a_field_is_not():
    assert i18n.fixed("改 {{括号}}") == i18n.render("改 {{括号}}", {}, "zh") == "改 {括号}"
    assert i18n.fixed("改 {{括号}}") is i18n.fixed("改 {{括号}}")
    assert i18n.fixed("改 {name}") is None


def _both(template, names, values, lang="zh"):
    expected = i18n.render(template, dict(zip(names, values)), lang)
    assert i18n.render_values(template, names, values, lang) == expected
    return expected


def test_a_message_rendered_from_its_values_is_the_one_rendered_from_their_dict():
    rows = {"energy_saving": (_row("灯", "mandatory"),)}
    assert _both("{name}（{energy_rows}）“{req!l}” {amount:,.2f} {{x}} {params[a]} {name!r} {t}",
                 ("name", "req", "amount", "params", "t", "rows"),
                 ("物品", "required", 1234.5, {"a": 3}, {"zh": "中", "en": "en"}, rows)) == \
        "物品（灯（强制采购★））“实质性要求” 1,234.50 {x} 3 '物品' 中"


def test_the_compiled_template_follows_its_names_order():
    """_positional's memo is keyed by the names too: the same template over names in another order
    takes each value from its own place."""
    assert _both("{a}-{b}", ("a", "b"), ("1", "2")) == "1-2"
    assert _both("{a}-{b}", ("b", "a"), ("1", "2")) == "2-1"
    assert _both("{a}-{b}", ("a", "b", "a"), ("1", "2", "3")) == "3-2"   # the last value of a name, as a dict


def test_a_missing_name_and_a_nested_spec_are_renders_own():
    import pytest
    with pytest.raises(KeyError):
        i18n.render_values("{a} {b}", ("a",), ("1",), "zh")
    with pytest.raises(KeyError):
        i18n.render("{a} {b}", {"a": "1"}, "zh")
    for render in (lambda: i18n.render_values("{a:>{w}}", ("a", "w"), ("x", 3), "zh"),
                   lambda: i18n.render("{a:>{w}}", {"a": "x", "w": 3}, "zh")):
        with pytest.raises(ValueError):   # a nested spec: not filled in by either
            render()


def test_every_message_of_the_examples_is_renders():
    import json
    from pathlib import Path

    from checker import api
    checker = api.Checker("national")
    seen = 0
    for path in sorted((Path(__file__).resolve().parent.parent / "examples").glob("*.json")):
        for lang in ("zh", "en"):
            r = checker.check(path.read_bytes(), path.name, langs=(lang,))
            for f in r.findings:
                m = f.message
                if hasattr(m, "template"):
                    assert m.text == i18n.render(m.template, dict(zip(m.names, m.values)), lang)
                    seen += 1
    assert seen > 20, json.dumps(seen)
