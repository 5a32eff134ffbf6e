"""Staff accounts: list, create, read, and the permission switches (A2)."""

from __future__ import annotations

from apiflask import APIBlueprint

from crm.identity.v1 import identity_pb2 as pb
from gateway.api.calls import call
from gateway.api.common import READ_ERRORS, SECURED, page_out, page_request
from gateway.api.identity_schemas import (
    ActiveIn,
    PermissionsIn,
    StaffIn,
    StaffListOut,
    StaffOut,
    StaffQuery,
    staff_dict,
)
from gateway.auth import staff_only
from gateway.idempotency import idempotent

bp = APIBlueprint("staff", __name__, tag="Staff", url_prefix="/api/v1")


@bp.get("/staff")
@bp.doc(operation_id="listStaff", security=SECURED, responses=READ_ERRORS)
@staff_only
@bp.input(StaffQuery, location="query", arg_name="query")
@bp.output(StaffListOut)
def list_staff(query):
    """List staff, optionally by role or store"""
    request = pb.ListStaffRequest(
        page=page_request(query),
        role=query.get("role", ""),
        store_id=query.get("store_id", ""),
    )
    reply = call("identity", "ListStaff", request)
    return {"staff": [staff_dict(s) for s in reply.staff], "page": page_out(reply.page)}


@bp.post("/staff")
@bp.doc(operation_id="createStaff", security=SECURED, responses=[400, 401, 403, 404, 409, 422, 429, 503])
@staff_only
@idempotent
@bp.input(StaffIn, arg_name="body")
@bp.output(StaffOut, status_code=201)
def create_staff(body):
    """Add a staff member

    A salesperson starts a 30-day trial seat. Without `password` the person logs in by SMS code.
    """
    request = pb.CreateStaffRequest(
        name=body["name"],
        phone=body["phone"],
        password=body.get("password", ""),
        roles=body["roles"],
        permissions=body["permissions"],
        store_ids=body["store_ids"],
    )
    return staff_dict(call("identity", "CreateStaff", request))


@bp.get("/staff/<string:staff_id>")
@bp.doc(operation_id="getStaff", security=SECURED, responses=READ_ERRORS)
@staff_only
@bp.output(StaffOut)
def get_staff(staff_id):
    """Get one staff member"""
    return staff_dict(call("identity", "GetStaff", pb.GetStaffRequest(id=staff_id)))


@bp.put("/staff/<string:staff_id>/permissions")
@bp.doc(operation_id="setStaffPermissions", security=SECURED, responses=READ_ERRORS)
@staff_only
@bp.input(PermissionsIn, arg_name="body")
@bp.output(StaffOut)
def set_staff_permissions(staff_id, body):
    """Set a staff member's permission switches

    The list is the full set after the change (e.g. `["change_price"]`; `[]` switches all off).
    A switch taken away takes effect at once: the person's older access tokens are refused
    (401 `TOKEN_REVOKED`) and the refresh their app then makes carries the new switches.
    """
    request = pb.SetStaffPermissionsRequest(staff_id=staff_id, permissions=body["permissions"])
    return staff_dict(call("identity", "SetStaffPermissions", request))


@bp.put("/staff/<string:staff_id>/active")
@bp.doc(operation_id="setStaffActive", security=SECURED, responses=[400, 401, 403, 404, 409, 429, 503])
@staff_only
@bp.input(ActiveIn, arg_name="body")
@bp.output(StaffOut)
def set_staff_active(staff_id, body):
    """Switch a staff member's account off or on (owner only)

    Off takes effect at once: every session of the account ends (its tokens are refused, its
    refresh tokens too) and it cannot log in (403 `STAFF_INACTIVE`). The owner's own account
    cannot be switched off (409 `OWNER_ALWAYS_ACTIVE`).
    """
    request = pb.SetStaffActiveRequest(staff_id=staff_id, active=body["active"])
    return staff_dict(call("identity", "SetStaffActive", request))
