"""G2: the receipt of each order kind on 58 and 80 mm, and the preparation slip, read back from the
ESC/POS bytes a printer would receive (GB18030) and from FeieYun's markup."""

import pytest
from printing_testkit import takeaway

from printing.domain.layout import fits, receipt, self_test_page, slip
from printing.domain.render import escpos, feie
from printing.domain.text import width
from printing.domain.tickets import KINDS, Ticket, TicketInvalid, TicketLine, check_ticket
from printing.escpos_reader import read


@pytest.mark.parametrize("paper", [58, 80])
def test_g2_a_takeaway_receipt_holds_the_items_totals_customer_note_and_code(paper):
    printout = read(escpos(receipt(takeaway(), paper)))
    text = printout.text
    columns = 32 if paper == 58 else 48
    assert printout.initialised and printout.cuts == 1
    for expected in ("小馆子", "外卖订单", "TA20260308001", "2026-03-08 12:30", "宫保鸡丁", "牛肉拉面", "柠檬茶"):
        assert expected in text, expected
    assert "(大份)" in text
    lines = printout.lines
    assert any(line.startswith("宫保鸡丁") and "x2" in line and line.endswith("36.00") for line in lines)
    for label, amount in (("小计", "62.00"), ("优惠", "-5.00"), ("配送费", "4.00"), ("实付", "61.00")):
        [line] = [x for x in lines if x.startswith(label)]
        assert line.endswith(amount) and width(line) == columns
    assert "顾客：王先生" in text and "电话：138****8000" in text and "13812348000" not in text
    assert "朝阳区建国路88号" in text and "备注：少辣，不要香菜" in text
    assert printout.qr == ["8842 1937"] and "核销码：8842 1937" in text
    # Big lines (the store name) count double width.
    assert all(width(line) <= columns for line in lines[1:])


@pytest.mark.parametrize("kind", KINDS)
@pytest.mark.parametrize("paper", [58, 80])
def test_g2_every_order_kind_has_its_title_and_fits_the_paper(kind, paper):
    ticket = takeaway(kind=kind)
    document = receipt(ticket, paper)
    assert fits(document)
    text = read(escpos(document)).text
    title = {
        "ecommerce": "电商订单",
        "reservation": "预约订单",
        "in_store": "到店订单",
        "takeaway": "外卖订单",
        "face_to_face": "当面付",
        "top_up": "储值充值",
    }[kind]
    assert title in text
    # Only what is delivered shows an address.
    assert ("建国路" in text) == (kind in ("takeaway", "ecommerce"))


def test_g2_a_receipt_without_discount_fee_customer_or_code_leaves_those_lines_out():
    ticket = takeaway(
        discount_fen=0,
        delivery_fee_fen=0,
        customer_name="",
        customer_phone="",
        address="",
        note="",
        verification_code="",
    )
    printout = read(escpos(receipt(ticket, 58)))
    assert printout.qr == []
    for absent in ("优惠", "配送费", "顾客", "电话", "地址", "备注", "核销码"):
        assert absent not in printout.text


def test_g2_long_dish_names_wrap_within_their_column():
    ticket = takeaway(lines=(TicketLine("p", "c", "秘制红烧肉配时令蔬菜和手工米饭套餐", 3, 12345),))
    printout = read(escpos(receipt(ticket, 58)))
    first = next(line for line in printout.lines if line.startswith("秘制"))
    assert first.endswith("123.45") and "x3" in first
    assert "米饭套餐" in printout.text.replace("\n", "")


def test_g2_a_preparation_slip_has_only_its_lines_without_prices():
    ticket = takeaway()
    printout = read(escpos(slip(ticket, (ticket.lines[0], ticket.lines[1]), 80, "kitchen")))
    text = printout.text
    assert "厨房单" in text and "宫保鸡丁" in text and "牛肉拉面" in text
    assert "柠檬茶" not in text and "36.00" not in text and "实付" not in text
    assert "少辣" in text and printout.cuts == 1
    warehouse = read(escpos(slip(ticket, (ticket.lines[2],), 58, "warehouse"))).text
    assert "备货单" in warehouse and "柠檬茶" in warehouse and "宫保鸡丁" not in warehouse


def test_g2_lines_of_only_full_width_punctuation_print_as_chinese_not_question_marks():
    ticket = takeaway(note="！！！（）")
    data = escpos(receipt(ticket, 58))
    assert "！！！（）".encode("gb18030") in data and b"???" not in data


def test_g2_a_reprint_says_so_and_the_self_test_fills_the_paper():
    assert "【补打】" in read(escpos(receipt(takeaway(), 58, reprint=True))).text
    from datetime import UTC, datetime

    page = read(escpos(self_test_page("前台打印机", 80, datetime(2026, 1, 1, tzinfo=UTC))))
    assert "打印测试" in page.text and "中" * 24 in page.lines and "80mm / 48" in page.text


def test_g2_feieyun_markup_of_the_same_receipt():
    markup = feie(receipt(takeaway(), 58))
    assert markup.startswith("<CB><BOLD>小馆子</BOLD></CB>")
    assert "<QR>8842 1937</QR>" in markup and markup.endswith("<CUT>")
    assert "宫保鸡丁" in markup and "<BR>" in markup
    assert "<" not in feie(receipt(takeaway(note="<CUT>"), 58)).split("备注")[1].split("</BOLD>")[0]


def test_g2_tickets_that_would_print_wrong_are_refused_naming_the_field():
    with pytest.raises(TicketInvalid) as exc:
        check_ticket(takeaway(kind="wholesale", lines=(TicketLine("p", "c", "", 0, -1),), paid_fen=-5))
    assert exc.value.fields == {
        "kind": "validation.invalid_choice",
        "lines.0.name": "validation.required",
        "lines.0.quantity": "validation.invalid_quantity",
        "lines.0.amount": "validation.invalid_amount",
        "paid": "validation.invalid_amount",
    }
    assert check_ticket(takeaway())
    ticket = takeaway()
    assert Ticket.from_json(ticket.to_json()) == ticket
