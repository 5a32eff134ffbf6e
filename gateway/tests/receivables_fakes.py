"""A fake of crm.orders.v1.ReceivablesService (B4), hosted beside the fake orders service on the
orders address: records every call and answers with fixed, recognisable values."""

from __future__ import annotations

from gateway_fakes import CREATED, Recorder

from crm.common.v1 import common_pb2
from crm.orders.v1 import receivables_pb2 as pb
from crm.orders.v1 import receivables_pb2_grpc
from crmkit.grpc_server import ServiceRegistration
from crmkit.protos import money

PROOF_BYTES = b"\x89PNG\r\n\x1a\n fake png"


def collection_pb(collection_id="col-1", status=pb.COLLECTION_STATUS_PENDING, **overrides) -> pb.Collection:
    collection = pb.Collection(
        id=collection_id,
        number="SK20260101-0001",
        customer_id="c-1",
        customer_name="王记批发",
        salesperson_id="s-1",
        filed_by_staff_id="s-1",
        allocations=[pb.Allocation(order_id="o-1", amount=money(30000), order_number="XS20260101-0001")],
        amount=money(30000),
        method=pb.COLLECTION_METHOD_WECHAT,
        proof_keys=["t-1/collections/2026/01/ab/f.png"],
        status=status,
        filed_at=CREATED,
    )
    for name, value in overrides.items():
        setattr(collection, name, value)
    return collection


class FakeReceivables(receivables_pb2_grpc.ReceivablesServiceServicer):
    def __init__(self):
        self.rec = Recorder()

    def ListDebtors(self, request, context):
        self.rec.record("ListDebtors", request, context)
        debtor = pb.Debtor(
            customer_id="c-1",
            customer_name="王记批发",
            customer_phone="13800000000",
            salesperson_id="s-1",
            debt=money(120000),
            open_orders=2,
            earliest_due_at=CREATED,
            term_state=pb.TERM_STATE_DUE,
            credit_term_days=30,
        )
        return pb.ListDebtorsResponse(
            debtors=[debtor],
            page=common_pb2.PageInfo(page=request.page.page, page_size=request.page.page_size, total=1),
        )

    def ListDebtOrders(self, request, context):
        self.rec.record("ListDebtOrders", request, context)
        order = pb.DebtOrder(
            order_id="o-1",
            number="XS20260101-0001",
            total=money(100000),
            debt=money(80000),
            pending=money(30000),
            approved_at=CREATED,
            term_state=pb.TERM_STATE_NO_TERM,
        )
        return pb.ListDebtOrdersResponse(orders=[order], page=common_pb2.PageInfo(page=1, page_size=20, total=1))

    def SetCreditTerm(self, request, context):
        self.rec.record("SetCreditTerm", request, context)
        term = pb.CreditTerm(customer_id=request.customer_id, days=request.days)
        if request.HasField("credit_limit"):
            term.credit_limit.CopyFrom(request.credit_limit)
        return term

    def GetCustomerCredit(self, request, context):
        self.rec.record("GetCustomerCredit", request, context)
        return pb.CustomerCredit(
            customer_id=request.customer_id,
            term_days=30,
            credit_limit=money(500000),
            debt=money(420000),
            pending=money(100000),
            overdue=money(20000),
            available=money(-20000),
            credit_control="block",
        )

    def UploadProof(self, request, context):
        self.rec.record("UploadProof", request, context)
        return pb.Proof(key="t-1/collections/2026/01/ab/f.png", content_type="image/png", size=len(request.data))

    def FileCollection(self, request, context):
        self.rec.record("FileCollection", request, context)
        return collection_pb()

    def ApproveCollection(self, request, context):
        self.rec.record("ApproveCollection", request, context)
        return collection_pb(request.id, pb.COLLECTION_STATUS_APPROVED, reviewed_by_staff_id="s-fin")

    def RejectCollection(self, request, context):
        self.rec.record("RejectCollection", request, context)
        return collection_pb(request.id, pb.COLLECTION_STATUS_REJECTED, reject_reason=request.reason)

    def GetCollection(self, request, context):
        self.rec.record("GetCollection", request, context)
        return collection_pb(request.id)

    def ListCollections(self, request, context):
        self.rec.record("ListCollections", request, context)
        return pb.ListCollectionsResponse(
            collections=[collection_pb()], page=common_pb2.PageInfo(page=1, page_size=20, total=1)
        )

    def GetProofUrl(self, request, context):
        self.rec.record("GetProofUrl", request, context)
        return pb.ProofUrl(url=f"/files/{request.key}?sig=x", expires_at=CREATED)

    def ReadProof(self, request, context):
        self.rec.record("ReadProof", request, context)
        return pb.ProofData(data=PROOF_BYTES, content_type="image/png")


def registration(fake: FakeReceivables) -> ServiceRegistration:
    return ServiceRegistration(
        receivables_pb2_grpc.add_ReceivablesServiceServicer_to_server, fake, "crm.orders.v1.ReceivablesService"
    )
