"""H3: events are written with the change, published by the relay, handled once."""

import threading

import pytest
from crmkit_fixtures import Note, Outbox, ProcessedEvent, note_written
from sqlalchemy import func, select

from crmkit.relay import OutboxRelay, PublishFailed


class FlakyPublisher:
    def __init__(self):
        self.sent = []
        self.down = False
        self.fail_after: int | None = None

    def publish(self, evt):
        if self.down or (self.fail_after is not None and len(self.sent) >= self.fail_after):
            raise PublishFailed("broker down")
        self.sent.append(evt)

    def close(self):
        pass


def test_h3_event_exists_only_when_the_change_commits(any_db):
    with any_db.uow() as uow:
        uow.session.add(Note(tenant_id="t1", text="kept"))
        uow.publish(note_written(text="kept"), "t1")
        uow.commit()
    with any_db.uow() as uow:
        uow.session.add(Note(tenant_id="t1", text="dropped"))
        uow.publish(note_written(text="dropped"), "t1")
        # no commit: leaving the block rolls back both the row and its event
    with any_db.uow() as uow:
        assert uow.session.scalar(select(func.count()).select_from(Note)) == 1
        assert uow.session.scalar(select(func.count()).select_from(Outbox)) == 1


def test_h3_broker_outage_delays_events_and_loses_none(any_db):
    publisher = FlakyPublisher()
    relay = OutboxRelay(any_db, publisher)
    with any_db.uow() as uow:
        for i in range(3):
            uow.publish(note_written(i=i), "t1")
        uow.commit()
    publisher.down = True
    with pytest.raises(PublishFailed):
        relay.publish_pending()
    assert publisher.sent == []
    publisher.down = False
    assert relay.publish_pending() == 3
    assert [e.data["i"] for e in publisher.sent] == [0, 1, 2]
    assert relay.publish_pending() == 0


def test_h3_failure_mid_batch_keeps_what_was_published_and_counts_the_attempt(any_db):
    publisher = FlakyPublisher()
    relay = OutboxRelay(any_db, publisher)
    with any_db.uow() as uow:
        for i in range(3):
            uow.publish(note_written(i=i), "t1")
        uow.commit()
    publisher.fail_after = 1
    with pytest.raises(PublishFailed):
        relay.publish_pending()
    with any_db.uow() as uow:
        rows = uow.session.execute(select(Outbox.published_at, Outbox.attempts).order_by(Outbox.id)).all()
    assert [(published is not None, attempts) for published, attempts in rows] == [(True, 1), (False, 1), (False, 0)]
    publisher.fail_after = None
    assert relay.publish_pending() == 2
    assert [e.data["i"] for e in publisher.sent] == [0, 1, 2]


def test_h3_claim_event_makes_redelivery_a_no_op(any_db):
    def handle(event_id):
        with any_db.uow() as uow:
            if not uow.claim_event(event_id, "kit.on_note"):
                return False
            uow.session.add(Note(tenant_id="t1", text=event_id))
            uow.commit()
            return True

    assert handle("e1") is True
    assert handle("e1") is False
    with any_db.uow() as uow:
        assert uow.session.scalar(select(func.count()).select_from(Note)) == 1


def test_h3_concurrent_redeliveries_apply_once_on_postgresql(pg_db):
    results = []
    barrier = threading.Barrier(8)

    def handle():
        barrier.wait()
        with pg_db.uow() as uow:
            if uow.claim_event("same", "kit.on_note"):
                uow.session.add(Note(tenant_id="t1", text="once"))
                uow.commit()
                results.append(True)
            else:
                results.append(False)

    threads = [threading.Thread(target=handle) for _ in range(8)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert results.count(True) == 1
    with pg_db.uow() as uow:
        assert uow.session.scalar(select(func.count()).select_from(Note)) == 1
        assert uow.session.scalar(select(func.count()).select_from(ProcessedEvent)) == 1
