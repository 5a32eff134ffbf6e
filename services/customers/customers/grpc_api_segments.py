"""gRPC servicer of segments (C4): proto -> filter, actor from the token, use case -> proto."""

from __future__ import annotations

from collections.abc import Callable
from datetime import date, datetime

from crm.customers.v1 import segments_pb2 as pb
from crm.customers.v1 import segments_pb2_grpc
from crmkit.auth import require_actor
from crmkit.db import Database, utcnow
from crmkit.errors import InvalidInput
from crmkit.grpc_server import ServiceRegistration
from crmkit.paging import page_from_proto
from crmkit.protos import datetime_of, timestamp
from customers.domain.segments import FieldCondition, SegmentFilter
from customers.errors import ErrorCode
from customers.service import segment_members, segments
from customers.service.segment_members import Member
from customers.service.segments import SaveSegment, SegmentView

FULL_NAME = "crm.customers.v1.SegmentsService"
_OPTIONAL = (
    "no_purchase_days",
    "period_days",
    "min_order_count",
    "max_order_count",
    "min_amount_fen",
    "max_amount_fen",
    "coupons_unused_min",
    "coupon_redeemed_within_days",
    "no_coupon_redeemed_within_days",
)


def _day(text: str, name: str) -> date | None:
    if not text:
        return None
    try:
        return date.fromisoformat(text)
    except ValueError:
        raise InvalidInput(ErrorCode.SEGMENT_INVALID, fields={f"filter.{name}": "validation.invalid_date"}) from None


def filter_from_proto(msg: pb.SegmentFilter) -> SegmentFilter:
    return SegmentFilter(
        fields=tuple(FieldCondition(c.key, c.op, tuple(c.values)) for c in msg.fields),
        tag_ids=tuple(msg.tag_ids),
        levels=tuple(msg.levels),
        region_prefixes=tuple(msg.region_prefixes),
        last_purchase_before=datetime_of(msg, "last_purchase_before"),
        last_purchase_after=datetime_of(msg, "last_purchase_after"),
        period_from=_day(msg.period_from, "period_from"),
        period_to=_day(msg.period_to, "period_to"),
        product_ids=tuple(msg.product_ids),
        brands=tuple(msg.brands),
        coupon_template_ids=tuple(msg.coupon_template_ids),
        **{name: getattr(msg, name) if msg.HasField(name) else None for name in _OPTIONAL},
    )


def filter_to_proto(f: SegmentFilter) -> pb.SegmentFilter:
    return pb.SegmentFilter(
        fields=[pb.FieldCondition(key=c.key, op=c.op, values=list(c.values)) for c in f.fields],
        tag_ids=list(f.tag_ids),
        levels=list(f.levels),
        region_prefixes=list(f.region_prefixes),
        last_purchase_before=timestamp(f.last_purchase_before),
        last_purchase_after=timestamp(f.last_purchase_after),
        period_from=f.period_from.isoformat() if f.period_from else "",
        period_to=f.period_to.isoformat() if f.period_to else "",
        product_ids=list(f.product_ids),
        brands=list(f.brands),
        coupon_template_ids=list(f.coupon_template_ids),
        **{name: getattr(f, name) for name in _OPTIONAL if getattr(f, name) is not None},
    )


def segment_to_proto(s: SegmentView) -> pb.Segment:
    return pb.Segment(
        id=s.id,
        name=s.name,
        filter=filter_to_proto(s.filter),
        created_by_staff_id=s.created_by_staff_id,
        created_at=timestamp(s.created_at),
        updated_at=timestamp(s.updated_at),
    )


def member_to_proto(m: Member) -> pb.SegmentMember:
    return pb.SegmentMember(
        id=m.id,
        name=m.name,
        phone=m.phone,
        owner_staff_id=m.owner_staff_id or "",
        level=m.level,
        region=m.region,
        last_order_at=timestamp(m.last_order_at),
        store_id=m.store_id or "",
    )


class SegmentsServicer(segments_pb2_grpc.SegmentsServiceServicer):
    def __init__(self, db: Database, *, clock: Callable[[], datetime] = utcnow):
        self.db = db
        self.clock = clock

    def _as_of(self, request) -> datetime:
        return datetime_of(request, "as_of") or self.clock()

    @staticmethod
    def _filter(request) -> SegmentFilter | None:
        return None if request.segment_id else filter_from_proto(request.filter)

    def CreateSegment(self, request, context):
        cmd = SaveSegment(request.name, filter_from_proto(request.filter))
        return segment_to_proto(segments.create_segment(self.db.uow(), require_actor(), cmd, now=self.clock()))

    def UpdateSegment(self, request, context):
        cmd = SaveSegment(request.name, filter_from_proto(request.filter))
        view = segments.update_segment(self.db.uow(), require_actor(), request.id, cmd, now=self.clock())
        return segment_to_proto(view)

    def DeleteSegment(self, request, context):
        segments.delete_segment(self.db.uow(), require_actor(), request.id, now=self.clock())
        return pb.DeleteSegmentResponse()

    def GetSegment(self, request, context):
        return segment_to_proto(segments.get_segment(self.db.uow(), require_actor(), request.id))

    def ListSegments(self, request, context):
        views = segments.list_segments(self.db.uow(), require_actor())
        return pb.ListSegmentsResponse(segments=[segment_to_proto(v) for v in views])

    def ListSegmentPresets(self, request, context):
        require_actor()
        return pb.ListSegmentPresetsResponse(
            presets=[
                pb.SegmentPreset(key=p.key, name_key=p.name_key, filter=filter_to_proto(p.filter))
                for p in segments.list_presets()
            ]
        )

    def EvaluateSegment(self, request, context):
        actor = require_actor()
        page = page_from_proto(request.page)
        result = segment_members.evaluate_segment(
            self.db.uow(),
            actor,
            page,
            segment_id=request.segment_id,
            filter=self._filter(request),
            as_of=self._as_of(request),
        )
        return pb.EvaluateSegmentResponse(
            members=[member_to_proto(m) for m in result.members], page=page.info(result.total)
        )

    def StreamSegmentMembers(self, request, context):
        members = segment_members.stream_segment_members(
            self.db.uow(),
            require_actor(),
            segment_id=request.segment_id,
            filter=self._filter(request),
            as_of=self._as_of(request),
        )
        for member in members:
            yield member_to_proto(member)


def segments_registration(db: Database, *, clock: Callable[[], datetime] = utcnow) -> ServiceRegistration:
    return ServiceRegistration(
        segments_pb2_grpc.add_SegmentsServiceServicer_to_server, SegmentsServicer(db, clock=clock), FULL_NAME
    )
