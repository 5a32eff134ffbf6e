"""Tags (C12), the customer record (C1), customer settings, ownership and the public pool (C3),
map mode (C5); registration by QR (C2) is in registrations.py."""

from __future__ import annotations

from urllib.parse import quote

from apiflask import APIBlueprint

from crm.customers.v1 import customers_pb2 as cpb
from crm.customers.v1 import ownership_pb2 as pb
from gateway.api import customer_record as record
from gateway.api.calls import call
from gateway.api.common import SECURED, page_out, page_request
from gateway.api.customer_record import CustomerRecordOut
from gateway.api.customer_schemas import CustomerOut, customer_dict
from gateway.api.ownership_schemas import (
    ChangedOut,
    LockIn,
    NearbyOut,
    NearbyQuery,
    OwnershipHistoryOut,
    PoolOut,
    PoolQuery,
    ReasonIn,
    SettingsIn,
    SettingsOut,
    TagCustomersIn,
    TagIn,
    TagOut,
    TagsOut,
    TransferIn,
    change_dict,
    settings_dict,
    tag_dict,
)
from gateway.auth import staff_only
from gateway.idempotency import idempotent

bp = APIBlueprint("ownership", __name__, tag="Ownership", url_prefix="/api/v1")
ERRORS = [400, 401, 403, 404, 409, 429, 503]


def own(method: str, request_message):
    return call("ownership", method, request_message)


# --- Tags (C12) ---


@bp.get("/customer-tags")
@bp.doc(operation_id="listCustomerTags", security=SECURED, responses=[401, 403, 429, 503])
@staff_only
@bp.output(TagsOut)
def list_tags():
    """List the tenant's tags with how many customers carry each"""
    return {"tags": [tag_dict(t) for t in own("ListTags", pb.ListTagsRequest()).tags]}


@bp.post("/customer-tags")
@bp.doc(operation_id="createCustomerTag", security=SECURED, responses=ERRORS)
@staff_only
@idempotent
@bp.input(TagIn, arg_name="body")
@bp.output(TagOut, status_code=201)
def create_tag(body):
    """Create a tag (owner or store manager)"""
    return tag_dict(own("CreateTag", pb.CreateTagRequest(name=body["name"], colour=body["colour"])))


@bp.put("/customer-tags/<string:tag_id>")
@bp.doc(operation_id="updateCustomerTag", security=SECURED, responses=ERRORS)
@staff_only
@bp.input(TagIn, arg_name="body")
@bp.output(TagOut)
def update_tag(tag_id, body):
    """Rename a tag or change its colour (owner or store manager)"""
    return tag_dict(own("UpdateTag", pb.UpdateTagRequest(id=tag_id, name=body["name"], colour=body["colour"])))


@bp.delete("/customer-tags/<string:tag_id>")
@bp.doc(operation_id="deleteCustomerTag", security=SECURED, responses=ERRORS)
@staff_only
@bp.output({}, status_code=204)
def delete_tag(tag_id):
    """Delete a tag; it is taken off every customer"""
    own("DeleteTag", pb.DeleteTagRequest(id=tag_id))
    return ""


@bp.post("/customer-tags/apply")
@bp.doc(operation_id="tagCustomers", security=SECURED, responses=ERRORS)
@staff_only
@bp.input(TagCustomersIn, arg_name="body")
@bp.output(ChangedOut)
def tag_customers(body):
    """Put tags on customers, in bulk (customers the caller can see)"""
    reply = own("TagCustomers", pb.TagCustomersRequest(tag_ids=body["tag_ids"], customer_ids=body["customer_ids"]))
    return {"changed": reply.changed}


@bp.post("/customer-tags/remove")
@bp.doc(operation_id="untagCustomers", security=SECURED, responses=ERRORS)
@staff_only
@bp.input(TagCustomersIn, arg_name="body")
@bp.output(ChangedOut)
def untag_customers(body):
    """Take tags off customers, in bulk"""
    reply = own("UntagCustomers", pb.TagCustomersRequest(tag_ids=body["tag_ids"], customer_ids=body["customer_ids"]))
    return {"changed": reply.changed}


# --- The customer record (C1), composed in gateway.api.customer_record ---


@bp.get("/customers/<string:customer_id>/record")
@bp.doc(operation_id="getCustomerRecord", security=SECURED, responses=[401, 403, 404, 429, 503])
@staff_only
@bp.output(CustomerRecordOut)
def get_customer_record(customer_id):
    """The customer record: profile, tags, owner, trade history, points, balance, coupons held

    Each part comes from the service that owns it, asked with the caller's token: trade history
    from orders (the latest 10 orders and the total count), points, stored-value balance and the
    coupons the customer can still use from coupons. A part whose service is down or too slow is
    `{"available": false, "reason": "service_unavailable"}` and the rest of the record still shows.
    """
    customer = customer_dict(call("customers", "GetCustomer", cpb.GetCustomerRequest(id=customer_id)))
    return {
        "customer": customer,
        "owner": record.owner(customer["owner_staff_id"]),
        "trade_history": record.trade_history(customer_id),
        **record.member_figures(customer_id),
    }


# --- Tenant settings ---


@bp.get("/customer-settings")
@bp.doc(operation_id="getCustomerSettings", security=SECURED, responses=[401, 403, 429, 503])
@staff_only
@bp.output(SettingsOut)
def get_settings():
    """Registration review and pool rules of the tenant (0 switches a rule off)"""
    return settings_dict(own("GetCustomerSettings", pb.GetCustomerSettingsRequest()))


@bp.put("/customer-settings")
@bp.doc(operation_id="updateCustomerSettings", security=SECURED, responses=ERRORS)
@staff_only
@bp.input(SettingsIn, arg_name="body")
@bp.output(SettingsOut)
def update_settings(body):
    """Set registration review and pool rules (owner or store manager)

    The whole set is replaced: a value left out is 0 (that rule off).

    N `pool_followup_days`, M `pool_order_days`: back to the pool after so many days without a
    follow-up or an order; K `pool_warning_days` before, the salesperson is reminded;
    L `max_customers_held`; `max_claims_per_day`; `reclaim_cooldown_days` for a previous owner.
    `pool_level_rules` gives member levels (e.g. VIP) their own N and M; a problem in one is
    named by its place, e.g. `pool_level_rules.0.level`.
    """
    rules = [pb.PoolLevelRule(**rule) for rule in body.pop("pool_level_rules")]
    return settings_dict(own("UpdateCustomerSettings", pb.CustomerSettings(**body, pool_level_rules=rules)))


# --- Ownership and the public pool (C3) ---


@bp.post("/customers/<string:customer_id>/release")
@bp.doc(operation_id="releaseCustomer", security=SECURED, responses=ERRORS)
@staff_only
@bp.input(ReasonIn, arg_name="body")
@bp.output(CustomerOut)
def release_customer(customer_id, body):
    """Release a customer to the public pool, with a reason"""
    reply = own("ReleaseCustomer", pb.ReleaseCustomerRequest(customer_id=customer_id, reason=body["reason"]))
    return customer_dict(reply)


@bp.post("/customers/<string:customer_id>/claim")
@bp.doc(operation_id="claimCustomer", security=SECURED, responses=ERRORS)
@staff_only
@bp.output(CustomerOut)
def claim_customer(customer_id):
    """Claim a customer from the public pool

    409 `CUSTOMER_NOT_IN_POOL` when someone holds it (another claimer was first),
    409 `CUSTOMER_RECLAIM_COOLDOWN` for its previous owner too soon, 429
    `CUSTOMER_HOLD_LIMIT_REACHED` / `CUSTOMER_DAILY_CLAIM_LIMIT_REACHED` beyond the tenant's caps.
    """
    return customer_dict(own("ClaimCustomer", pb.ClaimCustomerRequest(customer_id=customer_id)))


@bp.post("/customers/<string:customer_id>/transfer")
@bp.doc(operation_id="transferCustomer", security=SECURED, responses=ERRORS)
@staff_only
@bp.input(TransferIn, arg_name="body")
@bp.output(CustomerOut)
def transfer_customer(customer_id, body):
    """Transfer a customer to a colleague (owner or store manager)"""
    request_message = pb.TransferCustomerRequest(
        customer_id=customer_id, to_staff_id=body["to_staff_id"], reason=body["reason"]
    )
    return customer_dict(own("TransferCustomer", request_message))


@bp.put("/customers/<string:customer_id>/lock")
@bp.doc(operation_id="setCustomerLocked", security=SECURED, responses=ERRORS)
@staff_only
@bp.input(LockIn, arg_name="body")
@bp.output(CustomerOut)
def set_customer_locked(customer_id, body):
    """Lock (or unlock) a customer: locked ones never return to the pool automatically"""
    reply = own("SetCustomerLocked", pb.SetCustomerLockedRequest(customer_id=customer_id, locked=body["locked"]))
    return customer_dict(reply)


@bp.get("/customers/<string:customer_id>/ownership-history")
@bp.doc(operation_id="listOwnershipHistory", security=SECURED, responses=[401, 403, 404, 429, 503])
@staff_only
@bp.output(OwnershipHistoryOut)
def ownership_history(customer_id):
    """Who held the customer, oldest first"""
    reply = own("ListOwnershipHistory", pb.ListOwnershipHistoryRequest(customer_id=customer_id))
    return {"changes": [change_dict(c) for c in reply.changes]}


@bp.get("/customer-pool")
@bp.doc(operation_id="listPoolCustomers", security=SECURED, responses=[400, 401, 403, 429, 503])
@staff_only
@bp.input(PoolQuery, location="query", arg_name="query")
@bp.output(PoolOut)
def list_pool(query):
    """The public pool: customers nobody holds, newest first"""
    reply = own(
        "ListPoolCustomers",
        pb.ListPoolCustomersRequest(page=page_request(query), query=query["q"].strip()),
    )
    return {"customers": [customer_dict(c) for c in reply.customers], "page": page_out(reply.page)}


# --- Map mode (C5) ---


@bp.get("/customers/nearby")
@bp.doc(operation_id="listNearbyCustomers", security=SECURED, responses=[400, 401, 403, 429, 503])
@staff_only
@bp.input(NearbyQuery, location="query", arg_name="query")
@bp.output(NearbyOut)
def nearby_customers(query):
    """Customers near me, nearest first

    Within `radius_m` (default 3 km) of `lat`,`lng` (WGS-84), with a call link and Amap/Baidu
    navigation links. A salesperson sees own customers only.
    """
    reply = own(
        "NearbyCustomers",
        pb.NearbyCustomersRequest(
            latitude=query["lat"], longitude=query["lng"], radius_m=query["radius_m"], limit=query["limit"]
        ),
    )
    return {
        "customers": [
            {
                "distance_m": n.distance_m,
                "phone": n.customer.phone,
                "call_url": f"tel:{quote(n.customer.phone)}",
                "amap_url": n.amap_url,
                "baidu_url": n.baidu_url,
                "customer": customer_dict(n.customer),
            }
            for n in reply.customers
        ]
    }
