"""H1: the embedded Redis stand-in keeps its keys across a restart (ADR 0008)."""

from __future__ import annotations

import threading
import time

import fakeredis

from crmkit import local_redis
from crmkit.local_redis import journaled_server


def client(path):
    return fakeredis.FakeRedis(server=journaled_server(path), decode_responses=True)


def test_h1_keys_values_and_expiries_survive_a_restart(tmp_path):
    path = tmp_path / "redis.journal"
    r = client(path)
    r.set("idem:1", "first response", ex=3600)
    r.hset("h", mapping={"a": "1", "b": "2"})
    r.hincrby("h", "a", 5)
    r.zincrby("board", 3, "alice")
    r.sadd("s", "x", "y")
    r.set("gone", "1")
    r.delete("gone")
    r.set("short", "1", px=50)

    time.sleep(0.1)
    again = client(path)
    assert again.get("idem:1") == "first response"
    assert 3590 < again.ttl("idem:1") <= 3600
    assert again.hgetall("h") == {"a": "6", "b": "2"}
    assert again.zscore("board", "alice") == 3
    assert again.smembers("s") == {"x", "y"}
    assert again.get("gone") is None and again.get("short") is None


def test_h1_script_writes_and_pipelines_are_journaled(tmp_path):
    path = tmp_path / "redis.journal"
    r = client(path)
    take = r.register_script("redis.call('DECR', KEYS[1]); return redis.call('HINCRBY', KEYS[2], ARGV[1], 1)")
    r.set("stock", 10)
    take(keys=["stock", "held"], args=["13800000000"])
    with r.pipeline(transaction=True) as pipe:
        pipe.incr("n").expire("n", 60).execute()

    again = client(path)
    assert again.get("stock") == "9" and again.hget("held", "13800000000") == "1"
    assert again.get("n") == "1" and again.ttl("n") > 0
    # The script cache is not kept; redis-py loads the script again by itself.
    take2 = again.register_script("redis.call('DECR', KEYS[1]); return redis.call('HINCRBY', KEYS[2], ARGV[1], 1)")
    assert take2(keys=["stock", "held"], args=["13800000000"]) == 2


def test_h1_a_record_cut_short_by_a_crash_is_ignored(tmp_path):
    path = tmp_path / "redis.journal"
    r = client(path)
    r.set("kept", "1")
    r.set("torn", "2")
    with open(path, "r+b") as f:  # the process died half-way through the last record
        f.truncate(path.stat().st_size - 3)
    again = client(path)
    assert again.get("kept") == "1" and again.get("torn") is None


def test_h1_the_journal_is_compacted_to_the_live_keys(tmp_path, monkeypatch):
    monkeypatch.setattr(local_redis, "COMPACT_MIN_BYTES", 4096)
    path = tmp_path / "redis.journal"
    r = client(path)
    for i in range(2000):
        r.set("counter", i)
    assert path.stat().st_size < 4096 * 2
    assert client(path).get("counter") == "1999"


def test_h1_concurrent_writers_leave_the_journal_consistent(tmp_path):
    path = tmp_path / "redis.journal"
    r = client(path)

    def bump():
        for _ in range(200):
            r.incr("n")

    threads = [threading.Thread(target=bump) for _ in range(4)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert client(path).get("n") == "800"
