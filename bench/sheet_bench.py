"""Reading a 10,000-line plan from .xlsx against reading it from JSON plus openpyxl's own read time.

    python3 bench/sheet_bench.py [--lines 10000] [--repeat 3]

The issue's bound: the spreadsheet reader (checker.plans.sheet.read: open, find the table, convert
every value, validate the document) takes less than twice (JSON read + openpyxl read-only iteration of
the same workbook). Prints the best of --repeat runs of each and the ratio.
"""
import argparse
import io
import json
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))


def make_plan(lines: int) -> dict:
    base = json.loads((ROOT / "examples" / "office-equipment-compliant.json").read_text(encoding="utf-8"))
    items = base["projects"][0]["items"] + base["projects"][1]["items"]
    per = 100
    projects = []
    for p in range(lines // per):
        its = []
        for i in range(per):
            it = dict(items[(p * per + i) % len(items)], line_id=f"{i + 1:03d}")
            its.append(it)
        projects.append(dict(base["projects"][p % 2], project_id=f"P-{p:04d}", items=its))
    return dict(base, projects=projects)


def best(fn, repeat):
    times = []
    for _ in range(repeat):
        t = time.perf_counter()
        fn()
        times.append(time.perf_counter() - t)
    return min(times)


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--lines", type=int, default=10000)
    ap.add_argument("--repeat", type=int, default=3)
    args = ap.parse_args()
    from openpyxl import load_workbook
    from checker.plans import json_, sheet, write
    doc = make_plan(args.lines)
    js = json.dumps(doc, ensure_ascii=False).encode("utf-8")
    xl = write.to_xlsx(doc)

    def openpyxl_read():
        wb = load_workbook(io.BytesIO(xl), read_only=True, data_only=True)
        for ws in wb.worksheets:
            for _ in ws.iter_rows(values_only=True):
                pass
        wb.close()

    def sheet_read():
        r = sheet.read(xl, "plan.xlsx")
        assert not r.problems and len(r.doc["projects"]) == args.lines // 100, r.problems[:3]

    t_json = best(lambda: json_.parse(js), args.repeat)
    t_opx = best(openpyxl_read, args.repeat)
    t_sheet = best(sheet_read, args.repeat)
    print(f"{args.lines} lines: xlsx {len(xl) / 1e6:.2f} MB, JSON {len(js) / 1e6:.2f} MB")
    print(f"JSON read            {t_json * 1000:8.1f} ms")
    print(f"openpyxl read-only   {t_opx * 1000:8.1f} ms")
    print(f"lvcai sheet reader   {t_sheet * 1000:8.1f} ms")
    print(f"ratio sheet / (JSON + openpyxl) = {t_sheet / (t_json + t_opx):.2f} (bound: < 2)")


if __name__ == "__main__":
    main()
