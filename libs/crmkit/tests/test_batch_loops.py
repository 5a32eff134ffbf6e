"""ADR 0017, ADR 0021: the batch loops beside the gRPC servers (crmkit.batch_loops), on the
in-process Redis engine the embedded mode runs (fakeredis): a batch is acknowledged only once it
is handled, a batch a dead consumer abandoned is taken over, and a named error makes the loop wait
longer each time and carry on."""

from __future__ import annotations

import threading
import time
from dataclasses import dataclass

import fakeredis
import pytest
import redis
from prometheus_client import CollectorRegistry, Gauge

from crmkit.batch_loops import BatchLoop, GroupStream, Pace, StreamBatchLoop, make_deliveries, text


@dataclass(frozen=True)
class Item:
    entry_id: str
    word: str | None  # None: an entry without a word


class Words(GroupStream[Item]):
    group = "word-copiers"
    claim_idle_ms = 60_000

    def __init__(self, client: redis.Redis):
        super().__init__(client, "t:words")

    def _deliveries(self, entries) -> list[Item]:
        return make_deliveries(entries, lambda entry_id, fields: Item(entry_id, fields.get("w")))

    def add(self, *words: str) -> list[str]:
        return [text(self._redis.xadd(self.key, {"w": word})) for word in words]

    def acknowledge(self, items: list[Item]) -> None:
        ids = [i.entry_id for i in items]
        self._redis.xack(self.key, self.group, *ids)
        self._redis.xdel(self.key, *ids)

    def pending(self) -> int:
        return self._redis.xpending(self.key, self.group)["pending"]


class DatabaseDown(Exception):
    pass


class Copier(StreamBatchLoop[Item]):
    """Copies words; its first `failures` batches fail as a database that is down would."""

    thread_name = "test-word-copier"
    retry_on = (redis.RedisError, DatabaseDown)
    failure = "words not copied"
    first_backoff = 0.01
    max_backoff = 0.04

    def __init__(self, stream: Words, *, consumer="copier", batch=10, claim_idle_ms=60_000, take_over_every=0.0):
        super().__init__(stream, consumer=consumer, batch=batch, claim_idle_ms=claim_idle_ms)
        self.take_over_every = take_over_every
        self.failures = 0
        self.copied: list[str] = []

    def pace(self) -> Pace:
        return Pace(block_ms=0, idle_seconds=0.005, backlog_every=3600.0, take_over_every=self.take_over_every)

    def batch_once(self, *, block_ms: int) -> int:
        items = self.take(block_ms=block_ms)
        if not items:
            return 0
        if self.failures:
            self.failures -= 1
            raise DatabaseDown("connection refused")
        self.copied += [i.word for i in items]
        self.stream.acknowledge(items)
        return len(items)


class RecordedWaits(threading.Event):
    """A stop event that notes every pause of the loop."""

    def __init__(self):
        super().__init__()
        self.waits: list[float] = []

    def wait(self, timeout=None):
        self.waits.append(timeout)
        return super().wait(timeout)


@pytest.fixture
def words():
    client = fakeredis.FakeRedis(server=fakeredis.FakeServer(), decode_responses=True)
    stream = Words(client)
    yield stream
    client.close()


def until(predicate, timeout=5.0):
    deadline = time.monotonic() + timeout
    while not predicate() and time.monotonic() < deadline:
        time.sleep(0.01)
    return predicate()


def test_a_batch_is_acknowledged_only_once_it_is_handled(words):
    words.add("a", "b")
    copier = Copier(words, claim_idle_ms=0)
    copier.failures = 1
    with pytest.raises(DatabaseDown):
        copier.batch_once(block_ms=0)
    # Failed: still pending and still in the stream, for this consumer or any other to take over.
    assert (copier.copied, words.pending(), words.backlog()) == ([], 2, 2)
    assert copier.batch_once(block_ms=0) == 2
    assert (copier.copied, words.pending(), words.backlog()) == (["a", "b"], 0, 0)
    assert copier.batch_once(block_ms=0) == 0


def test_a_batch_a_dead_consumer_abandoned_is_taken_over_once_idle_before_new_entries(words):
    words.ensure_group()
    words.ensure_group()  # a second consumer starting: the group exists already
    words.add("a", "b")
    assert [i.word for i in words.read("dies", count=10, block_ms=0)] == ["a", "b"]  # then killed
    words.add("c")
    assert words.take_over("heir", count=10) == []  # the stream's claim_idle_ms has not passed

    patient = Copier(words, consumer="patient", claim_idle_ms=60_000)
    assert patient.batch_once(block_ms=0) == 1 and patient.copied == ["c"]
    heir = Copier(words, consumer="heir", claim_idle_ms=0)
    assert heir.batch_once(block_ms=0) == 2 and heir.copied == ["a", "b"]
    assert (words.pending(), words.backlog()) == (0, 0)


def test_a_consumer_looks_for_abandoned_entries_only_every_take_over_every_seconds(words):
    words.ensure_group()
    words.add("a")
    words.read("dies", count=10, block_ms=0)
    heir = Copier(words, consumer="heir", claim_idle_ms=0, take_over_every=3600.0)
    assert heir.batch_once(block_ms=0) == 1  # its first batch looks
    words.add("b")
    words.read("dies", count=10, block_ms=0)
    assert heir.batch_once(block_ms=0) == 0 and words.pending() == 1  # not again so soon


def test_a_named_error_makes_the_loop_wait_longer_each_time_and_carry_on(words, caplog):
    words.add("a", "b")
    copier = Copier(words, claim_idle_ms=0)  # a failed batch is this consumer's to take over at once
    copier.failures = 4
    copier._stop = RecordedWaits()
    copier.start()
    try:
        assert until(lambda: copier.copied == ["a", "b"])
        copier.failures = 1
        words.add("c")
        assert until(lambda: copier.copied == ["a", "b", "c"])
    finally:
        copier.stop()
    assert not copier._thread.is_alive()
    # Doubled up to max_backoff, and from the start again after a batch went through; between
    # them only the idle pause.
    assert [w for w in copier._stop.waits if w != 0.005] == [0.01, 0.02, 0.04, 0.04, 0.01]
    failed = [r.getMessage() for r in caplog.records if r.name == __name__]
    assert failed == ["words not copied; retrying in 0.0 s"] * 5


@pytest.mark.filterwarnings("ignore::pytest.PytestUnhandledThreadExceptionWarning")
def test_an_error_the_loop_does_not_name_ends_it(words):
    class Broken(Copier):
        def batch_once(self, *, block_ms):
            raise ValueError("a bug, not an outage")

    loop = Broken(words).start()
    loop._thread.join(5)
    assert not loop._thread.is_alive()


def test_the_backlog_gauge_is_read_every_backlog_every_seconds(words):
    registry = CollectorRegistry()

    class Measured(Copier):
        backlog_gauge = Gauge("test_words_backlog", "Words waiting", registry=registry)

    words.add("a", "b", "c")
    copier = Measured(words, batch=2)
    assert copier.step() is True  # handled some: the next step follows at once
    assert registry.get_sample_value("test_words_backlog") == 1
    assert copier.step() is True
    assert registry.get_sample_value("test_words_backlog") == 1  # not read again within backlog_every
    assert copier.step() is False and copier.idle_seconds() == 0.005


def test_a_stopped_loop_starts_again():
    class Ticks(BatchLoop):
        thread_name = "test-ticks"

        def __init__(self):
            super().__init__()
            self.ticks = 0

        def step(self) -> bool:
            self.ticks += 1
            return False

        def idle_seconds(self) -> float:
            return 0.01

    loop = Ticks().start()
    assert until(lambda: loop.ticks > 0)
    loop.stop()
    before = loop.ticks
    loop.start()
    assert until(lambda: loop.ticks > before)
    loop.stop()
    assert not loop._thread.is_alive()


def test_an_entry_without_fields_is_not_delivered_and_ids_come_as_text():
    got = make_deliveries([(b"1-0", {}), (b"2-0", {b"w": b"x"}), ("3-0", None)], lambda i, f: (i, f))
    assert got == [("2-0", {b"w": b"x"})]
