"""Request and response schemas of the areas served by identity (auth, tenants, stores, staff),
and the proto -> JSON converters their views share."""

from __future__ import annotations

from apiflask import Schema
from apiflask.fields import Boolean, DateTime, Integer, List, Nested, String
from apiflask.validators import Length, OneOf

from crmkit.protos import datetime_of
from gateway.api.common import PageOut, PageQuery, Timestamped
from gateway.api.fields import PHONE, text

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
    address = String(metadata={"description": "Where it is, as the shop lists it; empty until known"})


class TenantOut(Timestamped):
    id = String(required=True)
    name = String()


class TokenPairOut(Schema):
    access_token = String(required=True)
    access_expires_at = DateTime()
    refresh_token = String(required=True)
    refresh_expires_at = DateTime()
    staff = Nested(StaffOut)


class TenantOptionOut(Schema):
    tenant_id = String(required=True)
    tenant_name = String(required=True)
    staff_name = String(metadata={"description": "The person's name in that merchant"})
    roles = List(String(), metadata={"description": "The person's roles in that merchant"})


class TenantChoiceOut(Schema):
    ticket = String(
        required=True,
        metadata={"description": "Send it with the picked tenant_id to POST /api/v1/auth/login/choose"},
    )
    expires_at = DateTime(metadata={"description": "The ticket is good for 5 minutes and one login"})
    tenants = List(Nested(TenantOptionOut))


LOGGED_IN, CHOOSE_TENANT = "logged_in", "choose_tenant"


class LoginOut(TokenPairOut):
    """Tokens, or (the phone is staff of several merchants) the merchants to pick from."""

    outcome = String(
        required=True,
        validate=OneOf([LOGGED_IN, CHOOSE_TENANT]),
        metadata={"description": "`logged_in`: the token fields are set; `choose_tenant`: `choice` is"},
    )
    access_token = String()
    refresh_token = String()
    choice = Nested(TenantChoiceOut, allow_none=True)


def seat_dict(seat) -> dict:
    return {
        "trial_ends_at": datetime_of(seat, "trial_ends_at"),
        "paid_until": datetime_of(seat, "paid_until"),
        "valid_until": datetime_of(seat, "valid_until"),
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
        "created_at": datetime_of(staff, "created_at"),
    }


def store_dict(store) -> dict:
    return {
        "id": store.id,
        "tenant_id": store.tenant_id,
        "name": store.name,
        "parent_store_id": store.parent_store_id or None,
        "is_head": store.is_head,
        "address": store.address,
        "created_at": datetime_of(store, "created_at"),
    }


def tenant_dict(tenant) -> dict:
    return {"id": tenant.id, "name": tenant.name, "created_at": datetime_of(tenant, "created_at")}


def token_pair_dict(pair) -> dict:
    return {
        "access_token": pair.access_token,
        "access_expires_at": datetime_of(pair, "access_expires_at"),
        "refresh_token": pair.refresh_token,
        "refresh_expires_at": datetime_of(pair, "refresh_expires_at"),
        "staff": staff_dict(pair.staff),
    }


def tenant_option_dict(option) -> dict:
    return {
        "tenant_id": option.tenant_id,
        "tenant_name": option.tenant_name,
        "staff_name": option.staff_name,
        "roles": list(option.roles),
    }


def login_dict(reply) -> dict:
    """identity's LoginResponse: the token pair, or the choice of merchants."""
    if reply.WhichOneof("outcome") == "tokens":
        return {"outcome": LOGGED_IN, **token_pair_dict(reply.tokens), "choice": None}
    choice = reply.choice
    return {
        "outcome": CHOOSE_TENANT,
        "choice": {
            "ticket": choice.ticket,
            "expires_at": datetime_of(choice, "expires_at"),
            "tenants": [tenant_option_dict(t) for t in choice.tenants],
        },
    }


# ---- inputs -------------------------------------------------------------------------------------


class PasswordLoginIn(Schema):
    phone = String(required=True, validate=PHONE)
    password = text(128, required=True)
    tenant_id = String(
        validate=Length(max=64), metadata={"description": "Optional: log in to this merchant only, with no choice"}
    )


SMS_CODE = {"description": "The 6-digit code sent by POST /api/v1/auth/sms-codes"}


class SmsCodeIn(Schema):
    phone = String(required=True, validate=PHONE)
    purpose = String(
        load_default="login",
        validate=OneOf(["login", "signup"], error="validation.invalid_choice"),
        metadata={"description": "`login` (sent to staff only) or `signup` (to the phone of a merchant signing up)"},
    )


class SmsCodeOut(Schema):
    expires_in_seconds = Integer()
    resend_after_seconds = Integer()


class SmsLoginIn(Schema):
    phone = String(required=True, validate=PHONE)
    code = text(6, required=True, min_len=6, metadata=SMS_CODE)
    tenant_id = String(
        validate=Length(max=64), metadata={"description": "Optional: log in to this merchant only, with no choice"}
    )


class ChooseTenantIn(Schema):
    ticket = text(2048, required=True, metadata={"description": "`choice.ticket` of the login answer"})
    tenant_id = text(64, required=True, metadata={"description": "One of `choice.tenants[].tenant_id`"})


class RefreshTokenIn(Schema):
    refresh_token = text(512, required=True)


class TenantIn(Schema):
    tenant_name = text(64, required=True)
    owner_name = text(32, required=True)
    owner_phone = String(required=True, validate=PHONE)
    owner_password = text(128, required=True, min_len=8)
    head_store_name = text(64, required=True)
    sms_code = text(
        6,
        required=True,
        min_len=6,
        metadata={"description": "The code sent to owner_phone by POST /api/v1/auth/sms-codes with purpose `signup`"},
    )


class TenantCreatedOut(Schema):
    tenant = Nested(TenantOut)
    head_store = Nested(StoreOut)
    owner = Nested(StaffOut)


class StoreIn(Schema):
    name = text(64, required=True)
    parent_store_id = String(validate=Length(max=64))
    address = text(200, load_default="", metadata={"description": "Where it is (the shop lists it)"})


class StoreUpdateIn(Schema):
    name = text(64, required=True)
    address = text(200, load_default="", metadata={"description": "Where it is (the shop lists it); empty clears it"})


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


class ActiveIn(Schema):
    active = Boolean(required=True, metadata={"description": "false switches the account off, true on again"})


class PermissionsIn(Schema):
    permissions = List(String(validate=PERMISSION), required=True, validate=Length(max=len(PERMISSIONS)))
