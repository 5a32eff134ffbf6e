"""gRPC servicer of crm.orders.v1.ReceivablesService (B4): proto <-> use-case values, no rules."""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime

from crm.orders.v1 import receivables_pb2 as pb
from crm.orders.v1 import receivables_pb2_grpc
from crmkit.auth import require_actor
from crmkit.db import Database, utcnow
from crmkit.filestore import FileStore
from crmkit.grpc_server import ServiceRegistration
from crmkit.paging import page_from_proto
from crmkit.protos import money, timestamp
from orders.domain import receivables as rules
from orders.domain.receivables import AllocationRequest
from orders.service import collections, collections_proofs, collections_review, credit, receivables
from orders.service.customers import CustomerDirectory

FULL_NAME = "crm.orders.v1.ReceivablesService"

TERM_TO_PROTO = {
    rules.DUE: pb.TERM_STATE_DUE,
    rules.NOT_YET_DUE: pb.TERM_STATE_NOT_YET_DUE,
    rules.NO_TERM: pb.TERM_STATE_NO_TERM,
}
# UNSPECIFIED filters nothing; an unknown number becomes "?", which the domain refuses by name.
TERM_FROM_PROTO = {v: k for k, v in TERM_TO_PROTO.items()} | {pb.TERM_STATE_UNSPECIFIED: ""}
METHOD_TO_PROTO = {
    "cash": pb.COLLECTION_METHOD_CASH,
    "bank_transfer": pb.COLLECTION_METHOD_BANK_TRANSFER,
    "wechat": pb.COLLECTION_METHOD_WECHAT,
    "alipay": pb.COLLECTION_METHOD_ALIPAY,
    "other": pb.COLLECTION_METHOD_OTHER,
}
METHOD_FROM_PROTO = {v: k for k, v in METHOD_TO_PROTO.items()}
STATUS_TO_PROTO = {
    rules.PENDING: pb.COLLECTION_STATUS_PENDING,
    rules.APPROVED: pb.COLLECTION_STATUS_APPROVED,
    rules.REJECTED: pb.COLLECTION_STATUS_REJECTED,
}
STATUS_FROM_PROTO = {v: k for k, v in STATUS_TO_PROTO.items()}


def debtor_to_proto(d: receivables.DebtorView) -> pb.Debtor:
    return pb.Debtor(
        customer_id=d.customer_id,
        customer_name=d.customer_name,
        customer_phone=d.customer_phone,
        salesperson_id=d.salesperson_id,
        debt=money(d.debt_fen),
        open_orders=d.open_orders,
        earliest_due_at=timestamp(d.earliest_due_at),
        term_state=TERM_TO_PROTO[d.term_state],
        credit_term_days=d.credit_term_days,
    )


def debt_order_to_proto(o: receivables.DebtOrderView) -> pb.DebtOrder:
    return pb.DebtOrder(
        order_id=o.order_id,
        number=o.number,
        total=money(o.total_fen),
        debt=money(o.debt_fen),
        pending=money(o.pending_fen),
        approved_at=timestamp(o.approved_at),
        due_at=timestamp(o.due_at),
        term_state=TERM_TO_PROTO[o.term_state],
    )


def collection_to_proto(c: collections.CollectionView) -> pb.Collection:
    return pb.Collection(
        id=c.id,
        number=c.number,
        customer_id=c.customer_id,
        customer_name=c.customer_name,
        salesperson_id=c.salesperson_id,
        filed_by_staff_id=c.filed_by,
        allocations=[
            pb.Allocation(order_id=a.order_id, amount=money(a.amount_fen), order_number=a.order_number)
            for a in c.allocations
        ],
        amount=money(c.amount_fen),
        method=METHOD_TO_PROTO[c.method],
        proof_keys=list(c.proof_keys),
        note=c.note,
        status=STATUS_TO_PROTO[c.status],
        reviewed_by_staff_id=c.reviewed_by,
        reject_reason=c.reject_reason,
        filed_at=timestamp(c.filed_at),
        reviewed_at=timestamp(c.reviewed_at),
    )


class ReceivablesServicer(receivables_pb2_grpc.ReceivablesServiceServicer):
    def __init__(
        self,
        db: Database,
        store: FileStore | None,
        customers: CustomerDirectory,
        *,
        clock: Callable[[], datetime] = utcnow,
    ):
        self.db = db
        self.store = store
        self.customers = customers
        self.clock = clock

    def ListDebtors(self, request, context):
        page = page_from_proto(request.page)
        result = receivables.list_debtors(
            self.db.uow(),
            require_actor(),
            page,
            query=request.query,
            state=TERM_FROM_PROTO.get(request.term_state, "?"),
            now=self.clock(),
        )
        return pb.ListDebtorsResponse(debtors=[debtor_to_proto(d) for d in result.items], page=page.info(result.total))

    def ListDebtOrders(self, request, context):
        page = page_from_proto(request.page)
        result = receivables.list_debt_orders(
            self.db.uow(), require_actor(), self.customers, request.customer_id, page, now=self.clock()
        )
        return pb.ListDebtOrdersResponse(
            orders=[debt_order_to_proto(o) for o in result.items], page=page.info(result.total)
        )

    def SetCreditTerm(self, request, context):
        term = receivables.set_credit_term(
            self.db.uow(),
            require_actor(),
            self.customers,
            request.customer_id,
            request.days,
            limit_fen=request.credit_limit.fen if request.HasField("credit_limit") else None,
            now=self.clock(),
        )
        return pb.CreditTerm(customer_id=term.customer_id, days=term.days, credit_limit=money(term.limit_fen))

    def GetCustomerCredit(self, request, context):
        found = credit.get_customer_credit(
            self.db.uow(), require_actor(), self.customers, request.customer_id, now=self.clock()
        )
        pos = found.position
        return pb.CustomerCredit(
            customer_id=found.customer_id,
            term_days=found.term_days,
            credit_limit=money(pos.limit_fen),
            debt=money(pos.debt_fen),
            pending=money(pos.pending_fen),
            overdue=money(pos.overdue_fen),
            available=money(pos.available_fen),
            credit_control=found.control,
        )

    def UploadProof(self, request, context):
        proof = collections_proofs.upload_proof(
            self.db.uow(), require_actor(), self.store, request.data, now=self.clock()
        )
        return pb.Proof(key=proof.key, content_type=proof.content_type, size=proof.size)

    def FileCollection(self, request, context):
        cmd = collections.FileCollection(
            customer_id=request.customer_id,
            allocations=tuple(AllocationRequest(a.order_id, a.amount.fen) for a in request.allocations),
            # An unknown method number becomes "?", refused by name; UNSPECIFIED means "missing".
            method=METHOD_FROM_PROTO.get(request.method, "" if not request.method else "?"),
            proof_keys=tuple(request.proof_keys),
            note=request.note,
            idempotency_key=request.idempotency_key,
        )
        return collection_to_proto(collections.file_collection(self.db.uow(), require_actor(), cmd, now=self.clock()))

    def ApproveCollection(self, request, context):
        view = collections_review.approve_collection(self.db.uow(), require_actor(), request.id, now=self.clock())
        return collection_to_proto(view)

    def RejectCollection(self, request, context):
        view = collections_review.reject_collection(
            self.db.uow(), require_actor(), request.id, request.reason, now=self.clock()
        )
        return collection_to_proto(view)

    def GetCollection(self, request, context):
        return collection_to_proto(collections.get_collection(self.db.uow(), require_actor(), request.id))

    def ListCollections(self, request, context):
        page = page_from_proto(request.page)
        result = collections.list_collections(
            self.db.uow(),
            require_actor(),
            page,
            statuses=tuple(STATUS_FROM_PROTO.get(s, "?") for s in request.statuses),
            customer_id=request.customer_id,
        )
        return pb.ListCollectionsResponse(
            collections=[collection_to_proto(c) for c in result.items], page=page.info(result.total)
        )

    def GetProofUrl(self, request, context):
        url, expires_at = collections_proofs.proof_url(
            self.db.uow(), require_actor(), self.store, request.collection_id, request.key, now=self.clock()
        )
        return pb.ProofUrl(url=url, expires_at=timestamp(expires_at))

    def ReadProof(self, request, context):
        data, content_type = collections_proofs.read_proof(
            self.db.uow(), require_actor(), self.store, request.collection_id, request.key
        )
        return pb.ProofData(data=data, content_type=content_type)


def registration(
    db: Database, store: FileStore | None, customers: CustomerDirectory, *, clock: Callable[[], datetime] = utcnow
) -> ServiceRegistration:
    return ServiceRegistration(
        receivables_pb2_grpc.add_ReceivablesServiceServicer_to_server,
        ReceivablesServicer(db, store, customers, clock=clock),
        FULL_NAME,
    )
