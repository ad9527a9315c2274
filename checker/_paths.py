"""Where the data directories (rules/, schemas/, reports/) are.

They live beside the package in the repository (an editable install uses them there); a regular
install copies them to ``<prefix>/share/lvcai`` (setup.cfg ``data_files``). ``LVCAI_HOME`` overrides
both: a directory holding rules/, schemas/ and reports/.
"""
import os
import sys
from pathlib import Path

_PKG = Path(__file__).resolve().parent


def home() -> Path:
    env = os.environ.get("LVCAI_HOME")
    if env:
        return Path(env)
    for cand in (_PKG.parent, Path(sys.prefix) / "share" / "lvcai"):
        if (cand / "rules").is_dir() and (cand / "schemas").is_dir():
            return cand
    raise RuntimeError(f"lvcai data directories not found beside {_PKG}")


def rules_dir() -> Path:
    return home() / "rules"


def schemas_dir() -> Path:
    return home() / "schemas"


def reports_dir() -> Path:
    return home() / "reports"
