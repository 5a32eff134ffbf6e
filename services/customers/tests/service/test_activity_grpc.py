"""C6-C9 through the real gRPC server (ActivityService next to CustomersService): tokens become
actors, errors cross the wire with codes and field names."""

import io

import pytest
from customer_testkit import PUBLIC, phone, staff, token_for
from openpyxl import Workbook

from crm.customers.v1 import activity_pb2 as pb
from crm.customers.v1 import activity_pb2_grpc
from crm.customers.v1 import customers_pb2 as cpb
from crmkit.auth import TokenVerifier
from crmkit.errors import Conflict, InvalidInput, NotFound
from crmkit.grpc_client import ServiceClient
from crmkit.grpc_server import build_server
from customers.grpc_api_activity import FULL_NAME


@pytest.fixture(scope="module")
def activity(runtime):
    server, port, _ = build_server(
        "customers", runtime.registrations, verifier=TokenVerifier(PUBLIC), port=0, host="127.0.0.1"
    )
    server.start()
    c = ServiceClient(f"127.0.0.1:{port}", activity_pb2_grpc.ActivityServiceStub, FULL_NAME)
    yield c
    c.close()
    server.stop(0)


def call(client, actor, method, request):
    return client.call(method, request, token=token_for(actor))


def test_c7_lead_to_customer_over_grpc(activity, client, tenant):
    manager, seller = staff(tenant, "store_manager"), staff(tenant, "salesperson")
    book = Workbook()
    book.active.append(["姓名", "手机号", "标签"])
    book.active.append(["王芳", phone(1), "大客户"])
    book.active.append(["", "bad", ""])
    out = io.BytesIO()
    book.save(out)
    imported = call(activity, manager, "ImportLeads", pb.ImportLeadsRequest(xlsx=out.getvalue()))
    assert (imported.created, imported.merged, imported.dry_run) == (1, 0, False)
    assert [(p.row, p.column, p.message_key) for p in imported.problems] == [
        (3, "姓名", "validation.required"),
        (3, "手机号", "validation.phone_invalid"),
    ]
    pool = call(activity, seller, "ListLeads", pb.ListLeadsRequest(scope="pool"))
    lead = pool.leads[0]
    assert (lead.name, list(lead.tags), pool.page.total) == ("王芳", ["大客户"], 1)
    call(activity, manager, "AssignLead", pb.AssignLeadRequest(lead_id=lead.id, staff_id=seller.staff_id))
    followup = call(
        activity,
        seller,
        "RecordFollowup",
        pb.RecordFollowupRequest(lead_id=lead.id, status="interested", content="要报价"),
    )
    assert followup.lead_id == lead.id and followup.created_at.seconds > 0
    converted = call(activity, seller, "ConvertLead", pb.ConvertLeadRequest(lead_id=lead.id))
    assert converted.customer_id and not converted.HasField("duplicate")
    customer = client.call("GetCustomer", cpb.GetCustomerRequest(id=converted.customer_id), token=token_for(seller))
    assert customer.owner_staff_id == seller.staff_id
    history = call(activity, seller, "ListFollowups", pb.ListFollowupsRequest(customer_id=customer.id))
    assert [f.id for f in history.followups] == [followup.id]


def test_c8_c6_errors_cross_the_wire(activity, tenant):
    seller = staff(tenant, "salesperson")
    with pytest.raises(InvalidInput) as err:
        call(activity, seller, "RecordFollowup", pb.RecordFollowupRequest(customer_id="x", status="nope", content=""))
    assert err.value.fields == {"status": "validation.invalid_choice", "content": "validation.required"}
    with pytest.raises(NotFound):
        call(activity, seller, "RecordFollowup", pb.RecordFollowupRequest(customer_id="x", status="won", content="ok"))
    with pytest.raises(InvalidInput) as err:
        call(activity, seller, "PlanRoute", pb.PlanRouteRequest(latitude=95, longitude=121))
    assert err.value.fields == {"latitude": "validation.invalid"}
    with pytest.raises(NotFound):
        call(activity, seller, "CheckInVisit", pb.CheckInVisitRequest(task_id="nope", latitude=31, longitude=121))


def test_c6_route_and_c9_collision_over_grpc(activity, client, tenant):
    a, b = staff(tenant, "salesperson"), staff(tenant, "salesperson")
    req = cpb.RegisterCustomerRequest(name="老客", phone=phone(1))
    customer = client.call("RegisterCustomer", req, token=token_for(a))
    visit = call(activity, a, "ScheduleVisit", pb.ScheduleVisitRequest(customer_id=customer.id))
    assert visit.status == "planned" and not visit.HasField("customer_latitude")
    route = call(activity, a, "PlanRoute", pb.PlanRouteRequest(latitude=31.2, longitude=121.4))
    assert [(s.visit.id, s.distance_m) for s in route.stops] == [(visit.id, -1)]
    done = call(activity, a, "CheckInVisit", pb.CheckInVisitRequest(task_id=visit.id, latitude=31.2, longitude=121.4))
    assert done.status == "done" and done.check_in_latitude == pytest.approx(31.2) and done.followup_id
    lead = call(activity, b, "CreateLead", pb.CreateLeadRequest(name="老客", phone=phone(1))).lead
    dup = call(activity, b, "ConvertLead", pb.ConvertLeadRequest(lead_id=lead.id)).duplicate
    assert (dup.kind, dup.status) == ("collision", "open")
    with pytest.raises(Conflict):
        call(activity, b, "MergeDuplicate", pb.DuplicateRef(id=dup.id))
    released = call(activity, b, "ReleaseDuplicate", pb.DuplicateRef(id=dup.id))
    assert released.status == "released"
