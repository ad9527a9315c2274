"""The service's pages, in process: upload → report with downloads, rules and lists browsers, the
look-up page, zh by default and en on request, and every text from a plan or a query escaped."""
import re

import pytest

from conftest import EXAMPLES, ROOT, plan_bytes

pytest.importorskip("fastapi")

from test_service_api import cli, client  # noqa: E402

VIOLATIONS = EXAMPLES / "school-plan-with-violations.json"
HOSTILE = "<script>alert(1)</script><img src=x onerror=alert(2)>"


@pytest.fixture(scope="module")
def web():
    with client() as c:
        yield c


def hidden(html, name):
    return re.search(rf'name="{name}" value="([^"]*)"', html).group(1)


def test_upload_page_zh_and_en(web):
    zh = web.get("/")
    assert zh.status_code == 200 and '<html lang="zh-CN">' in zh.text and "上传采购计划" in zh.text
    assert 'enctype="multipart/form-data"' in zh.text and "<script" not in zh.text
    en = web.get("/?lang=en")
    assert "Upload a procurement plan" in en.text and 'action="/check?lang=en"' in en.text
    assert '<option value="shenzhen"' in zh.text and '<option value="national" selected>' in zh.text


def test_upload_with_another_profile(web, tmp_path):
    r = web.post("/check", files={"plan": (VIOLATIONS.name, VIOLATIONS.read_bytes())}, data={"profile": "shenzhen"})
    assert r.status_code == 200 and hidden(r.text, "profile") == "shenzhen"
    fields = {k: hidden(r.text, k) for k in ("plan_b64", "source", "lang", "profile", "fail_on")}
    d = web.post("/download", data={**fields, "format": "json"}, files={"_": ("", b"")})
    assert d.content == cli("check", VIOLATIONS.name, "--format", "json", "--profile", "shenzhen").stdout_bytes
    assert web.post("/check", files={"plan": (VIOLATIONS.name, VIOLATIONS.read_bytes())}, data={"profile": "nosuch"}).status_code == 422


def test_upload_gives_the_report_with_downloads(web, tmp_path):
    r = web.post("/check", files={"plan": (VIOLATIONS.name, VIOLATIONS.read_bytes())}, data={"lang": "en"})
    assert r.status_code == 200 and r.headers["content-type"].startswith("text/html")
    html = r.text
    out = tmp_path / "r.html"
    cli("report", VIOLATIONS.name, "--format", "html", "--lang", "en", "--output", str(out))
    report = out.read_text(encoding="utf-8")
    bar = re.search(r'<form class="lvcai-downloads".*?</form>', html, re.S).group(0)
    assert html.replace(bar, "") == report                 # the CLI's report, with the bar in front
    fields = {k: hidden(html, k) for k in ("plan_b64", "source", "lang", "profile", "fail_on", "waivers_b64", "waivers_name")}
    for fmt, media in (("pdf", "application/pdf"), ("xlsx", "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"),
                       ("json", "application/json")):
        d = web.post("/download", data={**fields, "format": fmt}, files={"_": ("", b"")})
        assert d.status_code == 200 and d.headers["content-type"] == media
        assert "attachment" in d.headers["content-disposition"]
        if fmt == "json":
            assert d.content == cli("check", VIOLATIONS.name, "--format", "json", "--lang", "en").stdout_bytes
        if fmt == "pdf":
            assert d.content.startswith(b"%PDF")
    assert web.post("/download", data={**fields, "format": "exe"}, files={"_": ("", b"")}).status_code == 422
    assert web.post("/download", data={**fields, "plan_b64": "!!", "format": "pdf"}, files={"_": ("", b"")}).status_code == 400


def test_a_bad_plan_gives_a_page_of_its_problems(web, base_plan):
    r = web.post("/check", files={"plan": ("bad.json", b"{")})
    assert r.status_code == 400 and "is not valid JSON" in r.text and "<table class=\"problems\">" in r.text
    del base_plan["agency"]
    r = web.post("/check", files={"plan": ("p.json", plan_bytes(base_plan))})
    assert r.status_code == 422 and "agency" in r.text


def test_a_plan_is_escaped_everywhere_on_the_page(web, base_plan):
    base_plan["agency"]["name"] = HOSTILE
    base_plan["projects"][0]["items"][0]["name"] = HOSTILE
    r = web.post("/check", files={"plan": (HOSTILE + ".json", plan_bytes(base_plan))})
    assert r.status_code == 200
    assert "<script>" not in r.text and "<img src=x" not in r.text and "&lt;script&gt;" in r.text
    base_plan["projects"][0]["items"][0]["amount"] = HOSTILE
    r = web.post("/check", files={"plan": (HOSTILE + ".json", plan_bytes(base_plan))})
    assert r.status_code == 422 and "<script>" not in r.text and "<img src=x" not in r.text


def test_queries_are_escaped(web):
    for url in (f"/lists?q={HOSTILE}", f"/lookup?certificate={HOSTILE}&credit_code={HOSTILE}", f"/?x={HOSTILE}",
                f"/rules/{HOSTILE}"):
        r = web.get(url)
        assert "<script>" not in r.text and "<img src=x" not in r.text, url


def test_rules_browser(web):
    r = web.get("/rules")
    assert r.status_code == 200 and 'href="/rules/GPP-ENE-001"' in r.text and "财库" in r.text
    one = web.get("/rules/GPP-ENE-001?lang=en")
    assert one.status_code == 200 and "Examples that fail" in one.text and "Legal basis" in one.text
    assert web.get("/rules/GPP-NOPE").status_code == 404


def test_list_browser_searches_by_name_and_code_in_both_catalog_editions(web):
    r = web.get("/lists", params={"q": "台式计算机"})
    assert r.status_code == 200 and "energy_saving/2019" in r.text and "A02010105" in r.text
    # a 2013 code finds the row by its 2013 code; a 2022 code by its 2022 code
    assert "ES2019-001" in web.get("/lists", params={"q": "A02010104"}).text
    assert "ES2019-001" in web.get("/lists", params={"q": "A02010105"}).text
    cat = web.get("/lists", params={"q": "A020101"}).text
    assert 'class="catalog-hits"' in cat


def test_lookup_page(tmp_path):
    reg = tmp_path / "r.sqlite"
    for kind in ("certificates", "credit"):
        cli("registry", "import", kind, ROOT / f"rules/examples/registry/{kind}.csv", "--registry", reg)
    cli("registry", "record", "91440300MA5RECXRD1", "--name", "示例", "--finding", "虚假声明", "--date", "2025-06-01", "--registry", reg)
    with client(registry=str(reg)) as c:
        r = c.get("/lookup", params={"certificate": "CQC-ES-0001", "credit_code": "91440300MA5BANNED1"})
        assert r.status_code == 200 and "示例供应商有限公司" in r.text and "禁止参加政府采购活动" in r.text
        rec = c.get("/lookup", params={"credit_code": "91440300MA5RECXRD1"}).text
        assert "虚假声明" in rec
        import getpass
        assert getpass.getuser() not in rec.split("<main>")[1]       # who recorded it is not shown
        assert "未找到" in c.get("/lookup", params={"certificate": "NOPE"}).text
    with client() as c:
        assert "登记库为空" in c.get("/lookup").text


def test_pages_with_a_token_need_sign_in():
    with client(token="pw") as c:
        r = c.get("/rules", follow_redirects=False)
        assert r.status_code == 303 and r.headers["location"] == "/login"
        assert c.get("/login").status_code == 200
        assert c.post("/login", data={"token": "no"}).status_code == 403
        ok = c.post("/login", data={"token": "pw"}, follow_redirects=False)
        assert ok.status_code == 303 and "httponly" in ok.headers["set-cookie"].lower()
        assert c.get("/rules").status_code == 200          # the cookie is sent from now on
