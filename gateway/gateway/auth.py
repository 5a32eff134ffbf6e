"""Who is calling: the bearer token is verified here too, though every service verifies it again.

Verifying at the edge answers 401 before any gRPC call is made, and gives rate limits and
idempotency keys a trustworthy actor (tenant + staff) to be keyed by.
"""

from __future__ import annotations

from functools import wraps

from flask import current_app, g, request

from crmkit.auth import Actor
from crmkit.errors import DomainError, PermissionDenied, Unauthenticated

BEARER_SCHEME = "BearerAuth"


def bearer_token() -> str | None:
    header = request.headers.get("Authorization", "")
    scheme, _, token = header.partition(" ")
    if scheme.lower() != "bearer" or not token.strip():
        return None
    return token.strip()


def authenticate() -> None:
    """Before each request: remember the actor, or why there is none (raised only where needed,
    so a stale token does not block the public login and refresh endpoints). Whether the token's
    session was revoked is asked in the request's admission round trip (gateway.admission)."""
    g.token = bearer_token()
    g.actor = None
    g.auth_error = None
    if g.token:
        try:
            g.actor = current_app.extensions["gateway"].verifier.verify_claims(g.token)
        except DomainError as err:
            g.auth_error = err


def refuse_actor(err: DomainError) -> None:
    """The token turned out unusable after all (its session revoked, or the store that says so
    unreachable): the request goes on as one without an actor."""
    g.actor = None
    g.auth_error = err


def current_actor() -> Actor:
    if g.get("auth_error") is not None:
        raise g.auth_error
    if g.get("actor") is None:
        raise Unauthenticated("TOKEN_MISSING", "error.token_missing")
    return g.actor


def staff_only(view):
    """The view needs a valid access token of staff (or a service); 401 (or 403 for an expired
    seat) before anything else. A shop customer's token is 403 here, before any service is
    called: the services refuse it too (crmkit.grpc_server), this answers without the hop."""

    @wraps(view)
    def wrapper(*args, **kwargs):
        if current_actor().is_customer:
            raise PermissionDenied("STAFF_ONLY", "error.staff_only")
        return view(*args, **kwargs)

    wrapper._gateway_staff_only = True
    return wrapper


def customer_only(view):
    """The shop's own views (B6): a customer token from the storefront login; staff tokens are
    403 (staff act on storefront orders through /storefront/, with their own rules)."""

    @wraps(view)
    def wrapper(*args, **kwargs):
        if not current_actor().is_customer:
            raise PermissionDenied("CUSTOMERS_ONLY", "error.customers_only")
        return view(*args, **kwargs)

    wrapper._gateway_customer_only = True
    return wrapper


def client_ip() -> str:
    # Behind the Ingress the peer is the proxy; ProxyFix (configured in create_app) rewrites
    # remote_addr from X-Forwarded-For with a fixed number of trusted hops.
    return request.remote_addr or "unknown"
