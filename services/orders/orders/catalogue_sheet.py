"""Catalogue spreadsheet (B1): read a merchant's .xlsx into checked rows, write products back.

The columns and the rule for one row are here; reading the workbook and placing problems is
`crmkit.sheets`. Pure: bytes in, values out. The rules that need the database (upsert by barcode, categories by
name, archived products) live in `orders.service.catalogue_import`. Every problem names the row
and the column header as the merchant sees it, so the screen can point at the cell to fix.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from decimal import Decimal
from io import BytesIO

from openpyxl import Workbook
from openpyxl.styles import Font
from openpyxl.utils import get_column_letter

from crmkit.sheets import (
    CellError,
    SheetLayout,
    SheetProblem,
    SheetRead,
    SheetRow,
    cell_decimal,
    cell_text,
    fen_of_yuan,
    read_sheet,
)
from orders.domain.catalogue import BRAND_MAX, CATEGORY_NAME_MAX, LEVEL_MAX, NAME_MAX, UNIT_MAX

__all__ = ["MAX_ROWS", "SheetProblem", "SheetProduct", "SheetRead", "read_catalogue", "write_catalogue"]

MAX_ROWS = 5_000
BARCODE_MAX = 32
LEVEL_PREFIX = "等级价"
KIND_LABELS = {"goods": "商品", "reservation": "预约", "takeaway": "外卖", "in_store": "到店", "stored_value": "储值"}
LISTED_LABELS = {True: "是", False: "否"}

# Header -> SheetProduct field, in export order; level columns go between 批发价 and 商品类型.
HEADERS = {
    "条码": "barcode",
    "名称": "name",
    "一级分类": "category",
    "二级分类": "subcategory",
    "品牌": "brand",
    "单位": "unit",
    "批发价": "wholesale_price_fen",
    "商品类型": "kind",
    "上架": "listed",
}
REQUIRED_HEADERS = ("名称", "批发价")
WIDTHS = {"条码": 18, "名称": 32, "一级分类": 14, "二级分类": 14, "品牌": 14, "单位": 8, "批发价": 12}

_BARCODE = re.compile(r"[0-9A-Za-z]+")
_LEVEL_HEADER = re.compile(LEVEL_PREFIX + r"\s*[:：](.*)")  # Chinese input methods type the full-width colon


@dataclass(frozen=True)
class SheetProduct:
    row: int  # 1-based spreadsheet row it came from (0 when built for export)
    barcode: str
    name: str
    category: str  # top-level category name, may be ""
    subcategory: str  # second-level category name, may be ""
    brand: str
    unit: str
    wholesale_price_fen: int
    level_prices: dict[str, int]  # member level code -> fen
    kind: str  # "goods" | "reservation" | "takeaway" | "in_store" | "stored_value"
    listed: bool


def _barcode(value: object) -> str:
    text = cell_text(value)
    if text and not _BARCODE.fullmatch(text):
        raise CellError("validation.invalid")
    if len(text) > BARCODE_MAX:
        raise CellError("validation.too_long")
    return text


def _limited(maximum: int, *, required: bool = False):
    def parse(value: object) -> str:
        text = cell_text(value)
        if required and not text:
            raise CellError("validation.required")
        if len(text) > maximum:
            raise CellError("validation.too_long")
        return text

    return parse


def _fen(value: object) -> int | None:
    """Yuan with at most 2 decimals to exact integer fen; None for an empty cell."""
    amount = cell_decimal(value)
    if amount is None:
        return None
    if amount < 0:
        raise CellError("validation.negative")
    return fen_of_yuan(amount)


def _required_fen(value: object) -> int:
    if (fen := _fen(value)) is None:
        raise CellError("validation.required")
    return fen


def _choice(labels: dict, default: object):
    by_label = {label: code for code, label in labels.items()}

    def parse(value: object) -> object:
        text = cell_text(value)
        if not text:
            return default
        if text not in by_label:
            raise CellError("validation.invalid_choice")
        return by_label[text]

    return parse


_PARSERS = {
    "barcode": _barcode,
    "name": _limited(NAME_MAX, required=True),
    "category": _limited(CATEGORY_NAME_MAX),
    "subcategory": _limited(CATEGORY_NAME_MAX),
    "brand": _limited(BRAND_MAX),
    "unit": _limited(UNIT_MAX),
    "wholesale_price_fen": _required_fen,
    "kind": _choice(KIND_LABELS, "goods"),
    "listed": _choice(LISTED_LABELS, True),
}
_DEFAULTS = {"barcode": "", "category": "", "subcategory": "", "brand": "", "unit": "", "kind": "goods", "listed": True}


def _level_column(text: str) -> str | None:
    """ "等级价:A" is member level A's price column."""
    level = _LEVEL_HEADER.fullmatch(text)
    code = level.group(1).strip() if level else ""
    if len(code) > LEVEL_MAX:
        raise CellError("validation.too_long")
    return "level:" + code if code else None


LAYOUT = SheetLayout(
    headers=HEADERS,
    required=tuple(HEADERS[text] for text in REQUIRED_HEADERS),
    max_rows=MAX_ROWS,
    extra=_level_column,
)


def _product_rows():
    """The row rule: all problems of a row, and a repeated barcode reported on the later row,
    even when the first row is bad otherwise (its barcode cell alone counts)."""
    barcodes: set[str] = set()

    def product(row: SheetRow) -> tuple[SheetProduct | None, list[tuple[str, str]]]:
        values: dict[str, object] = dict(_DEFAULTS)
        levels: dict[str, int] = {}
        problems: list[tuple[str, str]] = []
        for target, value in row.cells.items():
            try:
                if target.startswith("level:"):
                    fen = _fen(value)
                    if fen is not None:
                        levels[target.removeprefix("level:")] = fen
                else:
                    values[target] = _PARSERS[target](value)
            except CellError as bad:
                problems.append((target, bad.key))
                values.pop(target, None)
        if values.get("subcategory") and "category" in values and not values["category"]:
            problems.append(("subcategory", "validation.invalid"))
        barcode = str(values.get("barcode", ""))
        if barcode in barcodes:
            # The first row keeps the barcode; a repeat is a copy-paste slip the merchant should see.
            problems.append(("barcode", "import.duplicate_barcode"))
        elif barcode:
            barcodes.add(barcode)
        if problems:
            return None, problems
        return SheetProduct(row=row.number, level_prices=levels, **values), problems

    return product


def read_catalogue(data: bytes) -> SheetRead:
    return read_sheet(data, LAYOUT, _product_rows())


def write_catalogue(products: list[SheetProduct]) -> bytes:
    """The import's own layout, so an export can be edited in Excel and imported again."""
    levels = sorted({level for p in products for level in p.level_prices})
    headers = [*list(HEADERS)[:7], *(f"{LEVEL_PREFIX}:{level}" for level in levels), *list(HEADERS)[7:]]
    workbook = Workbook()
    sheet = workbook.active
    sheet.title = "商品"
    for column, header in enumerate(headers, start=1):
        _put_text(sheet.cell(1, column), header).font = Font(bold=True)
        letter = get_column_letter(column)
        sheet.column_dimensions[letter].width = WIDTHS.get(header, 12)
    # Text format on the whole 条码 column, so barcodes the merchant adds in Excel stay text too.
    sheet.column_dimensions["A"].number_format = "@"
    sheet.freeze_panes = "A2"
    for row, p in enumerate(products, start=2):
        texts = [p.barcode, p.name, p.category, p.subcategory, p.brand, p.unit]
        prices = [p.wholesale_price_fen, *(p.level_prices.get(level) for level in levels)]
        for column, text in enumerate(texts, start=1):
            if text:
                _put_text(sheet.cell(row, column), text).number_format = "@"
        for column, fen in enumerate(prices, start=len(texts) + 1):
            if fen is not None:
                cell = sheet.cell(row, column, Decimal(fen).scaleb(-2))  # exact yuan, never a float
                cell.number_format = "0.00"
        _put_text(sheet.cell(row, len(headers) - 1), KIND_LABELS[p.kind])
        _put_text(sheet.cell(row, len(headers)), LISTED_LABELS[p.listed])
    out = BytesIO()
    workbook.save(out)
    return out.getvalue()


# What XML 1.0 (and so xlsx) cannot hold: control characters other than tab and newlines,
# surrogates and the noncharacters U+FFFE/U+FFFF. Excel refuses a file containing any of them.
_NOT_XML = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\ud800-\udfff\ufffe\uffff]")


def _put_text(cell, text: str):
    # Dropping characters xlsx cannot hold beats failing the whole export.
    cell.value = _NOT_XML.sub("", text)
    # Always a string: openpyxl would turn "=..." into a formula and "#N/A" into an error value.
    cell.data_type = "s"
    return cell
