"""A2: SMS code rules and the Redis scripts that enforce them (fakeredis runs the same Lua)."""

from __future__ import annotations

from datetime import UTC, datetime

import fakeredis
import pytest

from crmkit.redis_client import Keys
from identity.domain import sms_codes
from identity.passwords import hash_password, verify_password
from identity.sms_store import (
    CODE_GONE,
    CODE_OK,
    CODE_WRONG,
    DAILY_LIMIT,
    ISSUED,
    TOO_SOON,
    PasswordAttempts,
    SmsCodeStore,
)

PHONE = "13800000000"
NOW = datetime(2025, 3, 1, 15, 30, tzinfo=UTC)  # 23:30 in China


@pytest.fixture
def redis():
    return fakeredis.FakeRedis(decode_responses=True)


@pytest.fixture
def store(redis):
    return SmsCodeStore(redis, Keys("t:", "identity"))


def issue(store, code="123456", phone=PHONE):
    return store.issue(phone, sms_codes.hash_code(phone, code), now=NOW)


def test_a2_codes_are_six_random_digits():
    codes = {sms_codes.generate_code() for _ in range(200)}
    assert all(len(c) == 6 and c.isdigit() for c in codes)
    assert len(codes) > 150


def test_a2_code_hash_is_bound_to_the_phone():
    assert sms_codes.hash_code(PHONE, "123456") != sms_codes.hash_code("13800000001", "123456")
    assert sms_codes.codes_match(sms_codes.hash_code(PHONE, "123456"), PHONE, "123456")


@pytest.mark.parametrize(("code", "ok"), [("123456", True), ("12345", False), ("1234567", False), ("12345a", False)])
def test_a2_code_format(code, ok):
    assert sms_codes.is_well_formed(code) is ok


def test_a2_the_day_is_chinas_day():
    assert sms_codes.day_key(NOW) == "20250301"
    assert sms_codes.day_key(datetime(2025, 3, 1, 16, 0, tzinfo=UTC)) == "20250302"
    assert sms_codes.seconds_until_day_ends(NOW) == 30 * 60


def test_a2_code_lives_five_minutes(store, redis):
    assert issue(store).status == ISSUED
    ttl = redis.ttl("t:identity:sms:code:" + PHONE)
    assert 290 < ttl <= 300


def test_a2_second_send_within_a_minute_is_refused(store):
    issue(store)
    result = issue(store, "654321")
    assert result.status == TOO_SOON and 0 < result.retry_after <= 60
    assert store.check(PHONE, "123456", consume=True) == CODE_OK  # the first code is untouched


def test_a2_eleventh_send_of_the_day_is_refused(store, redis):
    for _ in range(10):
        assert issue(store).status == ISSUED
        redis.delete("t:identity:sms:cooldown:" + PHONE)
    result = issue(store)
    assert result.status == DAILY_LIMIT and result.retry_after == 30 * 60


def test_a2_new_code_replaces_the_old_one_and_resets_wrong_tries(store, redis):
    issue(store, "111111")
    store.check(PHONE, "000000", consume=True)
    redis.delete("t:identity:sms:cooldown:" + PHONE)
    issue(store, "222222")
    assert store.check(PHONE, "111111", consume=True) == CODE_WRONG
    assert store.check(PHONE, "222222", consume=True) == CODE_OK


def test_a2_code_is_used_once(store):
    issue(store)
    assert store.check(PHONE, "123456", consume=True) == CODE_OK
    assert store.check(PHONE, "123456", consume=True) == CODE_GONE


def test_a2_check_without_consuming_keeps_the_code(store):
    issue(store)
    assert store.check(PHONE, "123456", consume=False) == CODE_OK
    assert store.check(PHONE, "123456", consume=True) == CODE_OK


def test_a2_fifth_wrong_try_voids_the_code(store):
    issue(store)
    assert [store.check(PHONE, "000000", consume=True) for _ in range(5)] == [CODE_WRONG] * 5
    assert store.check(PHONE, "123456", consume=True) == CODE_GONE


def test_a2_password_attempts_block_after_the_limit(redis):
    attempts = PasswordAttempts(redis, Keys("t:", "identity"), limit=3, window_seconds=900)
    for _ in range(2):
        attempts.record_failure(PHONE)
    assert attempts.blocked(PHONE) == 0
    attempts.record_failure(PHONE)
    assert 0 < attempts.blocked(PHONE) <= 900
    attempts.reset(PHONE)
    assert attempts.blocked(PHONE) == 0


def test_a2_passwords_are_argon2_hashed():
    hashed = hash_password("abcd1234")
    assert hashed.startswith("$argon2id$")
    assert verify_password(hashed, "abcd1234")
    assert not verify_password(hashed, "abcd12345")
    assert not verify_password(None, "abcd1234")
    assert not verify_password("not-a-hash", "abcd1234")
