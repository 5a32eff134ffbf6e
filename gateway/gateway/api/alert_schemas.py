"""Schemas of the real-time alert poll (F4, ADR 0016)."""

from __future__ import annotations

from apiflask import Schema
from apiflask.fields import DateTime, Dict, List, Nested, String
from apiflask.validators import Regexp

from crmkit.alerts import CURSOR
from gateway import i18n


class AlertQuery(Schema):
    after = String(
        validate=Regexp(CURSOR.pattern, error="validation.invalid"),
        metadata={
            "description": "The `cursor` of the previous answer. Left out: nothing is returned, only the "
            "cursor to start from (an app that opens shows what happens from now on; the inbox has the rest)."
        },
    )


class AlertOut(Schema):
    id = String(required=True, metadata={"description": "Increasing within the caller's alerts"})
    notification_id = String(metadata={"description": "The inbox notification it announces"})
    kind = String(metadata={"description": "e.g. article_opened"})
    title = String(metadata={"description": "Rendered in the caller's language"})
    params = Dict(keys=String(), values=String())
    subject = String(metadata={"description": "What it is about, e.g. article:<id>"})
    created_at = DateTime()


class AlertListOut(Schema):
    alerts = List(Nested(AlertOut), required=True, metadata={"description": "Oldest first, at most 20"})
    cursor = String(required=True, metadata={"description": "Pass as `after` to the next poll"})


def alert_dict(alert, language: str) -> dict:
    return {
        "id": alert.id,
        "notification_id": alert.notification_id,
        "kind": alert.kind,
        "title": i18n.render(alert.title_key, alert.params, language=language, fallback="notification.generic"),
        "params": dict(alert.params),
        "subject": alert.subject,
        "created_at": alert.created_at,
    }
