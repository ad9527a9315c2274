"""Suppliers' green qualifications (``registry import qualifications``): types in users' words, a
green design product needs its product, and only those valid on the plan's date count (GPP-SZX-005)."""
import json

import pytest
from click.testing import CliRunner

from checker.api import Checker
from checker.cli import main
from checker.refdata import RefData
from conftest import EXAMPLES

AWARD = EXAMPLES / "shenzhen-circular-award.json"
HEAD = "统一社会信用代码,企业名称,资质类型,产品名称,发布单位,批次,有效期起,有效期至,来源\n"
CODE = "91440300MA5XH0001X"


def lvcai(*args):
    return CliRunner().invoke(main, [str(a) for a in args])


def registry(tmp_path, rows, encoding="utf-8"):
    f = tmp_path / "q.csv"
    f.write_text(HEAD + "".join(r + "\n" for r in rows), encoding=encoding)
    reg = tmp_path / "r.sqlite"
    r = lvcai("registry", "import", "qualifications", f, "--registry", reg, "--lang", "en")
    return reg, r


def qualification_finding(reg, date):
    plan = json.loads(AWARD.read_text(encoding="utf-8"))
    plan["date"] = date
    result = Checker("shenzhen", refdata=RefData(reg)).check(json.dumps(plan, ensure_ascii=False).encode(), "p", ("zh", "en"))
    found = [f for f in result.findings if f.rule_id == "GPP-SZX-005" and f.pointer == "/projects/0/items/0"]
    return found[0] if found else None


@pytest.mark.parametrize("date, counted", [("2022-12-31", False), ("2023-01-01", True), ("2025-12-31", True), ("2026-01-01", False)])
def test_only_a_qualification_valid_on_the_plan_date_counts(tmp_path, date, counted):
    reg, r = registry(tmp_path, [f"{CODE},示例企业（示例）,绿色工厂,,工业和信息化部（示例）,第七批（示例）,2023/1/1,2025年12月31日,示例"],
                      "gb18030")
    assert r.exit_code == 0, r.output
    f = qualification_finding(reg, date)
    assert (f is not None) == counted
    if counted:
        assert f.severity == "info"
        assert "green factory (工业和信息化部（示例）, 第七批（示例）, valid until 2025-12-31)" in f.message["en"]
        assert "绿色工厂（工业和信息化部（示例），第七批（示例），有效期至 2025-12-31）" in f.message["zh"]
        assert "The price deduction this profile gives: 0%" in f.message["en"]
        # nothing expired: the message does not end in an empty "not counted: -"
        assert "Not counted" not in f.message["en"] and "未计入" not in f.message["zh"]


def test_an_expired_qualification_is_named_as_not_counted(tmp_path):
    reg, _ = registry(tmp_path, [f"{CODE},示例企业（示例）,绿色工厂,,工信部（示例）,2023（示例）,2023-01-01,,示例",
                                 f"{CODE},示例企业（示例）,受表彰企业,,深圳市人民政府（示例）,2015年（示例）,2015-01-01,2017-12-31,示例"])
    f = qualification_finding(reg, "2026-04-15")
    held, not_counted = f.message["en"].split("Not counted")
    assert "green factory" in held and "valid until not stated" in held and "commended" not in held
    assert "commended enterprise (深圳市人民政府（示例）, 2015年（示例）, valid until 2017-12-31)" in not_counted


def test_only_expired_qualifications_give_no_finding(tmp_path):
    reg, _ = registry(tmp_path, [f"{CODE},示例企业（示例）,循环经济示范企业,,发改委（示例）,2015（示例）,2015-01-01,2017-12-31,示例"])
    assert RefData(reg).counts()["qualifications"] == 1
    assert qualification_finding(reg, "2026-04-15") is None
    assert qualification_finding(reg, "2017-12-31") is not None


def test_types_in_english_and_the_design_product_needs_its_product(tmp_path):
    f = tmp_path / "en.csv"
    f.write_text("credit_code,enterprise,type,product,issuer,batch,valid_from,source\n"
                 f"{CODE},E (example),green supply chain,,MIIT (example),2024,2024-01-01,example\n"
                 f"{CODE},E (example),green design product,,MIIT (example),2024,2024-01-01,example\n"
                 f"{CODE},E (example),green hotel,,MIIT (example),2024,2024-01-01,example\n", encoding="utf-8")
    r = lvcai("registry", "import", "qualifications", f, "--registry", tmp_path / "r.sqlite", "--lang", "en")
    assert r.exit_code == 2 and "Traceback" not in r.output
    assert "row 3" in r.output and "product" in r.output and "row 4" in r.output and "type" in r.output
    r = lvcai("registry", "import", "qualifications", f, "--registry", tmp_path / "r.sqlite", "--skip-bad",
              "--rejects", tmp_path / "rejects.csv", "--lang", "en")
    assert r.exit_code == 0
    assert [q["type"] for q in RefData(tmp_path / "r.sqlite").qualifications(CODE)] == ["green_supply_chain"]


def test_until_before_from_is_rejected(tmp_path):
    _, r = registry(tmp_path, [f"{CODE},示例企业（示例）,绿色工厂,,工信部（示例）,2023（示例）,2023-01-01,2022-12-31,示例"])
    assert r.exit_code == 2 and "row 2" in r.output and "is before valid_from" in r.output
