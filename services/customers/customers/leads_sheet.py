"""Leads spreadsheet (C7): the columns of an .xlsx of leads and the rule for one row; reading the
workbook and naming each problem by row and column header is `crmkit.sheets`.

Pure: bytes in, values out. Dedupe against existing leads needs the database and lives in
`customers.service.leads`.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from crmkit.sheets import SheetLayout, SheetProblem, SheetRead, SheetRow, read_sheet
from customers.domain.activity import LeadInput, lead_problems

__all__ = ["MAX_ROWS", "SheetLead", "SheetProblem", "SheetRead", "read_leads"]

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
# Tags in one cell: commas (either width), the Chinese enumeration comma, semicolons or spaces.
_TAG_SPLIT = re.compile(r"[,，、;；\s]+")


@dataclass(frozen=True)
class SheetLead:
    row: int
    lead: LeadInput


def _union_id_spelling(text: str) -> str | None:
    """People type WeChat's "unionID" in any case."""
    return HEADERS.get(text.replace("UnionID", "unionID").replace("unionid", "unionID"))


LAYOUT = SheetLayout(
    headers=HEADERS,
    # Without a phone or a unionID column no row could ever be told apart from another person's.
    required=("name", ("phone", "union_id")),
    max_rows=MAX_ROWS,
    extra=_union_id_spelling,
)


def _lead(row: SheetRow) -> tuple[SheetLead | None, list[tuple[str, str]]]:
    values: dict[str, object] = {}
    for field in row.cells:
        cell = row.text(field)
        values[field] = tuple(t for t in _TAG_SPLIT.split(cell) if t) if field == "tags" else cell
    clean, errors = lead_problems(LeadInput(**values))
    if errors:
        # "phone or unionID" is reported on the phone column (or unionID when phone is absent).
        return None, [(field if row.has(field) else "union_id", key) for field, key in errors.items()]
    return SheetLead(row.number, clean), []


def read_leads(data: bytes) -> SheetRead:
    return read_sheet(data, LAYOUT, _lead)
