"""Pre-charge spreadsheet (E8): a corporate client's .xlsx of customers (phone) and amounts, read
into checked rows by `crmkit.sheets` with the columns and row rule below. Pure: bytes in, values
out; whether a phone is a customer of the tenant is the use case's question.

Columns: 手机号 (required), 金额 (yuan, required, at most 2 decimals), 备注 (optional).
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from io import BytesIO

from openpyxl import Workbook

from crmkit import sheets
from crmkit.sheets import CellError, SheetLayout, SheetProblem, cell_decimal, fen_of_yuan, read_sheet

__all__ = ["AMOUNT", "NOTE", "PHONE", "SheetProblem", "SheetRow", "read", "template"]

PHONE = "手机号"
AMOUNT = "金额"
NOTE = "备注"
HEADERS = (PHONE, AMOUNT, NOTE)
MAX_ROWS = 2_000
MAX_ROW_FEN = 10**9  # 10 million yuan per person: more is a typing error
NOTE_MAX = 200
_PHONE = re.compile(r"1\d{10}")

LAYOUT = SheetLayout(
    headers={PHONE: "phone", AMOUNT: "amount", NOTE: "note"},
    required=("phone", "amount"),
    max_rows=MAX_ROWS,
    # A corporate client's sheet often carries its own columns (department, staff number).
    ignore_unknown=True,
)


@dataclass(frozen=True)
class SheetRow:
    row: int  # 1-based spreadsheet row (header = 1)
    phone: str
    amount_fen: int
    note: str


def _fen(value: object) -> int:
    """Yuan, positive, at most 2 decimals, to exact fen; a sign typed in the cell is not a number."""
    amount = cell_decimal(value, signed=False)
    if amount is None:
        raise CellError("validation.required")
    fen = fen_of_yuan(amount)
    if not 0 < fen <= MAX_ROW_FEN:
        raise CellError("validation.invalid")
    return fen


def _rows():
    seen: set[str] = set()

    def row_of(row: sheets.SheetRow) -> tuple[SheetRow | None, list[tuple[str, str]]]:
        problems: list[tuple[str, str]] = []
        phone = row.text("phone")
        if not phone:
            problems.append(("phone", "validation.required"))
        elif not _PHONE.fullmatch(phone):
            problems.append(("phone", "validation.phone_invalid"))
        elif phone in seen:
            # Twice in one sheet is almost always a copy-paste slip; the merchant decides.
            problems.append(("phone", "validation.duplicate"))
        fen = 0
        try:
            fen = _fen(row.cells["amount"])
        except CellError as bad:
            problems.append(("amount", bad.key))
        note = row.text("note")
        if len(note) > NOTE_MAX:
            problems.append(("note", "validation.too_long"))
        if problems:
            return None, problems
        seen.add(phone)
        return SheetRow(row.number, phone, fen, note), problems

    return row_of


def read(data: bytes) -> tuple[list[SheetRow], list[SheetProblem]]:
    sheet = read_sheet(data, LAYOUT, _rows())
    if not sheet.rows and not sheet.problems:
        return [], [SheetProblem(0, "", "validation.required")]  # a header and nothing to charge
    return sheet.rows, sheet.problems


def template(rows: list[tuple[str, str, str]] = ()) -> bytes:
    """The downloadable template (also used by tests to build sheets)."""
    book = Workbook()
    sheet = book.active
    sheet.title = "空中充值"
    sheet.append(list(HEADERS))
    for r in rows:
        sheet.append(list(r))
    out = BytesIO()
    book.save(out)
    return out.getvalue()
