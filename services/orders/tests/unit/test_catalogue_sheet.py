"""B1 catalogue spreadsheet: reading a merchant's .xlsx into checked rows and writing it back."""

import io
import zipfile
from dataclasses import replace

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from openpyxl import Workbook, load_workbook

from orders.catalogue_sheet import (
    MAX_ROWS,
    SheetProblem,
    SheetProduct,
    SheetRead,
    read_catalogue,
    write_catalogue,
)

HEADER = ["条码", "名称", "一级分类", "二级分类", "品牌", "单位", "批发价", "商品类型", "上架"]


def xlsx(*rows, header=HEADER) -> bytes:
    workbook = Workbook()
    sheet = workbook.active
    if header is not None:
        sheet.append(header)
    for row in rows:
        sheet.append(row)
    out = io.BytesIO()
    workbook.save(out)
    return out.getvalue()


def one_row(**cells) -> bytes:
    """A sheet with a valid row 2, cells overridden by header name."""
    row = {"名称": "可乐", "批发价": 2.5, **cells}
    return xlsx(list(row.values()), header=list(row))


def product(row=2, **fields) -> SheetProduct:
    base = dict(
        barcode="",
        name="可乐",
        category="",
        subcategory="",
        brand="",
        unit="",
        wholesale_price_fen=250,
        level_prices={},
        kind="goods",
        listed=True,
    )
    return SheetProduct(row=row, **{**base, **fields})


def test_b1_import_reads_every_column_of_a_row():
    data = xlsx(
        ["6901234567890", "可口可乐 330ml", "饮料", "汽水", "可口可乐", "罐", 2.5, 2.3, None, "外卖", "否"],
        header=[*HEADER[:7], "等级价:A", "等级价:VIP", *HEADER[7:]],
    )
    assert read_catalogue(data).rows == [
        SheetProduct(
            2, "6901234567890", "可口可乐 330ml", "饮料", "汽水", "可口可乐", "罐", 250, {"A": 230}, "takeaway", False
        )
    ]
    assert read_catalogue(data).problems == []


def test_b1_import_matches_headers_in_any_order_ignoring_spaces():
    data = xlsx([3, " 可乐 ", " 6901 "], header=["  批发价", "名称 ", " 条码 "])
    got = read_catalogue(data)
    assert (got.rows, got.problems) == ([product(barcode="6901", wholesale_price_fen=300)], [])


def test_b1_import_fills_defaults_for_optional_columns_and_blank_cells():
    assert read_catalogue(xlsx(["", "可乐", None, None, None, None, 2.5, None, None])).rows == [product()]
    assert read_catalogue(one_row()).rows == [product()]


@pytest.mark.parametrize(
    ("cell", "fen"),
    [
        (12.3, 1230),
        (19.99, 1999),
        (0.1 + 0.2, 30),  # the float sum Excel shows as 0.3
        (1.1 + 2.2, 330),
        (12, 1200),
        (0, 0),
        (10_000_000, 1_000_000_000),
        ("12.30", 1230),
        ("12.300", 1230),
        (" 8 ", 800),
        (".5", 50),
        ("0.07", 7),
        ("-0", 0),
    ],
)
def test_b1_import_converts_yuan_to_exact_fen(cell, fen):
    assert [p.wholesale_price_fen for p in read_catalogue(one_row(批发价=cell)).rows] == [fen]


@pytest.mark.parametrize(
    ("cell", "key"),
    [
        ("abc", "validation.not_a_number"),
        ("¥12", "validation.not_a_number"),
        ("1e3", "validation.not_a_number"),
        ("1_000", "validation.not_a_number"),
        ("NaN", "validation.not_a_number"),
        ("Infinity", "validation.not_a_number"),
        (True, "validation.not_a_number"),
        (-1, "validation.negative"),
        ("-0.5", "validation.negative"),
        (1.234, "validation.too_many_decimals"),
        ("0.001", "validation.too_many_decimals"),
        (None, "validation.required"),
        ("   ", "validation.required"),
    ],
)
def test_b1_import_reports_bad_price_by_row_and_column(cell, key):
    got = read_catalogue(one_row(批发价=cell))
    assert (got.rows, got.problems) == ([], [SheetProblem(2, "批发价", key)])


@pytest.mark.parametrize(
    ("header", "cell", "key"),
    [
        ("条码", "AB-12", "validation.invalid"),
        ("条码", "69 01", "validation.invalid"),
        ("条码", "条码一", "validation.invalid"),
        ("条码", "9" * 33, "validation.too_long"),
        ("名称", None, "validation.required"),
        ("名称", "  ", "validation.required"),
        ("名称", "名" * 61, "validation.too_long"),
        ("一级分类", "类" * 31, "validation.too_long"),
        ("品牌", "b" * 41, "validation.too_long"),
        ("单位", "u" * 11, "validation.too_long"),
        ("商品类型", "饮料", "validation.invalid_choice"),
        ("商品类型", "goods", "validation.invalid_choice"),
        ("上架", "yes", "validation.invalid_choice"),
        ("等级价:A", "两元", "validation.not_a_number"),
        ("等级价:A", -2, "validation.negative"),
        ("等级价:A", "1.005", "validation.too_many_decimals"),
    ],
)
def test_b1_import_reports_bad_cell_by_row_and_column(header, cell, key):
    got = read_catalogue(one_row(**{header: cell}))
    assert (got.rows, got.problems) == ([], [SheetProblem(2, header, key)])


@pytest.mark.parametrize(
    ("header", "cell", "field", "value"),
    [
        ("条码", "9" * 32, "barcode", "9" * 32),
        ("条码", "ab12CD", "barcode", "ab12CD"),
        ("名称", "名" * 60, "name", "名" * 60),
        ("商品类型", "商品", "kind", "goods"),
        ("商品类型", "预约", "kind", "reservation"),
        ("商品类型", "外卖", "kind", "takeaway"),
        ("商品类型", "到店", "kind", "in_store"),
        ("商品类型", "储值", "kind", "stored_value"),
        ("商品类型", None, "kind", "goods"),
        ("上架", "是", "listed", True),
        ("上架", " 否 ", "listed", False),
        ("上架", None, "listed", True),
        ("品牌", 7, "brand", "7"),
    ],
)
def test_b1_import_accepts_good_cells(header, cell, field, value):
    got = read_catalogue(one_row(**{header: cell}))
    assert ([getattr(p, field) for p in got.rows], got.problems) == ([value], [])


@pytest.mark.parametrize("cell", [6901234567890, 6901234567890.0, "6901234567890"])
def test_b1_import_keeps_the_digits_of_numeric_barcodes(cell):
    assert [p.barcode for p in read_catalogue(one_row(条码=cell)).rows] == ["6901234567890"]


def test_b1_import_level_prices_skip_empty_cells_and_accept_full_width_colon():
    data = xlsx(["可乐", 2.5, 2.3, None], ["雪碧", 2.5, None, 2], header=["名称", "批发价", "等级价:A", " 等级价：B "])
    assert [p.level_prices for p in read_catalogue(data).rows] == [{"A": 230}, {"B": 200}]


def test_b1_import_reports_subcategory_without_category_on_subcategory():
    got = read_catalogue(one_row(一级分类=None, 二级分类="汽水"))
    assert (got.rows, got.problems) == ([], [SheetProblem(2, "二级分类", "validation.invalid")])
    got = read_catalogue(one_row(二级分类="汽水"))  # no 一级分类 column at all
    assert got.problems == [SheetProblem(2, "二级分类", "validation.invalid")]


def test_b1_import_reports_all_problems_of_a_row_and_keeps_good_rows():
    data = xlsx(
        ["6901", "可乐", "", "", "", "", 2.5, "", ""],
        ["AB-1", "", "", "汽水", "", "", "x", "饮料", "maybe"],
        ["6903", "雪碧", "", "", "", "", 3, "", ""],
    )
    got = read_catalogue(data)
    assert [p.row for p in got.rows] == [2, 4]
    assert got.problems == [
        SheetProblem(3, "条码", "validation.invalid"),
        SheetProblem(3, "名称", "validation.required"),
        SheetProblem(3, "二级分类", "validation.invalid"),
        SheetProblem(3, "批发价", "validation.not_a_number"),
        SheetProblem(3, "商品类型", "validation.invalid_choice"),
        SheetProblem(3, "上架", "validation.invalid_choice"),
    ]


def test_b1_import_skips_empty_rows_but_keeps_sheet_row_numbers():
    data = xlsx(["", "可乐", None, None, None, None, 2.5], [], [None, "  "], ["", "雪碧", None, None, None, None, "x"])
    got = read_catalogue(data)
    assert ([p.row for p in got.rows], got.problems) == ([2], [SheetProblem(5, "批发价", "validation.not_a_number")])


def test_b1_import_reports_a_repeated_barcode_on_the_later_row():
    data = xlsx(
        ["可乐", 2.5, 6901],
        ["可乐 大", 3, "6901"],
        ["散装", 1, None],
        ["散装2", 1, ""],
        header=["名称", "批发价", "条码"],
    )
    got = read_catalogue(data)
    assert [p.row for p in got.rows] == [2, 4, 5]  # rows without barcode never clash
    assert got.problems == [SheetProblem(3, "条码", "import.duplicate_barcode")]


def test_b1_import_reports_a_repeated_barcode_even_when_the_first_row_is_bad():
    got = read_catalogue(xlsx(["", 2.5, "6901"], ["可乐", 3, "6901"], header=["名称", "批发价", "条码"]))
    assert (got.rows, got.problems) == (
        [],
        [SheetProblem(2, "名称", "validation.required"), SheetProblem(3, "条码", "import.duplicate_barcode")],
    )


def test_b1_import_reports_unknown_columns_and_still_reads_rows():
    got = read_catalogue(xlsx(["红", "可乐", 2.5, "x"], header=["颜色", "名称", "批发价", "等级价:"]))
    assert got.rows == [product()]
    assert got.problems == [
        SheetProblem(1, "颜色", "import.unknown_column"),
        SheetProblem(1, "等级价:", "import.unknown_column"),
    ]


@pytest.mark.parametrize(
    ("header", "problems"),
    [
        (["条码", "批发价"], [SheetProblem(1, "名称", "import.missing_column")]),
        (["名称", "条码"], [SheetProblem(1, "批发价", "import.missing_column")]),
        (
            ["价格"],
            [
                SheetProblem(1, "价格", "import.unknown_column"),
                SheetProblem(1, "名称", "import.missing_column"),
                SheetProblem(1, "批发价", "import.missing_column"),
            ],
        ),
        (["名称", "批发价", " 名称"], [SheetProblem(1, "名称", "import.duplicate_column")]),
        (["名称", "批发价", "等级价:A", "等级价：A"], [SheetProblem(1, "等级价：A", "import.duplicate_column")]),
    ],
)
def test_b1_import_without_a_usable_header_reads_no_rows(header, problems):
    got = read_catalogue(xlsx(["可乐", 2.5, "x", "y"], header=header))
    assert (got.rows, got.problems) == ([], problems)


def test_b1_import_of_an_empty_sheet_reports_missing_columns():
    got = read_catalogue(xlsx(header=None))
    assert [p.message_key for p in got.problems] == ["import.missing_column"] * 2


def test_b1_import_reports_a_too_long_level_code_on_the_header():
    got = read_catalogue(xlsx(["可乐", 2.5, 1], header=["名称", "批发价", "等级价:" + "L" * 21]))
    assert got.problems == [SheetProblem(1, "等级价:" + "L" * 21, "validation.too_long")]
    assert got.rows == [product()]


def _zip(**files) -> bytes:
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w") as archive:
        for name, content in files.items():
            archive.writestr(name, content)
    return out.getvalue()


@pytest.mark.parametrize(
    "data",
    [
        b"",
        b"not a spreadsheet",
        "名称,批发价\n可乐,2.5\n".encode(),  # a CSV renamed to .xlsx
        _zip(**{"readme.txt": "hello"}),
        xlsx(["可乐", 2.5])[:500],  # cut off in transfer
    ],
    ids=["empty", "text", "csv", "other-zip", "truncated"],
)
def test_b1_import_of_an_unreadable_file_reports_one_problem(data):
    assert read_catalogue(data) == SheetRead([], [SheetProblem(0, "", "import.unreadable_file")])


def _many(count: int) -> bytes:
    return xlsx(*([f"{i:013d}", f"商品{i}", i % 100] for i in range(count)), header=["条码", "名称", "批发价"])


def test_b1_import_reads_5000_rows_in_one_go():
    got = read_catalogue(_many(MAX_ROWS))
    assert (len(got.rows), got.problems) == (5_000, [])
    assert (got.rows[-1].row, got.rows[-1].barcode) == (5_001, "0000000004999")


def test_b1_import_of_more_than_5000_rows_is_refused():
    assert read_catalogue(_many(MAX_ROWS + 1)) == SheetRead([], [SheetProblem(0, "", "import.too_many_rows")])


def test_b1_import_does_not_count_empty_rows_against_the_limit():
    rows = [[f"商品{i}", 1] for i in range(MAX_ROWS)]
    data = xlsx(*rows[:10], *([None, None] for _ in range(20)), *rows[10:], header=["名称", "批发价"])
    assert len(read_catalogue(data).rows) == MAX_ROWS


def test_b1_export_lays_out_the_sheet_for_editing_in_excel():
    data = write_catalogue(
        [
            product(0, barcode="0069012", level_prices={"VIP": 199, "A": 230}, wholesale_price_fen=250),
            product(0, name="雪碧", level_prices={"B": 5}, wholesale_price_fen=1999),
        ]
    )
    sheet = load_workbook(io.BytesIO(data)).worksheets[0]
    headers = [c.value for c in sheet[1]]
    assert headers == [*HEADER[:7], "等级价:A", "等级价:B", "等级价:VIP", *HEADER[7:]]
    assert all(c.font.bold for c in sheet[1])
    assert sheet.freeze_panes == "A2"
    assert all(sheet.column_dimensions[c.column_letter].width >= 8 for c in sheet[1])
    barcode, price, level_a = sheet["A2"], sheet["G3"], sheet["H2"]
    assert (barcode.value, barcode.data_type, barcode.number_format) == ("0069012", "s", "@")
    assert (price.value, price.number_format) == (19.99, "0.00")
    assert (level_a.value, sheet["H3"].value, sheet["I3"].value) == (2.3, None, 0.05)
    assert [c.value for c in sheet[2]][-2:] == ["商品", "是"]


@pytest.mark.parametrize("text", ["=1+1", '=HYPERLINK("http://x")', "#N/A", "+86", "_x0041_"])
def test_b1_export_keeps_formula_like_names_as_text(text):
    data = write_catalogue([product(0, name=text)])
    assert load_workbook(io.BytesIO(data)).worksheets[0]["B2"].data_type == "s"
    assert [p.name for p in read_catalogue(data).rows] == [text]


def test_b1_export_drops_characters_xlsx_cannot_hold():
    assert [p.name for p in read_catalogue(write_catalogue([product(0, name="可\x00乐\x07")])).rows] == ["可乐"]


def test_b1_export_of_no_products_is_a_header_only_sheet():
    got = read_catalogue(write_catalogue([]))
    assert (got.rows, got.problems) == ([], [])


def _text(max_size: int, min_size: int = 0):
    # XML cannot hold control characters, surrogates or U+FFFE/U+FFFF (export drops them).
    alphabet = st.characters(blacklist_categories=("Cc", "Cs"), blacklist_characters="\ufffe\uffff")
    chinese = st.characters(min_codepoint=0x4E00, max_codepoint=0x9FFF)
    return (
        st.text(st.one_of(chinese, alphabet), min_size=min_size, max_size=max_size)
        .map(str.strip)
        .filter(lambda s: len(s) >= min_size)
    )


@st.composite
def sheet_products(draw):
    category = draw(_text(30))
    price = st.integers(0, 10**9)
    return SheetProduct(
        row=0,
        barcode=draw(st.text("0123456789ABCDEFXYZabcxyz", max_size=32)),
        name=draw(_text(60, min_size=1)),
        category=category,
        subcategory=draw(_text(30)) if category else "",
        brand=draw(_text(40)),
        unit=draw(_text(10)),
        wholesale_price_fen=draw(price),
        level_prices=draw(st.dictionaries(st.text("ABCVIP0123", min_size=1, max_size=5), price, max_size=3)),
        kind=draw(st.sampled_from(["goods", "reservation", "takeaway", "in_store", "stored_value"])),
        listed=draw(st.booleans()),
    )


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.lists(sheet_products(), max_size=8, unique_by=lambda p: p.barcode or object()))
def test_b1_export_then_import_gives_back_the_same_products(products):
    got = read_catalogue(write_catalogue(products))
    assert got.problems == []
    assert got.rows == [replace(p, row=row) for row, p in enumerate(products, start=2)]


def test_b1_export_drops_characters_xlsx_cannot_hold_and_stays_readable():
    product = SheetProduct(
        row=0,
        barcode="",
        name="可乐\ufffe\x01",
        category="",
        subcategory="",
        brand="",
        unit="箱\uffff",
        wholesale_price_fen=100,
        level_prices={},
        kind="goods",
        listed=True,
    )
    read = read_catalogue(write_catalogue([product]))
    assert read.problems == []
    assert (read.rows[0].name, read.rows[0].unit) == ("可乐", "箱")
