"""crmkit.sheets: the one .xlsx reader of the imports (B1 catalogue, C7 leads, E8 pre-charge).
The services' own tests cover their columns and row rules; these cover the reader's."""

import io
from decimal import Decimal

import pytest
from openpyxl import Workbook

from crmkit.sheets import (
    CellError,
    SheetLayout,
    SheetProblem,
    SheetRead,
    cell_decimal,
    fen_of_yuan,
    read_sheet,
)

LAYOUT = SheetLayout(
    headers={"名称": "name", "手机号": "phone", "微信": "wechat"}, required=("name", ("phone", "wechat")), max_rows=3
)


def xlsx(*rows) -> bytes:
    workbook = Workbook()
    for row in rows:
        workbook.active.append(row)
    out = io.BytesIO()
    workbook.save(out)
    return out.getvalue()


def names(row):
    if not row.text("name"):
        return None, [("name", "validation.required")]
    return (row.number, row.text("name"), row.text("phone")), []


def test_i12_rows_keep_their_sheet_numbers_across_blank_rows():
    got = read_sheet(xlsx(["名称", "手机号"], ["甲", 13800000001], [None, " "], ["", "x"], ["乙"]), LAYOUT, names)
    assert got == SheetRead([(2, "甲", "13800000001"), (5, "乙", "")], [SheetProblem(4, "名称", "validation.required")])


def test_i12_one_of_several_columns_is_enough_and_missing_both_names_the_first():
    assert read_sheet(xlsx(["名称", "微信"], ["甲", "w"]), LAYOUT, names).problems == []
    got = read_sheet(xlsx(["名称", "备注"], ["甲", "x"]), LAYOUT, names)
    assert got == SheetRead(
        [], [SheetProblem(1, "备注", "import.unknown_column"), SheetProblem(1, "手机号", "import.missing_column")]
    )


def test_i12_unknown_columns_may_be_ignored_and_a_repeated_one_stops_the_read():
    quiet = SheetLayout(headers=LAYOUT.headers, required=LAYOUT.required, max_rows=3, ignore_unknown=True)
    assert read_sheet(xlsx(["名称", "手机号", "部门"], ["甲", 1, "x"]), quiet, names).problems == []
    got = read_sheet(xlsx(["名称", "手机号", "名称"], ["甲", 1, "乙"]), LAYOUT, names)
    assert got == SheetRead([], [SheetProblem(1, "名称", "import.duplicate_column")])


def test_i12_a_header_the_layout_recognises_but_refuses_is_reported_on_row_1():
    def level(text):
        if text.startswith("等级"):
            raise CellError("validation.too_long")
        return None

    layout = SheetLayout(headers=LAYOUT.headers, required=("name",), max_rows=3, extra=level)
    got = read_sheet(xlsx(["名称", "等级XXXXXXXX"], ["甲", 1]), layout, names)
    assert got.problems == [SheetProblem(1, "等级XXXXXXXX", "validation.too_long")]
    assert [r[1] for r in got.rows] == ["甲"]


@pytest.mark.parametrize("data", [b"", b"not a workbook", xlsx(["名称"], ["甲"])[:300]])
def test_i12_an_unreadable_file_is_one_problem(data):
    assert read_sheet(data, LAYOUT, names) == SheetRead([], [SheetProblem(0, "", "import.unreadable_file")])


def test_i12_more_rows_than_the_layout_allows_are_refused_whole():
    got = read_sheet(xlsx(["名称", "手机号"], *([f"n{i}", 1] for i in range(4))), LAYOUT, names)
    assert got == SheetRead([], [SheetProblem(0, "", "import.too_many_rows")])


@pytest.mark.parametrize(
    ("cell", "signed", "fen"),
    [(12.3, True, 1230), ("0.07", True, 7), ("-1.5", True, -150), (7, False, 700), ("12.300", False, 1230)],
)
def test_i12_yuan_cells_become_exact_fen(cell, signed, fen):
    assert fen_of_yuan(cell_decimal(cell, signed=signed)) == fen


@pytest.mark.parametrize(("cell", "key"), [("-1", "validation.not_a_number"), (True, "validation.not_a_number")])
def test_i12_unsigned_amounts_refuse_a_sign(cell, key):
    with pytest.raises(CellError) as bad:
        cell_decimal(cell, signed=False)
    assert bad.value.key == key


def test_i12_more_than_two_decimals_is_refused():
    with pytest.raises(CellError) as bad:
        fen_of_yuan(Decimal("1.005"))
    assert bad.value.key == "validation.too_many_decimals"
    assert cell_decimal(None) is None
