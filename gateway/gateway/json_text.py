"""JSON bodies must hold text: a lone UTF-16 surrogate ("\\ud800") is refused at the edge.

JSON lets a string escape half of a surrogate pair on its own; Python decodes it into a str
that cannot be encoded as UTF-8, so protobuf (every string crosses gRPC as UTF-8), the
database and even our own error body would fail on it later with a 500. One check before
every view, for every JSON body, names the field (`lines.0.note`) or the body (`_schema`).
Real UTF-8 bytes cannot encode a surrogate (the body would not decode at all), so only the
`\\uD800`–`\\uDFFF` escapes matter, and a body without one is not parsed twice.
"""

from __future__ import annotations

import json
import re

from flask import Flask, request

from gateway.errors import ApiError

_SURROGATE_ESCAPE = re.compile(rb"\\u[dD][89a-fA-F][0-9a-fA-F]{2}")
_SURROGATE = re.compile("[\ud800-\udfff]")
BODY = "_schema"


def lone_surrogate_at(value, path: str = "") -> str | None:
    """The dotted path of the first string (or key) holding a lone surrogate, else None."""
    if isinstance(value, str):
        return (path or BODY) if _SURROGATE.search(value) else None
    if isinstance(value, dict):
        for key, item in value.items():
            if _SURROGATE.search(key):
                return path or BODY  # the key itself cannot be shown: name what holds it
            found = lone_surrogate_at(item, f"{path}.{key}" if path else key)
            if found is not None:
                return found
    if isinstance(value, list):
        for index, item in enumerate(value):
            found = lone_surrogate_at(item, f"{path}.{index}" if path else str(index))
            if found is not None:
                return found
    return None


def check_body() -> None:
    if not request.is_json:
        return
    raw = request.get_data(cache=True)
    if not _SURROGATE_ESCAPE.search(raw):
        return
    try:
        body = json.loads(raw)
    except ValueError:
        return  # not JSON at all: the view's own parser answers 400 for that
    field = lone_surrogate_at(body)
    if field is not None:
        raise ApiError(400, "INVALID_INPUT", "error.invalid_input", fields={field: "validation.not_text"})


def install(app: Flask) -> None:
    app.before_request(check_body)
