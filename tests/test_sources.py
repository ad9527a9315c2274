"""The documents the criteria and evaluation data cite (rules/sources.json): every cited key resolves,
no shipped source text sends the reader to lvcai's unshipped research notes, and `criteria show`,
`rules docs` and the reports' life-cycle cost assumptions print the documents' titles and URLs."""
import json
import re
import shutil

import pytest
from click.testing import CliRunner

from checker import templates
from checker._jsonutil import schema_problems
from checker.cli import main
from checker.errors import DataError
from checker.evaluation import criteria as C
from checker.evaluation import data as D
from checker.evaluation import sources as S
from conftest import ROOT, json_strings

SOURCES = ROOT / "rules" / "sources.json"
DATA = sorted((ROOT / "rules" / "criteria").glob("*.json")) + sorted((ROOT / "rules" / "evaluation").glob("*.json"))
#: a key as the data write it in a text: [C1], [E1, E2, E3], [POL-GDC]
BRACKETS = re.compile(r"\[((?:[A-Z][0-9]+|POL-[A-Z]+)(?:, (?:[A-Z][0-9]+|POL-[A-Z]+))*)\]")
INTERNAL = re.compile(r"EVALUATION\.md|POLICY\.md|shared/domain")


def lvcai(*args):
    return CliRunner().invoke(main, [str(a) for a in args], catch_exceptions=False)


def _refs(node, ptr=""):
    """(pointer, keys) of every refs / profile_refs list in a JSON document."""
    if isinstance(node, dict):
        for k, v in node.items():
            if k == "refs":
                yield f"{ptr}/refs", v
            elif k == "profile_refs":
                for prof, keys in v.items():
                    yield f"{ptr}/profile_refs/{prof}", keys
            else:
                yield from _refs(v, f"{ptr}/{k}")
    elif isinstance(node, list):
        for i, v in enumerate(node):
            yield from _refs(v, f"{ptr}/{i}")


def _cited():
    """{key: [where it is cited]} over the shipped criteria and evaluation data: refs and [KEY] in texts."""
    cited = {}
    for path in DATA:
        doc = json.loads(path.read_text(encoding="utf-8"))
        for ptr, keys in _refs(doc):
            for k in keys:
                cited.setdefault(k, []).append(f"{path.name}{ptr}")
        for ptr, text in json_strings(doc):
            for group in BRACKETS.findall(text):
                for k in group.split(", "):
                    cited.setdefault(k, []).append(f"{path.name}{ptr}")
    return cited


def test_the_sources_file_is_valid_and_an_entry_has_urls_exactly_when_no_url_is_false():
    doc = json.loads(SOURCES.read_text(encoding="utf-8"))
    assert schema_problems("sources", doc) == []
    for key, e in doc["sources"].items():
        assert bool(e["urls"]) != e["no_url"], key
        assert all(re.fullmatch(r"https?://\S+", u) for u in e["urls"]), key
        assert e["provenance"]["entry"], key
    # the schema refuses an entry that says "no URL" but lists one, and a URL with a space
    bad = json.loads(SOURCES.read_text(encoding="utf-8"))
    bad["sources"]["C1"]["no_url"] = True
    assert schema_problems("sources", bad)
    bad = json.loads(SOURCES.read_text(encoding="utf-8"))
    bad["sources"]["C1"]["urls"] = ["https://a b"]
    assert schema_problems("sources", bad)
    bad["sources"]["C1"]["urls"] = ["https://a/>x"]          # could close a Markdown autolink
    assert schema_problems("sources", bad)


def test_every_key_cited_by_shipped_data_is_listed_in_the_sources_file():
    known = set(json.loads(SOURCES.read_text(encoding="utf-8"))["sources"])
    cited = _cited()
    assert len(cited) > 40                           # the walk finds the citations: not vacuous
    assert {"C1", "C5", "E24", "P1", "P9", "POL-GDC"} <= set(cited)
    unknown = {k: where for k, where in cited.items() if k not in known}
    assert unknown == {}, f"cited but not in rules/sources.json: {unknown}"


def test_every_key_named_in_a_source_text_is_also_in_the_entrys_refs():
    """[C1] in a criterion's where/note is in that source's refs (the structured keys the displays use)."""
    missing = []
    for path in sorted((ROOT / "rules" / "criteria").glob("*.json")):
        doc = json.loads(path.read_text(encoding="utf-8"))
        entries = [("/eu_set", doc["eu_set"]), ("/catalog/source", doc["catalog"]["source"])]
        entries += [(f"/criteria/{i}/source", c["source"]) for i, c in enumerate(doc["criteria"])]
        for ptr, e in entries:
            for _, text in json_strings({k: v for k, v in e.items() if k != "refs"}):
                for group in BRACKETS.findall(text):
                    missing += [f"{path.name}{ptr}: {k}" for k in group.split(", ") if k not in e["refs"]]
    assert missing == []


def test_an_unknown_key_is_refused_naming_the_file_and_place(tmp_path):
    rules = tmp_path / "rules"
    shutil.copytree(ROOT / "rules" / "criteria", rules / "criteria")
    shutil.copy(SOURCES, rules / "sources.json")
    path = rules / "criteria" / "computers.json"
    doc = json.loads(path.read_text(encoding="utf-8"))
    doc["criteria"][0]["source"]["refs"] = ["C1", "X99"]
    path.write_text(json.dumps(doc, ensure_ascii=False), encoding="utf-8")
    with pytest.raises(DataError) as e:
        C.load_file(path)
    assert "computers.json" in str(e.value) and "/criteria/0/source/refs/1" in str(e.value) and "X99" in str(e.value)
    # the same file with a listed key loads
    doc["criteria"][0]["source"]["refs"] = ["C1"]
    path.write_text(json.dumps(doc, ensure_ascii=False), encoding="utf-8")
    assert C.load_file(path).id == "computers"


def test_an_unknown_key_in_the_evaluation_data_is_refused(tmp_path):
    rules = tmp_path / "rules"
    shutil.copytree(ROOT / "rules" / "evaluation", rules / "evaluation")
    shutil.copy(SOURCES, rules / "sources.json")
    path = rules / "evaluation" / "use_phase.json"
    doc = json.loads(path.read_text(encoding="utf-8"))
    doc["models"][2]["refs"] = ["Q7"]
    path.write_text(json.dumps(doc, ensure_ascii=False), encoding="utf-8")
    with pytest.raises(DataError) as e:
        D.load(rules / "evaluation")
    assert "use_phase.json" in str(e.value) and "/models/2/refs/0" in str(e.value)


def test_no_shipped_criteria_or_evaluation_text_points_to_the_internal_research_notes():
    found = [f"{p.name}{ptr}" for p in DATA for ptr, text in json_strings(json.loads(p.read_text(encoding="utf-8")))
             if INTERNAL.search(text)]
    assert found == []
    # in the sources file only the provenance may name them (where the entry was taken from)
    doc = json.loads(SOURCES.read_text(encoding="utf-8"))
    outside = [f"{k}{ptr}" for k, e in doc["sources"].items()
               for ptr, text in json_strings({f: v for f, v in e.items() if f != "provenance"}) if INTERNAL.search(text)]
    assert outside == []
    assert any("EVALUATION.md" in e["provenance"]["note"] for e in doc["sources"].values())   # provenance kept


def test_a_source_text_saying_memory_or_open_is_not_marked_verified():
    """The research notes' "(memory)" and "Uncertain" facts are now worded "from memory", "not verified",
    "open point", "no retrieved source": such a criterion must still say verified: false."""
    words = re.compile(r"\(memory|from memory|no retrieved source|open point|UNSURE")
    flagged, seen = [], 0
    for g in C.load_dir(ROOT / "rules" / "criteria").values():
        for c in g.criteria:
            text = c["source"]["where"] + " " + c["source"].get("note", "")
            if words.search(text):
                seen += 1
                if c["source"]["verified"]:
                    flagged.append(c["id"])
    assert seen >= 5 and flagged == []


def test_criteria_show_prints_the_documents_with_their_urls():
    r = lvcai("criteria", "show", "computers", "--lang", "en")
    assert r.exit_code == 0
    out = r.output
    assert "Documents cited" in out
    entry = S.table()["C1"]
    assert f"[C1] {entry['title']}" in out
    assert all(u in out for u in entry["urls"])
    assert "https://www.upphandlingsmyndigheten.se/en/criteria/it-and-telecom/computers-and-screens/computers/energy-efficient-computers/core/" in out
    assert "EVALUATION.md" not in out
    # a group cites its own documents, not every document
    assert "[C5]" not in out
    zh = lvcai("criteria", "show", "data_centres").output
    assert "所引文献" in zh and "[POL-GDC]" in zh and "http://guozi.org/listing/lawsshow_pi.php?id=2934" in zh


def test_rules_docs_criteria_pages_list_the_documents(tmp_path):
    r = lvcai("rules", "docs", "--output", tmp_path, "--lang", "en")
    assert r.exit_code == 0, r.output
    page = (tmp_path / "criteria-sanitary_tapware.md").read_text(encoding="utf-8")
    assert "## Documents cited" in page
    assert "**C8** GB 25501-2019 (taps)" in page
    assert "`http://www.ctisd.com/knowledge/201505204919.html`" in page   # C10, literal (a code span, no link)


def test_a_report_lists_the_documents_of_its_assumptions(tmp_path):
    plan = ROOT / "examples" / "green-evaluation.json"
    plain = lvcai("check", plan, "--lang", "en").output
    # the terminal output names the documents only with --explain, and says so
    assert "add --explain" in plain and S.table()["E4"]["urls"][0] not in plain
    text = lvcai("check", plan, "--lang", "en", "--explain").output
    green = text[text.index("Green evaluation"):text.index("Life-cycle cost")]
    assert "The documents the criteria above rest on" in green and S.table()["E4"]["urls"][0] in green
    assert "[C5] GB 21455-2019" in green                 # the air conditioners of project 02
    section = text[text.index("Assumptions and sources"):]
    assert "[C1]" in section and "Documents cited" in section
    for u in S.table()["C1"]["urls"] + S.table()["P1"]["urls"]:
        assert u in section
    html = tmp_path / "r.html"
    lvcai("check", plan, "--format", "html", "-o", html)
    h = html.read_text(encoding="utf-8")
    assert '<a href="https://jijunzs.com/content/2025/01/06/14678368.html"' in h   # P3, the carbon price
    md = tmp_path / "r.md"
    lvcai("check", plan, "--format", "md", "-o", md)
    assert "**所引文献**" in md.read_text(encoding="utf-8")
    j = json.loads(lvcai("check", plan, "--format", "json").output)
    lcc = j["results"][0]["life_cycle_cost"]
    assert {"C1", "P3", "L9"} <= {s["key"] for s in lcc["sources"]}
    assert lcc["method"]["formula_refs"] == ["L9"]


def test_the_html_source_list_escapes_its_urls():
    """An address with quotes or angle brackets cannot break out of the href (autoescape)."""
    html = templates.render("_lcc.html.j2", True, p={"lcc": {
        "w": {k: k for k in ("section_lcc", "no_items", "formula", "section_green_value", "line", "kwh", "m3", "t_co2",
                             "money_value", "plan_total", "green_formula", "assumptions", "assumption", "value", "source",
                             "verified", "unverified_mark", "sources_cited", "sources_intro")},
        "legal": [], "rows": [], "projects": [], "groups": [], "assumptions": [], "grid_text": "", "grid_notes": [],
        "plan": {"kwh": "", "m3": "", "t_co2": "", "money_value": ""}, "unverified": False,
        "sources": [{"key": "X1", "title": "<b>t</b>", "detail": "", "no_url": "",
                     "urls": ['https://e.invalid/?a="><script>x</script>']}]}}, colon=": ", lang="en")
    assert "<script>" not in html and "<b>t</b>" not in html
    assert 'href="https://e.invalid/?a=&#34;&gt;&lt;script&gt;x&lt;/script&gt;"' in html


def test_the_profiles_cite_listed_documents_and_not_the_research_notes():
    """The profiles' parameter bases (shown with the values they set) cite by key too."""
    known = set(S.table())
    found, internal = [], []
    for path in sorted((ROOT / "rules" / "profiles").glob("*.json")):
        for ptr, text in json_strings(json.loads(path.read_text(encoding="utf-8"))):
            if INTERNAL.search(text):
                internal.append(f"{path.name}{ptr}")
            for group in BRACKETS.findall(text):
                found += [(f"{path.name}{ptr}", k) for k in group.split(", ")]
    assert internal == []
    assert {k for _, k in found} >= {"P9", "Z1", "E3"}           # the walk sees the citations
    assert [(w, k) for w, k in found if k not in known] == []
