"""B1 through the real gRPC server: categories, products, search, archive-on-delete, stock,
customer prices."""

import pytest
from orders_testkit import call, line, money, product, staff
from sqlalchemy import select

from crm.common.v1 import common_pb2
from crm.orders.v1 import orders_pb2 as pb
from crmkit.errors import AlreadyExists, InvalidInput, NotFound, PermissionDenied
from orders.models import StockMovementRow


def category(client, actor, name, parent_id=""):
    return call(client, actor, "CreateCategory", pb.CreateCategoryRequest(name=name, parent_id=parent_id))


def listing(client, actor, **kw):
    return call(client, actor, "ListProducts", pb.ListProductsRequest(**kw))


def test_b1_categories_have_two_levels(client, tenant):
    owner = staff(tenant, "owner")
    drinks = category(client, owner, "Drinks")
    soda = category(client, owner, "Soda", drinks.id)
    with pytest.raises(InvalidInput) as err:
        category(client, owner, "Cola", soda.id)
    assert err.value.fields == {"parent_id": "validation.invalid"}
    with pytest.raises(InvalidInput):
        category(client, owner, "Orphan", "no-such-category")
    with pytest.raises(PermissionDenied):
        category(client, staff(tenant, "salesperson"), "Snacks")
    listed = call(client, staff(tenant, "salesperson"), "ListCategories", pb.ListCategoriesRequest())
    assert [(c.name, c.parent_id) for c in listed.categories] == [("Drinks", ""), ("Soda", drinks.id)]


def test_b1_create_update_and_get_a_product(client, tenant):
    owner = staff(tenant, "owner")
    soda = category(client, owner, "Soda", category(client, owner, "Drinks").id)
    created = product(
        client, owner, "Cola 330ml", barcode="6901", wholesale=250, levels={"A": 230}, category_id=soda.id, brand="K"
    )
    assert (created.name, created.barcode, created.kind, created.listed, created.archived) == (
        "Cola 330ml",
        "6901",
        pb.PRODUCT_KIND_GOODS,
        True,
        False,
    )
    edit = pb.ProductInput(
        name="Cola 500ml", unit="瓶", wholesale_price=money(300), kind=pb.PRODUCT_KIND_TAKEAWAY, listed=False
    )
    updated = call(client, owner, "UpdateProduct", pb.UpdateProductRequest(id=created.id, product=edit))
    # Update replaces every editable field: barcode, category, brand and level prices are cleared.
    assert (updated.name, updated.barcode, updated.category_id, updated.brand, list(updated.level_prices)) == (
        "Cola 500ml",
        "",
        "",
        "",
        [],
    )
    assert (updated.unit, updated.wholesale_price.fen, updated.kind, updated.listed) == (
        "瓶",
        300,
        pb.PRODUCT_KIND_TAKEAWAY,
        False,
    )
    assert call(client, staff(tenant, "salesperson"), "GetProduct", pb.GetProductRequest(id=created.id)) == updated
    with pytest.raises(NotFound):
        call(client, staff(tenant + "x", "owner"), "GetProduct", pb.GetProductRequest(id=created.id))


def test_b1_bad_product_names_the_field_and_only_managers_edit(client, tenant):
    with pytest.raises(InvalidInput) as err:
        product(client, staff(tenant, "owner"), "", wholesale=-1)
    assert err.value.fields == {"name": "validation.required", "wholesale_price": "validation.invalid"}
    with pytest.raises(PermissionDenied):
        product(client, staff(tenant, "salesperson"), "Cola")


def test_b1_barcode_is_unique_per_tenant(client, tenant):
    owner = staff(tenant, "owner")
    first = product(client, owner, "Cola", barcode="6901")
    with pytest.raises(AlreadyExists) as err:
        product(client, owner, "Other cola", barcode="6901")
    assert (err.value.code, err.value.fields) == ("PRODUCT_BARCODE_TAKEN", {"product.barcode": "validation.taken"})
    other = product(client, owner, "Water", barcode="6902")
    with pytest.raises(AlreadyExists):
        edit = pb.ProductInput(name="Water", barcode="6901", wholesale_price=money(1))
        call(client, owner, "UpdateProduct", pb.UpdateProductRequest(id=other.id, product=edit))
    # No barcode twice is fine, and another tenant may use the same barcode.
    product(client, owner, "Loose A")
    product(client, owner, "Loose B")
    assert product(client, staff(tenant + "x", "owner"), "Cola", barcode="6901").id != first.id


def test_b1_delete_removes_an_unordered_product_and_archives_an_ordered_one(client, customers, tenant):
    owner = staff(tenant, "owner")
    seller = staff(tenant, "salesperson")
    unused = product(client, owner, "Unused", barcode="1")
    sold = product(client, owner, "Sold", barcode="2")
    customer = customers.add(tenant, seller.staff_id, store_id="store-1")
    call(client, seller, "SubmitOrder", pb.SubmitOrderRequest(customer_id=customer, lines=[line(sold.id)]))
    assert not call(client, owner, "DeleteProduct", pb.DeleteProductRequest(id=unused.id)).archived
    assert call(client, owner, "DeleteProduct", pb.DeleteProductRequest(id=sold.id)).archived
    for gone in (unused, sold):
        with pytest.raises(NotFound):
            call(client, owner, "GetProduct", pb.GetProductRequest(id=gone.id))
    assert listing(client, owner).page.total == 0
    with pytest.raises(InvalidInput) as err:
        call(client, seller, "SubmitOrder", pb.SubmitOrderRequest(customer_id=customer, lines=[line(sold.id)]))
    assert err.value.fields == {"lines.0.product_id": "validation.invalid_choice"}
    # The archived product keeps its barcode; the order still shows it.
    with pytest.raises(AlreadyExists):
        product(client, owner, "Sold again", barcode="2")


def test_b1_search_by_barcode_name_category_and_listed(client, tenant):
    owner = staff(tenant, "owner")
    drinks = category(client, owner, "Drinks")
    soda = category(client, owner, "Soda", drinks.id)
    cola = product(client, owner, "Cola Zero", barcode="6901", category_id=soda.id)
    water = product(client, owner, "Water", barcode="6902", category_id=drinks.id, listed=False)
    chips = product(client, owner, "Chips 100%", barcode="7001")

    def ids(**kw):
        return [p.id for p in listing(client, staff(tenant, "salesperson"), **kw).products]

    assert ids() == [chips.id, water.id, cola.id]
    assert ids(barcode="6901") == [cola.id]
    assert ids(barcode="690") == []  # a barcode matches exactly
    assert ids(query="zero") == [cola.id]
    assert ids(query="100%") == [chips.id]
    assert ids(query="%") == [chips.id]  # wildcards are plain characters
    assert ids(category_id=drinks.id) == [water.id, cola.id]  # a category covers its children
    assert ids(category_id=soda.id) == [cola.id]
    assert ids(listed_only=True) == [chips.id, cola.id]
    page = listing(client, owner, page=common_pb2.PageRequest(page=2, page_size=2))
    assert ([p.id for p in page.products], page.page.total) == ([cola.id], 3)
    with pytest.raises(InvalidInput) as err:
        listing(client, owner, page=common_pb2.PageRequest(page_size=101))
    assert err.value.fields == {"page.page_size": "validation.invalid"}


def test_b1_stock_is_set_with_a_reason_and_every_change_is_a_movement(client, db, tenant):
    owner, warehouse = staff(tenant, "owner"), staff(tenant, "warehouse")
    cola = product(client, owner, "Cola")
    set_stock = pb.SetStockRequest(product_id=cola.id, store_id="store-1", quantity=12, reason="first count")
    assert call(client, warehouse, "SetStock", set_stock).quantity == 12
    recount = pb.SetStockRequest(product_id=cola.id, store_id="store-1", quantity=9, reason="recount")
    call(client, owner, "SetStock", recount)
    call(client, owner, "SetStock", pb.SetStockRequest(product_id=cola.id, store_id="store-2", quantity=4, reason="x"))
    with pytest.raises(PermissionDenied):
        call(client, staff(tenant, "salesperson"), "SetStock", recount)
    with pytest.raises(InvalidInput) as err:
        call(client, owner, "SetStock", pb.SetStockRequest(product_id=cola.id, store_id="store-1", quantity=-1))
    assert err.value.fields == {"quantity": "validation.invalid", "reason": "validation.required"}
    got = call(client, owner, "GetProduct", pb.GetProductRequest(id=cola.id))
    assert [(s.store_id, s.quantity) for s in got.stock] == [("store-1", 9), ("store-2", 4)]
    with db.engine.connect() as conn:
        moves = conn.execute(
            select(
                StockMovementRow.store_id,
                StockMovementRow.delta,
                StockMovementRow.quantity_after,
                StockMovementRow.reason,
                StockMovementRow.note,
            )
            .where(StockMovementRow.tenant_id == tenant)
            .order_by(StockMovementRow.created_at)
        ).all()
    assert [tuple(m) for m in moves] == [
        ("store-1", 12, 12, "stock_take", "first count"),
        ("store-1", -3, 9, "stock_take", "recount"),
        ("store-2", 4, 4, "stock_take", "x"),
    ]


def test_b1_customer_price_is_set_by_managers_only(client, customers, tenant):
    owner, seller = staff(tenant, "owner"), staff(tenant, "salesperson")
    customer = customers.add(tenant, seller.staff_id)
    cola = product(client, owner, "Cola", wholesale=1000)
    req = pb.SetCustomerPriceRequest(customer_id=customer, product_id=cola.id, price=money(950))
    with pytest.raises(PermissionDenied):
        call(client, seller, "SetCustomerPrice", req)
    call(client, owner, "SetCustomerPrice", req)
    req.price.fen = 940
    assert call(client, staff(tenant, "store_manager"), "SetCustomerPrice", req).price.fen == 940
    [q] = call(client, seller, "QuotePrices", pb.QuotePricesRequest(customer_id=customer, product_ids=[cola.id])).quotes
    assert (q.customer_price.fen, q.default_source) == (940, pb.PRICE_SOURCE_CUSTOMER)
    with pytest.raises(InvalidInput) as err:
        call(client, owner, "SetCustomerPrice", pb.SetCustomerPriceRequest(customer_id=customer, product_id=cola.id))
    assert err.value.fields == {"price": "validation.invalid"}
