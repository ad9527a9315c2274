"""The reference registry: imports in both encodings and header languages, bad files, duplicates,
idempotence, and readers that never see half an import."""
import csv
import sqlite3
import threading

import pytest

from checker.errors import DataError
from checker.refdata import RefData

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


def test_catalog_import_needs_an_edition_and_reads_the_shared_catalog(reg):
    from conftest import SHARED_DOMAIN
    from checker.errors import UsageError
    with pytest.raises(UsageError):
        reg.import_file("catalog", SHARED_DOMAIN / "catalog_2022.csv")
    res = reg.import_file("catalog", SHARED_DOMAIN / "catalog_2022.csv", edition="2022")
    assert res.imported == 4301 and reg.catalog_has("2022", "A02010105") and not reg.catalog_has("2022", "A0201010X")


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
    RefData(reg.path).import_file("certificates", f)
    stop.set()
    t.join()
    assert seen <= {0, 20000} and 0 in seen
