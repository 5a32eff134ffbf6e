"""P5 bench's own logic: the printer's side finds each order's receipt by the number printed on it
(ESC/POS bytes rendered as the dispatcher renders them), counts a second receipt of an order as
printed twice, and the figures' percentiles. No timing is asserted."""

from __future__ import annotations

import threading

from bench.printing import PAPER_MM, Phase, Receipts, paid_events
from printing.domain import layout, render
from printing.domain.order_events import parse_paid_order


def receipt_bytes(evt) -> bytes:
    return render.escpos(layout.receipt(parse_paid_order(evt.data).ticket, PAPER_MM))


def test_p5_receipts_are_found_by_their_printed_number_and_a_second_one_counts_twice():
    events = paid_events("t-1", "st-1", "paced", 2)
    receipts = Receipts()
    for data in (receipt_bytes(events[0]), b"\x1b@not a receipt\n", receipt_bytes(events[1]), receipt_bytes(events[0])):
        receipts.on_job(data)
    numbers = [e.data["order"]["number"] for e in events]
    assert numbers == ["P5-paced-000000", "P5-paced-000001"]
    assert receipts.wait(numbers, timeout=5)
    assert receipts.jobs == 4 and receipts.duplicates == 1
    assert receipts.arrived[numbers[0]] < receipts.arrived[numbers[1]]


def test_p5_waiting_ends_when_the_last_receipt_comes_from_another_thread():
    [evt] = paid_events("t-1", "st-1", "burst", 1)
    receipts = Receipts()
    threading.Timer(0.2, receipts.on_job, args=(receipt_bytes(evt),)).start()
    assert receipts.wait([evt.data["order"]["number"]], timeout=5)
    assert not receipts.wait(["P5-burst-999999"], timeout=0.1)


def test_p5_percentiles_and_rate():
    phase = Phase(latencies=[i / 100 for i in range(100, 0, -1)], seconds=2.0)
    assert (phase.percentile(50), phase.percentile(95), phase.rate) == (0.51, 0.95, 50.0)
