"""The configuration file (``--config FILE`` or ``$LVCAI_CONFIG``): defaults for the sign-off block
of the reports (schemas/config.schema.json). An option given on the command line, or by its own
environment variable, wins over the file."""
from __future__ import annotations

import json
from pathlib import Path

from ._jsonutil import schema_problems
from .errors import DataError, Words

FILING = ("report_no", "organisation", "prepared_by", "reviewed_by")


def load(path) -> dict:
    """The settings of a configuration file; a malformed one raises DataError naming file and place."""
    path = Path(path)
    try:
        doc = json.loads(path.read_text(encoding="utf-8-sig"))
    except OSError as e:
        raise DataError(path, "", Words("read_failed", why=Words.os_error(e))) from None
    except UnicodeDecodeError as e:
        raise DataError(path, "", Words("json_not_text", detail=e)) from None
    except json.JSONDecodeError as e:
        raise DataError(path, "", Words("json_invalid", detail=e, line=e.lineno, col=e.colno)) from None
    problems = schema_problems("config", doc)
    if problems:
        first = problems[0][0]
        here = tuple(Words.schema(m) for p, m in problems if p == first)
        more = len(problems) - len(here)
        raise DataError(path, first, Words("problems", problems=here, more=Words("more_elsewhere", n=more) if more else ""))
    return doc


def filing(given: dict, path) -> dict:
    """The sign-off fields: those ``given`` (options), else the configuration file's."""
    settings = load(path) if path else {}
    return {k: given.get(k) or settings.get(k) for k in FILING}
