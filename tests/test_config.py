"""--config FILE / $LVCAI_CONFIG: the sign-off block's defaults from a small JSON file
(schemas/config.schema.json); options win; a malformed file is named with its place, in the
user's language."""
import json

from click.testing import CliRunner

from checker.cli import main
from conftest import EXAMPLES

PLAN = str(EXAMPLES / "office-equipment-compliant.json")


def lvcai(*args, env=None):
    return CliRunner().invoke(main, [str(a) for a in args], env=env)


def write(path, doc):
    path.write_text(json.dumps(doc, ensure_ascii=False), encoding="utf-8")
    return path


def test_the_file_fills_what_the_options_leave_out(tmp_path):
    cfg = write(tmp_path / "lvcai.json", {"report_no": "TH-2026-017", "organisation": "天河区财政局", "prepared_by": "张敏"})
    r = lvcai("check", PLAN, "--format", "json", "--config", cfg, "--prepared-by", "王五")
    filing = json.loads(r.stdout)["provenance"]["filing"]
    assert (filing["report_no"], filing["organisation"], filing["prepared_by"]) == ("TH-2026-017", "天河区财政局", "王五")
    assert "reviewed_by" not in filing
    r = lvcai("report", PLAN, "--format", "md", "-o", tmp_path / "r.md", env={"LVCAI_CONFIG": str(cfg)})
    assert r.exit_code == 0, r.output
    text = (tmp_path / "r.md").read_text(encoding="utf-8")
    assert "TH-2026-017" in text and "张敏" in text


def test_a_bad_file_is_named_with_its_place(tmp_path):
    cfg = write(tmp_path / "lvcai.json", {"organisation": "天河区财政局", "reviewer": "李华"})
    r = lvcai("check", PLAN, "--config", cfg)
    assert r.exit_code == 2 and r.stderr == f"lvcai：错误：{cfg}: /: 有不认识的项：'reviewer'\n"
    r = lvcai("check", PLAN, "--config", cfg, "--lang", "en")
    assert r.exit_code == 2 and r.stderr.startswith(f"lvcai: error: {cfg}: /: Additional properties are not allowed")
    write(cfg, {"report_no": 17})
    r = lvcai("report", PLAN, "--format", "md", "-o", tmp_path / "r.md", "--config", cfg)
    assert r.exit_code == 2 and f"{cfg}: /report_no: " in r.stderr and not (tmp_path / "r.md").exists()
    r = lvcai("check", PLAN, "--config", tmp_path / "absent.json")
    assert r.exit_code == 2 and r.stderr == f"lvcai：错误：{tmp_path / 'absent.json'}: /: 无法读取：文件或目录不存在\n"
