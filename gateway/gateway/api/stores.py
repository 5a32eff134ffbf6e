"""The tenant's stores (head store and branches)."""

from __future__ import annotations

from apiflask import APIBlueprint

from crm.identity.v1 import identity_pb2 as pb
from gateway.api.calls import call
from gateway.api.common import SECURED
from gateway.api.identity_schemas import StoreIn, StoreOut, StoresOut, StoreUpdateIn, store_dict
from gateway.auth import staff_only
from gateway.idempotency import idempotent

bp = APIBlueprint("stores", __name__, tag="Stores", url_prefix="/api/v1")


@bp.get("/stores")
@bp.doc(operation_id="listStores", security=SECURED, responses=[401, 403, 429, 503])
@staff_only
@bp.output(StoresOut)
def list_stores():
    """List the tenant's stores"""
    reply = call("identity", "ListStores", pb.ListStoresRequest())
    return {"stores": [store_dict(s) for s in reply.stores]}


@bp.post("/stores")
@bp.doc(operation_id="createStore", security=SECURED, responses=[400, 401, 403, 404, 409, 422, 429, 503])
@staff_only
@idempotent
@bp.input(StoreIn, arg_name="body")
@bp.output(StoreOut, status_code=201)
def create_store(body):
    """Open a store

    Without `parent_store_id` the store hangs under the head store.
    """
    request = pb.CreateStoreRequest(
        name=body["name"], parent_store_id=body.get("parent_store_id", ""), address=body["address"]
    )
    return store_dict(call("identity", "CreateStore", request))


@bp.put("/stores/<string:store_id>")
@bp.doc(operation_id="updateStore", security=SECURED, responses=[400, 401, 403, 404, 429, 503])
@staff_only
@bp.input(StoreUpdateIn, arg_name="body")
@bp.output(StoreOut)
def update_store(store_id, body):
    """Rename a store or say where it is (owner)

    The head store too: the shop lists every store with its address.
    """
    request = pb.UpdateStoreRequest(id=store_id, name=body["name"], address=body["address"])
    return store_dict(call("identity", "UpdateStore", request))
