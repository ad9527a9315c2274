"""The reference registry: imports in both encodings and header languages, bad files, duplicates,
idempotence, and readers that never see half an import."""
import csv
import hashlib
import json
import sqlite3
import threading

import pytest

from checker.errors import DataError
from checker.refdata import RefData
from conftest import ROOT

CERTS_ZH = ("证书编号,证书类型,获证企业,品牌,型号,品目,发证日期,有效期至,认证机构,证书状态\n"
            "CQC24701234567,节能,深圳示范科技有限公司,示范,DT-7000,A02010105,2024/03/01,2027年2月28日,中国质量认证中心,有效\n"
            "CEC2024ELP0001,环境标志,深圳示范科技有限公司,示范,DT-7000,A02010105,2024-05-10,2027-05-09,中环联合（北京）认证中心有限公司,撤销\n")
CERTS_EN = ("number,type,holder,brand,model,category,issued,expires,issuer,status\n"
            "CQC22701112223,energy_saving,深圳示范科技有限公司,示范,LCD-24,A02021104,2022-06-01,2025-05-31,中国质量认证中心,valid\n")
BAD = ("number,type,holder,issued,expires,issuer,status\n"
       "X1,environmental_label,Acme,2024-01-01,2023-01-01,Body,valid\n"
       "X2,bogus,Acme,2024-01-01,2026-01-01,Body,valid\n"
       "X3,energy_saving,Acme,2024-01-01,2026-01-01,Body,valid\n"
       "X3,energy_saving,Acme,2024-01-01,2026-01-01,Body,valid\n")


@pytest.fixture
def reg(tmp_path):
    return RefData(tmp_path / "r.sqlite", create=True)


def write(path, text, encoding="utf-8"):
    path.write_bytes(text.encode(encoding))
    return path


@pytest.mark.parametrize("encoding", ["utf-8", "utf-8-sig", "gb18030"])
def test_certificates_import_in_every_encoding_and_both_header_languages(reg, tmp_path, encoding):
    zh = reg.import_file("certificates", write(tmp_path / "zh.csv", CERTS_ZH, encoding))
    en = reg.import_file("certificates", write(tmp_path / "en.csv", CERTS_EN, encoding))
    assert (zh.imported, en.imported) == (2, 1)
    c = reg.certificate("energy_saving", "CQC24701234567")
    assert (c["holder"], c["issued"], c["expires"], c["status"]) == ("深圳示范科技有限公司", "2024-03-01", "2027-02-28", "valid")
    assert reg.certificate("environmental_label", "CEC2024ELP0001")["status"] == "revoked"


def test_xlsx_import(reg, tmp_path):
    from openpyxl import Workbook
    import datetime as dt
    wb = Workbook()
    ws = wb.active
    ws.append(["统一社会信用代码", "企业名称", "违法失信行为", "处罚结果", "禁止开始日期", "禁止结束日期", "执法单位", "来源"])
    ws.append(["91440300MA5BANNED1", "示例失信公司", "提供虚假材料谋取中标", "罚款；禁止参加政府采购活动1年",
               dt.datetime(2025, 3, 1), dt.datetime(2026, 2, 28), "深圳市财政局", "中国政府采购网 严重违法失信行为记录名单"])
    wb.save(tmp_path / "credit.xlsx")
    assert reg.import_file("credit", tmp_path / "credit.xlsx").imported == 1
    assert reg.bans("91440300MA5BANNED1", "2025-09-22")[0]["authority"] == "深圳市财政局"
    assert reg.bans("91440300MA5BANNED1", "2026-03-01") == []


def test_bad_file_is_rejected_whole_with_every_bad_row(reg, tmp_path):
    with pytest.raises(DataError) as e:
        reg.import_file("certificates", write(tmp_path / "bad.csv", BAD))
    assert str(e.value) == (f"{tmp_path / 'bad.csv'}: row 2: rejected: row 2, expires: 2023-01-01 is before issued 2024-01-01; "
                            "row 3, type: 'bogus' is not one of ['energy_saving', 'environmental_label']; "
                            "row 5, type,number: duplicates row 4")
    assert reg.counts()["certificates"] == 0 and reg.history() == []


def test_skip_bad_imports_the_good_rows_and_writes_the_rejects(reg, tmp_path):
    rejects = tmp_path / "rejects.csv"
    res = reg.import_file("certificates", write(tmp_path / "bad.csv", BAD), skip_bad=True, rejects=rejects)
    assert res.imported == 1 and len(res.rejected) == 3
    assert list(csv.reader(open(rejects, encoding="utf-8")))[1] == ["2", "expires", "2023-01-01 is before issued 2024-01-01"]


def test_missing_column_names_what_is_expected(reg, tmp_path):
    with pytest.raises(DataError, match=r"row 1: missing column\(s\) issuer \(expected headers such as issuer: 发证机构/认证机构/issuer\)"):
        reg.import_file("certificates", write(tmp_path / "c.csv", "number,type,holder,issued,expires,status\n"))


def test_the_same_file_twice_changes_nothing_and_imports_are_recorded(reg, tmp_path):
    f = write(tmp_path / "zh.csv", CERTS_ZH)
    assert reg.import_file("certificates", f).imported == 2
    again = reg.import_file("certificates", f)
    assert again.already and again.imported == 0
    history = reg.history()
    assert len(history) == 1 and history[0][1:5] == ("certificates", "zh.csv", again.sha256, 2)
    assert reg.counts()["certificates"] == 2


def shipped_catalog_csv(path):
    """The shipped 2022 catalog written as the CSV a bureau would import (code, name, parent)."""
    doc = json.loads((ROOT / "rules/catalogs/catalog_2022.json").read_text(encoding="utf-8"))
    with open(path, "w", encoding="utf-8", newline="") as fh:
        w = csv.writer(fh)
        w.writerow(["品目编码", "品目名称", "上级编码"])
        w.writerows([r[0], r[1], r[3]] for r in doc["rows"])
    return path


def test_catalog_import_needs_an_edition_and_takes_a_whole_catalog(reg, tmp_path):
    from checker.errors import UsageError
    f = shipped_catalog_csv(tmp_path / "目录2022.csv")
    with pytest.raises(UsageError):
        reg.import_file("catalog", f)
    res = reg.import_file("catalog", f, edition="2022")
    assert res.imported == 4301 and reg.catalog_has("2022", "A02010105") and not reg.catalog_has("2022", "A0201010X")
    assert reg.imported_catalogs == {"2022"} and reg.shipped == {}          # the import replaces the shipped one
    assert reg.catalog_entry("2022", "A02010105")["source"] == "registry import"


def test_without_an_import_the_shipped_2022_catalog_is_used(reg):
    assert reg.loaded["catalogs"] == {"2022"} and set(reg.shipped) == {"2022"}
    assert reg.catalog_has("2022", "A02010105") and not reg.catalog_has("2022", "A99999999")
    assert not reg.catalog_has("2013", "A02010104")
    assert [b for b in reg.imports_brief() if b.get("shipped")] == [
        {"kind": "catalog", "file": "catalog_2022.json", "rows": 4301, "edition": "2022", "shipped": True,
         "sha256": hashlib.sha256((ROOT / "rules/catalogs/catalog_2022.json").read_bytes()).hexdigest()}]


CREDIT = "credit_code,name,conduct,ban_start,ban_end,authority,source\n"


def credit_row(start, end="2026-01-01"):
    return f"91440300MA5BANNED1,示例,虚假材料,{start},{end},某局,某网\n"


@pytest.mark.parametrize("value,problem", [
    ("0000-01-01", "'0000-01-01' is outside 1900-01-01 to 2100-12-31"),
    ("1899-12-31", "'1899-12-31' is outside 1900-01-01 to 2100-12-31"),
    ("2025-02-30", "'2025-02-30' is not a calendar date (expected YYYY-MM-DD, e.g. 2025-03-01)"),
    ("2023-02-29", "'2023-02-29' is not a calendar date (expected YYYY-MM-DD, e.g. 2025-03-01)"),
    ("2025年2月30日", "'2025-02-30' is not a calendar date (expected YYYY-MM-DD, e.g. 2025-03-01)"),
])
def test_dates_must_be_calendar_dates_from_1900_to_2100(reg, tmp_path, value, problem):
    f = write(tmp_path / "credit.csv", CREDIT + credit_row(value))
    with pytest.raises(DataError) as e:
        reg.import_file("credit", f)
    assert str(e.value) == f"{f}: row 2: rejected: row 2, ban_start: {problem}"


def test_a_date_after_2100_is_rejected_too(reg, tmp_path):
    f = write(tmp_path / "credit.csv", CREDIT + credit_row("2025-01-01", "2101-01-01"))
    with pytest.raises(DataError, match="row 2, ban_end: '2101-01-01' is outside 1900-01-01 to 2100-12-31"):
        reg.import_file("credit", f)


@pytest.mark.parametrize("start,end", [("1900-01-01", "2100-12-31"), ("2024-02-29", "2024-03-01")])
def test_boundary_and_leap_dates_are_accepted(reg, tmp_path, start, end):
    assert reg.import_file("credit", write(tmp_path / "credit.csv", CREDIT + credit_row(start, end))).imported == 1


def test_a_list_edition_with_an_impossible_date_is_rejected(reg, tmp_path):
    doc = json.loads((ROOT / "rules/lists/energy_saving_2019.json").read_text(encoding="utf-8"))
    doc.update(edition_id="energy_saving/0000", effective_from="0000-01-01")
    f = tmp_path / "es.json"
    f.write_text(json.dumps(doc, ensure_ascii=False), encoding="utf-8")
    with pytest.raises(DataError) as e:
        reg.import_file("list", f)
    assert str(e.value) == f"{f}: /effective_from: '0000-01-01' is outside 1900-01-01 to 2100-12-31"
    assert reg.list_docs() == []


LIMIT = csv.field_size_limit()


def test_a_cell_at_the_csv_limit_is_read(reg, tmp_path):
    f = write(tmp_path / "c.csv", CREDIT + credit_row("2025-01-01").replace("示例", "名" * LIMIT))
    assert reg.import_file("credit", f).imported == 1


def test_a_cell_over_the_csv_limit_is_named_with_its_row(reg, tmp_path):
    f = write(tmp_path / "c.csv", CREDIT + credit_row("2025-01-01") + credit_row("2025-02-01").replace("示例", "名" * (LIMIT + 1)))
    with pytest.raises(DataError) as e:
        reg.import_file("credit", f)
    assert str(e.value).startswith(f"{f}: row 3: a cell is longer than 131,072 characters (line 3 of the file)")


def test_an_unbalanced_quote_that_swallows_the_file_is_named(reg, tmp_path):
    body = credit_row("2025-01-01").replace("示例", '"示例') + "".join(credit_row(f"2025-01-{d:02d}") for d in range(2, 28)) * 200
    f = write(tmp_path / "c.csv", CREDIT + body)
    with pytest.raises(DataError, match=r"row 2: a cell is longer than 131,072 characters .*unbalanced quote"):
        reg.import_file("credit", f)


def test_row_numbers_count_blank_lines_as_a_spreadsheet_does(reg, tmp_path):
    f = write(tmp_path / "c.csv", CREDIT + credit_row("2025-01-01") + "\n,,,,,,\n" + credit_row("2025-02-30"))
    with pytest.raises(DataError, match=r": row 5: rejected: row 5, ban_start: '2025-02-30' is not a calendar date"):
        reg.import_file("credit", f)


def test_readers_see_the_data_before_or_after_an_import_never_a_mix(reg, tmp_path):
    rows = "".join(f"N{i:05d},energy_saving,Acme,B,M,A02010105,2024-01-01,2027-01-01,Body,valid\n" for i in range(20000))
    f = write(tmp_path / "big.csv", "number,type,holder,brand,model,category,issued,expires,issuer,status\n" + rows)
    seen, stop = set(), threading.Event()

    def reader():
        con = sqlite3.connect(str(reg.path), timeout=30)
        while not stop.is_set():
            seen.add(con.execute("SELECT count(*) FROM certificates").fetchone()[0])
        con.close()
    t = threading.Thread(target=reader)
    t.start()
    RefData(reg.path, create=True).import_file("certificates", f)
    stop.set()
    t.join()
    assert seen <= {0, 20000} and 0 in seen
