"""Leads spreadsheet (C7): read an .xlsx into checked leads, every problem named by row and
column header as the merchant sees them (the approach of orders.catalogue_sheet).

Pure: bytes in, values out. Dedupe against existing leads needs the database and lives in
`customers.service.leads`.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from io import BytesIO

from openpyxl import load_workbook

from customers.domain.activity import LeadInput, lead_problems

MAX_ROWS = 5_000

# Header -> LeadInput field.
HEADERS = {
    "姓名": "name",
    "手机号": "phone",
    "微信unionID": "union_id",
    "公司": "company",
    "备注": "note",
    "标签": "tags",
}
REQUIRED_HEADERS = ("姓名",)
# Tags in one cell: commas (either width), the Chinese enumeration comma, semicolons or spaces.
_TAG_SPLIT = re.compile(r"[,，、;；\s]+")


@dataclass(frozen=True)
class SheetLead:
    row: int
    lead: LeadInput


@dataclass(frozen=True)
class SheetProblem:
    row: int  # 1-based row (header row = 1); 0 for the whole file
    column: str  # header text as shown in the sheet; "" for whole-file problems
    message_key: str


@dataclass(frozen=True)
class SheetRead:
    rows: list[SheetLead]
    problems: list[SheetProblem]


def _text(value: object) -> str:
    if value is None:
        return ""
    if isinstance(value, float) and value.is_integer():
        value = int(value)  # a phone typed as a number must keep its digits, never "1.38e+10"
    return str(value).strip()


def _load(data: bytes) -> list[tuple]:
    workbook = load_workbook(BytesIO(data), read_only=True, data_only=True)
    try:
        sheet = workbook.worksheets[0]
        sheet.reset_dimensions()
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


def _columns(header: tuple) -> tuple[list[tuple[int, str, str]], list[SheetProblem]]:
    columns, problems, seen = [], [], set()
    for index, value in enumerate(header):
        text = _text(value)
        if not text:
            continue
        target = HEADERS.get(text) or HEADERS.get(text.replace("UnionID", "unionID").replace("unionid", "unionID"))
        if target is None:
            problems.append(SheetProblem(1, text, "import.unknown_column"))
            continue
        if target in seen:
            problems.append(SheetProblem(1, text, "import.duplicate_column"))
            continue
        seen.add(target)
        columns.append((index, text, target))
    for text in REQUIRED_HEADERS:
        if HEADERS[text] not in seen:
            problems.append(SheetProblem(1, text, "import.missing_column"))
    if "phone" not in seen and "union_id" not in seen:
        # Without either column no row could ever be told apart from another person's.
        problems.append(SheetProblem(1, "手机号", "import.missing_column"))
    return columns, problems


def read_leads(data: bytes) -> SheetRead:
    try:
        header, *rows = _load(data)
    except Exception:  # not a zip, not xlsx, broken XML: the same to the merchant
        return SheetRead([], [SheetProblem(0, "", "import.unreadable_file")])
    columns, problems = _columns(header)
    if any(p.message_key in ("import.missing_column", "import.duplicate_column") for p in problems):
        return SheetRead([], problems)
    if len(rows) > MAX_ROWS:
        return SheetRead([], [SheetProblem(0, "", "import.too_many_rows")])
    header_of = {target: text for _, text, target in columns}
    order = {text: i for i, (_, text, _) in enumerate(columns)}
    leads: list[SheetLead] = []
    for number, cells in rows:
        values: dict[str, object] = {}
        for index, _, target in columns:
            cell = _text(cells[index] if index < len(cells) else None)
            values[target] = tuple(t for t in _TAG_SPLIT.split(cell) if t) if target == "tags" else cell
        clean, errors = lead_problems(LeadInput(**values))
        if errors:
            # "phone or unionID" is reported on the phone column (or unionID when phone is absent).
            row_problems = [
                SheetProblem(number, header_of.get(field) or header_of.get("union_id", ""), key)
                for field, key in errors.items()
            ]
            problems.extend(sorted(row_problems, key=lambda p: order.get(p.column, 99)))
            continue
        leads.append(SheetLead(number, clean))
    return SheetRead(leads, problems)
