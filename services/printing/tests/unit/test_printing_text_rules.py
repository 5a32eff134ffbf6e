"""G2: Chinese text laid out by display width, money in yuan, phones masked."""

import pytest

from printing.domain.text import mask_phone, two_columns, width, wrap, yuan


def test_g2_a_cjk_glyph_takes_two_columns_and_full_width_punctuation_too():
    assert width("宫保鸡丁") == 8
    assert width("abc") == 3
    assert width("，：￥") == 6
    assert width("x2 大份") == 7


@pytest.mark.parametrize("columns", [32, 48, 16, 5])
def test_g2_wrapping_never_passes_the_paper_and_loses_nothing(columns):
    text = "朝阳区建国路88号SOHO现代城A座1201室，电话13812348000，到了请打电话"
    lines = wrap(text, columns)
    assert all(width(line) <= columns for line in lines)
    assert "".join(lines).replace(" ", "") == text.replace(" ", "")


def test_g2_ascii_words_stay_whole_when_they_fit():
    assert wrap("订单号 TA20260308001", 16) == ["订单号", "TA20260308001"]


def test_g2_a_control_character_in_a_note_is_not_sent_as_a_printer_command():
    assert wrap("少辣\x1b@\x1dV0", 32) == ["少辣 @ V0"]


def test_g2_two_columns_put_the_amount_flush_right():
    [line] = two_columns("小计", "62.00", 32)
    assert width(line) == 32 and line.startswith("小计") and line.endswith("62.00")
    lines = two_columns("一个非常非常非常长的商品名字真的很长", "1234.00", 32)
    assert all(width(x) <= 32 for x in lines) and lines[-1].endswith("1234.00")


def test_g2_fen_as_yuan():
    assert [yuan(x) for x in (0, 5, 1250, 100000, -500)] == ["0.00", "0.05", "12.50", "1000.00", "-5.00"]


def test_g2_phone_masked_keeping_the_last_four_digits():
    assert mask_phone("13812348000") == "138****8000"
    assert mask_phone("+86 138-1234-8000") == "138****8000"
    assert mask_phone("123") == "***"
