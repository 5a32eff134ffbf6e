"""Sessions: access token plus rotating refresh tokens; refresh and logout (A2).

A session is a family of refresh tokens. Each refresh uses one up and issues the next; a used one
coming back means a copy leaked, so the whole family is revoked (RFC 6819 5.2.2.3). Ending a
session (logout, reuse) also refuses its access tokens at once, everywhere: the session is
written to crmkit's revoked-session store, which every verifier reads (issue 11, ADR 0011).
"""

from __future__ import annotations

import logging
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import select, update

from crmkit.auth import STAFF, TokenIssuer
from crmkit.db import UnitOfWork, new_id
from crmkit.errors import PermissionDenied, Unauthenticated, Unavailable
from crmkit.revocation import RevokedSessions
from identity.domain import roles as rules
from identity.domain import sessions
from identity.errors import ErrorCode
from identity.models import RefreshToken, Staff
from identity.service.common import load_staff
from identity.service.current_store import current_store_of
from identity.service.seats import seat_period

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class LoginResult:
    access_token: str
    access_expires_at: datetime
    refresh_token: str
    refresh_expires_at: datetime
    staff: Staff


def ensure_may_log_in(staff: Staff, now: datetime) -> None:
    """Checked at every login and refresh: the access token lives 15 minutes, so a switched-off
    account or a lapsed seat is locked out within that (A3)."""
    if not staff.active:
        raise PermissionDenied(ErrorCode.STAFF_INACTIVE)
    if staff.seat is not None and not seat_period(staff.seat).is_valid_at(now):
        raise PermissionDenied(ErrorCode.SEAT_EXPIRED)


def access_token(
    issuer: TokenIssuer, staff: Staff, *, session_id: str, current_store_id: str | None, now: datetime
) -> tuple[str, datetime]:
    """The claims every access token of a staff member carries (login, refresh, store switch)."""
    seat_until = seat_period(staff.seat).valid_until if staff.seat is not None else None
    return issuer.issue(
        kind=STAFF,
        subject_id=staff.id,
        tenant_id=staff.tenant_id,
        roles=staff.roles,
        permissions=rules.effective_permissions(staff.roles, staff.permissions),
        store_ids=staff.store_ids,
        seat_until=seat_until,
        session_id=session_id,
        ttl=sessions.ACCESS_TTL,
        now=now,
        current_store_id=current_store_id,
    )


def issue_tokens(
    uow: UnitOfWork, issuer: TokenIssuer, staff: Staff, *, session_id: str | None, now: datetime
) -> LoginResult:
    """A new access token and the next refresh token of the session (a new session if None)."""
    current_store = current_store_of(uow, staff, session_id)
    session_id = session_id or new_id()
    access, access_expires = access_token(issuer, staff, session_id=session_id, current_store_id=current_store, now=now)
    refresh = sessions.new_refresh_token()
    refresh_expires = now + sessions.REFRESH_TTL
    uow.session.add(
        RefreshToken(
            tenant_id=staff.tenant_id,
            staff_id=staff.id,
            session_id=session_id,
            token_hash=sessions.hash_refresh_token(refresh),
            expires_at=refresh_expires,
            created_at=now,
        )
    )
    return LoginResult(access, access_expires, refresh, refresh_expires, staff)


def _revoke_session(uow: UnitOfWork, session_id: str, now: datetime) -> None:
    end_sessions(uow, [session_id], now=now)


def end_sessions(uow: UnitOfWork, session_ids: list[str], *, now: datetime) -> None:
    """Their refresh tokens stop working (logout, reuse, an account switched off)."""
    if session_ids:
        uow.session.execute(
            update(RefreshToken)
            .where(RefreshToken.session_id.in_(session_ids), RefreshToken.revoked_at.is_(None))
            .values(revoked_at=now)
        )


def commit_revoking(uow: UnitOfWork, revoked: RevokedSessions, session_ids: Iterable[str]) -> None:
    """Commits a change that ends or narrows these sessions and refuses their access tokens.

    Written to Redis before the commit too: if Redis cannot take it, nothing is committed and
    the caller can simply try again (a retry after a half-done change would find nothing left to
    change and revoke nothing). Written again after the commit, because the cutoff is taken when
    it is written: only then does it follow every token issued from the state before the change
    (a refresh that read the old switches while this transaction ran)."""
    ids = list(dict.fromkeys(session_ids))
    if ids:
        revoked.revoke(ids, token_ttl=sessions.ACCESS_TTL)
    uow.commit()
    if ids:
        try:
            revoked.revoke(ids, token_ttl=sessions.ACCESS_TTL)
        except Unavailable:
            # The first write stands; only tokens issued while the transaction ran escape it.
            log.warning("second revocation write failed for %d session(s)", len(ids))


def live_sessions_of(uow: UnitOfWork, tenant_id: str, staff_id: str, *, now: datetime) -> list[str]:
    """Sessions that may still hold an access token: not revoked, and a refresh token that was
    still valid one access-token lifetime ago (a session whose last refresh token expired
    earlier has no live access token left)."""
    rows = uow.session.scalars(
        select(RefreshToken.session_id)
        .where(
            RefreshToken.tenant_id == tenant_id,
            RefreshToken.staff_id == staff_id,
            RefreshToken.revoked_at.is_(None),
            RefreshToken.expires_at > now - sessions.ACCESS_TTL,
        )
        .distinct()
    )
    return list(rows)


def _invalid() -> Unauthenticated:
    return Unauthenticated(ErrorCode.REFRESH_TOKEN_INVALID)


def refresh(
    uow: UnitOfWork, issuer: TokenIssuer, revoked: RevokedSessions, token: str, *, now: datetime
) -> LoginResult:
    if not token:
        raise _invalid()
    with uow:
        # Lock the row: two refreshes racing with one token must not both rotate it; the second
        # waits here, then sees it used and is treated as reuse.
        row = uow.session.scalar(
            select(RefreshToken).where(RefreshToken.token_hash == sessions.hash_refresh_token(token)).with_for_update()
        )
        if row is None:
            raise _invalid()
        state = sessions.refresh_state(
            used_at=row.used_at, revoked_at=row.revoked_at, expires_at=row.expires_at, now=now
        )
        if state == sessions.REUSED:
            _revoke_session(uow, row.session_id, now)
            # The revocation must stick even though the call fails, and whoever holds the
            # session's access tokens (the thief, or the owner) is refused at once.
            commit_revoking(uow, revoked, [row.session_id])
            raise Unauthenticated(ErrorCode.REFRESH_TOKEN_REUSED)
        if state != sessions.USABLE:
            raise _invalid()
        staff = load_staff(uow, row.tenant_id, row.staff_id)
        ensure_may_log_in(staff, now)
        row.used_at = now
        result = issue_tokens(uow, issuer, staff, session_id=row.session_id, now=now)
        uow.commit()
        return result


def logout(uow: UnitOfWork, revoked: RevokedSessions, token: str, *, now: datetime) -> None:
    """Revokes the token's whole session, its access tokens included. Idempotent: an unknown
    or revoked token is not an error, so a client can always log out cleanly; a known one is
    written to the revoked-session store again, so a retry after a Redis failure completes."""
    if not token:
        return
    with uow:
        row = uow.session.scalar(
            select(RefreshToken).where(RefreshToken.token_hash == sessions.hash_refresh_token(token))
        )
        if row is not None:
            _revoke_session(uow, row.session_id, now)
            commit_revoking(uow, revoked, [row.session_id])
