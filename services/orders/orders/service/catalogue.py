"""Catalogue use cases (B1): categories, products, customer prices."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import exists, func, or_, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from crmkit.auth import Actor
from crmkit.db import UnitOfWork
from crmkit.errors import AlreadyExists, InvalidInput, NotFound
from crmkit.paging import Page
from orders.domain.catalogue import ProductFields, ProductInput, check_category, check_product
from orders.domain.money import is_valid_price
from orders.errors import ErrorCode
from orders.models import (
    UQ_PRODUCT_BARCODE,
    CategoryRow,
    CustomerPriceRow,
    OrderLineRow,
    ProductRow,
    ReturnLineRow,
    StockRow,
)
from orders.models_storefront import StorefrontLineRow
from orders.service.access import CATALOGUE_ROLES, require_reader, require_role
from orders.service.changes import PRODUCT, log_change, product_snapshot
from orders.service.views import (
    CategoryView,
    CustomerPriceView,
    ProductPage,
    ProductView,
    StockLevelView,
    category_view,
    product_view,
)

QUERY_MAX = 60
# Actions of the product change log (A1).
CREATED, UPDATED, LISTED, UNLISTED, ARCHIVED, DELETED = (
    "created",
    "updated",
    "listed",
    "unlisted",
    "archived",
    "deleted",
)
CUSTOMER_PRICE_SET = "customer_price_set"


def product_not_found(product_id: str) -> NotFound:
    return NotFound(ErrorCode.PRODUCT_NOT_FOUND, params={"id": product_id})


def barcode_taken() -> AlreadyExists:
    return AlreadyExists(ErrorCode.PRODUCT_BARCODE_TAKEN, fields={"product.barcode": "validation.taken"})


def is_barcode_violation(exc: IntegrityError) -> bool:
    text = str(exc.orig)
    return UQ_PRODUCT_BARCODE in text or "products.tenant_id, products.barcode" in text


def _invalid(fields: dict[str, str]) -> InvalidInput:
    return InvalidInput(ErrorCode.CATALOGUE_INPUT_INVALID, fields=fields)


def create_category(uow: UnitOfWork, actor: Actor, name: str, parent_id: str = "", *, now: datetime) -> CategoryView:
    require_role(actor, CATALOGUE_ROLES, ErrorCode.CATALOGUE_MANAGE_DENIED)
    with uow:
        parent_top = None
        if parent_id:
            parent = _category(uow.session, actor.tenant_id, parent_id)
            if parent is None:
                raise _invalid({"parent_id": "validation.invalid_choice"})
            parent_top = parent.parent_id is None
        row = CategoryRow(tenant_id=actor.tenant_id, name=check_category(name, parent_top), created_at=now)
        row.parent_id = parent_id or None
        uow.session.add(row)
        uow.commit()
        return category_view(row)


def list_categories(uow: UnitOfWork, actor: Actor) -> list[CategoryView]:
    require_reader(actor)
    with uow:
        rows = uow.session.scalars(
            select(CategoryRow).where(CategoryRow.tenant_id == actor.tenant_id).order_by(CategoryRow.name)
        ).all()
        return [category_view(r) for r in rows]


def _category(session: Session, tenant_id: str, category_id: str) -> CategoryRow | None:
    return session.scalar(select(CategoryRow).where(CategoryRow.tenant_id == tenant_id, CategoryRow.id == category_id))


def check_category_exists(session: Session, tenant_id: str, category_id: str | None, field: str) -> None:
    if category_id and _category(session, tenant_id, category_id) is None:
        raise _invalid({field: "validation.invalid_choice"})


def apply_fields(row: ProductRow, fields: ProductFields, now: datetime) -> None:
    row.name = fields.name
    row.barcode = fields.barcode
    row.category_id = fields.category_id
    row.brand = fields.brand
    row.unit = fields.unit
    row.wholesale_price_fen = fields.wholesale_price_fen
    row.level_prices = dict(fields.level_prices)
    row.kind = fields.kind
    row.listed = fields.listed
    row.updated_at = now


def save_product(session: Session, row: ProductRow) -> None:
    """Flush inside a savepoint: a barcode taken by a concurrent writer becomes AlreadyExists
    without spoiling the rest of the transaction (an import writes many rows in one)."""
    try:
        with session.begin_nested():
            session.add(row)
            session.flush()
    except IntegrityError as exc:
        if is_barcode_violation(exc):
            raise barcode_taken() from None
        raise


def _barcode_used(session: Session, tenant_id: str, barcode: str | None, except_id: str | None = None) -> bool:
    if not barcode:
        return False
    stmt = select(ProductRow.id).where(ProductRow.tenant_id == tenant_id, ProductRow.barcode == barcode)
    if except_id:
        stmt = stmt.where(ProductRow.id != except_id)
    return session.scalar(stmt) is not None


def create_product(uow: UnitOfWork, actor: Actor, cmd: ProductInput, *, now: datetime) -> ProductView:
    require_role(actor, CATALOGUE_ROLES, ErrorCode.CATALOGUE_MANAGE_DENIED)
    fields = check_product(cmd)
    with uow:
        check_category_exists(uow.session, actor.tenant_id, fields.category_id, "product.category_id")
        if _barcode_used(uow.session, actor.tenant_id, fields.barcode):
            raise barcode_taken()
        row = ProductRow(tenant_id=actor.tenant_id, created_at=now, archived=False)
        apply_fields(row, fields, now)
        save_product(uow.session, row)
        log_change(uow.session, actor, PRODUCT, row, CREATED, before=None, after=product_snapshot(row), now=now)
        uow.commit()
        return product_view(row)


def _live_product(session: Session, tenant_id: str, product_id: str, *, lock: bool = False) -> ProductRow:
    """Archived products are gone as far as the catalogue is concerned."""
    stmt = select(ProductRow).where(
        ProductRow.tenant_id == tenant_id, ProductRow.id == product_id, ProductRow.archived.is_(False)
    )
    row = session.scalar(stmt.with_for_update() if lock else stmt)
    if row is None:
        raise product_not_found(product_id)
    return row


def update_product(uow: UnitOfWork, actor: Actor, product_id: str, cmd: ProductInput, *, now: datetime) -> ProductView:
    require_role(actor, CATALOGUE_ROLES, ErrorCode.CATALOGUE_MANAGE_DENIED)
    fields = check_product(cmd)
    with uow:
        row = _live_product(uow.session, actor.tenant_id, product_id, lock=True)
        check_category_exists(uow.session, actor.tenant_id, fields.category_id, "product.category_id")
        if _barcode_used(uow.session, actor.tenant_id, fields.barcode, except_id=row.id):
            raise barcode_taken()
        before = product_snapshot(row)
        apply_fields(row, fields, now)
        save_product(uow.session, row)
        log_change(uow.session, actor, PRODUCT, row, UPDATED, before=before, after=product_snapshot(row), now=now)
        uow.commit()
        return product_view(row, stock_of(uow.session, actor.tenant_id, [row.id]).get(row.id, []))


def set_product_listed(uow: UnitOfWork, actor: Actor, product_id: str, listed: bool, *, now: datetime) -> ProductView:
    require_role(actor, CATALOGUE_ROLES, ErrorCode.CATALOGUE_MANAGE_DENIED)
    with uow:
        row = _live_product(uow.session, actor.tenant_id, product_id, lock=True)
        before = product_snapshot(row)
        row.listed = listed
        row.updated_at = now
        action = LISTED if listed else UNLISTED
        log_change(uow.session, actor, PRODUCT, row, action, before=before, after=product_snapshot(row), now=now)
        uow.commit()
        return product_view(row, stock_of(uow.session, actor.tenant_id, [row.id]).get(row.id, []))


def delete_product(uow: UnitOfWork, actor: Actor, product_id: str, *, now: datetime) -> bool:
    """True when archived: orders (storefront ones too) and returns keep pointing at a product they
    were sold with."""
    require_role(actor, CATALOGUE_ROLES, ErrorCode.CATALOGUE_MANAGE_DENIED)
    with uow:
        session = uow.session
        row = _live_product(session, actor.tenant_id, product_id, lock=True)
        used = session.scalar(
            select(
                or_(
                    exists().where(OrderLineRow.tenant_id == actor.tenant_id, OrderLineRow.product_id == row.id),
                    exists().where(ReturnLineRow.tenant_id == actor.tenant_id, ReturnLineRow.product_id == row.id),
                    exists().where(
                        StorefrontLineRow.tenant_id == actor.tenant_id, StorefrontLineRow.product_id == row.id
                    ),
                )
            )
        )
        before = product_snapshot(row)
        if used:
            row.archived = True
            row.listed = False
            row.updated_at = now
            log_change(session, actor, PRODUCT, row, ARCHIVED, before=before, after=product_snapshot(row), now=now)
        else:
            # The product goes; its log stays and says who deleted it.
            log_change(session, actor, PRODUCT, row, DELETED, before=before, after=None, now=now)
            for model in (StockRow, CustomerPriceRow):
                for dependent in session.scalars(
                    select(model).where(model.tenant_id == actor.tenant_id, model.product_id == row.id)
                ):
                    session.delete(dependent)
            session.delete(row)
        uow.commit()
        return bool(used)


def stock_of(session: Session, tenant_id: str, product_ids: list[str]) -> dict[str, list[StockLevelView]]:
    levels: dict[str, list[StockLevelView]] = {}
    if not product_ids:
        return levels
    rows = session.scalars(
        select(StockRow)
        .where(StockRow.tenant_id == tenant_id, StockRow.product_id.in_(product_ids))
        .order_by(StockRow.store_id)
    )
    for r in rows:
        levels.setdefault(r.product_id, []).append(StockLevelView(r.product_id, r.store_id, r.quantity))
    return levels


def get_product(uow: UnitOfWork, actor: Actor, product_id: str) -> ProductView:
    require_reader(actor)
    with uow:
        row = _live_product(uow.session, actor.tenant_id, product_id)
        return product_view(row, stock_of(uow.session, actor.tenant_id, [row.id]).get(row.id, []))


def _escape_like(text: str) -> str:
    return text.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")


def list_products(
    uow: UnitOfWork,
    actor: Actor,
    page: Page,
    *,
    query: str = "",
    barcode: str = "",
    category_id: str = "",
    listed_only: bool = False,
) -> ProductPage:
    """By exact barcode (a scan) or partial name, newest first; a category matches its children too."""
    require_reader(actor)
    query = query.strip()
    if len(query) > QUERY_MAX:
        raise InvalidInput(ErrorCode.LIST_INPUT_INVALID, fields={"query": "validation.too_long"})
    stmt = select(ProductRow).where(ProductRow.tenant_id == actor.tenant_id, ProductRow.archived.is_(False))
    if barcode.strip():
        stmt = stmt.where(ProductRow.barcode == barcode.strip())
    if query:
        stmt = stmt.where(ProductRow.name.ilike(f"%{_escape_like(query)}%", escape="\\"))
    if listed_only:
        stmt = stmt.where(ProductRow.listed.is_(True))
    with uow:
        if category_id:
            children = select(CategoryRow.id).where(
                CategoryRow.tenant_id == actor.tenant_id, CategoryRow.parent_id == category_id
            )
            stmt = stmt.where(or_(ProductRow.category_id == category_id, ProductRow.category_id.in_(children)))
        total = uow.session.scalar(select(func.count()).select_from(stmt.subquery()))
        rows = uow.session.scalars(
            stmt.order_by(ProductRow.created_at.desc(), ProductRow.id.desc()).offset(page.offset).limit(page.page_size)
        ).all()
        stock = stock_of(uow.session, actor.tenant_id, [r.id for r in rows])
        return ProductPage([product_view(r, stock.get(r.id, [])) for r in rows], total)


def set_customer_price(
    uow: UnitOfWork, actor: Actor, customer_id: str, product_id: str, price_fen: int, *, now: datetime
) -> CustomerPriceView:
    """The price agreed with one customer (B1); the customer id is the customers service's."""
    require_role(actor, CATALOGUE_ROLES, ErrorCode.CATALOGUE_MANAGE_DENIED)
    fields = {}
    if not customer_id:
        fields["customer_id"] = "validation.required"
    if not is_valid_price(price_fen):
        fields["price"] = "validation.invalid"
    if fields:
        raise _invalid(fields)
    with uow:
        product = _live_product(uow.session, actor.tenant_id, product_id)
        # Lock the row: two managers setting one price at once leave one row, the last price.
        row = uow.session.scalar(
            select(CustomerPriceRow)
            .where(
                CustomerPriceRow.tenant_id == actor.tenant_id,
                CustomerPriceRow.customer_id == customer_id,
                CustomerPriceRow.product_id == product_id,
            )
            .with_for_update()
        )
        if row is None:
            row = CustomerPriceRow(
                tenant_id=actor.tenant_id, customer_id=customer_id, product_id=product_id, created_at=now
            )
            uow.session.add(row)
        # The product's log names the customer in the field: one product, many agreed prices.
        field = f"customer_price.{customer_id}"
        log_change(
            uow.session,
            actor,
            PRODUCT,
            product,
            CUSTOMER_PRICE_SET,
            before={field: row.price_fen},
            after={field: price_fen},
            now=now,
        )
        row.price_fen = price_fen
        row.updated_at = now
        uow.commit()
        return CustomerPriceView(customer_id, product_id, price_fen)
