"""The HTTP service: ``lvcai serve`` runs :func:`create_app` on uvicorn.

API under /api/v1/ (OpenAPI at /api/v1/openapi.json), pages for people under / (checker/service/pages.py).
Configuration comes from the environment (uvicorn starts each worker process anew and imports this
module there): :class:`Config` reads ``LVCAI_SERVE_CONFIG`` (JSON written by ``lvcai serve``) and
``LVCAI_TOKEN``.
"""
from __future__ import annotations

import contextlib
import dataclasses
import hmac
import json
import os
from pathlib import Path
from typing import Literal, Optional

from fastapi import FastAPI, Path as PathParam, Query, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse, Response
from starlette.exceptions import HTTPException as StarletteHTTPException

from .. import __version__
from ..findings import CHK_PARSE
from . import bodies, core
from .core import Options, Problem, Upload, submit

ENV_CONFIG = "LVCAI_SERVE_CONFIG"
DEFAULT_MAX_UPLOAD = 20 * 1000 * 1000
API = "/api/v1"

#: No script of any origin, nothing fetched from elsewhere; styles are the pages' own (inline <style>).
CSP = ("default-src 'none'; script-src 'none'; style-src 'self' 'unsafe-inline'; img-src 'self' data:; "
       "form-action 'self'; base-uri 'none'; frame-ancestors 'none'")
SECURITY_HEADERS = {"content-security-policy": CSP, "x-content-type-options": "nosniff",
                    "referrer-policy": "no-referrer", "x-frame-options": "DENY",
                    "cache-control": "no-store"}

MEDIA = {"json": "application/json", "html": "text/html; charset=utf-8", "md": "text/markdown; charset=utf-8",
         "pdf": "application/pdf", "xlsx": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
         "text": "text/plain; charset=utf-8"}


@dataclasses.dataclass
class Config:
    registry: Optional[str] = None
    token: Optional[str] = None
    max_upload: int = DEFAULT_MAX_UPLOAD
    keep: Optional[str] = None

    @classmethod
    def from_env(cls) -> "Config":
        raw = json.loads(os.environ.get(ENV_CONFIG) or "{}")
        token = os.environ.get("LVCAI_TOKEN") or None
        if raw.get("token_file"):
            token = Path(raw["token_file"]).read_text(encoding="utf-8").strip() or None
        return cls(registry=raw.get("registry") or os.environ.get("LVCAI_REGISTRY") or None, token=token,
                   max_upload=int(raw.get("max_upload") or DEFAULT_MAX_UPLOAD), keep=raw.get("keep"))


def problem_response(status: int, title: str, problems, headers=None) -> JSONResponse:
    return JSONResponse({"status": status, "title": title,
                         "problems": [{"pointer": p, "message": m} for p, m in problems]},
                        status_code=status, headers=headers)


PLAN_BODY = {
    "required": True,
    "description": "The plan: a JSON plan as the body, a spreadsheet (.xlsx or .csv) as the body, or a form upload "
                   "with the plan in field `plan` (JSON, XLSX or CSV; its file name is the source) and optional "
                   "`waivers` (schemas/waivers.schema.json).",
    "content": {
        "application/json": {"schema": {"type": "object"}},
        "multipart/form-data": {"schema": {"type": "object", "required": ["plan"], "properties": {
            "plan": {"type": "string", "format": "binary"}, "waivers": {"type": "string", "format": "binary"},
            "lang": {"type": "string", "enum": ["zh", "en"]}, "profile": {"type": "string"},
            "fail_on": {"type": "string", "enum": ["error", "warning", "info"]}}}},
        "text/csv": {"schema": {"type": "string"}},
        "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet": {"schema": {"type": "string", "format": "binary"}},
    },
}


def _problem_schema(desc):
    return {"description": desc, "content": {"application/json": {"schema": {"$ref": "#/components/schemas/Problem"}}}}


ERRORS = {str(code): _problem_schema(desc) for code, desc in (
    (401, "a token is required (Authorization: Bearer TOKEN)"), (403, "the token is wrong, or the action needs one"),
    (404, "not found"), (413, "the upload is larger than the limit"), (415, "not a plan's media type"),
    (422, "invalid parameters, or a plan that does not meet the schema (the findings document)"))}
PLAN_ERRORS = {**ERRORS, "400": {"description": "a plan that cannot be read: the findings document of "
                                 "`lvcai check --format json` with its errors (pointer, message)",
                                 "content": {"application/json": {"schema": {"type": "object"}}}}}


def create_app(config: Config | None = None) -> FastAPI:
    config = config or Config.from_env()

    @contextlib.asynccontextmanager
    async def lifespan(app):
        await submit(core.health, config.registry)     # build the engine before the first request
        yield

    app = FastAPI(title="lvcai (绿采)", version=__version__, lifespan=lifespan,
                  description="Checks government procurement plans against green-procurement obligations.",
                  openapi_url=f"{API}/openapi.json", docs_url=None, redoc_url=None)
    app.state.config = config
    app.openapi_components = None
    _install_errors(app)
    _install_security(app, config)
    _routes(app, config)
    from . import pages
    pages.install(app, config)
    _add_problem_schema(app)
    return app


def _add_problem_schema(app):
    original = app.openapi

    def openapi():
        if app.openapi_schema:
            return app.openapi_schema
        doc = original()
        doc.setdefault("components", {}).setdefault("schemas", {})["Problem"] = {
            "type": "object", "required": ["status", "title", "problems"],
            "properties": {"status": {"type": "integer"}, "title": {"type": "string"},
                           "problems": {"type": "array", "items": {"type": "object", "properties": {
                               "pointer": {"type": "string"}, "message": {"type": "string"}}}}}}
        return doc
    app.openapi = openapi


def _install_errors(app):
    @app.exception_handler(Problem)
    async def _problem(request, exc: Problem):
        return problem_response(exc.status, exc.title, exc.problems)

    @app.exception_handler(RequestValidationError)
    async def _invalid(request, exc: RequestValidationError):
        problems = []
        for e in exc.errors():
            loc = [str(x) for x in e.get("loc", ())]
            where = "?" + "/".join(loc[1:]) if loc and loc[0] == "query" else "/" + "/".join(loc[1:]) if loc else ""
            problems.append((where, e.get("msg", "invalid")))
        return problem_response(422, "invalid parameters", problems)

    @app.exception_handler(StarletteHTTPException)
    async def _http(request, exc: StarletteHTTPException):
        return problem_response(exc.status_code, str(exc.detail), [("", str(exc.detail))], headers=getattr(exc, "headers", None))

    @app.exception_handler(Exception)
    async def _bug(request, exc: Exception):
        return problem_response(500, "internal error", [("", f"{type(exc).__name__}: an error of lvcai, not of the request")])


def _token_of(request) -> Optional[str]:
    auth = request.headers.get("authorization", "")
    if auth[:7].lower() == "bearer ":
        return auth[7:].strip()
    return request.cookies.get("lvcai_token")


def _install_security(app, config):
    @app.middleware("http")
    async def guard(request: Request, call_next):
        path = request.url.path
        if config.token and path not in ("/login",):
            given = _token_of(request)
            if given is None:
                if not path.startswith(API):
                    response = Response(status_code=303, headers={"location": "/login"})
                else:
                    response = problem_response(401, "a token is required", [("", "send Authorization: Bearer TOKEN")],
                                                headers={"www-authenticate": "Bearer"})
            elif not hmac.compare_digest(given.encode("utf-8", "replace"), config.token.encode("utf-8")):
                response = problem_response(403, "the token is wrong", [("", "the token is not the one this service was started with")])
            else:
                response = await call_next(request)
        else:
            response = await call_next(request)
        for k, v in SECURITY_HEADERS.items():
            response.headers.setdefault(k, v)
        return response


async def read_plan(request: Request, config: Config, source: Optional[str]):
    """(Upload, form fields) from a request: JSON, XLSX or CSV as the body, or a form upload."""
    mt, params = bodies.media_type(request)
    allowed = bodies.JSON_TYPES | bodies.XLSX_TYPES | bodies.CSV_TYPES | {"multipart/form-data"}
    if mt not in allowed:
        raise Problem(415, "unsupported media type", [("", f"a plan is sent as application/json, text/csv, an .xlsx "
                                                           f"workbook or multipart/form-data, not {mt or 'no Content-Type'}")])
    body = await bodies.read_capped(request, config.max_upload)
    if mt != "multipart/form-data":
        default = "plan.xlsx" if mt in bodies.XLSX_TYPES else "plan.csv" if mt in bodies.CSV_TYPES else "plan.json"
        return Upload(body, source or default), {}
    boundary = params.get("boundary")
    if not boundary:
        raise Problem(400, "the form data could not be read", [("", "multipart/form-data without a boundary")])
    parts = bodies.parse_multipart(body, boundary)
    plan = parts.get("plan") or parts.get("file")
    if plan is None:
        raise Problem(422, "no plan in the form", [("plan", "the form has no field 'plan' with the plan file")])
    fields = {k: bytes(p.data).decode("utf-8", "replace") for k, p in parts.items()
              if p.filename is None and k in ("lang", "profile", "fail_on", "source", *core.FILING_ENV)}
    waivers = parts.get("waivers")
    if waivers is not None and not waivers.data and not waivers.filename:
        waivers = None
    name = source or fields.get("source") or os.path.basename(plan.filename or "") or "plan.json"
    return Upload(bytes(plan.data), name, bytes(waivers.data) if waivers is not None and waivers.data else None,
                  (waivers.filename or "waivers.json") if waivers is not None else "waivers.json"), fields


def plan_status(outcome) -> int:
    if outcome.checkable:
        return 200
    return 400 if CHK_PARSE in outcome.rule_ids else 422


async def run_plan(request, config, fmt, lang, profile, fail_on, source, generated_at=None):
    upload, fields = await read_plan(request, config, source)
    q = request.query_params
    opts = Options(fields.get("lang") or lang, fields.get("profile") or profile,
                   fields.get("fail_on") or fail_on, generated_at,
                   core.filing(**{k: fields.get(k) or q.get(k) for k in core.FILING_ENV})).validate()
    if config.keep:
        await submit(core.keep, config.keep, upload.data, upload.source)
    outcome = await submit(core.run, upload, opts, fmt, config.registry)
    if not outcome.checkable and fmt != "json":
        outcome = await submit(core.run, upload, opts, "json", config.registry)
    return upload, opts, outcome


def _outcome_headers(outcome):
    r = outcome.result
    return {"x-lvcai-exit-code": str(outcome.exit_code), "x-lvcai-verdict": r.verdict() if r is not None else "not_checkable"}


def _attachment(name):
    return {"content-disposition": f'attachment; filename="{name}"'}


Lang = Literal["zh", "en"]
FailOn = Literal["error", "warning", "info"]
ReportFormat = Literal["html", "pdf", "md", "xlsx"]


def _routes(app, config):
    tags = ["check"]

    @app.post(f"{API}/check", tags=tags, openapi_extra={"requestBody": PLAN_BODY}, responses=PLAN_ERRORS,
              summary="Check a plan: the output of `lvcai check --format json`")
    async def check(request: Request, lang: Lang = "zh", profile: str = Query("national", max_length=64),
                    fail_on: FailOn = "error", source: Optional[str] = Query(None, max_length=255),
                    generated_at: Optional[str] = Query(None, max_length=64), report_no: Optional[str] = Query(None, max_length=200),
                    organisation: Optional[str] = Query(None, max_length=200), prepared_by: Optional[str] = Query(None, max_length=200),
                    reviewed_by: Optional[str] = Query(None, max_length=200)):
        """The findings document, byte for byte what `lvcai check PLAN --format json` prints for the
        same plan, source name and options. 200 when the plan was checked (`x-lvcai-exit-code` is the
        CLI's exit code: 1 when a finding is at or above `fail_on`); 400 (unreadable) or 422 (not the
        schema) with the same document, whose `errors` list every problem's pointer and message."""
        _upload, _opts, outcome = await run_plan(request, config, "json", lang, profile, fail_on, source, generated_at)
        return Response(outcome.body, status_code=plan_status(outcome), media_type=MEDIA["json"], headers=_outcome_headers(outcome))

    @app.post(f"{API}/report", tags=tags, openapi_extra={"requestBody": PLAN_BODY}, responses=PLAN_ERRORS,
              summary="A compliance report of a plan (HTML, PDF, Markdown or Excel), as `lvcai report`")
    async def report(request: Request, format: ReportFormat = "html", lang: Lang = "zh",
                     profile: str = Query("national", max_length=64), fail_on: FailOn = "error",
                     source: Optional[str] = Query(None, max_length=255), generated_at: Optional[str] = Query(None, max_length=64),
                     report_no: Optional[str] = Query(None, max_length=200), organisation: Optional[str] = Query(None, max_length=200),
                     prepared_by: Optional[str] = Query(None, max_length=200), reviewed_by: Optional[str] = Query(None, max_length=200)):
        """The report `lvcai report PLAN --format FORMAT` writes. A plan that cannot be checked gets the
        findings document (JSON) with 400 or 422, as for /check."""
        upload, _opts, outcome = await run_plan(request, config, format, lang, profile, fail_on, source, generated_at)
        if not outcome.checkable:
            return Response(outcome.body, status_code=plan_status(outcome), media_type=MEDIA["json"], headers=_outcome_headers(outcome))
        stem = Path(upload.source).stem or "plan"
        safe = "".join(c if c.isascii() and (c.isalnum() or c in "-_.") else "_" for c in stem)[:80] or "plan"
        return Response(outcome.body, media_type=MEDIA[format], headers={**_outcome_headers(outcome), **_attachment(f"{safe}-report.{format}")})

    @app.get(f"{API}/rules", tags=["rules"], responses=ERRORS)
    async def rules(profile: str = Query("national", max_length=64, pattern=r"^[A-Za-z0-9_-]+$")):
        """Every rule the profile runs: id, severity, title, pack and legal basis."""
        return await submit(core.rules, profile)

    @app.get(f"{API}/rules/{{rule_id}}", tags=["rules"], responses=ERRORS)
    async def rule(rule_id: str = PathParam(..., max_length=64)):
        """One rule's file: conditions, message, remediation, legal basis and its pass and fail examples."""
        found = await submit(core.rule, rule_id)
        if found is None:
            raise Problem(404, "no such rule", [("rule_id", f'no such rule: "{rule_id}"')])
        return found

    @app.get(f"{API}/lists", tags=["lists"], responses=ERRORS)
    async def lists():
        """The list editions (built in and imported) and the catalog editions in use."""
        return await submit(core.lists, config.registry)

    @app.get(f"{API}/lists/{{kind}}/{{edition}}", tags=["lists"], responses=ERRORS)
    async def list_edition(kind: Literal["energy_saving", "environmental_label"], edition: str = PathParam(..., max_length=32),
                           q: Optional[str] = Query(None, max_length=100, description="search rows by code or name")):
        """One list edition with its rows (`rows_data`), optionally only rows whose code or name contains `q`."""
        found = await submit(core.list_edition, kind, edition, config.registry, q)
        if found is None:
            raise Problem(404, "no such list edition", [("edition", f"no list edition '{kind}/{edition}'")])
        return found

    @app.get(f"{API}/catalog/{{edition}}/{{code}}", tags=["registry"], responses=ERRORS)
    async def catalog(edition: str = PathParam(..., max_length=8), code: str = PathParam(..., max_length=32)):
        """A code of the procurement catalog in use for the edition (imported, else shipped with lvcai)."""
        found = await submit(core.catalog, edition, code, config.registry)
        if found is None:
            raise Problem(404, "no such catalog code", [("code", f"{code} is not a code of the {edition} catalog in use")])
        return found

    @app.get(f"{API}/certificates/{{number}}", tags=["registry"], responses=ERRORS)
    async def certificates(number: str = PathParam(..., max_length=100),
                           type: Optional[Literal["energy_saving", "environmental_label"]] = None):
        """The certificates of that number in the registry (energy-saving, environmental-label, or both)."""
        found = await submit(core.certificates, number, config.registry, type)
        if not found:
            raise Problem(404, "no such certificate", [("number", f"no certificate {number} in the registry")])
        return found

    @app.get(f"{API}/suppliers/{{credit_code}}", tags=["registry"], responses=ERRORS)
    async def supplier(credit_code: str = PathParam(..., max_length=18),
                       date: Optional[str] = Query(None, pattern=r"^\d{4}-\d{2}-\d{2}$", description="bans in force on this day")):
        """A supplier's credit records (bans) and integrity records; empty lists when there are none."""
        if not core.CREDIT_CODE.fullmatch(credit_code):
            raise Problem(422, "not a credit code", [("credit_code", f"'{credit_code}' is not an 18-character unified social credit code")])
        return await submit(core.supplier, credit_code, config.registry, date)

    @app.post(f"{API}/registry/{{kind}}", tags=["registry"], responses=ERRORS,
              openapi_extra={"requestBody": {"required": True, "content": {"multipart/form-data": {"schema": {
                  "type": "object", "required": ["file"], "properties": {"file": {"type": "string", "format": "binary"}}}}}}})
    async def registry_import(request: Request, kind: Literal["catalog", "list", "certificates", "bodies", "credit"],
                              edition: Optional[Literal["2013", "2022"]] = None):
        """Import a file into the registry, as `lvcai registry import KIND FILE` (needs the token)."""
        if not config.token:
            raise Problem(403, "imports need a token", [("", "registry imports through the API are allowed only when the service "
                                                             "has a token (LVCAI_TOKEN or --token-file)")])
        mt, params = bodies.media_type(request)
        if mt != "multipart/form-data":
            raise Problem(415, "unsupported media type", [("", "send the file as multipart/form-data, field 'file'")])
        body = await bodies.read_capped(request, config.max_upload)
        parts = bodies.parse_multipart(body, params.get("boundary") or b"")
        f = parts.get("file")
        if f is None:
            raise Problem(422, "no file in the form", [("file", "the form has no field 'file'")])
        return await submit(core.import_file, kind, bytes(f.data), f.filename or "", config.registry, edition)

    async def healthz():
        """Ready: the rules are compiled and the registry is open."""
        return await submit(core.health, config.registry)

    app.get(f"{API}/healthz", tags=["service"])(healthz)
    app.get("/healthz", include_in_schema=False)(healthz)
