"""Bulk pre-charge (E8): a corporate client's sheet of members and amounts, checked row by row,
then applied once the owner confirms it with an SMS code."""

from __future__ import annotations

from apiflask import APIBlueprint

from crm.coupons.v1 import stored_value_pb2 as pb
from gateway.api.calls import call
from gateway.api.common import READ_ERRORS, SECURED, WRITE_ERRORS, utc_text
from gateway.api.stored_value_schemas import CodeSentOut, ConfirmIn, PrechargeFileIn, PrechargeOut, PrechargeQuery
from gateway.api.uploads import accepts_upload, problems_out, read_xlsx
from gateway.auth import staff_only

bp = APIBlueprint("precharges", __name__, tag="Stored value", url_prefix="/api/v1")


def precharge_dict(b: pb.PrechargeBatch) -> dict:
    return {
        "id": b.id,
        "client_name": b.client_name,
        "status": b.status,
        "rows": [
            {
                "row": r.row,
                "phone": r.phone,
                "customer_id": r.customer_id,
                "customer_name": r.customer_name,
                "amount_fen": r.amount.fen,
            }
            for r in b.rows
        ],
        "problems": problems_out(b.problems),
        "total_fen": b.total.fen,
        "created_by": b.created_by,
        "created_at": utc_text(b, "created_at"),
        "applied_at": utc_text(b, "applied_at"),
    }


@bp.post("/precharges")
@bp.doc(operation_id="uploadPrecharge", security=SECURED, responses=[400, 401, 403, 413, 429, 503])
@staff_only
@accepts_upload
@bp.input(PrechargeQuery, location="query", arg_name="query")
@bp.input(PrechargeFileIn, location="files", arg_name="files")
@bp.output(PrechargeOut, status_code=201)
def upload_precharge(query, files):
    """Upload a corporate client's pre-charge sheet (E8, multipart field `file`; owner, finance)

    Checked row by row: with problems the status is `invalid` and nothing is stored; otherwise
    the batch is `pending` until the owner confirms it with an SMS code.
    """
    data = read_xlsx(files["file"])
    reply = call(
        "stored_value", "UploadPrecharge", pb.UploadPrechargeRequest(client_name=query["client_name"], xlsx=data)
    )
    return precharge_dict(reply)


@bp.get("/precharges/<string:batch_id>")
@bp.doc(operation_id="getPrecharge", security=SECURED, responses=READ_ERRORS)
@staff_only
@bp.output(PrechargeOut)
def get_precharge(batch_id):
    """A pre-charge batch and its rows"""
    return precharge_dict(call("stored_value", "GetPrecharge", pb.GetPrechargeRequest(id=batch_id)))


@bp.post("/precharges/<string:batch_id>/code")
@bp.doc(operation_id="requestPrechargeCode", security=SECURED, responses=WRITE_ERRORS)
@staff_only
@bp.output(CodeSentOut, status_code=202)
def request_code(batch_id):
    """Send the owner an SMS code to confirm the batch (owner only; a new code replaces the old)"""
    reply = call("stored_value", "RequestPrechargeCode", pb.RequestPrechargeCodeRequest(batch_id=batch_id))
    return {"sent_to": reply.sent_to, "expires_at": utc_text(reply, "expires_at")}


@bp.post("/precharges/<string:batch_id>/confirm")
@bp.doc(operation_id="confirmPrecharge", security=SECURED, responses=WRITE_ERRORS)
@staff_only
@bp.input(ConfirmIn, arg_name="body")
@bp.output(PrechargeOut)
def confirm_precharge(batch_id, body):
    """Apply the batch with the owner's SMS code: every row credited once; a wrong code is refused"""
    reply = call("stored_value", "ConfirmPrecharge", pb.ConfirmPrechargeRequest(batch_id=batch_id, code=body["code"]))
    return precharge_dict(reply)
