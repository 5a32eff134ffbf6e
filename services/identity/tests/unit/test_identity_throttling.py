"""Issue 11: wrong passwords counted per (phone, source) with a wider per-phone count that spares
the sources the owner logged in from; request counters per source. Pure rules and the Redis
scripts (fakeredis runs the same Lua)."""

from __future__ import annotations

import fakeredis
import pytest

from crmkit.redis_client import Keys
from identity.domain import roles
from identity.domain.throttling import UNKNOWN_SOURCE, Limit, Limits, source_key
from identity.throttle import ALLOWED, PHONE_UNDER_ATTACK, SOURCE_LOCKED, PasswordAttempts, WindowCounters

PHONE = "13800000000"
OWNER_SHOP, STRANGER, OTHER_STRANGER = "198.51.100.7", "203.0.113.5", "203.0.113.6"
LIMITS = Limits(passwords_per_phone_and_source=Limit(3, 900), passwords_per_phone=Limit(5, 900))


@pytest.fixture
def redis():
    return fakeredis.FakeRedis(decode_responses=True)


@pytest.fixture
def attempts(redis):
    return PasswordAttempts(redis, Keys("t:", "identity"), LIMITS, clock=lambda: 1_800_000_000.0)


def fail(attempts, source, times=1, phone=PHONE):
    """Wrong passwords: each try is counted by attempt() and never taken back."""
    return [attempts.attempt(phone, source).status for _ in range(times)]


@pytest.mark.parametrize(
    ("address", "source"),
    [
        ("203.0.113.5", "203.0.113.5"),
        (" 203.0.113.5 ", "203.0.113.5"),
        ("2001:db8:1:2:3:4:5:6", "2001:db8:1:2::/64"),
        ("2001:db8:1:2:ffff::1", "2001:db8:1:2::/64"),
        ("::ffff:203.0.113.5", "203.0.113.5"),
        ("", UNKNOWN_SOURCE),
        (None, UNKNOWN_SOURCE),
        ("unix", "unix"),
    ],
)
def test_i11_one_source_per_ipv4_address_and_per_ipv6_64(address, source):
    assert source_key(address) == source


@pytest.mark.parametrize(
    ("role", "before", "after", "taken"),
    [
        ("salesperson", ["change_price"], [], {"change_price"}),
        ("salesperson", ["change_price", "see_all_customers"], ["see_all_customers"], {"change_price"}),
        ("salesperson", [], ["change_price"], set()),
        # The owner holds every switch whatever the stored set says: nothing is taken away.
        ("owner", ["change_price"], [], set()),
    ],
)
def test_i11_switches_taken_away_are_what_the_token_must_stop_carrying(role, before, after, taken):
    assert roles.switches_taken_away([role], before, after) == taken


def test_i11_a_strangers_guesses_lock_only_the_stranger_out(attempts):
    # Given a stranger who used up the per-source limit on the owner's phone
    assert fail(attempts, STRANGER, 3) == [ALLOWED] * 3
    # Then the stranger waits, even with the right password
    refused = attempts.attempt(PHONE, STRANGER)
    assert refused.status == SOURCE_LOCKED and 0 < refused.retry_after <= 900
    # And the owner at the shop still tries (and logs in)
    assert attempts.attempt(PHONE, OWNER_SHOP).allowed
    attempts.succeeded(PHONE, OWNER_SHOP, counted=True)


def test_i11_guessing_from_many_sources_spares_the_sources_the_owner_used(attempts):
    # Given the owner logged in from the shop once (an SMS code proves the phone too)
    attempts.succeeded(PHONE, OWNER_SHOP, counted=False)
    # When strangers spread five wrong passwords over two addresses (the per-phone limit)
    fail(attempts, STRANGER, 3)
    fail(attempts, OTHER_STRANGER, 2)
    # Then a third unknown address waits, while the shop may still try
    verdict = attempts.attempt(PHONE, "192.0.2.1")
    assert verdict.status == PHONE_UNDER_ATTACK and verdict.retry_after > 0
    assert attempts.attempt(PHONE, OWNER_SHOP).allowed


def test_i11_a_right_password_takes_its_try_back(attempts, redis):
    # Given two wrong tries and then the right one from one source
    fail(attempts, OWNER_SHOP, 2)
    assert attempts.attempt(PHONE, OWNER_SHOP).allowed
    attempts.succeeded(PHONE, OWNER_SHOP, counted=True)
    # Then the source starts afresh and the phone counts only the two wrong ones
    assert redis.get(f"t:identity:pwd:fail:{PHONE}:{OWNER_SHOP}") is None
    assert redis.get(f"t:identity:pwd:fail:{PHONE}") == "2"
    assert fail(attempts, OWNER_SHOP, 3) == [ALLOWED] * 3


def test_i11_other_phones_are_not_affected(attempts):
    fail(attempts, STRANGER, 3)
    assert attempts.attempt("13900000000", STRANGER).allowed


def test_i11_known_sources_keep_the_newest_few(redis):
    attempts = PasswordAttempts(redis, Keys("t:", "identity"), LIMITS, clock=iter(range(10**9, 10**9 + 100)).__next__)
    for i in range(25):
        attempts.succeeded(PHONE, f"10.0.0.{i}", counted=False)
    known = redis.zrange(f"t:identity:pwd:known:{PHONE}", 0, -1)
    assert len(known) == 20 and "10.0.0.24" in known and "10.0.0.0" not in known


def test_i11_window_counter_refuses_past_the_limit_with_the_wait(redis):
    counters = WindowCounters(redis, Keys("t:", "identity"))
    assert [counters.hit("sms", STRANGER, Limit(2, 3600)) for _ in range(2)] == [0, 0]
    wait = counters.hit("sms", STRANGER, Limit(2, 3600))
    assert 0 < wait <= 3600
    assert counters.hit("sms", OWNER_SHOP, Limit(2, 3600)) == 0
