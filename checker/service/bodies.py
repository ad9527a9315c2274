"""Request bodies read into memory, capped, and never written to disk.

Starlette's own form parser spools uploaded files over 1 MB to temporary files; a plan must not be
stored unless the operator asked for it (``--keep``), so uploads are parsed here, in memory, with
python-multipart's streaming parser, after the whole body has been read under the size cap.
"""
from __future__ import annotations

from python_multipart.multipart import MultipartParser, parse_options_header

from .._io import shown
from .core import Problem

#: The media types a plan may be sent as, besides multipart/form-data.
JSON_TYPES = {"application/json", "text/json", "application/octet-stream"}
XLSX_TYPES = {"application/vnd.openxmlformats-officedocument.spreadsheetml.sheet", "application/vnd.ms-excel.sheet.macroenabled.12"}
CSV_TYPES = {"text/csv", "text/tab-separated-values"}


def too_large(limit: int) -> Problem:
    return Problem(413, "the request is too large",
                   [("", f"the upload is larger than the limit of {limit} bytes ({limit / 1e6:g} MB; lvcai serve --max-upload)")])


async def read_capped(request, limit: int) -> bytes:
    """The body, or 413 as soon as it (or its declared length) passes ``limit`` bytes."""
    declared = request.headers.get("content-length")
    if declared is not None:
        try:
            if int(declared) > limit:
                raise too_large(limit)
        except ValueError:
            raise Problem(400, "bad Content-Length", [("", f"Content-Length {declared!r} is not a number")]) from None
    chunks, size = [], 0
    async for chunk in request.stream():
        size += len(chunk)
        if size > limit:
            raise too_large(limit)
        chunks.append(chunk)
    return b"".join(chunks)


def media_type(request) -> tuple[str, dict]:
    raw = request.headers.get("content-type", "")
    mt, params = parse_options_header(raw)
    return mt.decode("latin-1").lower(), {k.decode("latin-1").lower(): v for k, v in params.items()}


class Part:
    __slots__ = ("name", "filename", "content_type", "data")

    def __init__(self):
        self.name = self.filename = self.content_type = None
        self.data = bytearray()


def parse_multipart(body: bytes, boundary: bytes) -> dict:
    """{field name: Part} of a multipart/form-data body (the first part of each name)."""
    parts, headers = [], {}
    state = {"field": b"", "value": b""}

    def on_part_begin():
        parts.append(Part())
        headers.clear()

    def on_header_field(data, start, end):
        state["field"] += data[start:end]

    def on_header_value(data, start, end):
        state["value"] += data[start:end]

    def on_header_end():
        headers[state["field"].decode("latin-1").lower()] = state["value"]
        state["field"], state["value"] = b"", b""

    def on_headers_finished():
        part = parts[-1]
        _disp, opts = parse_options_header(headers.get("content-disposition", b""))
        name = opts.get(b"name")
        filename = opts.get(b"filename")
        part.name = name.decode("utf-8", "replace") if name is not None else None
        part.filename = shown(filename.decode("utf-8", "surrogateescape")) if filename is not None else None
        part.content_type = parse_options_header(headers.get("content-type", b""))[0].decode("latin-1").lower() or None

    def on_part_data(data, start, end):
        parts[-1].data += data[start:end]

    parser = MultipartParser(boundary, {"on_part_begin": on_part_begin, "on_header_field": on_header_field,
                                        "on_header_value": on_header_value, "on_header_end": on_header_end,
                                        "on_headers_finished": on_headers_finished, "on_part_data": on_part_data})
    try:
        parser.write(body)
        parser.finalize()
    except Exception as e:   # python-multipart raises its own errors for malformed bodies
        raise Problem(400, "the form data could not be read", [("", f"malformed multipart/form-data: {e}")]) from None
    out = {}
    for p in parts:
        if p.name is not None and p.name not in out:
            out[p.name] = p
    return out
