"""Pieces every area's views share: the gateway's configuration, paging, proto times as JSON.
Calling a service is `gateway.api.calls`; the schemas' field helpers are `gateway.api.fields`."""

from __future__ import annotations

from apiflask import Schema
from apiflask.fields import Boolean, DateTime, Integer
from apiflask.validators import Range
from flask import current_app, request

from crm.common.v1 import common_pb2
from crmkit.limits import DEFAULT_PAGE_SIZE, MAX_PAGE_SIZE
from crmkit.protos import datetime_of
from crmkit.settings import env
from gateway.auth import BEARER_SCHEME

SECURED = [{BEARER_SCHEME: []}]

# The error answers an operation documents: what any read or write through the gateway can meet
# (bad input, no token, no permission, not found, rate limit, a service down; writes add conflict).
READ_ERRORS = [400, 401, 403, 404, 429, 503]
WRITE_ERRORS = [400, 401, 403, 404, 409, 429, 503]
# A state step (approve, ship, refund…) on a path id: no body to be bad, a wrong state is 409.
STEP_ERRORS = [401, 403, 404, 409, 429, 503]


def config():
    return current_app.extensions["gateway"]


def public_url(path: str) -> str:
    """An address of ours that customers' phones open (share links, QR codes): on PUBLIC_BASE_URL
    (what phones reach, behind the Ingress) or, failing that, this request's host."""
    base = env("PUBLIC_BASE_URL") or request.host_url
    return f"{base.rstrip('/')}/{path.lstrip('/')}"


def utc_text(message, field: str) -> str:
    """A Timestamp field as the RFC 3339 text ("2026-11-23T08:00:00Z") the stored-value JSON has
    always carried, "" when unset: the web app's types read these as strings."""
    moment = datetime_of(message, field)
    return moment.isoformat().replace("+00:00", "Z") if moment else ""


class PageQuery(Schema):
    page = Integer(load_default=1, validate=Range(min=1, max=10_000))
    page_size = Integer(load_default=DEFAULT_PAGE_SIZE, validate=Range(min=1, max=MAX_PAGE_SIZE))


class PageOut(Schema):
    page = Integer(required=True)
    page_size = Integer(required=True)
    total = Integer(required=True)


def page_request(query) -> common_pb2.PageRequest:
    """The page a PageQuery asked for, as every list call takes it."""
    return common_pb2.PageRequest(page=query["page"], page_size=query["page_size"])


def page_out(info) -> dict:
    return {"page": info.page, "page_size": info.page_size, "total": info.total}


class Timestamped(Schema):
    created_at = DateTime(allow_none=True, metadata={"description": "ISO 8601, UTC"})


class Ok(Schema):
    ok = Boolean(required=True)
