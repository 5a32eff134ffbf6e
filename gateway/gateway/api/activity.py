"""The salesperson's day (C6-C9): the lead pool, follow-ups and their lists, visit tasks and
today's route, duplicate customers (merge, collision release)."""

from __future__ import annotations

from apiflask import APIBlueprint

from crm.customers.v1 import activity_pb2 as pb
from crmkit.protos import timestamp
from gateway.api.activity_schemas import (
    AssignIn,
    CheckInIn,
    ConvertIn,
    ConvertOut,
    DuplicateListOut,
    DuplicateOut,
    DuplicateQuery,
    FollowupCustomerOut,
    FollowupCustomersOut,
    FollowupCustomersQuery,
    FollowupIn,
    FollowupListOut,
    FollowupOut,
    LeadIn,
    LeadListOut,
    LeadListQuery,
    LeadOut,
    LeadResultOut,
    LeadsFileIn,
    LeadsImportOut,
    LeadsImportQuery,
    ReasonIn,
    RequiredReasonIn,
    RouteOut,
    RouteQuery,
    VisitIn,
    VisitListOut,
    VisitOut,
    VisitQuery,
    duplicate_dict,
    followup_customer_dict,
    followup_dict,
    lead_dict,
    visit_dict,
)
from gateway.api.calls import call
from gateway.api.common import READ_ERRORS, SECURED, WRITE_ERRORS, PageQuery, page_out, page_request
from gateway.api.uploads import SPREADSHEET_TIMEOUT, accepts_upload, problems_out, read_xlsx
from gateway.auth import staff_only
from gateway.idempotency import idempotent

bp = APIBlueprint("activity", __name__, tag="Activity", url_prefix="/api/v1")


def _followup_request(body, **subject) -> pb.RecordFollowupRequest:
    # A time without an offset is UTC (crmkit.protos.timestamp), as everywhere in the API.
    when = timestamp(body.get("next_followup_at"))
    return pb.RecordFollowupRequest(status=body["status"], content=body["content"], next_followup_at=when, **subject)


# --- C7 leads ---


@bp.post("/leads")
@bp.doc(operation_id="createLead", security=SECURED, responses=[400, 401, 403, 409, 429, 503])
@staff_only
@idempotent
@bp.input(LeadIn, arg_name="body")
@bp.output(LeadResultOut, status_code=201)
def create_lead(body):
    """Enter a lead by hand

    A phone or a WeChat unionID is required. The same person (phone or unionID) is one lead:
    an entry for a known person joins that lead (`merged: true`). A salesperson's new lead is
    theirs; a manager's goes to the pool.
    """
    reply = call("activity", "CreateLead", pb.CreateLeadRequest(**body))
    return {"lead": lead_dict(reply.lead), "merged": reply.merged}


@bp.post("/leads/import")
@bp.doc(operation_id="importLeads", security=SECURED, responses=[400, 401, 403, 413, 429, 503])
@staff_only
@accepts_upload
@bp.input(LeadsImportQuery, location="query", arg_name="query")
@bp.input(LeadsFileIn, location="files", arg_name="files")
@bp.output(LeadsImportOut)
def import_leads(query, files):
    """Import leads from an .xlsx (managers; multipart field `file`, at most 5 MB)

    Columns: 姓名 (required), 手机号, 微信unionID, 公司, 备注, 标签. Problems are reported by row
    and column and those rows skipped; the others land in the pool or join the lead of the same
    person. `dry_run=true` checks everything and writes nothing.
    """
    data = read_xlsx(files["file"])
    reply = call(
        "activity",
        "ImportLeads",
        pb.ImportLeadsRequest(xlsx=data, dry_run=query["dry_run"]),
        timeout=SPREADSHEET_TIMEOUT,
    )
    problems = problems_out(reply.problems)
    return {"created": reply.created, "merged": reply.merged, "dry_run": reply.dry_run, "problems": problems}


@bp.get("/leads")
@bp.doc(operation_id="listLeads", security=SECURED, responses=READ_ERRORS)
@staff_only
@bp.input(LeadListQuery, location="query", arg_name="query")
@bp.output(LeadListOut)
def list_leads(query):
    """List leads: the pool (oldest first), mine, or all (managers)"""
    reply = call(
        "activity",
        "ListLeads",
        pb.ListLeadsRequest(scope=query["scope"], page=page_request(query), phone=query["phone"]),
    )
    return {"leads": [lead_dict(m) for m in reply.leads], "page": page_out(reply.page)}


@bp.get("/leads/<string:lead_id>")
@bp.doc(operation_id="getLead", security=SECURED, responses=READ_ERRORS)
@staff_only
@bp.output(LeadOut)
def get_lead(lead_id):
    """Get one lead"""
    return lead_dict(call("activity", "GetLead", pb.LeadRef(id=lead_id)))


@bp.post("/leads/<string:lead_id>/assign")
@bp.doc(operation_id="assignLead", security=SECURED, responses=WRITE_ERRORS)
@staff_only
@bp.input(AssignIn, arg_name="body")
@bp.output(LeadOut)
def assign_lead(lead_id, body):
    """Assign a pool lead to a salesperson (managers)"""
    return lead_dict(call("activity", "AssignLead", pb.AssignLeadRequest(lead_id=lead_id, staff_id=body["staff_id"])))


@bp.post("/leads/<string:lead_id>/claim")
@bp.doc(operation_id="claimLead", security=SECURED, responses=WRITE_ERRORS)
@staff_only
@bp.output(LeadOut)
def claim_lead(lead_id):
    """Take a pool lead; 409 when someone was quicker"""
    return lead_dict(call("activity", "ClaimLead", pb.LeadRef(id=lead_id)))


@bp.post("/leads/<string:lead_id>/release")
@bp.doc(operation_id="releaseLead", security=SECURED, responses=WRITE_ERRORS)
@staff_only
@bp.input(ReasonIn, arg_name="body")
@bp.output(LeadOut)
def release_lead(lead_id, body):
    """Put a lead back in the pool (its salesperson or a manager)"""
    return lead_dict(call("activity", "ReleaseLead", pb.ReleaseLeadRequest(lead_id=lead_id, reason=body["reason"])))


@bp.post("/leads/<string:lead_id>/convert")
@bp.doc(operation_id="convertLead", security=SECURED, responses=WRITE_ERRORS)
@staff_only
@idempotent
@bp.input(ConvertIn, arg_name="body")
@bp.output(ConvertOut)
def convert_lead(lead_id, body):
    """Make the lead a customer of its salesperson (置为客户)

    Follow-ups and tags move to the customer. When a customer already has the phone, no
    customer is created: `duplicate` says whether the two can be merged or collide (撞单).
    """
    reply = call("activity", "ConvertLead", pb.ConvertLeadRequest(lead_id=lead_id, fields=body["fields"]))
    return {
        "lead": lead_dict(reply.lead),
        "customer_id": reply.customer_id,
        "duplicate": duplicate_dict(reply.duplicate) if reply.HasField("duplicate") else None,
    }


@bp.post("/leads/<string:lead_id>/followups")
@bp.doc(operation_id="followUpLead", security=SECURED, responses=WRITE_ERRORS)
@staff_only
@idempotent
@bp.input(FollowupIn, arg_name="body")
@bp.output(FollowupOut, status_code=201)
def follow_up_lead(lead_id, body):
    """Write a follow-up on a lead (its assigned salesperson only)"""
    return followup_dict(call("activity", "RecordFollowup", _followup_request(body, lead_id=lead_id)))


@bp.get("/leads/<string:lead_id>/followups")
@bp.doc(operation_id="listLeadFollowups", security=SECURED, responses=READ_ERRORS)
@staff_only
@bp.input(PageQuery, location="query", arg_name="query")
@bp.output(FollowupListOut)
def list_lead_followups(lead_id, query):
    """A lead's follow-ups, newest first"""
    reply = call("activity", "ListFollowups", pb.ListFollowupsRequest(lead_id=lead_id, page=page_request(query)))
    return {"followups": [followup_dict(m) for m in reply.followups], "page": page_out(reply.page)}


# --- C8 follow-ups on customers ---


@bp.post("/customers/<string:customer_id>/followups")
@bp.doc(operation_id="followUpCustomer", security=SECURED, responses=WRITE_ERRORS)
@staff_only
@idempotent
@bp.input(FollowupIn, arg_name="body")
@bp.output(FollowupOut, status_code=201)
def follow_up_customer(customer_id, body):
    """Write a follow-up (写跟进): status, content, next follow-up time (owner or manager)"""
    return followup_dict(call("activity", "RecordFollowup", _followup_request(body, customer_id=customer_id)))


@bp.get("/customers/<string:customer_id>/followups")
@bp.doc(operation_id="listCustomerFollowups", security=SECURED, responses=READ_ERRORS)
@staff_only
@bp.input(PageQuery, location="query", arg_name="query")
@bp.output(FollowupListOut)
def list_customer_followups(customer_id, query):
    """A customer's follow-ups and visits, newest first (including those written on its lead)"""
    reply = call(
        "activity", "ListFollowups", pb.ListFollowupsRequest(customer_id=customer_id, page=page_request(query))
    )
    return {"followups": [followup_dict(m) for m in reply.followups], "page": page_out(reply.page)}


@bp.get("/followup-customers")
@bp.doc(operation_id="listFollowupCustomers", security=SECURED, responses=READ_ERRORS)
@staff_only
@bp.input(FollowupCustomersQuery, location="query", arg_name="query")
@bp.output(FollowupCustomersOut)
def list_followup_customers(query):
    """The active list (跟进库, next follow-up soonest first) or the eliminated list (淘汰库)"""
    request = pb.ListFollowupCustomersRequest(eliminated=query["list"] == "eliminated", page=page_request(query))
    reply = call("activity", "ListFollowupCustomers", request)
    return {"customers": [followup_customer_dict(m) for m in reply.customers], "page": page_out(reply.page)}


def _move(customer_id: str, *, eliminated: bool, reason: str):
    request = pb.MoveFollowupCustomerRequest(customer_id=customer_id, eliminated=eliminated, reason=reason)
    return followup_customer_dict(call("activity", "MoveFollowupCustomer", request))


@bp.post("/customers/<string:customer_id>/eliminate")
@bp.doc(operation_id="eliminateCustomer", security=SECURED, responses=WRITE_ERRORS)
@staff_only
@bp.input(RequiredReasonIn, arg_name="body")
@bp.output(FollowupCustomerOut)
def eliminate_customer(customer_id, body):
    """Move a customer to the eliminated list (淘汰), with a reason"""
    return _move(customer_id, eliminated=True, reason=body["reason"])


@bp.post("/customers/<string:customer_id>/restore")
@bp.doc(operation_id="restoreCustomer", security=SECURED, responses=WRITE_ERRORS)
@staff_only
@bp.input(RequiredReasonIn, arg_name="body")
@bp.output(FollowupCustomerOut)
def restore_customer(customer_id, body):
    """Move a customer back to the active list, with a reason"""
    return _move(customer_id, eliminated=False, reason=body["reason"])


# --- C6 visits ---


@bp.post("/visits")
@bp.doc(operation_id="scheduleVisit", security=SECURED, responses=WRITE_ERRORS)
@staff_only
@idempotent
@bp.input(VisitIn, arg_name="body")
@bp.output(VisitOut, status_code=201)
def schedule_visit(body):
    """Plan a visit on a day (own day, or a salesperson's for managers)"""
    return visit_dict(call("activity", "ScheduleVisit", pb.ScheduleVisitRequest(**body)))


@bp.get("/visits")
@bp.doc(operation_id="listVisits", security=SECURED, responses=READ_ERRORS)
@staff_only
@bp.input(VisitQuery, location="query", arg_name="query")
@bp.output(VisitListOut)
def list_visits(query):
    """Due visits of a day (default today) or overdue ones (planned, earlier days)"""
    request = pb.ListVisitsRequest(
        which=query["which"], staff_id=query["staff_id"], day=query["day"], page=page_request(query)
    )
    reply = call("activity", "ListVisits", request)
    return {"visits": [visit_dict(m) for m in reply.visits], "page": page_out(reply.page)}


@bp.get("/visits/route")
@bp.doc(operation_id="planVisitRoute", security=SECURED, responses=READ_ERRORS)
@staff_only
@bp.input(RouteQuery, location="query", arg_name="query")
@bp.output(RouteOut)
def plan_route(query):
    """Today's due visits as a route from where I stand (nearest first, then nearest from each stop)"""
    reply = call("activity", "PlanRoute", pb.PlanRouteRequest(**query))
    return {"stops": [{"visit": visit_dict(s.visit), "distance_m": s.distance_m} for s in reply.stops]}


@bp.post("/visits/<string:task_id>/check-in")
@bp.doc(operation_id="checkInVisit", security=SECURED, responses=WRITE_ERRORS)
@staff_only
@bp.input(CheckInIn, arg_name="body")
@bp.output(VisitOut)
def check_in(task_id, body):
    """Check in on site with my position and a note; records a visit follow-up"""
    return visit_dict(call("activity", "CheckInVisit", pb.CheckInVisitRequest(task_id=task_id, **body)))


# --- C9 duplicates ---


@bp.get("/duplicates")
@bp.doc(operation_id="listDuplicates", security=SECURED, responses=READ_ERRORS)
@staff_only
@bp.input(DuplicateQuery, location="query", arg_name="query")
@bp.output(DuplicateListOut)
def list_duplicates(query):
    """Duplicate customers I am a side of (managers: all), newest first"""
    reply = call(
        "activity", "ListDuplicates", pb.ListDuplicatesRequest(open_only=query["open_only"], page=page_request(query))
    )
    return {"duplicates": [duplicate_dict(m) for m in reply.duplicates], "page": page_out(reply.page)}


@bp.post("/duplicates/<string:duplicate_id>/merge")
@bp.doc(operation_id="mergeDuplicate", security=SECURED, responses=WRITE_ERRORS)
@staff_only
@bp.output(DuplicateOut)
def merge_duplicate(duplicate_id):
    """Merge the lead into the customer (same salesperson, or the customer has none)"""
    return duplicate_dict(call("activity", "MergeDuplicate", pb.DuplicateRef(id=duplicate_id)))


@bp.post("/duplicates/<string:duplicate_id>/release")
@bp.doc(operation_id="releaseDuplicate", security=SECURED, responses=WRITE_ERRORS)
@staff_only
@bp.output(DuplicateOut)
def release_duplicate(duplicate_id):
    """Let go in a collision (撞单): the customer's owner releases the customer, the lead's
    salesperson the lead"""
    return duplicate_dict(call("activity", "ReleaseDuplicate", pb.DuplicateRef(id=duplicate_id)))
