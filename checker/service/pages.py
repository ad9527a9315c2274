"""Pages for people: upload a plan and read its report, browse rules and lists, look up certificates
and suppliers. Server-rendered (Jinja2, autoescape on: every text from a plan or the registry is
escaped), readable without JavaScript (there is none: the CSP forbids scripts), zh by default,
``?lang=en`` for English.

The report page holds no stored plan: its download buttons post the plan back (base64 in a hidden
field of the same page), so PDF, XLSX and JSON are made from the same bytes without the server
keeping anything.
"""
from __future__ import annotations

import base64
import binascii
import hmac
import json
import re
from functools import lru_cache
from pathlib import Path
from typing import Optional
from urllib.parse import urlencode

import jinja2
from fastapi import Request
from fastapi.responses import HTMLResponse, Response

from .. import __version__, i18n
from . import bodies, core
from .core import Options, Problem, Upload, submit

TEMPLATES = Path(__file__).resolve().parent / "templates"
FAVICON = (b'<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 16 16"><circle cx="8" cy="8" r="7" fill="#0f766e"/>'
           b'<path d="M5 8.5l2 2 4-5" stroke="#fff" stroke-width="1.8" fill="none"/></svg>')

WORDS = dict(i18n.catalogue()["page_words"])   # reports/messages.json (a copy: field labels are added below)
for _k in ("type", "holder", "brand", "model", "category", "issued", "expires", "issuer", "status", "conduct", "penalty",
           "ban_start", "ban_end", "authority", "finding", "plan_id", "recorded_on"):
    WORDS.setdefault(_k, {"zh": {"type": "类型", "holder": "持有人", "brand": "品牌", "model": "型号", "category": "品目",
                                 "issued": "发证日期", "expires": "有效期至", "issuer": "发证机构", "status": "状态",
                                 "conduct": "失信行为", "penalty": "处罚", "ban_start": "起始", "ban_end": "截止",
                                 "authority": "处罚机关", "finding": "发现", "plan_id": "计划编号", "recorded_on": "记录日期"}[_k],
                          "en": _k.replace("_", " ").capitalize()})


def words(lang):
    return {k: v[lang] for k, v in WORDS.items()}


@lru_cache(maxsize=None)
def environment() -> jinja2.Environment:
    from ..i18n import label
    env = jinja2.Environment(loader=jinja2.FileSystemLoader(str(TEMPLATES)), autoescape=True,
                             undefined=jinja2.StrictUndefined, trim_blocks=True, lstrip_blocks=True)
    env.filters["label"] = lambda value, lang: label(value, lang)
    env.filters["pretty"] = lambda v: json.dumps(v, ensure_ascii=False, indent=1)
    env.filters["dict_without_lang"] = lambda q: urlencode({k: v for k, v in q.items() if k != "lang"})
    return env


def page(request: Request, name: str, lang: str, status: int = 200, **context) -> HTMLResponse:
    html = environment().get_template(name).render(w=words(lang), lang=lang, path=request.url.path,
                                                   query=dict(request.query_params), version=__version__,
                                                   stats=True, **context)
    return HTMLResponse(html, status_code=status)


def _lang(value) -> str:
    return value if value in ("zh", "en") else "zh"


def error_page(request, lang, exc: Problem):
    return page(request, "error.html.j2", lang, status=exc.status, title=exc.title, problems=exc.problems)


def _download_bar(html: str, bar: str) -> str:
    """The report with the download bar as the first thing in its body (the report is the CLI's)."""
    m = re.search(r"<body[^>]*>", html)
    return html[:m.end()] + bar + html[m.end():] if m else bar + html


def install(app, config):
    @app.get("/favicon.ico", include_in_schema=False)
    async def favicon():
        return Response(FAVICON, media_type="image/svg+xml")

    @app.get("/", include_in_schema=False)
    async def index(request: Request, lang: Optional[str] = None):
        from .._paths import rules_dir
        profiles = sorted(p.stem for p in (rules_dir() / "profiles").glob("*.json"))
        return page(request, "index.html.j2", _lang(lang), max_mb=config.max_upload / 1e6, profiles=profiles)

    @app.post("/check", include_in_schema=False)
    async def check_page(request: Request, lang: Optional[str] = None):
        from .app import read_plan
        ui = _lang(lang)
        try:
            upload, fields = await read_plan(request, config, None)
            ui = _lang(fields.get("lang") or lang)
            opts = Options(ui, fields.get("profile") or "national", fields.get("fail_on") or "error",
                           filing=core.filing()).validate()
            if config.keep:
                await submit(core.keep, config.keep, upload.data, upload.source)
            outcome = await submit(core.run, upload, opts, "html", config.registry)
        except Problem as e:
            return error_page(request, ui, e)
        if not outcome.checkable:
            problems = [(p, m) for p, _rid, m in outcome.result.errors]
            return page(request, "error.html.j2", ui, status=400 if "CHK-000" in outcome.rule_ids else 422,
                        title=words(ui)["not_checkable"], problems=problems, source=upload.source)
        bar = environment().get_template("download_bar.html.j2").render(
            w=words(ui), lang=ui, source=upload.source, opts=opts,
            plan_b64=base64.b64encode(upload.data).decode("ascii"),
            waivers_b64=base64.b64encode(upload.waivers).decode("ascii") if upload.waivers else "",
            waivers_name=upload.waivers_name)
        return HTMLResponse(_download_bar(outcome.body.decode("utf-8"), bar))

    @app.post("/download", include_in_schema=False)
    async def download(request: Request):
        from .app import MEDIA, _attachment
        mt, params = bodies.media_type(request)
        try:
            if mt not in ("multipart/form-data", "application/x-www-form-urlencoded"):
                raise Problem(415, "unsupported media type")
            body = await bodies.read_capped(request, config.max_upload * 4 // 3 + 64 * 1024)
            if mt == "multipart/form-data":
                fields = {k: bytes(p.data).decode("utf-8", "replace") for k, p in bodies.parse_multipart(body, params.get("boundary") or b"").items()}
            else:
                from urllib.parse import parse_qs
                fields = {k: v[0] for k, v in parse_qs(body.decode("ascii", "replace")).items()}
            fmt = fields.get("format")
            if fmt not in ("pdf", "xlsx", "json", "html", "md"):
                raise Problem(422, "invalid parameters", [("format", f"'{fmt}' is not one of pdf, xlsx, json, html, md")])
            try:
                data = base64.b64decode(fields.get("plan_b64", ""), validate=True)
                waivers = base64.b64decode(fields.get("waivers_b64", ""), validate=True) or None
            except (binascii.Error, ValueError):
                raise Problem(400, "the plan could not be read", [("plan_b64", "not base64")]) from None
            opts = Options(_lang(fields.get("lang")), fields.get("profile") or "national", fields.get("fail_on") or "error",
                           filing=core.filing()).validate()
            upload = Upload(data, fields.get("source") or "plan.json", waivers, fields.get("waivers_name") or "waivers.json")
            outcome = await submit(core.run, upload, opts, fmt, config.registry)
        except Problem as e:
            return error_page(request, _lang(None), e)
        stem = re.sub(r"[^A-Za-z0-9_.-]", "_", Path(upload.source).stem)[:80] or "plan"
        name = f"{stem}.json" if fmt == "json" else f"{stem}-report.{fmt}"
        return Response(outcome.body, media_type=MEDIA[fmt], headers=_attachment(name))

    @app.get("/rules", include_in_schema=False)
    async def rules_page(request: Request, lang: Optional[str] = None, profile: str = "national"):
        ui = _lang(lang)
        try:
            doc = await submit(core.rules, profile if re.fullmatch(r"[A-Za-z0-9_-]{1,64}", profile) else "national")
        except Problem as e:
            return error_page(request, ui, e)
        return page(request, "rules.html.j2", ui, doc=doc)

    @app.get("/rules/{rule_id}", include_in_schema=False)
    async def rule_page(request: Request, rule_id: str, lang: Optional[str] = None):
        ui = _lang(lang)
        rule = await submit(core.rule, rule_id[:64])
        if rule is None:
            return error_page(request, ui, Problem(404, "no such rule", [("rule_id", f'no such rule: "{rule_id[:64]}"')]))
        return page(request, "rule.html.j2", ui, rule=rule)

    @app.get("/lists", include_in_schema=False)
    async def lists_page(request: Request, lang: Optional[str] = None, q: Optional[str] = None):
        ui = _lang(lang)
        q = (q or "").strip()[:100]
        doc = await submit(core.lists, config.registry)
        found = []
        if q:
            for ed in doc["editions"]:
                kind, edition = ed["edition_id"].split("/", 1)
                hit = await submit(core.list_edition, kind, edition, config.registry, q)
                found.append(hit)
        catalog_hits = {ed: await submit(core.catalog_search, ed, q, config.registry) for ed in doc["catalogs"]} if q else {}
        return page(request, "lists.html.j2", ui, doc=doc, q=q, found=found, catalog_hits=catalog_hits)

    @app.get("/lookup", include_in_schema=False)
    async def lookup_page(request: Request, lang: Optional[str] = None, certificate: Optional[str] = None,
                          credit_code: Optional[str] = None):
        ui = _lang(lang)
        certificate = (certificate or "").strip()[:100]
        credit_code = (credit_code or "").strip().upper()[:18]
        certs = await submit(core.certificates, certificate, config.registry) if certificate else None
        supplier, bad_code = None, False
        if credit_code:
            if core.CREDIT_CODE.fullmatch(credit_code):
                supplier = await submit(core.supplier, credit_code, config.registry)
                for r in supplier["integrity_records"]:
                    r.pop("recorded_by", None)    # the auditor's user name: not shown on a page
            else:
                bad_code = True
        empty = not (await submit(core.health, config.registry))["registry"]["exists"]
        return page(request, "lookup.html.j2", ui, certificate=certificate, credit_code=credit_code, certs=certs,
                    supplier=supplier, bad_code=bad_code, empty=empty)

    @app.get("/stats", include_in_schema=False)
    async def stats_root(request: Request):
        return Response(status_code=303, headers={"location": "/stats/index.html"})

    @app.get("/stats/{path:path}", include_in_schema=False)
    async def stats_file(request: Request, path: str):
        site = await submit(core.stats_site, config.registry)
        data = site.get(path or "index.html")
        if data is None:
            return error_page(request, "zh", Problem(404, "not found", [("", f"/stats/{path[:100]}")]))
        media = {"html": "text/html; charset=utf-8", "csv": "text/csv; charset=utf-8", "json": "application/json"}
        return Response(data, media_type=media[path.rsplit(".", 1)[-1]])

    @app.get("/login", include_in_schema=False)
    async def login_page(request: Request, lang: Optional[str] = None):
        return page(request, "login.html.j2", _lang(lang), wrong=False)

    @app.post("/login", include_in_schema=False)
    async def login(request: Request, lang: Optional[str] = None):
        body = await bodies.read_capped(request, 4096)
        from urllib.parse import parse_qs
        given = (parse_qs(body.decode("utf-8", "replace")).get("token") or [""])[0]
        if not config.token or not hmac.compare_digest(given.encode(), config.token.encode()):
            return page(request, "login.html.j2", _lang(lang), status=403, wrong=True)
        response = Response(status_code=303, headers={"location": "/"})
        response.set_cookie("lvcai_token", given, httponly=True, samesite="strict")
        return response
