"""Files a service streams to the client (materials, D6): whole, or the one byte range a video
player or a resumed download asks for (206), with the type the service sniffed, never sniffed
again by the browser, and the uploader's file name offered on download."""

from __future__ import annotations

import re
from collections.abc import Callable, Iterator
from itertools import chain
from urllib.parse import quote

from flask import Response, request

from crmkit.errors import InvalidInput

# One range, from a first byte (to a last one, or the end); a suffix range or several ranges are
# rare for players and answered with the whole file, as RFC 9110 allows.
_RANGE = re.compile(r"^bytes=(\d{1,15})-(\d{0,15})$")


def asked_range(header: str | None) -> tuple[int, int] | None:
    """(offset, length; 0 = to the end) of a `Range: bytes=a-b` header, or None."""
    found = _RANGE.match((header or "").strip())
    if not found:
        return None
    first, last = int(found.group(1)), found.group(2)
    if last == "":
        return first, 0
    if int(last) < first:
        return None
    return first, int(last) - first + 1


def disposition(kind: str, file_name: str) -> str:
    """`inline` or `attachment`, with the name in ASCII for old clients and UTF-8 for the rest."""
    fallback = re.sub(r"[^A-Za-z0-9._-]", "_", file_name) or "file"
    return f"{kind}; filename=\"{fallback}\"; filename*=UTF-8''{quote(file_name or 'file')}"


def streamed_file(read: Callable[[int, int], tuple[object, Iterator]], *, download: bool, cache: str) -> Response:
    """`read(offset, length)` answers (first message, the rest) of a stream whose first message
    carries content_type, size and file_name; every message carries data."""
    span = asked_range(request.headers.get("Range"))
    offset, length = span or (0, 0)
    try:
        first, rest = read(offset, length)
    except InvalidInput as err:
        if span and "offset" in err.fields:
            response = Response(status=416)
            response.headers["Content-Range"] = "bytes */*"
            return response
        raise
    total = first.size
    sent = (total - offset) if length == 0 else min(length, total - offset)
    body = chain([first.data], (m.data for m in rest))
    response = Response(body, status=206 if span else 200, mimetype=first.content_type)
    response.headers["Content-Length"] = str(max(sent, 0))
    response.headers["Accept-Ranges"] = "bytes"
    if span:
        response.headers["Content-Range"] = f"bytes {offset}-{offset + sent - 1}/{total}"
    response.headers["Content-Disposition"] = disposition("attachment" if download else "inline", first.file_name)
    response.headers["X-Content-Type-Options"] = "nosniff"
    response.headers["Cache-Control"] = cache
    return response
