"""`Idempotency-Key` on creating POSTs: a retried request (lost response, double tap) gets the
first response again instead of creating a second store, staff member or customer.

The key is scoped by actor (tenant + staff, or client IP for public endpoints), method and path,
so two clients cannot see each other's responses by guessing keys. The first request claims the
key with SET NX (a "processing" marker), runs, then stores (status, body) for 24 h. 4xx answers
are stored like successes (the same body would fail the same way); 5xx answers release the key so
the client can retry. A marker left by a gateway that died mid-request lapses after
`idempotency_processing_seconds` (and the embedded platform, one process that just started,
releases every such marker at once: `release_abandoned`), so a retry is never refused forever;
the services that create money-bearing objects are idempotent on the key themselves (orders).

On the API the key is claimed in the round trip that admits the request (gateway.admission,
`claim_for`), not in one of its own; the view then finds the claim's outcome in `g`. A claim whose
view never ran (a later check refused the request) is released when the request ends.
"""

from __future__ import annotations

import hashlib
import json
import logging
import re
from dataclasses import dataclass
from functools import wraps

import redis
from apiflask import HTTPError
from flask import Response, current_app, g, request

from crmkit.errors import DomainError
from gateway.auth import client_ip
from gateway.errors import ApiError
from gateway.ratelimit import Admission, KeyClaim

log = logging.getLogger(__name__)

HEADER = "Idempotency-Key"
REPLAYED_HEADER = "Idempotent-Replayed"
MAX_KEY_LENGTH = 255
PROCESSING = "processing"
DONE = "done"
# Where the admission round trip leaves the claim's outcome for the view (flask.g).
ADMITTED = "idempotency_admitted"


@dataclass(frozen=True)
class Admitted:
    key: str
    fingerprint: str
    claimed: bool
    stored: str | None


def _scope() -> str:
    actor = g.get("actor")
    if actor is not None:
        return f"actor:{actor.tenant_id}:{actor.subject_id}"
    return f"ip:{client_ip()}"


def _fingerprint() -> str:
    """Same body means same JSON value, whatever the key order or spacing."""
    parsed = request.get_json(silent=True)
    raw = (
        json.dumps(parsed, sort_keys=True, separators=(",", ":")).encode() if parsed is not None else request.get_data()
    )
    return hashlib.sha256(raw).hexdigest()


def _storage_key(idempotency_key: str) -> str:
    cfg = current_app.extensions["gateway"]
    scoped = f"{_scope()}|{request.method}|{request.path}|{idempotency_key}"
    return cfg.keys("idem", hashlib.sha256(scoped.encode()).hexdigest())


def _run(view, args, kwargs) -> Response:
    """The view's response, with domain and HTTP errors rendered as the client would see them,
    so a 4xx can be stored and replayed. Unexpected exceptions propagate."""
    try:
        rv = view(*args, **kwargs)
    except (DomainError, HTTPError) as err:
        rv = current_app.handle_user_exception(err)
    return current_app.make_response(rv)


def _replay(stored: dict) -> Response:
    response = Response(stored["body"], status=stored["status"], mimetype="application/json")
    response.headers[REPLAYED_HEADER] = "true"
    return response


def _valid(idempotency_key: str) -> bool:
    return bool(idempotency_key.strip()) and len(idempotency_key) <= MAX_KEY_LENGTH


def _marker(fingerprint: str) -> str:
    return json.dumps({"state": PROCESSING, "fingerprint": fingerprint})


def _answer_taken(raw: str | None, fingerprint: str) -> Response:
    """The answer to a request whose key another request holds: its stored response, or why not."""
    stored = json.loads(raw or "null")
    if stored is None:
        # Expired or released between SET and GET: the caller may simply retry.
        raise ApiError(409, "IDEMPOTENCY_IN_PROGRESS", "error.idempotency_in_progress")
    if stored["fingerprint"] != fingerprint:
        raise ApiError(422, "IDEMPOTENCY_KEY_REUSED", "error.idempotency_key_reused")
    if stored["state"] == PROCESSING:
        raise ApiError(409, "IDEMPOTENCY_IN_PROGRESS", "error.idempotency_in_progress")
    return _replay(stored)


def claim_for(view) -> tuple[KeyClaim, str] | None:
    """The key claim (and the body's fingerprint) a request to `view` makes in its admission
    round trip; None when it makes none: no key, a key the view refuses with 400, or a staff-only
    view without an actor (refused with 401 before any key is looked at)."""
    if not getattr(view, "takes_idempotency_key", False):
        return None
    idempotency_key = request.headers.get(HEADER)
    if idempotency_key is None or not _valid(idempotency_key):
        return None
    if getattr(view, "_gateway_staff_only", False) and g.get("actor") is None:
        return None
    cfg = current_app.extensions["gateway"]
    fingerprint = _fingerprint()
    claim = KeyClaim(_storage_key(idempotency_key), _marker(fingerprint), cfg.idempotency_processing_seconds)
    return claim, fingerprint


def admitted(claim: KeyClaim, fingerprint: str, admission: Admission) -> None:
    """Leave the claim's outcome for the view's decorator."""
    setattr(g, ADMITTED, Admitted(claim.key, fingerprint, admission.claimed, admission.stored))


def release_unanswered(_exc=None) -> None:
    """At the end of every request: a key claimed for a view that never ran is let go, so a retry
    is not refused as "in progress" until the marker lapses."""
    left = g.pop(ADMITTED, None)
    if left is not None and left.claimed:
        try:
            current_app.extensions["gateway"].redis.delete(left.key)
        except redis.RedisError:
            log.warning("idempotency key not released; it lapses by itself", exc_info=True)


def idempotent(view):
    """Decorator for creating POST views; without the header the request runs as usual."""

    @wraps(view)
    def wrapper(*args, **kwargs):
        idempotency_key = request.headers.get(HEADER)
        if idempotency_key is None:
            return view(*args, **kwargs)
        if not _valid(idempotency_key):
            raise ApiError(
                400, "IDEMPOTENCY_KEY_INVALID", "error.idempotency_key_invalid", fields={HEADER: "validation.invalid"}
            )
        cfg = current_app.extensions["gateway"]
        store = cfg.redis
        # From here on the claim is this view's to settle (release_unanswered leaves it alone).
        found: Admitted | None = g.pop(ADMITTED, None)
        if found is not None:
            key, fingerprint = found.key, found.fingerprint
            if not found.claimed:
                return _answer_taken(found.stored, fingerprint)
        else:
            # Not claimed by the admission (Redis failed there, or a route outside the API): claim it now.
            key, fingerprint = _storage_key(idempotency_key), _fingerprint()
            if not store.set(key, _marker(fingerprint), nx=True, ex=cfg.idempotency_processing_seconds):
                return _answer_taken(store.get(key), fingerprint)
        try:
            response = _run(view, args, kwargs)
        except BaseException:
            store.delete(key)
            raise
        if response.status_code >= 500:
            store.delete(key)
            return response
        stored = {
            "state": DONE,
            "fingerprint": fingerprint,
            "status": response.status_code,
            "body": response.get_data(as_text=True),
        }
        store.set(key, json.dumps(stored), ex=cfg.idempotency_ttl_seconds)
        return response

    # Read by `document` (functools.wraps carries it through the outer decorators).
    wrapper.takes_idempotency_key = True
    return wrapper


def document(app) -> None:
    """State the optional header on every view that takes it in /openapi.json, so the typed
    clients (web/) send it as a declared parameter; views that require it declare it themselves."""

    @app.spec_processor
    def add_header(spec: dict) -> dict:
        for rule in app.url_map.iter_rules():
            if not getattr(app.view_functions.get(rule.endpoint), "takes_idempotency_key", False):
                continue
            path = re.sub(r"<(?:[^:<>]+:)?([^<>]+)>", r"{\1}", rule.rule)
            for method in sorted(rule.methods - {"HEAD", "OPTIONS"}):
                operation = spec.get("paths", {}).get(path, {}).get(method.lower())
                if operation is None:
                    continue
                parameters = operation.setdefault("parameters", [])
                if not any(p.get("in") == "header" and p.get("name") == HEADER for p in parameters):
                    parameters.append(
                        {
                            "in": "header",
                            "name": HEADER,
                            "required": False,
                            "schema": {"type": "string", "minLength": 1, "maxLength": MAX_KEY_LENGTH},
                            "description": "Sent again with a retry: the first answer comes back, nothing done twice",
                        }
                    )
        return spec


def release_abandoned(client, keys) -> int:
    """Forget every "processing" marker: for a gateway that just started and is the only one
    (the embedded platform), none of those requests is still running. Answers how many."""
    released = 0
    for key in client.scan_iter(match=keys("idem", "*"), count=500):
        stored = json.loads(client.get(key) or "null")
        if stored is not None and stored.get("state") == PROCESSING:
            released += client.delete(key)
    return released
