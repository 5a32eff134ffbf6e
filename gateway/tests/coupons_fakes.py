"""A fake of crm.coupons.v1.CouponsService on its own address: records every call and answers
with fixed, recognisable values (or the error a test sets in `rec.fail`)."""

from __future__ import annotations

from datetime import datetime

from gateway_fakes import Recorder, changes_reply

from crm.common.v1 import common_pb2
from crm.coupons.v1 import coupons_pb2 as pb
from crm.coupons.v1 import coupons_pb2_grpc, stored_value_pb2_grpc
from crm.coupons.v1 import stored_value_pb2 as svpb
from crmkit.grpc_server import ServiceRegistration
from crmkit.protos import timestamp

CODE = "1234567890123452"


def at(text: str):
    return timestamp(datetime.fromisoformat(text))


def coupon_pb(**kw) -> pb.Coupon:
    data = {
        "id": "cp-1",
        "code": CODE,
        "template_id": "tpl-1",
        "customer_id": "c-1",
        "channel": "send",
        "status": "active",
        "valid_from": at("2026-11-23T00:00:00Z"),
        "valid_until": at("2026-12-23T00:00:00Z"),
        "issued_at": at("2026-11-23T00:00:00Z"),
        "qr_payload": "CRMCPN:" + CODE,
    }
    data.update(kw)
    return pb.Coupon(**data)


def batch_pb(batch_id="b-1", **kw) -> pb.CouponBatch:
    data = {"id": batch_id, "template_id": "tpl-1", "quantity": 500, "status": "made", "made": 500, **kw}
    return pb.CouponBatch(**data)


class FakeCoupons(coupons_pb2_grpc.CouponsServiceServicer):
    def __init__(self):
        self.rec = Recorder()

    def CreateTemplate(self, request, context):
        self.rec.record("CreateTemplate", request, context)
        return pb.CouponTemplate(
            id="tpl-1", template=request.template, claim_token="tok-1", created_at=at("2026-11-23T00:00:00Z")
        )

    def SendCouponsToSegment(self, request, context):
        self.rec.record("SendCouponsToSegment", request, context)
        return pb.SegmentSendResult(
            send_id="send-1",
            send_key=request.send_key,
            template_id=request.template_id,
            segment_id=request.segment_id,
            issued=3,
            skipped={"sold_out": 2},
            finished=True,
        )

    def SendCoupons(self, request, context):
        self.rec.record("SendCoupons", request, context)
        return pb.SendCouponsResponse(coupons=[coupon_pb(customer_id=c) for c in request.customer_ids])

    def ClaimCoupon(self, request, context):
        self.rec.record("ClaimCoupon", request, context, staff=False)
        return coupon_pb(customer_id="", phone=request.phone, channel="claim")

    def GetClaimPage(self, request, context):
        self.rec.record("GetClaimPage", request, context, staff=False)
        return pb.ClaimPage(name="满100减20", kind="cash", value=common_pb2.Money(fen=2000), remaining=7)

    def RedeemCoupon(self, request, context):
        self.rec.record("RedeemCoupon", request, context)
        return pb.Redemption(
            coupon_id="cp-1",
            code=CODE,
            order_id=request.order_id,
            discount=common_pb2.Money(fen=2000),
            redeemed_at=at("2026-11-23T01:00:00Z"),
        )

    def GetTemplateStats(self, request, context):
        self.rec.record("GetTemplateStats", request, context)
        return pb.TemplateStats(
            template_id=request.template_id,
            issued=4,
            claimed=1,
            redeemed=1,
            redemption_rate_bp=2500,
            days=[pb.DayStats(date="2026-11-23", issued=4, claimed=1, redeemed=1)],
        )

    def MakeBatch(self, request, context):
        self.rec.record("MakeBatch", request, context)
        return batch_pb(quantity=request.quantity)

    def SellCoupons(self, request, context):
        self.rec.record("SellCoupons", request, context)
        return batch_pb(request.batch_id, status="issued", issued=500, sold=request.quantity)

    def ListCoupons(self, request, context):
        self.rec.record("ListCoupons", request, context)
        held = [coupon_pb(customer_id=request.customer_id)]
        return pb.ListCouponsResponse(coupons=held, page=common_pb2.PageInfo(page=1, page_size=10, total=1))

    def ListTemplateChanges(self, request, context):
        self.rec.record("ListTemplateChanges", request, context)
        return changes_reply(request, "coupon_template")

    def ExportBatch(self, request, context):
        self.rec.record("ExportBatch", request, context)
        return pb.BatchExport(content=b"PK-xlsx", filename="coupons-b-1.xlsx")


class FakeStoredValue(stored_value_pb2_grpc.StoredValueServiceServicer):
    """The coupons deployable's stored-value service, as much of it as the customer record reads."""

    def __init__(self):
        self.rec = Recorder()

    def GetAccount(self, request, context):
        self.rec.record("GetAccount", request, context)
        return svpb.Account(customer_id=request.customer_id, balance=common_pb2.Money(fen=12_345), points=88)


def stored_value_registration(fake: FakeStoredValue) -> ServiceRegistration:
    return ServiceRegistration(
        stored_value_pb2_grpc.add_StoredValueServiceServicer_to_server, fake, "crm.coupons.v1.StoredValueService"
    )


def registration(fake: FakeCoupons) -> ServiceRegistration:
    return ServiceRegistration(
        coupons_pb2_grpc.add_CouponsServiceServicer_to_server, fake, "crm.coupons.v1.CouponsService"
    )
