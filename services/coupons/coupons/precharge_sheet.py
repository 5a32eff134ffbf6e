"""Pre-charge spreadsheet (E8): a corporate client's .xlsx of customers (phone) and amounts, read
into checked rows. Pure: bytes in, values out; whether a phone is a customer of the tenant is the
use case's question. Every problem names the row and the column header as the merchant sees it.

Columns: 手机号 (required), 金额 (yuan, required, at most 2 decimals), 备注 (optional).
"""

from __future__ import annotations

import math
import re
from dataclasses import dataclass
from decimal import Decimal, InvalidOperation
from io import BytesIO

from openpyxl import Workbook, load_workbook

PHONE = "手机号"
AMOUNT = "金额"
NOTE = "备注"
HEADERS = (PHONE, AMOUNT, NOTE)
MAX_ROWS = 2_000
MAX_ROW_FEN = 10**9  # 10 million yuan per person: more is a typing error
_PHONE = re.compile(r"1\d{10}")
_NUMBER = re.compile(r"(\d+(\.\d*)?|\.\d+)")


@dataclass(frozen=True)
class SheetRow:
    row: int  # 1-based spreadsheet row (header = 1)
    phone: str
    amount_fen: int
    note: str


@dataclass(frozen=True)
class SheetProblem:
    row: int  # 0 for the whole file
    column: str
    message_key: str


def _text(value: object) -> str:
    if value is None:
        return ""
    if isinstance(value, float) and value.is_integer():
        value = int(value)  # a phone typed as a number must keep its digits
    return str(value).strip()


def _fen(value: object) -> int:
    """Yuan to exact fen; raises KeyError-free ValueError with the i18n key."""
    if isinstance(value, bool):
        raise ValueError("validation.not_a_number")
    if isinstance(value, int):
        amount = Decimal(value)
    elif isinstance(value, float):
        if not math.isfinite(value):
            raise ValueError("validation.not_a_number")
        amount = Decimal(format(value, ".15g"))  # what Excel shows, not the binary float
    else:
        text = _text(value)
        if not text:
            raise ValueError("validation.required")
        if not _NUMBER.fullmatch(text):
            raise ValueError("validation.not_a_number")
        try:
            amount = Decimal(text)
        except InvalidOperation:
            raise ValueError("validation.not_a_number") from None
    fen = amount * 100
    if fen != fen.to_integral_value():
        raise ValueError("validation.too_many_decimals")
    fen = int(fen)
    if fen <= 0:
        raise ValueError("validation.invalid")
    if fen > MAX_ROW_FEN:
        raise ValueError("validation.invalid")
    return fen


def read(data: bytes) -> tuple[list[SheetRow], list[SheetProblem]]:
    try:
        book = load_workbook(BytesIO(data), read_only=True, data_only=True)
    except Exception:  # openpyxl raises many types for a file that is not .xlsx
        return [], [SheetProblem(0, "", "validation.not_xlsx")]
    try:
        sheet = book.worksheets[0]
        rows = sheet.iter_rows(values_only=True)
        header = [_text(v) for v in next(rows, ())]
        problems = [SheetProblem(1, h, "validation.required") for h in (PHONE, AMOUNT) if h not in header]
        if problems:
            return [], problems
        col = {h: header.index(h) for h in HEADERS if h in header}
        out: list[SheetRow] = []
        seen: dict[str, int] = {}
        for number, values in enumerate(rows, start=2):
            cells = list(values) + [None] * len(header)
            if all(_text(v) == "" for v in cells):
                continue  # blank lines between blocks are common in hand-made sheets
            if len(out) + len(problems) >= MAX_ROWS:
                problems.append(SheetProblem(number, "", "validation.too_long"))
                break
            bad = False
            phone = _text(cells[col[PHONE]])
            if not phone:
                problems.append(SheetProblem(number, PHONE, "validation.required"))
                bad = True
            elif not _PHONE.fullmatch(phone):
                problems.append(SheetProblem(number, PHONE, "validation.phone_invalid"))
                bad = True
            elif phone in seen:
                # Twice in one sheet is almost always a copy-paste slip; the merchant decides.
                problems.append(SheetProblem(number, PHONE, "validation.duplicate"))
                bad = True
            try:
                fen = _fen(cells[col[AMOUNT]])
            except ValueError as err:
                problems.append(SheetProblem(number, AMOUNT, str(err)))
                bad = True
            note = _text(cells[col[NOTE]]) if NOTE in col else ""
            if len(note) > 200:
                problems.append(SheetProblem(number, NOTE, "validation.too_long"))
                bad = True
            if not bad:
                seen[phone] = number
                out.append(SheetRow(number, phone, fen, note))
        if not out and not problems:
            problems.append(SheetProblem(0, "", "validation.required"))
        return out, problems
    finally:
        book.close()


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
