"""Public merchant sign-up."""

from __future__ import annotations

from apiflask import APIBlueprint

from crm.identity.v1 import identity_pb2 as pb
from gateway.api.calls import call_public
from gateway.api.identity_schemas import TenantCreatedOut, TenantIn, staff_dict, store_dict, tenant_dict
from gateway.idempotency import idempotent
from gateway.ratelimit import public_limit

bp = APIBlueprint("tenants", __name__, tag="Tenants", url_prefix="/api/v1")


@bp.post("/tenants")
@bp.doc(operation_id="createTenant", responses=[400, 409, 422, 429, 503])
@public_limit
@idempotent
@bp.input(TenantIn, arg_name="body")
@bp.output(TenantCreatedOut, status_code=201)
def create_tenant(body):
    """Sign a merchant up

    First ask for a code for the owner's phone (`POST /auth/sms-codes` with `purpose: signup`),
    then send it here as `sms_code`: the owner proves the phone, so nobody can sign up with
    somebody else's. A wrong or expired code is 400 naming `sms_code` (`INVALID_CODE` /
    `CODE_EXPIRED`) and creates nothing; the fifth wrong code voids it. Creates the tenant, its
    head store and its owner account; then log in as the owner. Send an `Idempotency-Key`
    header so a retried sign-up cannot create a second tenant.
    """
    reply = call_public("identity", "CreateTenant", pb.CreateTenantRequest(**body))
    return {
        "tenant": tenant_dict(reply.tenant),
        "head_store": store_dict(reply.head_store),
        "owner": staff_dict(reply.owner),
    }
