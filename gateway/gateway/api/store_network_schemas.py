"""Schemas of multi-store tenants (A4): sub-store applications, the store switcher and each
sub-store's figures. Money is integer fen; statuses are lowercase words."""

from __future__ import annotations

from apiflask import Schema
from apiflask.fields import Boolean, DateTime, Integer, List, Nested, String

from crm.identity.v1 import stores_pb2 as pb
from crmkit.protos import datetime_of
from gateway.api.common import PageOut, PageQuery
from gateway.api.fields import PHONE, choice, text
from gateway.api.identity_schemas import StoreOut, store_dict
from gateway.api.performance_schemas import PeriodQuery

STATUSES = {
    "pending": pb.APPLICATION_STATUS_PENDING,
    "approved": pb.APPLICATION_STATUS_APPROVED,
    "rejected": pb.APPLICATION_STATUS_REJECTED,
}
STATUS_WORDS = {v: k for k, v in STATUSES.items()}


class ApplicationIn(Schema):
    store_name = text(50, required=True)
    contact_name = text(50, required=True)
    phone = String(required=True, validate=PHONE)
    address = text(200, required=True)


class ApplicationQuery(PageQuery):
    status = choice(STATUSES, load_default="")


class RejectIn(Schema):
    reason = text(200, required=True, metadata={"description": "Shown to the applicant"})


class StoreApplicationOut(Schema):
    id = String(required=True)
    parent_store_id = String()
    store_name = String()
    contact_name = String()
    phone = String()
    address = String()
    status = String(metadata={"description": "pending, approved or rejected"})
    applied_by = String()
    applied_at = DateTime(allow_none=True)
    reviewed_by = String(allow_none=True)
    reviewed_at = DateTime(allow_none=True)
    reject_reason = String(allow_none=True)
    store_id = String(allow_none=True, metadata={"description": "The sub-store opened on approval"})


class ApplicationsOut(Schema):
    applications = List(Nested(StoreApplicationOut), required=True)
    page = Nested(PageOut, required=True)


def application_dict(a: pb.StoreApplication) -> dict:
    return {
        "id": a.id,
        "parent_store_id": a.parent_store_id,
        "store_name": a.store_name,
        "contact_name": a.contact_name,
        "phone": a.phone,
        "address": a.address,
        "status": STATUS_WORDS.get(a.status, ""),
        "applied_by": a.applied_by,
        "applied_at": datetime_of(a, "applied_at"),
        "reviewed_by": a.reviewed_by or None,
        "reviewed_at": datetime_of(a, "reviewed_at"),
        "reject_reason": a.reject_reason or None,
        "store_id": a.store_id or None,
    }


class SwitchableStoreOut(Schema):
    store = Nested(StoreOut, required=True)
    pinned = Boolean(required=True)
    current = Boolean(required=True)


class RecentStoreOut(Schema):
    store = Nested(StoreOut, required=True)
    switched_at = DateTime(allow_none=True)


class SwitcherOut(Schema):
    current_store_id = String(required=True)
    stores = List(Nested(SwitchableStoreOut), required=True, metadata={"description": "Pinned first"})
    recent = List(Nested(RecentStoreOut), required=True, metadata={"description": "Newest first, at most 10"})


def switcher_dict(s: pb.StoreSwitcher) -> dict:
    return {
        "current_store_id": s.current_store_id,
        "stores": [{"store": store_dict(e.store), "pinned": e.pinned, "current": e.current} for e in s.stores],
        "recent": [{"store": store_dict(e.store), "switched_at": datetime_of(e, "switched_at")} for e in s.recent],
    }


class SwitchedOut(Schema):
    access_token = String(required=True, metadata={"description": "Use it from now on; keep the refresh token"})
    access_expires_at = DateTime()
    store = Nested(StoreOut, required=True)


class FiguresQuery(PeriodQuery):
    pass


class StoreFiguresOut(Schema):
    store = Nested(StoreOut, required=True)
    orders = Integer(required=True)
    sales_fen = Integer(required=True)
    returns_fen = Integer(required=True)
    takings_fen = Integer(required=True, metadata={"description": "sales_fen - returns_fen"})


class FiguresOut(Schema):
    stores = List(Nested(StoreFiguresOut), required=True)
    total_takings_fen = Integer(required=True)


def figures_dict(reply: pb.ListSubStoreFiguresResponse) -> dict:
    return {
        "stores": [
            {
                "store": store_dict(f.store),
                "orders": f.orders,
                "sales_fen": f.sales.fen,
                "returns_fen": f.returns.fen,
                "takings_fen": f.takings.fen,
            }
            for f in reply.stores
        ],
        "total_takings_fen": reply.total_takings.fen,
    }
