"""Public statistics: rounds recorded in the registry (`lvcai batch --record`) and the static site
built from them (`lvcai publish`, also served at /stats).

The indicator is the official one (shared/domain/POLICY.md §9, 财政部's annual summary): per list,
the amount of **certified products** ÷ the amount of **all purchases in the listed product classes**.
Only award-stage plans name a product and its certificate, so only they enter the indicator; a
line counts as certified for a list when its award declares a certificate of that list's type that
is in force on the plan date and, where the registry holds certificate data, the registry has that
certificate with status valid. Plan-stage plans are recorded (their totals) and counted, never put
into the indicator.

Nothing identifying a person is stored or published: agencies and suppliers are organisations; no
file name, user name or integrity record is published.
"""
from __future__ import annotations

import csv
import datetime as _dt
import io
import json
import sqlite3
from pathlib import Path

from .. import i18n
from ..lists import LIST_KINDS

SCHEMA = """
CREATE TABLE IF NOT EXISTS stats_rounds (round_id TEXT PRIMARY KEY, round_date TEXT NOT NULL, plans INTEGER NOT NULL,
    checked INTEGER NOT NULL, award_plans INTEGER NOT NULL);
CREATE TABLE IF NOT EXISTS stats_plans (round_id TEXT NOT NULL, plan_id TEXT NOT NULL, agency TEXT NOT NULL, agency_code TEXT,
    year INTEGER NOT NULL, date TEXT NOT NULL, stage TEXT NOT NULL, verdict TEXT NOT NULL, totals TEXT NOT NULL,
    PRIMARY KEY (round_id, plan_id));
CREATE TABLE IF NOT EXISTS stats_items (round_id TEXT NOT NULL, plan_id TEXT NOT NULL, pointer TEXT NOT NULL,
    category_code TEXT NOT NULL, catalog_edition TEXT NOT NULL, amount REAL NOT NULL,
    energy_saving_listed TEXT NOT NULL, environmental_label_listed TEXT NOT NULL,
    energy_saving_certified INTEGER NOT NULL, environmental_label_certified INTEGER NOT NULL,
    brand TEXT, model TEXT, energy_saving_cert TEXT, environmental_label_cert TEXT,
    PRIMARY KEY (round_id, plan_id, pointer));
"""

def national() -> dict:
    """National figures of the same indicator by year (int), only where a source gives them: data in
    rules/statistics/national_green_share.json, with each figure's source and whether it is verified."""
    from .. import _paths
    from ..evaluation.sources import check_citations
    path = _paths.rules_dir() / "statistics" / "national_green_share.json"
    doc = json.loads(path.read_text(encoding="utf-8"))
    check_citations(path, doc, _paths.rules_dir())
    return {int(year): v for year, v in doc["years"].items()}


def connect(path) -> sqlite3.Connection:
    """The registry file for writing statistics (created if absent, as `lvcai registry import` does)."""
    from ..refdata import RefData, default_path
    ref = RefData(Path(path) if path else default_path(), create=True)   # a file that is not a registry is refused here
    con = ref.con
    con.executescript(SCHEMA)
    return con


def _certified(kind, award, date, ref) -> tuple[bool, str | None]:
    """(certified, certificate number) of an awarded line for list ``kind``."""
    for c in (award or {}).get("certificates") or ():
        if c.get("type") != kind:
            continue
        if c.get("valid_until", "") < date or (c.get("valid_from") and c["valid_from"] > date):
            continue
        if ref is not None and ref.loaded["certificates"]:
            reg = ref.certificate(kind, c["number"])
            if not reg or reg.get("status") != "valid" or (reg.get("expires") and reg["expires"] < date) \
                    or (reg.get("issued") and reg["issued"] > date):
                continue
        return True, c["number"]
    return False, None


def plan_rows(result, doc, ref):
    """(plan row, item rows) of one checked plan."""
    m = result.meta
    date = m["date"]
    stage = m["stage"]
    agency = m["agency"]
    plan = {"plan_id": m["plan_id"], "agency": agency["name"], "agency_code": agency.get("code"),
            "year": int(date[:4]), "date": date, "stage": stage, "verdict": result.verdict(),
            "totals": json.dumps(m["totals"], sort_keys=True)}
    items = []
    docs_items = {f"/projects/{pi}/items/{ii}": it for pi, p in enumerate(doc["projects"]) for ii, it in enumerate(p["items"])}
    for it in m["items"]:
        award = docs_items.get(it["pointer"], {}).get("award") if stage == "award" else None
        row = {"pointer": it["pointer"], "category_code": it["category_code"], "catalog_edition": m["catalog_edition"],
               "amount": float(it["amount"]), "energy_saving_listed": it["energy_list"],
               "environmental_label_listed": it["env_list"], "brand": (award or {}).get("brand"),
               "model": (award or {}).get("model")}
        for kind in LIST_KINDS:
            ok, number = _certified(kind, award, date, ref) if award else (False, None)
            row[f"{kind}_certified"] = int(ok)
            row[f"{kind}_cert"] = number
        items.append(row)
    return plan, items


def record_round(registry, round_id: str, round_date: str, sources, profile="national") -> dict:
    """Check every plan of ``sources`` ([(name, bytes)]) and store the round: replacing a round of
    the same id (recording twice changes nothing). Returns counts."""
    from ..api import Checker
    from ..plans import kind_of, json_
    from ..refdata import RefData
    con = connect(registry)
    chk = Checker(profile, refdata=RefData.for_checking(registry))
    plans, items, n, checked = [], [], 0, 0
    for name, data in sources:
        n += 1
        if data is None:
            continue
        result = chk.check(data, name)
        if not result.checkable:
            continue
        checked += 1
        if kind_of(data, name) == "json":
            doc = json_.parse_any(data)[0]
        else:
            from ..plans import sheet
            doc = sheet.read(data, name, "zh").doc
        plan, rows = plan_rows(result, doc, chk.refdata)
        plans.append(plan)
        items += [{"plan_id": plan["plan_id"], **r} for r in rows]
    # a plan id twice in one round (a plan resubmitted): the last one read counts
    plans = list({p["plan_id"]: p for p in plans}.values())
    keep = {p["plan_id"] for p in plans}
    items = list({(i["plan_id"], i["pointer"]): i for i in items if i["plan_id"] in keep}.values())
    award = sum(1 for p in plans if p["stage"] == "award")
    con.execute("BEGIN IMMEDIATE")
    try:
        for t in ("stats_items", "stats_plans", "stats_rounds"):
            con.execute(f"DELETE FROM {t} WHERE round_id=?", (round_id,))
        con.execute("INSERT INTO stats_rounds VALUES (?,?,?,?,?)", (round_id, round_date, n, checked, award))
        con.executemany("INSERT INTO stats_plans VALUES (:round_id,:plan_id,:agency,:agency_code,:year,:date,:stage,:verdict,:totals)",
                        [{"round_id": round_id, **p} for p in plans])
        con.executemany("INSERT INTO stats_items VALUES (:round_id,:plan_id,:pointer,:category_code,:catalog_edition,:amount,"
                        ":energy_saving_listed,:environmental_label_listed,:energy_saving_certified,:environmental_label_certified,"
                        ":brand,:model,:energy_saving_cert,:environmental_label_cert)",
                        [{"round_id": round_id, **i} for i in items])
        con.execute("COMMIT")
    except BaseException:
        con.execute("ROLLBACK")
        raise
    return {"round_id": round_id, "plans": n, "checked": checked, "award_plans": award, "items": len(items)}


# -- the tables -------------------------------------------------------------------------------
def _share(num, den):
    return round(100.0 * num / den, 1) if den else None


def _latest(con, year_from, year_to):
    """Plans once each (the latest round that holds a plan id counts), within the years."""
    rows = con.execute("SELECT p.round_id, p.plan_id, p.agency, p.agency_code, p.year, p.stage, r.round_date FROM stats_plans p "
                       "JOIN stats_rounds r USING (round_id) ORDER BY r.round_date, p.round_id").fetchall()
    latest = {}
    for rnd, pid, agency, code, year, stage, _d in rows:
        latest[pid] = (rnd, agency, code, year, stage)
    return {pid: v for pid, v in latest.items()
            if (year_from is None or v[3] >= year_from) and (year_to is None or v[3] <= year_to)}


def tables(con, ref=None, year_from=None, year_to=None) -> dict:
    """Every published table, as lists of dicts in a stable order."""
    plans = _latest(con, year_from, year_to)
    sums = {}        # (table, key, kind) -> [listed, certified]

    def add(table, key, kind, amount, cert):
        s = sums.setdefault((table, key, kind), [0.0, 0.0])
        s[0] += amount
        s[1] += amount if cert else 0.0

    products = {}
    for rnd, pid, _pointer, code, edition, amount, es_l, el_l, es_c, el_c, brand, model, es_no, el_no in con.execute(
            "SELECT round_id, plan_id, pointer, category_code, catalog_edition, amount, energy_saving_listed, "
            "environmental_label_listed, energy_saving_certified, environmental_label_certified, brand, model, "
            "energy_saving_cert, environmental_label_cert FROM stats_items ORDER BY round_id, plan_id, pointer"):
        p = plans.get(pid)
        if p is None or p[0] != rnd or p[4] != "award":
            continue
        _rnd, agency, agency_code, year, _stage = p
        for kind, listed, cert, number in (("energy_saving", es_l, es_c, es_no), ("environmental_label", el_l, el_c, el_no)):
            if listed == "none":
                continue
            add("year", year, kind, amount, cert)
            add("agency", (agency, agency_code or ""), kind, amount, cert)
            add("category", (edition, code), kind, amount, cert)
            if cert and brand and ref is not None:
                c = ref.certificate(kind, number)
                if c and c.get("status") == "valid":
                    products[(brand, model or "", kind, number)] = c
    out = {"by_year": [], "by_agency": [], "by_category": [], "products": [], "rounds": [], "plans": []}
    figures = national()
    for (table, key, kind), (listed, certified) in sorted(sums.items(), key=lambda kv: (kv[0][0], str(kv[0][1]), kv[0][2])):
        row = {"list": kind, "listed_amount": round(listed, 2), "certified_amount": round(certified, 2),
               "green_share": _share(certified, listed)}
        if table == "year":
            nat = figures.get(key, {})
            out["by_year"].append({"year": key, **row, "national_share": nat.get(kind),
                                   "national_source": nat.get("source"), "national_verified": nat.get("verified")})
        elif table == "agency":
            out["by_agency"].append({"agency": key[0], "agency_code": key[1], **row})
        else:
            name = None
            if ref is not None:
                entry = ref.catalog_entry(key[0], key[1])
                name = entry["name"] if entry else None
            out["by_category"].append({"catalog_edition": key[0], "category_code": key[1], "category_name": name, **row})
    for (brand, model, kind, number), c in sorted(products.items()):
        out["products"].append({"brand": brand, "model": model, "certificate_type": kind, "certificate_number": number,
                                "holder": c.get("holder"), "issued": c.get("issued"), "expires": c.get("expires"),
                                "issuer": c.get("issuer")})
    for rid, rdate, n, checked, award in con.execute("SELECT round_id, round_date, plans, checked, award_plans FROM stats_rounds "
                                                     "ORDER BY round_date, round_id"):
        out["rounds"].append({"round_id": rid, "round_date": rdate, "plans": n, "checked": checked, "award_plans": award})
    for pid, (rnd, agency, code, year, stage) in sorted(plans.items()):
        totals = json.loads(con.execute("SELECT totals FROM stats_plans WHERE round_id=? AND plan_id=?", (rnd, pid)).fetchone()[0])
        out["plans"].append({"round_id": rnd, "plan_id": pid, "agency": agency, "agency_code": code, "year": year, "stage": stage,
                             **{k: totals[k] for k in sorted(totals)}})
    return out


# -- the site -----------------------------------------------------------------------------------
_SHARE_COLS = ["list", "listed_amount", "certified_amount", "green_share"]
#: The columns of every table (an empty table still has its header).
COLUMNS = {
    "by_year": ["year", *_SHARE_COLS, "national_share", "national_source", "national_verified"],
    "by_agency": ["agency", "agency_code", *_SHARE_COLS],
    "by_category": ["catalog_edition", "category_code", "category_name", *_SHARE_COLS],
    "products": ["brand", "model", "certificate_type", "certificate_number", "holder", "issued", "expires", "issuer"],
    "rounds": ["round_id", "round_date", "plans", "checked", "award_plans"],
    "plans": ["round_id", "plan_id", "agency", "agency_code", "year", "stage"],
}


def _csv(name, rows) -> bytes:
    buf = io.StringIO()
    cols = list(rows[0]) if rows else COLUMNS[name]
    w = csv.DictWriter(buf, fieldnames=cols, lineterminator="\r\n")
    w.writeheader()
    w.writerows(rows)
    return ("\ufeff" + buf.getvalue()).encode("utf-8")    # a BOM, so that Excel reads the Chinese


def build_site(registry, year_from=None, year_to=None) -> dict:
    """{relative path: bytes} of the statistics site, from the registry's recorded rounds."""
    from ..refdata import RefData
    from .pages import environment
    ref = RefData.for_checking(registry)
    if not ref.con.execute("SELECT 1 FROM sqlite_master WHERE name='stats_rounds'").fetchone():
        # nothing recorded yet (or no registry file): empty tables of this connection only
        ref.con.executescript(SCHEMA.replace("CREATE TABLE IF NOT EXISTS", "CREATE TEMP TABLE IF NOT EXISTS"))
    t = tables(ref.con, ref, year_from, year_to)
    files = {}
    for name, rows in t.items():
        files[f"data/{name}.json"] = (json.dumps(rows, ensure_ascii=False, indent=1) + "\n").encode("utf-8")
        files[f"data/{name}.csv"] = _csv(name, rows)
    span = {"from": year_from, "to": year_to}
    env = environment()
    from .pages import words
    for lang, prefix in (("zh", ""), ("en", "en/")):
        ctx = {"t": t, "lang": lang, "w": words(lang), "s": STATS_WORDS_FOR(lang), "span": span, "national": national(),
               "root": "../" if prefix else "", "kinds": LIST_KINDS}
        for page in ("index", "agencies", "categories", "products"):
            html = env.get_template(f"stats_{page}.html.j2").render(page=page, **ctx)
            files[f"{prefix}{page}.html"] = html.encode("utf-8")
    return dict(sorted(files.items()))


STATS_WORDS = i18n.catalogue()["stats_words"]   # reports/messages.json: the words are data, like every other message


def STATS_WORDS_FOR(lang):   # noqa: N802 - a table accessor like pages.words
    return {k: v[lang] for k, v in STATS_WORDS.items()}


def default_round_date() -> str:
    return _dt.date.today().isoformat()
