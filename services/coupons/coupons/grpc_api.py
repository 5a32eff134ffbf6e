"""gRPC servicer of crm.coupons.v1.CouponsService: proto -> use case -> proto."""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime

import redis as redis_lib

from coupons.domain import codes
from coupons.domain.redemption import Line
from coupons.domain.templates import TemplateInput
from coupons.service import (
    batches,
    coupons_claims,
    coupons_issue,
    coupons_lookup,
    coupons_segment_send,
    coupons_stats,
    redemption,
    templates,
)
from coupons.service.coupons_customers import CustomerDirectory
from coupons.service.coupons_segment_send import SegmentMembers
from coupons.service.coupons_stock import ClaimStock
from crm.coupons.v1 import coupons_pb2 as pb
from crm.coupons.v1 import coupons_pb2_grpc
from crmkit.auth import require_actor
from crmkit.changelog import changes_response
from crmkit.db import Database, utcnow
from crmkit.grpc_server import ServiceRegistration
from crmkit.paging import page_from_proto
from crmkit.protos import datetime_of, money, timestamp
from crmkit.redis_client import Keys

FULL_NAME = "crm.coupons.v1.CouponsService"


def template_input(t: pb.TemplateInput) -> TemplateInput:
    return TemplateInput(
        name=t.name,
        kind=t.kind,
        colour=t.colour,
        value_fen=t.value.fen,
        percent_off=t.percent_off,
        pickup_product_ids=tuple(t.pickup_product_ids),
        valid_from=datetime_of(t, "valid_from"),
        valid_until=datetime_of(t, "valid_until"),
        valid_days=t.valid_days,
        min_spend_fen=t.min_spend.fen,
        per_order_limit=t.per_order_limit,
        product_ids=tuple(t.product_ids),
        category_ids=tuple(t.category_ids),
        store_ids=tuple(t.store_ids),
        convertible_to_stored_value=t.convertible_to_stored_value,
        conversion_fen=t.conversion_value.fen,
        total_quantity=t.total_quantity,
        per_person_limit=t.per_person_limit,
        remind_days_before=t.remind_days_before,
    )


def template_to_proto(view: templates.TemplateView) -> pb.CouponTemplate:
    t = view.template
    return pb.CouponTemplate(
        id=view.id,
        claim_token=view.claim_token,
        created_at=timestamp(view.created_at),
        template=pb.TemplateInput(
            name=t.name,
            kind=t.kind,
            colour=t.colour,
            value=money(t.value_fen),
            percent_off=t.percent_off,
            pickup_product_ids=list(t.pickup_product_ids),
            valid_from=timestamp(t.valid_from),
            valid_until=timestamp(t.valid_until),
            valid_days=t.valid_days,
            min_spend=money(t.min_spend_fen),
            per_order_limit=t.per_order_limit,
            product_ids=list(t.product_ids),
            category_ids=list(t.category_ids),
            store_ids=list(t.store_ids),
            convertible_to_stored_value=t.convertible_to_stored_value,
            conversion_value=money(t.conversion_fen),
            total_quantity=t.total_quantity,
            per_person_limit=t.per_person_limit,
            remind_days_before=t.remind_days_before,
        ),
    )


def coupon_to_proto(v: coupons_issue.CouponView) -> pb.Coupon:
    return pb.Coupon(
        id=v.id,
        code=v.code,
        template_id=v.template_id,
        customer_id=v.customer_id,
        phone=v.phone,
        channel=v.channel,
        status=v.status,
        valid_from=timestamp(v.valid_from),
        valid_until=timestamp(v.valid_until),
        issued_at=timestamp(v.issued_at),
        redeemed_at=timestamp(v.redeemed_at),
        order_id=v.order_id,
        qr_payload=codes.qr_payload(v.code),
    )


def batch_to_proto(v: batches.BatchView) -> pb.CouponBatch:
    return pb.CouponBatch(
        id=v.id,
        template_id=v.template_id,
        quantity=v.quantity,
        status=v.status,
        made=v.made,
        issued=v.issued,
        handed_out=v.handed_out,
        sold=v.sold,
        redeemed=v.redeemed,
        in_stock=v.in_stock,
        movements=[
            pb.BatchMovement(
                kind=m.kind,
                quantity=m.quantity,
                store_id=m.store_id,
                buyer=m.buyer,
                first_serial=m.first_serial,
                last_serial=m.last_serial,
                at=timestamp(m.at),
            )
            for m in v.movements
        ],
    )


class BatchesMixin:
    def MakeBatch(self, request, context):
        view = batches.make_batch(
            self.db.uow(), require_actor(), request.template_id, request.quantity, now=self.clock()
        )
        return batch_to_proto(view)

    def IssueBatch(self, request, context):
        return batch_to_proto(batches.issue_batch(self.db.uow(), require_actor(), request.id, now=self.clock()))

    def HandOutCoupons(self, request, context):
        view = batches.hand_out(
            self.db.uow(), require_actor(), request.batch_id, request.store_id, request.quantity, now=self.clock()
        )
        return batch_to_proto(view)

    def SellCoupons(self, request, context):
        view = batches.sell(
            self.db.uow(), require_actor(), request.batch_id, request.buyer, request.quantity, now=self.clock()
        )
        return batch_to_proto(view)

    def GetBatch(self, request, context):
        return batch_to_proto(batches.get_batch(self.db.uow(), require_actor(), request.id))

    def ExportBatch(self, request, context):
        content = batches.export_batch(self.db.uow(), require_actor(), request.id)
        return pb.BatchExport(content=content, filename=f"coupons-{request.id[:8]}.xlsx")


class CouponsServicer(BatchesMixin, coupons_pb2_grpc.CouponsServiceServicer):
    def __init__(
        self,
        db: Database,
        redis: redis_lib.Redis,
        keys: Keys,
        customers: CustomerDirectory,
        *,
        clock: Callable[[], datetime] = utcnow,
        segment_members: SegmentMembers | None = None,
    ):
        self.db = db
        self.stock = ClaimStock(redis, keys)
        self.customers = customers
        self.clock = clock
        self.segment_members = segment_members

    def CreateTemplate(self, request, context):
        cmd = template_input(request.template)
        return template_to_proto(templates.create_template(self.db.uow(), require_actor(), cmd, now=self.clock()))

    def GetTemplate(self, request, context):
        return template_to_proto(templates.get_template(self.db.uow(), require_actor(), request.id))

    def ListTemplateChanges(self, request, context):
        page = page_from_proto(request.page)
        found, total = templates.list_template_changes(self.db.uow(), require_actor(), request.object_id, page)
        return changes_response(found, total, page)

    def ListTemplates(self, request, context):
        page = page_from_proto(request.page)
        views, total = templates.list_templates(self.db.uow(), require_actor(), page)
        return pb.ListTemplatesResponse(templates=[template_to_proto(v) for v in views], page=page.info(total))

    def SendCoupons(self, request, context):
        views = coupons_issue.send_coupons(
            self.db.uow,
            self.stock,
            self.customers,
            require_actor(),
            request.template_id,
            list(request.customer_ids),
            now=self.clock(),
        )
        return pb.SendCouponsResponse(coupons=[coupon_to_proto(v) for v in views])

    def SendCouponsToSegment(self, request, context):
        result = coupons_segment_send.send_to_segment(
            self.db.uow,
            self.stock,
            self.segment_members,
            require_actor(),
            request.template_id,
            request.segment_id,
            request.send_key,
            now=self.clock(),
        )
        return pb.SegmentSendResult(
            send_id=result.send_id,
            send_key=result.send_key,
            template_id=result.template_id,
            segment_id=result.segment_id,
            issued=result.issued,
            skipped=result.skipped,
            finished=result.finished,
        )

    def ClaimCoupon(self, request, context):
        # Public: the unguessable claim token is the only credential (the gateway rate-limits it).
        view = coupons_claims.claim_coupon(
            self.db.uow, self.stock, request.claim_token, request.phone, now=self.clock()
        )
        return coupon_to_proto(view)

    def GetClaimPage(self, request, context):
        # Public like ClaimCoupon: only what a printed poster would show.
        t, remaining = coupons_claims.claim_page(self.db.uow, self.stock, request.claim_token)
        return pb.ClaimPage(
            name=t.name,
            kind=t.kind,
            colour=t.colour,
            value=money(t.value_fen),
            percent_off=t.percent_off,
            min_spend=money(t.min_spend_fen),
            valid_from=timestamp(t.valid_from),
            valid_until=timestamp(t.valid_until),
            valid_days=t.valid_days,
            per_person_limit=t.per_person_limit,
            remaining=remaining,
        )

    def ListCoupons(self, request, context):
        page = page_from_proto(request.page)
        views, total = coupons_lookup.list_coupons(
            self.db.uow(),
            require_actor(),
            template_id=request.template_id,
            customer_id=request.customer_id,
            phone=request.phone,
            held_only=request.held_only,
            customers=self.customers,
            page=page,
            now=self.clock(),
        )
        return pb.ListCouponsResponse(coupons=[coupon_to_proto(v) for v in views], page=page.info(total))

    def GetCoupon(self, request, context):
        return coupon_to_proto(
            coupons_lookup.get_coupon(
                self.db.uow(), require_actor(), request.code, now=self.clock(), queued=self.stock.claims.pending_tenant
            )
        )

    def RedeemCoupon(self, request, context):
        cmd = redemption.RedeemCommand(
            code=request.code,
            order_id=request.order_id,
            store_id=request.store_id,
            lines=tuple(Line(li.product_id, li.category_id, li.quantity, li.amount.fen) for li in request.lines),
            customer_id=request.customer_id,
        )
        v = redemption.redeem(
            self.db.uow(), require_actor(), cmd, now=self.clock(), queued=self.stock.claims.pending_tenant
        )
        return pb.Redemption(
            coupon_id=v.coupon_id,
            code=v.code,
            order_id=v.order_id,
            discount=money(v.discount_fen),
            redeemed_at=timestamp(v.redeemed_at),
            pickup_product_ids=list(v.pickup_product_ids),
        )

    def ReleaseOrderCoupons(self, request, context):
        codes = redemption.release_order(self.db.uow(), require_actor(), request.order_id, now=self.clock())
        return pb.ReleaseOrderCouponsResponse(codes=codes)

    def GetTemplateStats(self, request, context):
        s = coupons_stats.template_stats(
            self.db.uow(), require_actor(), request.template_id, request.date_from, request.date_to, now=self.clock()
        )
        return _stats(s)

    def GetSendStats(self, request, context):
        send, s, skipped = coupons_stats.send_stats(
            self.db.uow(), require_actor(), request.send_id, request.date_from, request.date_to, now=self.clock()
        )
        return pb.SendStats(
            send_id=send.id, send_key=send.send_key, segment_id=send.segment_id, stats=_stats(s), skipped=skipped
        )


def _stats(s: coupons_stats.TemplateStats) -> pb.TemplateStats:
    return pb.TemplateStats(
        template_id=s.template_id,
        issued=s.issued,
        claimed=s.claimed,
        redeemed=s.redeemed,
        redemption_rate_bp=s.redemption_rate_bp,
        days=[
            pb.DayStats(date=d.date.isoformat(), issued=d.issued, claimed=d.claimed, redeemed=d.redeemed)
            for d in s.days
        ],
    )


def registration(
    db: Database,
    redis: redis_lib.Redis,
    keys: Keys,
    customers: CustomerDirectory,
    *,
    clock: Callable[[], datetime] = utcnow,
    segment_members: SegmentMembers | None = None,
) -> ServiceRegistration:
    servicer = CouponsServicer(db, redis, keys, customers, clock=clock, segment_members=segment_members)
    return ServiceRegistration(coupons_pb2_grpc.add_CouponsServiceServicer_to_server, servicer, FULL_NAME)
