"""A4 over the wire: StoresService beside IdentityService on one port, errors as statuses."""

from __future__ import annotations

import pytest
from identity_testkit import PUBLIC, grpc_login, grpc_signup

from crm.identity.v1 import identity_pb2 as ipb
from crm.identity.v1 import stores_pb2 as pb
from crmkit.auth import TokenVerifier
from crmkit.errors import Conflict, NotFound, PermissionDenied
from identity.takings import DailyTakings


def test_a4_apply_review_switch_and_figures_over_grpc(grpc_app):
    app, client = grpc_app
    signup = grpc_signup(grpc_app, name="茶行", owner_name="老板")
    owner = grpc_login(client)
    token = owner.access_token
    applied = client.stores.call(
        "ApplyForSubStore",
        pb.ApplyForSubStoreRequest(store_name="西门店", contact_name="李", phone="13912345678", address="西门路 2 号"),
        token=token,
    )
    assert applied.status == pb.APPLICATION_STATUS_PENDING and applied.parent_store_id == signup.head_store.id
    approved = client.stores.call(
        "ApproveStoreApplication", pb.ApproveStoreApplicationRequest(id=applied.id), token=token
    )
    assert approved.status == pb.APPLICATION_STATUS_APPROVED and approved.store_id
    with pytest.raises(Conflict):
        client.stores.call("ApproveStoreApplication", pb.ApproveStoreApplicationRequest(id=applied.id), token=token)
    with pytest.raises(NotFound):
        client.stores.call("GetStoreApplication", pb.GetStoreApplicationRequest(id="nope"), token=token)

    switched = client.stores.call("SwitchStore", pb.SwitchStoreRequest(store_id=approved.store_id), token=token)
    assert TokenVerifier(PUBLIC).verify(switched.access_token).current_store_id == approved.store_id
    pinned = client.stores.call("PinStore", pb.PinStoreRequest(store_id=approved.store_id), token=token)
    assert [(s.store.id, s.pinned, s.current) for s in pinned.stores] == [
        (approved.store_id, True, True),
        (signup.head_store.id, False, False),
    ]
    assert [r.store.id for r in pinned.recent] == [approved.store_id]

    app.takings.days = [DailyTakings("2026-11-02", approved.store_id, 1, 12_300, 300)]
    figures = client.stores.call(
        "ListSubStoreFigures", pb.ListSubStoreFiguresRequest(date_from="2026-11-01", date_to="2026-11-30"), token=token
    )
    assert [(f.store.name, f.orders, f.takings.fen) for f in figures.stores] == [("西门店", 1, 12_000)]
    assert figures.total_takings.fen == 12_000

    client.call(
        "CreateStaff",
        ipb.CreateStaffRequest(name="小王", phone="13900000001", password="pass1234", roles=["salesperson"]),
        token=token,
    )
    seller = grpc_login(client, phone="13900000001", password="pass1234")
    with pytest.raises(PermissionDenied):
        client.stores.call("SwitchStore", pb.SwitchStoreRequest(store_id=approved.store_id), token=seller.access_token)
    with pytest.raises(PermissionDenied):
        client.stores.call(
            "ListSubStoreFigures",
            pb.ListSubStoreFiguresRequest(date_from="2026-11-01", date_to="2026-11-30"),
            token=seller.access_token,
        )
