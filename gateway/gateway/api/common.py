"""Pieces every area's views share: calling a peer with the caller's token, proto times, paging."""

from __future__ import annotations

from apiflask import Schema
from apiflask.fields import Boolean, DateTime, Integer, String
from apiflask.validators import Length, Range, Regexp
from flask import current_app, g

from crmkit.limits import DEFAULT_PAGE_SIZE, MAX_PAGE_SIZE
from crmkit.protos import datetime_of
from gateway.auth import BEARER_SCHEME, client_ip

# Mainland mobile numbers; the services check again, this only stops obvious typos early.
PHONE = Regexp(r"^1\d{10}$", error="validation.phone_invalid")
SECURED = [{BEARER_SCHEME: []}]


def config():
    return current_app.extensions["gateway"]


def call(peer: str, method: str, request):
    """One gRPC call on behalf of the caller: their bearer token travels with it (if any)."""
    return getattr(config(), peer).call(method, request, token=g.get("token"))


def call_public(peer: str, method: str, request):
    """A public call (login, SMS codes, sign-up, refresh) made by the gateway on behalf of the
    person at client_ip(): under the gateway's service token, so the service believes the address
    it is given and counts its own per-source limits on it (identity, issue 11)."""
    return getattr(config(), peer).call(method, request, as_service=True, client_address=client_ip())


def utc_text(message, field: str) -> str:
    """A Timestamp field as the RFC 3339 text ("2026-11-23T08:00:00Z") the stored-value JSON has
    always carried, "" when unset: the web app's types read these as strings."""
    moment = datetime_of(message, field)
    return moment.isoformat().replace("+00:00", "Z") if moment else ""


def text(max_len: int, *, required: bool = False, min_len: int = 0, **kwargs) -> String:
    if required:
        min_len = max(min_len, 1)
    return String(required=required, validate=Length(min=min_len, max=max_len), **kwargs)


class PageQuery(Schema):
    page = Integer(load_default=1, validate=Range(min=1, max=10_000))
    page_size = Integer(load_default=DEFAULT_PAGE_SIZE, validate=Range(min=1, max=MAX_PAGE_SIZE))


class PageOut(Schema):
    page = Integer(required=True)
    page_size = Integer(required=True)
    total = Integer(required=True)


def page_out(info) -> dict:
    return {"page": info.page, "page_size": info.page_size, "total": info.total}


class Timestamped(Schema):
    created_at = DateTime(allow_none=True, metadata={"description": "ISO 8601, UTC"})


class Ok(Schema):
    ok = Boolean(required=True)
