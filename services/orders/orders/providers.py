"""The storefront's providers as the environment configures them (declaration.py lists the
variables): WeChat Pay (B6), Dada (B12), and where they send their callbacks.

A provider is configured by its first variable (WECHATPAY_MCH_ID, DADA_APP_KEY): empty, the
storefront runs without it (WeChat payments and hand-overs to Dada are refused with a clear
code; stored value and the merchant's own rider still work); set, every other variable it needs
must be there too, or the server does not start (a half-configured provider would take money it
cannot see arrive).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass

from cryptography import x509
from cryptography.hazmat.primitives.asymmetric import rsa

from crmkit.settings import MissingSetting
from orders.delivery.dada import PROD_BASE_URL, Dada, DadaConfig
from orders.delivery.port import DeliveryPort
from orders.payments import crypto
from orders.payments.port import PaymentPort
from orders.payments.wechatpay import DEFAULT_BASE_URL, WeChatPay, WeChatPayConfig

# The gateway's public routes the providers POST to (gateway/gateway/api: ProviderCallback).
WECHATPAY_CALLBACK_PATH = "/api/v1/callbacks/wechatpay"
DADA_CALLBACK_PATH = "/api/v1/callbacks/dada"


@dataclass(frozen=True)
class Payments:
    """WeChat Pay as the storefront pays through it: the port, and the address of our callback
    route it is told to notify."""

    port: PaymentPort
    notify_url: str


@dataclass(frozen=True)
class Delivery:
    """Dada as the storefront delivers through it: the port, the shop (门店编号) deliveries leave
    from and its city (Dada's city code), and the address of our callback route."""

    port: DeliveryPort
    shop_no: str
    city_code: str
    callback_url: str
    # Dada prices and assigns by weight and its API requires one; the catalogue keeps none, so a
    # parcel weighs what the merchant sets (DADA_CARGO_WEIGHT_KG).
    cargo_weight_kg: float = 1.0


def callback_url(public_base_url: str, path: str) -> str:
    return public_base_url.rstrip("/") + path


def _get(environ: Mapping[str, str], name: str) -> str:
    return (environ.get(name) or "").strip()


def _required(environ: Mapping[str, str], name: str) -> str:
    value = _get(environ, name)
    if not value:
        raise MissingSetting(name)
    return value


def platform_key(pem: str) -> rsa.RSAPublicKey:
    """WeChat Pay's platform key from its public key PEM (微信支付公钥) or a platform certificate."""
    if "BEGIN CERTIFICATE" in pem:
        key = x509.load_pem_x509_certificate(pem.encode()).public_key()
        if not isinstance(key, rsa.RSAPublicKey):
            raise ValueError("the WeChat Pay platform certificate must hold an RSA key")
        return key
    return crypto.load_public_key(pem)


def _pem(value: str) -> str:
    # A PEM set in a one-line place (an .env file) may carry its line breaks as "\n".
    return value.replace("\\n", "\n")


def payments_from_env(environ: Mapping[str, str]) -> Payments | None:
    mchid = _get(environ, "WECHATPAY_MCH_ID")
    if not mchid:
        return None
    apiv3_key = _required(environ, "WECHATPAY_API_V3_KEY").encode()
    if len(apiv3_key) != 32:
        raise ValueError("WECHATPAY_API_V3_KEY must be the merchant's 32-character APIv3 key")
    port = WeChatPay(
        WeChatPayConfig(
            mchid=mchid,
            appid=_required(environ, "WECHATPAY_APP_ID"),
            merchant_serial_no=_required(environ, "WECHATPAY_MERCHANT_SERIAL_NO"),
            merchant_private_key=crypto.load_private_key(_pem(_required(environ, "WECHATPAY_PRIVATE_KEY"))),
            platform_serial_no=_required(environ, "WECHATPAY_PLATFORM_SERIAL_NO"),
            platform_public_key=platform_key(_pem(_required(environ, "WECHATPAY_PLATFORM_PUBLIC_KEY"))),
            apiv3_key=apiv3_key,
            base_url=_get(environ, "WECHATPAY_BASE_URL") or DEFAULT_BASE_URL,
        )
    )
    return Payments(port, callback_url(_public_base_url(environ), WECHATPAY_CALLBACK_PATH))


def delivery_from_env(environ: Mapping[str, str]) -> Delivery | None:
    app_key = _get(environ, "DADA_APP_KEY")
    if not app_key:
        return None
    port = Dada(
        DadaConfig(
            app_key=app_key,
            app_secret=_required(environ, "DADA_APP_SECRET"),
            source_id=_required(environ, "DADA_SOURCE_ID"),
            base_url=_get(environ, "DADA_BASE_URL") or PROD_BASE_URL,
        )
    )
    return Delivery(
        port,
        shop_no=_required(environ, "DADA_SHOP_NO"),
        city_code=_required(environ, "DADA_CITY_CODE"),
        callback_url=callback_url(_public_base_url(environ), DADA_CALLBACK_PATH),
        cargo_weight_kg=_weight(environ, "DADA_CARGO_WEIGHT_KG"),
    )


def _weight(environ: Mapping[str, str], name: str) -> float:
    raw = _get(environ, name) or "1"
    try:
        kg = float(raw)
    except ValueError:
        kg = 0.0
    if not 0 < kg <= 1000:
        raise ValueError(f"{name}: a weight in kilograms above 0 and at most 1000, not {raw!r}")
    return kg


def _public_base_url(environ: Mapping[str, str]) -> str:
    """Required once a provider is configured: its callbacks must reach us."""
    base = _required(environ, "PUBLIC_BASE_URL")
    if not base.startswith(("http://", "https://")):
        raise ValueError("PUBLIC_BASE_URL must be an http(s) address")
    return base
