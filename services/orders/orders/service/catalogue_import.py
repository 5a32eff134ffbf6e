"""Catalogue spreadsheets (B1): import .xlsx rows as products (upsert by barcode), export them.

Reading and writing the workbook is `orders.catalogue_sheet`; this module holds the rules:
rows with problems are skipped and reported, the good rows are written in one transaction,
categories are created by name as needed, and a dry run writes nothing.
"""

from __future__ import annotations

from dataclasses import dataclass, field, replace
from datetime import datetime

from sqlalchemy import select
from sqlalchemy.orm import Session

from crmkit.auth import Actor
from crmkit.db import UnitOfWork
from crmkit.errors import AlreadyExists, InvalidInput
from orders import catalogue_sheet
from orders.domain.catalogue import ProductInput, check_product
from orders.domain.numbering import china_day
from orders.errors import ErrorCode
from orders.models import CategoryRow, ProductRow
from orders.service.access import CATALOGUE_ROLES, require_role
from orders.service.catalogue import apply_fields, save_product
from orders.service.changes import PRODUCT, log_change, product_snapshot

# The product change log's action for a row of an imported sheet (A1); without a before it
# created the product.
IMPORTED = "imported"

# Sheet column of each product field, for problems found by our rules rather than the reader.
# Problems found by the domain checks are reported under the sheet's own (Chinese) column
# headers, like the reader's, so a merchant sees one name per column.
COLUMNS = {
    "name": "名称",
    "barcode": "条码",
    "brand": "品牌",
    "unit": "单位",
    "wholesale_price": "批发价",
    "kind": "商品类型",
    "category": "一级分类",
    "subcategory": "二级分类",
}


def _sheet():
    """The workbook reader/writer (tests of the import rules put a fake of it here)."""
    return catalogue_sheet


@dataclass(frozen=True)
class Problem:
    row: int
    column: str
    message_key: str


@dataclass
class ImportResult:
    created: int = 0
    updated: int = 0
    problems: list[Problem] = field(default_factory=list)


class _Categories:
    """Category ids by name, creating top-level categories and their children on first use."""

    def __init__(self, session: Session, tenant_id: str, now: datetime):
        self.session, self.tenant_id, self.now = session, tenant_id, now
        rows = session.scalars(select(CategoryRow).where(CategoryRow.tenant_id == tenant_id)).all()
        self.ids = {(r.parent_id, r.name): r.id for r in rows}

    def _get(self, parent_id: str | None, name: str) -> str:
        key = (parent_id, name)
        if key not in self.ids:
            row = CategoryRow(tenant_id=self.tenant_id, name=name, parent_id=parent_id, created_at=self.now)
            self.session.add(row)
            self.session.flush()
            self.ids[key] = row.id
        return self.ids[key]

    def resolve(self, category: str, subcategory: str) -> str | None:
        category, subcategory = category.strip(), subcategory.strip()
        if not category:
            return None
        top = self._get(None, category)
        return self._get(top, subcategory) if subcategory else top


def _existing(session: Session, tenant_id: str, barcode: str | None, name: str) -> ProductRow | None:
    """Rows match by barcode; a row without one matches a barcode-less product of the same name,
    so re-importing an exported sheet updates rather than duplicates."""
    stmt = select(ProductRow).where(ProductRow.tenant_id == tenant_id)
    if barcode:
        return session.scalar(stmt.where(ProductRow.barcode == barcode))
    return session.scalar(
        stmt.where(ProductRow.barcode.is_(None), ProductRow.name == name, ProductRow.archived.is_(False)).limit(1)
    )


def import_catalogue(uow: UnitOfWork, actor: Actor, data: bytes, *, dry_run: bool, now: datetime) -> ImportResult:
    require_role(actor, CATALOGUE_ROLES, ErrorCode.CATALOGUE_MANAGE_DENIED)
    read = _sheet().read_catalogue(data)
    result = ImportResult(problems=[Problem(p.row, p.column, p.message_key) for p in read.problems])
    bad_rows = {p.row for p in read.problems}
    seen_barcodes: set[str] = set()
    with uow:
        session = uow.session
        categories = _Categories(session, actor.tenant_id, now)
        for sp in read.rows:
            if sp.row in bad_rows:
                continue
            barcode = sp.barcode.strip()
            if barcode and barcode in seen_barcodes:
                # The first row of a barcode wins; a repeat is a mistake in the sheet.
                result.problems.append(Problem(sp.row, COLUMNS["barcode"], "validation.duplicate"))
                continue
            seen_barcodes.add(barcode)
            try:
                fields = check_product(
                    ProductInput(
                        name=sp.name,
                        barcode=barcode,
                        brand=sp.brand,
                        unit=sp.unit,
                        wholesale_price_fen=sp.wholesale_price_fen,
                        level_prices=tuple(sp.level_prices.items()),
                        kind=sp.kind,
                        listed=sp.listed,
                    )
                )
            except InvalidInput as err:
                result.problems.extend(Problem(sp.row, COLUMNS.get(f, f), key) for f, key in err.fields.items())
                continue
            row = _existing(session, actor.tenant_id, fields.barcode, fields.name)
            if row is not None and row.archived:
                # An archived product keeps its barcode for history; it cannot come back by import.
                result.problems.append(Problem(sp.row, COLUMNS["barcode"], "validation.invalid"))
                continue
            category_id = categories.resolve(sp.category, sp.subcategory)
            fields = replace(fields, category_id=category_id)
            is_new = row is None
            if is_new:
                row = ProductRow(tenant_id=actor.tenant_id, created_at=now, archived=False)
            before = None if is_new else product_snapshot(row)
            apply_fields(row, fields, now)
            try:
                save_product(session, row)
            except AlreadyExists:
                # Taken by a concurrent writer since we looked: report the row, keep the others.
                result.problems.append(Problem(sp.row, COLUMNS["barcode"], "validation.taken"))
                continue
            log_change(session, actor, PRODUCT, row, IMPORTED, before=before, after=product_snapshot(row), now=now)
            # Written now, outside the next row's savepoint, which may roll back on its own.
            session.flush()
            if is_new:
                result.created += 1
            else:
                result.updated += 1
        result.problems.sort(key=lambda p: (p.row, p.column))
        if not dry_run:
            uow.commit()
    return result


def export_catalogue(uow: UnitOfWork, actor: Actor, *, now: datetime) -> tuple[bytes, str]:
    """Every live product, in the import's own format, so an export can be edited and re-imported."""
    require_role(actor, CATALOGUE_ROLES, ErrorCode.CATALOGUE_MANAGE_DENIED)
    sheet = _sheet()
    with uow:
        session = uow.session
        cats = {c.id: c for c in session.scalars(select(CategoryRow).where(CategoryRow.tenant_id == actor.tenant_id))}
        rows = session.scalars(
            select(ProductRow)
            .where(ProductRow.tenant_id == actor.tenant_id, ProductRow.archived.is_(False))
            .order_by(ProductRow.created_at, ProductRow.id)
        ).all()
        products = []
        for i, p in enumerate(rows, start=2):  # row 1 holds the headers
            category, subcategory = _category_names(cats, p.category_id)
            products.append(
                sheet.SheetProduct(
                    row=i,
                    barcode=p.barcode or "",
                    name=p.name,
                    category=category,
                    subcategory=subcategory,
                    brand=p.brand,
                    unit=p.unit,
                    wholesale_price_fen=p.wholesale_price_fen,
                    level_prices=dict(p.level_prices or {}),
                    kind=p.kind,
                    listed=p.listed,
                )
            )
    return sheet.write_catalogue(products), f"catalogue-{china_day(now)}.xlsx"


def _category_names(cats: dict[str, CategoryRow], category_id: str | None) -> tuple[str, str]:
    cat = cats.get(category_id or "")
    if cat is None:
        return "", ""
    if cat.parent_id and cat.parent_id in cats:
        return cats[cat.parent_id].name, cat.name
    return cat.name, ""
