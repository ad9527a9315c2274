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
