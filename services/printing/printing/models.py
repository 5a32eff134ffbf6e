"""Tables of the printing service: printers, a product's own printers, each store's queue
settings, the tickets received and their print jobs (plus outbox and the processed-event log from
crmkit). Lists of ids are JSON text: read and written whole, never queried into."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import Boolean, ForeignKey, Index, Integer, String, Text, UniqueConstraint, false
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column

from crmkit.db import OutboxMixin, ProcessedEventMixin, TenantScoped, UTCDateTime


class Base(DeclarativeBase):
    pass


class Outbox(OutboxMixin, Base):
    pass


class ProcessedEvent(ProcessedEventMixin, Base):
    pass


class PrinterRow(TenantScoped, Base):
    __tablename__ = "printers"
    __table_args__ = (Index("ix_printers_store", "tenant_id", "store_id"),)

    store_id: Mapped[str] = mapped_column(String(36))
    name: Mapped[str] = mapped_column(String(30))
    kind: Mapped[str] = mapped_column(String(10))  # network | feieyun
    role: Mapped[str] = mapped_column(String(10))  # counter | kitchen | warehouse
    paper_mm: Mapped[int] = mapped_column(Integer)
    enabled: Mapped[bool] = mapped_column(Boolean, default=True)
    host: Mapped[str] = mapped_column(String(253), default="")
    port: Mapped[int] = mapped_column(Integer, default=9100)
    feie_sn: Mapped[str] = mapped_column(String(20), default="")
    feie_key: Mapped[str] = mapped_column(String(40), default="")
    category_ids: Mapped[str] = mapped_column(Text, default="[]")
    store_default: Mapped[bool] = mapped_column(Boolean, default=False)
    online: Mapped[bool] = mapped_column(Boolean, default=True)
    consecutive_failures: Mapped[int] = mapped_column(Integer, default=0)
    last_error: Mapped[str] = mapped_column(String(300), default="")
    offline_since: Mapped[datetime | None] = mapped_column(UTCDateTime(), nullable=True)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime())


class ProductPrintersRow(Base):
    """A product's own printers in one store (G5): before its category's."""

    __tablename__ = "product_printers"

    tenant_id: Mapped[str] = mapped_column(String(36), primary_key=True)
    store_id: Mapped[str] = mapped_column(String(36), primary_key=True)
    product_id: Mapped[str] = mapped_column(String(36), primary_key=True)
    printer_ids: Mapped[str] = mapped_column(Text, default="[]")
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime())


class PrintSettingsRow(Base):
    """A store's queue settings; a store without a row has the defaults (domain.queue)."""

    __tablename__ = "print_settings"

    tenant_id: Mapped[str] = mapped_column(String(36), primary_key=True)
    store_id: Mapped[str] = mapped_column(String(36), primary_key=True)
    stale_after_minutes: Mapped[int] = mapped_column(Integer)
    offline_after_failures: Mapped[int] = mapped_column(Integer)
    auto_print: Mapped[bool] = mapped_column(Boolean, default=True)
    # G3: the worker accepts (takeaway) or confirms (in-store) a paid order through orders.
    auto_accept: Mapped[bool] = mapped_column(Boolean, default=False, server_default=false())
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime())


class TicketRow(TenantScoped, Base):
    """One order as received (domain.tickets.Ticket as JSON): an order prints once."""

    __tablename__ = "tickets"
    __table_args__ = (UniqueConstraint("tenant_id", "order_id", name="uq_tickets_order"),)

    store_id: Mapped[str] = mapped_column(String(36))
    order_id: Mapped[str] = mapped_column(String(64))
    order_no: Mapped[str] = mapped_column(String(40))
    kind: Mapped[str] = mapped_column(String(20))
    payload: Mapped[str] = mapped_column(Text)


class JobRow(TenantScoped, Base):
    """One document for one printer. `next_attempt_at` is when the dispatcher acts on it next:
    send it (queued), or ask the cloud whether it printed (printing with a remote id), or take it
    back from a sender that stopped (printing without one, its lease over)."""

    __tablename__ = "print_jobs"
    __table_args__ = (
        Index("ix_print_jobs_due", "state", "next_attempt_at"),
        Index("ix_print_jobs_store", "tenant_id", "store_id", "created_at"),
        Index("ix_print_jobs_printer", "printer_id", "created_at"),
    )

    store_id: Mapped[str] = mapped_column(String(36))
    printer_id: Mapped[str] = mapped_column(ForeignKey("printers.id", ondelete="CASCADE"))
    ticket_id: Mapped[str | None] = mapped_column(ForeignKey("tickets.id"), nullable=True)
    variant: Mapped[str] = mapped_column(String(10))  # receipt | slip | test
    line_indexes: Mapped[str] = mapped_column(Text, default="[]")
    state: Mapped[str] = mapped_column(String(10))
    attempts: Mapped[int] = mapped_column(Integer, default=0)
    next_attempt_at: Mapped[datetime] = mapped_column(UTCDateTime())
    last_error: Mapped[str] = mapped_column(String(300), default="")
    # FeieYun: the orderId its Open_printMsg answered; asked with Open_queryOrderState.
    remote_id: Mapped[str] = mapped_column(String(80), default="")
    # FeieYun: the printer's count of the day's orders before our last send, and whether that
    # send timed out (then the count is asked before sending again: no blind resend).
    remote_count_before: Mapped[int | None] = mapped_column(Integer, nullable=True)
    uncertain: Mapped[bool] = mapped_column(Boolean, default=False)
    reprint_of: Mapped[str] = mapped_column(String(36), default="")
    printed_at: Mapped[datetime | None] = mapped_column(UTCDateTime(), nullable=True)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime())
