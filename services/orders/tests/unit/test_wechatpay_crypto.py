"""WeChat Pay v3 signatures and resource encryption (B6), checked without a server."""

from __future__ import annotations

import pytest
from cryptography.exceptions import InvalidTag

from orders.payments import crypto

KEY = b"0123456789abcdef0123456789abcdef"


@pytest.fixture(scope="module")
def key():
    return crypto.generate_key()


def test_a_signature_verifies_only_for_its_message_and_key(key):
    message = crypto.response_message("1700000000", "NONCE", '{"a":1}')
    signature = crypto.sign(key, message)
    assert crypto.verify(key.public_key(), message, signature)
    assert not crypto.verify(key.public_key(), message.replace("1", "2"), signature)
    assert not crypto.verify(crypto.generate_key().public_key(), message, signature)
    assert not crypto.verify(key.public_key(), message, "not base64!")


def test_messages_are_the_documented_lines():
    assert crypto.request_message("GET", "/v3/x?mchid=1", "1", "N", "") == "GET\n/v3/x?mchid=1\n1\nN\n\n"
    assert crypto.response_message("1", "N", "{}") == "1\nN\n{}\n"
    assert crypto.pay_sign_message("wx1", "2", "N", "prepay_id=p") == "wx1\n2\nN\nprepay_id=p\n"


def test_authorization_header_round_trips(key):
    header = crypto.authorization(
        mchid="1900000109",
        serial_no="SERIAL",
        private_key=key,
        method="POST",
        path_with_query="/v3/pay/transactions/jsapi",
        body="{}",
        timestamp="1700000000",
        nonce="ABC",
    )
    assert header.startswith("WECHATPAY2-SHA256-RSA2048 mchid=")
    params = crypto.parse_authorization(header)
    assert params is not None
    assert params["mchid"] == "1900000109" and params["serial_no"] == "SERIAL" and params["nonce_str"] == "ABC"
    message = crypto.request_message("POST", "/v3/pay/transactions/jsapi", "1700000000", "ABC", "{}")
    assert crypto.verify(key.public_key(), message, params["signature"])
    assert crypto.parse_authorization("Bearer x") is None


def test_resource_opens_only_with_the_same_key_and_associated_data():
    sealed = crypto.encrypt_resource(KEY, '{"total":100}', "transaction", "abcdefabcdef")
    assert crypto.decrypt_resource(KEY, sealed, "transaction", "abcdefabcdef") == '{"total":100}'
    with pytest.raises(InvalidTag):
        crypto.decrypt_resource(KEY, sealed, "refund", "abcdefabcdef")
    with pytest.raises(InvalidTag):
        crypto.decrypt_resource(b"x" * 32, sealed, "transaction", "abcdefabcdef")
