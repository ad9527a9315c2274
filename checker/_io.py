"""Writing files so that a reader, or a killed run, never sees half of one."""
from __future__ import annotations

import os
import re
import stat
import tempfile
from pathlib import Path

TMP_PREFIX = ".lvcai-tmp-"
#: Every temporary file ends with this, and no input or output does: only these are ever cleaned up,
#: and input discovery (``*.json``, ``*.jsonl``) can never pick one up.
TMP_SUFFIX = ".lvcai-partial"


def is_temporary(name: str) -> bool:
    """A temporary file left by a killed run: ours (``…TMP_SUFFIX``), or one of earlier versions
    (``.lvcai-tmp-`` and mkstemp's random letters, no dot: never the name of an output)."""
    return name.endswith(TMP_SUFFIX) or (name.startswith(TMP_PREFIX) and "." not in name[len(TMP_PREFIX):])


def shown(name: str) -> str:
    """A file name as outputs show it: bytes that are not UTF-8 (kept by the OS decoding as lone
    surrogates) become U+FFFD, so JSON, text and spreadsheets can always encode the name."""
    return name.encode("utf-8", "surrogateescape").decode("utf-8", "replace")


def write_atomic(target: Path, data) -> None:
    """Write to a temporary file beside ``target``, give it the umask's mode (mkstemp makes 0600;
    outputs are for others to read), then rename it over ``target``. ``data``: bytes, or an
    iterable of bytes written as they come (a failure part way leaves no file).

    A ``target`` that is there and is no regular file (/dev/null, a named pipe, a terminal) is
    written to as it is: a rename would put a file in its place (as root, ``-o /dev/null`` replaced
    the system's /dev/null)."""
    try:
        kind = os.stat(target).st_mode
    except OSError:
        kind = None
    if kind is not None and not stat.S_ISREG(kind) and not stat.S_ISDIR(kind):
        with open(target, "wb") as fh:
            _write_all(fh, data)
        return
    fd, tmp = tempfile.mkstemp(prefix=TMP_PREFIX, suffix=TMP_SUFFIX, dir=target.parent)
    try:
        with os.fdopen(fd, "wb") as fh:
            _write_all(fh, data)
        umask = os.umask(0)
        os.umask(umask)
        os.chmod(tmp, 0o666 & ~umask)
        os.replace(tmp, target)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise


def _write_all(fh, data) -> None:
    if isinstance(data, (bytes, bytearray, memoryview)):
        fh.write(data)
    else:
        for part in data:
            fh.write(part)


#: The one time written into a workbook: the same content gives the same bytes on any day.
WORKBOOK_TIME = (2000, 1, 1, 0, 0, 0)
_MODIFIED = re.compile(rb"(<dcterms:modified[^>]*>)[^<]*(</dcterms:modified>)")


def workbook_bytes(wb) -> bytes:
    """An openpyxl workbook's bytes, the same for the same content: the document properties carry a
    fixed creation and modification time (openpyxl's save stamps the clock into docProps/core.xml
    whatever the workbook says, so the stamp is set again), every zip entry the same fixed time."""
    import datetime
    import io
    import zipfile
    fixed = datetime.datetime(*WORKBOOK_TIME)
    wb.properties.created = wb.properties.modified = fixed
    wb.properties.creator = "lvcai"
    raw = io.BytesIO()
    wb.save(raw)
    stamp = fixed.strftime("%Y-%m-%dT%H:%M:%SZ").encode()
    out = io.BytesIO()
    with zipfile.ZipFile(io.BytesIO(raw.getvalue())) as src, zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as dst:
        for info in src.infolist():
            entry = zipfile.ZipInfo(info.filename, date_time=WORKBOOK_TIME)
            entry.compress_type = zipfile.ZIP_DEFLATED
            entry.external_attr = info.external_attr
            body = src.read(info.filename)
            if info.filename == "docProps/core.xml":
                body = _MODIFIED.sub(rb"\g<1>" + stamp + rb"\g<2>", body)
            dst.writestr(entry, body)
    return out.getvalue()
