"""Bulk pre-charge (E8, 空中充值): a corporate client's sheet, validated row by row and stored as
a pending batch; applied only after the tenant owner types the SMS code sent to their own phone.

The code follows identity's login codes (A2): six random digits, stored only as a hash bound to
the batch, valid five minutes, voided after five wrong tries; it travels through the messaging
service (which owns SMS providers and quotas). The code is kept on the batch row rather than in
Redis so that checking it and applying the rows are one transaction: the batch's status changes
from pending to applied by a conditional UPDATE, so two confirmations apply it once.
"""

from __future__ import annotations

import hashlib
import hmac
import json
import secrets
from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import update

from coupons import events, precharge_sheet
from coupons.domain import stored_value as rules
from coupons.errors import ErrorCode
from coupons.models import PrechargeBatchRow
from coupons.service.coupons_customers import CustomerDirectory
from coupons.service.stored_value import Posting, post
from coupons.stored_value_peers import OwnerSms
from crmkit.auth import Actor
from crmkit.db import UnitOfWork
from crmkit.errors import Conflict, InvalidInput, NotFound, PermissionDenied

PENDING = "pending"
APPLIED = "applied"
INVALID = "invalid"
UPLOAD_ROLES = ("owner", "finance")
CODE_TTL = timedelta(minutes=5)
MAX_WRONG_TRIES = 5
CLIENT_MAX = 100


@dataclass(frozen=True)
class BatchView:
    id: str
    client_name: str
    status: str
    rows: list[dict]
    problems: list[precharge_sheet.SheetProblem]
    total_fen: int
    created_by: str
    created_at: datetime | None
    applied_at: datetime | None


def _view(row: PrechargeBatchRow) -> BatchView:
    return BatchView(
        row.id,
        row.client_name,
        row.status,
        json.loads(row.rows),
        [],
        row.total_fen,
        row.created_by,
        row.created_at,
        row.applied_at,
    )


def _hash(batch_id: str, code: str) -> str:
    # Bound to the batch: a code sent for one batch cannot confirm another.
    return hashlib.sha256(f"precharge:{batch_id}:{code}".encode()).hexdigest()


def _require_owner(actor: Actor) -> str:
    if actor.staff_id is None or not actor.has_role("owner"):
        raise PermissionDenied(ErrorCode.STORED_VALUE_DENIED)
    return actor.staff_id


def upload(
    uow: UnitOfWork, actor: Actor, customers: CustomerDirectory, client_name: str, data: bytes, *, now: datetime
) -> BatchView:
    """Problems come back with status "invalid" and nothing is stored: the merchant fixes the
    sheet and uploads it again."""
    if actor.staff_id is None or not actor.has_role(*UPLOAD_ROLES):
        raise PermissionDenied(ErrorCode.STORED_VALUE_DENIED)
    client_name = client_name.strip()
    if not client_name:
        raise rules.invalid(client_name="validation.required")
    if len(client_name) > CLIENT_MAX:
        raise rules.invalid(client_name="validation.too_long")
    if not data:
        raise rules.invalid(xlsx="validation.required")
    rows, problems = precharge_sheet.read(data)
    checked = []
    for r in rows:
        found = customers.by_phone(r.phone)
        if found is None:
            problems.append(precharge_sheet.SheetProblem(r.row, precharge_sheet.PHONE, "error.customer_not_found"))
            continue
        checked.append(
            {
                "row": r.row,
                "phone": r.phone,
                "customer_id": found.id,
                "customer_name": found.name,
                "amount_fen": r.amount_fen,
                "note": r.note,
            }
        )
    if problems:
        problems.sort(key=lambda p: (p.row, p.column))
        return BatchView("", client_name, INVALID, checked, problems, 0, actor.staff_id, None, None)
    with uow:
        row = PrechargeBatchRow(
            tenant_id=actor.tenant_id,
            client_name=client_name,
            status=PENDING,
            rows=json.dumps(checked, ensure_ascii=False),
            total_fen=sum(r["amount_fen"] for r in checked),
            created_by=actor.staff_id,
            code_hash="",
            wrong_tries=0,
            applied_by="",
            created_at=now,
        )
        uow.session.add(row)
        uow.session.flush()
        uow.publish(events.precharge_uploaded(row.id, client_name, len(checked), row.total_fen), actor.tenant_id)
        uow.commit()
        return _view(row)


def _load(uow: UnitOfWork, actor: Actor, batch_id: str, *, lock: bool = False) -> PrechargeBatchRow:
    """lock: held until commit, so concurrent confirmations count wrong tries one by one."""
    row = uow.session.get(PrechargeBatchRow, batch_id, with_for_update=lock) if batch_id else None
    if row is None or row.tenant_id != actor.tenant_id:
        raise NotFound(ErrorCode.PRECHARGE_NOT_FOUND, params={"id": batch_id})
    return row


def get(uow: UnitOfWork, actor: Actor, batch_id: str) -> BatchView:
    if actor.staff_id is None or not actor.has_role(*UPLOAD_ROLES):
        raise PermissionDenied(ErrorCode.STORED_VALUE_DENIED)
    with uow:
        return _view(_load(uow, actor, batch_id))


def mask(phone: str) -> str:
    return phone[:3] + "****" + phone[-4:] if len(phone) >= 7 else "****"


def request_code(uow: UnitOfWork, actor: Actor, sms: OwnerSms, batch_id: str, *, now: datetime) -> tuple[str, datetime]:
    """A new code replaces the previous one (and its wrong tries). Sent after the commit: a
    code that failed to leave is simply requested again."""
    owner = _require_owner(actor)
    code = f"{secrets.randbelow(10**6):06d}"
    expires = now + CODE_TTL
    with uow:
        row = _load(uow, actor, batch_id, lock=True)
        if row.status != PENDING:
            raise Conflict(ErrorCode.PRECHARGE_STATE_INVALID)
        row.code_hash = _hash(row.id, code)
        row.code_expires_at = expires
        row.wrong_tries = 0
        uow.commit()
    phone = sms.own_phone(owner)
    sms.send_code(phone, code, f"precharge:{batch_id}:{now.isoformat()}")
    return mask(phone), expires


def confirm(uow: UnitOfWork, actor: Actor, batch_id: str, code: str, *, now: datetime) -> BatchView:
    owner = _require_owner(actor)
    code = code.strip()
    if not code:
        raise rules.invalid(code="validation.required")
    with uow:
        row = _load(uow, actor, batch_id, lock=True)
        if row.status != PENDING:
            raise Conflict(ErrorCode.PRECHARGE_STATE_INVALID)
        if not row.code_hash or row.code_expires_at is None or row.code_expires_at <= now:
            raise Conflict(ErrorCode.PRECHARGE_CODE_MISSING)
        if not hmac.compare_digest(row.code_hash, _hash(row.id, code)):
            # Counted in its own commit: the refusal must not roll the count back.
            tries = row.wrong_tries + 1
            values = {"wrong_tries": tries}
            if tries >= MAX_WRONG_TRIES:
                values["code_hash"] = ""  # voided: a guesser gets five tries per code sent
            uow.session.execute(update(PrechargeBatchRow).where(PrechargeBatchRow.id == row.id).values(**values))
            uow.commit()
            raise InvalidInput(ErrorCode.PRECHARGE_CODE_WRONG, fields={"code": "validation.invalid"})
        applied = uow.session.execute(
            update(PrechargeBatchRow)
            .where(PrechargeBatchRow.id == row.id, PrechargeBatchRow.status == PENDING)
            .values(status=APPLIED, applied_at=now, applied_by=owner, code_hash="")
            .execution_options(synchronize_session=False)
        ).rowcount
        if applied != 1:
            raise Conflict(ErrorCode.PRECHARGE_STATE_INVALID)
        for r in json.loads(row.rows):
            post(
                uow,
                actor.tenant_id,
                Posting(
                    r["customer_id"],
                    rules.BALANCE,
                    r["amount_fen"],
                    rules.PRECHARGE,
                    (f"{row.client_name} {r.get('note', '')}").strip()[: rules.NOTE_MAX],
                    row.id,
                    f"precharge:{row.id}:{r['row']}",
                ),
                by=owner,
                now=now,
            )
        uow.publish(events.precharge_applied(row.id, row.client_name, row.total_fen, owner), actor.tenant_id)
        uow.commit()
        row.status, row.applied_at = APPLIED, now
        return _view(row)
