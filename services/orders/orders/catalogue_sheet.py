"""Catalogue spreadsheet (B1): read a merchant's .xlsx into checked rows, write products back.

Pure: bytes in, values out. The rules that need the database (upsert by barcode, categories by
name, archived products) live in `orders.service.catalogue_import`. Every problem names the row
and the column header as the merchant sees it, so the screen can point at the cell to fix.
"""

from __future__ import annotations

import math
import re
from dataclasses import dataclass
from decimal import Decimal
from io import BytesIO

from openpyxl import Workbook, load_workbook
from openpyxl.styles import Font
from openpyxl.utils import get_column_letter

from orders.domain.catalogue import BRAND_MAX, CATEGORY_NAME_MAX, LEVEL_MAX, NAME_MAX, UNIT_MAX

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
# Plain decimals only: Decimal() alone would also take "1_000", "1e3", "NaN" and "Infinity".
_NUMBER = re.compile(r"[+-]?(\d+(\.\d*)?|\.\d+)")
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


@dataclass(frozen=True)
class SheetProblem:
    row: int  # 1-based row (header row = 1); 0 for the whole file
    column: str  # header text as shown in the sheet, "" for whole-row/file problems
    message_key: str


@dataclass(frozen=True)
class SheetRead:
    rows: list[SheetProduct]
    problems: list[SheetProblem]


class _Bad(Exception):
    def __init__(self, key: str):
        self.key = key


def _text(value: object) -> str:
    if value is None:
        return ""
    if isinstance(value, float) and value.is_integer():
        value = int(value)  # a numeric barcode or name must keep its digits, never "6.90123e+12"
    return str(value).strip()


def _limited(maximum: int, *, required: bool = False):
    def parse(value: object) -> str:
        text = _text(value)
        if required and not text:
            raise _Bad("validation.required")
        if len(text) > maximum:
            raise _Bad("validation.too_long")
        return text

    return parse


def _barcode(value: object) -> str:
    text = _text(value)
    if text and not _BARCODE.fullmatch(text):
        raise _Bad("validation.invalid")
    if len(text) > BARCODE_MAX:
        raise _Bad("validation.too_long")
    return text


def _decimal(value: object) -> Decimal:
    if isinstance(value, bool):  # bool is an int to Python, not a price to the merchant
        raise _Bad("validation.not_a_number")
    if isinstance(value, int):
        return Decimal(value)
    if isinstance(value, float):
        if not math.isfinite(value):
            raise _Bad("validation.not_a_number")
        # Excel keeps 15 significant digits, so a cached =0.1+0.2 (0.30000000000000004) is the
        # 0.3 the merchant sees; repr() would call it too many decimals. 19.99 stays 19.99.
        return Decimal(format(value, ".15g"))
    text = _text(value)
    if not _NUMBER.fullmatch(text):
        raise _Bad("validation.not_a_number")
    return Decimal(text)


def _fen(value: object) -> int | None:
    """Yuan with at most 2 decimals to exact integer fen; None for an empty cell."""
    if _text(value) == "":
        return None
    amount = _decimal(value)
    if amount < 0:
        raise _Bad("validation.negative")
    _, digits, exponent = amount.as_tuple()
    # Digits below the fen place must be zeros ("12.300" is fine); integer arithmetic keeps it exact.
    if exponent < -2 and any(digits[max(0, len(digits) + exponent + 2) :]):
        raise _Bad("validation.too_many_decimals")
    number, shift = int("".join(map(str, digits)) or "0"), int(exponent) + 2
    return number * 10**shift if shift >= 0 else number // 10**-shift


def _required_fen(value: object) -> int:
    if (fen := _fen(value)) is None:
        raise _Bad("validation.required")
    return fen


def _choice(labels: dict, default: object):
    by_label = {label: code for code, label in labels.items()}

    def parse(value: object) -> object:
        text = _text(value)
        if not text:
            return default
        if text not in by_label:
            raise _Bad("validation.invalid_choice")
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


def _columns(header: tuple) -> tuple[list[tuple[int, str, str]], list[SheetProblem], bool]:
    """(index, header text, target) per known column, where target is a field name or
    "level:<code>"; header problems; and whether rows can be read at all."""
    columns, problems, seen = [], [], set()
    for index, value in enumerate(header):
        text = _text(value)
        if not text:
            continue  # a blank header is a spare column, not a mistake
        level = _LEVEL_HEADER.fullmatch(text)
        code = level.group(1).strip() if level else ""
        if text in HEADERS:
            target = HEADERS[text]
        elif len(code) > LEVEL_MAX:
            problems.append(SheetProblem(1, text, "validation.too_long"))
            continue
        elif code:
            target = "level:" + code
        else:
            problems.append(SheetProblem(1, text, "import.unknown_column"))
            continue
        if target in seen:
            # Two columns for one field: we cannot tell which the merchant meant.
            problems.append(SheetProblem(1, text, "import.duplicate_column"))
        seen.add(target)
        columns.append((index, text, target))
    for text in REQUIRED_HEADERS:
        if HEADERS[text] not in seen:
            problems.append(SheetProblem(1, text, "import.missing_column"))
    return columns, problems, not any(p.message_key in _FATAL for p in problems)


_FATAL = ("import.missing_column", "import.duplicate_column")


def _product(row: int, cells: tuple, columns: list) -> tuple[SheetProduct | None, list[SheetProblem], str]:
    """The row as a product (None if it has any problem), all its problems, and its barcode
    if that cell alone is valid, so a repeat is caught even on an otherwise bad row."""
    values: dict[str, object] = dict(_DEFAULTS)
    levels: dict[str, int] = {}
    problems: list[SheetProblem] = []
    for index, header, target in columns:
        value = cells[index] if index < len(cells) else None
        try:
            if target.startswith("level:"):
                fen = _fen(value)
                if fen is not None:
                    levels[target.removeprefix("level:")] = fen
            else:
                values[target] = _PARSERS[target](value)
        except _Bad as bad:
            problems.append(SheetProblem(row, header, bad.key))
            values.pop(target, None)
    if values.get("subcategory") and "category" in values and not values["category"]:
        problems.append(SheetProblem(row, _header_of(columns, "subcategory"), "validation.invalid"))
    barcode = str(values.get("barcode", ""))
    if problems:
        return None, problems, barcode
    return SheetProduct(row=row, level_prices=levels, **values), problems, barcode


def _load(data: bytes) -> list[tuple]:
    """Header row then (row number, cells) of each non-empty row, at most MAX_ROWS + 1 of them,
    so a huge sheet stops being read once it is known to be too big."""
    # data_only: a formula cell gives the value Excel cached, which is what the merchant saw.
    workbook = load_workbook(BytesIO(data), read_only=True, data_only=True)
    try:
        sheet = workbook.worksheets[0]
        sheet.reset_dimensions()  # some writers record a wrong size; read what is really there
        rows = sheet.iter_rows(values_only=True)
        loaded: list[tuple] = [next(rows, ())]
        for number, cells in enumerate(rows, start=2):
            if any(_text(value) for value in cells):
                loaded.append((number, cells))
                if len(loaded) > MAX_ROWS + 1:
                    break
        return loaded
    finally:
        workbook.close()


def read_catalogue(data: bytes) -> SheetRead:
    try:
        header, *rows = _load(data)
    except Exception:  # any damage (not a zip, not xlsx, broken XML) means the same to the merchant
        return SheetRead([], [SheetProblem(0, "", "import.unreadable_file")])
    columns, problems, readable = _columns(header)
    if not readable:
        return SheetRead([], problems)
    if len(rows) > MAX_ROWS:
        return SheetRead([], [SheetProblem(0, "", "import.too_many_rows")])
    position = {header: index for index, header, _ in columns}  # report a row's cells left to right
    products: list[SheetProduct] = []
    barcodes: set[str] = set()
    for number, cells in rows:
        product, row_problems, barcode = _product(number, cells, columns)
        if barcode in barcodes:
            # The first row keeps the barcode; a repeat is a copy-paste slip the merchant should see.
            row_problems.append(SheetProblem(number, _header_of(columns, "barcode"), "import.duplicate_barcode"))
            product = None
        elif barcode:
            barcodes.add(barcode)
        problems.extend(sorted(row_problems, key=lambda p: position[p.column]))
        if product is not None:
            products.append(product)
    return SheetRead(products, problems)


def _header_of(columns: list, target: str) -> str:
    return next(header for _, header, t in columns if t == target)


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
