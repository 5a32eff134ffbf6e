"""The change log (A1) of customers, products, orders, returns, storefront orders and coupon
templates over HTTP: one query, one answer shape, one call helper for every owning service. The
owning service reads the object with the caller's scope first, so an object the caller may not
see is a 404 here."""

from __future__ import annotations

import json

from apiflask import Schema
from apiflask.fields import DateTime, Dict, List, Nested, String

from crm.common.v1 import common_pb2
from crmkit.protos import datetime_of
from gateway.api.calls import call
from gateway.api.common import PageOut, PageQuery, page_out, page_request

ACTOR_KINDS = (
    "staff (actor_id: staff id) | customer (a shop customer's id) | service (the calling service) "
    "| system (a scheduled job or a provider's callback)"
)


class ChangesQuery(PageQuery):
    pass


class ChangeOut(Schema):
    id = String(required=True)
    action = String(
        required=True,
        metadata={"description": "What happened, e.g. registered, updated, approved, customer_price_set"},
    )
    actor_kind = String(required=True, metadata={"description": ACTOR_KINDS})
    actor_id = String(required=True)
    at = DateTime(required=True, metadata={"description": "When, ISO 8601 UTC"})
    fields = List(String(), required=True, metadata={"description": "The fields this change touched"})
    before = Dict(
        allow_none=True,
        metadata={"description": "The changed fields as they were (money in fen); null for a creation"},
    )
    after = Dict(allow_none=True, metadata={"description": "The changed fields as they became; null for a deletion"})


class ChangesOut(Schema):
    changes = List(Nested(ChangeOut), required=True)
    page = Nested(PageOut, required=True)


def change_dict(c: common_pb2.Change) -> dict:
    before = json.loads(c.before_json) if c.before_json else None
    after = json.loads(c.after_json) if c.after_json else None
    return {
        "id": c.id,
        "action": c.action,
        "actor_kind": c.actor_kind,
        "actor_id": c.actor_id,
        "at": datetime_of(c, "at"),
        "fields": sorted({*(before or {}), *(after or {})}),
        "before": before,
        "after": after,
    }


def changes_of(peer: str, method: str, object_id: str, query: dict) -> dict:
    """One object's change log from the service that owns it, newest first."""
    request = common_pb2.ListChangesRequest(object_id=object_id, page=page_request(query))
    reply = call(peer, method, request)
    return {"changes": [change_dict(c) for c in reply.changes], "page": page_out(reply.page)}
