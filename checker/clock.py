"""The one way time enters an output: ``--generated-at``, else SOURCE_DATE_EPOCH (as reproducible
builds define it), else today, which outputs meant to keep their bytes (JSON) leave out."""
from __future__ import annotations

import datetime as _dt
import os

from .errors import UsageError


def check_date(stamp: str | None, environ=os.environ) -> tuple:
    """(YYYY-MM-DD, where it came from: generated_at | SOURCE_DATE_EPOCH | today). ``stamp``: an
    ISO date-time already parsed, or None."""
    if stamp is not None:
        return stamp[:10], "generated_at"
    epoch = environ.get("SOURCE_DATE_EPOCH")
    if epoch:
        try:
            return _dt.datetime.fromtimestamp(int(epoch), _dt.timezone.utc).date().isoformat(), "SOURCE_DATE_EPOCH"
        except (ValueError, OverflowError, OSError):
            raise UsageError(f"SOURCE_DATE_EPOCH={epoch!r}: expected a number of seconds since 1970-01-01") from None
    return _dt.date.today().isoformat(), "today"
