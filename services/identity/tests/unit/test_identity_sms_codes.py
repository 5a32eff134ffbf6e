"""A2 and issue 11: SMS code rules and the Redis scripts that enforce them (fakeredis runs the
same Lua)."""

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


LOGIN, SIGNUP = sms_codes.LOGIN, sms_codes.SIGNUP


def issue(store, code="123456", phone=PHONE, purpose=LOGIN):
    return store.issue(phone, purpose, sms_codes.hash_code(phone, code), now=NOW)


def check(store, code, phone=PHONE, purpose=LOGIN):
    return store.check(phone, purpose, code)


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
    ttl = redis.ttl("t:identity:sms:code:login:" + PHONE)
    assert 290 < ttl <= 300


def test_a2_second_send_within_a_minute_is_refused(store):
    issue(store)
    result = issue(store, "654321")
    assert result.status == TOO_SOON and 0 < result.retry_after <= 60
    assert check(store, "123456") == CODE_OK  # the first code is untouched


def test_a2_eleventh_send_of_the_day_is_refused(store, redis):
    for _ in range(10):
        assert issue(store).status == ISSUED
        redis.delete("t:identity:sms:cooldown:login:" + PHONE)
    result = issue(store)
    assert result.status == DAILY_LIMIT and result.retry_after == 30 * 60


def test_a2_new_code_replaces_the_old_one_and_resets_wrong_tries(store, redis):
    issue(store, "111111")
    check(store, "000000")
    redis.delete("t:identity:sms:cooldown:login:" + PHONE)
    issue(store, "222222")
    assert check(store, "111111") == CODE_WRONG
    assert check(store, "222222") == CODE_OK


def test_a2_code_is_used_once(store):
    issue(store)
    assert check(store, "123456") == CODE_OK
    assert check(store, "123456") == CODE_GONE


def test_i11_signup_and_login_codes_are_apart(store, redis):
    # Given a login code and then a sign-up code for one phone (each purpose its own cooldown)
    assert issue(store, "111111").status == ISSUED
    assert issue(store, "222222", purpose=SIGNUP).status == ISSUED
    # Then neither code opens the other's door, and asking for one did not void the other
    assert check(store, "222222") == CODE_WRONG
    assert check(store, "111111", purpose=SIGNUP) == CODE_WRONG
    assert check(store, "111111") == CODE_OK
    assert check(store, "222222", purpose=SIGNUP) == CODE_OK


def test_i11_the_daily_limit_counts_every_purpose(store, redis):
    for i in range(10):
        purpose = (LOGIN, SIGNUP)[i % 2]
        assert issue(store, purpose=purpose).status == ISSUED
        redis.delete(f"t:identity:sms:cooldown:{purpose}:{PHONE}")
    assert issue(store, purpose=SIGNUP).status == DAILY_LIMIT


def test_a2_fifth_wrong_try_voids_the_code(store):
    issue(store)
    assert [check(store, "000000") for _ in range(5)] == [CODE_WRONG] * 5
    assert check(store, "123456") == CODE_GONE


def test_a2_passwords_are_argon2_hashed():
    hashed = hash_password("abcd1234")
    assert hashed.startswith("$argon2id$")
    assert verify_password(hashed, "abcd1234")
    assert not verify_password(hashed, "abcd12345")
    assert not verify_password(None, "abcd1234")
    assert not verify_password("not-a-hash", "abcd1234")
