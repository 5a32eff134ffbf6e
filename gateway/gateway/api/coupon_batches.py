"""Printed coupons (E6): batches of unique codes made by the coupons worker, exported for the
printer, issued, handed to stores or sold to corporate buyers."""

from __future__ import annotations

import io

from apiflask import APIBlueprint, FileSchema
from flask import send_file

from crm.coupons.v1 import coupons_pb2 as pb
from crmkit.protos import datetime_of
from gateway.api.calls import call
from gateway.api.common import READ_ERRORS, SECURED, WRITE_ERRORS
from gateway.api.coupon_schemas import BatchIn, BatchOut, HandOutIn, SellIn
from gateway.auth import staff_only
from gateway.idempotency import idempotent

bp = APIBlueprint("coupon_batches", __name__, tag="Coupon batches", url_prefix="/api/v1")
XLSX_MIME = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
# Making or exporting a 100,000-code batch takes longer than an ordinary call.
BATCH_TIMEOUT = 60.0


def batch_dict(b: pb.CouponBatch) -> dict:
    return {
        "id": b.id,
        "template_id": b.template_id,
        "quantity": b.quantity,
        "status": b.status,
        "made": b.made,
        "issued": b.issued,
        "handed_out": b.handed_out,
        "sold": b.sold,
        "redeemed": b.redeemed,
        "in_stock": b.in_stock,
        "movements": [
            {
                "kind": m.kind,
                "quantity": m.quantity,
                "store_id": m.store_id,
                "buyer": m.buyer,
                "first_serial": m.first_serial,
                "last_serial": m.last_serial,
                "at": datetime_of(m, "at"),
            }
            for m in b.movements
        ],
    }


@bp.post("/coupon-batches")
@bp.doc(operation_id="makeCouponBatch", security=SECURED, responses=WRITE_ERRORS)
@staff_only
@idempotent
@bp.input(BatchIn, arg_name="body")
@bp.output(BatchOut, status_code=201)
def make_batch(body):
    """Make a batch of printed coupons: unique, unguessable codes with a check digit

    The batch answers `making` at once; the codes are written in the background (up to 100,000
    take a few seconds) and `GET /coupon-batches/{id}` shows `made` when they are all there."""
    request = pb.MakeBatchRequest(template_id=body["template_id"], quantity=body["quantity"])
    return batch_dict(call("coupons", "MakeBatch", request))


@bp.get("/coupon-batches/<string:batch_id>")
@bp.doc(operation_id="getCouponBatch", security=SECURED, responses=READ_ERRORS)
@staff_only
@bp.output(BatchOut)
def get_batch(batch_id):
    """A batch and its stock ledger (made / issued / handed out / sold / redeemed)"""
    return batch_dict(call("coupons", "GetBatch", pb.BatchRequest(id=batch_id)))


@bp.get("/coupon-batches/<string:batch_id>/export")
@bp.doc(operation_id="exportCouponBatch", security=SECURED, responses=READ_ERRORS)
@staff_only
@bp.output(FileSchema(type="string", format="binary"), content_type=XLSX_MIME, description="The codes as .xlsx")
def export_batch(batch_id):
    """Download the batch's codes as .xlsx for printing (serial, code, QR payload)"""
    reply = call("coupons", "ExportBatch", pb.BatchRequest(id=batch_id), timeout=BATCH_TIMEOUT)
    return send_file(
        io.BytesIO(reply.content), mimetype=XLSX_MIME, as_attachment=True, download_name=reply.filename, max_age=0
    )


@bp.post("/coupon-batches/<string:batch_id>/issue")
@bp.doc(operation_id="issueCouponBatch", security=SECURED, responses=WRITE_ERRORS)
@staff_only
@bp.output(BatchOut)
def issue_batch(batch_id):
    """Issue a made batch: its coupons may now be handed out or sold"""
    return batch_dict(call("coupons", "IssueBatch", pb.BatchRequest(id=batch_id)))


@bp.post("/coupon-batches/<string:batch_id>/hand-out")
@bp.doc(operation_id="handOutCoupons", security=SECURED, responses=WRITE_ERRORS)
@staff_only
@bp.input(HandOutIn, arg_name="body")
@bp.output(BatchOut)
def hand_out(batch_id, body):
    """Hand the next coupons in stock to a store; they become usable"""
    request = pb.HandOutCouponsRequest(batch_id=batch_id, store_id=body["store_id"], quantity=body["quantity"])
    return batch_dict(call("coupons", "HandOutCoupons", request))


@bp.post("/coupon-batches/<string:batch_id>/sell")
@bp.doc(operation_id="sellCoupons", security=SECURED, responses=WRITE_ERRORS)
@staff_only
@bp.input(SellIn, arg_name="body")
@bp.output(BatchOut)
def sell(batch_id, body):
    """Sell the next coupons in stock to a corporate buyer; they become usable"""
    request = pb.SellCouponsRequest(batch_id=batch_id, buyer=body["buyer"], quantity=body["quantity"])
    return batch_dict(call("coupons", "SellCoupons", request))
