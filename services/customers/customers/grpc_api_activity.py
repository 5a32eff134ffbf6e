"""gRPC servicer of crm.customers.v1.ActivityService (C6-C9): proto -> use case -> proto."""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime

from crm.customers.v1 import activity_pb2 as pb
from crm.customers.v1 import activity_pb2_grpc
from crmkit.auth import require_actor
from crmkit.db import Database, utcnow
from crmkit.grpc_server import ServiceRegistration
from crmkit.paging import page_from_proto
from crmkit.protos import datetime_of, timestamp
from customers.domain.activity import FollowupInput, LeadInput
from customers.service import duplicates, followups, lead_conversion, leads, visits
from customers.service.activity_views import DuplicateView, FollowupCustomerView, FollowupView, LeadView, VisitView
from customers.staff_directory import StaffDirectory

FULL_NAME = "crm.customers.v1.ActivityService"


def lead_to_proto(v: LeadView) -> pb.Lead:
    return pb.Lead(
        id=v.id,
        name=v.name,
        phone=v.phone,
        union_id=v.union_id,
        company=v.company,
        note=v.note,
        tags=list(v.tags),
        source=v.source,
        staff_id=v.staff_id or "",
        status=v.status,
        customer_id=v.customer_id or "",
        created_at=timestamp(v.created_at),
        assigned_at=timestamp(v.assigned_at),
        last_followup_at=timestamp(v.last_followup_at),
    )


def followup_to_proto(v: FollowupView) -> pb.Followup:
    return pb.Followup(
        id=v.id,
        customer_id=v.customer_id or "",
        lead_id=v.lead_id or "",
        staff_id=v.staff_id,
        status=v.status,
        content=v.content,
        next_followup_at=timestamp(v.next_followup_at),
        kind=v.kind,
        visit_task_id=v.visit_task_id or "",
        created_at=timestamp(v.created_at),
    )


def followup_customer_to_proto(v: FollowupCustomerView) -> pb.FollowupCustomer:
    return pb.FollowupCustomer(
        customer_id=v.customer_id,
        name=v.name,
        phone=v.phone,
        owner_staff_id=v.owner_staff_id or "",
        eliminated=v.eliminated,
        reason=v.reason,
        status=v.status,
        next_followup_at=timestamp(v.next_followup_at),
        last_followup_at=timestamp(v.last_followup_at),
    )


def visit_to_proto(v: VisitView) -> pb.VisitTask:
    optional = {
        "check_in_latitude": v.check_in_latitude,
        "check_in_longitude": v.check_in_longitude,
        "customer_latitude": v.customer_latitude,
        "customer_longitude": v.customer_longitude,
    }
    return pb.VisitTask(
        id=v.id,
        staff_id=v.staff_id,
        customer_id=v.customer_id,
        customer_name=v.customer_name,
        day=v.day.isoformat(),
        note=v.note,
        status=v.status,
        created_by_staff_id=v.created_by_staff_id,
        checked_in_at=timestamp(v.checked_in_at),
        check_in_note=v.check_in_note,
        followup_id=v.followup_id or "",
        **{k: value for k, value in optional.items() if value is not None},
    )


def duplicate_to_proto(v: DuplicateView) -> pb.Duplicate:
    return pb.Duplicate(
        id=v.id,
        phone=v.phone,
        customer_id=v.customer_id,
        lead_id=v.lead_id,
        customer_owner_staff_id=v.customer_owner_staff_id or "",
        lead_staff_id=v.lead_staff_id or "",
        kind=v.kind,
        status=v.status,
        resolved_by_staff_id=v.resolved_by_staff_id or "",
        created_at=timestamp(v.created_at),
        followups_moved=v.followups_moved,
        tags_added=list(v.tags_added),
    )


class ActivityServicer(activity_pb2_grpc.ActivityServiceServicer):
    def __init__(self, db: Database, *, staff: StaffDirectory | None = None, clock: Callable[[], datetime] = utcnow):
        self.db = db
        self.staff = staff
        self.clock = clock

    # --- leads ---

    def CreateLead(self, request, context):
        lead = LeadInput(
            name=request.name,
            phone=request.phone,
            union_id=request.union_id,
            company=request.company,
            note=request.note,
            tags=tuple(request.tags),
        )
        result = leads.create_lead(self.db.uow(), require_actor(), lead, now=self.clock())
        return pb.LeadResult(lead=lead_to_proto(result.lead), merged=result.merged)

    def ImportLeads(self, request, context):
        result = leads.import_leads(
            self.db.uow(), require_actor(), request.xlsx, dry_run=request.dry_run, now=self.clock()
        )
        return pb.ImportLeadsResponse(
            created=result.created,
            merged=result.merged,
            dry_run=result.dry_run,
            problems=[pb.ImportProblem(row=p.row, column=p.column, message_key=p.message_key) for p in result.problems],
        )

    def GetLead(self, request, context):
        return lead_to_proto(leads.get_lead(self.db.uow(), require_actor(), request.id))

    def ListLeads(self, request, context):
        page = page_from_proto(request.page)
        result = leads.list_leads(self.db.uow(), require_actor(), page, scope=request.scope, phone=request.phone)
        return pb.ListLeadsResponse(leads=[lead_to_proto(v) for v in result.items], page=page.info(result.total))

    def AssignLead(self, request, context):
        view = leads.assign_lead(
            self.db.uow(), require_actor(), request.lead_id, request.staff_id, staff=self.staff, now=self.clock()
        )
        return lead_to_proto(view)

    def ClaimLead(self, request, context):
        return lead_to_proto(leads.claim_lead(self.db.uow(), require_actor(), request.id, now=self.clock()))

    def ReleaseLead(self, request, context):
        return lead_to_proto(leads.release_lead(self.db.uow(), require_actor(), request.lead_id, reason=request.reason))

    def ConvertLead(self, request, context):
        result = lead_conversion.convert_lead(
            self.db.uow(), require_actor(), request.lead_id, dict(request.fields), now=self.clock()
        )
        return pb.ConvertLeadResponse(
            lead=lead_to_proto(result.lead),
            customer_id=result.customer_id or "",
            duplicate=duplicate_to_proto(result.duplicate) if result.duplicate else None,
        )

    # --- follow-ups ---

    def RecordFollowup(self, request, context):
        f = FollowupInput(
            status=request.status, content=request.content, next_followup_at=datetime_of(request, "next_followup_at")
        )
        view = followups.record_followup(
            self.db.uow(),
            require_actor(),
            customer_id=request.customer_id,
            lead_id=request.lead_id,
            f=f,
            now=self.clock(),
        )
        return followup_to_proto(view)

    def ListFollowups(self, request, context):
        page = page_from_proto(request.page)
        result = followups.list_followups(
            self.db.uow(), require_actor(), page, customer_id=request.customer_id, lead_id=request.lead_id
        )
        return pb.ListFollowupsResponse(
            followups=[followup_to_proto(v) for v in result.items], page=page.info(result.total)
        )

    def ListFollowupCustomers(self, request, context):
        page = page_from_proto(request.page)
        result = followups.list_followup_customers(self.db.uow(), require_actor(), page, eliminated=request.eliminated)
        return pb.ListFollowupCustomersResponse(
            customers=[followup_customer_to_proto(v) for v in result.items], page=page.info(result.total)
        )

    def MoveFollowupCustomer(self, request, context):
        view = followups.move_followup_customer(
            self.db.uow(),
            require_actor(),
            request.customer_id,
            eliminated=request.eliminated,
            reason=request.reason,
            now=self.clock(),
        )
        return followup_customer_to_proto(view)

    # --- visits ---

    def ScheduleVisit(self, request, context):
        view = visits.schedule_visit(
            self.db.uow(),
            require_actor(),
            request.customer_id,
            staff_id=request.staff_id,
            day=request.day,
            note=request.note,
            directory=self.staff,
            now=self.clock(),
        )
        return visit_to_proto(view)

    def ListVisits(self, request, context):
        page = page_from_proto(request.page)
        result = visits.list_visits(
            self.db.uow(),
            require_actor(),
            page,
            which=request.which,
            staff_id=request.staff_id,
            day=request.day,
            now=self.clock(),
        )
        return pb.ListVisitsResponse(visits=[visit_to_proto(v) for v in result.items], page=page.info(result.total))

    def CheckInVisit(self, request, context):
        view = visits.check_in(
            self.db.uow(),
            require_actor(),
            request.task_id,
            latitude=request.latitude,
            longitude=request.longitude,
            note=request.note,
            status=request.status,
            now=self.clock(),
        )
        return visit_to_proto(view)

    def PlanRoute(self, request, context):
        stops = visits.plan_route(
            self.db.uow(),
            require_actor(),
            latitude=request.latitude,
            longitude=request.longitude,
            staff_id=request.staff_id,
            day=request.day,
            now=self.clock(),
        )
        return pb.PlanRouteResponse(
            stops=[pb.RouteStop(visit=visit_to_proto(s.visit), distance_m=s.distance_m) for s in stops]
        )

    # --- duplicates ---

    def ListDuplicates(self, request, context):
        page = page_from_proto(request.page)
        result = duplicates.list_duplicates(self.db.uow(), require_actor(), page, open_only=request.open_only)
        return pb.ListDuplicatesResponse(
            duplicates=[duplicate_to_proto(v) for v in result.items], page=page.info(result.total)
        )

    def MergeDuplicate(self, request, context):
        return duplicate_to_proto(
            duplicates.merge_duplicate(self.db.uow(), require_actor(), request.id, now=self.clock())
        )

    def ReleaseDuplicate(self, request, context):
        view = duplicates.release_duplicate(self.db.uow(), require_actor(), request.id, now=self.clock())
        return duplicate_to_proto(view)


def activity_registration(
    db: Database, *, staff: StaffDirectory | None = None, clock: Callable[[], datetime] = utcnow
) -> ServiceRegistration:
    return ServiceRegistration(
        activity_pb2_grpc.add_ActivityServiceServicer_to_server,
        ActivityServicer(db, staff=staff, clock=clock),
        FULL_NAME,
    )
