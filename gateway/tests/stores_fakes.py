"""A fake of crm.identity.v1.StoresService (A4), hosted beside the fake identity service on the
identity address: records every call and answers with fixed, recognisable values."""

from __future__ import annotations

from gateway_fakes import CREATED, Recorder

from crm.common.v1 import common_pb2
from crm.identity.v1 import identity_pb2 as ipb
from crm.identity.v1 import stores_pb2 as pb
from crm.identity.v1 import stores_pb2_grpc
from crmkit.grpc_server import ServiceRegistration


def store(store_id="st-b", name="东门分店", head=False) -> ipb.Store:
    return ipb.Store(
        id=store_id,
        tenant_id="t-1",
        name=name,
        parent_store_id="" if head else "st-head",
        is_head=head,
        created_at=CREATED,
    )


def application(status=pb.APPLICATION_STATUS_PENDING, **kw) -> pb.StoreApplication:
    return pb.StoreApplication(
        id="app-1",
        tenant_id="t-1",
        parent_store_id="st-head",
        store_name="东门分店",
        contact_name="张店长",
        phone="13912340000",
        address="东门路 1 号",
        status=status,
        applied_by="s-1",
        applied_at=CREATED,
        **kw,
    )


def switcher() -> pb.StoreSwitcher:
    return pb.StoreSwitcher(
        current_store_id="st-b",
        stores=[
            pb.SwitchableStore(store=store(), pinned=True, current=True),
            pb.SwitchableStore(store=store("st-head", "总店", head=True)),
        ],
        recent=[pb.RecentStore(store=store(), switched_at=CREATED)],
    )


class FakeStores(stores_pb2_grpc.StoresServiceServicer):
    def __init__(self):
        self.rec = Recorder()

    def ApplyForSubStore(self, request, context):
        self.rec.record("ApplyForSubStore", request, context)
        return application()

    def ListStoreApplications(self, request, context):
        self.rec.record("ListStoreApplications", request, context)
        return pb.ListStoreApplicationsResponse(
            applications=[application()], page=common_pb2.PageInfo(page=1, page_size=20, total=1)
        )

    def GetStoreApplication(self, request, context):
        self.rec.record("GetStoreApplication", request, context)
        return application()

    def ApproveStoreApplication(self, request, context):
        self.rec.record("ApproveStoreApplication", request, context)
        return application(pb.APPLICATION_STATUS_APPROVED, store_id="st-b", reviewed_by="s-1", reviewed_at=CREATED)

    def RejectStoreApplication(self, request, context):
        self.rec.record("RejectStoreApplication", request, context)
        return application(pb.APPLICATION_STATUS_REJECTED, reject_reason=request.reason, reviewed_by="s-1")

    def GetStoreSwitcher(self, request, context):
        self.rec.record("GetStoreSwitcher", request, context)
        return switcher()

    def SwitchStore(self, request, context):
        self.rec.record("SwitchStore", request, context)
        return pb.SwitchStoreResponse(
            access_token="new-access", access_expires_at=CREATED, store=store(request.store_id)
        )

    def PinStore(self, request, context):
        self.rec.record("PinStore", request, context)
        return switcher()

    def UnpinStore(self, request, context):
        self.rec.record("UnpinStore", request, context)
        return switcher()

    def ForgetRecentStores(self, request, context):
        self.rec.record("ForgetRecentStores", request, context)
        return switcher()

    def ListSubStoreFigures(self, request, context):
        self.rec.record("ListSubStoreFigures", request, context)
        money = common_pb2.Money
        return pb.ListSubStoreFiguresResponse(
            stores=[
                pb.SubStoreFigures(
                    store=store(),
                    orders=3,
                    sales=money(fen=40_000),
                    returns=money(fen=5_000),
                    takings=money(fen=35_000),
                )
            ],
            total_takings=money(fen=35_000),
        )


def registration(fake: FakeStores) -> ServiceRegistration:
    return ServiceRegistration(
        stores_pb2_grpc.add_StoresServiceServicer_to_server, fake, "crm.identity.v1.StoresService"
    )
