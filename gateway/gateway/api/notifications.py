"""The calling staff member's notifications (F4)."""

from __future__ import annotations

from apiflask import APIBlueprint
from flask import request as http_request

from crm.messaging.v1 import messaging_pb2 as pb
from gateway import i18n
from gateway.api.calls import call
from gateway.api.common import SECURED, page_out, page_request
from gateway.api.notification_schemas import (
    MarkReadIn,
    NotificationListOut,
    NotificationQuery,
    UnreadCountOut,
    notification_dict,
)
from gateway.auth import staff_only

bp = APIBlueprint("notifications", __name__, tag="Notifications", url_prefix="/api/v1")


@bp.get("/notifications")
@bp.doc(operation_id="listNotifications", security=SECURED, responses=[400, 401, 403, 429, 503])
@staff_only
@bp.input(NotificationQuery, location="query", arg_name="query")
@bp.output(NotificationListOut)
def list_notifications(query):
    """List my notifications, newest first, with the unread count"""
    reply = call(
        "messaging",
        "ListNotifications",
        pb.ListNotificationsRequest(
            page=page_request(query),
            unread_only=query["unread_only"],
        ),
    )
    language = i18n.pick_language(http_request.headers.get("Accept-Language"))
    return {
        "notifications": [notification_dict(n, language) for n in reply.notifications],
        "page": page_out(reply.page),
        "unread_count": reply.unread_count,
    }


@bp.post("/notifications/read")
@bp.doc(operation_id="markNotificationsRead", security=SECURED, responses=[400, 401, 403, 404, 429, 503])
@staff_only
@bp.input(MarkReadIn, arg_name="body")
@bp.output(UnreadCountOut)
def mark_notifications_read(body):
    """Mark notifications as read: `{"ids": [...]}` or `{"all": true}`"""
    reply = call(
        "messaging",
        "MarkNotificationsRead",
        pb.MarkNotificationsReadRequest(ids=body.get("ids") or [], all=body["all"]),
    )
    return {"unread_count": reply.unread_count}
