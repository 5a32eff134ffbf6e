"""Sending a template's coupons to every member of a saved customer segment (E2), and a
salesperson pushing coupons to a group of own customers (E10).

Members are streamed from the customers service with the coupons service token (only a service
may stream a segment) in the caller's tenant. Each member then goes through the same issuing
rules as a named send (stock, per-person limit, validity, `coupon_issued`), one member per
transaction. The member's outcome is written in the coupon's own transaction under the send key,
so a retried request resumes the same send and never issues anyone a second coupon."""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from datetime import datetime
from typing import Protocol

from sqlalchemy import func, select
from sqlalchemy.exc import IntegrityError

from coupons import events
from coupons.domain.scope import segment_reach
from coupons.errors import ErrorCode
from coupons.models_coupons import CouponSegmentSendMemberRow, CouponSegmentSendRow
from coupons.service.coupons_issue import SEND, _issue
from coupons.service.coupons_stock import ClaimStock
from coupons.service.templates import load_template, require_staff
from crmkit.auth import Actor
from crmkit.errors import Conflict, InvalidInput
from crmkit.grpc_client import ServiceClient

ISSUED = "issued"
# The reasons a member is skipped, keyed by the refusal of the issuing rules.
SKIP_REASONS = {ErrorCode.COUPON_PER_PERSON_LIMIT: "per_person_limit", ErrorCode.COUPON_SOLD_OUT: "sold_out"}
SEGMENTS_FULL_NAME = "crm.customers.v1.SegmentsService"


@dataclass(frozen=True)
class SegmentMember:
    id: str
    phone: str
    owner_staff_id: str
    store_id: str = ""


class SegmentMembers(Protocol):
    def stream(self, tenant_id: str, segment_id: str) -> Iterable[SegmentMember]:
        """Every member of the tenant's saved segment; NotFound for an unknown segment."""


class GrpcSegmentMembers:
    """The customers service's SegmentsService, asked with this service's own token."""

    def __init__(self, address: str, service_token: str, *, timeout: float = 300.0):
        from crm.customers.v1 import segments_pb2_grpc

        self.timeout = timeout
        self.client = ServiceClient(
            address, segments_pb2_grpc.SegmentsServiceStub, SEGMENTS_FULL_NAME, service_token=service_token
        )

    def stream(self, tenant_id: str, segment_id: str) -> Iterator[SegmentMember]:
        from crm.customers.v1 import segments_pb2

        for m in self.client.stream(
            "StreamSegmentMembers",
            segments_pb2.StreamSegmentMembersRequest(segment_id=segment_id),
            as_service=True,
            tenant_id=tenant_id,
            timeout=self.timeout,
        ):
            yield SegmentMember(m.id, m.phone, m.owner_staff_id, m.store_id)

    def close(self) -> None:
        self.client.close()


@dataclass(frozen=True)
class SegmentSendResult:
    send_id: str
    send_key: str
    template_id: str
    segment_id: str
    issued: int
    skipped: dict[str, int]
    finished: bool


def _validate(template_id: str, segment_id: str, send_key: str) -> tuple[str, str, str]:
    fields = {}
    template_id, segment_id, send_key = template_id.strip(), segment_id.strip(), send_key.strip()
    for name, value, limit in (
        ("template_id", template_id, 36),
        ("segment_id", segment_id, 36),
        ("send_key", send_key, 64),
    ):
        if not value:
            fields[name] = "validation.required"
        elif len(value) > limit:
            fields[name] = "validation.too_long"
    if fields:
        raise InvalidInput(ErrorCode.COUPON_SEGMENT_SEND_INVALID, fields=fields)
    return template_id, segment_id, send_key


def _open_send(uow_factory, actor: Actor, template_id: str, segment_id: str, send_key: str, owner: str, now):
    """The send named by the key: created on first use, found again on a retry. A key already
    used for another template, segment or sender is refused (409), never silently reused."""

    def find(uow):
        return uow.session.scalar(
            select(CouponSegmentSendRow).where(
                CouponSegmentSendRow.tenant_id == actor.tenant_id, CouponSegmentSendRow.send_key == send_key
            )
        )

    with uow_factory() as uow:
        row = find(uow)
        if row is None:
            try:
                row = CouponSegmentSendRow(
                    tenant_id=actor.tenant_id,
                    send_key=send_key,
                    template_id=template_id,
                    segment_id=segment_id,
                    owner_staff_id=owner,
                    created_by=actor.staff_id,
                    created_at=now,
                )
                uow.session.add(row)
                uow.session.flush()
                uow.commit()
            except IntegrityError:
                uow.session.rollback()
                row = find(uow)
        if (row.template_id, row.segment_id, row.owner_staff_id) != (template_id, segment_id, owner):
            raise Conflict(ErrorCode.COUPON_SEND_KEY_REUSED)
        uow.session.expunge(row)
    return row


def _handled(uow_factory, send_id: str, customer_id: str) -> bool:
    with uow_factory() as uow:
        return (
            uow.session.scalar(
                select(CouponSegmentSendMemberRow.id).where(
                    CouponSegmentSendMemberRow.send_id == send_id, CouponSegmentSendMemberRow.customer_id == customer_id
                )
            )
            is not None
        )


def _record_skip(uow_factory, send: CouponSegmentSendRow, customer_id: str, reason: str, now: datetime) -> None:
    with uow_factory() as uow:
        try:
            uow.session.add(
                CouponSegmentSendMemberRow(
                    tenant_id=send.tenant_id, send_id=send.id, customer_id=customer_id, outcome=reason, created_at=now
                )
            )
            uow.session.flush()
            uow.commit()
        except IntegrityError:
            # A concurrent retry of the same send handled this member first: its outcome stands.
            uow.session.rollback()


def _result(uow_factory, send: CouponSegmentSendRow) -> SegmentSendResult:
    with uow_factory() as uow:
        counts = dict(
            uow.session.execute(
                select(CouponSegmentSendMemberRow.outcome, func.count())
                .where(CouponSegmentSendMemberRow.send_id == send.id)
                .group_by(CouponSegmentSendMemberRow.outcome)
            ).all()
        )
        finished = uow.session.scalar(
            select(CouponSegmentSendRow.finished_at).where(CouponSegmentSendRow.id == send.id)
        )
    issued = counts.pop(ISSUED, 0)
    return SegmentSendResult(
        send.id, send.send_key, send.template_id, send.segment_id, issued, counts, finished is not None
    )


def send_to_segment(
    uow_factory,
    stock: ClaimStock,
    members: SegmentMembers,
    actor: Actor,
    template_id: str,
    segment_id: str,
    send_key: str,
    *,
    now: datetime,
) -> SegmentSendResult:
    """The members within the sender's reach (coupons.domain.scope): the owner every member, a
    store manager their stores' members, a salesperson only the members they own (E10), so a
    segment never hands coupons to customers the sender may not see."""
    require_staff(actor)
    reach = segment_reach(actor)
    owner = reach.owner_staff_id
    template_id, segment_id, send_key = _validate(template_id, segment_id, send_key)
    with uow_factory() as uow:
        template = load_template(uow.session, actor.tenant_id, template_id)
        uow.session.expunge(template)
    if template.valid_until is not None and now >= template.valid_until:
        raise Conflict(ErrorCode.COUPON_TEMPLATE_EXPIRED)
    send = _open_send(uow_factory, actor, template_id, segment_id, send_key, owner, now)
    for member in members.stream(actor.tenant_id, segment_id):
        if not reach.includes(member.owner_staff_id, member.store_id):
            continue
        if _handled(uow_factory, send.id, member.id):
            continue

        def record(uow, rows, customer_id=member.id):
            uow.session.add(
                CouponSegmentSendMemberRow(
                    tenant_id=send.tenant_id,
                    send_id=send.id,
                    customer_id=customer_id,
                    outcome=ISSUED,
                    coupon_id=rows[0].id,
                    created_at=now,
                )
            )

        try:
            _issue(uow_factory, stock, template, [(member.id, member.phone)], SEND, now=now, record=record)
        except IntegrityError:
            # A concurrent retry of the same send handled this member first: its outcome stands,
            # and this transaction's coupon was never written (its reservation is given back).
            continue
        except Conflict as refusal:
            reason = SKIP_REASONS.get(refusal.code)
            if reason is None:
                raise
            _record_skip(uow_factory, send, member.id, reason, now)
    with uow_factory() as uow:
        row = uow.session.get(CouponSegmentSendRow, send.id)
        if row.finished_at is None:
            row.finished_at = now
            sent = events.coupon_segment_sent(send.id, template_id, segment_id, actor.staff_id)
            uow.publish(sent, actor.tenant_id)
        uow.commit()
    return _result(uow_factory, send)
