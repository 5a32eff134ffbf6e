"""Schemas of the wholesale catalogue (B1): categories, products, stock, customer prices, and the
spreadsheet import report. Lengths follow the orders service's own limits."""

from __future__ import annotations

from apiflask import Schema
from apiflask.fields import Boolean, DateTime, File, Integer, List, Nested, String
from apiflask.validators import Length, Range

from crm.orders.v1 import orders_pb2 as pb
from crmkit.protos import datetime_of, money
from gateway.api.common import PageOut, PageQuery
from gateway.api.fields import choice, fen, text, word
from gateway.api.uploads import ImportProblemOut

KINDS = {
    "goods": pb.PRODUCT_KIND_GOODS,
    "reservation": pb.PRODUCT_KIND_RESERVATION,
    "takeaway": pb.PRODUCT_KIND_TAKEAWAY,
    "in_store": pb.PRODUCT_KIND_IN_STORE,
    "stored_value": pb.PRODUCT_KIND_STORED_VALUE,
}
MAX_STOCK = 100_000_000


class CategoryIn(Schema):
    name = text(30, required=True)
    parent_id = String(load_default="", validate=Length(max=64), metadata={"description": "Empty: top level"})


class CategoryOut(Schema):
    id = String(required=True)
    name = String()
    parent_id = String(allow_none=True, metadata={"description": "null for a top-level category"})


class CategoriesOut(Schema):
    categories = List(Nested(CategoryOut))


def category_dict(category) -> dict:
    return {"id": category.id, "name": category.name, "parent_id": category.parent_id or None}


class LevelPriceIO(Schema):
    level = text(20, required=True, metadata={"description": "Customer member level code, e.g. A"})
    price_fen = fen(required=True)


class ProductIn(Schema):
    """Every editable field: PUT replaces them all, like POST creates them."""

    name = text(60, required=True)
    barcode = String(load_default="", validate=Length(max=40), metadata={"description": "Unique in the tenant"})
    category_id = String(load_default="", validate=Length(max=64))
    brand = text(40, load_default="")
    unit = text(10, load_default="", metadata={"description": "e.g. 箱, 件, 瓶"})
    wholesale_price_fen = fen(required=True)
    level_prices = List(Nested(LevelPriceIO), load_default=list, validate=Length(max=50))
    kind = choice(KINDS, load_default="goods")
    listed = Boolean(load_default=False, metadata={"description": "Offered to salespeople"})


def product_input(body: dict) -> pb.ProductInput:
    return pb.ProductInput(
        name=body["name"],
        barcode=body["barcode"].strip(),
        category_id=body["category_id"],
        brand=body["brand"],
        unit=body["unit"],
        wholesale_price=money(body["wholesale_price_fen"]),
        level_prices=[pb.LevelPrice(level=lp["level"], price=money(lp["price_fen"])) for lp in body["level_prices"]],
        kind=KINDS[body["kind"]],
        listed=body["listed"],
    )


class StockOut(Schema):
    store_id = String(required=True)
    quantity = Integer()


class ProductOut(Schema):
    id = String(required=True)
    name = String()
    barcode = String()
    category_id = String(allow_none=True)
    brand = String()
    unit = String()
    wholesale_price_fen = Integer()
    level_prices = List(Nested(LevelPriceIO))
    kind = String(allow_none=True, metadata={"enum": list(KINDS)})
    listed = Boolean()
    archived = Boolean(metadata={"description": "Kept for history of past orders, hidden from lists"})
    stock = List(Nested(StockOut), metadata={"description": "Quantity per store"})
    created_at = DateTime(allow_none=True)


def product_dict(product) -> dict:
    return {
        "id": product.id,
        "name": product.name,
        "barcode": product.barcode,
        "category_id": product.category_id or None,
        "brand": product.brand,
        "unit": product.unit,
        "wholesale_price_fen": product.wholesale_price.fen,
        "level_prices": [{"level": lp.level, "price_fen": lp.price.fen} for lp in product.level_prices],
        "kind": word(KINDS, product.kind),
        "listed": product.listed,
        "archived": product.archived,
        "stock": [{"store_id": s.store_id, "quantity": s.quantity} for s in product.stock],
        "created_at": datetime_of(product, "created_at"),
    }


class ProductQuery(PageQuery):
    q = String(load_default="", validate=Length(max=60), metadata={"description": "Name, partial"})
    barcode = String(load_default="", validate=Length(max=40), metadata={"description": "Exact (a scan)"})
    category_id = String(load_default="", validate=Length(max=64))
    listed_only = Boolean(load_default=False)


class ProductListOut(Schema):
    products = List(Nested(ProductOut))
    page = Nested(PageOut)


class DeletedOut(Schema):
    archived = Boolean(required=True, metadata={"description": "true: it was ordered before, so archived"})


class ListingIn(Schema):
    listed = Boolean(required=True)


class StockIn(Schema):
    # Absolute (a stock take), so never negative; shipping is what may go below zero.
    quantity = Integer(strict=True, required=True, validate=Range(min=0, max=MAX_STOCK))
    reason = text(200, required=True, metadata={"description": "e.g. 期初, 盘点"})


class StockLevelOut(Schema):
    product_id = String(required=True)
    store_id = String()
    quantity = Integer()


class CustomerPriceIn(Schema):
    price_fen = fen(required=True)


class CustomerPriceOut(Schema):
    customer_id = String(required=True)
    product_id = String()
    price_fen = Integer()


class ImportQuery(Schema):
    dry_run = Boolean(load_default=False, metadata={"description": "true: check and report, write nothing"})


class ImportFileIn(Schema):
    file = File(required=True, metadata={"description": ".xlsx, at most 5 MB"})


class ImportOut(Schema):
    created = Integer()
    updated = Integer()
    dry_run = Boolean()
    problems = List(Nested(ImportProblemOut))
