"""C2 C3 C5 C12 through the real gRPC server: public registration without a staff token,
errors with their codes and statuses, optional location fields, tag filter on ListCustomers."""

import pytest
from customer_testkit import PUBLIC, phone, staff, token_for

from crm.common.v1 import common_pb2
from crm.customers.v1 import customers_pb2 as cpb
from crm.customers.v1 import customers_pb2_grpc, ownership_pb2_grpc
from crm.customers.v1 import ownership_pb2 as pb
from crmkit.auth import TokenVerifier
from crmkit.errors import Conflict, InvalidInput, NotFound, QuotaExceeded, Unauthenticated
from crmkit.grpc_client import ServiceClient
from crmkit.grpc_server import build_server
from crmkit.settings import Settings
from customers import grpc_api, grpc_api_ownership, server


@pytest.fixture(scope="module")
def clients(database_url):
    rt = server.build(Settings(service="customers", database_url=database_url), registration_secret="grpc-test-secret")
    grpc_server, port, _ = build_server(
        "customers", rt.registrations, verifier=TokenVerifier(PUBLIC), port=0, host="127.0.0.1"
    )
    grpc_server.start()
    addr = f"127.0.0.1:{port}"
    own = ServiceClient(addr, ownership_pb2_grpc.CustomerOwnershipServiceStub, grpc_api_ownership.FULL_NAME)
    cust = ServiceClient(addr, customers_pb2_grpc.CustomersServiceStub, grpc_api.FULL_NAME)
    yield own, cust
    own.close()
    cust.close()
    grpc_server.stop(0)
    rt.close()


def call(client, actor, method, request):
    return client.call(method, request, token=token_for(actor) if actor else None)


def test_c2_public_registration_over_grpc(clients, tenant):
    own, cust = clients
    seller = staff(tenant, "salesperson")
    code = call(own, seller, "IssueRegistrationQr", pb.IssueRegistrationQrRequest(link_base="https://x.cn/r"))
    assert code.png[:4] == b"\x89PNG" and code.url == f"https://x.cn/r/{code.token}"
    form = call(own, None, "GetRegistrationForm", pb.GetRegistrationFormRequest(token=code.token))
    assert form.salesperson_id == seller.staff_id
    applied = call(
        own, None, "ApplyForRegistration", pb.ApplyForRegistrationRequest(token=code.token, name="王", phone=phone(1))
    )
    assert applied.status == pb.APPLICATION_STATUS_PENDING
    with pytest.raises(InvalidInput) as err:
        call(own, None, "ApplyForRegistration", pb.ApplyForRegistrationRequest(token=code.token + "x", name="王"))
    assert err.value.fields == {"token": "validation.invalid"}
    # Staff methods still need a token.
    with pytest.raises(Unauthenticated):
        call(own, None, "ListRegistrationApplications", pb.ListRegistrationApplicationsRequest())
    listed = call(own, seller, "ListRegistrationApplications", pb.ListRegistrationApplicationsRequest())
    assert [a.id for a in listed.applications] == [applied.id]
    approved = call(own, seller, "ApproveRegistrationApplication", pb.ReviewRegistrationRequest(id=applied.id))
    got = call(cust, seller, "GetCustomer", cpb.GetCustomerRequest(id=approved.customer_id))
    assert got.owner_staff_id == seller.staff_id and got.HasField("owned_since")


def test_c3_claim_cap_and_conflict_statuses_over_grpc(clients, tenant):
    own, cust = clients
    owner, seller, rival = staff(tenant, "owner"), staff(tenant, "salesperson"), staff(tenant, "salesperson")
    call(own, owner, "UpdateCustomerSettings", pb.CustomerSettings(max_customers_held=1))
    a = call(cust, seller, "RegisterCustomer", cpb.RegisterCustomerRequest(name="甲", phone=phone(1)))
    b = call(cust, rival, "RegisterCustomer", cpb.RegisterCustomerRequest(name="乙", phone=phone(2)))
    call(own, rival, "ReleaseCustomer", pb.ReleaseCustomerRequest(customer_id=b.id, reason="走了"))
    with pytest.raises(QuotaExceeded) as err:
        call(own, seller, "ClaimCustomer", pb.ClaimCustomerRequest(customer_id=b.id))
    assert err.value.code == "CUSTOMER_HOLD_LIMIT_REACHED"
    third = staff(tenant, "salesperson")
    assert call(own, third, "ClaimCustomer", pb.ClaimCustomerRequest(customer_id=b.id)).owner_staff_id == third.staff_id
    with pytest.raises(Conflict) as err:
        call(own, seller, "ClaimCustomer", pb.ClaimCustomerRequest(customer_id=a.id))
    assert err.value.code == "CUSTOMER_NOT_IN_POOL"
    history = call(own, owner, "ListOwnershipHistory", pb.ListOwnershipHistoryRequest(customer_id=b.id))
    assert [c.action for c in history.changes] == ["registered", "released", "claimed"]
    with pytest.raises(NotFound):
        call(
            own, staff(tenant + "x", "owner"), "ListOwnershipHistory", pb.ListOwnershipHistoryRequest(customer_id=b.id)
        )


def test_c5_c12_location_tags_and_near_me_over_grpc(clients, tenant):
    own, cust = clients
    owner = staff(tenant, "owner")
    req = cpb.RegisterCustomerRequest(name="甲", phone=phone(1), latitude=31.23, longitude=121.47, region="310101")
    a = call(cust, owner, "RegisterCustomer", req)
    assert (a.latitude, a.longitude, a.region) == (31.23, 121.47, "310101")
    b = call(cust, owner, "RegisterCustomer", cpb.RegisterCustomerRequest(name="乙", phone=phone(2)))
    assert not b.HasField("latitude")
    moved = call(cust, owner, "UpdateCustomer", cpb.UpdateCustomerRequest(id=b.id, latitude=31.24, longitude=121.47))
    assert moved.HasField("latitude") and moved.name == "乙"
    tag = call(own, owner, "CreateTag", pb.CreateTagRequest(name="重点", colour="#123456"))
    call(own, owner, "TagCustomers", pb.TagCustomersRequest(tag_ids=[tag.id], customer_ids=[b.id]))
    listed = call(cust, owner, "ListCustomers", cpb.ListCustomersRequest(tag_id=tag.id, page=common_pb2.PageRequest()))
    assert [c.id for c in listed.customers] == [b.id]
    assert [t.name for t in listed.customers[0].tags] == ["重点"]
    near = call(
        own, owner, "NearbyCustomers", pb.NearbyCustomersRequest(latitude=31.2301, longitude=121.47, radius_m=5000)
    )
    assert [n.customer.id for n in near.customers] == [a.id, b.id]
    assert near.customers[0].distance_m < near.customers[1].distance_m
    with pytest.raises(InvalidInput) as err:
        call(cust, owner, "UpdateCustomer", cpb.UpdateCustomerRequest(id=b.id, latitude=31.0))
    assert err.value.fields == {"longitude": "validation.required"}
