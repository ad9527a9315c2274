"""Shenzhen's circular-economy catalog as a registry kind (``registry import|diff|list circular``): batches
imported and compared, entries removed with a date and reason, award claims matched against the
catalog in force on the plan's date (GPP-SZX-003/004), and the circular share counted from matches."""
import json
import re

import pytest
from click.testing import CliRunner

from checker import refdata_circular as circ
from checker.api import Checker
from checker.cli import main
from checker.refdata import RefData
from conftest import EXAMPLES, ROOT

BATCH_1 = EXAMPLES / "registry" / "shenzhen-circular-batch-1.csv"
BATCH_2 = EXAMPLES / "registry" / "shenzhen-circular-batch-2.csv"
QUALS = EXAMPLES / "registry" / "shenzhen-qualifications.csv"
AWARD = EXAMPLES / "shenzhen-circular-award.json"
PAPER, TAP, TONER = "91440300MA5XH0001X", "91440300MA5XH0002X", "91440300MA5XH0003X"


def lvcai(*args):
    return CliRunner().invoke(main, [str(a) for a in args], catch_exceptions=False)


@pytest.fixture
def reg(tmp_path):
    """A registry with both example batches and the example qualifications, imported as the README says."""
    path = tmp_path / "registry.sqlite"
    for kind, f in (("circular", BATCH_1), ("circular", BATCH_2), ("qualifications", QUALS)):
        r = lvcai("registry", "import", kind, f, "--registry", path)
        assert r.exit_code == 0, r.output
    return path


def award(**item):
    """The example award plan with its first line changed."""
    plan = json.loads(AWARD.read_text(encoding="utf-8"))
    line = plan["projects"][0]["items"][0]
    for k, v in item.items():
        if k == "date":
            plan["date"] = v
        elif k in ("brand", "model"):
            line["award"][k] = v
        elif k == "credit_code":
            line["award"]["supplier"]["credit_code"] = v
        else:
            line[k] = v
    return plan


def check(reg, plan, profile="shenzhen", rules_dir=None):
    checker = Checker(profile, rules_dir, RefData(reg) if reg else None)
    return checker.check(json.dumps(plan, ensure_ascii=False).encode(), "p", ("zh", "en"))


def line_findings(result, line="/projects/0/items/0"):
    return sorted(f.rule_id for f in result.findings if f.pointer == line and f.rule_id.startswith("GPP-SZX"))


def first_line(result, rule_id):
    (f,) = [f for f in result.findings if f.rule_id == rule_id and f.pointer == "/projects/0/items/0"]
    return f


# -- import, history, diff --------------------------------------------------------------------------
def test_two_batches_imported_each_in_the_history(reg):
    ref = RefData(reg)
    assert ref.counts()["circular"] == 7
    assert [(h[1], h[6]) for h in ref.history()] == [("circular", "第一批（示例）"), ("circular", "第二批（示例）"),
                                                     ("qualifications", None)]
    history = lvcai("registry", "history", "--registry", reg).output
    assert "版本:第一批（示例）" in history and "版本:第二批（示例）" in history
    again = lvcai("registry", "import", "circular", BATCH_2, "--registry", reg, "--lang", "en")
    assert again.exit_code == 0 and "already imported" in again.output
    assert RefData(reg).counts()["circular"] == 7


def test_diff_of_the_second_batch_against_the_first(tmp_path):
    path = tmp_path / "r.sqlite"
    assert lvcai("registry", "import", "circular", BATCH_1, "--registry", path).exit_code == 0
    r = CliRunner().invoke(main, ["registry", "diff", "circular", str(BATCH_2), "--registry", str(path), "--lang", "en"])
    assert r.exit_code == 1
    lines = r.stdout.splitlines()
    assert lines == [
        "+ 示例绿色家具有限公司（示例） 再生木材办公桌 木语 MY-1200 (第二批（示例）)",
        "- 示例再制造办公耗材有限公司（示例） 再制造硒鼓 新生 XS-12A (第一批（示例）): removed from 2024-06-30 (企业注销（示例）)",
        "~ 示例循环纸业有限公司（示例） 再生复印纸 绿环 A3-70g (第一批（示例）): valid until not stated -> 2025-12-31",
    ]
    assert "adds 1, removes 1 and changes 1 entries; 2 entries in force are not in the file" in r.stderr
    # the diff writes nothing; once imported, the same file changes nothing
    assert RefData(path).counts()["circular"] == 4
    assert lvcai("registry", "import", "circular", BATCH_2, "--registry", path).exit_code == 0
    same = CliRunner().invoke(main, ["registry", "diff", "circular", str(BATCH_2), "--registry", str(path)])
    assert same.exit_code == 0 and same.stdout == ""


def test_diff_of_a_first_batch_into_an_empty_registry_adds_everything(tmp_path):
    r = CliRunner().invoke(main, ["registry", "diff", "circular", str(BATCH_1), "--registry", str(tmp_path / "none.sqlite")])
    assert r.exit_code == 1 and [x[0] for x in r.stdout.splitlines()] == ["+"] * 4
    assert not (tmp_path / "none.sqlite").exists()


def test_bad_rows_are_named_and_nothing_is_imported(tmp_path):
    head = BATCH_2.read_text(encoding="utf-8").splitlines()[0]
    bad = tmp_path / "bad.csv"
    bad.write_text(head + "\n" + "第三批,2015-01-01,文件,某企业,91440300MA5XH0003X,再制造硒鼓,新生,XS-12A,,,,移出,,,来源\n"
                   + "第三批,2015-01-01,文件,某企业,123,产品,,,,,,列入,,,来源\n", encoding="gb18030")
    for cmd in ("import", "diff"):
        r = CliRunner().invoke(main, ["registry", cmd, "circular", str(bad), "--registry", str(tmp_path / "r.sqlite"), "--lang", "en"])
        assert r.exit_code == 2, r.output
        assert "row 2" in r.stderr and "row 3" in r.stderr and "credit_code" in r.stderr, r.stderr
        assert "Traceback" not in r.output
    assert RefData.for_checking(tmp_path / "r.sqlite").counts()["circular"] == 0


def test_english_headers(tmp_path):
    f = tmp_path / "en.csv"
    f.write_text("batch,batch_date,document,enterprise,credit_code,product,brand,model,status,source\n"
                 "Batch 1,2013-05-20,Doc (example),An enterprise (example),91440300MA5XH0001X,Paper,Green,A4,listed,example\n",
                 encoding="utf-8-sig")
    ref = RefData(tmp_path / "r.sqlite", create=True)
    assert ref.import_file("circular", f).imported == 1


# -- matching on the plan's date --------------------------------------------------------------------
@pytest.mark.parametrize("brand, model", [("绿环", "A4-70g"), ("绿环", "a4-70G"), (" 绿 环 ", "A4 - 70g"), ("绿环", "Ａ４－７０ｇ"),
                                          ("绿环", "ａ４－70Ｇ ")])
def test_brand_and_model_variants_match(reg, brand, model):
    assert line_findings(check(reg, award(brand=brand, model=model))) == ["GPP-SZX-004", "GPP-SZX-005"]


@pytest.mark.parametrize("brand, model", [("绿环", "A4-80g"), ("绿环", "A470g"), ("绿环 ", "A4-70")])
def test_another_model_of_the_enterprise_is_not_listed_and_names_its_entries(reg, brand, model):
    result = check(reg, award(brand=brand, model=model))
    assert line_findings(result) == ["GPP-SZX-003", "GPP-SZX-005"]
    f = first_line(result, "GPP-SZX-003")
    assert f.severity == "error"
    assert "nearest catalog entries: 示例循环纸业有限公司（示例） 再生复印纸 绿环 A4-70g (第一批（示例）)" in f.message["en"]
    # the A3 entry expired on 2025-12-31: it is not offered as a near entry on 2026-04-15
    assert "A3-70g" not in f.message["en"]


def test_same_brand_of_another_enterprise_is_named(reg):
    result = check(reg, award(credit_code="91440300MA5XH0009Y", brand="清泉", model="QS-100"))
    f = first_line(result, "GPP-SZX-003")
    assert "示例节水器具有限公司（示例） 节水型水嘴 清泉 QS-100" in f.message["en"]


def test_nothing_near(reg):
    result = check(reg, award(credit_code="91440300MA5XH0009Y", brand="无此品牌", model="X"))
    f = first_line(result, "GPP-SZX-003")
    assert "no entry of the enterprise nor of the brand" in f.message["en"]


def test_the_enterprise_is_matched_by_credit_code_not_by_name(reg):
    plan = award()
    plan["projects"][0]["items"][0]["award"]["supplier"]["name"] = "另一个名字"
    assert line_findings(check(reg, plan)) == ["GPP-SZX-004", "GPP-SZX-005"]
    plan = award(credit_code=TAP)   # the tap maker's code with the paper's brand and model
    assert "GPP-SZX-003" in line_findings(check(reg, plan))


@pytest.mark.parametrize("date, want", [("2024-06-29", ["GPP-SZX-004"]), ("2024-06-30", ["GPP-SZX-003"]),
                                        ("2026-04-15", ["GPP-SZX-003"]), ("2013-05-20", ["GPP-SZX-004"]),
                                        ("2013-05-19", ["GPP-SZX-003"])])
def test_an_entry_removed_between_batches(reg, date, want):
    """The toner entry of batch 1 is removed by batch 2 from 2024-06-30: listed the day before, not on it;
    and nothing is listed before batch 1's publication."""
    result = check(reg, award(credit_code=TONER, brand="新生", model="XS-12A", date=date, category_code="A05040299", name="硒鼓"))
    assert line_findings(result) == want
    if want == ["GPP-SZX-003"] and date >= "2024-06-30":
        f = first_line(result, "GPP-SZX-003")
        assert "is removed from the catalog (2024-06-30; reason: 企业注销（示例）)" in f.message["en"]
        assert "已移出目录（2024-06-30；原因：企业注销（示例））" in f.message["zh"]


def test_a_suspension_lifted_by_a_later_batch_keeps_its_dates(reg, tmp_path):
    head = BATCH_2.read_text(encoding="utf-8").splitlines()[0]
    row = "{b},{d},示例文件（示例）,示例循环纸业有限公司（示例）,91440300MA5XH0001X,再生复印纸,绿环,A4-70g,,,,{s},{sd},{why},示例"
    third, fourth = tmp_path / "b3.csv", tmp_path / "b4.csv"
    third.write_text(head + "\n" + row.format(b="第三批（示例）", d="2025-12-01", s="暂停", sd="2026-01-01", why="抽检不合格（示例）") + "\n",
                     encoding="utf-8")
    fourth.write_text(head + "\n" + row.format(b="第四批（示例）", d="2026-03-01", s="列入", sd="", why="") + "\n", encoding="utf-8")
    r = CliRunner().invoke(main, ["registry", "diff", "circular", str(third), "--registry", str(reg)])
    assert r.exit_code == 1
    assert r.stdout == ("~ 示例循环纸业有限公司（示例） 再生复印纸 绿环 A4-70g（第一批（示例））：状态 在列 → 已暂停；"
                        "状态日期 - → 2026-01-01；原因 - → 抽检不合格（示例）\n")
    for f in (third, fourth):
        assert lvcai("registry", "import", "circular", f, "--registry", reg).exit_code == 0
    assert line_findings(check(reg, award(date="2025-12-31"))) == ["GPP-SZX-004", "GPP-SZX-005"]
    suspended = check(reg, award(date="2026-02-01"))
    assert "is suspended (2026-01-01; reason: 抽检不合格（示例）)" in first_line(suspended, "GPP-SZX-003").message["en"]
    assert line_findings(check(reg, award(date="2026-03-01"))) == ["GPP-SZX-004", "GPP-SZX-005"]
    (s,) = json.loads(lvcai("registry", "show", "supplier", PAPER, "--registry", reg).stdout)
    a4 = next(e for e in s["circular_entries"] if e["model"] == "A4-70g")
    assert a4["events"] == [{"date": "2026-01-01", "status": "suspended", "reason": "抽检不合格（示例）"},
                            {"date": "2026-03-01", "status": "listed", "reason": ""}]


def test_valid_until_set_by_a_later_batch(reg):
    a3 = {"credit_code": PAPER, "brand": "绿环", "model": "A3-70g"}
    assert line_findings(check(reg, award(date="2025-12-31", **a3)))[0] == "GPP-SZX-004"
    result = check(reg, award(date="2026-01-01", **a3))
    f = first_line(result, "GPP-SZX-003")
    assert "is expired (2025-12-31; reason: -)" in f.message["en"]


def test_an_unclaimed_line_and_an_empty_catalog_are_not_judged(reg, tmp_path):
    assert line_findings(check(reg, award(circular_economy=False))) == ["GPP-SZX-005"]
    empty = tmp_path / "empty.sqlite"
    RefData(empty, create=True)
    assert line_findings(check(empty, award())) == []


# -- the share -------------------------------------------------------------------------------------
def bureau_rules(tmp_path, share):
    import shutil
    rules = tmp_path / "rules"
    shutil.copytree(ROOT / "rules", rules)
    (rules / "profiles" / "sz-bureau.json").write_text(json.dumps(
        {"id": "sz-bureau", "title": {"zh": "某区（示例）", "en": "A district (example)"}, "extends": "shenzhen",
         "params": {"circular_share_min": share}, "params_basis": {"circular_share_min": "区财政局通知（示例）"}},
        ensure_ascii=False), encoding="utf-8")
    return rules


def test_a_profile_with_a_share_counts_matches_at_award_and_claims_at_plan(reg, tmp_path):
    rules = bureau_rules(tmp_path, 50)
    plan = award()
    at_award = check(reg, plan, "sz-bureau", rules)
    (f,) = [f for f in at_award.findings if f.rule_id == "GPP-SZX-001"]
    # 24,000 matched of 70,000; the tap (16,000) is claimed but not in the catalog
    assert f.message["en"] == ("Circular-economy products are CNY 24,000.00, 34.3% of the plan (counted from the awarded products "
                               "found in the catalog), below the required 50%.")
    assert at_award.meta["totals"]["circular_share"] == 34.3
    plan["stage"] = "plan"
    for line in plan["projects"][0]["items"]:
        del line["award"]
    at_plan = check(reg, plan, "sz-bureau", rules)
    assert at_plan.meta["totals"]["circular_share"] == 57.1     # 40,000 claimed
    assert not [f for f in at_plan.findings if f.rule_id == "GPP-SZX-001"]
    (f,) = [f for f in check(reg, plan, "sz-bureau", bureau_rules(tmp_path / "b", 60)).findings if f.rule_id == "GPP-SZX-001"]
    assert "57.1% of the plan (counted from the plan's own marks, not checked against the catalog)" in f.message["en"]


def test_without_a_catalog_the_award_share_counts_claims_and_says_so(reg):
    result = check(None, award())
    (f,) = [f for f in result.findings if f.rule_id == "GPP-SZX-002"]
    assert "57.1% (counted from the plan's own marks, not checked against the catalog)" in f.message["en"]
    (f,) = [f for f in result.findings if f.rule_id == "GPP-SZX-006"]
    assert (f.severity, f.pointer) == ("info", "")
    assert f.message["en"].startswith("Awarded products of CNY 40,000.00 are claimed as circular-economy products, but the registry")
    assert not [f for f in check(reg, award()).findings if f.rule_id == "GPP-SZX-006"]
    no_claims = award(circular_economy=False)
    no_claims["projects"][0]["items"][1]["circular_economy"] = False
    assert not [f for f in check(None, no_claims).findings if f.rule_id == "GPP-SZX-006"]


# -- the example ------------------------------------------------------------------------------------
def test_the_award_example_gives_the_three_findings(reg):
    r = lvcai("check", AWARD, "--profile", "shenzhen", "--registry", reg, "--format", "json", "--lang", "en")
    found = [(f["rule_id"], f["pointer"], f["severity"]) for f in json.loads(r.stdout)["results"][0]["findings"]
             if f["rule_id"] in ("GPP-SZX-003", "GPP-SZX-004", "GPP-SZX-005")]
    assert sorted(found) == [("GPP-SZX-003", "/projects/0/items/1", "error"), ("GPP-SZX-004", "/projects/0/items/0", "info"),
                             ("GPP-SZX-005", "/projects/0/items/0", "info")]
    assert r.exit_code == 1


def _gb32100_ok(code):
    chars = "0123456789ABCDEFGHJKLMNPQRTUWXY"
    weights = [1, 3, 9, 27, 19, 26, 16, 17, 20, 29, 25, 13, 8, 24, 10, 30, 28]
    total = sum(chars.index(c) * w for c, w in zip(code[:17], weights))
    return chars[(31 - total % 31) % 31] == code[17]


def test_the_example_data_is_marked_and_its_credit_codes_cannot_be_real():
    assert _gb32100_ok("91350100M000100Y43")     # a code of the GB 32100 standard's own example passes the check
    files = [BATCH_1, BATCH_2, QUALS, AWARD, ROOT / "rules/examples/registry/circular.csv",
             ROOT / "rules/examples/registry/qualifications.csv"]
    codes = set()
    for f in files:
        text = f.read_text(encoding="utf-8")
        codes |= set(re.findall(r"\b9[0-9A-Z]{17}\b", text))
        for line in text.splitlines()[1:] if f.suffix == ".csv" else [text]:
            assert "示例" in line, (f, line)
    assert len(codes) >= 6
    assert [c for c in codes if _gb32100_ok(c)] == []


# -- publication and look-up -----------------------------------------------------------------------
def test_list_publishes_the_entries_in_force(reg, tmp_path):
    out = tmp_path / "list.csv"
    r = lvcai("registry", "list", "circular", "--date", "2026-04-15", "--registry", reg, "-o", out)
    assert r.exit_code == 0
    rows = out.read_text(encoding="utf-8-sig").splitlines()
    assert rows[0].startswith("企业名称,统一社会信用代码,产品（服务）名称,品牌,型号")
    assert [r.split(",")[4] for r in rows[1:]] == ["A4-70g", "QS-100", "MY-1200"]
    older = lvcai("registry", "list", "circular", "--date", "2020-01-01", "--registry", reg, "--lang", "en").stdout.splitlines()
    assert older[0].startswith("enterprise,credit_code") and len(older) == 1 + 5
    assert lvcai("registry", "list", "circular", "--date", "2020-02-30", "--registry", reg).exit_code == 2
    bad = CliRunner().invoke(main, ["registry", "list", "circular", "-o", str(tmp_path / "no" / "x.csv"), "--registry", str(reg)])
    assert bad.exit_code == 2 and f"--output {tmp_path / 'no' / 'x.csv'}" in bad.stderr
    missing = CliRunner().invoke(main, ["registry", "diff", "circular", str(tmp_path / "none.csv"), "--registry", str(reg)])
    assert missing.exit_code == 2 and "none.csv" in missing.stderr and "Traceback" not in missing.output


def test_show_supplier_puts_everything_in_one_place(reg, tmp_path):
    credit = tmp_path / "credit.csv"
    credit.write_text("credit_code,name,conduct,penalty,ban_start,ban_end,authority,source\n"
                      f"{TAP},示例节水器具有限公司（示例）,提供虚假材料（示例）,禁止1年,2026-01-01,2026-12-31,某财政局（示例）,示例\n",
                      encoding="utf-8")
    assert lvcai("registry", "import", "credit", credit, "--registry", reg).exit_code == 0
    assert lvcai("registry", "record", TAP, "--name", "示例节水器具有限公司（示例）", "--finding", "虚假循环经济声明（示例）",
                 "--date", "2026-04-20", "--registry", reg).exit_code == 0
    r = lvcai("registry", "show", "supplier", TAP, "--registry", reg)
    (s,) = json.loads(r.stdout)
    assert [q["type"] for q in s["qualifications"]] == ["circular_demo"]
    assert [e["model"] for e in s["circular_entries"]] == ["QS-100"]
    assert len(s["bans"]) == 1 and len(s["integrity_records"]) == 1
    on = json.loads(lvcai("registry", "show", "supplier", TAP, "--date", "2026-04-15", "--registry", reg).stdout)[0]
    assert on["qualifications"] == [] and len(on["circular_entries"]) == 1     # the 2018 qualification expired in 2023
    assert lvcai("registry", "show", "supplier", "91440300MA5XH0009Y", "--registry", reg).exit_code == 1


def test_norm():
    assert circ.norm(" Ａ４－７０ｇ ") == circ.norm("a4-70G") == "a4-70g"
    assert circ.norm("绿 环") == "绿环"
    assert circ.norm(None) == ""


def test_xlsx_batch_with_date_cells(tmp_path):
    import datetime

    from openpyxl import Workbook
    wb = Workbook()
    ws = wb.active
    ws.append(["批次", "发布日期", "发布文件", "企业名称", "统一社会信用代码", "产品名称", "品牌", "型号", "状态", "来源"])
    ws.append(["第一批（示例）", datetime.datetime(2013, 5, 20), "文件（示例）", "某企业（示例）", PAPER, "再生复印纸", "绿环", "A4-70g",
               "列入", "示例"])
    f = tmp_path / "b1.xlsx"
    wb.save(f)
    ref = RefData(tmp_path / "r.sqlite", create=True)
    assert ref.import_file("circular", f).imported == 1
    (row,) = ref.circular_rows()
    assert (row["batch_date"], row["status"], row["brand"], row["category_code"]) == ("2013-05-20", "listed", "绿环", None)


def test_a_selector_testing_an_unknown_fact_field_is_rejected(tmp_path):
    import shutil

    from checker.errors import DataError
    rules = tmp_path / "rules"
    shutil.copytree(ROOT / "rules", rules)
    path = rules / "selectors" / "green-lists.json"
    doc = json.loads(path.read_text(encoding="utf-8"))
    sel = next(s for s in doc["selectors"] if s["id"] == "circular_economy_products")
    sel["match"]["any"][0]["fact"]["field"] = "circular_katalog"
    path.write_text(json.dumps(doc, ensure_ascii=False), encoding="utf-8")
    with pytest.raises(DataError, match="tests no such item fact field 'circular_katalog'"):
        Checker("shenzhen", rules)


def test_an_import_through_the_same_registry_object_is_seen_by_the_next_check(tmp_path):
    """Answers are kept per opened registry; an import empties them."""
    ref = RefData(tmp_path / "r.sqlite", create=True)
    ref.import_file("circular", BATCH_1)
    plan = json.dumps(award(credit_code=TONER, brand="新生", model="XS-12A"), ensure_ascii=False).encode()
    got = lambda: sorted(f.rule_id for f in Checker("shenzhen", refdata=ref).check(plan, "p").findings
                         if f.pointer == "/projects/0/items/0" and f.rule_id.startswith("GPP-SZX"))
    assert got() == ["GPP-SZX-004"]
    ref.import_file("circular", BATCH_2)
    assert got() == ["GPP-SZX-003"]


def test_show_supplier_as_text_in_words(reg):
    text = lvcai("registry", "show", "supplier", PAPER, "--registry", reg, "--format", "text", "--lang", "en",
                 "--date", "2026-04-15").stdout
    assert text.startswith(f"Supplier {PAPER} (示例循环纸业有限公司（示例）)")
    assert "Green qualifications (in force on 2026-04-15): 2" in text and "- green factory (" in text
    # batch 2 ended the A3 entry on 2025-12-31: on this date only the A4 entry is in force
    assert "Circular-economy catalog entries (in force on 2026-04-15): 1" in text
    assert "A4-70g" in text and "A3-70g" not in text and "status: listed" in text
    assert "Bans from government procurement (in force on 2026-04-15): 0" in text
    assert "credit_code" not in text and "{" not in text        # words, not the JSON
    zh = lvcai("registry", "show", "supplier", PAPER, "--registry", reg, "--format", "text").stdout
    assert "绿色资质：2 项" in zh and "循环经济产品目录条目：2 条" in zh and "状态：" in zh
    # the default stays the JSON that systems read
    assert json.loads(lvcai("registry", "show", "supplier", PAPER, "--registry", reg).stdout)[0]["credit_code"] == PAPER
