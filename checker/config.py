"""The configuration file (``--config FILE`` or ``$LVCAI_CONFIG``): defaults for the sign-off block
of the reports (schemas/config.schema.json). An option given on the command line, or by its own
environment variable, wins over the file."""
from __future__ import annotations


from ._jsonutil import load_user_file

FILING = ("report_no", "organisation", "prepared_by", "reviewed_by")


def load(path) -> dict:
    """The settings of a configuration file; a malformed one raises DataError naming file and place."""
    return load_user_file(path, "config")


def filing(given: dict, path) -> dict:
    """The sign-off fields: those ``given`` (options), else the configuration file's."""
    settings = load(path) if path else {}
    return {k: given.get(k) or settings.get(k) for k in FILING}
