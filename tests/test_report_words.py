"""The human formats speak the reader's language, not the JSON's.

Under ``--lang zh`` the text output and the HTML, Markdown and Excel reports hold no JSON pointer, no
field name of the plan schema and no ASCII-only English word outside codes (rule ids, list-row ids,
category codes, certificate numbers, hashes), names (from the plan) and numbers. Under ``--lang en``
they hold no Chinese outside what the plan and the category lists name and the numbers of the
documents cited (财库〔2019〕9号, which an auditor needs to find the document). The pointers, the
tested values and the field names stay in the JSON output and behind ``--explain``.
"""
import html as _html
import io
import json
import re

import pytest
from click.testing import CliRunner

from checker.cli import main
from conftest import ROOT

PLANS = ["examples/office-equipment-compliant.json", "examples/school-plan-with-violations.json",
         "examples/award-stage-audit.json"]
STAMP = "2026-03-20T10:00:00+08:00"
FILING = ["--report-no", "TH-2026-017", "--organisation", "天河区财政局", "--prepared-by", "张敏", "--reviewed-by", "李华"]


@pytest.fixture(autouse=True)
def in_repo(monkeypatch):
    monkeypatch.chdir(ROOT)
    monkeypatch.setenv("SOURCE_DATE_EPOCH", "1774000000")


def _strings(value):
    if isinstance(value, str):
        yield value
    elif isinstance(value, dict):
        for v in value.values():
            yield from _strings(v)
    elif isinstance(value, list):
        for v in value:
            yield from _strings(v)


def plan_strings():
    """Every string of the plans (names, ids, suppliers, certificate numbers): what the report quotes."""
    out = set()
    for p in PLANS:
        out.update(_strings(json.loads((ROOT / p).read_text(encoding="utf-8"))))
    return out | set(FILING[1::2])


def list_names():
    out = set()
    for f in (ROOT / "rules" / "lists").glob("*_2019.json"):
        out.update(r["name"] for r in json.loads(f.read_text(encoding="utf-8"))["rows"])
    return out


def source_strings():
    """The cited documents as rules/sources.json lists them (title, detail, URLs, [key]): quoted as the
    documents name themselves, like the category lists' names and the document numbers."""
    out = set()
    for key, e in json.loads((ROOT / "rules" / "sources.json").read_text(encoding="utf-8"))["sources"].items():
        out.update([e["title"], e.get("detail", ""), f"[{key}]", *e["urls"]])
    from checker.templates import md_escape
    return out | {md_escape(s) for s in out}          # as the Markdown report writes them


def schema_fields():
    names = set()

    def walk(x):
        if isinstance(x, dict):
            for k, v in x.items():
                if k == "properties" and isinstance(v, dict):
                    names.update(v)
                walk(v)
        elif isinstance(x, list):
            for v in x:
                walk(v)
    walk(json.loads((ROOT / "schemas" / "plan.schema.json").read_text(encoding="utf-8")))
    return names


def without(text, strings):
    for s in sorted(strings, key=len, reverse=True):
        if s:
            text = text.replace(s, " ")
    return text


def html_text(doc):
    """What a reader sees or hears: the text, and the labels shown on a phone (data-label) and read
    by screen readers (aria-label), without the style sheet."""
    doc = re.sub(r"<style>.*?</style>", " ", doc, flags=re.S)
    labels = " ".join(re.findall(r'(?:data-label|aria-label)="([^"]*)"', doc))
    return _html.unescape(re.sub(r"<[^>]+>", " ", doc) + " " + labels)


def outputs(tmp_path, lang):
    """The text output and the HTML, Markdown and Excel reports of the bundled examples."""
    got = {"text": CliRunner().invoke(main, ["check", *PLANS, "--lang", lang]).stdout}
    for fmt in ("html", "md", "xlsx"):
        out = tmp_path / f"r.{lang}.{fmt}"
        r = CliRunner().invoke(main, ["report", *PLANS, "--format", fmt, "-o", str(out), "--lang", lang,
                                      "--generated-at", STAMP, *FILING])
        assert r.exit_code == 1, r.output
        if fmt == "xlsx":
            from openpyxl import load_workbook
            wb = load_workbook(io.BytesIO(out.read_bytes()))
            got[fmt] = "\n".join(str(c.value) for ws in wb for row in ws.iter_rows() for c in row
                                 if isinstance(c.value, str)) + "\n" + "\n".join(wb.sheetnames)
        else:
            got[fmt] = out.read_text(encoding="utf-8")
    got["html"] = html_text(got["html"])
    return got


# Codes and identifiers that are neither words nor names: rule and list-row ids, category codes,
# hashes, edition ids, file names, certificate numbers and credit codes (from the plans), ISO
# dates and times, the tool's name and the rule packs' ids (national, vehicles, data_centres, …).
PACK_IDS = sorted(json.loads(p.read_text(encoding="utf-8"))["id"] for p in (ROOT / "rules").glob("*/pack.json"))
CODES = re.compile(r"GPP-[A-Z]{3}-\d{3}|CHK-\d{3}|WVR-\d{3}|E[SL]2019-\d{3}|\bA\d{2,10}\b|\b[0-9a-f]{64}\b|"
                   r"\b(?:energy_saving|environmental_label)/\d{4}\b|examples/[\w.-]+\.json|"
                   r"\d{4}-\d{2}-\d{2}(?:T[\d:+]+)?|\blvcai\b|\bsha-?256\b|SHA-256|"
                   r"\b(?:" + "|".join(PACK_IDS) + r")\b")
POINTER = re.compile(r"/projects/\d|/items/\d|/plan_id|/agency|/catalog_edition|[A-Z]{3}-\d{3} /")


@pytest.fixture(scope="module")
def zh(tmp_path_factory):
    return outputs(tmp_path_factory.mktemp("zh"), "zh")


@pytest.fixture(scope="module")
def en(tmp_path_factory):
    return outputs(tmp_path_factory.mktemp("en"), "en")


@pytest.mark.parametrize("fmt", ["text", "html", "md", "xlsx"])
def test_zh_reports_have_no_pointer_no_field_name_and_no_english(zh, fmt):
    text = zh[fmt]
    assert not POINTER.search(text), POINTER.search(text)
    words = set(re.findall(r"[A-Za-z_][A-Za-z0-9_]*", text))
    assert not words & {f for f in schema_fields() if "_" in f}
    rest = without(CODES.sub(" ", without(text, source_strings())), plan_strings())
    english = sorted(set(re.findall(r"[A-Za-z]{2,}", rest)))
    assert english == [], english


@pytest.mark.parametrize("fmt", ["text", "html", "md", "xlsx"])
def test_en_reports_have_no_pointer_no_field_name_and_no_chinese(en, fmt):
    from checker import i18n
    text = en[fmt]
    assert not POINTER.search(text), POINTER.search(text)
    words = set(re.findall(r"[A-Za-z_][A-Za-z0-9_]*", text))
    assert not words & {f for f in schema_fields() if "_" in f}
    rest = without(text, plan_strings() | list_names() | set(i18n.catalogue()["documents"]) | source_strings())
    chinese = sorted(set(re.findall(r"[\u3000-\u303f\u4e00-\u9fff\uff00-\uffef]+", rest)))
    assert chinese == [], chinese


def test_explain_and_json_keep_the_technical_detail():
    explain = CliRunner().invoke(main, ["check", PLANS[1], "--explain"]).stdout
    assert "位置：/projects/0/items/0；检查值：energy_list=\"mandatory\"" in explain
    assert "预算系统填报提示：将 green_requirements.energy_saving 设为 required" in explain
    doc = json.loads(CliRunner().invoke(main, ["check", PLANS[1], "--format", "json"]).stdout)
    f = next(f for f in doc["results"][0]["findings"] if f["rule_id"] == "GPP-ENE-001")
    assert f["pointer"] == "/projects/0/items/0" and f["values"]["energy_list"] == "mandatory"
    assert f["remediation"].startswith("将 green_requirements.energy_saving 设为 required")
    assert f["remediation_plain"].startswith("在采购文件中把有效的节能产品认证证书列为实质性响应条件")


def test_every_rule_has_a_plain_remediation_without_field_names():
    """Every rule's remediation shown in a report names no field of the plan schema."""
    from checker import i18n
    fields = {f for f in schema_fields() if "_" in f}
    plain = i18n.catalogue()["rules"]
    for path in sorted((ROOT / "rules").glob("*/GPP-*.json")):
        rule = json.loads(path.read_text(encoding="utf-8"))
        for lang in ("zh", "en"):
            text = plain.get(rule["id"], {}).get("remediation", {}).get(lang) or rule["remediation"][lang]
            assert not set(re.findall(r"[A-Za-z_]+", text)) & fields, (rule["id"], lang, text)
            assert "lvcai " not in text, (rule["id"], lang, text)


def test_every_document_cited_has_an_english_title():
    from checker import i18n
    cat = i18n.catalogue()
    for path in sorted((ROOT / "rules").glob("*/GPP-*.json")):
        for b in json.loads(path.read_text(encoding="utf-8"))["legal_basis"]:
            assert b["doc"] in cat["documents"], b["doc"]
            assert b["clause"] in cat["clauses"], b["clause"]
            en = cat["documents"][b["doc"]]["en"] + cat["clauses"][b["clause"]]
            assert not re.search(r"[\u4e00-\u9fff]", en), en
