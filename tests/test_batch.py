"""lvcai batch: a budget round with broken plans mixed in, incremental and resumable."""
import copy
import json
import signal
import subprocess
import sys
import time

from click.testing import CliRunner

from checker.cli import main
from conftest import EXAMPLES, ROOT


def make_round(directory, base_plan, n=12):
    """The bundled examples, n generated plans over several agencies, a JSON Lines file, and broken files."""
    directory.mkdir(parents=True, exist_ok=True)
    for p in EXAMPLES.glob("*.json"):
        (directory / p.name).write_bytes(p.read_bytes())
    sub = directory / "district"
    sub.mkdir()
    for i in range(n):
        doc = copy.deepcopy(base_plan)
        doc["plan_id"] = f"GEN-{i:03d}"
        doc["agency"]["name"] = f"示例单位{i % 3}"
        item = doc["projects"][0]["items"][0]
        doc["projects"][0]["items"] = [dict(item, line_id=str(k), amount=1000.0 * (i + 1) + k) for k in range(5)]
        if i % 4 == 0:
            doc["projects"][0]["items"][0]["green_requirements"] = {"energy_saving": "preferred"}
        (sub / f"plan-{i:03d}.json").write_text(json.dumps(doc, ensure_ascii=False), encoding="utf-8")
    (sub / "truncated.json").write_text('{"plan_id": "T", "date": ', encoding="utf-8")
    lines = [json.dumps(dict(base_plan, plan_id="L1"), ensure_ascii=False), '{"plan_id": 7}', "",
             json.dumps(dict(base_plan, plan_id="L4"), ensure_ascii=False)]
    (directory / "round.jsonl").write_text("\n".join(lines) + "\n", encoding="utf-8")
    return directory


def batch(*args):
    return CliRunner().invoke(main, ["batch", *map(str, args)], catch_exceptions=False)


def summary(out):
    return json.loads((out / "summary.json").read_text(encoding="utf-8"))["summary"]


def test_round_produces_plan_files_and_summary(tmp_path, base_plan):
    src = make_round(tmp_path / "in", base_plan)
    out = tmp_path / "out"
    r = batch(src, "--output-dir", out, "--jobs", "2")
    assert r.exit_code == 1, r.output          # two broken plans make it 1
    s = summary(out)
    # 5 bundled examples: examples/green-evaluation.json (one warning: compliant) and the Shenzhen
    # circular award (compliant under national) joined the first three
    assert s["plans"] == 5 + 12 + 1 + 3
    assert s["verdicts"] == {"compliant": 3 + 9 + 2, "not_compliant": 2 + 3, "not_checkable": 2}
    assert [x["source"].rsplit("/", 1)[-1] for x in s["not_checkable"]] == ["truncated.json", "round.jsonl:2"]
    assert s["not_checkable"][0]["reason"].startswith("CHK-000 /: is not valid JSON")
    assert s["not_checkable"][1]["reason"].startswith("CHK-001 /: ")
    assert s["by_rule"]["GPP-ENE-001"] == 3 + 1 + 1 + 1 and s["by_rule"]["GPP-AWD-001"] == 1
    assert set(s["by_agency"]) >= {"示例单位0", "示例单位1", "示例单位2", "广州市天河区示范中学"}
    assert [x["plan_id"] for x in s["largest_not_compliant"]][:2] == ["GZTH-2026-0107", "SZFT-2025-0212"]
    assert len(list((out / "plans").iterdir())) == s["plans"]
    one = json.loads(next((out / "plans").glob("school-plan-with-violations-*.json")).read_text(encoding="utf-8"))
    assert one["results"][0]["verdict"] == "not_compliant" and one["provenance"]["cache_key"]
    assert "批量检查汇总" in (out / "summary.html").read_text(encoding="utf-8")
    from openpyxl import load_workbook
    names = load_workbook(out / "summary.xlsx").sheetnames
    assert names[:2] == ["摘要", "全部计划"] and "按品目" in names and names[-1] == "无法检查"


def test_the_summary_for_a_finance_bureau_adds_up_the_plan_files(tmp_path, base_plan):
    """Every plan in one list, amounts by product category and the amount at risk: each the sum of
    what the per-plan findings files say (computed here from those files)."""
    src = make_round(tmp_path / "in", base_plan)
    out = tmp_path / "out"
    batch(src, "--output-dir", out, "--jobs", "2", "--title", "2026 年度检查", "--generated-at", "2026-05-01T09:00:00+08:00")
    doc = json.loads((out / "summary.json").read_text(encoding="utf-8"))
    s = doc["summary"]
    results = [json.loads(p.read_text(encoding="utf-8"))["results"][0] for p in (out / "plans").glob("*.json")]
    checked = [r for r in results if r["status"] == "checked"]
    assert sorted(p["plan_id"] for p in s["plans_list"]) == sorted(r["plan_id"] for r in checked)
    assert s["at_risk_amount"] == round(sum(r["at_risk_amount"] for r in checked), 2) and s["at_risk_amount"] > 0
    codes = {code for r in checked for code in r["categories"]}
    assert set(s["by_category"]) == codes
    for code in codes:
        want = sum(r["categories"][code]["amount"] for r in checked if code in r["categories"])
        assert s["by_category"][code]["amount"] == round(want, 2)
    assert doc["provenance"]["round"] == {"title": "2026 年度检查", "date": "2026-05-01", "date_source": "generated_at"}
    html = (out / "summary.html").read_text(encoding="utf-8")
    assert "2026 年度检查" in html and "2026-05-01" in html


def test_summary_json_leaves_out_a_date_that_is_only_today(tmp_path, base_plan, monkeypatch):
    monkeypatch.delenv("SOURCE_DATE_EPOCH", raising=False)
    out = tmp_path / "out"
    batch(EXAMPLES / "award-stage-audit.json", "--output-dir", out, "--jobs", "1")
    assert "date" not in json.loads((out / "summary.json").read_text(encoding="utf-8"))["provenance"]["round"]


def test_plan_files_match_lvcai_check(tmp_path):
    out = tmp_path / "out"
    plan = EXAMPLES / "award-stage-audit.json"
    batch(plan, "--output-dir", out, "--jobs", "1")
    got = json.loads(next((out / "plans").iterdir()).read_text(encoding="utf-8"))
    want = json.loads(CliRunner().invoke(main, ["check", str(plan), "--format", "json"]).stdout)
    assert got["results"] == want["results"]


def test_jobs_1_and_2_give_identical_results(tmp_path, base_plan):
    src = make_round(tmp_path / "in", base_plan)
    batch(src, "--output-dir", tmp_path / "a", "--jobs", "1")
    batch(src, "--output-dir", tmp_path / "b", "--jobs", "2")
    a = {p.name: p.read_bytes() for p in (tmp_path / "a" / "plans").iterdir()}
    b = {p.name: p.read_bytes() for p in (tmp_path / "b" / "plans").iterdir()}
    assert a == b
    for name in ("summary.json", "summary.html", "summary.xlsx"):
        assert (tmp_path / "a" / name).read_bytes() == (tmp_path / "b" / name).read_bytes(), name


def test_rerun_is_incremental_and_force_checks_all(tmp_path, base_plan):
    src = make_round(tmp_path / "in", base_plan)
    out = tmp_path / "out"
    batch(src, "--output-dir", out, "--jobs", "2")
    first = summary(out)
    assert first["reused"] == 0
    again = batch(src, "--output-dir", out, "--jobs", "2")
    assert summary(out)["reused"] == first["plans"]
    assert {k: v for k, v in summary(out).items() if k != "reused"} == {k: v for k, v in first.items() if k != "reused"}
    assert f"（{first['plans']} 份未变，沿用上次结果）" in again.stderr   # the default language is Chinese
    changed = src / "district" / "plan-001.json"
    doc = json.loads(changed.read_text(encoding="utf-8"))
    doc["projects"][0]["evaluation"]["price_weight"] = 20
    changed.write_text(json.dumps(doc, ensure_ascii=False), encoding="utf-8")
    batch(src, "--output-dir", out, "--jobs", "1")
    s = summary(out)
    assert s["reused"] == first["plans"] - 1 and s["by_rule"]["GPP-EVL-002"] == first["by_rule"].get("GPP-EVL-002", 0) + 1
    batch(src, "--output-dir", out, "--force")
    assert summary(out)["reused"] == 0


def test_resume_after_a_kill(tmp_path, base_plan):
    src = tmp_path / "in"
    src.mkdir()
    item = base_plan["projects"][0]["items"][0]
    for i in range(300):
        doc = copy.deepcopy(base_plan)
        doc["plan_id"] = f"K-{i}"
        doc["projects"][0]["items"] = [dict(item, line_id=str(k)) for k in range(40)]
        (src / f"p{i:03d}.json").write_text(json.dumps(doc, ensure_ascii=False), encoding="utf-8")
    out = tmp_path / "out"
    proc = subprocess.Popen([sys.executable, "-m", "checker", "batch", str(src), "--output-dir", str(out), "--jobs", "1"],
                            cwd=ROOT, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    deadline = time.time() + 60
    while time.time() < deadline and len(list((out / "plans").glob("p*.json"))) < 30:
        time.sleep(0.05)
    proc.send_signal(signal.SIGKILL)
    proc.wait()
    done = list((out / "plans").glob("p*.json"))
    assert 30 <= len(done) < 300, "the run should have been killed part-way"
    for p in done:                                   # every file that exists is whole
        json.loads(p.read_text(encoding="utf-8"))
    assert not (out / "summary.json").exists()
    (out / "plans" / ".lvcai-tmp-stale").write_bytes(b"{half")   # as a kill between write and rename leaves
    batch(src, "--output-dir", out, "--jobs", "2")
    s = summary(out)
    assert s["plans"] == 300 and s["reused"] >= len(done)
    assert sorted(p.name for p in (out / "plans").iterdir() if p.name.startswith(".")) == []


def test_exit_codes_and_usage_errors(tmp_path):
    out = tmp_path / "out"
    assert batch(EXAMPLES / "office-equipment-compliant.json", "--output-dir", out).exit_code == 0
    assert batch(EXAMPLES / "office-equipment-compliant.json", "--output-dir", out, "--fail-on", "info").exit_code == 1
    assert batch(str(EXAMPLES / "*.json"), "--output-dir", out).exit_code == 1      # a glob; violations
    r = batch(tmp_path / "nowhere", "--output-dir", out, "--lang", "en")
    assert r.exit_code == 2 and "no such file or directory" in r.stderr
    r = batch(EXAMPLES, "--output-dir", out, "--format", "json,pdf", "--lang", "en")
    assert r.exit_code == 2 and "--format json,pdf: expected a comma-separated list of json, html, xlsx" in r.stderr
    r = batch(str(tmp_path / "*.nothing"), "--output-dir", out, "--lang", "en")
    assert r.exit_code == 2 and "no file matches" in r.stderr


def test_progress_is_quiet_when_not_a_terminal(tmp_path):
    r = batch(EXAMPLES, "--output-dir", tmp_path / "out", "--jobs", "1")
    assert r.stderr.count("\n") == 1 and "plans/s" not in r.stderr


def test_progress_bar_on_a_terminal():
    import io
    from checker.batch import _Progress
    out = io.StringIO()
    bar = _Progress(40, True, out)
    bar.update(10, final=False)
    bar.update(40, final=True)
    lines = out.getvalue().split("\r")
    assert lines[1].startswith("[#######.......................] 10/40 plans · ") and "plans/s · ETA" in lines[1]
    assert lines[-1].startswith("[##############################] 40/40 plans") and lines[-1].endswith("\n")
    quiet = io.StringIO()
    _Progress(40, False, quiet).update(40, final=True)
    assert quiet.getvalue() == ""


def test_spreadsheet_plans_in_a_directory_are_checked_like_their_json(tmp_path):
    src = tmp_path / "in"
    src.mkdir()
    for p in EXAMPLES.glob("*.xlsx"):
        (src / p.name).write_bytes(p.read_bytes())
    (src / "SCHOOL.XLSX").write_bytes((EXAMPLES / "school-plan-with-violations.xlsx").read_bytes())   # any case
    out = tmp_path / "out"
    batch(src, "--output-dir", out, "--jobs", "2")
    s = summary(out)
    assert s["plans"] == len(list(EXAMPLES.glob("*.xlsx"))) + 1 and s["verdicts"]["not_checkable"] == 0
    for p in EXAMPLES.glob("*.xlsx"):
        got = json.loads(next((out / "plans").glob(p.stem + "-*.json")).read_text(encoding="utf-8"))["results"][0]
        want = json.loads(CliRunner().invoke(main, ["check", str(p.with_suffix(".json")), "--format", "json"]).stdout)["results"][0]
        assert [(f["rule_id"], f["line_id"]) for f in got["findings"]] == [(f["rule_id"], f["line_id"]) for f in want["findings"]]


def test_the_summary_does_not_depend_on_the_order_plans_arrive_in(tmp_path, base_plan):
    """Workers finish in any order: folding the same records in two orders gives the same summary,
    also where plans name one off-list code differently (the category's name)."""
    from checker import batch as _batch
    src = tmp_path / "in"
    src.mkdir()
    for i, name in enumerate(["超算甲", "超算乙", "超算丙"]):
        doc = copy.deepcopy(base_plan)
        doc["plan_id"] = f"ORD-{i}"
        item = doc["projects"][0]["items"][0]
        doc["projects"][0]["items"] = [dict(item, category_code="A02010101", name=name, green_requirements={})]   # off the lists
        (src / f"p{i}.json").write_text(json.dumps(doc, ensure_ascii=False), encoding="utf-8")
    out = tmp_path / "out"
    batch(src, "--output-dir", out, "--jobs", "1")
    records = [_batch._record(json.loads(p.read_text(encoding="utf-8")), p.name, False) for p in sorted((out / "plans").iterdir())]
    docs = []
    for order in (records, list(reversed(records)), records[1:] + records[:1]):
        s = _batch.Summary()
        for rec in order:
            s.add(rec)
        docs.append(json.dumps(s.document(), ensure_ascii=False, sort_keys=True))
    assert docs[0] == docs[1] == docs[2]
    assert json.loads(docs[0])["by_category"]["A02010101"]["items"] == 3


def test_a_reused_findings_file_without_an_amount_key_still_folds_into_the_summary(tmp_path, base_plan):
    """A findings file of an older version (reused when its plan did not change) may lack an amount
    of its categories: the record counts it as 0.0 and the other amounts are summed as before."""
    from checker import batch as _batch
    src = tmp_path / "in"
    src.mkdir()
    (src / "p.json").write_text(json.dumps(base_plan, ensure_ascii=False), encoding="utf-8")
    out = tmp_path / "out"
    batch(src, "--output-dir", out, "--jobs", "1")
    (written,) = (out / "plans").iterdir()
    doc = json.loads(written.read_text(encoding="utf-8"))
    code, cat = next(iter(doc["results"][0]["categories"].items()))
    old = copy.deepcopy(doc)
    del old["results"][0]["categories"][code]["at_risk_amount"]
    want = _batch.Summary()
    want.add(_batch._record(doc, "p.json", True))
    got = _batch.Summary()
    got.add(_batch._record(old, "p.json", True))
    mine, theirs = got.document()["by_category"][code], want.document()["by_category"][code]
    assert mine["at_risk_amount"] == 0.0 and mine["amount"] == theirs["amount"] == cat["amount"] > 0
    assert {k: v for k, v in mine.items() if k != "at_risk_amount"} == {k: v for k, v in theirs.items() if k != "at_risk_amount"}


def test_the_summary_gives_the_reasons_a_plan_could_not_be_checked_in_the_users_language(tmp_path, base_plan):
    src = tmp_path / "in"
    src.mkdir()
    bad = dict(base_plan, date="0000-01-01")
    del bad["agency"]
    (src / "bad.json").write_text(json.dumps(bad, ensure_ascii=False), encoding="utf-8")
    for lang, want, unwanted in (("zh", "缺少必填项 agency", "is a required property"),
                                 ("en", "the required field agency is missing", "缺少")):
        out = tmp_path / f"out-{lang}"
        batch(src, "--output-dir", out, "--jobs", "1", "--lang", lang)
        html = (out / "summary.html").read_text(encoding="utf-8")
        assert want in html and unwanted not in html and "does not match" not in html
        s = summary(out)
        assert "is a required property" in s["not_checkable"][0]["reason"]      # summary.json keeps the contract's text
        assert s["not_checkable"][0]["errors"][0]["rule_id"] == "CHK-001"
