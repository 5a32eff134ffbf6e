"""H3 in the embedded mode: the local broker keeps RabbitMQ's promises (ADR 0008)."""

from __future__ import annotations

import threading
import time

from crmkit_fixtures import Note, note_written
from sqlalchemy import func, select

from crmkit.events import Event
from crmkit.local_broker import LocalBroker, queue_name
from crmkit.relay import OutboxRelay


def eventually(check, timeout=10.0):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if check():
            return True
        time.sleep(0.02)
    return check()


def event(type="note_written", **data):
    return Event(type=type, source="kit", tenant_id="t1", data=data)


def test_h3_each_bound_queue_gets_its_own_copy_and_other_events_none(tmp_path):
    broker = LocalBroker(tmp_path / "bus.db")
    first, second = [], []
    broker.bind("a", "kit", "note_written", first.append)
    broker.bind("b", "kit", "note_written", second.append)
    broker.start()
    broker.publish(event(x=1))
    broker.publish(event("other"))
    assert eventually(lambda: len(first) == 1 and len(second) == 1)
    assert first[0].data == {"x": 1} and second[0].event_id == first[0].event_id
    assert eventually(lambda: broker.pending() == 0)
    broker.stop()


def test_h3_handler_may_write_to_the_database_whose_relay_published_the_event(sqlite_db, tmp_path):
    """Given SQLite's one writer, a handler run inside the relay's transaction would wait on it
    forever; the broker delivers after the relay's commit, from its own thread."""
    broker = LocalBroker(tmp_path / "bus.db")

    def on_note(evt):
        with sqlite_db.uow() as uow:
            if uow.claim_event(evt.event_id, "kit.on_note"):
                uow.session.add(Note(tenant_id="t1", text=f"seen {evt.data['x']}"))
                uow.commit()

    broker.bind("kit", "kit", "note_written", on_note)
    broker.start()
    relay = OutboxRelay(sqlite_db, broker, poll_interval=0.05).start()
    with sqlite_db.uow() as uow:
        uow.publish(note_written(x=1), "t1")
        uow.commit()

    def seen():
        with sqlite_db.uow() as uow:
            return uow.session.scalar(select(func.count()).select_from(Note)) == 1

    assert eventually(seen)
    relay.stop()
    broker.stop()


def test_h3_a_queue_declared_in_an_earlier_run_keeps_events_published_before_rebinding(tmp_path):
    path = tmp_path / "bus.db"
    broker = LocalBroker(path)
    broker.bind("a", "kit", "note_written", lambda evt: None)
    broker.stop()

    # Restarted: a relay publishes before the consumer is bound again.
    broker = LocalBroker(path)
    broker.publish(event(x=7))
    got = []
    broker.bind("a", "kit", "note_written", got.append)
    broker.start()
    assert eventually(lambda: [e.data for e in got] == [{"x": 7}])
    broker.stop()


def test_h3_undelivered_messages_survive_a_restart(tmp_path):
    path = tmp_path / "bus.db"
    broker = LocalBroker(path)
    broker.bind("a", "kit", "note_written", lambda evt: None)
    broker.publish(event(x=1))  # never started: nothing delivered yet
    broker.stop()

    broker = LocalBroker(path)
    got = []
    broker.bind("a", "kit", "note_written", got.append)
    broker.start()
    assert eventually(lambda: len(got) == 1)
    broker.stop()


def test_h3_publishing_the_same_event_twice_queues_it_once(tmp_path):
    broker = LocalBroker(tmp_path / "bus.db")
    broker.bind("a", "kit", "note_written", lambda evt: None)
    evt = event(x=1)
    broker.publish(evt)
    broker.publish(evt)  # a relay that crashed before marking the row publishes again
    assert broker.pending(queue_name("a", "kit", "note_written")) == 1
    broker.stop()


def test_h3_a_failing_handler_gets_the_event_again_and_others_go_on(tmp_path):
    broker = LocalBroker(tmp_path / "bus.db", first_pause=0.05)
    calls, done = [], []
    fail_once = threading.Event()

    def flaky(evt):
        calls.append(evt.data["x"])
        if evt.data["x"] == 1 and not fail_once.is_set():
            fail_once.set()
            raise RuntimeError("database down")
        done.append(evt.data["x"])

    broker.bind("a", "kit", "note_written", flaky)
    broker.start()
    broker.publish(event(x=1))
    broker.publish(event(x=2))
    assert eventually(lambda: sorted(done) == [1, 2])
    assert calls.count(1) == 2
    assert eventually(lambda: broker.pending() == 0)
    broker.stop()
