"""Every error leaves the gateway as {"error": {"code", "message", "fields", "request_id"}}.

Errors cross each boundary once: a service's DomainError arrives from ServiceClient.call already
typed (crmkit.grpc_errors), is mapped here by class to an HTTP status, and its message key and
field keys are rendered in the caller's language. Schema validation errors, Flask's own 404/405
and unexpected exceptions go through the same one processor, so no other shape can escape.
"""

from __future__ import annotations

import logging
import re

import redis
from apiflask import APIFlask, HTTPError
from apiflask.exceptions import _ValidationError
from flask import request

from crmkit import context as ctx
from crmkit import errors as de
from gateway import i18n

log = logging.getLogger(__name__)

# Most specific first: Conflict and AlreadyExists both mean 409, but keep their own codes.
STATUS_BY_CLASS: list[tuple[type[de.DomainError], int]] = [
    (de.InvalidInput, 400),
    (de.Unauthenticated, 401),
    (de.PermissionDenied, 403),
    (de.NotFound, 404),
    (de.AlreadyExists, 409),
    (de.Conflict, 409),
    (de.QuotaExceeded, 429),
    (de.Unavailable, 503),
]

# The generic text of a status, used when a key is unknown (never show a raw key).
GENERIC = {
    400: ("INVALID_INPUT", "error.invalid_input"),
    401: ("UNAUTHENTICATED", "error.unauthenticated"),
    403: ("PERMISSION_DENIED", "error.permission_denied"),
    404: ("NOT_FOUND", "error.not_found"),
    405: ("METHOD_NOT_ALLOWED", "error.method_not_allowed"),
    409: ("CONFLICT", "error.conflict"),
    422: ("INVALID_INPUT", "error.invalid_input"),
    429: ("RATE_LIMITED", "error.rate_limited"),
    503: ("SERVICE_UNAVAILABLE", "error.service_unavailable"),
}
INTERNAL = ("INTERNAL", "error.internal")
# Seconds a client should wait before retrying when a peer is down.
UNAVAILABLE_RETRY_AFTER = 5


def generic(status: int) -> tuple[str, str]:
    if status in GENERIC:
        return GENERIC[status]
    return INTERNAL if status >= 500 else GENERIC[400]


class ApiError(HTTPError):
    """An error with our code, an i18n key and field keys, rendered by the error processor."""

    def __init__(
        self,
        status: int,
        code: str,
        message_key: str,
        *,
        params: dict | None = None,
        fields: dict[str, str] | None = None,
        headers: dict | None = None,
    ):
        super().__init__(status, headers=headers)
        self.code = code
        self.message_key = message_key
        self.params = params or {}
        self.fields = fields or {}


def from_domain_error(err: de.DomainError) -> ApiError:
    status = next((s for cls, s in STATUS_BY_CLASS if isinstance(err, cls)), None)
    if status is None or err.code == "INTERNAL":
        # An unmapped gRPC status (UNIMPLEMENTED, DATA_LOSS, ...) or a peer's own crash: our fault.
        log.error("peer failed: %s", err)
        return ApiError(500, *INTERNAL)
    headers = {"Retry-After": str(UNAVAILABLE_RETRY_AFTER)} if status == 503 else None
    # A quota's wait, or a service's own "try again in N s" (a coupon claimed a moment ago, ADR 0021).
    if status in (429, 503) and err.params.get("retry_after"):
        headers = {"Retry-After": err.params["retry_after"]}
    return ApiError(status, err.code, err.message_key, params=err.params, fields=err.fields, headers=headers)


# marshmallow's built-in English messages -> our keys (and the params inside the message).
_MARSHMALLOW_MESSAGES: list[tuple[re.Pattern, str]] = [
    (re.compile(r"^Missing data for required field\.$"), "validation.required"),
    (re.compile(r"^Field may not be null\.$"), "validation.required"),
    (re.compile(r"^Unknown field\.$"), "validation.unknown_field"),
    (re.compile(r"^Not a valid (integer|number)\.$"), "validation.not_a_number"),
    (re.compile(r"^Not a valid boolean\.$"), "validation.not_a_boolean"),
    (re.compile(r"^Not a valid list\.$"), "validation.not_a_list"),
    (re.compile(r"^Not a valid date\.$"), "validation.invalid_date"),
    (re.compile(r"^Must be one of: .*\.$"), "validation.invalid_choice"),
    (re.compile(r"^Longer than maximum length (?P<max>\d+)\.$"), "validation.too_long_max"),
    (re.compile(r"^Shorter than minimum length (?P<min>\d+)\.$"), "validation.too_short_min"),
    (re.compile(r"^Length must be between (?P<min>\d+) and (?P<max>\d+)\.$"), "validation.length_between"),
    (
        re.compile(r"^Must be greater than or equal to (?P<min>\S+) and less than or equal to (?P<max>\S+)\.$"),
        "validation.out_of_range",
    ),
    (re.compile(r"^Must be greater than or equal to (?P<min>\S+)\.$"), "validation.too_small"),
    (re.compile(r"^Must be less than or equal to (?P<max>\S+)\.$"), "validation.too_large"),
]


def message_key_of(message: str) -> tuple[str, dict]:
    """Our schemas give keys as messages directly; marshmallow's own messages are looked up."""
    if message.startswith("validation."):
        return message, {}
    for pattern, key in _MARSHMALLOW_MESSAGES:
        match = pattern.match(message)
        if match:
            return key, match.groupdict()
    return "validation.invalid", {}


def flatten_validation(detail: dict) -> dict[str, tuple[str, dict]]:
    """{"json": {"phone": ["..."], "tags": {"0": ["..."]}}} -> {"phone": (key, params), "tags.0": ...}.

    The location level (json, query, headers) is dropped: clients know where they sent a field.
    """
    flat: dict[str, tuple[str, dict]] = {}

    def walk(prefix: str, node) -> None:
        if isinstance(node, dict):
            for name, sub in node.items():
                walk(f"{prefix}.{name}" if prefix else str(name), sub)
        elif isinstance(node, list | tuple) and node and all(isinstance(m, str) for m in node):
            flat.setdefault(prefix or "_schema", message_key_of(node[0]))
        elif isinstance(node, list | tuple):
            for sub in node:
                walk(prefix, sub)
        elif isinstance(node, str):
            flat.setdefault(prefix or "_schema", message_key_of(node))

    for location_errors in (detail or {}).values():
        walk("", location_errors)
    return flat


def _render(error: HTTPError, language: str) -> tuple[int, str, str, dict[str, str]]:
    status = error.status_code
    if isinstance(error, ApiError):
        fallback = generic(status)[1]
        message = i18n.render(error.message_key, error.params, language=language, fallback=fallback)
        fields = {
            name: i18n.render(key, error.params, language=language, fallback="validation.invalid")
            for name, key in error.fields.items()
        }
        return status, error.code, message, fields
    if isinstance(error, _ValidationError):
        fields = {
            name: i18n.render(key, params, language=language, fallback="validation.invalid")
            for name, (key, params) in flatten_validation(error.detail).items()
        }
        return (
            400,
            "INVALID_INPUT",
            i18n.render("error.invalid_input", language=language, fallback="error.invalid_input"),
            fields,
        )
    if status == 400:
        # Werkzeug's BadRequest here means the body could not even be parsed as JSON.
        return (
            400,
            "INVALID_INPUT",
            i18n.render("error.invalid_json", language=language, fallback="error.invalid_input"),
            {},
        )
    code, key = generic(status)
    if status >= 500:
        status = 500
    return status, code, i18n.render(key, language=language, fallback=key), {}


def process_error(error: HTTPError):
    language = i18n.pick_language(request.headers.get("Accept-Language"))
    status, code, message, fields = _render(error, language)
    body = {"error": {"code": code, "message": message, "fields": fields, "request_id": ctx.request_id.get()}}
    return body, status, dict(error.headers or {})


def install(app: APIFlask) -> None:
    app.error_processor(process_error)

    @app.errorhandler(de.DomainError)
    def on_domain_error(err: de.DomainError):
        return app.error_callback(from_domain_error(err))

    @app.errorhandler(redis.RedisError)
    def on_redis_error(err: redis.RedisError):
        # Idempotency keys cannot be claimed without Redis: a retry later is the honest answer.
        log.error("redis unavailable: %s", err)
        headers = {"Retry-After": str(UNAVAILABLE_RETRY_AFTER)}
        return app.error_callback(ApiError(503, *GENERIC[503], headers=headers))

    @app.errorhandler(Exception)
    def on_unexpected(err: Exception):
        # Logged with the stack for us; the client gets a code and the request id, nothing else.
        log.exception("unhandled error in %s %s", request.method, request.path)
        return app.error_callback(ApiError(500, *INTERNAL))
