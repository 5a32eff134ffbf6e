"""Tables of the messaging service: SMS send log and staff notifications (plus outbox and the
processed-event log from crmkit)."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import Index, String, Text, UniqueConstraint
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column

from crmkit.db import OutboxMixin, ProcessedEventMixin, TenantScoped, UTCDateTime

# SmsMessage.status values.
SMS_PENDING = "pending"  # claimed by a request that is calling the provider now
SMS_SENT = "sent"  # the provider accepted it (delivery is reported later)
SMS_FAILED = "failed"  # the provider rejected it; a repeat returns the same rejection
SMS_QUEUED = "queued"  # waiting for the batch sender (service/sms_batches.py)
SMS_SENDING = "sending"  # taken by the batch sender, which is calling the provider now


class Base(DeclarativeBase):
    pass


class Outbox(OutboxMixin, Base):
    pass


class ProcessedEvent(ProcessedEventMixin, Base):
    pass


class SmsMessage(TenantScoped, Base):
    """One SMS send, keyed by the caller's idempotency key: Aliyun does not de-duplicate, so
    this row is what stops a retried call from texting the same code twice."""

    __tablename__ = "sms_messages"
    # The batch sender's queue: waiting texts by status, oldest first.
    __table_args__ = (Index("ix_sms_messages_status_attempted", "status", "attempted_at"),)

    phone: Mapped[str] = mapped_column(String(20))
    template: Mapped[str] = mapped_column(String(50))
    params: Mapped[str] = mapped_column(Text)  # JSON object of strings
    idempotency_key: Mapped[str] = mapped_column(String(100), unique=True)
    status: Mapped[str] = mapped_column(String(10))
    provider: Mapped[str] = mapped_column(String(20), default="")
    provider_message_id: Mapped[str] = mapped_column(String(100), default="")
    error_code: Mapped[str] = mapped_column(String(100), default="")
    # When the current attempt took the key: a pending row older than the provider timeout
    # belongs to a crashed attempt and may be taken over.
    attempted_at: Mapped[datetime] = mapped_column(UTCDateTime())


class Notification(TenantScoped, Base):
    __tablename__ = "notifications"
    __table_args__ = (
        # Second guard behind processed_events: one notification per event and recipient.
        UniqueConstraint("source_event_id", "recipient_staff_id", name="uq_notifications_event_recipient"),
        # The inbox query: one recipient's newest first, and its unread count.
        Index("ix_notifications_inbox", "tenant_id", "recipient_staff_id", "created_at"),
    )

    recipient_staff_id: Mapped[str] = mapped_column(String(36))
    kind: Mapped[str] = mapped_column(String(50))
    title_key: Mapped[str] = mapped_column(String(100))
    params: Mapped[str] = mapped_column(Text)  # JSON object of strings
    subject: Mapped[str] = mapped_column(String(100), default="")
    read_at: Mapped[datetime | None] = mapped_column(UTCDateTime(), nullable=True)
    source_event_id: Mapped[str] = mapped_column(String(64))
