"""B6 B12: the storefront's providers as the environment configures them, and the ids our orders
travel under to the providers and back."""

import uuid
from datetime import UTC, datetime, timedelta

import pytest
from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.x509.oid import NameOID

from crmkit.settings import MissingSetting
from orders.delivery import fake_server as fake_dada
from orders.payments import crypto, fake_keys
from orders.payments import fake_server as fake_wechatpay
from orders.providers import delivery_from_env, payments_from_env, platform_key
from orders.service.storefront_callbacks import id_of, out_no
from orders.service.storefront_delivery import order_id_of, provider_order_id

WECHATPAY = {
    "PUBLIC_BASE_URL": "https://crm.example.com/",
    "WECHATPAY_MCH_ID": fake_wechatpay.TEST_MCHID,
    "WECHATPAY_APP_ID": fake_wechatpay.TEST_APPID,
    "WECHATPAY_MERCHANT_SERIAL_NO": fake_wechatpay.TEST_MERCHANT_SERIAL_NO,
    "WECHATPAY_PLATFORM_SERIAL_NO": fake_wechatpay.TEST_PLATFORM_SERIAL_NO,
    # As a one-line .env file carries it.
    "WECHATPAY_PRIVATE_KEY": fake_keys.FAKE_MERCHANT_PRIVATE_KEY.replace("\n", "\\n"),
    "WECHATPAY_PLATFORM_PUBLIC_KEY": fake_keys.FAKE_PLATFORM_PUBLIC_KEY,
    "WECHATPAY_API_V3_KEY": fake_wechatpay.TEST_APIV3_KEY.decode(),
}
DADA = {
    "PUBLIC_BASE_URL": "https://crm.example.com",
    "DADA_APP_KEY": fake_dada.TEST_APP_KEY,
    "DADA_APP_SECRET": fake_dada.TEST_APP_SECRET,
    "DADA_SOURCE_ID": fake_dada.TEST_SOURCE_ID,
    "DADA_SHOP_NO": "11047059",
    "DADA_CITY_CODE": "021",
}


def test_b6_no_merchant_id_no_wechat_pay_and_no_app_key_no_dada():
    assert payments_from_env({}) is None and delivery_from_env({"DADA_SHOP_NO": "1"}) is None


def test_b6_wechat_pay_from_the_environment_notifies_the_gateways_public_route():
    payments = payments_from_env(WECHATPAY)
    assert payments.notify_url == "https://crm.example.com/api/v1/callbacks/wechatpay"
    params = payments.port.pay_params("wx201410272009395522657a690389285100")
    assert params.appId == fake_wechatpay.TEST_APPID and params.package.startswith("prepay_id=")


@pytest.mark.parametrize("missing", [n for n in WECHATPAY if n != "WECHATPAY_MCH_ID"])
def test_b6_a_merchant_id_without_the_rest_stops_startup_naming_it(missing):
    with pytest.raises(MissingSetting) as err:
        payments_from_env({**WECHATPAY, missing: ""})
    assert err.value.name == missing


def test_b6_the_apiv3_key_and_the_public_address_are_checked():
    with pytest.raises(ValueError, match="WECHATPAY_API_V3_KEY"):
        payments_from_env({**WECHATPAY, "WECHATPAY_API_V3_KEY": "short"})
    with pytest.raises(ValueError, match="PUBLIC_BASE_URL"):
        payments_from_env({**WECHATPAY, "PUBLIC_BASE_URL": "crm.example.com"})


def test_b6_the_platform_key_may_come_as_a_platform_certificate():
    key = crypto.generate_key()
    name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "Tenpay.com Root CA")])
    now = datetime.now(UTC)
    cert = (
        x509.CertificateBuilder()
        .subject_name(name)
        .issuer_name(name)
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now)
        .not_valid_after(now + timedelta(days=1))
        .sign(key, hashes.SHA256())
    )
    pem = cert.public_bytes(serialization.Encoding.PEM).decode()
    assert platform_key(pem).public_numbers() == key.public_key().public_numbers()
    assert platform_key(crypto.public_pem(key.public_key())).public_numbers() == key.public_key().public_numbers()


def test_b12_dada_from_the_environment():
    delivery = delivery_from_env(DADA)
    assert (delivery.shop_no, delivery.city_code) == ("11047059", "021")
    assert delivery.callback_url == "https://crm.example.com/api/v1/callbacks/dada"
    assert delivery.port.provider == "dada"
    assert delivery.cargo_weight_kg == 1.0
    assert delivery_from_env({**DADA, "DADA_CARGO_WEIGHT_KG": "2.5"}).cargo_weight_kg == 2.5
    for wrong in ("0", "-1", "heavy", "1001"):
        with pytest.raises(ValueError, match="DADA_CARGO_WEIGHT_KG"):
            delivery_from_env({**DADA, "DADA_CARGO_WEIGHT_KG": wrong})
    for missing in ("DADA_APP_SECRET", "DADA_SOURCE_ID", "DADA_SHOP_NO", "DADA_CITY_CODE", "PUBLIC_BASE_URL"):
        with pytest.raises(MissingSetting) as err:
            delivery_from_env({**DADA, missing: ""})
        assert err.value.name == missing


def test_b6_an_order_id_goes_to_wechat_as_32_hex_digits_and_comes_back():
    order_id = str(uuid.uuid4())
    no = out_no(order_id)
    assert len(no) == 32 and id_of(no) == order_id
    for not_ours in ("", "SF20261205-0001", no.upper(), no[:-1], no + "0", None):
        assert id_of(not_ours) is None


def test_b12_provider_order_ids_of_each_hand_over():
    order_id = str(uuid.uuid4())
    assert provider_order_id(order_id, 1) == order_id
    assert provider_order_id(order_id, 3) == f"{order_id}-3"
    assert order_id_of(f"{order_id}-3") == order_id == order_id_of(order_id)
    assert order_id_of("someone-else") is None and order_id_of("") is None
