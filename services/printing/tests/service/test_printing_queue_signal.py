"""G3 G4 on PostgreSQL: jobs queued in one process wake the dispatchers of the others (the worker
queues, the server prints) when their transaction commits, never for one rolled back; an order
sent twice at the same moment is queued once."""

from __future__ import annotations

import threading
import time

import pytest
from printing_service_kit import network
from printing_testkit import takeaway

from crmkit.auth import SERVICE, Actor
from crmkit.db import utcnow
from printing.db import database
from printing.models import TicketRow
from printing.queue_signal import Listener, announce, listen_url, subscribe, unsubscribe
from printing.service.tickets import print_ticket


@pytest.fixture
def heard(database_url):
    """A listener on its own connection, as a dispatcher in another process keeps one."""
    woken = threading.Event()
    listener = Listener(listen_url(database(database_url, pool_size=1)), woken.set, poll=0.2).start()
    assert listener.listening.wait(10)
    time.sleep(0.1)
    woken.clear()  # the wake-up every (re)connection makes
    yield woken
    listener.stop()


def service(tenant_id: str) -> Actor:
    return Actor(kind=SERVICE, subject_id="printing", tenant_id=tenant_id)


def test_g3_queued_jobs_wake_a_listener_of_another_connection_at_commit(printing, db, heard, tenant):
    printing.call("CreatePrinter", network(tenant.store, 9100), token=tenant.owner)
    print_ticket(db, service(tenant.id), takeaway(tenant.store), now=utcnow())
    assert heard.wait(5)


def test_g3_a_rolled_back_transaction_wakes_no_one(db, heard):
    local = threading.Event()
    subscribe(local.set)
    try:
        with db.uow() as uow:
            announce(uow)
            uow.rollback()
        assert not heard.wait(1.0)
        assert not local.is_set()
    finally:
        unsubscribe(local.set)


def test_g4_the_same_order_sent_twice_at_once_is_queued_once(db, tenant):
    ticket = takeaway(tenant.store)
    # Another delivery of the same order has inserted its ticket and not committed yet.
    first = db.uow().__enter__()
    first.session.add(
        TicketRow(
            tenant_id=tenant.id,
            store_id=tenant.store,
            order_id=ticket.order_id,
            order_no=ticket.order_no,
            kind=ticket.kind,
            payload=ticket.to_json(),
            created_at=utcnow(),
        )
    )
    first.session.flush()
    answers = []
    second = threading.Thread(target=lambda: answers.append(print_ticket(db, service(tenant.id), ticket, now=utcnow())))
    second.start()
    time.sleep(0.5)  # the second INSERT waits on the first transaction's row
    assert second.is_alive()
    first.commit()
    first.__exit__(None, None, None)
    second.join(10)
    [answer] = answers
    assert answer.replayed and answer.jobs == []
