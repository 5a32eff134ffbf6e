"""Registration by QR (C2): the salesperson's signed link and its image, the public form a
customer fills in, and the applications staff review."""

from __future__ import annotations

from apiflask import APIBlueprint
from flask import Response

from crm.customers.v1 import ownership_pb2 as pb
from crmkit.protos import datetime_of
from gateway.api.common import SECURED, page_out, page_request, public_url
from gateway.api.customer_schemas import field_dict
from gateway.api.ownership import own
from gateway.api.ownership_schemas import (
    APPLICATION_STATUSES,
    ApplicationIn,
    ApplicationListOut,
    ApplicationOut,
    ApplicationQuery,
    PublicApplicationOut,
    QrOut,
    QrQuery,
    ReasonIn,
    RegistrationFormOut,
    application_dict,
    qr_dict,
)
from gateway.auth import staff_only
from gateway.idempotency import idempotent
from gateway.ratelimit import public_limit

bp = APIBlueprint("registrations", __name__, tag="Ownership", url_prefix="/api/v1")
ERRORS = [400, 401, 403, 404, 409, 429, 503]
PUBLIC_ERRORS = [400, 404, 409, 422, 429, 503]
PUBLIC_REGISTRATION_PATH = "api/v1/public/registrations"
# The page a registration QR opens (gateway.customer_pages), which applies through the API above.
REGISTRATION_PAGE_PATH = "join"


def _link_base() -> str:
    return public_url(REGISTRATION_PAGE_PATH)


def _issue(query) -> pb.RegistrationQr:
    return own(
        "IssueRegistrationQr", pb.IssueRegistrationQrRequest(link_base=_link_base(), valid_days=query["valid_days"])
    )


@bp.get("/registration-qr")
@bp.doc(operation_id="getRegistrationQr", security=SECURED, responses=ERRORS)
@staff_only
@bp.input(QrQuery, location="query", arg_name="query")
@bp.output(QrOut)
def get_registration_qr(query):
    """My registration QR code (signed link and PNG image)

    Customers who scan it and apply become the caller's customers (after review, unless the
    tenant approves automatically). The link cannot be altered to name another salesperson.
    """
    return qr_dict(_issue(query))


@bp.get("/registration-qr.png")
@bp.doc(operation_id="getRegistrationQrImage", security=SECURED, responses=ERRORS)
@staff_only
@bp.input(QrQuery, location="query", arg_name="query")
@bp.output({}, content_type="image/png", description="The QR code image")
def get_registration_qr_image(query):
    """My registration QR code as a PNG image"""
    return Response(_issue(query).png, mimetype="image/png")


@bp.get("/public/registrations/<string:token>")
@bp.doc(operation_id="getPublicRegistrationForm", responses=PUBLIC_ERRORS)
@public_limit
@bp.output(RegistrationFormOut)
def get_public_registration_form(token):
    """The form behind a registration QR (public)

    The fields the merchant asks for; an altered or expired link answers 400.
    """
    form = own("GetRegistrationForm", pb.GetRegistrationFormRequest(token=token))
    return {
        "salesperson_id": form.salesperson_id,
        "fields": [field_dict(f) for f in form.fields],
        "expires_at": datetime_of(form, "expires_at"),
    }


@bp.post("/public/registrations/<string:token>")
@bp.doc(operation_id="applyForRegistration", responses=PUBLIC_ERRORS)
@public_limit
@idempotent
@bp.input(ApplicationIn, arg_name="body")
@bp.output(PublicApplicationOut, status_code=201)
def apply_for_registration(token, body):
    """Apply as a customer through a salesperson's QR (public)

    `pending` until the merchant reviews it, or `approved` at once when the merchant approves
    automatically.
    """
    reply = own(
        "ApplyForRegistration",
        pb.ApplyForRegistrationRequest(token=token, name=body["name"], phone=body["phone"], fields=body["fields"]),
    )
    return {"status": application_dict(reply)["status"]}


@bp.get("/registration-applications")
@bp.doc(operation_id="listRegistrationApplications", security=SECURED, responses=ERRORS)
@staff_only
@bp.input(ApplicationQuery, location="query", arg_name="query")
@bp.output(ApplicationListOut)
def list_applications(query):
    """Registration applications to review, oldest first

    Managers see all; a salesperson those made through own QR.
    """
    reply = own(
        "ListRegistrationApplications",
        pb.ListRegistrationApplicationsRequest(
            page=page_request(query),
            status=APPLICATION_STATUSES[query["status"]],
        ),
    )
    return {"applications": [application_dict(a) for a in reply.applications], "page": page_out(reply.page)}


@bp.post("/registration-applications/<string:application_id>/approve")
@bp.doc(operation_id="approveRegistrationApplication", security=SECURED, responses=ERRORS)
@staff_only
@bp.output(ApplicationOut)
def approve_application(application_id):
    """Approve: the customer is created, bound to the QR's salesperson"""
    return application_dict(own("ApproveRegistrationApplication", pb.ReviewRegistrationRequest(id=application_id)))


@bp.post("/registration-applications/<string:application_id>/reject")
@bp.doc(operation_id="rejectRegistrationApplication", security=SECURED, responses=ERRORS)
@staff_only
@bp.input(ReasonIn, arg_name="body")
@bp.output(ApplicationOut)
def reject_application(application_id, body):
    """Reject with a reason"""
    request_message = pb.ReviewRegistrationRequest(id=application_id, reason=body["reason"])
    return application_dict(own("RejectRegistrationApplication", request_message))
