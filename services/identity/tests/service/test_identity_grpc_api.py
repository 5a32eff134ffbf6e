"""H2 + A1-A3 over the wire: the real gRPC server on a free port, errors as statuses."""

from __future__ import annotations

import pytest
from identity_testkit import PASSWORD, grpc_login, grpc_signup, service_token
from sqlalchemy import func, select

from crm.common.v1 import common_pb2
from crm.identity.v1 import identity_pb2 as pb
from crmkit.errors import InvalidInput, NotFound, PermissionDenied, QuotaExceeded, Unauthenticated
from identity.models import Staff, Tenant

OWNER_PHONE = "13800000001"


def create_tenant(grpc_app, phone=OWNER_PHONE, name="Tea House"):
    return grpc_signup(grpc_app, phone=phone, name=name)


def login(client, phone=OWNER_PHONE, password=PASSWORD):
    return grpc_login(client, phone=phone, password=password)


def test_a1_owner_creates_tenant_logs_in_and_creates_a_salesperson(grpc_app):
    _, client = grpc_app
    signup = create_tenant(grpc_app)
    assert signup.head_store.is_head and list(signup.owner.roles) == ["owner"]
    pair = login(client)
    me = client.call("GetMe", pb.GetMeRequest(), token=pair.access_token)
    assert me.id == signup.owner.id
    seller = client.call(
        "CreateStaff",
        pb.CreateStaffRequest(name="Xiao Li", phone="13900000001", roles=["salesperson"], password="pass1234"),
        token=pair.access_token,
    )
    assert seller.seat.active and seller.seat.valid_until == seller.seat.trial_ends_at
    assert not seller.seat.HasField("paid_until")
    seller_pair = login(client, phone="13900000001", password="pass1234")
    assert seller_pair.staff.id == seller.id
    listed = client.call(
        "ListStaff",
        pb.ListStaffRequest(role="salesperson", page=common_pb2.PageRequest(page=1, page_size=10)),
        token=pair.access_token,
    )
    assert [s.id for s in listed.staff] == [seller.id] and listed.page.total == 1


def test_a1_bad_signup_names_the_fields_and_writes_nothing(grpc_app):
    app, client = grpc_app
    with pytest.raises(InvalidInput) as err:
        client.call(
            "CreateTenant",
            pb.CreateTenantRequest(tenant_name="Tea", owner_name="Boss", owner_phone="123", owner_password="short"),
        )
    assert err.value.fields == {
        "owner_phone": "validation.phone_invalid",
        "owner_password": "validation.too_short",
        "sms_code": "validation.required",
    }
    with app.db.uow() as uow:
        assert uow.session.scalar(select(func.count()).select_from(Tenant)) == 0
        assert uow.session.scalar(select(func.count()).select_from(Staff)) == 0


def test_a1_another_tenants_staff_id_is_not_found(grpc_app):
    _, client = grpc_app
    create_tenant(grpc_app)
    other = create_tenant(grpc_app, phone="13800000002", name="Other")
    token = login(client).access_token
    with pytest.raises(NotFound) as err:
        client.call("GetStaff", pb.GetStaffRequest(id=other.owner.id), token=token)
    assert err.value.code == "STAFF_NOT_FOUND"


def test_a2_sms_login_over_grpc(grpc_app):
    app, client = grpc_app
    signup = create_tenant(grpc_app)
    sent = client.call("RequestSmsCode", pb.RequestSmsCodeRequest(phone=OWNER_PHONE, purpose="login"))
    assert sent.expires_in_seconds == 300
    with pytest.raises(QuotaExceeded) as err:
        client.call("RequestSmsCode", pb.RequestSmsCodeRequest(phone=OWNER_PHONE))
    assert err.value.code == "SMS_TOO_FREQUENT" and "retry_after" in err.value.params
    code = app.sender.last_code(OWNER_PHONE)
    reply = client.call("LoginWithSmsCode", pb.LoginWithSmsCodeRequest(phone=OWNER_PHONE, code=code))
    assert reply.tokens.staff.id == signup.owner.id


def test_a2_refresh_reuse_and_logout_over_grpc(grpc_app):
    _, client = grpc_app
    create_tenant(grpc_app)
    first = login(client)
    second = client.call("RefreshToken", pb.RefreshTokenRequest(refresh_token=first.refresh_token))
    with pytest.raises(Unauthenticated) as err:
        client.call("RefreshToken", pb.RefreshTokenRequest(refresh_token=first.refresh_token))
    assert err.value.code == "REFRESH_TOKEN_REUSED"
    third = login(client)
    client.call("Logout", pb.LogoutRequest(refresh_token=third.refresh_token))
    for token in (second.refresh_token, third.refresh_token):
        with pytest.raises(Unauthenticated) as err:
            client.call("RefreshToken", pb.RefreshTokenRequest(refresh_token=token))
        assert err.value.code == "REFRESH_TOKEN_INVALID"


def test_a2_public_calls_ignore_a_stale_token(grpc_app):
    _, client = grpc_app
    create_tenant(grpc_app)
    reply = client.call(
        "LoginWithPassword",
        pb.LoginWithPasswordRequest(phone=OWNER_PHONE, password=PASSWORD),
        token="expired.junk.token",
    )
    assert reply.tokens.access_token
    with pytest.raises(Unauthenticated):
        client.call("GetMe", pb.GetMeRequest(), token="expired.junk.token")


def test_a3_billing_service_pays_a_seat_and_staff_cannot(grpc_app):
    _, client = grpc_app
    signup = create_tenant(grpc_app)
    owner_token = login(client).access_token
    seller = client.call(
        "CreateStaff",
        pb.CreateStaffRequest(name="Xiao Li", phone="13900000001", roles=["salesperson"]),
        token=owner_token,
    )
    request = pb.RecordSeatPaymentRequest(
        staff_id=seller.id, months=12, amount=common_pb2.Money(fen=99900), payment_reference="bill-1"
    )
    with pytest.raises(PermissionDenied):
        client.call("RecordSeatPayment", request, token=owner_token)
    seat = client.call("RecordSeatPayment", request, token=service_token(), tenant_id=signup.tenant.id)
    assert seat.paid_until.ToDatetime() > seller.seat.trial_ends_at.ToDatetime()
    assert seat.valid_until == seat.paid_until
    repeat = client.call("RecordSeatPayment", request, token=service_token(), tenant_id=signup.tenant.id)
    assert repeat.paid_until == seat.paid_until


def test_a1_messaging_lists_a_stores_managers_with_its_service_token(grpc_app):
    _, client = grpc_app
    signup = create_tenant(grpc_app)
    owner_token = login(client).access_token
    manager = client.call(
        "CreateStaff",
        pb.CreateStaffRequest(
            name="Wang", phone="13900000001", roles=["store_manager"], store_ids=[signup.head_store.id]
        ),
        token=owner_token,
    )
    listed = client.call(
        "ListStaff",
        pb.ListStaffRequest(role="store_manager", store_id=signup.head_store.id),
        token=service_token("messaging"),
        tenant_id=signup.tenant.id,
    )
    assert [s.id for s in listed.staff] == [manager.id]
