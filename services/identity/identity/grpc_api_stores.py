"""StoresService servicer (A4): proto -> command, actor, use case, result -> proto. Nothing more."""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime

from crm.identity.v1 import stores_pb2 as pb
from crm.identity.v1 import stores_pb2_grpc
from crmkit.auth import TokenIssuer, require_actor
from crmkit.db import Database
from crmkit.grpc_server import ServiceRegistration
from crmkit.paging import page_from_proto
from crmkit.protos import money
from identity import convert
from identity.domain import stores as rules
from identity.grpc_api import utc_now
from identity.service import store_applications as applications
from identity.service import store_figures, store_switching
from identity.takings import TakingsSource

FULL_NAME = "crm.identity.v1.StoresService"

STATUS_TO_PB = {
    rules.PENDING: pb.APPLICATION_STATUS_PENDING,
    rules.APPROVED: pb.APPLICATION_STATUS_APPROVED,
    rules.REJECTED: pb.APPLICATION_STATUS_REJECTED,
}
STATUS_FROM_PB = {v: k for k, v in STATUS_TO_PB.items()}


def application_pb(row) -> pb.StoreApplication:
    return pb.StoreApplication(
        id=row.id,
        tenant_id=row.tenant_id,
        parent_store_id=row.parent_store_id,
        store_name=row.store_name,
        contact_name=row.contact_name,
        phone=row.phone,
        address=row.address,
        status=STATUS_TO_PB[row.status],
        applied_by=row.applied_by,
        applied_at=convert.ts(row.created_at),
        reviewed_by=row.reviewed_by or "",
        reviewed_at=convert.ts(row.reviewed_at),
        reject_reason=row.reject_reason or "",
        store_id=row.store_id or "",
    )


def switcher_pb(view: store_switching.Switcher) -> pb.StoreSwitcher:
    return pb.StoreSwitcher(
        current_store_id=view.current_store_id,
        stores=[
            pb.SwitchableStore(store=convert.store_pb(e.store), pinned=e.pinned, current=e.current) for e in view.stores
        ],
        recent=[
            pb.RecentStore(store=convert.store_pb(e.store), switched_at=convert.ts(e.switched_at)) for e in view.recent
        ],
    )


class StoresServicer(stores_pb2_grpc.StoresServiceServicer):
    def __init__(
        self,
        db: Database,
        issuer: TokenIssuer,
        takings: TakingsSource,
        *,
        clock: Callable[[], datetime] = utc_now,
    ):
        self.db = db
        self.issuer = issuer
        self.takings = takings
        self.clock = clock

    def ApplyForSubStore(self, request, context):
        cmd = applications.ApplyForSubStore(
            store_name=request.store_name,
            contact_name=request.contact_name,
            phone=request.phone,
            address=request.address,
        )
        return application_pb(applications.apply_for_sub_store(self.db.uow(), require_actor(), cmd, now=self.clock()))

    def ListStoreApplications(self, request, context):
        query = applications.ListApplications(
            page=page_from_proto(request.page), status=STATUS_FROM_PB.get(request.status, "")
        )
        rows, total = applications.list_applications(self.db.uow(), require_actor(), query)
        return pb.ListStoreApplicationsResponse(
            applications=[application_pb(r) for r in rows], page=query.page.info(total)
        )

    def GetStoreApplication(self, request, context):
        return application_pb(applications.get_application(self.db.uow(), require_actor(), request.id))

    def ApproveStoreApplication(self, request, context):
        row = applications.approve_application(self.db.uow(), require_actor(), request.id, now=self.clock())
        return application_pb(row)

    def RejectStoreApplication(self, request, context):
        row = applications.reject_application(
            self.db.uow(), require_actor(), request.id, request.reason, now=self.clock()
        )
        return application_pb(row)

    def GetStoreSwitcher(self, request, context):
        return switcher_pb(store_switching.get_switcher(self.db.uow(), require_actor()))

    def SwitchStore(self, request, context):
        switched = store_switching.switch_store(
            self.db.uow(), self.issuer, require_actor(), request.store_id, now=self.clock()
        )
        return pb.SwitchStoreResponse(
            access_token=switched.access_token,
            access_expires_at=convert.ts(switched.access_expires_at),
            store=convert.store_pb(switched.store),
        )

    def PinStore(self, request, context):
        view = store_switching.pin_store(self.db.uow(), require_actor(), request.store_id, now=self.clock())
        return switcher_pb(view)

    def UnpinStore(self, request, context):
        return switcher_pb(store_switching.unpin_store(self.db.uow(), require_actor(), request.store_id))

    def ForgetRecentStores(self, request, context):
        return switcher_pb(store_switching.forget_recent_stores(self.db.uow(), require_actor(), request.store_id))

    def ListSubStoreFigures(self, request, context):
        view = store_figures.list_sub_store_figures(
            self.db.uow(), self.takings, require_actor(), request.date_from, request.date_to
        )
        return pb.ListSubStoreFiguresResponse(
            stores=[
                pb.SubStoreFigures(
                    store=convert.store_pb(f.store),
                    orders=f.orders,
                    sales=money(f.sales_fen),
                    returns=money(f.returns_fen),
                    takings=money(f.takings_fen),
                )
                for f in view.stores
            ],
            total_takings=money(view.total_takings_fen),
        )


def registration(servicer: StoresServicer) -> ServiceRegistration:
    return ServiceRegistration(stores_pb2_grpc.add_StoresServiceServicer_to_server, servicer, FULL_NAME)
