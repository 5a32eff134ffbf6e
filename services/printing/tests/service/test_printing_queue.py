"""G2 G5 G4 on PostgreSQL with real sockets: a ticket routed to the store's printers, printed by the
dispatcher (a local TCP listener stands in for each network printer, the fake FeieYun for the
cloud), retried with back-off, the printer marked offline once, stale after the store's limit,
reprinted; a cloud job that timed out is asked about, not sent again."""

import json
from datetime import timedelta

import pytest
from printing_service_kit import closed_port, cloud, network, sn, takeaway_message
from sqlalchemy import select

from crm.printing.v1 import printing_pb2 as pb
from crmkit.db import utcnow
from crmkit.errors import InvalidInput, NotFound, PermissionDenied
from printing.escpos_reader import read
from printing.fake_printer import PrinterListener
from printing.models import Outbox


@pytest.fixture
def listeners():
    started = []

    def start(port: int = 0) -> PrinterListener:
        listener = PrinterListener(port).start()
        started.append(listener)
        return listener

    yield start
    for listener in started:
        listener.stop()


def jobs_of(printing, token, **filters):
    return printing.call("ListJobs", pb.ListJobsRequest(**filters), token=token).jobs


def offline_events(db, printer_id: str) -> list[dict]:
    """The data of the printer's `printer_offline` events."""
    with db.reader() as uow:
        payloads = uow.session.scalars(select(Outbox.payload).where(Outbox.type == "printer_offline")).all()
    return [data for data in (json.loads(p)["data"] for p in payloads) if data.get("printer_id") == printer_id]


def test_g2_g5_the_receipt_at_the_counter_the_lines_by_category(printing, dispatcher, tenant, listeners, feie_server):
    counter, kitchen = listeners(), listeners()
    front = printing.call("CreatePrinter", network(tenant.store, counter.port, paper=80), token=tenant.owner)
    hot = printing.call(
        "CreatePrinter",
        network(tenant.store, kitchen.port, role="kitchen", name="热菜", category_ids=["c-hot"]),
        token=tenant.owner,
    )
    number = sn()
    bar = printing.call(
        "CreatePrinter",
        cloud(tenant.store, number, role="warehouse", name="吧台", store_default=True),
        token=tenant.owner,
    )
    answer = printing.call("PrintTicket", takeaway_message(tenant.store), token=tenant.manager)
    assert {(j.printer_id, j.variant, j.state) for j in answer.jobs} == {
        (front.id, "receipt", "queued"),
        (hot.id, "slip", "queued"),
        (bar.id, "slip", "queued"),
    }
    assert dispatcher.run_once() == 3
    [receipt] = [read(data) for data in counter.jobs()]
    assert "外卖订单" in receipt.text and "宫保鸡丁" in receipt.text and "柠檬茶" in receipt.text
    assert any(line.startswith("实付") and line.endswith("61.00") for line in receipt.lines)
    assert receipt.qr == ["8842 1937"] and receipt.cuts == 1
    [slip] = [read(data) for data in kitchen.jobs()]
    assert (
        "宫保鸡丁" in slip.text and "牛肉拉面" in slip.text and "柠檬茶" not in slip.text and "61.00" not in slip.text
    )
    # The drink's category is on no printer: the store default (a cloud printer) takes it.
    [order] = feie_server.fake.list_orders(number)
    assert "柠檬茶" in order["content"] and "宫保鸡丁" not in order["content"] and order["expired"]
    # Network jobs are printed; the cloud's once FeieYun says so.
    states = {j.printer_id: j.state for j in jobs_of(printing, tenant.owner, store_id=tenant.store)}
    assert states == {front.id: "printed", hot.id: "printed", bar.id: "printing"}
    dispatcher.run_once(utcnow() + timedelta(seconds=3))
    assert {j.state for j in jobs_of(printing, tenant.owner, printer_id=bar.id)} == {"printed"}

    # The same order again (an event delivered twice): its first jobs, nothing printed twice.
    again = printing.call(
        "PrintTicket", takeaway_message(tenant.store, order_id=answer.jobs[0].order_id), token=tenant.owner
    )
    assert again.replayed and {j.id for j in again.jobs} == {j.id for j in answer.jobs}
    dispatcher.run_once()
    assert len(counter.jobs()) == 1 and len(kitchen.jobs()) == 1


def test_g5_a_products_own_printers_come_before_its_category(printing, dispatcher, tenant, listeners):
    hot_l, bar_l = listeners(), listeners()
    hot = printing.call(
        "CreatePrinter",
        network(tenant.store, hot_l.port, role="kitchen", name="热菜", category_ids=["c-hot"]),
        token=tenant.owner,
    )
    bar = printing.call(
        "CreatePrinter",
        network(tenant.store, bar_l.port, role="kitchen", name="吧台", category_ids=["c-drink"]),
        token=tenant.owner,
    )
    set_noodle = pb.SetProductPrintersRequest(store_id=tenant.store, product_id="p-noodle", printer_ids=[bar.id])
    assert list(printing.call("SetProductPrinters", set_noodle, token=tenant.manager).printer_ids) == [bar.id]
    listed = printing.call(
        "ListProductPrinters", pb.ListProductPrintersRequest(store_id=tenant.store), token=tenant.manager
    )
    assert [(p.product_id, list(p.printer_ids)) for p in listed.products] == [("p-noodle", [bar.id])]
    printing.call("PrintTicket", takeaway_message(tenant.store), token=tenant.owner)
    dispatcher.run_once()
    assert "牛肉拉面" not in read(hot_l.jobs()[0]).text and "宫保鸡丁" in read(hot_l.jobs()[0]).text
    assert "牛肉拉面" in read(bar_l.jobs()[0]).text and "柠檬茶" in read(bar_l.jobs()[0]).text
    # Only the store's preparation printers may be named.
    counter = printing.call("CreatePrinter", network(tenant.store, 9100), token=tenant.owner)
    with pytest.raises(InvalidInput) as err:
        printing.call(
            "SetProductPrinters",
            pb.SetProductPrintersRequest(store_id=tenant.store, product_id="p", printer_ids=[counter.id, hot.id]),
            token=tenant.owner,
        )
    assert err.value.fields == {"printer_ids": "validation.preparation_printer"}
    cleared = pb.SetProductPrintersRequest(store_id=tenant.store, product_id="p-noodle", clear=True)
    printing.call("SetProductPrinters", cleared, token=tenant.owner)
    assert not printing.call(
        "ListProductPrinters", pb.ListProductPrintersRequest(store_id=tenant.store), token=tenant.owner
    ).products


def test_g4_retries_back_off_then_offline_once_then_every_waiting_ticket_prints_once(
    printing, dispatcher, db, tenant, listeners
):
    port = closed_port()
    front = printing.call("CreatePrinter", network(tenant.store, port), token=tenant.owner)
    first = printing.call("PrintTicket", takeaway_message(tenant.store), token=tenant.owner).jobs[0]
    second = printing.call("PrintTicket", takeaway_message(tenant.store, order_no="TA2"), token=tenant.owner).jobs[0]
    now = utcnow()
    waits = []
    for _ in range(4):
        dispatcher.run_once(now)
        [job] = [j for j in jobs_of(printing, tenant.owner, printer_id=front.id) if j.id == first.id]
        assert job.state == "queued" and "ConnectionRefused" in job.last_error
        waits.append(job.next_attempt_at.ToDatetime() - job.updated_at.ToDatetime())
        now = job.next_attempt_at.ToDatetime().replace(tzinfo=now.tzinfo)
    assert [w.total_seconds() for w in waits] == [1, 2, 4, 8]
    printer = printing.call("GetPrinter", pb.GetPrinterRequest(id=front.id), token=tenant.owner)
    assert not printer.online and printer.consecutive_failures == 4 and printer.waiting_jobs == 2
    # Told once, on the third failure in a row (the store's default), not on every one after.
    [event] = offline_events(db, front.id)
    assert event["waiting_jobs"] == 2 and event["store_id"] == tenant.store

    listener = listeners(port)
    for _ in range(3):
        dispatcher.run_once(now + timedelta(seconds=10))
    printed = [read(data) for data in listener.jobs()]
    assert len(printed) == 2 and ["TA20260308001" in p.text for p in printed] == [True, False]
    assert {j.state for j in jobs_of(printing, tenant.owner, printer_id=front.id)} == {"printed"}
    assert printing.call("GetPrinter", pb.GetPrinterRequest(id=front.id), token=tenant.owner).online
    assert second.id in {j.id for j in jobs_of(printing, tenant.owner, state="printed")}


def test_g4_tickets_older_than_the_stores_limit_wait_for_a_reprint(printing, dispatcher, tenant, listeners):
    port = closed_port()
    printing.call("CreatePrinter", network(tenant.store, port), token=tenant.owner)
    printing.call(
        "UpdatePrintSettings",
        pb.PrintSettings(store_id=tenant.store, stale_after_minutes=5, offline_after_failures=3),
        token=tenant.owner,
    )
    job = printing.call("PrintTicket", takeaway_message(tenant.store), token=tenant.owner).jobs[0]
    dispatcher.run_once()
    listener = listeners(port)
    dispatcher.run_once(utcnow() + timedelta(minutes=6))
    assert listener.jobs() == []
    [stale] = jobs_of(printing, tenant.manager, state="stale", store_id=tenant.store)
    assert stale.id == job.id
    again = printing.call("Reprint", pb.ReprintRequest(job_id=job.id), token=tenant.manager)
    assert (again.reprint_of, again.state, again.order_no) == (job.id, "queued", "TA20260308001")
    dispatcher.run_once()
    [data] = listener.jobs()
    assert "【补打】" in read(data).text and "宫保鸡丁" in read(data).text
    with pytest.raises(NotFound):
        printing.call("Reprint", pb.ReprintRequest(job_id=job.id), token=tenant.other_manager)


def test_g4_a_cloud_job_that_timed_out_is_asked_about_not_sent_again(printing, dispatcher, tenant, feie_server):
    number = sn()
    printer = printing.call("CreatePrinter", cloud(tenant.store, number), token=tenant.owner)
    feie_server.fake.delay_next = 1.5  # taken by the cloud, answered after the client's 1 s timeout
    job = printing.call("PrintTicket", takeaway_message(tenant.store), token=tenant.owner).jobs[0]
    dispatcher.run_once()
    [waiting] = jobs_of(printing, tenant.owner, printer_id=printer.id)
    assert waiting.state == "queued" and "timed out" in waiting.last_error
    dispatcher.run_once(utcnow() + timedelta(seconds=5))
    [done] = jobs_of(printing, tenant.owner, printer_id=printer.id)
    assert (done.id, done.state) == (job.id, "printed")
    assert len(feie_server.fake.list_orders(number)) == 1


def test_g4_a_cloud_printer_that_is_off_prints_when_it_is_back(printing, dispatcher, tenant, feie_server):
    number = sn()
    printer = printing.call("CreatePrinter", cloud(tenant.store, number), token=tenant.owner)
    feie_server.fake.set_offline(number, True)
    printing.call("PrintTicket", takeaway_message(tenant.store), token=tenant.owner)
    now = utcnow()
    dispatcher.run_once(now)
    dispatcher.run_once(now + timedelta(seconds=3))
    assert [j.state for j in jobs_of(printing, tenant.owner, printer_id=printer.id)] == ["printing"]
    feie_server.fake.set_offline(number, False)
    dispatcher.run_once(now + timedelta(seconds=60))
    assert [j.state for j in jobs_of(printing, tenant.owner, printer_id=printer.id)] == ["printed"]
    assert len(feie_server.fake.list_orders(number)) == 1


def test_g1_a_test_page_goes_through_the_queue(printing, dispatcher, tenant, listeners):
    listener = listeners()
    printer = printing.call("CreatePrinter", network(tenant.store, listener.port, paper=80), token=tenant.manager)
    job = printing.call("TestPrint", pb.TestPrintRequest(printer_id=printer.id), token=tenant.manager)
    assert (job.variant, job.state) == ("test", "queued")
    dispatcher.run_once()
    page = read(listener.jobs()[0])
    assert "打印测试" in page.text and "中" * 24 in page.lines


def test_g4_tickets_and_jobs_are_the_stores_own(printing, tenant, listeners):
    from printing_testkit import ref, staff_token

    printing.call("CreatePrinter", network(tenant.store, listeners().port), token=tenant.owner)
    with pytest.raises(PermissionDenied):
        printing.call("PrintTicket", takeaway_message(tenant.store), token=tenant.other_manager)
    with pytest.raises(PermissionDenied):
        printing.call("PrintTicket", takeaway_message(tenant.store), token=tenant.sales)
    printing.call("PrintTicket", takeaway_message(tenant.store), token=tenant.manager)
    assert len(jobs_of(printing, tenant.manager)) == 1
    assert jobs_of(printing, tenant.other_manager) == []
    stranger = staff_token(ref("t"), ref("o"), "owner")
    assert jobs_of(printing, stranger, store_id=tenant.store) == []
    with pytest.raises(InvalidInput) as err:
        printing.call("PrintTicket", takeaway_message(tenant.store, kind="wholesale", paid_fen=-1), token=tenant.owner)
    assert err.value.fields == {"kind": "validation.invalid_choice", "paid": "validation.invalid_amount"}
    with pytest.raises(InvalidInput):
        jobs_of(printing, tenant.owner, state="lost")
