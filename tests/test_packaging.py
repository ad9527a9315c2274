"""A regular (non-editable) install must carry every data file the checker reads."""
import configparser

from conftest import ROOT


def test_data_files_cover_every_data_directory():
    cfg = configparser.ConfigParser()
    cfg.read(ROOT / "setup.cfg", encoding="utf-8")
    listed = {v.strip().rsplit("/", 1)[0] for v in cfg["options.data_files"].values()}
    needed = {str(p.parent.relative_to(ROOT)) for top in ("rules", "schemas", "reports")
              for p in (ROOT / top).rglob("*") if p.is_file() and p.suffix != ".py"}   # rules/maintenance/*.py: for maintainers, not shipped
    assert needed <= listed, f"add to setup.cfg [options.data_files]: {sorted(needed - listed)}"
