"""Maintenance: the project's reference data against the research files in ../shared/domain.

The product ships everything it reads (rules/lists/*.json, rules/catalogs/*.json), so a clone
checks codes and passes its tests without ../shared beside it. This script is the one place that
reads ../shared; it is not part of the test suite. Run it from the repository root:

    python3 rules/maintenance/shared_domain.py compare          # exit 0: same; 1: a difference (listed)
    python3 rules/maintenance/shared_domain.py build-catalog    # (re)write rules/catalogs/catalog_2022.json

``--shared DIR`` names another copy of shared/domain (default: ../shared/domain beside the
checkout, then /work/shared/domain). Exit 2 when it is not there.
"""
from __future__ import annotations

import argparse
import csv
import hashlib
import json
import re
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
CATALOG = ROOT / "rules" / "catalogs" / "catalog_2022.json"
LISTS = {"energy_saving": ("rules/lists/energy_saving_2019.json", "energy_saving_list_2019.csv"),
         "environmental_label": ("rules/lists/environmental_label_2019.json", "environmental_label_list_2019.csv")}

#: A name that runs into its description in the text extraction: a cross-reference (见《…》, 归入,
#: 入“…”), a definition (车长…, 包含…) or a cut-off clause (…，包).
NAME_RUNS_ON = re.compile(r"见《|归入|入“|车长|包含|，包$")
NOTE = "runs into its description in the extracted text: unreliable"


def shared_dir(arg):
    for cand in ([Path(arg)] if arg else [ROOT.parent / "shared" / "domain", ROOT.parent.parent / "shared" / "domain",
                                          Path("/work/shared/domain")]):
        if (cand / "catalog_2022.csv").is_file():
            return cand
    print(f"shared_domain: no shared/domain with catalog_2022.csv found{' at ' + arg if arg else ''} (give --shared DIR)",
          file=sys.stderr)
    sys.exit(2)


def read_csv(path):
    with open(path, encoding="utf-8", newline="") as fh:
        return list(csv.DictReader(fh))


def catalog_rows(shared):
    rows = []
    for r in read_csv(shared / "catalog_2022.csv"):
        rows.append([r["code"], r["name"], int(r["level"]), r["parent_code"], NOTE if NAME_RUNS_ON.search(r["name"]) else None])
    return rows


def build_catalog(shared):
    src = shared / "catalog_2022.csv"
    rows = catalog_rows(shared)
    flagged = sum(1 for r in rows if r[4])
    head = {
        "edition": "2022",
        "title": "政府采购品目分类目录",
        "document": "财政部 2022 年印发（文号未核实，可能为财库〔2022〕31号）",
        "source": {
            "document": "《政府采购品目分类目录》（2022年）, PDF, 147 pages [S5]",
            "snapshot": "https://github.com/zeranlin/agent_compliance, path data/procurement-catalog/raw/full-catalog-2022/source.pdf",
            "official": "published by 财政部 (www.ccgp.gov.cn, www.mof.gov.cn); the official page was not retrieved",
        },
        "extraction": ("The text of the PDF was extracted into shared/domain/catalog_2022.csv (code, name, level, parent_code, "
                       "description) by the project's domain research; this file keeps code, name, level and parent_code of "
                       "every row (not the descriptions), written by rules/maintenance/shared_domain.py build-catalog."),
        "extracted_from": {"file": "shared/domain/catalog_2022.csv", "sha256": hashlib.sha256(src.read_bytes()).hexdigest(),
                           "rows": len(rows)},
        "verified": {
            "code": "reliable: the codes as printed in the PDF; every code has the 2022 form (A/B/C + 8 digits) and is unique",
            "level": "consistent with the code (tests/test_catalog.py)",
            "parent_code": "consistent with the code, and every parent is in the file (tests/test_catalog.py)",
            "name": (f"not checked against the PDF row by row. {flagged} rows carry a name_note: their name runs into the "
                     "description (for example the A020305xx 客车 rows); a few other long names may be cut at a line break. "
                     "Checks use the codes only; names are shown to help people."),
        },
        "columns": ["code", "name", "level", "parent_code", "name_note"],
    }
    body = json.dumps(head, ensure_ascii=False, indent=1)[:-2]
    lines = [json.dumps(r, ensure_ascii=False, separators=(",", ":")) for r in rows]
    text = body + ',\n "rows": [\n' + ",\n".join(lines) + "\n ]\n}\n"
    json.loads(text)   # well-formed
    CATALOG.write_text(text, encoding="utf-8")
    print(f"wrote {CATALOG.relative_to(ROOT)}: {len(rows)} codes, {flagged} names flagged")


def compare(shared) -> list[str]:
    diffs = []
    shipped = json.loads(CATALOG.read_text(encoding="utf-8"))
    ours = {r[0]: r for r in shipped["rows"]}
    theirs = {r[0]: r for r in catalog_rows(shared)}
    for code in sorted(theirs.keys() - ours.keys()):
        diffs.append(f"catalog: {code} is in shared/domain/catalog_2022.csv, not in {CATALOG.relative_to(ROOT)}")
    for code in sorted(ours.keys() - theirs.keys()):
        diffs.append(f"catalog: {code} is in {CATALOG.relative_to(ROOT)}, not in shared/domain/catalog_2022.csv")
    for code in sorted(ours.keys() & theirs.keys()):
        if ours[code][:4] != theirs[code][:4]:
            diffs.append(f"catalog: {code}: shipped {ours[code][:4]} != shared {theirs[code][:4]}")
    for kind, (ours_path, csv_name) in LISTS.items():
        doc = json.loads((ROOT / ours_path).read_text(encoding="utf-8"))
        ref = read_csv(shared / csv_name)
        if len(doc["rows"]) != len(ref):
            diffs.append(f"{kind}: {len(doc['rows'])} rows shipped, {len(ref)} in shared/domain/{csv_name}")
        for row, src in zip(doc["rows"], ref):
            if (row["name"], row["obligation"], row["source_notes"]) != (src["name"], src["obligation"], src["notes"]):
                diffs.append(f"{kind}: {row['id']}: name, obligation or notes differ from shared/domain/{csv_name} ({src['name']})")
            if row["code_2013"] != (src["code"] or src["parent_code"] or None):
                diffs.append(f"{kind}: {row['id']}: code_2013 {row['code_2013']} != shared {src['code'] or src['parent_code']}")
        if kind == "energy_saving":
            starred = {r["name"] for r in ref if r["notes"].startswith("★")}
            mandatory = {r["name"] for r in doc["rows"] if r["obligation"] == "mandatory"}
            if starred != mandatory:
                diffs.append(f"{kind}: ★ rows of shared/domain/{csv_name} {sorted(starred ^ mandatory)} differ from the mandatory rows")
    return diffs


def main(argv=None):
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    p.add_argument("command", choices=["compare", "build-catalog"])
    p.add_argument("--shared", help="the shared/domain directory")
    a = p.parse_args(argv)
    shared = shared_dir(a.shared)
    if a.command == "build-catalog":
        build_catalog(shared)
        return 0
    diffs = compare(shared)
    for d in diffs:
        print(d)
    print(f"{len(diffs)} difference(s) between the shipped data and {shared}", file=sys.stderr)
    return 1 if diffs else 0


if __name__ == "__main__":
    sys.exit(main())
