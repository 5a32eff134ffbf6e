"""Tables of the marketing service: the company library, its settings, share links, visitors and
their views (plus outbox and the processed-event log from crmkit). Lists of ids and module names
are JSON text: they are read and written whole, never queried into."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import BigInteger, Boolean, ForeignKey, Index, Integer, String, Text, UniqueConstraint
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column

from crmkit.db import OutboxMixin, ProcessedEventMixin, TenantScoped, UTCDateTime


class Base(DeclarativeBase):
    pass


class Outbox(OutboxMixin, Base):
    pass


class ProcessedEvent(ProcessedEventMixin, Base):
    pass


class CategoryRow(TenantScoped, Base):
    __tablename__ = "categories"
    __table_args__ = (UniqueConstraint("tenant_id", "name", name="uq_categories_name"),)

    name: Mapped[str] = mapped_column(String(30))
    sort: Mapped[int] = mapped_column(Integer, default=0)


class ArticleRow(TenantScoped, Base):
    __tablename__ = "articles"
    __table_args__ = (Index("ix_articles_library", "tenant_id", "active", "created_at"),)

    title: Mapped[str] = mapped_column(String(100))
    summary: Mapped[str] = mapped_column(String(300), default="")
    cover_url: Mapped[str] = mapped_column(String(500), default="")
    category_id: Mapped[str | None] = mapped_column(ForeignKey("categories.id"), nullable=True)
    body_html: Mapped[str] = mapped_column(Text)  # cleaned (domain.articles.clean_html)
    product_ids: Mapped[str] = mapped_column(Text, default="[]")
    hidden_modules: Mapped[str] = mapped_column(Text, default="[]")
    source_url: Mapped[str] = mapped_column(String(500), default="")
    author_staff_id: Mapped[str] = mapped_column(String(36))
    active: Mapped[bool] = mapped_column(Boolean, default=False)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime())
    # First switched on: "published" in the library's status (created → published → shared).
    published_at: Mapped[datetime | None] = mapped_column(UTCDateTime(), nullable=True)
    share_count: Mapped[int] = mapped_column(Integer, default=0)
    view_count: Mapped[int] = mapped_column(Integer, default=0)
    reader_count: Mapped[int] = mapped_column(Integer, default=0)
    read_seconds: Mapped[int] = mapped_column(Integer, default=0)


class SettingsRow(Base):
    """The tenant's marketing settings; a tenant without a row has the defaults."""

    __tablename__ = "marketing_settings"

    tenant_id: Mapped[str] = mapped_column(String(36), primary_key=True)
    hidden_modules: Mapped[str] = mapped_column(Text, default="[]")
    qualified_min_clicks: Mapped[int] = mapped_column(Integer)
    qualified_min_seconds: Mapped[int] = mapped_column(Integer)
    mall_url: Mapped[str] = mapped_column(String(500), default="")
    # "all": the admin's recommended articles for everyone; "own": each salesperson picks.
    recommended_scope: Mapped[str] = mapped_column(String(10), default="all")
    recommended_article_ids: Mapped[str] = mapped_column(Text, default="[]")
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime())


class PreferencesRow(Base):
    """A salesperson's own choices for what they share."""

    __tablename__ = "staff_preferences"

    tenant_id: Mapped[str] = mapped_column(String(36), primary_key=True)
    staff_id: Mapped[str] = mapped_column(String(36), primary_key=True)
    hidden_modules: Mapped[str] = mapped_column(Text, default="[]")
    contact_position: Mapped[str] = mapped_column(String(10), default="bottom")
    recommended_article_ids: Mapped[str] = mapped_column(Text, default="[]")
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime())


class ShareRow(TenantScoped, Base):
    __tablename__ = "shares"
    __table_args__ = (Index("ix_shares_sharer", "tenant_id", "sharer_staff_id", "created_at"),)

    token: Mapped[str] = mapped_column(String(32), unique=True)
    kind: Mapped[str] = mapped_column(String(10))  # domain.shares.KINDS
    item_id: Mapped[str] = mapped_column(String(36))
    # The salesperson the whole chain belongs to (the first sharer).
    sharer_staff_id: Mapped[str] = mapped_column(String(36))
    method: Mapped[str] = mapped_column(String(10))
    parent_share_id: Mapped[str | None] = mapped_column(ForeignKey("shares.id"), nullable=True)
    # The reader who forwarded it (none for the salesperson's own link).
    from_visitor_id: Mapped[str | None] = mapped_column(String(36), nullable=True)
    depth: Mapped[int] = mapped_column(Integer, default=0)
    # A card link of one poster made from an image or a text (D4 D12: each counts its own
    # acquisitions); none for the card's and articles' one link per method.
    poster_id: Mapped[str | None] = mapped_column(String(36), nullable=True)


class VisitorRow(TenantScoped, Base):
    """A reader: anonymous (the id their browser keeps) until they give a phone or log in."""

    __tablename__ = "visitors"
    __table_args__ = (
        UniqueConstraint("tenant_id", "visitor_key", name="uq_visitors_key"),
        Index("ix_visitors_recent", "tenant_id", "last_seen_at"),
        # The worker finds the readers a new customer was by phone or unionID (C10).
        Index("ix_visitors_phone", "tenant_id", "phone"),
        Index("ix_visitors_unionid", "tenant_id", "unionid"),
    )

    visitor_key: Mapped[str] = mapped_column(String(64))
    # The salesperson whose share first brought them, and that share.
    staff_id: Mapped[str] = mapped_column(String(36))
    first_share_id: Mapped[str] = mapped_column(String(36))
    first_method: Mapped[str] = mapped_column(String(10))
    nickname: Mapped[str] = mapped_column(String(50), default="")
    avatar_url: Mapped[str] = mapped_column(String(500), default="")
    phone: Mapped[str] = mapped_column(String(20), default="")
    unionid: Mapped[str] = mapped_column(String(64), default="")
    # The WeChat user for this tenant's official account (web-page authorization); "" until they
    # log in with WeChat.
    openid: Mapped[str] = mapped_column(String(64), default="", server_default="")
    visits: Mapped[int] = mapped_column(Integer, default=0)
    seconds: Mapped[int] = mapped_column(Integer, default=0)
    clicks: Mapped[int] = mapped_column(Integer, default=0)
    qualified: Mapped[bool] = mapped_column(Boolean, default=False)
    last_seen_at: Mapped[datetime] = mapped_column(UTCDateTime())
    # When they first met the tenant's thresholds and first gave a phone: the data centre's days.
    qualified_at: Mapped[datetime | None] = mapped_column(UTCDateTime(), nullable=True)
    identified_at: Mapped[datetime | None] = mapped_column(UTCDateTime(), nullable=True)
    # The customer this reader became (the customers service's record), and when: set once by the
    # worker from customers' lead_converted / customer_registered (C10, the data centre's days).
    customer_id: Mapped[str | None] = mapped_column(String(36), nullable=True)
    became_customer_at: Mapped[datetime | None] = mapped_column(UTCDateTime(), nullable=True)


class ViewRow(TenantScoped, Base):
    """One opening of a shared item by a visitor; created_at is when it opened."""

    __tablename__ = "views"
    __table_args__ = (Index("ix_views_visitor", "tenant_id", "visitor_id", "created_at"),)

    share_id: Mapped[str] = mapped_column(ForeignKey("shares.id"))
    visitor_id: Mapped[str] = mapped_column(ForeignKey("visitors.id"))
    kind: Mapped[str] = mapped_column(String(10))
    item_id: Mapped[str] = mapped_column(String(36))
    seconds: Mapped[int] = mapped_column(Integer, default=0)
    clicks: Mapped[int] = mapped_column(Integer, default=0)
    last_beat_at: Mapped[datetime | None] = mapped_column(UTCDateTime(), nullable=True)


class ShareLogRow(TenantScoped, Base):
    """Each time a salesperson shares an item (the link may be the same as last time): the data
    centre's shares per day, salesperson and article."""

    __tablename__ = "share_log"
    __table_args__ = (Index("ix_share_log_day", "tenant_id", "created_at"),)

    share_id: Mapped[str] = mapped_column(ForeignKey("shares.id"))
    staff_id: Mapped[str] = mapped_column(String(36))
    kind: Mapped[str] = mapped_column(String(10))
    item_id: Mapped[str] = mapped_column(String(36))


class CardTemplateRow(Base):
    """The tenant's card template (D3): module names and visibility, and a new card's defaults
    (JSON of domain.cards.CardContent); a tenant without a row has the defaults."""

    __tablename__ = "card_templates"

    tenant_id: Mapped[str] = mapped_column(String(36), primary_key=True)
    modules: Mapped[str] = mapped_column(Text)
    content: Mapped[str] = mapped_column(Text)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime())


class CardRow(Base):
    """A salesperson's own card (JSON of domain.cards.CardContent), made from the template the
    first time they open it."""

    __tablename__ = "cards"

    tenant_id: Mapped[str] = mapped_column(String(36), primary_key=True)
    staff_id: Mapped[str] = mapped_column(String(36), primary_key=True)
    content: Mapped[str] = mapped_column(Text)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime())


class MaterialRow(TenantScoped, Base):
    """A material of the library (D6): a file in the file store (key, sniffed type, size, the
    uploader's file name) or a script's text; its counts move by SQL increments like articles'."""

    __tablename__ = "materials"
    __table_args__ = (Index("ix_materials_library", "tenant_id", "active", "created_at"),)

    title: Mapped[str] = mapped_column(String(100))
    kind: Mapped[str] = mapped_column(String(10))  # domain.materials.KINDS
    folder: Mapped[str] = mapped_column(String(20), default="")
    text: Mapped[str] = mapped_column(Text, default="")
    file_key: Mapped[str] = mapped_column(String(300), default="")
    content_type: Mapped[str] = mapped_column(String(100), default="")
    size: Mapped[int] = mapped_column(BigInteger, default=0)
    file_name: Mapped[str] = mapped_column(String(200), default="")
    active: Mapped[bool] = mapped_column(Boolean, default=False)
    created_by: Mapped[str] = mapped_column(String(36))
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime())
    view_count: Mapped[int] = mapped_column(Integer, default=0)
    reader_count: Mapped[int] = mapped_column(Integer, default=0)
    download_count: Mapped[int] = mapped_column(Integer, default=0)
    share_count: Mapped[int] = mapped_column(Integer, default=0)
    read_seconds: Mapped[int] = mapped_column(Integer, default=0)


class PosterImageRow(TenantScoped, Base):
    """An uploaded image (D4): the tenant's poster template of a theme (owner and store managers),
    or a salesperson's own picture. The bytes live in the file store under `file_key`."""

    __tablename__ = "poster_images"
    __table_args__ = (Index("ix_poster_images_library", "tenant_id", "purpose", "created_at"),)

    purpose: Mapped[str] = mapped_column(String(10))  # domain.poster_images.PURPOSES
    theme: Mapped[str] = mapped_column(String(10), default="")  # templates only
    name: Mapped[str] = mapped_column(String(30), default="")
    # Where the salesperson's QR and name go on a template (domain.posters.POSITIONS).
    qr_position: Mapped[str] = mapped_column(String(15))
    staff_id: Mapped[str] = mapped_column(String(36))  # who uploaded it
    file_key: Mapped[str] = mapped_column(String(300))
    content_type: Mapped[str] = mapped_column(String(30))
    size: Mapped[int] = mapped_column(Integer)
    width: Mapped[int] = mapped_column(Integer)
    height: Mapped[int] = mapped_column(Integer)


class PosterRow(TenantScoped, Base):
    """A poster a salesperson made from an uploaded image and/or a text (D4 own uploads, D12
    image-text posts), redrawn on demand; its card link is the share whose `poster_id` it is."""

    __tablename__ = "posters"
    __table_args__ = (Index("ix_posters_staff", "tenant_id", "staff_id", "created_at"),)

    staff_id: Mapped[str] = mapped_column(String(36))
    image_id: Mapped[str | None] = mapped_column(String(36), nullable=True)  # gone if the image is deleted
    text: Mapped[str] = mapped_column(String(500), default="")
    qr_position: Mapped[str] = mapped_column(String(15))
    theme: Mapped[str] = mapped_column(String(10))  # the colours of an image-text poster
    title: Mapped[str] = mapped_column(String(100), default="")
