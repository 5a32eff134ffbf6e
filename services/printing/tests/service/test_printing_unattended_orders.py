"""G3 on PostgreSQL with real sockets: a paid takeaway or in-store order (orders' storefront_order_paid)
is printed through the queue and accepted through the orders port (a fake here) as the store's
settings say; the same event twice prints once and accepts once; a failure in between is redone
only where it was not done."""

from __future__ import annotations

import threading

import pytest
from printing_service_kit import network
from printing_testkit import paid_order, ref
from sqlalchemy import select

from crm.printing.v1 import printing_pb2 as pb
from crmkit.errors import Conflict, PermissionDenied, Unavailable
from crmkit.events import Event
from printing.escpos_reader import read
from printing.fake_printer import PrinterListener
from printing.handlers import ACCEPTED, ALREADY, INVALID, OFF, QUEUED, REFUSED, REPLAYED, on_storefront_order_paid
from printing.models import JobRow, TicketRow
from printing.subscriptions import subscriptions


class FakeStorefront:
    """The orders port: records each TakeAction; `fail` raises the next calls' error."""

    def __init__(self):
        self.calls: list[tuple[str, str, str]] = []
        self.fail: Exception | None = None
        self._lock = threading.Lock()

    def take_action(self, tenant_id: str, order_id: str, action: str) -> None:
        with self._lock:
            self.calls.append((tenant_id, order_id, action))
        if self.fail is not None:
            raise self.fail


@pytest.fixture
def storefront():
    return FakeStorefront()


@pytest.fixture
def listeners():
    started = []

    def start() -> PrinterListener:
        listener = PrinterListener().start()
        started.append(listener)
        return listener

    yield start
    for listener in started:
        listener.stop()


def paid(tenant_id: str, order: dict) -> Event:
    return Event(type="storefront_order_paid", source="orders", tenant_id=tenant_id, data={"order": order})


def set_up_store(printing, tenant, listeners, *, auto_print=True, auto_accept=True):
    counter, kitchen = listeners(), listeners()
    printing.call("CreatePrinter", network(tenant.store, counter.port), token=tenant.owner)
    printing.call(
        "CreatePrinter",
        network(tenant.store, kitchen.port, role="kitchen", name="热菜", category_ids=["c-hot"]),
        token=tenant.owner,
    )
    settings = pb.PrintSettings(
        store_id=tenant.store,
        stale_after_minutes=30,
        offline_after_failures=3,
        auto_print=auto_print,
        auto_accept=auto_accept,
    )
    printing.call("UpdatePrintSettings", settings, token=tenant.owner)
    return counter, kitchen


def jobs_of_order(db, tenant_id: str, order_id: str) -> list[str]:
    with db.reader() as uow:
        return sorted(
            uow.session.scalars(
                select(JobRow.variant)
                .join(TicketRow, TicketRow.id == JobRow.ticket_id)
                .where(TicketRow.tenant_id == tenant_id, TicketRow.order_id == order_id)
            )
        )


def test_g3_a_paid_takeaway_order_prints_and_is_accepted_once(printing, dispatcher, db, tenant, listeners, storefront):
    counter, kitchen = set_up_store(printing, tenant, listeners)
    order = paid_order(tenant.store)
    event = paid(tenant.id, order)

    done = on_storefront_order_paid(db, event, storefront=storefront)

    assert (done.handled, done.printed, done.accepted) == (True, QUEUED, ACCEPTED)
    assert storefront.calls == [(tenant.id, order["order_id"], "accept")]
    assert jobs_of_order(db, tenant.id, order["order_id"]) == ["receipt", "slip"]
    dispatcher.run_once()
    [receipt] = [read(data) for data in counter.jobs()]
    assert "外卖订单" in receipt.text and "SF20260308-0001" in receipt.text and "柠檬茶" in receipt.text
    assert "138****8000" in receipt.text and "13812348000" not in receipt.text
    assert receipt.qr == ["88421937"]
    # G5: the hot dishes' category routes them to the kitchen; the drink's is on no printer.
    [slip] = [read(data) for data in kitchen.jobs()]
    assert "宫保鸡丁" in slip.text and "柠檬茶" not in slip.text

    # Redelivered: nothing printed twice, orders not asked again.
    again = on_storefront_order_paid(db, event, storefront=storefront)
    assert not again.handled
    dispatcher.run_once()
    assert len(counter.jobs()) == 1 and len(kitchen.jobs()) == 1 and len(storefront.calls) == 1


def test_g3_an_in_store_order_is_confirmed(printing, db, tenant, listeners, storefront):
    set_up_store(printing, tenant, listeners)
    order = paid_order(tenant.store, kind="in_store", address="")
    done = on_storefront_order_paid(db, paid(tenant.id, order), storefront=storefront)
    assert (done.printed, done.accepted) == (QUEUED, ACCEPTED)
    assert storefront.calls == [(tenant.id, order["order_id"], "confirm")]


def test_g3_the_merchant_accepted_first_and_the_ticket_still_prints(printing, db, tenant, listeners, storefront):
    set_up_store(printing, tenant, listeners)
    storefront.fail = Conflict("STOREFRONT_STATE_INVALID", params={"status": "accepted"})
    order = paid_order(tenant.store)
    done = on_storefront_order_paid(db, paid(tenant.id, order), storefront=storefront)
    assert (done.handled, done.printed, done.accepted) == (True, QUEUED, ALREADY)
    assert jobs_of_order(db, tenant.id, order["order_id"]) == ["receipt", "slip"]


def test_g3_orders_down_the_event_comes_back_and_prints_once_accepts_then(
    printing, dispatcher, db, tenant, listeners, storefront
):
    counter, _ = set_up_store(printing, tenant, listeners)
    order = paid_order(tenant.store)
    event = paid(tenant.id, order)
    storefront.fail = Unavailable("SERVICE_UNAVAILABLE")
    with pytest.raises(Unavailable):
        on_storefront_order_paid(db, event, storefront=storefront)
    # The kitchen did not wait for orders: the ticket is queued and prints.
    dispatcher.run_once()
    assert len(counter.jobs()) == 1

    storefront.fail = None
    done = on_storefront_order_paid(db, event, storefront=storefront)
    assert (done.handled, done.printed, done.accepted) == (True, REPLAYED, ACCEPTED)
    dispatcher.run_once()
    assert len(counter.jobs()) == 1 and jobs_of_order(db, tenant.id, order["order_id"]) == ["receipt", "slip"]
    assert [c[2] for c in storefront.calls] == ["accept", "accept"]


def test_g3_a_refusal_from_orders_is_acknowledged_not_retried(printing, db, tenant, listeners, storefront):
    set_up_store(printing, tenant, listeners)
    storefront.fail = PermissionDenied("STOREFRONT_ACTION_DENIED")
    event = paid(tenant.id, paid_order(tenant.store))
    assert on_storefront_order_paid(db, event, storefront=storefront).accepted == REFUSED
    assert not on_storefront_order_paid(db, event, storefront=storefront).handled
    assert len(storefront.calls) == 1


def test_g3_the_stores_switches_decide_each_step(printing, db, tenant, listeners, storefront):
    set_up_store(printing, tenant, listeners, auto_print=False, auto_accept=False)
    order = paid_order(tenant.store)
    done = on_storefront_order_paid(db, paid(tenant.id, order), storefront=storefront)
    assert (done.handled, done.printed, done.accepted) == (True, OFF, OFF)
    assert storefront.calls == [] and jobs_of_order(db, tenant.id, order["order_id"]) == []

    # A store that never saved its settings prints (the default) and leaves accepting to people.
    store = ref("store")
    done = on_storefront_order_paid(db, paid(tenant.id, paid_order(store)), storefront=storefront)
    assert (done.printed, done.accepted) == (QUEUED, OFF) and storefront.calls == []


def test_g3_other_kinds_wait_for_the_merchant(printing, db, tenant, listeners, storefront):
    set_up_store(printing, tenant, listeners)
    for kind in ("reservation", "ecommerce", "face_to_face", "top_up"):
        order = paid_order(tenant.store, kind=kind)
        assert not on_storefront_order_paid(db, paid(tenant.id, order), storefront=storefront).handled
        assert jobs_of_order(db, tenant.id, order["order_id"]) == []
    assert storefront.calls == []


def test_g3_an_order_that_cannot_print_is_still_accepted(printing, db, tenant, listeners, storefront):
    set_up_store(printing, tenant, listeners)
    order = paid_order(tenant.store, lines=[{"product_id": "p", "name": "茶", "quantity": 0, "amount_fen": 0}])
    done = on_storefront_order_paid(db, paid(tenant.id, order), storefront=storefront)
    assert (done.printed, done.accepted) == (INVALID, ACCEPTED)


def test_g3_a_malformed_event_is_acknowledged_without_effect(db, tenant, storefront):
    event = Event(type="storefront_order_paid", source="orders", tenant_id=tenant.id, data={"order": {"kind": "x"}})
    assert not on_storefront_order_paid(db, event, storefront=storefront).handled
    assert storefront.calls == []


def test_g3_tenants_print_only_in_their_own_stores(printing, db, tenant, listeners, storefront):
    set_up_store(printing, tenant, listeners)
    order = paid_order(tenant.store)
    # Another tenant's event naming this store id finds none of this tenant's printers or settings.
    stranger = ref("t")
    done = on_storefront_order_paid(db, paid(stranger, order), storefront=storefront)
    assert (done.printed, done.accepted) == (QUEUED, OFF)
    assert (
        jobs_of_order(db, stranger, order["order_id"]) == [] and jobs_of_order(db, tenant.id, order["order_id"]) == []
    )


def test_g3_the_subscription_routes_the_orders_event(printing, db, tenant, listeners, storefront):
    set_up_store(printing, tenant, listeners)
    routes = subscriptions(db, storefront)
    assert set(routes) == {("orders", "storefront_order_paid")}
    order = paid_order(tenant.store)
    routes[("orders", "storefront_order_paid")](paid(tenant.id, order))
    assert storefront.calls == [(tenant.id, order["order_id"], "accept")]
