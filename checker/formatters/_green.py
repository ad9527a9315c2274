"""The green evaluation (issue 13) as every report shows it: a content model built from a result's
``meta["green_evaluation"]`` (computed by checker.evaluation), in the user's words (reports/messages.json,
section green_words). Kept apart from _report.py so that other sections of the evaluation system
(life-cycle cost, green value) sit beside it."""
from __future__ import annotations

from ..evaluation import sources as _sources
from ..i18n import catalogue, LANGS


def word(key: str, lang: str) -> str:
    return catalogue()["green_words"][key][lang]


def _num(x) -> str:
    if x is None:
        return "—"
    return f"{x:.1f}" if abs(x - round(x)) > 1e-9 else f"{int(round(x))}"


def _local(value, lang):
    """{zh, en} texts of the data replaced by the one in ``lang``, everything else as it is."""
    if isinstance(value, dict):
        if len(value) == 2 and value.keys() == _LANGSET:
            return value[lang]
        return {k: v if type(v) in _LEAVES else _local(v, lang) for k, v in value.items()}
    if isinstance(value, list):
        return [v if type(v) in _LEAVES else _local(v, lang) for v in value]
    return value


#: What _local returns as it is, taken without a call for each: a plan's evaluation lists every
#: line id of each product group (about 0.2 µs per line of the JSON output).
_LEAVES = frozenset({str, int, float, bool, type(None)})
_LANGSET = frozenset(LANGS)


def json_part(result, lang) -> dict | None:
    """The green evaluation for the JSON output: every input of the computation, texts in ``lang``,
    and how the score was computed."""
    g = result.meta.get("green_evaluation") if result.checkable else None
    if g is None:
        return None
    out = _local(g, lang)
    out["how"] = word("formula", lang).format(core=_num(g["weights"]["core"]), comprehensive=_num(g["weights"]["comprehensive"]))
    return out


def section(result, lang) -> dict | None:
    """The "green evaluation" section of a human report; None when the plan has no green evaluation."""
    g = result.meta.get("green_evaluation") if result.checkable else None
    if g is None:
        return None
    projects = []
    unverified = set()
    cited = set()
    for p in g["projects"]:
        if not p["groups"]:
            continue
        for c_ in p["criteria"]:
            cited.update(c_.get("refs", ()))
        s = p["score"]
        c, k = p["counts"]["core"], p["counts"]["comprehensive"]
        unverified.update(c_["id"] for c_ in p["criteria"] if not c_["verified"])
        if s["score"] is None:
            score = word(f"no_score_{s['reason']}", lang)
            how = ""
        else:
            score = _num(s["score"])
            how = word("computation", lang).format(covered_core=c["covered"], applicable_core=c["applicable"],
                                                   covered_comp=k["covered"], applicable_comp=k["applicable"], score=score)
        names = {f["index"]: f["name"] for f in p["factors"]}
        projects.append({
            "project_id": p["project_id"], "name": p["name"],
            "groups": ("、" if lang == "zh" else ", ").join(gr["title"][lang] for gr in p["groups"]),
            "score": score, "how": how, "score_value": s["score"], "green_weight_value": p["green_weight"],
            "core": f"{c['covered']}/{c['applicable']}", "comprehensive": f"{k['covered']}/{k['applicable']}",
            "ambition": word(f"ambition_{p['ambition_reached']}", lang),
            "green_weight": "—" if p["green_weight"] is None else _num(p["green_weight"]) + "%",
            "not_covered": [f"{c_['title'][lang]}（{word('level_' + c_['ambition'], lang)}）" if lang == "zh"
                            else f"{c_['title'][lang]} ({word('level_' + c_['ambition'], lang)})"
                            for c_ in p["criteria"] if not c_["covered_by"]] if p["factors_given"] else [],
            "ungraded": [names[i] for i in p["ungraded_green_factors"]],
        })
    return {
        "title": word("section", lang), "intro": word("intro", lang),
        "plan_score": _num(g["plan"]["score"]) if g["plan"]["score"] is not None else "—",
        "projects": projects,
        "none": word("none_applicable", lang) if not projects else "",
        "formula": word("formula", lang).format(core=_num(g["weights"]["core"]), comprehensive=_num(g["weights"]["comprehensive"])),
        "unverified": word("unverified", lang).format(n=len(unverified)) if unverified else "",
        # the documents the applicable criteria rest on (rules/sources.json), in key order
        "sources": _sources.rows(sorted(cited, key=_refs_key), word("criteria_no_url", lang)),
        "sources_title": word("criteria_sources", lang), "sources_intro": word("green_sources_intro", lang),
        "words": {k: word(k, lang) for k in ("plan_score", "project", "groups", "project_score", "core", "comprehensive",
                                             "ambition", "green_weight", "not_covered", "ungraded")},
    }


def text_lines(result, lang) -> list:
    """The section as plain text lines (the text report)."""
    s = section(result, lang)
    if s is None:
        return []
    w = s["words"]
    sep = "：" if lang == "zh" else ": "
    lines = [f"{s['title']}", f"  {w['plan_score']}{sep}{s['plan_score']}"]
    if s["none"]:
        lines.append(f"  {s['none']}")
    for p in s["projects"]:
        lines.append(f"  {w['project']} {p['name']}（{p['project_id']}）" if lang == "zh" else f"  {w['project']} {p['name']} ({p['project_id']})")
        lines.append(f"    {w['groups']}{sep}{p['groups']}")
        lines.append(f"    {w['project_score']}{sep}{p['score']}" + (f"  [{p['how']}]" if p["how"] else ""))
        lines.append(f"    {w['core']}{sep}{p['core']}  {w['comprehensive']}{sep}{p['comprehensive']}  {w['ambition']}{sep}{p['ambition']}")
        lines.append(f"    {w['green_weight']}{sep}{p['green_weight']}")
        if p["not_covered"]:
            lines.append(f"    {w['not_covered']}{sep}" + ("；" if lang == "zh" else "; ").join(p["not_covered"]))
        if p["ungraded"]:
            lines.append(f"    {w['ungraded']}{sep}" + ("、" if lang == "zh" else ", ").join(p["ungraded"]))
    if s["unverified"]:
        lines.append(f"  {s['unverified']}")
    return lines


def source_text_lines(result, lang) -> list:
    """The documents the section's criteria rest on, as plain text lines (the text report shows them
    with --explain; the other reports always)."""
    s = section(result, lang)
    if s is None or not s["sources"]:
        return []
    sep = "：" if lang == "zh" else ": "
    lines = [f"  {s['sources_title']}{sep}{s['sources_intro']}"]
    for x in s["sources"]:
        lines.append(f"    [{x['key']}] {x['title']}" + (f" ({x['detail']})" if x["detail"] else "")
                     + (f" — {x['no_url']}" if x["no_url"] else ""))
        lines += [f"        {u}" for u in x["urls"]]
    return lines


# -- the criteria themselves (lvcai criteria list|show, lvcai rules docs) ----------------------------
def _codes(match, lang) -> list:
    """[(edition, codes text)] of a group's catalog selector, in words."""
    out = {}

    def walk(clause):
        (key, val), = clause.items()
        if key in ("codes", "prefixes"):
            for ed, codes in val.items():
                out.setdefault(ed, []).extend(c + ("*" if key == "prefixes" else "") for c in codes)
        elif key == "field":
            out.setdefault("field", []).append(f"{val['path']} = {str(val['equals']).lower()}")
        elif key in ("any", "all"):
            for c in val:
                walk(c)
        elif key == "not":
            walk(val)
    walk(match)
    rows = []
    for ed in ("2013", "2022"):
        rows.append((word("criteria_edition", lang).format(edition=ed), ", ".join(out.get(ed, ())) or word("criteria_no_codes", lang)))
    if "field" in out:
        rows.append(("", ", ".join(out["field"])))
    return rows


def criterion_view(c, lang) -> dict:
    std = c["standard"]
    src = c["source"]
    return {
        "id": c["id"], "title": c["title"][lang],
        "requirement": c["requirement"][lang] if c.get("requirement") else "",
        "indicator": word("indicator_" + c["indicator"], lang), "ambition": word("level_" + c["ambition"], lang),
        "type": word("type_" + c["type"], lang),
        "quantity": f"{c['quantity']['name'][lang]} ({c['quantity']['unit']})",
        "bands": [{"condition": b["condition"][lang], "share": _num(100 * b["share"]) + "%"} for b in c.get("bands", ())],
        "verification": ("、" if lang == "zh" else ", ").join(word("verification_" + v, lang) for v in c["verification"]),
        "standard": (f"{std['number']} {std['title']}" + (f"，{std['grade']} 级" if lang == "zh" and std.get("grade")
                     else f", grade {std['grade']}" if std.get("grade") else "")) if std else word("criteria_none_standard", lang),
        "source": f"{src['doc']} ({src['where']})" + (f"; {src['note']}" if src.get("note") else ""),
        "verified": src["verified"], "verified_label": word(f"verified_{str(src['verified']).lower()}", lang),
        "refs": list(src["refs"]),
    }


def _refs_key(key: str):
    """Sort order of source keys: letter, then number (C2 before C10), lvcai's own keys last."""
    head, _, num = key.partition("-") if key.startswith("POL-") else (key[0], "", key[1:])
    return (key.startswith("POL-"), head, int(num) if num.isdigit() else 0, key)


def group_sources(group, lang) -> list:
    """The documents one group's criteria cite (rules/sources.json), in key order."""
    d = group.doc
    keys = set(d["eu_set"]["refs"]) | set(d["catalog"]["source"]["refs"])
    for c in group.criteria:
        keys.update(c["source"]["refs"])
    return _sources.rows(sorted(keys, key=_refs_key), word("criteria_no_url", lang), group.path.parent.parent)


def group_view(group, lang) -> dict:
    d = group.doc
    return {"sources": group_sources(group, lang),
            "sources_title": word("criteria_sources", lang), "sources_intro": word("criteria_sources_intro", lang),
            "id": group.id, "title": d["title"][lang], "description": d["description"][lang],
            "eu_set": f"{d['eu_set']['name']} ({d['eu_set']['source']})",
            "catalog": _codes(d["catalog"]["match"], lang),
            "catalog_source": f"{d['catalog']['source']['doc']} ({d['catalog']['source']['where']})"
                              + (f"; {d['catalog']['source']['note']}" if d["catalog"]["source"].get("note") else ""),
            "catalog_verified": word(f"verified_{str(d['catalog']['source']['verified']).lower()}", lang),
            "core": sum(1 for c in group.criteria if c["ambition"] == "core"),
            "comprehensive": sum(1 for c in group.criteria if c["ambition"] == "comprehensive"),
            "criteria": [criterion_view(c, lang) for c in group.criteria]}


def group_lines(group, lang) -> list:
    """`lvcai criteria show GROUP` as text lines."""
    v = group_view(group, lang)
    sep = "：" if lang == "zh" else ": "
    lines = [f"{v['title']} ({v['id']})", f"  {v['description']}", f"  {word('criteria_eu_set', lang)}{sep}{v['eu_set']}",
             f"  {word('criteria_catalog', lang)}{sep}"]
    lines += [f"    {ed}{sep if ed else ''}{codes}" for ed, codes in v["catalog"]]
    lines.append(f"    [{v['catalog_verified']}] {v['catalog_source']}")
    for c in v["criteria"]:
        lines += ["", f"  {c['id']}  {c['title']}  [{c['verified_label']}]"]
        if c["requirement"]:
            lines.append(f"    {c['requirement']}")
        lines.append(f"    {word('criteria_indicator', lang)}{sep}{c['indicator']} · {word('criteria_ambition', lang)}{sep}{c['ambition']}"
                     f" · {word('criteria_type', lang)}{sep}{c['type']}")
        lines.append(f"    {word('criteria_quantity', lang)}{sep}{c['quantity']}")
        for b in c["bands"]:
            lines.append(f"    - {b['condition']} → {b['share']}")
        lines.append(f"    {word('criteria_verification', lang)}{sep}{c['verification']}")
        lines.append(f"    {word('criteria_standard', lang)}{sep}{c['standard']}")
        lines.append(f"    {word('criteria_source', lang)}{sep}{c['source']}")
    if v["sources"]:
        lines += ["", f"  {v['sources_title']}", f"  {v['sources_intro']}"]
        for s in v["sources"]:
            lines.append(f"    [{s['key']}] {s['title']}" + (f" ({s['detail']})" if s["detail"] else "")
                         + (f" — {s['no_url']}" if s["no_url"] else ""))
            lines += [f"        {u}" for u in s["urls"]]
    return lines


def xlsx_rows(report_plans) -> list:
    """The green evaluation sheet's rows: one per project with criteria, of every plan."""
    rows = []
    for p in report_plans:
        g = p.get("green")
        for x in (g or {}).get("projects", ()):
            rows.append([p["plan_id"], x["project_id"], x["name"], x["groups"],
                         x["score_value"] if x["score_value"] is not None else x["score"], x["core"], x["comprehensive"],
                         x["ambition"], None if x["green_weight_value"] is None else x["green_weight_value"] / 100,
                         ("; ").join(x["not_covered"]), ", ".join(x["ungraded"]), x["how"]])
    return rows
