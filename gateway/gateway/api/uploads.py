"""File uploads through the gateway: the raised body limit, the 413, and the .xlsx imports'
common parts (the workbook check and the per-row problem report)."""

from __future__ import annotations

from functools import wraps

from apiflask import Schema
from apiflask.fields import Integer, String
from flask import request as http_request
from werkzeug.exceptions import RequestEntityTooLarge

from gateway import i18n
from gateway.errors import ApiError

MAX_UPLOAD_MB = 5
MAX_UPLOAD = MAX_UPLOAD_MB * 1024 * 1024
# Room for the multipart framing around the file itself.
MULTIPART_OVERHEAD = 64 * 1024
# An .xlsx is a zip archive; anything else (an old .xls, a CSV renamed) fails here, not deep in a parser.
ZIP_MAGIC = b"PK\x03\x04"
# A whole workbook travels each way: more time than the 5 s a form gets.
SPREADSHEET_TIMEOUT = 30.0


def too_large(max_mb: int = MAX_UPLOAD_MB) -> ApiError:
    return ApiError(
        413,
        "FILE_TOO_LARGE",
        "error.file_too_large",
        params={"max_mb": max_mb},
        fields={"file": "error.file_too_large"},
    )


def accepts_upload_of(max_mb: int):
    """The app-wide body limit (1 MB) is for JSON forms; an upload may be `max_mb`. The limit is
    raised for this request only, before the body is parsed, and going over it is our 413."""

    def decorate(view):
        @wraps(view)
        def wrapper(*args, **kwargs):
            http_request.max_content_length = max_mb * 1024 * 1024 + MULTIPART_OVERHEAD
            try:
                return view(*args, **kwargs)
            except RequestEntityTooLarge:
                raise too_large(max_mb) from None

        return wrapper

    return decorate


# Proof images, spreadsheets and pages: 5 MB.
accepts_upload = accepts_upload_of(MAX_UPLOAD_MB)


def read_upload(upload) -> bytes:
    data = upload.stream.read(MAX_UPLOAD + 1)
    if len(data) > MAX_UPLOAD:
        raise too_large()
    return data


def upload_chunks(upload, max_mb: int, chunk: int = 1024 * 1024):
    """The uploaded file in pieces (a video need not sit in memory whole; multipart parsing
    spooled it to disk). Its size is checked first, here, as our 413: an error raised while a
    gRPC stream reads the pieces would reach the caller only as a cancelled call."""
    stream = upload.stream
    stream.seek(0, 2)
    size = stream.tell()
    stream.seek(0)
    if size > max_mb * 1024 * 1024:
        raise too_large(max_mb)

    def pieces():
        while piece := stream.read(chunk):
            yield piece

    return pieces()


def read_xlsx(upload) -> bytes:
    data = read_upload(upload)
    if not (upload.filename or "").lower().endswith(".xlsx") or not data.startswith(ZIP_MAGIC):
        raise ApiError(400, "INVALID_INPUT", "error.invalid_input", fields={"file": "validation.not_xlsx"})
    return data


class ImportProblemOut(Schema):
    row = Integer(metadata={"description": "1-based spreadsheet row"})
    column = String(metadata={"description": "The column header"})
    message = String(metadata={"description": "In the caller's language"})


def problems_out(problems) -> list[dict]:
    """A service's import problems (row, column, message key) in the caller's language."""
    language = i18n.pick_language(http_request.headers.get("Accept-Language"))
    return [
        {
            "row": p.row,
            "column": p.column,
            "message": i18n.render(
                p.message_key, {"row": p.row, "column": p.column}, language=language, fallback="validation.invalid"
            ),
        }
        for p in problems
    ]
