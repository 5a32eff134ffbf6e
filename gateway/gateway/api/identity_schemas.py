"""Request and response schemas of the areas served by identity (auth, tenants, stores, staff),
and the proto -> JSON converters their views share."""

from __future__ import annotations

from apiflask import Schema
from apiflask.fields import Boolean, DateTime, Integer, List, Nested, String
from apiflask.validators import Length, OneOf

from gateway.api.common import PHONE, PageOut, PageQuery, Timestamped, text, timestamp

ROLES = ("owner", "store_manager", "salesperson", "finance", "warehouse")
PERMISSIONS = ("change_price", "see_all_customers", "approve_collections")
ROLE = OneOf(ROLES, error="validation.invalid_choice")
PERMISSION = OneOf(PERMISSIONS, error="validation.invalid_choice")


class SeatOut(Schema):
    trial_ends_at = DateTime(allow_none=True)
    paid_until = DateTime(allow_none=True)
    valid_until = DateTime(allow_none=True, metadata={"description": "After this the salesperson cannot log in"})
    active = Boolean()


class StaffOut(Timestamped):
    id = String(required=True)
    tenant_id = String()
    name = String()
    phone = String()
    roles = List(String())
    permissions = List(String())
    store_ids = List(String())
    active = Boolean()
    seat = Nested(SeatOut, allow_none=True, metadata={"description": "Only salespeople occupy a seat"})


class StoreOut(Timestamped):
    id = String(required=True)
    tenant_id = String()
    name = String()
    parent_store_id = String(allow_none=True)
    is_head = Boolean()


class TenantOut(Timestamped):
    id = String(required=True)
    name = String()


class TokenPairOut(Schema):
    access_token = String(required=True)
    access_expires_at = DateTime()
    refresh_token = String(required=True)
    refresh_expires_at = DateTime()
    staff = Nested(StaffOut)


def seat_dict(seat) -> dict:
    return {
        "trial_ends_at": timestamp(seat, "trial_ends_at"),
        "paid_until": timestamp(seat, "paid_until"),
        "valid_until": timestamp(seat, "valid_until"),
        "active": seat.active,
    }


def staff_dict(staff) -> dict:
    return {
        "id": staff.id,
        "tenant_id": staff.tenant_id,
        "name": staff.name,
        "phone": staff.phone,
        "roles": list(staff.roles),
        "permissions": list(staff.permissions),
        "store_ids": list(staff.store_ids),
        "active": staff.active,
        "seat": seat_dict(staff.seat) if staff.HasField("seat") else None,
        "created_at": timestamp(staff, "created_at"),
    }


def store_dict(store) -> dict:
    return {
        "id": store.id,
        "tenant_id": store.tenant_id,
        "name": store.name,
        "parent_store_id": store.parent_store_id or None,
        "is_head": store.is_head,
        "created_at": timestamp(store, "created_at"),
    }


def tenant_dict(tenant) -> dict:
    return {"id": tenant.id, "name": tenant.name, "created_at": timestamp(tenant, "created_at")}


def token_pair_dict(pair) -> dict:
    return {
        "access_token": pair.access_token,
        "access_expires_at": timestamp(pair, "access_expires_at"),
        "refresh_token": pair.refresh_token,
        "refresh_expires_at": timestamp(pair, "refresh_expires_at"),
        "staff": staff_dict(pair.staff),
    }


# ---- inputs -------------------------------------------------------------------------------------


class PasswordLoginIn(Schema):
    phone = String(required=True, validate=PHONE)
    password = text(128, required=True)
    tenant_id = String(
        validate=Length(max=64), metadata={"description": "Only when the phone is staff of several tenants"}
    )


class SmsCodeIn(Schema):
    phone = String(required=True, validate=PHONE)
    purpose = String(load_default="login", validate=OneOf(["login"], error="validation.invalid_choice"))


class SmsCodeOut(Schema):
    expires_in_seconds = Integer()
    resend_after_seconds = Integer()


class SmsLoginIn(Schema):
    phone = String(required=True, validate=PHONE)
    code = text(6, required=True, min_len=6)
    tenant_id = String(validate=Length(max=64))


class RefreshTokenIn(Schema):
    refresh_token = text(512, required=True)


class TenantIn(Schema):
    tenant_name = text(64, required=True)
    owner_name = text(32, required=True)
    owner_phone = String(required=True, validate=PHONE)
    owner_password = text(128, required=True, min_len=8)
    head_store_name = text(64, required=True)


class TenantCreatedOut(Schema):
    tenant = Nested(TenantOut)
    head_store = Nested(StoreOut)
    owner = Nested(StaffOut)


class StoreIn(Schema):
    name = text(64, required=True)
    parent_store_id = String(validate=Length(max=64))


class StoresOut(Schema):
    stores = List(Nested(StoreOut))


class StaffIn(Schema):
    name = text(32, required=True)
    phone = String(required=True, validate=PHONE)
    password = String(validate=Length(min=8, max=128), metadata={"description": "Optional: SMS login only without"})
    roles = List(String(validate=ROLE), required=True, validate=Length(min=1, max=len(ROLES)))
    permissions = List(String(validate=PERMISSION), load_default=list)
    store_ids = List(String(validate=Length(max=64)), load_default=list, validate=Length(max=200))


class StaffQuery(PageQuery):
    role = String(validate=ROLE)
    store_id = String(validate=Length(max=64))


class StaffListOut(Schema):
    staff = List(Nested(StaffOut))
    page = Nested(PageOut)


class PermissionsIn(Schema):
    permissions = List(String(validate=PERMISSION), required=True, validate=Length(max=len(PERMISSIONS)))
