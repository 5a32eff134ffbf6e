"""Customer fields (C1) and customers: register, search, read (C2)."""

from __future__ import annotations

from apiflask import APIBlueprint
from marshmallow import ValidationError

from crm.customers.v1 import customers_pb2 as pb
from gateway.api.calls import call
from gateway.api.change_schemas import ChangesOut, ChangesQuery, changes_of
from gateway.api.common import READ_ERRORS, SECURED, page_out, page_request
from gateway.api.customer_schemas import (
    FIELD_KEY,
    KINDS,
    CustomerFieldIn,
    CustomerFieldOut,
    CustomerFieldsOut,
    CustomerIn,
    CustomerLevelsIn,
    CustomerListOut,
    CustomerOut,
    CustomerQuery,
    CustomerUpdateIn,
    LevelsChangedOut,
    customer_dict,
    field_dict,
)
from gateway.auth import staff_only
from gateway.errors import ApiError
from gateway.idempotency import idempotent

bp = APIBlueprint("customers", __name__, tag="Customers", url_prefix="/api/v1")


@bp.get("/customer-fields")
@bp.doc(operation_id="listCustomerFields", security=SECURED, responses=[401, 403, 429, 503])
@staff_only
@bp.output(CustomerFieldsOut)
def list_customer_fields():
    """List the tenant's customer fields, in display order"""
    reply = call("customers", "ListCustomerFields", pb.ListCustomerFieldsRequest())
    return {"fields": [field_dict(f) for f in reply.fields]}


@bp.put("/customer-fields/<string:key>")
@bp.doc(operation_id="defineCustomerField", security=SECURED, responses=READ_ERRORS)
@staff_only
@bp.input(CustomerFieldIn, arg_name="body")
@bp.output(CustomerFieldOut)
def define_customer_field(key, body):
    """Create or replace a customer field (owner or store manager)

    `key` is stable, `[a-z][a-z0-9_]{0,39}`; a `choice` field needs `options`.
    """
    try:
        FIELD_KEY(key)
    except ValidationError:
        raise ApiError(400, "INVALID_INPUT", "error.invalid_input", fields={"key": "validation.invalid"}) from None
    field = pb.CustomerField(
        key=key,
        label=body["label"],
        kind=KINDS[body["kind"]],
        required=body["required"],
        options=body["options"],
        position=body["position"],
    )
    return field_dict(call("customers", "DefineCustomerField", pb.DefineCustomerFieldRequest(field=field)))


@bp.post("/customers")
@bp.doc(operation_id="registerCustomer", security=SECURED, responses=[400, 401, 403, 409, 422, 429, 503])
@staff_only
@idempotent
@bp.input(CustomerIn, arg_name="body")
@bp.output(CustomerOut, status_code=201)
def register_customer(body):
    """Register a customer on the spot

    The customer is bound to the calling salesperson (or to `owner_staff_id` when a manager
    registers for a colleague). Errors on configured fields are named `fields.<key>`.
    """
    request = pb.RegisterCustomerRequest(
        name=body["name"],
        phone=body["phone"],
        fields=body["fields"],
        store_id=body.get("store_id", ""),
        owner_staff_id=body.get("owner_staff_id", ""),
        level=body.get("level", ""),
        region=body.get("region", ""),
    )
    if "latitude" in body or "longitude" in body:
        # Both or neither: the service names the missing one.
        if "latitude" in body:
            request.latitude = body["latitude"]
        if "longitude" in body:
            request.longitude = body["longitude"]
    return customer_dict(call("customers", "RegisterCustomer", request))


@bp.get("/customers")
@bp.doc(operation_id="listCustomers", security=SECURED, responses=READ_ERRORS)
@staff_only
@bp.input(CustomerQuery, location="query", arg_name="query")
@bp.output(CustomerListOut)
def list_customers(query):
    """List or search customers, newest first

    A salesperson sees own customers only; managers, the owner and staff with
    `see_all_customers` see all of the tenant's.
    """
    request = pb.ListCustomersRequest(
        page=page_request(query),
        query=query["q"].strip(),
        tag_id=query["tag_id"].strip(),
    )
    reply = call("customers", "ListCustomers", request)
    return {"customers": [customer_dict(c) for c in reply.customers], "page": page_out(reply.page)}


@bp.get("/customers/<string:customer_id>")
@bp.doc(operation_id="getCustomer", security=SECURED, responses=READ_ERRORS)
@staff_only
@bp.output(CustomerOut)
def get_customer(customer_id):
    """Get one customer"""
    return customer_dict(call("customers", "GetCustomer", pb.GetCustomerRequest(id=customer_id)))


@bp.patch("/customers/<string:customer_id>")
@bp.doc(operation_id="updateCustomer", security=SECURED, responses=[400, 401, 403, 404, 409, 422, 429, 503])
@staff_only
@bp.input(CustomerUpdateIn, arg_name="body")
@bp.output(CustomerOut)
def update_customer(customer_id, body):
    """Change a customer's profile

    Only the keys sent change. Configured fields are checked again on the result (a required
    field cannot be removed); `latitude` and `longitude` go together, `clear_location` removes them.
    """
    request = pb.UpdateCustomerRequest(id=customer_id, fields=body["fields"], clear_location=body["clear_location"])
    for name in ("name", "phone", "level", "region", "latitude", "longitude"):
        if name in body:
            setattr(request, name, body[name])
    return customer_dict(call("customers", "UpdateCustomer", request))


@bp.post("/customers/levels")
@bp.doc(operation_id="setCustomerLevels", security=SECURED, responses=[400, 401, 403, 404, 422, 429, 503])
@staff_only
@bp.input(CustomerLevelsIn, arg_name="body")
@bp.output(LevelsChangedOut)
def set_customer_levels(body):
    """Give many customers one member level (C11), all or none (owner, store manager)"""
    request = pb.SetCustomerLevelsRequest(customer_ids=body["customer_ids"], level=body["level"])
    return {"changed": call("customers", "SetCustomerLevels", request).changed}


@bp.get("/customers/<string:customer_id>/changes")
@bp.doc(operation_id="listCustomerChanges", security=SECURED, responses=READ_ERRORS)
@staff_only
@bp.input(ChangesQuery, location="query", arg_name="query")
@bp.output(ChangesOut)
def list_customer_changes(customer_id, query):
    """Who changed the customer, what and when (A1 change log)

    Newest first, paged; each entry names who (staff, service or a scheduled job), when, and the
    changed fields before and after. Scoped like the customer itself: one the caller may not see is 404.
    """
    return changes_of("customers", "ListCustomerChanges", customer_id, query)
