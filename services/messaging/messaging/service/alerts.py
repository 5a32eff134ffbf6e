"""F4 (ADR 0016): the real-time alert of each stored notification, for the recipient's open apps.

Announced after the notification's transaction has committed, once: an event whose claim
fails (a redelivery) stores nothing and announces nothing, so a notification has at most one
alert. Redis is not part of that transaction; if it cannot take the alert, the notification
still stands in the inbox (and its unread badge), so the failure is logged and counted, not
raised: raising would only make the broker redeliver an event that is already claimed.
"""

from __future__ import annotations

import logging
from collections.abc import Sequence

import redis

from crmkit.alerts import AlertDraft, AlertFeed

from ..metrics import ALERTS

log = logging.getLogger(__name__)


def announce(alerts: AlertFeed, drafts: Sequence[AlertDraft]) -> int:
    """Push the alerts; returns how many Redis took (all or none: one MULTI/EXEC)."""
    if not drafts:
        return 0
    try:
        alerts.push(drafts)
    except redis.RedisError as exc:
        ids = ", ".join(d.notification_id for d in drafts)
        log.warning("real-time alerts of notifications %s not sent (inbox only): %s", ids, exc)
        ALERTS.labels("failed").inc(len(drafts))
        return 0
    ALERTS.labels("pushed").inc(len(drafts))
    return len(drafts)
