"""Tables of the customers service (its own database; nothing else reads them)."""

from __future__ import annotations

from datetime import date, datetime

from sqlalchemy import JSON, BigInteger, Boolean, Date, Float, Index, Integer, String, UniqueConstraint
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column

from crmkit.changelog import ChangeLogMixin
from crmkit.db import OutboxMixin, ProcessedEventMixin, TenantScoped, UTCDateTime, utcnow

# Named, so the use case can tell "phone taken" from any other integrity error.
UQ_CUSTOMER_PHONE = "uq_customers_tenant_phone"


class Base(DeclarativeBase):
    pass


class CustomerFieldRow(TenantScoped, Base):
    """A tenant-configured customer field (C1); redefining a key replaces it in place."""

    __tablename__ = "customer_fields"
    __table_args__ = (UniqueConstraint("tenant_id", "key", name="uq_customer_fields_tenant_key"),)

    key: Mapped[str] = mapped_column(String(40))
    label: Mapped[str] = mapped_column(String(30))
    kind: Mapped[str] = mapped_column(String(10))
    required: Mapped[bool] = mapped_column(Boolean, default=False)
    options: Mapped[list] = mapped_column(JSON, default=list)
    position: Mapped[int] = mapped_column(Integer, default=0)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)


class CustomerRow(TenantScoped, Base):
    __tablename__ = "customers"
    __table_args__ = (
        # One customer per phone in a tenant until duplicates and merging arrive (C9). Its index
        # also serves the phone-prefix search.
        UniqueConstraint("tenant_id", "phone", name=UQ_CUSTOMER_PHONE),
        # A salesperson's own list, newest first.
        Index("ix_customers_tenant_owner_created", "tenant_id", "owner_staff_id", "created_at"),
        # A manager's list of the whole tenant, newest first.
        Index("ix_customers_tenant_created", "tenant_id", "created_at"),
        # Segments (C4): "no purchase in N days" / "last purchase before/after" read this index
        # only (an index-only scan: a tenant's rows are scattered over the whole heap).
        Index("ix_customers_tenant_last_order", "tenant_id", "last_order_at", "created_at", "owner_staff_id", "id"),
        # "Near me" (C5): a bounding box is a latitude range within the tenant, longitude checked
        # in the index; only the customers inside it are fetched, then exact distance.
        Index("ix_customers_tenant_location", "tenant_id", "latitude", "longitude"),
    )

    name: Mapped[str] = mapped_column(String(50))
    phone: Mapped[str] = mapped_column(String(20))
    # Empty (NULL) once released to the public pool (C3).
    owner_staff_id: Mapped[str | None] = mapped_column(String(36), nullable=True)
    store_id: Mapped[str | None] = mapped_column(String(36), nullable=True)
    fields: Mapped[dict] = mapped_column(JSON, default=dict)
    registered_by_staff_id: Mapped[str] = mapped_column(String(36))
    # Member level code; level prices in the orders service key on it.
    level: Mapped[str] = mapped_column(String(20), default="", server_default="")
    # Region code (e.g. "310104", province/city/district); segments filter on its prefix (C4).
    region: Mapped[str] = mapped_column(String(20), default="", server_default="")
    # Where the shop is (C5); NULL until known.
    latitude: Mapped[float | None] = mapped_column(Float, nullable=True)
    longitude: Mapped[float | None] = mapped_column(Float, nullable=True)
    # Pool rules (C3) read these; follow-ups (C8) and the orders read model (C4) write them.
    owned_since: Mapped[datetime | None] = mapped_column(UTCDateTime(), nullable=True)
    last_followup_at: Mapped[datetime | None] = mapped_column(UTCDateTime(), nullable=True)
    last_order_at: Mapped[datetime | None] = mapped_column(UTCDateTime(), nullable=True)
    # A locked customer never returns to the pool automatically (C3).
    locked: Mapped[bool] = mapped_column(Boolean, default=False, server_default="0")


class TagRow(TenantScoped, Base):
    """A tenant-defined tag (C12)."""

    __tablename__ = "tags"
    __table_args__ = (UniqueConstraint("tenant_id", "name", name="uq_tags_tenant_name"),)

    name: Mapped[str] = mapped_column(String(20))
    colour: Mapped[str] = mapped_column(String(7), default="", server_default="")


class CustomerTagRow(Base):
    """A customer carries a tag (C12); segments (C4) filter through it."""

    __tablename__ = "customer_tags"
    __table_args__ = (Index("ix_customer_tags_tenant_tag", "tenant_id", "tag_id", "customer_id"),)

    tenant_id: Mapped[str] = mapped_column(String(36), primary_key=True)
    customer_id: Mapped[str] = mapped_column(String(36), primary_key=True)
    tag_id: Mapped[str] = mapped_column(String(36), primary_key=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)


class CustomerChangeRow(ChangeLogMixin, TenantScoped, Base):
    """Who changed which customer, when, and its changed fields before and after (A1 change log):
    registration (the whole record after), profile edits, levels, owner changes, locks, follow-up
    list moves, merges. Written in the transaction of the change (customers.service.changes)."""

    __tablename__ = "customer_changes"
    __table_args__ = (Index("ix_customer_changes_tenant_customer", "tenant_id", "customer_id", "created_at"),)

    # Only customers are logged here; the column keeps the log's shape shared with other services.
    object_type: Mapped[str] = mapped_column(String(30), default="customer", server_default="customer")
    object_id: Mapped[str] = mapped_column("customer_id", String(36))
    # Every customer change has an after (there is no deletion of customers).
    after: Mapped[dict] = mapped_column(JSON)


class SegmentRow(TenantScoped, Base):
    """A saved customer filter (C4); evaluated on demand, never a stored member list."""

    __tablename__ = "segments"
    __table_args__ = (UniqueConstraint("tenant_id", "name", name="uq_segments_tenant_name"),)

    name: Mapped[str] = mapped_column(String(30))
    # The validated filter in its JSON form (customers.domain.segments.filter_to_json).
    filter: Mapped[dict] = mapped_column(JSON, default=dict)
    created_by_staff_id: Mapped[str] = mapped_column(String(36))
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)


class PurchaseDayRow(Base):
    """Read model of buying behaviour (C4), fed by the orders service's events: one row per
    customer and China day with the orders approved and the net amount (refunds subtract), so
    "count and amount over a period" is one aggregate over a range of days."""

    __tablename__ = "customer_purchase_days"
    __table_args__ = (
        # Covering index: the period aggregate of a segment reads the index only.
        Index("ix_purchase_days_tenant_day", "tenant_id", "day", "customer_id", "order_count", "amount_fen"),
    )

    # Key in (tenant, day, customer) order: a period is a range of it, and the planner is never
    # tempted by a per-customer index that would have to visit the heap for the amounts.
    tenant_id: Mapped[str] = mapped_column(String(36), primary_key=True)
    day: Mapped[date] = mapped_column(Date, primary_key=True)
    customer_id: Mapped[str] = mapped_column(String(36), primary_key=True)
    order_count: Mapped[int] = mapped_column(Integer, default=0)
    amount_fen: Mapped[int] = mapped_column(BigInteger, default=0)


class PurchaseLineRow(Base):
    """Read model (C4): what a customer bought, per product and China day (the order lines of
    approved orders summed), with the brand it was sold under."""

    __tablename__ = "customer_purchase_lines"
    __table_args__ = (
        Index("ix_purchase_lines_tenant_product", "tenant_id", "product_id", "customer_id", "day"),
        Index("ix_purchase_lines_tenant_brand", "tenant_id", "brand", "customer_id", "day"),
    )

    tenant_id: Mapped[str] = mapped_column(String(36), primary_key=True)
    customer_id: Mapped[str] = mapped_column(String(36), primary_key=True)
    product_id: Mapped[str] = mapped_column(String(36), primary_key=True)
    day: Mapped[date] = mapped_column(Date, primary_key=True)
    brand: Mapped[str] = mapped_column(String(40), default="", server_default="")
    quantity: Mapped[int] = mapped_column(BigInteger, default=0)
    amount_fen: Mapped[int] = mapped_column(BigInteger, default=0)


class CustomerCouponRow(Base):
    """Read model of coupon behaviour (C4), fed by the coupons service's events: one row per
    coupon held by a customer (coupons claimed by phone alone are not recorded). Unused as of a
    time T: issued by T, not redeemed by T, valid after T. Rows may be partial while events
    arrive out of order: a redemption seen before its issue has no valid_until yet; a released
    redemption seen before anything else has no customer yet (it matches nobody)."""

    __tablename__ = "customer_coupons"
    __table_args__ = (
        # Covering index of the segment conditions (one customer's coupons, by redemption time),
        # so the correlated EXISTS / count of a segment reads the index only.
        Index(
            "ix_customer_coupons_customer",
            "tenant_id",
            "customer_id",
            "redeemed_at",
            "valid_until",
            "template_id",
            "issued_at",
        ),
    )

    tenant_id: Mapped[str] = mapped_column(String(36), primary_key=True)
    coupon_id: Mapped[str] = mapped_column(String(36), primary_key=True)
    customer_id: Mapped[str | None] = mapped_column(String(36), nullable=True)
    template_id: Mapped[str | None] = mapped_column(String(36), nullable=True)
    issued_at: Mapped[datetime | None] = mapped_column(UTCDateTime(), nullable=True)
    valid_until: Mapped[datetime | None] = mapped_column(UTCDateTime(), nullable=True)
    redeemed_at: Mapped[datetime | None] = mapped_column(UTCDateTime(), nullable=True)
    # The order of the current redemption: a released redemption is cleared only when it is
    # this one (a late release of an earlier redemption leaves a newer one alone).
    redeemed_order_id: Mapped[str | None] = mapped_column(String(64), nullable=True)
    # The latest release seen: a redemption older than it was given back, even when its event
    # comes after the release's.
    released_at: Mapped[datetime | None] = mapped_column(UTCDateTime(), nullable=True)


class Outbox(OutboxMixin, Base):
    pass


class ProcessedEvent(ProcessedEventMixin, Base):
    pass


# --- Leads, follow-ups, visit tasks and duplicates (C6, C7, C8, C9) ---

UQ_LEAD_PHONE = "uq_leads_tenant_phone"
UQ_LEAD_UNION = "uq_leads_tenant_union_id"


class LeadRow(TenantScoped, Base):
    """A person who may become a customer (C7). One row per person: phone and WeChat unionID
    are unique per tenant (NULL when unknown, so many leads may lack one)."""

    __tablename__ = "leads"
    __table_args__ = (
        UniqueConstraint("tenant_id", "phone", name=UQ_LEAD_PHONE),
        UniqueConstraint("tenant_id", "union_id", name=UQ_LEAD_UNION),
        Index("ix_leads_tenant_staff_created", "tenant_id", "staff_id", "created_at"),
    )

    name: Mapped[str] = mapped_column(String(50))
    phone: Mapped[str | None] = mapped_column(String(20), nullable=True)
    union_id: Mapped[str | None] = mapped_column(String(64), nullable=True)
    company: Mapped[str] = mapped_column(String(50), default="")
    note: Mapped[str] = mapped_column(String(500), default="")
    # Tag names; they become customer_tags when the lead becomes (or merges into) a customer.
    tags: Mapped[list] = mapped_column(JSON, default=list)
    source: Mapped[str] = mapped_column(String(10))
    # The one salesperson who may follow the lead; NULL while it sits in the pool.
    staff_id: Mapped[str | None] = mapped_column(String(36), nullable=True)
    status: Mapped[str] = mapped_column(String(10), default="open")
    customer_id: Mapped[str | None] = mapped_column(String(36), nullable=True)
    created_by_staff_id: Mapped[str] = mapped_column(String(36))
    assigned_at: Mapped[datetime | None] = mapped_column(UTCDateTime(), nullable=True)
    last_followup_at: Mapped[datetime | None] = mapped_column(UTCDateTime(), nullable=True)


class FollowupRow(TenantScoped, Base):
    """One follow-up (写跟进, C8) or visit check-in (C6), on a customer or on a lead. A lead's
    follow-ups get the customer id when it converts or merges, so the history stays whole."""

    __tablename__ = "followups"
    __table_args__ = (
        Index("ix_followups_tenant_customer_created", "tenant_id", "customer_id", "created_at"),
        Index("ix_followups_tenant_lead_created", "tenant_id", "lead_id", "created_at"),
    )

    customer_id: Mapped[str | None] = mapped_column(String(36), nullable=True)
    lead_id: Mapped[str | None] = mapped_column(String(36), nullable=True)
    staff_id: Mapped[str] = mapped_column(String(36))
    status: Mapped[str] = mapped_column(String(20))
    content: Mapped[str] = mapped_column(String(500))
    next_followup_at: Mapped[datetime | None] = mapped_column(UTCDateTime(), nullable=True)
    kind: Mapped[str] = mapped_column(String(10), default="followup")
    visit_task_id: Mapped[str | None] = mapped_column(String(36), nullable=True)


class FollowupStateRow(Base):
    """Where a customer stands in follow-up (C8): the latest status and next time, and whether
    it sits in the eliminated list (淘汰库). No row: active, never followed up."""

    __tablename__ = "customer_followup_states"
    __table_args__ = (Index("ix_followup_states_tenant_eliminated", "tenant_id", "eliminated", "next_followup_at"),)

    tenant_id: Mapped[str] = mapped_column(String(36), primary_key=True)
    customer_id: Mapped[str] = mapped_column(String(36), primary_key=True)
    eliminated: Mapped[bool] = mapped_column(Boolean, default=False)
    reason: Mapped[str] = mapped_column(String(200), default="")
    status: Mapped[str] = mapped_column(String(20), default="")
    next_followup_at: Mapped[datetime | None] = mapped_column(UTCDateTime(), nullable=True)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)


class VisitTaskRow(TenantScoped, Base):
    """A planned visit of one salesperson to one customer on one local (China) day (C6)."""

    __tablename__ = "visit_tasks"
    __table_args__ = (Index("ix_visit_tasks_tenant_staff_status_day", "tenant_id", "staff_id", "status", "day"),)

    staff_id: Mapped[str] = mapped_column(String(36))
    customer_id: Mapped[str] = mapped_column(String(36))
    day: Mapped[date] = mapped_column(Date)
    note: Mapped[str] = mapped_column(String(200), default="")
    status: Mapped[str] = mapped_column(String(10), default="planned")
    created_by_staff_id: Mapped[str] = mapped_column(String(36))
    checked_in_at: Mapped[datetime | None] = mapped_column(UTCDateTime(), nullable=True)
    check_in_latitude: Mapped[float | None] = mapped_column(Float, nullable=True)
    check_in_longitude: Mapped[float | None] = mapped_column(Float, nullable=True)
    check_in_note: Mapped[str] = mapped_column(String(500), default="")
    followup_id: Mapped[str | None] = mapped_column(String(36), nullable=True)


class DuplicateRow(TenantScoped, Base):
    """A lead that carries the phone of an existing customer (C9): mergeable when both belong
    to one salesperson (or the customer to nobody), a collision (撞单) otherwise."""

    __tablename__ = "customer_duplicates"
    __table_args__ = (Index("ix_customer_duplicates_tenant_status", "tenant_id", "status", "created_at"),)

    phone: Mapped[str] = mapped_column(String(20))
    customer_id: Mapped[str] = mapped_column(String(36))
    lead_id: Mapped[str] = mapped_column(String(36))
    customer_owner_staff_id: Mapped[str | None] = mapped_column(String(36), nullable=True)
    lead_staff_id: Mapped[str | None] = mapped_column(String(36), nullable=True)
    kind: Mapped[str] = mapped_column(String(10))
    status: Mapped[str] = mapped_column(String(10), default="open")
    resolved_by_staff_id: Mapped[str | None] = mapped_column(String(36), nullable=True)
    resolved_at: Mapped[datetime | None] = mapped_column(UTCDateTime(), nullable=True)


# --- Ownership, public pool, registration QR (C2, C3, C5) ---


class CustomerSettingsRow(TenantScoped, Base):
    """One row per tenant (absent: every rule off, registrations reviewed). Zero switches a
    pool rule off."""

    __tablename__ = "customer_settings"
    __table_args__ = (UniqueConstraint("tenant_id", name="uq_customer_settings_tenant"),)

    auto_approve_registrations: Mapped[bool] = mapped_column(Boolean, default=False)
    pool_followup_days: Mapped[int] = mapped_column(Integer, default=0)
    pool_order_days: Mapped[int] = mapped_column(Integer, default=0)
    pool_warning_days: Mapped[int] = mapped_column(Integer, default=0)
    max_customers_held: Mapped[int] = mapped_column(Integer, default=0)
    max_claims_per_day: Mapped[int] = mapped_column(Integer, default=0)
    reclaim_cooldown_days: Mapped[int] = mapped_column(Integer, default=0)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    # Per member level N and M (C3): [{"level", "followup_days", "order_days"}], at most 20;
    # read whole with the settings, never queried into.
    pool_level_rules: Mapped[list] = mapped_column(JSON, default=list, server_default="[]")


class OwnershipChangeRow(TenantScoped, Base):
    """Owner history (C3): every change of a customer's salesperson, oldest first per customer.
    Also answers the daily claim cap and the reclaim cooldown."""

    __tablename__ = "ownership_changes"
    __table_args__ = (
        Index("ix_ownership_changes_customer", "tenant_id", "customer_id", "created_at"),
        # Claims of one salesperson today (daily cap).
        Index("ix_ownership_changes_to_staff", "tenant_id", "to_staff_id", "action", "created_at"),
    )

    customer_id: Mapped[str] = mapped_column(String(36))
    action: Mapped[str] = mapped_column(String(20))
    from_staff_id: Mapped[str | None] = mapped_column(String(36), nullable=True)
    to_staff_id: Mapped[str | None] = mapped_column(String(36), nullable=True)
    by_staff_id: Mapped[str | None] = mapped_column(String(36), nullable=True)
    reason: Mapped[str] = mapped_column(String(200), default="")


class PoolWarningRow(Base):
    """A reminder sent for one customer's return deadline: each deadline is warned once."""

    __tablename__ = "pool_warnings"

    tenant_id: Mapped[str] = mapped_column(String(36), primary_key=True)
    customer_id: Mapped[str] = mapped_column(String(36), primary_key=True)
    due_at: Mapped[datetime] = mapped_column(UTCDateTime(), primary_key=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)


class RegistrationApplicationRow(TenantScoped, Base):
    """A customer's application through a salesperson's registration QR (C2)."""

    __tablename__ = "registration_applications"
    __table_args__ = (Index("ix_registration_applications_status", "tenant_id", "status", "created_at"),)

    salesperson_id: Mapped[str] = mapped_column(String(36))
    store_id: Mapped[str | None] = mapped_column(String(36), nullable=True)
    name: Mapped[str] = mapped_column(String(50))
    phone: Mapped[str] = mapped_column(String(20))
    fields: Mapped[dict] = mapped_column(JSON, default=dict)
    # pending, approved, rejected
    status: Mapped[str] = mapped_column(String(10))
    reject_reason: Mapped[str] = mapped_column(String(200), default="")
    customer_id: Mapped[str | None] = mapped_column(String(36), nullable=True)
    reviewed_by_staff_id: Mapped[str | None] = mapped_column(String(36), nullable=True)
    reviewed_at: Mapped[datetime | None] = mapped_column(UTCDateTime(), nullable=True)
