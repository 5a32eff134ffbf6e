"""What callers ask for, as plain values (the servicer builds these from proto messages)."""

from __future__ import annotations

from dataclasses import dataclass, field

from crmkit.paging import Page


@dataclass(frozen=True)
class CreateTenant:
    tenant_name: str
    owner_name: str
    owner_phone: str
    owner_password: str
    head_store_name: str = ""
    # The code sent to owner_phone for purpose "signup": the owner proves the phone (issue 11).
    sms_code: str = ""


@dataclass(frozen=True)
class CreateStore:
    name: str
    parent_store_id: str = ""
    address: str = ""


@dataclass(frozen=True)
class UpdateStore:
    store_id: str
    name: str
    address: str = ""


@dataclass(frozen=True)
class CreateStaff:
    name: str
    phone: str
    password: str = ""
    roles: tuple[str, ...] = ()
    permissions: tuple[str, ...] = ()
    store_ids: tuple[str, ...] = ()


@dataclass(frozen=True)
class ListStaff:
    page: Page = Page()
    role: str = ""
    store_id: str = ""


@dataclass(frozen=True)
class SetStaffPermissions:
    staff_id: str
    permissions: tuple[str, ...] = field(default_factory=tuple)


@dataclass(frozen=True)
class SetStaffActive:
    staff_id: str
    active: bool


@dataclass(frozen=True)
class RecordSeatPayment:
    staff_id: str
    months: int
    amount_fen: int
    payment_reference: str


@dataclass(frozen=True)
class LoginWithPassword:
    phone: str
    password: str
    tenant_id: str = ""


@dataclass(frozen=True)
class RequestSmsCode:
    phone: str
    purpose: str = "login"


@dataclass(frozen=True)
class LoginWithSmsCode:
    phone: str
    code: str
    tenant_id: str = ""


@dataclass(frozen=True)
class ChooseTenant:
    ticket: str
    tenant_id: str


@dataclass(frozen=True)
class RequestCustomerCode:
    """A shop's customer asks for a login code to one merchant's storefront (B6)."""

    tenant_id: str
    phone: str


@dataclass(frozen=True)
class LoginCustomer:
    tenant_id: str
    phone: str
    code: str
