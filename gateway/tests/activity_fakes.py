"""A fake of crm.customers.v1.ActivityService (C6-C9), hosted beside the fake customers service
on the customers address: records every call and answers with fixed, recognisable values."""

from __future__ import annotations

from gateway_fakes import CREATED, Recorder

from crm.common.v1 import common_pb2
from crm.customers.v1 import activity_pb2 as pb
from crm.customers.v1 import activity_pb2_grpc
from crmkit.grpc_server import ServiceRegistration


def lead_pb(lead_id="l-1", staff_id="s-1") -> pb.Lead:
    return pb.Lead(
        id=lead_id,
        name="王芳",
        phone="13800001111",
        tags=["大客户"],
        source="manual",
        staff_id=staff_id,
        status="open",
        created_at=CREATED,
    )


def visit_pb(task_id="v-1", lat=None) -> pb.VisitTask:
    extra = {"customer_latitude": lat, "customer_longitude": 121.47} if lat is not None else {}
    return pb.VisitTask(
        id=task_id,
        staff_id="s-1",
        customer_id="c-1",
        customer_name="芳芳超市",
        day="2026-01-05",
        status="planned",
        **extra,
    )


class FakeActivity(activity_pb2_grpc.ActivityServiceServicer):
    def __init__(self):
        self.rec = Recorder()

    def CreateLead(self, request, context):
        self.rec.record("CreateLead", request, context)
        return pb.LeadResult(lead=lead_pb(), merged=True)

    def ImportLeads(self, request, context):
        self.rec.record("ImportLeads", request, context)
        problems = [pb.ImportProblem(row=3, column="手机号", message_key="validation.phone_invalid")]
        return pb.ImportLeadsResponse(created=2, merged=1, dry_run=request.dry_run, problems=problems)

    def ConvertLead(self, request, context):
        self.rec.record("ConvertLead", request, context)
        duplicate = pb.Duplicate(
            id="d-1",
            phone="13800001111",
            customer_id="c-1",
            lead_id=request.lead_id,
            kind="collision",
            status="open",
            created_at=CREATED,
        )
        return pb.ConvertLeadResponse(lead=lead_pb(request.lead_id), duplicate=duplicate)

    def RecordFollowup(self, request, context):
        self.rec.record("RecordFollowup", request, context)
        return pb.Followup(
            id="f-1",
            customer_id=request.customer_id,
            lead_id=request.lead_id,
            staff_id="s-1",
            status=request.status,
            content=request.content,
            kind="followup",
            next_followup_at=request.next_followup_at if request.HasField("next_followup_at") else None,
        )

    def ListFollowupCustomers(self, request, context):
        self.rec.record("ListFollowupCustomers", request, context)
        item = pb.FollowupCustomer(customer_id="c-1", name="芳芳超市", eliminated=request.eliminated)
        return pb.ListFollowupCustomersResponse(
            customers=[item], page=common_pb2.PageInfo(page=1, page_size=20, total=1)
        )

    def PlanRoute(self, request, context):
        self.rec.record("PlanRoute", request, context)
        stops = [
            pb.RouteStop(visit=visit_pb("v-1", 31.23), distance_m=120),
            pb.RouteStop(visit=visit_pb("v-2"), distance_m=-1),
        ]
        return pb.PlanRouteResponse(stops=stops)

    def CheckInVisit(self, request, context):
        self.rec.record("CheckInVisit", request, context)
        done = visit_pb(request.task_id)
        done.status = "done"
        done.check_in_latitude = request.latitude
        done.check_in_longitude = request.longitude
        return done


def registration(fake: FakeActivity) -> ServiceRegistration:
    return ServiceRegistration(
        activity_pb2_grpc.add_ActivityServiceServicer_to_server, fake, "crm.customers.v1.ActivityService"
    )
