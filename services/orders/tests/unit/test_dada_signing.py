"""Dada open platform signatures, status mapping and yuan/fen conversion (B12), without a server."""

from __future__ import annotations

import hashlib

import pytest

from orders.delivery.dada import (
    callback_signature,
    fen_to_yuan,
    map_status,
    request_signature,
    yuan_to_fen,
)
from orders.delivery.port import (
    STATUS_ACCEPTED,
    STATUS_CANCELLED,
    STATUS_DELIVERED,
    STATUS_DELIVERING,
    STATUS_FAILED,
    STATUS_PICKING,
)


def test_request_signature_is_secret_wrapped_sorted_key_values_upper_md5():
    params = {
        "v": "1.0",
        "timestamp": "1700000000",
        "source_id": "73753",
        "format": "json",
        "body": '{"order_id":"XS1"}',
        "app_key": "KEY",
        "signature": "ignored",
    }
    plain = 'Sapp_keyKEYbody{"order_id":"XS1"}formatjsonsource_id73753timestamp1700000000v1.0S'
    assert request_signature(params, "S") == hashlib.md5(plain.encode()).hexdigest().upper()
    assert request_signature(params, "S") != request_signature({**params, "body": "{}"}, "S")
    assert request_signature(params, "S") != request_signature(params, "T")


def test_callback_signature_is_md5_of_the_sorted_values():
    assert callback_signature("c", "b", "a") == hashlib.md5(b"abc").hexdigest()
    assert callback_signature("b", "a", "c") == callback_signature("c", "b", "a")


@pytest.mark.parametrize(
    ("dada", "reason", "cancel_from", "expected"),
    [
        (1, "", 0, (STATUS_ACCEPTED, "")),
        (8, "", 0, (STATUS_ACCEPTED, "")),
        (2, "", 0, (STATUS_PICKING, "")),
        (100, "", 0, (STATUS_PICKING, "")),
        (3, "", 0, (STATUS_DELIVERING, "")),
        (4, "", 0, (STATUS_DELIVERED, "")),
        (5, "顾客不要了", 2, (STATUS_CANCELLED, "顾客不要了")),
        (5, "", None, (STATUS_CANCELLED, "")),
        (5, "骑士车坏了", 1, (STATUS_FAILED, "骑士车坏了")),
        (5, "", 3, (STATUS_FAILED, "cancelled_by_provider")),
        (9, "", 0, (STATUS_FAILED, "returning_to_shop")),
        (10, "收货人拒收", 0, (STATUS_FAILED, "收货人拒收")),
        (1000, "", 0, (STATUS_FAILED, "provider_order_failed")),
    ],
)
def test_dada_statuses_map_onto_ours(dada, reason, cancel_from, expected):
    assert map_status(dada, reason, cancel_from) == expected


def test_an_unknown_status_is_an_error():
    with pytest.raises(ValueError):
        map_status(7)


def test_money_crosses_the_edge_exactly():
    assert fen_to_yuan(1234) == 12.34 and repr(fen_to_yuan(1234)) == "12.34"
    assert fen_to_yuan(1) == 0.01 and fen_to_yuan(100) == 1.0
    assert yuan_to_fen(12.34) == 1234 and yuan_to_fen("8.5") == 850 and yuan_to_fen(0) == 0
    assert yuan_to_fen(0.1 + 0.2) == 30  # float noise does not leak into fen
