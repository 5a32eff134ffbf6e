"""Multi-store tenants (A4): sub-store applications reviewed by the head store, store switching
with pinned stores and recent history, and each sub-store's figures. Served by identity's
StoresService; identity decides who may see and do what."""

from __future__ import annotations

from apiflask import APIBlueprint

from crm.identity.v1 import stores_pb2 as pb
from crmkit.protos import datetime_of
from gateway.api import common
from gateway.api.calls import call
from gateway.api.common import READ_ERRORS, SECURED, page_out, page_request
from gateway.api.identity_schemas import store_dict
from gateway.api.store_network_schemas import (
    STATUSES,
    ApplicationIn,
    ApplicationQuery,
    ApplicationsOut,
    FiguresOut,
    FiguresQuery,
    RejectIn,
    StoreApplicationOut,
    SwitchedOut,
    SwitcherOut,
    application_dict,
    figures_dict,
    switcher_dict,
)
from gateway.auth import staff_only
from gateway.idempotency import idempotent

bp = APIBlueprint("store_network", __name__, tag="Store network", url_prefix="/api/v1/stores")
WRITE_ERRORS = sorted([*common.WRITE_ERRORS, 422])


@bp.post("/applications")
@bp.doc(operation_id="applyForSubStore", security=SECURED, responses=WRITE_ERRORS)
@staff_only
@idempotent
@bp.input(ApplicationIn, arg_name="body")
@bp.output(StoreApplicationOut, status_code=201)
def apply_for_sub_store(body):
    """Apply for a new sub-store under the head store (any staff member)

    The head store's owner or manager approves (the sub-store opens) or rejects with a reason.
    """
    request = pb.ApplyForSubStoreRequest(
        store_name=body["store_name"], contact_name=body["contact_name"], phone=body["phone"], address=body["address"]
    )
    return application_dict(call("stores", "ApplyForSubStore", request))


@bp.get("/applications")
@bp.doc(operation_id="listStoreApplications", security=SECURED, responses=READ_ERRORS)
@staff_only
@bp.input(ApplicationQuery, location="query", arg_name="query")
@bp.output(ApplicationsOut)
def list_store_applications(query):
    """Sub-store applications, newest first: reviewers see all, others their own"""
    request = pb.ListStoreApplicationsRequest(
        page=page_request(query),
        status=STATUSES.get(query["status"], pb.APPLICATION_STATUS_UNSPECIFIED),
    )
    reply = call("stores", "ListStoreApplications", request)
    return {"applications": [application_dict(a) for a in reply.applications], "page": page_out(reply.page)}


@bp.get("/applications/<string:application_id>")
@bp.doc(operation_id="getStoreApplication", security=SECURED, responses=READ_ERRORS)
@staff_only
@bp.output(StoreApplicationOut)
def get_store_application(application_id):
    """One sub-store application"""
    return application_dict(call("stores", "GetStoreApplication", pb.GetStoreApplicationRequest(id=application_id)))


@bp.post("/applications/<string:application_id>/approve")
@bp.doc(operation_id="approveStoreApplication", security=SECURED, responses=WRITE_ERRORS)
@staff_only
@bp.output(StoreApplicationOut)
def approve_store_application(application_id):
    """Approve: the sub-store opens under the head store (owner or head-store manager)"""
    request = pb.ApproveStoreApplicationRequest(id=application_id)
    return application_dict(call("stores", "ApproveStoreApplication", request))


@bp.post("/applications/<string:application_id>/reject")
@bp.doc(operation_id="rejectStoreApplication", security=SECURED, responses=WRITE_ERRORS)
@staff_only
@bp.input(RejectIn, arg_name="body")
@bp.output(StoreApplicationOut)
def reject_store_application(application_id, body):
    """Reject with a reason the applicant sees (owner or head-store manager)"""
    request = pb.RejectStoreApplicationRequest(id=application_id, reason=body["reason"])
    return application_dict(call("stores", "RejectStoreApplication", request))


@bp.get("/switcher")
@bp.doc(operation_id="getStoreSwitcher", security=SECURED, responses=READ_ERRORS)
@staff_only
@bp.output(SwitcherOut)
def get_store_switcher():
    """Your stores (pinned first), the current one and the stores you entered lately"""
    return switcher_dict(call("stores", "GetStoreSwitcher", pb.GetStoreSwitcherRequest()))


@bp.post("/<string:store_id>/switch")
@bp.doc(operation_id="switchStore", security=SECURED, responses=WRITE_ERRORS)
@staff_only
@bp.output(SwitchedOut)
def switch_store(store_id):
    """Make one of your stores the current one

    Answers with a new access token naming the store; the refresh token stays valid and later
    refreshes keep the store.
    """
    reply = call("stores", "SwitchStore", pb.SwitchStoreRequest(store_id=store_id))
    return {
        "access_token": reply.access_token,
        "access_expires_at": datetime_of(reply, "access_expires_at"),
        "store": store_dict(reply.store),
    }


@bp.put("/<string:store_id>/pin")
@bp.doc(operation_id="pinStore", security=SECURED, responses=WRITE_ERRORS)
@staff_only
@bp.output(SwitcherOut)
def pin_store(store_id):
    """Star a store so it is listed first in the switcher"""
    return switcher_dict(call("stores", "PinStore", pb.PinStoreRequest(store_id=store_id)))


@bp.delete("/<string:store_id>/pin")
@bp.doc(operation_id="unpinStore", security=SECURED, responses=WRITE_ERRORS)
@staff_only
@bp.output(SwitcherOut)
def unpin_store(store_id):
    """Unstar a store (nothing happens if it was not starred)"""
    return switcher_dict(call("stores", "UnpinStore", pb.UnpinStoreRequest(store_id=store_id)))


@bp.delete("/recent")
@bp.doc(operation_id="clearRecentStores", security=SECURED, responses=WRITE_ERRORS)
@staff_only
@bp.output(SwitcherOut)
def clear_recent_stores():
    """Clear the recent-store history"""
    return switcher_dict(call("stores", "ForgetRecentStores", pb.ForgetRecentStoresRequest()))


@bp.delete("/recent/<string:store_id>")
@bp.doc(operation_id="forgetRecentStore", security=SECURED, responses=WRITE_ERRORS)
@staff_only
@bp.output(SwitcherOut)
def forget_recent_store(store_id):
    """Remove one store from the recent-store history"""
    return switcher_dict(call("stores", "ForgetRecentStores", pb.ForgetRecentStoresRequest(store_id=store_id)))


@bp.get("/figures")
@bp.doc(operation_id="listSubStoreFigures", security=SECURED, responses=READ_ERRORS)
@staff_only
@bp.input(FiguresQuery, location="query", arg_name="query")
@bp.output(FiguresOut)
def list_sub_store_figures(query):
    """Each sub-store's takings over a period (owner and head-store managers: every sub-store;
    a sub-store's manager: their own), at most 92 days"""
    request = pb.ListSubStoreFiguresRequest(
        date_from=query["date_from"].isoformat(), date_to=query["date_to"].isoformat()
    )
    return figures_dict(call("stores", "ListSubStoreFigures", request))
