"""The green evaluation's memo of which groups a line belongs to (checker/evaluation/scheme.py):
the same groups, lines and amounts as testing every group's selector on every line, for codes and
the ``field`` values a selector tests (true, false, absent, and values that are not memoised)."""
import random

from checker import _paths
from checker.evaluation import criteria, scheme


def _direct(project, edition, groups):
    """The groups per line as the selectors say, without the memo."""
    lines, amounts = {}, {}
    for item in project["items"]:
        for g in groups.values():
            if g.predicate(edition)(item):
                lines.setdefault(g.id, []).append(item["line_id"])
                amounts[g.id] = amounts.get(g.id, 0.0) + float(item["amount"])
    return lines, amounts


def _codes(groups, edition):
    out = []
    for g in groups.values():
        clause = g.doc["catalog"]["match"]
        for part in clause.get("any", [clause]):
            for key in ("codes", "prefixes"):
                out += part.get(key, {}).get(edition, [])
    return out


def test_memo_gives_the_selectors_groups_for_codes_and_field_values():
    groups = criteria.load_dir(_paths.rules_dir() / "criteria")
    assert any(scheme._fields(g.doc["catalog"]["match"], set()) and "field" in str(g.doc["catalog"]["match"])
               for g in groups.values()), "a selector with a field clause is needed to test field values"
    rng = random.Random(5)
    for edition in ("2013", "2022"):
        codes = _codes(groups, edition) + ["A02010199", "B01", "C23160000", "A0201060401"]
        for _ in range(3):   # the memo is filled by the first project and read by the next ones
            items = []
            for i in range(300):
                item = {"line_id": str(i), "category_code": rng.choice(codes) + rng.choice(["", "01"]),
                        "amount": rng.choice([1, 0.1, 2.5, 1e6])}
                flag = rng.choice(["absent", True, False, 1, 0, None, "yes"])
                if flag != "absent":
                    item["data_centre"] = flag
                items.append(item)
            a = scheme.analyse({"items": items}, edition, groups)
            lines, amounts = _direct({"items": items}, edition, groups)
            assert [(g["group"], g["lines"], g["amount"]) for g in a["groups"]] == \
                [(gid, lines[gid], round(amounts[gid], 2)) for gid in groups if gid in lines]
            assert a["groups"], "the sample has lines in groups"
    memo = scheme._memo(groups, "2022")
    assert memo is not None and memo[0] == ("data_centre",)
    assert all(k[1] in (None, True, False) for k in memo[1]), "only true, false and absent are keys"


def test_an_unknown_clause_is_not_memoised():
    assert scheme._fields({"codes": {}}, set()) is True
    assert scheme._fields({"not": {"prefixes": {}}}, set()) is True
    assert scheme._fields({"all": [{"codes": {}}, {"other": 1}]}, set()) is False
