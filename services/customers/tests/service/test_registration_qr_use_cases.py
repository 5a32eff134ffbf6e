"""C2 against PostgreSQL: a salesperson's signed QR, the public application, review (approve
binds the customer to the QR's salesperson, reject keeps a reason) or automatic approval."""

import io
from datetime import timedelta

import pytest
import segno
from customer_testkit import NOW, later, phone, staff
from ownership_testkit import events, register
from PIL import Image

from crmkit.errors import AlreadyExists, Conflict, InvalidInput, NotFound, PermissionDenied, Unavailable
from crmkit.paging import page_of
from customers import service
from customers.domain.fields import TEXT
from customers.domain.pool import CustomerSettings
from customers.service import registration_qr as qr
from customers.service.customer_settings import update_customer_settings
from customers.service.fields import DefineCustomerField

SECRET = b"k" * 32
BASE = "https://crm.example.com/api/v1/public/registrations"


def issue(actor, days=30):
    return qr.issue_registration_qr(actor, BASE, days, secret=SECRET, now=NOW)


def test_c2_qr_is_a_real_png_of_the_signed_url(db, tenant):
    seller = staff(tenant, "salesperson", stores=("store-9",))
    code = issue(seller)
    assert code.url == f"{BASE}/{code.token}"
    assert code.png.startswith(b"\x89PNG")
    image = Image.open(io.BytesIO(code.png))
    assert image.size[0] == image.size[1] > 100
    # The picture is exactly the QR code of the URL (segno renders deterministically).
    expected = io.BytesIO()
    segno.make(code.url, error="m").save(expected, kind="png", scale=8, border=4)
    assert code.png == expected.getvalue()
    assert code.expires_at == NOW.replace(microsecond=0) + timedelta(days=30)
    form = qr.get_registration_form(db.uow(), code.token, secret=SECRET, now=later(1))
    assert (form.tenant_id, form.salesperson_id) == (tenant, seller.staff_id)


def test_c2_only_selling_staff_issue_qr_and_secret_is_needed(tenant):
    with pytest.raises(PermissionDenied):
        issue(staff(tenant, "warehouse"))
    with pytest.raises(InvalidInput) as err:
        qr.issue_registration_qr(staff(tenant, "salesperson"), "ftp://x", 30, secret=SECRET, now=NOW)
    assert err.value.fields == {"link_base": "validation.invalid"}
    with pytest.raises(Unavailable):
        qr.issue_registration_qr(staff(tenant, "salesperson"), BASE, 30, secret=None, now=NOW)


def test_c2_application_waits_for_review_then_binds_to_the_salesperson(db, tenant):
    seller = staff(tenant, "salesperson")
    code = issue(seller)
    application = qr.apply_for_registration(db.uow(), code.token, "王老板", phone(1), {}, secret=SECRET, now=later(1))
    assert application.status == "pending"
    assert service.list_customers(db.uow(), staff(tenant, "owner"), page_of()).total == 0
    queue = qr.list_applications(db.uow(), seller, page_of())
    assert [a.id for a in queue.applications] == [application.id]
    # Another salesperson neither sees nor reviews it.
    other = staff(tenant, "salesperson")
    assert qr.list_applications(db.uow(), other, page_of()).total == 0
    with pytest.raises(NotFound):
        qr.approve_application(db.uow(), other, application.id, now=later(2))
    approved = qr.approve_application(db.uow(), staff(tenant, "store_manager"), application.id, now=later(2))
    assert approved.status == "approved" and approved.customer_id
    customer = service.get_customer(db.uow(), seller, approved.customer_id)
    assert (customer.name, customer.owner_staff_id, customer.owned_since) == ("王老板", seller.staff_id, later(2))
    types = [e["type"] for e in events(db, tenant)]
    assert types == ["registration_applied", "customer_registered", "registration_approved"]
    with pytest.raises(Conflict) as err:
        qr.reject_application(db.uow(), seller, application.id, "late", now=later(3))
    assert err.value.code == "REGISTRATION_APPLICATION_REVIEWED"


def test_c2_rejection_needs_a_reason_and_creates_nothing(db, tenant):
    seller = staff(tenant, "salesperson")
    application = qr.apply_for_registration(
        db.uow(), issue(seller).token, "李四", phone(2), {}, secret=SECRET, now=later(1)
    )
    with pytest.raises(InvalidInput) as err:
        qr.reject_application(db.uow(), seller, application.id, "", now=later(2))
    assert err.value.fields == {"reason": "validation.required"}
    rejected = qr.reject_application(db.uow(), seller, application.id, "不是我们的客户", now=later(2))
    assert (rejected.status, rejected.reject_reason) == ("rejected", "不是我们的客户")
    assert service.list_customers(db.uow(), staff(tenant, "owner"), page_of()).total == 0
    assert events(db, tenant, "registration_rejected")[0]["data"]["reason"] == "不是我们的客户"


def test_c2_auto_approval_creates_the_customer_at_once(db, tenant):
    update_customer_settings(
        db.uow(), staff(tenant, "owner"), CustomerSettings(auto_approve_registrations=True), now=NOW
    )
    seller = staff(tenant, "salesperson")
    application = qr.apply_for_registration(
        db.uow(), issue(seller).token, "赵六", phone(3), {}, secret=SECRET, now=later(1)
    )
    assert application.status == "approved"
    assert service.get_customer(db.uow(), seller, application.customer_id).owner_staff_id == seller.staff_id


def test_c2_application_checks_fields_phone_and_token(db, tenant):
    service.define_customer_field(
        db.uow(),
        staff(tenant, "owner"),
        DefineCustomerField(key="shop", label="Shop", kind=TEXT, required=True),
        now=NOW,
    )
    token = issue(staff(tenant, "salesperson")).token
    with pytest.raises(InvalidInput) as err:
        qr.apply_for_registration(db.uow(), token, "", "123", {"x": "1"}, secret=SECRET, now=later(1))
    assert err.value.fields == {
        "name": "validation.required",
        "phone": "validation.phone_invalid",
        "fields.x": "validation.unknown_field",
        "fields.shop": "validation.required",
    }
    qr.apply_for_registration(db.uow(), token, "甲", phone(4), {"shop": "A"}, secret=SECRET, now=later(1))
    with pytest.raises(Conflict) as err:
        qr.apply_for_registration(db.uow(), token, "甲", phone(4), {"shop": "A"}, secret=SECRET, now=later(2))
    assert err.value.code == "REGISTRATION_APPLICATION_PENDING"
    with pytest.raises(InvalidInput) as err:
        qr.apply_for_registration(db.uow(), token, "甲", phone(5), {"shop": "A"}, secret=b"x" * 32, now=later(1))
    assert err.value.code == "REGISTRATION_TOKEN_INVALID"
    with pytest.raises(InvalidInput):
        qr.apply_for_registration(
            db.uow(), token, "甲", phone(5), {"shop": "A"}, secret=SECRET, now=NOW + timedelta(days=31)
        )


def test_c2_phone_of_an_existing_customer_cannot_apply(db, tenant):
    seller = staff(tenant, "salesperson")
    register(db, seller, 6)
    with pytest.raises(AlreadyExists):
        qr.apply_for_registration(db.uow(), issue(seller).token, "丙", phone(6), {}, secret=SECRET, now=later(1))
