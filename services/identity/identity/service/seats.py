"""Seat payments (A3), recorded by the platform's billing system with a service token."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import select

from crmkit.auth import Actor
from crmkit.db import UnitOfWork
from crmkit.errors import Conflict, InvalidInput
from identity import events
from identity.domain import seats
from identity.domain.validation import clean_text, raise_if_any
from identity.errors import ErrorCode
from identity.models import Seat, SeatPayment
from identity.service import commands
from identity.service.common import detached, load_staff, not_allowed

REFERENCE_MAX = 100


def record_seat_payment(uow: UnitOfWork, actor: Actor, cmd: commands.RecordSeatPayment, *, now: datetime) -> Seat:
    if not actor.is_service:
        raise not_allowed()
    reference = clean_text(cmd.payment_reference)
    raise_if_any(
        {
            "staff_id": None if clean_text(cmd.staff_id) else "validation.required",
            "payment_reference": "validation.required"
            if not reference
            else ("validation.too_long" if len(reference) > REFERENCE_MAX else None),
            "amount.fen": "validation.invalid" if cmd.amount_fen < 0 else None,
        }
    )
    seats.check_months(cmd.months)
    with uow:
        staff = load_staff(uow, actor.tenant_id, cmd.staff_id)
        # Lock the seat: the billing system may retry while the first call is still running,
        # and both must not extend the seat (the reference check below runs under this lock).
        seat = uow.session.scalar(
            select(Seat).where(Seat.tenant_id == actor.tenant_id, Seat.staff_id == staff.id).with_for_update()
        )
        if seat is None:
            raise Conflict(ErrorCode.NO_SEAT)
        earlier = uow.session.scalar(
            select(SeatPayment).where(
                SeatPayment.tenant_id == actor.tenant_id, SeatPayment.payment_reference == reference
            )
        )
        if earlier is not None:
            if earlier.staff_id != staff.id:
                raise InvalidInput(
                    ErrorCode.PAYMENT_REFERENCE_REUSED,
                    fields={"payment_reference": "validation.invalid"},
                )
            return detached(uow, seat)
        period = seats.SeatPeriod(seat.trial_ends_at, seat.paid_until).pay(cmd.months, now)
        seat.paid_until = period.paid_until
        uow.session.add(
            SeatPayment(
                tenant_id=actor.tenant_id,
                staff_id=staff.id,
                months=cmd.months,
                amount_fen=cmd.amount_fen,
                payment_reference=reference,
                paid_until=period.paid_until,
                created_at=now,
            )
        )
        uow.publish(
            events.seat_paid(
                staff.id,
                cmd.months,
                cmd.amount_fen,
                reference,
                paid_until=period.paid_until,
                valid_until=period.valid_until,
            ),
            actor.tenant_id,
        )
        uow.commit()
        return seat


def seat_period(seat: Seat) -> seats.SeatPeriod:
    return seats.SeatPeriod(trial_ends_at=seat.trial_ends_at, paid_until=seat.paid_until)
