"""G5: the receipt at every counter printer; each line to the product's printers, else its
category's, else the store's default preparation printers; disabled printers take nothing."""

from printing_testkit import takeaway

from printing.domain.routing import RECEIPT, SLIP, Route, RoutedPrinter, route

COUNTER = RoutedPrinter("front", "counter")
HOT = RoutedPrinter("hot", "kitchen", category_ids=frozenset({"c-hot"}))
BAR = RoutedPrinter("bar", "kitchen", category_ids=frozenset({"c-drink"}))
STOCK = RoutedPrinter("stock", "warehouse", store_default=True)


def test_g5_receipt_to_the_counter_lines_by_category():
    routes = route(takeaway(), [COUNTER, HOT, BAR], {})
    assert routes == [Route("front", RECEIPT), Route("hot", SLIP, (0, 1)), Route("bar", SLIP, (2,))]


def test_g5_two_counter_printers_each_print_the_receipt():
    second = RoutedPrinter("front2", "counter")
    assert [r.printer_id for r in route(takeaway(), [COUNTER, second], {}) if r.variant == RECEIPT] == [
        "front",
        "front2",
    ]


def test_g5_the_product_setting_comes_before_the_category():
    routes = route(takeaway(), [HOT, BAR], {"p-noodle": ("bar",)})
    assert routes == [Route("hot", SLIP, (0,)), Route("bar", SLIP, (1, 2))]


def test_g5_a_product_set_to_no_printer_prints_no_slip():
    assert route(takeaway(), [HOT, BAR], {"p-tea": ()}) == [Route("hot", SLIP, (0, 1))]


def test_g5_lines_no_category_places_go_to_the_store_default():
    routes = route(takeaway(), [HOT, STOCK], {})
    assert routes == [Route("hot", SLIP, (0, 1)), Route("stock", SLIP, (2,))]


def test_g5_without_default_an_unplaced_line_prints_on_no_slip():
    assert route(takeaway(), [HOT], {}) == [Route("hot", SLIP, (0, 1))]


def test_g5_disabled_printers_take_nothing_and_a_product_setting_naming_one_falls_silent():
    off = RoutedPrinter("hot", "kitchen", enabled=False, category_ids=frozenset({"c-hot"}))
    assert route(takeaway(), [COUNTER, off, BAR, STOCK], {"p-tea": ("hot",)}) == [
        Route("front", RECEIPT),
        Route("stock", SLIP, (0, 1)),
    ]
