"""Issue 16 (P1 P2): a verified token is remembered until its expiry, so its signature is checked
once, not on every call; expiry, the seat's end and revocation still apply at once. Real Redis
for the revocations, under a key prefix of the test's own."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import jwt
import pytest
import redis

from crmkit import auth, testing
from crmkit.auth import STAFF, TokenIssuer, TokenVerifier, generate_keypair
from crmkit.errors import PermissionDenied, Unauthenticated
from crmkit.revocation import RevokedSessions
from crmkit.token_cache import VerifiedTokens

PRIVATE, PUBLIC = generate_keypair()
ISSUER = TokenIssuer(PRIVATE)
# PyJWT still checks `iat` against the real clock: the test's moments start now.
T0 = datetime.now(UTC).replace(microsecond=0)
TTL = timedelta(minutes=15)
LEEWAY = 5


class Clock:
    def __init__(self, moment: datetime):
        self.moment = moment

    def __call__(self) -> float:
        return self.moment.timestamp()


@pytest.fixture
def decodes(monkeypatch):
    """How many times a signature was really checked."""
    calls = []
    real = jwt.decode

    def counting(*args, **kwargs):
        calls.append(args[0])
        return real(*args, **kwargs)

    monkeypatch.setattr(auth.jwt, "decode", counting)
    return calls


def staff_token(subject: str = "s1", **kwargs) -> str:
    kwargs.setdefault("now", T0)
    return ISSUER.issue(kind=STAFF, subject_id=subject, tenant_id="t1", ttl=TTL, **kwargs)[0]


def test_p16_a_token_is_verified_once_then_served_from_the_cache(decodes):
    verifier = TokenVerifier(PUBLIC, clock=Clock(T0))
    token = staff_token()

    actors = [verifier.verify(token) for _ in range(3)]

    assert len(decodes) == 1
    assert actors[0] == actors[2] and actors[0].subject_id == "s1" and actors[0].issued_at == T0.timestamp()


def test_p16_a_cached_token_still_expires_on_time(decodes):
    # Given a token verified (and cached) when it was issued
    clock = Clock(T0)
    verifier = TokenVerifier(PUBLIC, leeway_seconds=LEEWAY, clock=clock)
    token = staff_token()
    verifier.verify(token)
    expiry = T0 + TTL
    # A second before its exp it is still served from the cache
    clock.moment = expiry - timedelta(seconds=1)
    verifier.verify(token)
    assert len(decodes) == 1
    # At its exp the cache no longer answers: the full check does, with PyJWT's leeway
    clock.moment = expiry
    verifier.verify(token)
    assert len(decodes) == 2
    # And past the leeway the token is refused, as by a verifier that never saw it
    clock.moment = expiry + timedelta(seconds=LEEWAY)
    with pytest.raises(Unauthenticated) as err:
        verifier.verify(token)
    assert err.value.code == "TOKEN_EXPIRED"
    with pytest.raises(Unauthenticated) as fresh:
        TokenVerifier(PUBLIC, leeway_seconds=LEEWAY, clock=clock).verify(token)
    assert fresh.value.code == "TOKEN_EXPIRED"


def test_p16_a_cached_token_is_refused_once_its_seat_ends():
    verifier = TokenVerifier(PUBLIC, clock=Clock(T0))
    token = staff_token(seat_until=T0 + timedelta(minutes=1))
    verifier.verify(token, now=T0)
    with pytest.raises(PermissionDenied) as err:
        verifier.verify(token, now=T0 + timedelta(minutes=1))
    assert err.value.code == "SEAT_EXPIRED"


def test_p16_failed_tokens_are_not_cached(decodes):
    verifier = TokenVerifier(PUBLIC, clock=Clock(T0))
    forged = TokenIssuer(generate_keypair()[0]).issue(kind=STAFF, subject_id="s1", ttl=TTL, now=T0)[0]
    for _ in range(2):
        with pytest.raises(Unauthenticated) as err:
            verifier.verify(forged)
        assert err.value.code == "TOKEN_INVALID"
    assert len(decodes) == 2


@pytest.fixture
def revocations():
    client = redis.Redis.from_url(testing.REDIS_URL, decode_responses=True)
    prefix = testing.unique_name("tokcache") + ":"
    clock = Clock(T0)
    yield RevokedSessions(client, prefix, clock=clock), clock
    testing.delete_redis_prefix(client, prefix)
    client.close()


def test_p16_a_cached_token_of_a_revoked_session_is_refused_at_once(revocations, decodes):
    # Given a token of session 1, verified and cached
    revoked, clock = revocations
    verifier = TokenVerifier(PUBLIC, revoked=revoked, clock=Clock(T0))
    token = staff_token(session_id="sess-1")
    verifier.verify(token)
    # When the session is revoked a second later
    clock.moment = T0 + timedelta(seconds=1)
    revoked.revoke(["sess-1"], token_ttl=TTL)
    # Then the very next call refuses the token, though its signature was not checked again
    with pytest.raises(Unauthenticated) as err:
        verifier.verify(token)
    assert err.value.code == "TOKEN_REVOKED"
    assert len(decodes) == 1
    # And a token the session issues after the revocation passes
    later = staff_token(session_id="sess-1", now=T0 + timedelta(seconds=2))
    assert verifier.verify(later).session_id == "sess-1"


def test_p16_the_cache_is_bounded_and_drops_the_least_recently_used(decodes):
    verifier = TokenVerifier(PUBLIC, cache_size=3, clock=Clock(T0))
    tokens = [staff_token(subject=f"s{i}") for i in range(5)]
    for token in tokens:
        verifier.verify(token)
    assert len(verifier._verified) == 3
    # The two oldest left: checking them again checks their signature again
    verifier.verify(tokens[4])
    assert len(decodes) == 5
    verifier.verify(tokens[0])
    assert len(decodes) == 6


def test_p16_verified_tokens_keep_the_recently_used_and_never_serve_expired():
    memo: VerifiedTokens[str] = VerifiedTokens(2)
    memo.put("a", "A", expires_at=100.0)
    memo.put("b", "B", expires_at=100.0)
    assert memo.get("a", now=1.0) == "A"  # "a" is now the most recent
    memo.put("c", "C", expires_at=100.0)
    assert (memo.get("a", 1.0), memo.get("b", 1.0), memo.get("c", 1.0)) == ("A", None, "C")
    assert memo.get("a", now=100.0) is None and len(memo) == 1
    no_memo = VerifiedTokens(0)
    no_memo.put("a", "A", expires_at=100.0)
    assert no_memo.get("a", 1.0) is None
