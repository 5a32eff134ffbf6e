"""The wholesale catalogue (B1): categories, products, listing, stock, customer prices, and the
.xlsx import and export."""

from __future__ import annotations

import io

from apiflask import APIBlueprint
from apiflask.schemas import FileSchema
from flask import send_file

from crm.orders.v1 import orders_pb2 as pb
from crmkit.protos import money
from gateway.api.calls import call
from gateway.api.catalogue_schemas import (
    CategoriesOut,
    CategoryIn,
    CategoryOut,
    CustomerPriceIn,
    CustomerPriceOut,
    DeletedOut,
    ImportFileIn,
    ImportOut,
    ImportQuery,
    ListingIn,
    ProductIn,
    ProductListOut,
    ProductOut,
    ProductQuery,
    StockIn,
    StockLevelOut,
    category_dict,
    product_dict,
    product_input,
)
from gateway.api.change_schemas import ChangesOut, ChangesQuery, changes_of
from gateway.api.common import READ_ERRORS, SECURED, WRITE_ERRORS, page_out, page_request
from gateway.api.uploads import SPREADSHEET_TIMEOUT, accepts_upload, problems_out, read_xlsx
from gateway.auth import staff_only
from gateway.idempotency import idempotent

bp = APIBlueprint("catalogue", __name__, tag="Catalogue", url_prefix="/api/v1")

XLSX_MIME = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


@bp.get("/categories")
@bp.doc(operation_id="listCategories", security=SECURED, responses=[401, 403, 429, 503])
@staff_only
@bp.output(CategoriesOut)
def list_categories():
    """List the tenant's product categories (two levels)"""
    reply = call("orders", "ListCategories", pb.ListCategoriesRequest())
    return {"categories": [category_dict(c) for c in reply.categories]}


@bp.post("/categories")
@bp.doc(operation_id="createCategory", security=SECURED, responses=[400, 401, 403, 404, 409, 422, 429, 503])
@staff_only
@idempotent
@bp.input(CategoryIn, arg_name="body")
@bp.output(CategoryOut, status_code=201)
def create_category(body):
    """Create a category (owner or store manager); `parent_id` makes it second-level"""
    request = pb.CreateCategoryRequest(name=body["name"], parent_id=body["parent_id"])
    return category_dict(call("orders", "CreateCategory", request))


@bp.get("/products")
@bp.doc(operation_id="listProducts", security=SECURED, responses=READ_ERRORS)
@staff_only
@bp.input(ProductQuery, location="query", arg_name="query")
@bp.output(ProductListOut)
def list_products(query):
    """List or search products: by name (`q`), scanned barcode, category, listed only"""
    request = pb.ListProductsRequest(
        page=page_request(query),
        query=query["q"].strip(),
        barcode=query["barcode"].strip(),
        category_id=query["category_id"],
        listed_only=query["listed_only"],
    )
    reply = call("orders", "ListProducts", request)
    return {"products": [product_dict(p) for p in reply.products], "page": page_out(reply.page)}


@bp.post("/products")
@bp.doc(operation_id="createProduct", security=SECURED, responses=[400, 401, 403, 404, 409, 422, 429, 503])
@staff_only
@idempotent
@bp.input(ProductIn, arg_name="body")
@bp.output(ProductOut, status_code=201)
def create_product(body):
    """Create a product (owner or store manager)"""
    return product_dict(call("orders", "CreateProduct", pb.CreateProductRequest(product=product_input(body))))


@bp.get("/products/<string:product_id>")
@bp.doc(operation_id="getProduct", security=SECURED, responses=READ_ERRORS)
@staff_only
@bp.output(ProductOut)
def get_product(product_id):
    """Get one product, with its stock per store"""
    return product_dict(call("orders", "GetProduct", pb.GetProductRequest(id=product_id)))


@bp.put("/products/<string:product_id>")
@bp.doc(operation_id="updateProduct", security=SECURED, responses=WRITE_ERRORS)
@staff_only
@bp.input(ProductIn, arg_name="body")
@bp.output(ProductOut)
def update_product(product_id, body):
    """Replace a product's editable fields"""
    request = pb.UpdateProductRequest(id=product_id, product=product_input(body))
    return product_dict(call("orders", "UpdateProduct", request))


@bp.delete("/products/<string:product_id>")
@bp.doc(operation_id="deleteProduct", security=SECURED, responses=READ_ERRORS)
@staff_only
@bp.output(DeletedOut)
def delete_product(product_id):
    """Delete a product; one that was ever ordered is archived instead (`archived: true`)"""
    return {"archived": call("orders", "DeleteProduct", pb.DeleteProductRequest(id=product_id)).archived}


@bp.post("/products/<string:product_id>/listing")
@bp.doc(operation_id="setProductListed", security=SECURED, responses=READ_ERRORS)
@staff_only
@bp.input(ListingIn, arg_name="body")
@bp.output(ProductOut)
def set_product_listed(product_id, body):
    """List a product for ordering, or take it off"""
    request = pb.SetProductListedRequest(id=product_id, listed=body["listed"])
    return product_dict(call("orders", "SetProductListed", request))


@bp.put("/products/<string:product_id>/stock/<string:store_id>")
@bp.doc(operation_id="setStock", security=SECURED, responses=READ_ERRORS)
@staff_only
@bp.input(StockIn, arg_name="body")
@bp.output(StockLevelOut)
def set_stock(product_id, store_id, body):
    """Set a product's stock in a store to a counted quantity, with the reason"""
    request = pb.SetStockRequest(
        product_id=product_id, store_id=store_id, quantity=body["quantity"], reason=body["reason"]
    )
    level = call("orders", "SetStock", request)
    return {"product_id": level.product_id, "store_id": level.store_id, "quantity": level.quantity}


@bp.put("/customers/<string:customer_id>/prices/<string:product_id>")
@bp.doc(operation_id="setCustomerPrice", security=SECURED, responses=READ_ERRORS)
@staff_only
@bp.input(CustomerPriceIn, arg_name="body")
@bp.output(CustomerPriceOut)
def set_customer_price(customer_id, product_id, body):
    """Set the price of a product for one customer"""
    request = pb.SetCustomerPriceRequest(customer_id=customer_id, product_id=product_id, price=money(body["price_fen"]))
    price = call("orders", "SetCustomerPrice", request)
    return {"customer_id": price.customer_id, "product_id": price.product_id, "price_fen": price.price.fen}


@bp.post("/catalogue/import")
@bp.doc(operation_id="importCatalogue", security=SECURED, responses=[400, 401, 403, 413, 429, 503])
@staff_only
@accepts_upload
@bp.input(ImportQuery, location="query", arg_name="query")
@bp.input(ImportFileIn, location="files", arg_name="files")
@bp.output(ImportOut)
def import_catalogue(query, files):
    """Import products from an .xlsx (multipart field `file`, at most 5 MB)

    Rows match existing products by barcode (update) or are created. Problems are reported by
    row and column; those rows are skipped. `dry_run=true` checks and writes nothing.
    Not idempotent by key: a re-upload of the same sheet updates the same products again.
    """
    data = read_xlsx(files["file"])
    request = pb.ImportCatalogueRequest(xlsx=data, dry_run=query["dry_run"])
    reply = call("orders", "ImportCatalogue", request, timeout=SPREADSHEET_TIMEOUT)
    problems = problems_out(reply.problems)
    return {"created": reply.created, "updated": reply.updated, "dry_run": reply.dry_run, "problems": problems}


@bp.get("/catalogue/export")
@bp.doc(operation_id="exportCatalogue", security=SECURED, responses=[401, 403, 429, 503])
@staff_only
@bp.output(FileSchema(type="string", format="binary"), content_type=XLSX_MIME, description="The catalogue .xlsx")
def export_catalogue():
    """Download the catalogue as .xlsx (the same columns the import reads)"""
    reply = call("orders", "ExportCatalogue", pb.ExportCatalogueRequest(), timeout=SPREADSHEET_TIMEOUT)
    # send_file writes both filename= (ASCII) and filename*= (UTF-8) for a Chinese file name.
    return send_file(
        io.BytesIO(reply.xlsx),
        mimetype=XLSX_MIME,
        as_attachment=True,
        download_name=reply.filename or "catalogue.xlsx",
        max_age=0,
    )


@bp.get("/products/<string:product_id>/changes")
@bp.doc(operation_id="listProductChanges", security=SECURED, responses=READ_ERRORS)
@staff_only
@bp.input(ChangesQuery, location="query", arg_name="query")
@bp.output(ChangesOut)
def list_product_changes(product_id, query):
    """Who changed the product, what and when (A1 change log)

    Newest first, paged; each entry names who (staff, service or a scheduled job), when, and the
    changed fields before and after. Any staff member may read it, as the catalogue; the log is
    kept after the product is archived or deleted.
    """
    return changes_of("orders", "ListProductChanges", product_id, query)
