"""Writing queued claims (E2, ADR 0021): one batch of claims the script answered, in one
transaction, as the coupon rows, their claim slots and their `coupon_issued` events.

Exactly once, keyed on the claim id (the coupon's id; `coupon_claims.coupon_id` is unique): a
claim whose slot row exists is already written (a batch delivered again after a writer died
between its commit and its acknowledgement) and adds nothing. Statements are built once and run
as one multi-row insert per table; the ORM is not on this path.
"""

from __future__ import annotations

import json
import logging
from collections.abc import Iterable
from dataclasses import dataclass

from sqlalchemy import bindparam, insert, select
from sqlalchemy.exc import IntegrityError

from coupons import events
from coupons.domain import codes
from coupons.domain.redemption import ACTIVE
from coupons.models_coupons import CouponClaimRow, CouponRow
from coupons.service.claims_stream import PendingClaim
from crmkit.db import Database, new_id
from crmkit.events import Event

log = logging.getLogger(__name__)

COUPONS = CouponRow.__table__
SLOTS = CouponClaimRow.__table__
_WRITTEN = select(SLOTS.c.coupon_id).where(SLOTS.c.coupon_id.in_(bindparam("ids", expanding=True)))
_INSERT_COUPONS = insert(COUPONS)
_INSERT_SLOTS = insert(SLOTS)
# A code drawn for a claim that another coupon took in the meantime (odds of 1 in 10^15 per
# coupon held): drawn again, at most this often.
CODE_DRAWS = 5


@dataclass(frozen=True)
class Recorded:
    """What one batch did: claims written now, already written before, and refused (a slot the
    database holds for another coupon: Redis counters behind the record, which AOF prevents)."""

    written: int = 0
    already: int = 0
    refused: int = 0
    unreadable: int = 0  # entries this writer cannot parse, left pending (counted by the writer)

    @property
    def handled(self) -> int:
        return self.written + self.already + self.refused + self.unreadable


def record_claims(db: Database, claims: Iterable[PendingClaim]) -> Recorded:
    """Write a batch of queued claims in one transaction; a claim written before is skipped."""
    claims = list({c.id: c for c in claims}.values())
    if not claims:
        return Recorded()
    outbox = db.outbox_model.__table__
    with db.uow() as uow:
        session = uow.session
        written = set(session.scalars(_WRITTEN, {"ids": [c.id for c in claims]}))
        todo = [c for c in claims if c.id not in written]
        result = Recorded(written=len(todo), already=len(written))
        if todo:
            try:
                with session.begin_nested():
                    session.execute(_INSERT_SLOTS, [_slot(c) for c in todo])
                    session.execute(_INSERT_COUPONS, [_coupon(c, c.code) for c in todo])
                    session.execute(insert(outbox), [_event(db, c, c.code) for c in todo])
            except IntegrityError:
                # Someone else's row is in the way: claim by claim, to write all the others.
                result = _one_by_one(db, session, outbox, todo, already=len(written))
        uow.commit()
    if result.written:
        db.notify_outbox()
    return result


def _one_by_one(db: Database, session, outbox, claims: list[PendingClaim], *, already: int) -> Recorded:
    """Each claim in its own savepoint, so one refusal does not hold back the others."""
    written = refused = 0
    for claim in claims:
        try:
            with session.begin_nested():
                session.execute(_INSERT_SLOTS, [_slot(claim)])
        except IntegrityError:
            if session.scalars(_WRITTEN, {"ids": [claim.id]}).first() is not None:
                already += 1  # another writer took the batch over and wrote this claim first
            else:
                refused += 1
                log.error(
                    "claim %s of %s refused after it was answered: slot %s of %s is another coupon's",
                    claim.id,
                    claim.template_id,
                    claim.seq,
                    claim.holder,
                )
            continue
        code = claim.code
        for _ in range(CODE_DRAWS):
            try:
                with session.begin_nested():
                    session.execute(_INSERT_COUPONS, [_coupon(claim, code)])
                break
            except IntegrityError:
                code = codes.new_code()
                log.warning("claim %s: its code was taken meanwhile; the holder is texted a new one", claim.id)
        else:
            raise RuntimeError(f"no free coupon code for claim {claim.id}")
        session.execute(insert(outbox), [_event(db, claim, code)])
        written += 1
    return Recorded(written=written, already=already, refused=refused)


def _slot(c: PendingClaim) -> dict:
    return {
        "id": new_id(),
        "tenant_id": c.tenant_id,
        "created_at": c.claimed_at,
        "template_id": c.template_id,
        "holder": c.holder,
        "seq": c.seq,
        "coupon_id": c.id,
    }


def _coupon(c: PendingClaim, code: str) -> dict:
    return {
        "id": c.id,
        "tenant_id": c.tenant_id,
        "created_at": c.claimed_at,
        "template_id": c.template_id,
        "code": code,
        "customer_id": "",
        "phone": c.phone,
        "holder": c.holder,
        "channel": c.channel,
        "status": ACTIVE,
        "valid_from": c.valid_from,
        "valid_until": c.valid_until,
        "discount_fen": 0,
    }


def _event(db: Database, c: PendingClaim, code: str) -> dict:
    issued = events.coupon_issued(c.id, code, c.template_id, c.template_name, "", c.phone, c.channel, c.valid_until)
    # The claim's own time and request id: the event says when the holder claimed, as it did
    # when the claim was written in its request.
    evt = Event(
        type=issued.type,
        source=db.service,
        tenant_id=c.tenant_id,
        data=issued.data,
        occurred_at=c.claimed_at,
        request_id=c.request_id or None,
    )
    return {
        "event_id": evt.event_id,
        "type": evt.type,
        "tenant_id": evt.tenant_id,
        "payload": json.dumps(evt.to_message(), ensure_ascii=False),
        "occurred_at": evt.occurred_at,
        "attempts": 0,
    }
