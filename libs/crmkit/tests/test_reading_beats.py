"""P7: the queue of reading beats between the gateway and marketing (crmkit.reading_beats)."""

from __future__ import annotations

import fakeredis

from crmkit.reading_beats import BeatStream


def stream(**kw) -> BeatStream:
    return BeatStream(fakeredis.FakeRedis(server=fakeredis.FakeServer(), decode_responses=True), "t:", **kw)


def test_p7_a_beat_comes_back_with_its_totals_and_the_time_redis_took_it():
    beats = stream()
    beats.ensure_group()
    entry_id = beats.append("view-1", "visitor-key-0001", 12, 3)
    (delivery,) = beats.read("c1", count=10, block_ms=0)
    assert delivery.entry_id == entry_id
    beat = delivery.beat
    assert (beat.view_id, beat.visitor_key, beat.seconds, beat.clicks) == ("view-1", "visitor-key-0001", 12, 3)
    assert int(beat.at.timestamp() * 1000) == int(entry_id.split("-")[0])
    assert beats.read("c2", count=10, block_ms=0) == []  # one consumer of the group gets it


def test_p7_an_unacknowledged_beat_is_taken_over_and_an_acknowledged_one_is_gone():
    beats = stream()
    beats.ensure_group()
    beats.ensure_group()  # a second drainer starting: the group exists already
    beats.append("view-1", "visitor-key-0001", 1, 0)
    beats.append("view-2", "visitor-key-0002", 2, 0)
    taken = beats.read("dies", count=10, block_ms=0)
    assert beats.take_over("heir", count=10, min_idle_ms=60_000) == []  # not idle long enough
    heir = beats.take_over("heir", count=10, min_idle_ms=0)
    assert [d.entry_id for d in heir] == [d.entry_id for d in taken]
    beats.acknowledge(d.entry_id for d in heir)
    assert beats.take_over("heir", count=10, min_idle_ms=0) == [] and beats.backlog() == 0


def test_p7_a_malformed_entry_is_delivered_as_nothing_to_apply_and_the_stream_is_capped():
    beats = stream(max_length=10)
    beats.ensure_group()
    beats._redis.xadd(beats.key, {"v": "view-1", "s": "not a number"})
    (delivery,) = beats.read("c1", count=10, block_ms=0)
    assert delivery.beat is None
    for i in range(500):
        beats.append("view-1", "visitor-key-0001", i, 0)
    assert beats.backlog() < 500  # trimmed (approximately) near max_length
