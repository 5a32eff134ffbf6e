"""Tables of the identity service (its own database)."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import Boolean, ForeignKey, Integer, String, Text, UniqueConstraint
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column, relationship

from crmkit.db import OutboxMixin, ProcessedEventMixin, TenantScoped, UTCDateTime


class Base(DeclarativeBase):
    pass


class Outbox(OutboxMixin, Base):
    pass


class ProcessedEvent(ProcessedEventMixin, Base):
    pass


class Tenant(TenantScoped, Base):
    """A merchant company. Its tenant_id is its own id, so the row is scoped like every other."""

    __tablename__ = "tenants"
    name: Mapped[str] = mapped_column(String(50))


class Store(TenantScoped, Base):
    __tablename__ = "stores"
    name: Mapped[str] = mapped_column(String(50))
    # None for the head store, created with the tenant (A4).
    parent_store_id: Mapped[str | None] = mapped_column(String(36), ForeignKey("stores.id"), nullable=True)
    is_head: Mapped[bool] = mapped_column(Boolean, default=False)
    # Where it is, as the shop shows it (B6); a sub-store's from its application.
    address: Mapped[str] = mapped_column(String(200), default="", server_default="")


class Staff(TenantScoped, Base):
    __tablename__ = "staff"
    # One account per phone inside a tenant; the same person may work for two tenants.
    __table_args__ = (UniqueConstraint("tenant_id", "phone", name="uq_staff_tenant_phone"),)

    name: Mapped[str] = mapped_column(String(50))
    phone: Mapped[str] = mapped_column(String(20), index=True)
    # None: the account logs in by SMS code only.
    password_hash: Mapped[str | None] = mapped_column(String(200), nullable=True)
    active: Mapped[bool] = mapped_column(Boolean, default=True)

    role_rows: Mapped[list[StaffRole]] = relationship(cascade="all, delete-orphan", lazy="selectin")
    switch_rows: Mapped[list[StaffPermission]] = relationship(cascade="all, delete-orphan", lazy="selectin")
    store_rows: Mapped[list[StaffStore]] = relationship(cascade="all, delete-orphan", lazy="selectin")
    seat: Mapped[Seat | None] = relationship(back_populates="staff", lazy="selectin", uselist=False)

    @property
    def roles(self) -> list[str]:
        return sorted(r.role for r in self.role_rows)

    @property
    def permissions(self) -> list[str]:
        return sorted(p.permission for p in self.switch_rows)

    @property
    def store_ids(self) -> list[str]:
        return [s.store_id for s in self.store_rows]


# Roles, switches and stores are rows, not a JSON column, so ListStaff filters and pages in SQL.
class StaffRole(Base):
    __tablename__ = "staff_roles"
    staff_id: Mapped[str] = mapped_column(String(36), ForeignKey("staff.id", ondelete="CASCADE"), primary_key=True)
    role: Mapped[str] = mapped_column(String(30), primary_key=True, index=True)


class StaffPermission(Base):
    __tablename__ = "staff_permissions"
    staff_id: Mapped[str] = mapped_column(String(36), ForeignKey("staff.id", ondelete="CASCADE"), primary_key=True)
    permission: Mapped[str] = mapped_column(String(50), primary_key=True)


class StaffStore(Base):
    __tablename__ = "staff_stores"
    staff_id: Mapped[str] = mapped_column(String(36), ForeignKey("staff.id", ondelete="CASCADE"), primary_key=True)
    store_id: Mapped[str] = mapped_column(String(36), ForeignKey("stores.id"), primary_key=True, index=True)
    # Keeps the order the stores were given in (the first is the staff member's main store).
    position: Mapped[int] = mapped_column(Integer, default=0)


class Seat(TenantScoped, Base):
    __tablename__ = "seats"
    staff_id: Mapped[str] = mapped_column(String(36), ForeignKey("staff.id"), unique=True)
    trial_ends_at: Mapped[datetime] = mapped_column(UTCDateTime())
    paid_until: Mapped[datetime | None] = mapped_column(UTCDateTime(), nullable=True)

    staff: Mapped[Staff] = relationship(back_populates="seat")


class SeatPayment(TenantScoped, Base):
    __tablename__ = "seat_payments"
    # The billing system's reference makes RecordSeatPayment idempotent.
    __table_args__ = (UniqueConstraint("tenant_id", "payment_reference", name="uq_seat_payment_reference"),)

    staff_id: Mapped[str] = mapped_column(String(36), ForeignKey("staff.id"))
    months: Mapped[int] = mapped_column(Integer)
    amount_fen: Mapped[int] = mapped_column(Integer)
    payment_reference: Mapped[str] = mapped_column(String(100))
    paid_until: Mapped[datetime] = mapped_column(UTCDateTime())


class RefreshToken(TenantScoped, Base):
    __tablename__ = "refresh_tokens"
    staff_id: Mapped[str] = mapped_column(String(36), ForeignKey("staff.id"), index=True)
    # The session (token family): every rotation stays in it; reuse or logout revokes all of it.
    session_id: Mapped[str] = mapped_column(String(36), index=True)
    token_hash: Mapped[str] = mapped_column(String(64), unique=True)
    expires_at: Mapped[datetime] = mapped_column(UTCDateTime())
    used_at: Mapped[datetime | None] = mapped_column(UTCDateTime(), nullable=True)
    revoked_at: Mapped[datetime | None] = mapped_column(UTCDateTime(), nullable=True)


class AuditLog(TenantScoped, Base):
    """Who changed what (A1): written in the same transaction as the change it describes."""

    __tablename__ = "audit_log"
    actor_kind: Mapped[str] = mapped_column(String(20))
    actor_id: Mapped[str] = mapped_column(String(100))
    action: Mapped[str] = mapped_column(String(50))
    object_type: Mapped[str] = mapped_column(String(30))
    object_id: Mapped[str] = mapped_column(String(36), index=True)
    before: Mapped[str | None] = mapped_column(Text, nullable=True)
    after: Mapped[str | None] = mapped_column(Text, nullable=True)


# Multi-store tenants (A4).
class StoreApplication(TenantScoped, Base):
    """A prospective sub-store's request to join the tenant, reviewed by the head store."""

    __tablename__ = "store_applications"
    parent_store_id: Mapped[str] = mapped_column(String(36), ForeignKey("stores.id"))
    store_name: Mapped[str] = mapped_column(String(50))
    contact_name: Mapped[str] = mapped_column(String(50))
    phone: Mapped[str] = mapped_column(String(20))
    address: Mapped[str] = mapped_column(String(200))
    status: Mapped[str] = mapped_column(String(20), index=True)
    applied_by: Mapped[str] = mapped_column(String(36), ForeignKey("staff.id"), index=True)
    reviewed_by: Mapped[str | None] = mapped_column(String(36), ForeignKey("staff.id"), nullable=True)
    reviewed_at: Mapped[datetime | None] = mapped_column(UTCDateTime(), nullable=True)
    reject_reason: Mapped[str | None] = mapped_column(String(200), nullable=True)
    # The sub-store approval opened.
    store_id: Mapped[str | None] = mapped_column(String(36), ForeignKey("stores.id"), nullable=True)


class StorePin(Base):
    """A store a staff member starred in the store switcher (listed first)."""

    __tablename__ = "store_pins"
    staff_id: Mapped[str] = mapped_column(String(36), ForeignKey("staff.id", ondelete="CASCADE"), primary_key=True)
    store_id: Mapped[str] = mapped_column(String(36), ForeignKey("stores.id"), primary_key=True)
    tenant_id: Mapped[str] = mapped_column(String(36), index=True)
    pinned_at: Mapped[datetime] = mapped_column(UTCDateTime())


class RecentStore(Base):
    """One row per store a staff member switched to: re-entering a store moves it to the top
    instead of adding a duplicate; only the newest few are kept."""

    __tablename__ = "recent_stores"
    staff_id: Mapped[str] = mapped_column(String(36), ForeignKey("staff.id", ondelete="CASCADE"), primary_key=True)
    store_id: Mapped[str] = mapped_column(String(36), ForeignKey("stores.id"), primary_key=True)
    tenant_id: Mapped[str] = mapped_column(String(36), index=True)
    switched_at: Mapped[datetime] = mapped_column(UTCDateTime())


class SessionStore(Base):
    """The current store of one login session (refresh-token family): each phone or PC a person
    is logged in on keeps its own, and refreshing the access token keeps it."""

    __tablename__ = "session_stores"
    session_id: Mapped[str] = mapped_column(String(36), primary_key=True)
    tenant_id: Mapped[str] = mapped_column(String(36), index=True)
    staff_id: Mapped[str] = mapped_column(String(36), ForeignKey("staff.id", ondelete="CASCADE"), index=True)
    store_id: Mapped[str] = mapped_column(String(36), ForeignKey("stores.id"))
    switched_at: Mapped[datetime] = mapped_column(UTCDateTime())
