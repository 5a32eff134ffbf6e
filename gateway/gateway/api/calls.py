"""Calling a service from a view: the one wrapper of ServiceClient.call, and the one table that
turns a service's field names in its errors into the names of our JSON.

A service names fields as in its proto (`price`, `lines.0.amount`); the JSON a client sent names
money `*_fen` and has no `product` wrapper. An error must name the field the client sent, so the
web app can show the message on it.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field

from flask import g

from crmkit.errors import DomainError
from gateway.api.common import config
from gateway.auth import client_ip
from gateway.idempotency import HEADER


@dataclass(frozen=True)
class FieldNames:
    """How one service's error fields become our JSON names.

    renames: a part of a dotted name (`price` in `lines.0.price`) and its JSON name; a key with
      dots (`lines.*.amount`) renames only the last part of a name that starts and ends so;
    wrapper: a first part the JSON does not have (`product.name` is `name`).
    """

    renames: Mapping[str, str] = field(default_factory=dict)
    wrapper: str = ""

    def __call__(self, name: str) -> str:
        parts = name.split(".")
        if self.wrapper and parts[0] == self.wrapper and len(parts) > 1:
            parts = parts[1:]
        for pattern, renamed in self.renames.items():
            first, *_, last = pattern.split(".") if "." in pattern else ("", "")
            if first and len(parts) > 1 and (parts[0], parts[-1]) == (first, last):
                parts[-1] = renamed
        return ".".join(self.renames.get(part, part) for part in parts)


_ORDERS = {"price": "price_fen", "wholesale_price": "wholesale_price_fen", "idempotency_key": HEADER}
# Peers (GatewayConfig attributes) whose error fields differ from our JSON; the others match it.
FIELD_NAMES: dict[str, FieldNames] = {
    "orders": FieldNames(_ORDERS, wrapper="product"),
    # The allocations' money: `allocations.0.amount` -> `allocations.0.amount_fen`.
    "receivables": FieldNames({**_ORDERS, "amount": "amount_fen"}, wrapper="product"),
    "coupons": FieldNames(
        {
            "value": "value_fen",
            "min_spend": "min_spend_fen",
            "conversion_value": "conversion_value_fen",
            "amount": "amount_fen",
        }
    ),
    # A ledger request's own `amount` is `amount` in JSON too; a pre-charge line's is not.
    "stored_value": FieldNames(
        {
            "paid": "paid_fen",
            "pay": "pay_fen",
            "bonus": "bonus_fen",
            "order_amount": "order_amount_fen",
            "lines.*.amount": "amount_fen",
        }
    ),
    # A storefront order's or refund's `amount` (B6 B8) -> `amount_fen`; its key is our header.
    "storefront": FieldNames({"amount": "amount_fen", "idempotency_key": HEADER}),
    # A ticket's money (G2): `paid` -> `paid_fen`, `lines.0.amount` -> `lines.0.amount_fen`.
    "printing": FieldNames(
        {
            "subtotal": "subtotal_fen",
            "discount": "discount_fen",
            "delivery_fee": "delivery_fee_fen",
            "paid": "paid_fen",
            "lines.*.amount": "amount_fen",
        }
    ),
}


def call(peer: str, method: str, request, *, token: str | None = None, timeout: float | None = None):
    """One gRPC call on behalf of the caller: their bearer token travels with it (if any; `token`
    overrides it, "" for none), under the client's deadline unless `timeout` (a spreadsheet or a
    100,000-code batch travels longer). Field names in errors come back as our JSON's."""
    bearer = token if token is not None else g.get("token")
    try:
        return getattr(config(), peer).call(method, request, token=bearer, timeout=timeout)
    except DomainError as err:
        rename = FIELD_NAMES.get(peer)
        if rename and err.fields:
            err.fields = {rename(name): key for name, key in err.fields.items()}
        raise


def call_upload(peer: str, method: str, requests, *, timeout: float | None = None):
    """A file sent in chunks (client streaming) on behalf of the caller, errors as `call`'s."""
    try:
        return getattr(config(), peer).upload(method, requests, token=g.get("token"), timeout=timeout)
    except DomainError as err:
        rename = FIELD_NAMES.get(peer)
        if rename and err.fields:
            err.fields = {rename(name): key for name, key in err.fields.items()}
        raise


def call_stream(peer: str, method: str, request, *, timeout: float | None = None, public: bool = False):
    """A server stream on behalf of the caller (or, `public`, under the gateway's service token):
    its first message is read here, so an error is raised while the view can still answer it;
    answers (first, the rest as an iterator)."""
    client = getattr(config(), peer)
    if public:
        messages = client.stream(method, request, as_service=True, timeout=timeout)
    else:
        messages = client.stream(method, request, token=g.get("token"), timeout=timeout)
    first = next(messages)
    return first, messages


def call_public(peer: str, method: str, request):
    """A public call (login, SMS codes, sign-up, refresh) made by the gateway on behalf of the
    person at client_ip(): under the gateway's service token, so the service believes the address
    it is given and counts its own per-source limits on it (identity, issue 11)."""
    return getattr(config(), peer).call(method, request, as_service=True, client_address=client_ip())
