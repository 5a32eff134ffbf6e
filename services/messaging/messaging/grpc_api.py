"""MessagingService servicer: proto -> use case -> proto, nothing more."""

from __future__ import annotations

from crm.messaging.v1 import messaging_pb2, messaging_pb2_grpc
from crmkit.auth import require_actor
from crmkit.db import Database
from crmkit.grpc_server import ServiceRegistration

from .service import notifications, sms
from .sms.port import SmsSender

FULL_NAME = "crm.messaging.v1.MessagingService"


class MessagingServicer(messaging_pb2_grpc.MessagingServiceServicer):
    def __init__(self, db: Database, sms_sender: SmsSender):
        self.db = db
        self.sms_sender = sms_sender

    def SendSms(self, request, context):
        result = sms.send_sms(
            self.db,
            require_actor(),
            sms.SendSms(
                phone=request.phone.strip(),
                template=request.template,
                params=dict(request.params),
                idempotency_key=request.idempotency_key,
            ),
            sender=self.sms_sender,
        )
        return messaging_pb2.SendSmsResponse(
            provider=result.provider, provider_message_id=result.provider_message_id, replayed=result.replayed
        )

    def ListNotifications(self, request, context):
        page = notifications.list_notifications(
            self.db,
            require_actor(),
            page=request.page.page,
            page_size=request.page.page_size,
            unread_only=request.unread_only,
        )
        resp = messaging_pb2.ListNotificationsResponse(unread_count=page.unread_count)
        resp.page.page, resp.page.page_size, resp.page.total = page.page, page.page_size, page.total
        for item in page.items:
            note = resp.notifications.add(
                id=item.id,
                kind=item.kind,
                title_key=item.title_key,
                params=item.params,
                subject=item.subject,
                read=item.read,
            )
            note.created_at.FromDatetime(item.created_at)
        return resp

    def MarkNotificationsRead(self, request, context):
        unread = notifications.mark_notifications_read(self.db, require_actor(), ids=list(request.ids), all=request.all)
        return messaging_pb2.MarkNotificationsReadResponse(unread_count=unread)


def registration(db: Database, sms_sender: SmsSender) -> ServiceRegistration:
    return ServiceRegistration(
        messaging_pb2_grpc.add_MessagingServiceServicer_to_server, MessagingServicer(db, sms_sender), FULL_NAME
    )
