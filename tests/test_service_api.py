"""The HTTP API (checker/service), in process: every endpoint and every error code, and the check
and report outputs compared byte for byte with the CLI's for the same plan, source name and options."""
import json
import os

import pytest
from click.testing import CliRunner

from checker.cli import main
from conftest import EXAMPLES, ROOT, plan_bytes

pytest.importorskip("fastapi")
from fastapi.testclient import TestClient  # noqa: E402

from checker.service.app import Config, create_app  # noqa: E402

VIOLATIONS = "school-plan-with-violations.json"
WAIVER = {"rule_id": "GPP-ENE-001", "plan_id": "GZTH-2026-0107", "pointer": "/projects/0/items/0",
          "justification": "教学专用机型无认证产品", "approver": "天河区财政局", "approval_ref": "穗天财采〔2026〕12号",
          "expires": "2026-12-31"}
XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


def client(**kw):
    kw.setdefault("registry", os.environ["LVCAI_REGISTRY"])
    return TestClient(create_app(Config(**kw)))


@pytest.fixture(scope="module")
def api():
    with client() as c:
        yield c


def cli(*args, cwd=EXAMPLES):
    """`lvcai ARGS` run from ``cwd``, so that a plan named by its file name has that source name."""
    here = os.getcwd()
    os.chdir(cwd)
    try:
        return CliRunner().invoke(main, [str(a) for a in args], catch_exceptions=False)
    finally:
        os.chdir(here)


def cli_json(name, *extra, cwd=EXAMPLES):
    return cli("check", name, "--format", "json", *extra, cwd=cwd).stdout_bytes


def upload(name, directory=EXAMPLES, **extra):
    return {"plan": (name, (directory / name).read_bytes())}


# -- check -------------------------------------------------------------------------------------
@pytest.mark.parametrize("name", [VIOLATIONS, "office-equipment-compliant.json", "award-stage-audit.xlsx",
                                  "school-plan-with-violations.xlsx"])
def test_check_upload_is_the_cli_output_byte_for_byte(api, name):
    r = api.post("/api/v1/check", files=upload(name))
    assert r.status_code == 200
    assert r.content == cli_json(name)
    assert r.headers["content-type"] == "application/json"
    want_exit = cli("check", name, "--format", "json").exit_code
    assert r.headers["x-lvcai-exit-code"] == str(want_exit)


def test_check_json_body_with_options(api):
    body = (EXAMPLES / VIOLATIONS).read_bytes()
    r = api.post("/api/v1/check?lang=en&fail_on=warning&source=" + VIOLATIONS, content=body,
                 headers={"content-type": "application/json"})
    assert r.status_code == 200
    assert r.content == cli_json(VIOLATIONS, "--lang", "en", "--fail-on", "warning")
    assert r.headers["x-lvcai-exit-code"] == "1" and r.headers["x-lvcai-verdict"] == "not_compliant"
    # without a source name the body is called plan.json
    r = api.post("/api/v1/check", content=body, headers={"content-type": "application/json"})
    assert json.loads(r.content)["results"][0]["source"] == "plan.json"


def test_check_csv_body(api, tmp_path):
    csv = tmp_path / "plan.csv"
    assert cli("convert", str(EXAMPLES / VIOLATIONS), "-o", str(csv)).exit_code == 0
    r = api.post("/api/v1/check", content=csv.read_bytes(), headers={"content-type": "text/csv"})
    assert r.status_code == 200 and r.content == cli_json("plan.csv", cwd=tmp_path)


def test_check_form_fields_and_waivers(api, tmp_path):
    w = tmp_path / "waivers.json"
    w.write_text(json.dumps({"waivers": [WAIVER]}, ensure_ascii=False), encoding="utf-8")
    files = {**upload(VIOLATIONS), "waivers": ("waivers.json", w.read_bytes())}
    r = api.post("/api/v1/check", files=files, data={"lang": "en"})
    assert r.status_code == 200
    assert r.content == cli_json(VIOLATIONS, "--lang", "en", "--waivers", str(w))
    assert any(f["status"] == "waived" for f in json.loads(r.content)["results"][0]["findings"])


def test_malformed_waivers_are_422_with_the_place(api):
    files = {**upload(VIOLATIONS), "waivers": ("w.json", json.dumps({"waivers": [{**WAIVER, "expires": "31/12/2026"}]}).encode())}
    r = api.post("/api/v1/check", files=files)
    assert r.status_code == 422
    assert "/waivers/0/expires" in r.json()["problems"][0]["message"]


def test_a_plan_that_is_not_json_is_400_with_the_cli_document(api, tmp_path):
    (tmp_path / "bad.json").write_bytes(b'{"plan_id": ')
    r = api.post("/api/v1/check", files={"plan": ("bad.json", b'{"plan_id": ')})
    assert r.status_code == 400 and r.headers["x-lvcai-exit-code"] == "2"
    assert r.content == cli_json("bad.json", cwd=tmp_path)
    errors = r.json()["results"][0]["errors"]
    assert errors and {"pointer", "message"} <= set(errors[0])


def test_a_plan_against_the_schema_is_422_with_every_problem(api, base_plan):
    del base_plan["agency"]
    base_plan["projects"][0]["items"][0]["amount"] = "lots"
    r = api.post("/api/v1/check?source=p.json", content=plan_bytes(base_plan), headers={"content-type": "application/json"})
    assert r.status_code == 422
    pointers = [e["pointer"] for e in r.json()["results"][0]["errors"]]
    assert "/projects/0/items/0/amount" in pointers and len(pointers) >= 2


def test_unsupported_media_type_is_415(api):
    r = api.post("/api/v1/check", content=b"hello", headers={"content-type": "text/plain"})
    assert r.status_code == 415 and r.json()["problems"][0]["message"].endswith("not text/plain")
    assert api.post("/api/v1/check", content=b"{}", headers={}).status_code == 415


def test_upload_over_the_cap_is_413():
    with client(max_upload=1000) as c:
        big = (EXAMPLES / VIOLATIONS).read_bytes()
        assert len(big) > 1000
        r = c.post("/api/v1/check", files=upload(VIOLATIONS))
        assert r.status_code == 413 and "1000 bytes" in r.json()["problems"][0]["message"]
        r = c.post("/api/v1/check", content=big, headers={"content-type": "application/json"})
        assert r.status_code == 413


@pytest.mark.parametrize("query,where", [("lang=fr", "?lang"), ("fail_on=fatal", "?fail_on"), ("profile=nosuch", "?profile"),
                                         ("generated_at=yesterday", "?generated_at")])
def test_bad_parameters_are_422_naming_the_parameter(api, query, where):
    r = api.post(f"/api/v1/check?{query}", files=upload(VIOLATIONS))
    assert r.status_code == 422
    assert r.json()["problems"][0]["pointer"] == where


def test_a_form_without_a_plan_is_422(api):
    r = api.post("/api/v1/check", files={"other": ("x.json", b"{}")})
    assert r.status_code == 422 and r.json()["problems"][0]["pointer"] == "plan"


# -- report ------------------------------------------------------------------------------------
@pytest.mark.parametrize("fmt,media", [("html", "text/html; charset=utf-8"), ("md", "text/markdown; charset=utf-8"),
                                       ("xlsx", XLSX)])
def test_report_is_the_cli_report(api, tmp_path, fmt, media):
    r = api.post(f"/api/v1/report?format={fmt}&lang=en", files=upload(VIOLATIONS))
    assert r.status_code == 200 and r.headers["content-type"] == media
    assert r.headers["content-disposition"] == f'attachment; filename="school-plan-with-violations-report.{fmt}"'
    out = tmp_path / f"r.{fmt}"
    cli("report", VIOLATIONS, "--format", fmt, "--lang", "en", "--output", str(out))
    assert r.content == out.read_bytes()


def test_report_pdf(api):
    r = api.post("/api/v1/report?format=pdf", files=upload(VIOLATIONS))
    assert r.status_code == 200 and r.headers["content-type"] == "application/pdf" and r.content.startswith(b"%PDF")


def test_report_of_a_bad_plan_is_the_findings_document(api):
    r = api.post("/api/v1/report?format=pdf", files={"plan": ("bad.json", b"[]")})
    assert r.status_code in (400, 422) and r.json()["results"][0]["status"] == "not_checkable"
    assert api.post("/api/v1/report?format=docx", files=upload(VIOLATIONS)).status_code == 422


# -- reference data ----------------------------------------------------------------------------
def test_rules_and_one_rule(api):
    rules = api.get("/api/v1/rules").json()
    ids = [r["id"] for r in rules["rules"]]
    assert "GPP-ENE-001" in ids and all(r["legal_basis"] for r in rules["rules"])
    one = api.get("/api/v1/rules/GPP-ENE-001").json()
    assert one == json.loads(cli("rules", "show", "GPP-ENE-001").stdout)
    assert one["examples"]
    r = api.get("/api/v1/rules/GPP-NOPE-999")
    assert r.status_code == 404 and r.json()["problems"][0]["pointer"] == "rule_id"
    assert api.get("/api/v1/rules?profile=nosuch").status_code == 422


def test_lists_and_an_edition_with_search(api):
    doc = api.get("/api/v1/lists").json()
    assert [e["edition_id"] for e in doc["editions"]] == ["energy_saving/2019", "environmental_label/2019"]
    assert "2022" in doc["catalogs"]
    ed = api.get("/api/v1/lists/energy_saving/2019").json()
    assert ed["matched"] == ed["rows"] == len(ed["rows_data"]) > 10
    hit = api.get("/api/v1/lists/energy_saving/2019", params={"q": "台式计算机"}).json()
    assert 1 <= hit["matched"] < ed["matched"] and all("台式计算机" in r["name"] or "台式计算机" in r["product_type"]
                                                      for r in hit["rows_data"])
    by_code = api.get("/api/v1/lists/energy_saving/2019", params={"q": "A02010105"}).json()
    assert by_code["matched"] >= 1
    assert api.get("/api/v1/lists/energy_saving/1999").status_code == 404
    assert api.get("/api/v1/lists/other/2019").status_code == 422


def test_catalog(api):
    r = api.get("/api/v1/catalog/2022/A02010105")
    assert r.status_code == 200 and r.json()["name"] == "台式计算机"
    assert api.get("/api/v1/catalog/2022/Z999").status_code == 404


@pytest.fixture(scope="module")
def loaded(tmp_path_factory):
    d = tmp_path_factory.mktemp("reg")
    reg = d / "registry.sqlite"
    for kind in ("certificates", "bodies", "credit"):
        assert cli("registry", "import", kind, ROOT / f"rules/examples/registry/{kind}.csv", "--registry", reg).exit_code == 0
    assert cli("registry", "record", "91440300MA5RECXRD1", "--name", "示例记录公司", "--finding", "虚假节能证书声明",
               "--date", "2025-06-01", "--registry", reg).exit_code == 0
    return reg


def test_certificates_and_suppliers(loaded):
    with client(registry=str(loaded)) as c:
        r = c.get("/api/v1/certificates/CQC-ES-0001")
        assert r.status_code == 200 and r.json()[0]["holder"] == "示例供应商有限公司"
        assert c.get("/api/v1/certificates/CQC-ES-0001?type=environmental_label").status_code == 404
        assert c.get("/api/v1/certificates/NOPE").status_code == 404
        banned = c.get("/api/v1/suppliers/91440300MA5BANNED1").json()
        assert banned["bans"][0]["penalty"].startswith("禁止参加政府采购活动")
        assert c.get("/api/v1/suppliers/91440300MA5BANNED1?date=2027-01-01").json()["bans"] == []
        rec = c.get("/api/v1/suppliers/91440300MA5RECXRD1").json()
        assert rec["integrity_records"][0]["finding"] == "虚假节能证书声明"
        clean = c.get("/api/v1/suppliers/91440300MA5CLEAN01")
        assert clean.status_code == 200 and clean.json()["bans"] == [] == clean.json()["integrity_records"]
        assert c.get("/api/v1/suppliers/not-a-code").status_code == 422
        assert c.get("/api/v1/suppliers/91440300MA5BANNED1?date=tomorrow").status_code == 422


def test_healthz_and_openapi(api):
    h = api.get("/api/v1/healthz").json()
    assert h["status"] == "ok" and h["rules"] > 10
    assert api.get("/healthz").json()["status"] == "ok"
    doc = api.get("/api/v1/openapi.json").json()
    for path in ("/api/v1/check", "/api/v1/report", "/api/v1/rules", "/api/v1/rules/{rule_id}", "/api/v1/lists",
                 "/api/v1/lists/{kind}/{edition}", "/api/v1/catalog/{edition}/{code}", "/api/v1/certificates/{number}",
                 "/api/v1/suppliers/{credit_code}", "/api/v1/healthz", "/api/v1/registry/{kind}"):
        assert path in doc["paths"]
    assert api.get("/api/v1/nothing-here").status_code == 404
    assert api.get("/docs").status_code == 404          # Swagger UI would load scripts from elsewhere


# -- security ----------------------------------------------------------------------------------
def test_every_response_has_the_security_headers(api):
    for r in (api.get("/api/v1/healthz"), api.get("/api/v1/rules/NOPE"),
              api.post("/api/v1/check", content=b"x", headers={"content-type": "text/plain"}),
              api.post("/api/v1/report?format=html", files=upload(VIOLATIONS))):
        assert r.headers["x-content-type-options"] == "nosniff"
        csp = r.headers["content-security-policy"]
        assert "script-src 'none'" in csp and "default-src 'none'" in csp and "unsafe-inline" not in csp.split("script-src")[1].split(";")[0]


def test_token_guards_every_endpoint(tmp_path):
    with client(token="s3cret") as c:
        r = c.get("/api/v1/rules")
        assert r.status_code == 401 and r.headers["www-authenticate"] == "Bearer"
        assert c.get("/api/v1/healthz").status_code == 401
        assert c.post("/api/v1/check", files=upload(VIOLATIONS)).status_code == 401
        assert c.get("/api/v1/rules", headers={"authorization": "Bearer wrong"}).status_code == 403
        ok = c.post("/api/v1/check", files=upload(VIOLATIONS), headers={"authorization": "Bearer s3cret"})
        assert ok.status_code == 200 and ok.content == cli_json(VIOLATIONS)


def test_registry_import_needs_a_token_and_then_checks_see_it(tmp_path):
    reg = tmp_path / "reg.sqlite"
    certs = ("certificates.csv", (ROOT / "rules/examples/registry/certificates.csv").read_bytes())
    with client(registry=str(reg)) as c:
        r = c.post("/api/v1/registry/certificates", files={"file": certs})
        assert r.status_code == 403 and not reg.exists()
    auth = {"authorization": "Bearer t0ken"}
    with client(registry=str(reg), token="t0ken") as c:
        assert c.post("/api/v1/registry/certificates", files={"file": certs}).status_code == 401
        assert c.get("/api/v1/certificates/CQC-ES-0001", headers=auth).status_code == 404
        r = c.post("/api/v1/registry/certificates", files={"file": certs}, headers=auth)
        assert r.status_code == 200 and r.json()["imported"] == 4 and not r.json()["already"]
        assert c.post("/api/v1/registry/certificates", files={"file": certs}, headers=auth).json()["already"]
        assert c.get("/api/v1/certificates/CQC-ES-0001", headers=auth).status_code == 200
        # the checks of this process now use the new registry, as the CLI does
        r = c.post("/api/v1/check", files=upload(VIOLATIONS), headers=auth)
        assert r.content == cli_json(VIOLATIONS, "--registry", reg)
        bad = c.post("/api/v1/registry/certificates", files={"file": ("bad.csv", b"number,type\nX1,bogus\n")}, headers=auth)
        assert bad.status_code == 422 and bad.json()["problems"][0]["pointer"] == "file"
        assert c.post("/api/v1/registry/certificates", content=b"x", headers={**auth, "content-type": "text/csv"}).status_code == 415


def test_no_plan_is_stored_unless_keep(tmp_path, monkeypatch):
    tmp = tmp_path / "tmp"
    tmp.mkdir()
    monkeypatch.setenv("TMPDIR", str(tmp))
    import tempfile
    monkeypatch.setattr(tempfile, "tempdir", str(tmp))
    big = json.loads((EXAMPLES / VIOLATIONS).read_text(encoding="utf-8"))
    big["agency"]["name"] += "x" * 2_000_000       # over Starlette's 1 MB in-memory limit for uploads
    data = plan_bytes(big)
    with client() as c:
        assert c.post("/api/v1/check", files={"plan": ("big.json", data)}).status_code == 200
    assert list(tmp.iterdir()) == []
    kept = tmp_path / "kept"
    kept.mkdir()
    with client(keep=str(kept)) as c:
        c.post("/api/v1/check", files=upload(VIOLATIONS))
        c.post("/api/v1/check", files=upload(VIOLATIONS))
    import hashlib
    assert [p.name for p in kept.iterdir()] == [hashlib.sha256((EXAMPLES / VIOLATIONS).read_bytes()).hexdigest() + ".json"]


def test_sign_off_fields_as_the_cli_takes_them(api, tmp_path, monkeypatch):
    out = tmp_path / "r.html"
    cli("report", VIOLATIONS, "--format", "html", "--organisation", "天河区财政局", "--prepared-by", "审核岗",
        "--report-no", "TH-2026-01", "--output", str(out))
    r = api.post("/api/v1/report?format=html&organisation=天河区财政局&prepared_by=审核岗&report_no=TH-2026-01",
                 files=upload(VIOLATIONS))
    assert r.status_code == 200 and r.content == out.read_bytes() and "天河区财政局".encode() in r.content
    monkeypatch.setenv("LVCAI_ORGANISATION", "福田区财政局")      # the same variables as the CLI's options
    r = api.post("/api/v1/check", files=upload(VIOLATIONS))
    assert r.content == cli_json(VIOLATIONS) and "福田区财政局".encode() in r.content
