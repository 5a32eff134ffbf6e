"""Coupons (E1 E2 E4 E6, B7): templates with their rules, sending to customers, the public claim
link, holders' coupons, redemption at the counter and statistics per template."""

from __future__ import annotations

from apiflask import APIBlueprint

from crm.coupons.v1 import coupons_pb2 as pb
from crmkit.protos import datetime_of, money, timestamp
from gateway.api.calls import call
from gateway.api.change_schemas import ChangesOut, ChangesQuery, changes_of
from gateway.api.common import READ_ERRORS, SECURED, WRITE_ERRORS, PageQuery, page_out, page_request, public_url
from gateway.api.coupon_schemas import (
    ClaimIn,
    ClaimPageOut,
    CouponOut,
    CouponPageOut,
    CouponQuery,
    CouponsOut,
    LookupQuery,
    RedeemIn,
    RedemptionOut,
    SendIn,
    TemplateIn,
    TemplateOut,
    TemplatesOut,
)
from gateway.auth import staff_only
from gateway.idempotency import idempotent
from gateway.ratelimit import public_limit

bp = APIBlueprint("coupons", __name__, tag="Coupons", url_prefix="/api/v1")
PUBLIC_CLAIM_PATH = "/api/v1/public/coupons"
# The page a claim link opens (gateway.customer_pages), which claims through the API above.
CLAIM_PAGE_PATH = "q"


def _template_pb(body: dict) -> pb.TemplateInput:
    return pb.TemplateInput(
        name=body["name"],
        kind=body["kind"],
        colour=body["colour"],
        value=money(body["value_fen"]),
        percent_off=body["percent_off"],
        pickup_product_ids=body["pickup_product_ids"],
        valid_from=timestamp(body["valid_from"]),
        valid_until=timestamp(body["valid_until"]),
        valid_days=body["valid_days"],
        min_spend=money(body["min_spend_fen"]),
        per_order_limit=body["per_order_limit"],
        product_ids=body["product_ids"],
        category_ids=body["category_ids"],
        store_ids=body["store_ids"],
        convertible_to_stored_value=body["convertible_to_stored_value"],
        conversion_value=money(body["conversion_value_fen"]),
        total_quantity=body["total_quantity"],
        per_person_limit=body["per_person_limit"],
        remind_days_before=body["remind_days_before"],
    )


def template_dict(t: pb.CouponTemplate) -> dict:
    i = t.template
    return {
        "id": t.id,
        "claim_token": t.claim_token,
        "claim_path": f"{PUBLIC_CLAIM_PATH}/{t.claim_token}/claim",
        "claim_url": public_url(f"{CLAIM_PAGE_PATH}/{t.claim_token}"),
        "created_at": datetime_of(t, "created_at"),
        "name": i.name,
        "kind": i.kind,
        "colour": i.colour,
        "value_fen": i.value.fen,
        "percent_off": i.percent_off,
        "pickup_product_ids": list(i.pickup_product_ids),
        "valid_from": datetime_of(i, "valid_from"),
        "valid_until": datetime_of(i, "valid_until"),
        "valid_days": i.valid_days,
        "min_spend_fen": i.min_spend.fen,
        "per_order_limit": i.per_order_limit,
        "product_ids": list(i.product_ids),
        "category_ids": list(i.category_ids),
        "store_ids": list(i.store_ids),
        "convertible_to_stored_value": i.convertible_to_stored_value,
        "conversion_value_fen": i.conversion_value.fen,
        "total_quantity": i.total_quantity,
        "per_person_limit": i.per_person_limit,
        "remind_days_before": i.remind_days_before,
    }


def coupon_dict(c: pb.Coupon) -> dict:
    return {
        "id": c.id,
        "code": c.code,
        "template_id": c.template_id,
        "customer_id": c.customer_id,
        "phone": c.phone,
        "channel": c.channel,
        "status": c.status,
        "valid_from": datetime_of(c, "valid_from"),
        "valid_until": datetime_of(c, "valid_until"),
        "issued_at": datetime_of(c, "issued_at"),
        "redeemed_at": datetime_of(c, "redeemed_at"),
        "order_id": c.order_id,
        "qr_payload": c.qr_payload,
    }


@bp.post("/coupon-templates")
@bp.doc(operation_id="createCouponTemplate", security=SECURED, responses=WRITE_ERRORS)
@staff_only
@idempotent
@bp.input(TemplateIn, arg_name="body")
@bp.output(TemplateOut, status_code=201)
def create_template(body):
    """Create a coupon template (owner or store manager)

    `cash` takes `value_fen`, `discount` `percent_off`, `pickup` `pickup_product_ids`. Validity is
    either `valid_from` + `valid_until` or `valid_days` after receipt.
    """
    return template_dict(call("coupons", "CreateTemplate", pb.CreateTemplateRequest(template=_template_pb(body))))


@bp.get("/coupon-templates")
@bp.doc(operation_id="listCouponTemplates", security=SECURED, responses=READ_ERRORS)
@staff_only
@bp.input(PageQuery, location="query", arg_name="query")
@bp.output(TemplatesOut)
def list_templates(query):
    """The tenant's coupon templates, newest first"""
    page = page_request(query)
    reply = call("coupons", "ListTemplates", pb.ListTemplatesRequest(page=page))
    return {"templates": [template_dict(t) for t in reply.templates], "page": page_out(reply.page)}


@bp.get("/coupon-templates/<string:template_id>")
@bp.doc(operation_id="getCouponTemplate", security=SECURED, responses=READ_ERRORS)
@staff_only
@bp.output(TemplateOut)
def get_template(template_id):
    """One coupon template"""
    return template_dict(call("coupons", "GetTemplate", pb.GetTemplateRequest(id=template_id)))


@bp.post("/coupon-templates/<string:template_id>/send")
@bp.doc(operation_id="sendCoupons", security=SECURED, responses=WRITE_ERRORS)
@staff_only
@idempotent
@bp.input(SendIn, arg_name="body")
@bp.output(CouponsOut, status_code=201)
def send_coupons(template_id, body):
    """Send one coupon to each named customer (all or none: stock and per-person limits apply)"""
    request = pb.SendCouponsRequest(template_id=template_id, customer_ids=body["customer_ids"])
    return {"coupons": [coupon_dict(c) for c in call("coupons", "SendCoupons", request).coupons]}


@bp.get("/coupons")
@bp.doc(operation_id="listCoupons", security=SECURED, responses=READ_ERRORS)
@staff_only
@bp.input(CouponQuery, location="query", arg_name="query")
@bp.output(CouponPageOut)
def list_coupons(query):
    """Coupons of a template or of a holder (customer id or phone)"""
    request = pb.ListCouponsRequest(
        template_id=query["template_id"],
        customer_id=query["customer_id"],
        phone=query["phone"],
        held_only=query["held_only"],
        page=page_request(query),
    )
    reply = call("coupons", "ListCoupons", request)
    return {"coupons": [coupon_dict(c) for c in reply.coupons], "page": page_out(reply.page)}


@bp.get("/coupons/lookup")
@bp.doc(operation_id="lookUpCoupon", security=SECURED, responses=READ_ERRORS)
@staff_only
@bp.input(LookupQuery, location="query", arg_name="query")
@bp.output(CouponOut)
def look_up_coupon(query):
    """Verify a coupon by its typed code or scanned QR payload"""
    return coupon_dict(call("coupons", "GetCoupon", pb.GetCouponRequest(code=query["code"])))


@bp.post("/coupons/redeem")
@bp.doc(operation_id="redeemCoupon", security=SECURED, responses=WRITE_ERRORS)
@staff_only
@idempotent
@bp.input(RedeemIn, arg_name="body")
@bp.output(RedemptionOut)
def redeem_coupon(body):
    """Redeem a coupon at the counter on an order, exactly once

    Every rule is checked; a refusal is 409 with its code (e.g. `COUPON_BELOW_MIN_SPEND`, its
    message naming the missing amount). Redeeming the same code on the same order again answers
    the first result.
    """
    request = pb.RedeemCouponRequest(
        code=body["code"],
        order_id=body["order_id"],
        store_id=body["store_id"],
        lines=[
            pb.OrderLine(
                product_id=li["product_id"],
                category_id=li["category_id"],
                quantity=li["quantity"],
                amount=money(li["amount_fen"]),
            )
            for li in body["lines"]
        ],
    )
    r = call("coupons", "RedeemCoupon", request)
    return {
        "coupon_id": r.coupon_id,
        "code": r.code,
        "order_id": r.order_id,
        "discount_fen": r.discount.fen,
        "redeemed_at": datetime_of(r, "redeemed_at"),
        "pickup_product_ids": list(r.pickup_product_ids),
    }


@bp.get("/public/coupons/<string:claim_token>")
@bp.doc(operation_id="getCouponClaimPage", responses=[404, 429, 503])
@public_limit
@bp.output(ClaimPageOut)
def get_claim_page(claim_token):
    """What a claim link offers (public)"""
    p = call("coupons", "GetClaimPage", pb.GetClaimPageRequest(claim_token=claim_token), token="")
    return {
        "name": p.name,
        "kind": p.kind,
        "colour": p.colour,
        "value_fen": p.value.fen,
        "percent_off": p.percent_off,
        "min_spend_fen": p.min_spend.fen,
        "valid_from": datetime_of(p, "valid_from"),
        "valid_until": datetime_of(p, "valid_until"),
        "valid_days": p.valid_days,
        "per_person_limit": p.per_person_limit,
        "remaining": p.remaining,
    }


@bp.post("/public/coupons/<string:claim_token>/claim")
@bp.doc(operation_id="claimCoupon", responses=[400, 404, 409, 429, 503])
@public_limit
@bp.input(ClaimIn, arg_name="body")
@bp.output(CouponOut, status_code=201)
def claim_coupon(claim_token, body):
    """Claim a coupon through its claim link (public)

    The phone number holds the coupon; stock and the per-person limit are exact under load.
    """
    request = pb.ClaimCouponRequest(claim_token=claim_token, phone=body["phone"])
    return coupon_dict(call("coupons", "ClaimCoupon", request, token=""))


# --- Physical coupons (E3) ---


@bp.get("/coupon-templates/<string:template_id>/changes")
@bp.doc(operation_id="listCouponTemplateChanges", security=SECURED, responses=READ_ERRORS)
@staff_only
@bp.input(ChangesQuery, location="query", arg_name="query")
@bp.output(ChangesOut)
def list_template_changes(template_id, query):
    """Who created or changed the coupon template, and when (A1 change log)

    Newest first, paged; each entry names who (staff, service or a scheduled job), when, and the
    changed fields before and after. Scoped like the template itself: one the caller may not see is 404.
    """
    return changes_of("coupons", "ListTemplateChanges", template_id, query)
