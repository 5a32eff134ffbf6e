"""Switching a staff member's account off and on (A1; issue 11: off takes effect at once).

Off: the account cannot log in or refresh (ensure_may_log_in), and every session it holds ends
now: refresh tokens revoked, access tokens refused by every verifier (crmkit.revocation). On
again: the person logs in afresh. The owner's account is never switched off: the merchant would
have nobody left to switch it on.
"""

from __future__ import annotations

from datetime import datetime

from crmkit.auth import Actor
from crmkit.db import UnitOfWork
from crmkit.errors import Conflict
from crmkit.revocation import RevokedSessions
from identity import events
from identity.domain import roles as rules
from identity.errors import ErrorCode
from identity.models import Staff
from identity.service import commands
from identity.service.common import acting_staff, audit, detached, load_staff, not_allowed
from identity.service.sessions import commit_revoking, end_sessions, live_sessions_of


def set_staff_active(
    uow: UnitOfWork, actor: Actor, cmd: commands.SetStaffActive, *, now: datetime, revoked: RevokedSessions
) -> Staff:
    with uow:
        if rules.OWNER not in acting_staff(uow, actor).roles:
            raise not_allowed()
        # Locked: two owners' clicks must not both record the same change.
        staff = load_staff(uow, actor.tenant_id, cmd.staff_id, for_update=True)
        if staff.active == cmd.active:
            return detached(uow, staff)
        if not cmd.active and rules.OWNER in staff.roles:
            raise Conflict(ErrorCode.OWNER_ALWAYS_ACTIVE)
        staff.active = cmd.active
        audit(
            uow,
            tenant_id=actor.tenant_id,
            actor_kind=actor.kind,
            actor_id=actor.subject_id,
            action="staff.activated" if cmd.active else "staff.deactivated",
            object_type="staff",
            object_id=staff.id,
            before={"active": not cmd.active},
            after={"active": cmd.active},
            now=now,
        )
        uow.publish(events.staff_active_changed(staff.id, cmd.active, actor.subject_id), actor.tenant_id)
        sessions = [] if cmd.active else live_sessions_of(uow, actor.tenant_id, staff.id, now=now)
        end_sessions(uow, sessions, now=now)
        commit_revoking(uow, revoked, sessions)
        return staff
