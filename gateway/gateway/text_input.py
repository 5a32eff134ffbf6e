"""Every string a request carries must be text the services can store: no NUL, no lone UTF-16
surrogate. Refused here, once, for every JSON body, query string and path (issue 11). Uploads
(multipart) carry files, not text, and are not parsed here: their size limit is the view's.

JSON lets a string escape half of a surrogate pair on its own ("\\ud800"); Python decodes it
into a str that cannot be encoded as UTF-8, so protobuf (every string crosses gRPC as UTF-8)
and even our own error body would fail on it. A NUL ("\\u0000" in JSON, %00 in a URL) crosses
gRPC fine but PostgreSQL refuses it in any text value. Either would be a 500 deep inside a
service; here it is a 400 naming the field (`lines.0.note`, a query or path parameter's name)
or the body (`_schema`). Only escapes can put either into a JSON body (raw UTF-8 cannot encode a
surrogate, and a raw control character is not JSON), so a body without one is not parsed twice.
"""

from __future__ import annotations

import json
import re

from flask import Flask, request

from gateway.errors import ApiError

_ESCAPE = re.compile(rb"\\u(?:[dD][89a-fA-F][0-9a-fA-F]{2}|0000)")
_NOT_TEXT = re.compile("[\x00\ud800-\udfff]")
BODY = "_schema"
NOT_TEXT = "validation.not_text"


def not_text_at(value, path: str = "") -> str | None:
    """The dotted path of the first string (or key) that is not text, else None."""
    if isinstance(value, str):
        return (path or BODY) if _NOT_TEXT.search(value) else None
    if isinstance(value, dict):
        for key, item in value.items():
            if _NOT_TEXT.search(key):
                return path or BODY  # the key itself cannot be shown: name what holds it
            found = not_text_at(item, f"{path}.{key}" if path else key)
            if found is not None:
                return found
    if isinstance(value, list):
        for index, item in enumerate(value):
            found = not_text_at(item, f"{path}.{index}" if path else str(index))
            if found is not None:
                return found
    return None


def _json_body() -> str | None:
    if not request.is_json:
        return None
    raw = request.get_data(cache=True)
    if not _ESCAPE.search(raw):
        return None
    try:
        body = json.loads(raw)
    except ValueError:
        return None  # not JSON at all: the view's own parser answers 400 for that
    return not_text_at(body)


def _parameters() -> str | None:
    for source in (request.view_args or {}, request.args):
        items = source.items(multi=True) if hasattr(source, "getlist") else source.items()
        for name, value in items:
            if _NOT_TEXT.search(name):
                return BODY
            if isinstance(value, str) and _NOT_TEXT.search(value):
                return name
    return None


def check_request() -> None:
    field = _parameters() or _json_body()
    if field is not None:
        raise ApiError(400, "INVALID_INPUT", "error.invalid_input", fields={field: NOT_TEXT})


def install(app: Flask) -> None:
    app.before_request(check_request)
