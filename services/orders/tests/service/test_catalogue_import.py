"""B1 catalogue import/export rules against PostgreSQL. The workbook reader/writer
(orders.catalogue_sheet, tested on its own) is replaced by a fake here, so these tests pin the
import rules: skip and report bad rows, upsert by barcode, categories by name,
repeated barcodes, dry run, one transaction."""

from dataclasses import dataclass, field
from datetime import UTC, datetime
from types import SimpleNamespace

import pytest
from orders_testkit import staff

from crmkit.errors import PermissionDenied
from crmkit.paging import Page
from orders.domain.catalogue import ProductInput
from orders.service import catalogue, catalogue_import
from orders.service.catalogue_import import Problem

NOW = datetime(2026, 11, 23, 2, 0, tzinfo=UTC)


@dataclass
class SheetProduct:
    row: int
    barcode: str
    name: str
    category: str = ""
    subcategory: str = ""
    brand: str = ""
    unit: str = ""
    wholesale_price_fen: int = 0
    level_prices: dict = field(default_factory=dict)
    kind: str = "goods"
    listed: bool = True


@dataclass
class SheetProblem:
    row: int
    column: str
    message_key: str


@pytest.fixture
def sheet(monkeypatch):
    """What the reader returns for the next import, and what the writer was given."""
    fake = SimpleNamespace(rows=[], problems=[], written=None, SheetProduct=SheetProduct)
    fake.read_catalogue = lambda data: SimpleNamespace(rows=list(fake.rows), problems=list(fake.problems))

    def write(products):
        fake.written = products
        return b"xlsx-bytes"

    fake.write_catalogue = write
    monkeypatch.setattr(catalogue_import, "_sheet", lambda: fake)
    return fake


def products(db, tenant):
    page = catalogue.list_products(db.uow(), staff(tenant, "owner"), Page(1, 100))
    return {p.barcode or p.name: p for p in page.products}


def test_b1_import_upserts_by_barcode_and_creates_categories(db, tenant, sheet):
    owner = staff(tenant, "owner")
    catalogue.create_product(db.uow(), owner, ProductInput(name="Old cola", barcode="6901"), now=NOW)
    sheet.rows = [
        SheetProduct(2, "6901", "Cola", "Drinks", "Soda", wholesale_price_fen=250, level_prices={"A": 230}),
        SheetProduct(3, "6902", "Water", "Drinks", "", wholesale_price_fen=100),
        SheetProduct(4, "", "Loose nuts", wholesale_price_fen=900, kind="in_store", listed=False),
    ]
    result = catalogue_import.import_catalogue(db.uow(), owner, b"x", dry_run=False, now=NOW)
    assert (result.created, result.updated, result.problems) == (2, 1, [])
    got = products(db, tenant)
    assert (got["6901"].name, got["6901"].wholesale_price_fen, got["6901"].level_prices) == ("Cola", 250, {"A": 230})
    assert (got["Loose nuts"].kind, got["Loose nuts"].listed) == ("in_store", False)
    cats = {c.id: c for c in catalogue.list_categories(db.uow(), owner)}
    soda = cats[got["6901"].category_id]
    assert (soda.name, cats[soda.parent_id].name, cats[got["6902"].category_id].name) == ("Soda", "Drinks", "Drinks")
    assert len(cats) == 2  # "Drinks" created once
    # Importing the same sheet again updates, also the barcode-less row matched by name.
    again = catalogue_import.import_catalogue(db.uow(), owner, b"x", dry_run=False, now=NOW)
    assert (again.created, again.updated) == (0, 3)


def test_b1_import_skips_and_reports_bad_rows(db, tenant, sheet):
    sheet.rows = [
        SheetProduct(2, "6901", "Cola"),
        SheetProduct(3, "6902", "Reader flagged this row"),
        SheetProduct(4, "6901", "Cola again"),  # repeated barcode: the later row is the problem
        SheetProduct(5, "6903", "x" * 61, wholesale_price_fen=-1),
    ]
    sheet.problems = [SheetProblem(3, "批发价", "validation.not_a_number")]
    result = catalogue_import.import_catalogue(db.uow(), staff(tenant, "owner"), b"x", dry_run=False, now=NOW)
    assert (result.created, result.updated) == (1, 0)
    assert result.problems == [
        Problem(3, "批发价", "validation.not_a_number"),
        Problem(4, "条码", "validation.duplicate"),
        Problem(5, "名称", "validation.too_long"),
        Problem(5, "批发价", "validation.invalid"),
    ]
    assert list(products(db, tenant)) == ["6901"]


def test_b1_import_dry_run_writes_nothing(db, tenant, sheet):
    sheet.rows = [SheetProduct(2, "6901", "Cola", "Drinks")]
    owner = staff(tenant, "owner")
    result = catalogue_import.import_catalogue(db.uow(), owner, b"x", dry_run=True, now=NOW)
    assert (result.created, result.problems) == (1, [])
    assert products(db, tenant) == {}
    assert catalogue.list_categories(db.uow(), owner) == []


def test_b1_import_and_export_need_a_manager(db, tenant, sheet):
    for use in (
        lambda a: catalogue_import.import_catalogue(db.uow(), a, b"x", dry_run=True, now=NOW),
        lambda a: catalogue_import.export_catalogue(db.uow(), a, now=NOW),
    ):
        with pytest.raises(PermissionDenied):
            use(staff(tenant, "salesperson"))


def test_b1_export_writes_every_live_product_with_category_names(db, tenant, sheet):
    owner = staff(tenant, "owner")
    drinks = catalogue.create_category(db.uow(), owner, "Drinks", now=NOW)
    soda = catalogue.create_category(db.uow(), owner, "Soda", drinks.id, now=NOW)
    catalogue.create_product(
        db.uow(),
        owner,
        ProductInput(name="Cola", barcode="6901", category_id=soda.id, wholesale_price_fen=250),
        now=NOW,
    )
    data, filename = catalogue_import.export_catalogue(db.uow(), owner, now=NOW)
    assert (data, filename) == (b"xlsx-bytes", "catalogue-20261123.xlsx")
    [row] = sheet.written
    assert (row.row, row.barcode, row.name, row.category, row.subcategory, row.wholesale_price_fen) == (
        2,
        "6901",
        "Cola",
        "Drinks",
        "Soda",
        250,
    )
