"""H3, issue 16 (P1): the relay sends a batch to RabbitMQ and waits for the broker's publisher
confirms once for the whole batch; a row is marked published only once the broker confirmed it,
and a nack or a broker failure leaves the rows to be sent again. A real RabbitMQ, in a vhost of
the test's own."""

from __future__ import annotations

import pika
import pytest
from crmkit_fixtures import Outbox, note_written
from sqlalchemy import select

from crmkit import testing
from crmkit.relay import OutboxRelay, PikaPublisher, PublishFailed

EXCHANGE = "kit.events"


class CountingPublisher(PikaPublisher):
    """Counts the waits for the broker (confirm mode switched on, then each confirm wait)."""

    def __init__(self, url: str):
        super().__init__(url, confirm_timeout=10.0)
        self.waits = 0

    def _wait(self, done, what):
        self.waits += 1
        return super()._wait(done, what)


@pytest.fixture
def broker():
    vhost, url = testing.create_vhost("crmkit_relay")
    connection = pika.BlockingConnection(pika.URLParameters(url))
    channel = connection.channel()
    channel.exchange_declare(EXCHANGE, exchange_type="topic", durable=True)
    yield url, channel
    connection.close()
    testing.delete_vhost(vhost)


def bind_queue(channel, name: str, **arguments) -> None:
    channel.queue_declare(name, arguments=arguments or None)
    channel.queue_bind(name, EXCHANGE, routing_key="#")


def queued(channel, name: str) -> int:
    return channel.queue_declare(name, passive=True).method.message_count


def write_events(db, count: int, start: int = 0) -> None:
    with db.uow() as uow:
        for i in range(start, start + count):
            uow.publish(note_written(i=i), "t1")
        uow.commit()


def rows(db) -> list[tuple[bool, int]]:
    with db.uow() as uow:
        found = uow.session.execute(select(Outbox.published_at, Outbox.attempts).order_by(Outbox.id)).all()
    return [(published is not None, attempts) for published, attempts in found]


def test_h3_a_batch_is_confirmed_by_the_broker_with_one_wait(sqlite_db, broker):
    url, channel = broker
    bind_queue(channel, "all")
    publisher = CountingPublisher(url)
    relay = OutboxRelay(sqlite_db, publisher, batch_size=50)
    write_events(sqlite_db, 20)

    assert relay.publish_pending() == 20
    # One wait for confirm mode on the new channel, one for the 20 confirms
    assert publisher.waits == 2
    assert rows(sqlite_db) == [(True, 1)] * 20
    assert queued(channel, "all") == 20
    # The next batch reuses the channel: one wait
    write_events(sqlite_db, 5, start=20)
    assert relay.publish_pending() == 5
    assert publisher.waits == 3
    assert queued(channel, "all") == 25
    relay.stop()


def test_h3_a_nacked_message_and_those_after_it_stay_unpublished(sqlite_db, broker):
    # Given a queue that refuses (nacks) what is published past its second message
    url, channel = broker
    bind_queue(channel, "small", **{"x-max-length": 2, "x-overflow": "reject-publish"})
    relay = OutboxRelay(sqlite_db, PikaPublisher(url, confirm_timeout=10.0))
    write_events(sqlite_db, 4)
    # When the relay publishes the batch
    with pytest.raises(PublishFailed) as failed:
        relay.publish_pending()
    # Then the two confirmed rows are published; the nacked one counts an attempt; none is lost
    assert failed.value.published == 2
    assert rows(sqlite_db) == [(True, 1), (True, 1), (False, 1), (False, 0)]
    # And once the queue has room, the rest goes on the same publisher
    channel.queue_purge("small")
    assert relay.publish_pending() == 2
    assert rows(sqlite_db) == [(True, 1), (True, 1), (True, 2), (True, 1)]
    relay.stop()


def test_h3_a_broker_failure_mid_batch_leaves_the_batch_unpublished(sqlite_db, broker):
    # Given a relay that already published to the exchange (it knows it is declared)
    url, channel = broker
    bind_queue(channel, "all")
    relay = OutboxRelay(sqlite_db, PikaPublisher(url, confirm_timeout=10.0))
    write_events(sqlite_db, 1)
    assert relay.publish_pending() == 1
    # When the exchange disappears, the broker closes the relay's channel on the next batch
    channel.exchange_delete(EXCHANGE)
    write_events(sqlite_db, 3, start=1)
    with pytest.raises(PublishFailed) as failed:
        relay.publish_pending()
    # Then nothing of that batch is marked published
    assert failed.value.published == 0
    assert rows(sqlite_db) == [(True, 1), (False, 1), (False, 0), (False, 0)]
    # And the next pass reconnects, declares the exchange again and publishes all three
    channel.exchange_declare(EXCHANGE, exchange_type="topic", durable=True)
    channel.queue_bind("all", EXCHANGE, routing_key="#")
    assert relay.publish_pending() == 3
    assert rows(sqlite_db) == [(True, 1), (True, 2), (True, 1), (True, 1)]
    relay.stop()


def test_h3_a_broker_out_of_reach_leaves_every_row_unpublished(sqlite_db, broker):
    relay = OutboxRelay(sqlite_db, PikaPublisher(f"amqp://guest:guest@127.0.0.1:{testing.free_port()}/%2F"))
    write_events(sqlite_db, 2)
    with pytest.raises(PublishFailed) as failed:
        relay.publish_pending()
    assert failed.value.published == 0
    assert rows(sqlite_db) == [(False, 1), (False, 0)]
