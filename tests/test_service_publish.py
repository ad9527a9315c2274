"""Publication: `lvcai batch --record` stores rounds in the registry (idempotently), `lvcai publish`
builds the statistics site from two recorded rounds, and its tables hold the official indicator
(certified ÷ all purchases in the listed classes, per list) computed here by hand."""
import csv
import io
import json

from click.testing import CliRunner

from checker.cli import main
from conftest import ROOT

DESKTOP = "A02010105"     # 台式计算机: energy-saving list ★ mandatory, environmental label priority
SERVICES = "C16000000"    # on neither list


def item(line, code, amount, certs=(), brand=None, model=None):
    it = {"line_id": line, "category_code": code, "name": f"物品{line}", "quantity": 1, "unit_price": amount, "amount": amount,
          "green_requirements": {"energy_saving": "required", "environmental_label": "preferred"} if code == DESKTOP else {}}
    if brand:
        it["award"] = {"supplier": {"name": "示例供应商有限公司"}, "brand": brand, "model": model,
                       "certificates": [{"type": t, "number": n, "valid_until": u} for t, n, u in certs]}
    return it


def plan(pid, date, stage, agency, items):
    return {"plan_id": pid, "date": date, "catalog_edition": "2022", "stage": stage,
            "agency": {"name": agency, "code": agency[-1], "region": "440300"},
            "projects": [{"project_id": "P1", "name": "采购", "procurement_method": "公开招标",
                          "evaluation": {"method": "comprehensive_scoring", "price_weight": 30, "green_bonus_points": 2},
                          "items": items}]}


ES, EL = "energy_saving", "environmental_label"
ROUND_A = [
    plan("A1", "2025-05-01", "award", "示例单位X", [
        item("1", DESKTOP, 100000, [(ES, "CQC-ES-0001", "2028-01-01"), (EL, "CEC-EL-0001", "2028-01-01")], "示例", "D100"),
        item("2", DESKTOP, 50000, [(ES, "CQC-NOT-IN-REGISTRY", "2028-01-01")], "别牌", "Z9"),
        item("3", SERVICES, 70000, [], "服务商", "S")]),
    plan("A2", "2025-06-01", "plan", "示例单位Y", [item("1", DESKTOP, 999999)]),       # plan stage: not in the indicator
]
ROUND_B = [
    plan("B1", "2026-03-01", "award", "示例单位Y", [
        item("1", DESKTOP, 80000, [(ES, "CQC-ES-0001", "2024-01-01"), (EL, "CEC-EL-0001", "2028-01-01")], "示例", "D100")]),
    plan("B2", "2023-03-01", "award", "示例单位X", [      # the registry's certificate was issued in 2025: not in force
        item("1", DESKTOP, 10000, [(ES, "CQC-ES-0001", "2028-01-01")], "示例", "D100")]),
]


def lvcai(*args):
    return CliRunner().invoke(main, [str(a) for a in args], catch_exceptions=False)


def write_round(d, plans):
    d.mkdir()
    for p in plans:
        (d / f"{p['plan_id']}.json").write_text(json.dumps(p, ensure_ascii=False), encoding="utf-8")
    return d


def share(num, den):
    return round(100 * num / den, 1)


def recorded(tmp_path):
    reg = tmp_path / "registry.sqlite"
    assert lvcai("registry", "import", "certificates", ROOT / "rules/examples/registry/certificates.csv", "--registry", reg).exit_code == 0
    a, b = write_round(tmp_path / "a", ROUND_A), write_round(tmp_path / "b", ROUND_B)
    for d, rid, day in ((a, "2025-R1", "2025-12-31"), (b, "2026-R1", "2026-06-30"), (a, "2025-R1", "2025-12-31")):
        r = lvcai("batch", d, "-d", tmp_path / f"out-{rid}", "--record", "--round", rid, "--round-date", day, "--registry", reg, "--jobs", "1")
        assert r.exit_code in (0, 1), r.stderr
        assert f"已记录第 {rid} 轮" in r.stderr
    return reg


def test_publish_two_rounds(tmp_path):
    reg = recorded(tmp_path)
    site = tmp_path / "site"
    r = lvcai("publish", "--output", site, "--registry", reg)
    assert r.exit_code == 0, r.stderr
    data = lambda name: json.loads((site / "data" / f"{name}.json").read_text(encoding="utf-8"))
    # rounds: recording 2025-R1 twice left one round
    assert [(x["round_id"], x["plans"], x["award_plans"]) for x in data("rounds")] == [("2025-R1", 2, 1), ("2026-R1", 2, 2)]
    by_year = {(x["year"], x["list"]): x for x in data("by_year")}
    # 2025: lines 1 and 2 are listed (150,000); line 1 is certified on both lists, line 2's certificate
    # is not in the registry; line 3 is on no list; A2 is plan stage
    assert (by_year[2025, ES]["listed_amount"], by_year[2025, ES]["certified_amount"]) == (150000, 100000)
    assert by_year[2025, ES]["green_share"] == share(100000, 150000) == 66.7
    assert (by_year[2025, EL]["listed_amount"], by_year[2025, EL]["certified_amount"]) == (150000, 100000)
    # 2026: the energy certificate expired before the plan date; the label is in force
    assert (by_year[2026, ES]["certified_amount"], by_year[2026, ES]["green_share"]) == (0, 0.0)
    assert (by_year[2026, EL]["certified_amount"], by_year[2026, EL]["green_share"]) == (80000, 100.0)
    # 2023: not in force on the plan date; the national figure of 2023 stands beside it, marked unverified
    assert by_year[2023, ES]["green_share"] == 0.0 and by_year[2023, ES]["national_share"] == 83.9
    assert by_year[2023, EL]["national_share"] == 84.9 and by_year[2023, EL]["national_verified"] is False
    assert by_year[2025, ES]["national_share"] is None
    by_agency = {(x["agency"], x["list"]): x for x in data("by_agency")}
    assert by_agency["示例单位X", ES]["listed_amount"] == 160000 and by_agency["示例单位X", ES]["certified_amount"] == 100000
    assert by_agency["示例单位X", ES]["green_share"] == share(100000, 160000)
    assert by_agency["示例单位Y", EL]["green_share"] == 100.0
    cats = {(x["category_code"], x["list"]): x for x in data("by_category")}
    assert set(cats) == {(DESKTOP, ES), (DESKTOP, EL)} and cats[DESKTOP, ES]["category_name"] == "台式计算机"
    assert cats[DESKTOP, ES]["listed_amount"] == 150000 + 80000 + 10000
    products = data("products")
    assert {(p["brand"], p["model"], p["certificate_type"], p["certificate_number"]) for p in products} == {
        ("示例", "D100", ES, "CQC-ES-0001"), ("示例", "D100", EL, "CEC-EL-0001")}
    assert all(p["expires"] == "2028-01-01" for p in products)
    # every table also as CSV with the same rows
    rows = list(csv.DictReader(io.StringIO((site / "data" / "by_year.csv").read_text(encoding="utf-8-sig"))))
    assert len(rows) == len(data("by_year")) == 6
    # pages, zh and en, and nothing personal
    index = (site / "index.html").read_text(encoding="utf-8")
    assert "66.7%" in index and "83.9%" in index and "未经核对" in index and "<script" not in index
    assert "Green share" in (site / "en" / "index.html").read_text(encoding="utf-8")
    import getpass
    for f in site.rglob("*"):
        if f.is_file():
            assert getpass.getuser() not in f.read_text(encoding="utf-8-sig"), f
            assert str(tmp_path) not in f.read_text(encoding="utf-8-sig"), f
    # same input, same bytes
    again = tmp_path / "again"
    lvcai("publish", "--output", again, "--registry", reg)
    assert {p.relative_to(site): p.read_bytes() for p in site.rglob("*") if p.is_file()} == \
           {p.relative_to(again): p.read_bytes() for p in again.rglob("*") if p.is_file()}


def test_publish_years(tmp_path):
    reg = recorded(tmp_path)
    lvcai("publish", "--output", tmp_path / "s", "--from", 2025, "--to", 2025, "--registry", reg)
    years = {x["year"] for x in json.loads((tmp_path / "s/data/by_year.json").read_text(encoding="utf-8"))}
    assert years == {2025}


def test_stats_are_served(tmp_path):
    from test_service_api import client
    reg = recorded(tmp_path)
    with client(registry=str(reg)) as c:
        r = c.get("/stats", follow_redirects=False)
        assert r.status_code == 303
        page = c.get("/stats/index.html")
        assert page.status_code == 200 and "66.7%" in page.text
        assert c.get("/stats/data/by_agency.csv").headers["content-type"].startswith("text/csv")
        assert c.get("/stats/en/agencies.html").status_code == 200
        assert c.get("/stats/nope.html").status_code == 404


def test_publish_with_nothing_recorded(tmp_path):
    r = lvcai("publish", "--output", tmp_path / "s", "--registry", tmp_path / "absent.sqlite")
    assert r.exit_code == 0 and not (tmp_path / "absent.sqlite").exists()
    assert "lvcai batch --record" in (tmp_path / "s/index.html").read_text(encoding="utf-8")
    assert (tmp_path / "s/data/by_year.csv").read_text(encoding="utf-8-sig").startswith("year,list,")


def test_record_refuses_a_bad_round_date(tmp_path):
    d = write_round(tmp_path / "a", ROUND_A)
    r = lvcai("batch", d, "-d", tmp_path / "out", "--record", "--round-date", "31/12/2025", "--registry", tmp_path / "r.sqlite",
              "--jobs", "1")
    assert r.exit_code == 2 and "--round-date" in r.stderr
