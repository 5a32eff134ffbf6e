"""Reading a merchant's .xlsx into checked rows, every problem named by row and column header as
the merchant sees them, so a screen can point at the cell to fix (B1 catalogue, C7 leads, E8
pre-charge).

The reader owns the file's shape: an unreadable file, the header row (unknown, repeated and
missing columns), blank rows, the row limit, and where a problem is reported. A service gives
its columns (`SheetLayout`) and its rule for one row; the rule sees cells by field name and
answers with a value or problems by field name. Pure: bytes in, values out.
"""

from __future__ import annotations

import math
import re
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass
from decimal import Decimal
from io import BytesIO
from typing import Generic, TypeVar

from openpyxl import load_workbook

T = TypeVar("T")

# File and header problems, the same words for every sheet (i18n keys in the gateway).
UNREADABLE_FILE = "import.unreadable_file"
TOO_MANY_ROWS = "import.too_many_rows"
UNKNOWN_COLUMN = "import.unknown_column"
DUPLICATE_COLUMN = "import.duplicate_column"
MISSING_COLUMN = "import.missing_column"
# With either of these the rows cannot be read at all: we cannot tell which column is meant.
_FATAL = (DUPLICATE_COLUMN, MISSING_COLUMN)

# Plain decimals only: Decimal() alone would also take "1_000", "1e3", "NaN" and "Infinity".
_SIGNED_NUMBER = re.compile(r"[+-]?(\d+(\.\d*)?|\.\d+)")
_NUMBER = re.compile(r"(\d+(\.\d*)?|\.\d+)")


@dataclass(frozen=True)
class SheetProblem:
    row: int  # 1-based spreadsheet row (header row = 1); 0 for the whole file
    column: str  # header text as shown in the sheet; "" for whole-row or whole-file problems
    message_key: str


@dataclass(frozen=True)
class SheetRead(Generic[T]):
    rows: list[T]
    problems: list[SheetProblem]


class CellError(Exception):
    """A cell (or a header) that cannot be taken; `key` is the i18n key a person is shown."""

    def __init__(self, key: str):
        super().__init__(key)
        self.key = key


@dataclass(frozen=True)
class SheetLayout:
    """What a sheet's header row may hold.

    headers: header text -> field name (several texts may name one field);
    required: fields that must have a column, each a field or a tuple of fields of which one is
      enough (reported under the first one's header);
    extra: for a header not in `headers`, its field name (or None when unknown); it may raise
      CellError for a header it recognises but cannot take (a too-long level code);
    ignore_unknown: columns we do not know are the client's own notes, not a mistake.
    """

    headers: Mapping[str, str]
    required: tuple[str | tuple[str, ...], ...]
    max_rows: int
    extra: Callable[[str], str | None] | None = None
    ignore_unknown: bool = False

    def header_of(self, field: str) -> str:
        return next(text for text, f in self.headers.items() if f == field)


@dataclass(frozen=True)
class SheetRow:
    """One non-blank row: its raw cells by field, for the columns the sheet has."""

    number: int
    cells: Mapping[str, object]

    def text(self, field: str) -> str:
        return cell_text(self.cells.get(field))

    def has(self, field: str) -> bool:
        return field in self.cells


# What a row rule answers: the row's value (None when it has problems) and its problems as
# (field, message key), reported under that field's column.
RowRule = Callable[[SheetRow], tuple[T | None, Iterable[tuple[str, str]]]]


def cell_text(value: object) -> str:
    if value is None:
        return ""
    if isinstance(value, float) and value.is_integer():
        value = int(value)  # a barcode or phone typed as a number must keep its digits, never "1.38e+10"
    return str(value).strip()


def cell_decimal(value: object, *, signed: bool = True) -> Decimal | None:
    """A number cell as the exact decimal the merchant sees; None for a blank cell."""
    if isinstance(value, bool):  # bool is an int to Python, not an amount to the merchant
        raise CellError("validation.not_a_number")
    if isinstance(value, int):
        return Decimal(value)
    if isinstance(value, float):
        if not math.isfinite(value):
            raise CellError("validation.not_a_number")
        # Excel keeps 15 significant digits, so a cached =0.1+0.2 (0.30000000000000004) is the
        # 0.3 the merchant sees; repr() would call it too many decimals. 19.99 stays 19.99.
        return Decimal(format(value, ".15g"))
    text = cell_text(value)
    if not text:
        return None
    if not (_SIGNED_NUMBER if signed else _NUMBER).fullmatch(text):
        raise CellError("validation.not_a_number")
    return Decimal(text)


def fen_of_yuan(amount: Decimal) -> int:
    """Yuan with at most 2 decimals to exact integer fen."""
    _, digits, exponent = amount.as_tuple()
    # Digits below the fen place must be zeros ("12.300" is fine); integer arithmetic keeps it exact.
    if exponent < -2 and any(digits[max(0, len(digits) + exponent + 2) :]):
        raise CellError("validation.too_many_decimals")
    number, shift = int("".join(map(str, digits)) or "0"), int(exponent) + 2
    fen = number * 10**shift if shift >= 0 else number // 10**-shift
    return -fen if amount.is_signed() else fen


def read_sheet(data: bytes, layout: SheetLayout, rule: RowRule[T]) -> SheetRead[T]:
    """Every non-blank row of the first sheet through `rule`; rows with problems are left out
    and their problems reported, a row's cells left to right."""
    try:
        header, *rows = _load(data, layout.max_rows)
    except Exception:  # any damage (not a zip, not xlsx, broken XML) means the same to the merchant
        return SheetRead([], [SheetProblem(0, "", UNREADABLE_FILE)])
    columns, problems = _columns(header, layout)
    if any(p.message_key in _FATAL for p in problems):
        return SheetRead([], problems)
    if len(rows) > layout.max_rows:
        return SheetRead([], [SheetProblem(0, "", TOO_MANY_ROWS)])
    header_of = {field: text for _, text, field in columns}
    position = {field: i for i, (_, _, field) in enumerate(columns)}
    values: list[T] = []
    for number, cells in rows:
        row = SheetRow(number, {field: cells[i] if i < len(cells) else None for i, _, field in columns})
        value, found = rule(row)
        found = sorted(found, key=lambda p: position.get(p[0], len(position)))
        problems.extend(SheetProblem(number, header_of.get(field, ""), key) for field, key in found)
        if value is not None and not found:
            values.append(value)
    return SheetRead(values, problems)


def _load(data: bytes, max_rows: int) -> list[tuple]:
    """Header row then (row number, cells) of each non-blank row, at most max_rows + 1 of them,
    so a huge sheet stops being read once it is known to be too big."""
    # data_only: a formula cell gives the value Excel cached, which is what the merchant saw.
    workbook = load_workbook(BytesIO(data), read_only=True, data_only=True)
    try:
        sheet = workbook.worksheets[0]
        sheet.reset_dimensions()  # some writers record a wrong size; read what is really there
        rows = sheet.iter_rows(values_only=True)
        loaded: list[tuple] = [next(rows, ())]
        for number, cells in enumerate(rows, start=2):
            # Blank lines between blocks are common in hand-made sheets; they keep their numbers.
            if any(cell_text(value) for value in cells):
                loaded.append((number, cells))
                if len(loaded) > max_rows + 1:
                    break
        return loaded
    finally:
        workbook.close()


def _columns(header: tuple, layout: SheetLayout) -> tuple[list[tuple[int, str, str]], list[SheetProblem]]:
    """(index, header text, field) per known column, and the header's problems."""
    columns: list[tuple[int, str, str]] = []
    problems: list[SheetProblem] = []
    seen: set[str] = set()
    for index, value in enumerate(header):
        text = cell_text(value)
        if not text:
            continue  # a blank header is a spare column, not a mistake
        try:
            field = layout.headers.get(text) or (layout.extra(text) if layout.extra else None)
        except CellError as bad:
            problems.append(SheetProblem(1, text, bad.key))
            continue
        if field is None:
            if not layout.ignore_unknown:
                problems.append(SheetProblem(1, text, UNKNOWN_COLUMN))
            continue
        if field in seen:
            problems.append(SheetProblem(1, text, DUPLICATE_COLUMN))
            continue
        seen.add(field)
        columns.append((index, text, field))
    for need in layout.required:
        choices = (need,) if isinstance(need, str) else need
        if not seen.intersection(choices):
            problems.append(SheetProblem(1, layout.header_of(choices[0]), MISSING_COLUMN))
    return columns, problems
