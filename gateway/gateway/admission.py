"""Admitting an API request, before its view: who calls (gateway.auth), whether their login
session was revoked, their rate limit, and their Idempotency-Key claim. The last three are one
Redis round trip (gateway.ratelimit's script): they were three, on every request (issue 16).

What each step does when Redis cannot answer is unchanged: a token whose revocation cannot be
checked is refused (503, ADR 0011), the rate limit lets the request through, and a keyed POST is
answered 503 by its view, which cannot claim the key either.
"""

from __future__ import annotations

import logging

import redis
from flask import g, request

from crmkit.auth import token_revoked
from crmkit.errors import DomainError
from crmkit.revocation import store_unavailable
from gateway import idempotency
from gateway.auth import authenticate, client_ip, refuse_actor
from gateway.ratelimit import ALERTS, CALLBACKS, PUBLIC, Admission, RateLimiter, SessionCheck, refuse_over_limit

log = logging.getLogger(__name__)


def install(app, api_blueprints: set[str]) -> None:
    config = app.extensions["gateway"]
    limiter = RateLimiter(config.redis, config.keys)

    @app.before_request
    def guard():
        if request.blueprint not in api_blueprints:
            return
        authenticate()
        cfg = app.extensions["gateway"]
        view = app.view_functions.get(request.endpoint)
        admission = _admit(limiter, cfg, view, _session_check(cfg))
        if admission is not None:
            refuse_over_limit(admission.verdict)


def _bucket(view, cfg) -> tuple[str, int]:
    marker = getattr(view, "_gateway_rate_limit", None)
    actor = g.actor
    if marker == PUBLIC:
        return f"ip:{client_ip()}:{request.endpoint}", cfg.rate_limit_public_per_min
    if marker == CALLBACKS:
        # Payment and delivery providers call from a few addresses: a bucket of their own (B6).
        return f"callback:{client_ip()}:{request.endpoint}", cfg.rate_limit_callbacks_per_min
    if marker == ALERTS and actor is not None:
        return f"alerts:{actor.tenant_id}:{actor.subject_id}", cfg.rate_limit_alerts_per_min
    if actor is not None:
        return f"actor:{actor.tenant_id}:{actor.subject_id}", cfg.rate_limit_actor_per_min
    # No valid token: the view will answer 401, but 401s must not be free to hammer.
    return f"anon:{client_ip()}", cfg.rate_limit_actor_per_min


def _session_check(cfg) -> SessionCheck | None:
    """The revocation check to make in the round trip, if the token has a session to check."""
    actor, revoked = g.actor, cfg.verifier.revoked
    if actor is None or not actor.session_id or revoked is None:
        return None
    if revoked.client is cfg.redis:
        return SessionCheck(revoked.key(actor.session_id), actor.issued_at)
    # Revocations kept in another Redis than this round trip's: asked apart, as a service does.
    try:
        cfg.verifier.check_revoked(actor)
    except DomainError as err:
        refuse_actor(err)
    return None


def _admit(limiter: RateLimiter, cfg, view, session: SessionCheck | None) -> Admission | None:
    """The round trip's answer, None when Redis could not give one."""
    claim = idempotency.claim_for(view)
    try:
        admission = limiter.admit(*_bucket(view, cfg), session=session, claim=claim and claim[0], client=cfg.redis)
        if admission.revoked:
            # Counted and keyed as a request without a token, as the view will answer it.
            refuse_actor(token_revoked())
            claim = idempotency.claim_for(view)
            admission = limiter.admit(*_bucket(view, cfg), claim=claim and claim[0], client=cfg.redis)
    except redis.RedisError:
        if session is not None and g.actor is not None:
            # Refuse rather than let a possibly revoked token through (ADR 0011).
            refuse_actor(store_unavailable())
        # Fail open: limits protect the services, they are not worth refusing every request.
        log.warning("rate limiter unavailable; request let through", exc_info=True)
        return None
    if claim is not None and admission.verdict.allowed:
        idempotency.admitted(*claim, admission)
    return admission
