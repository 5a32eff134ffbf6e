"""The orders service as the platform sees it (crmkit.declaration, ADR 0012)."""

from pathlib import Path

from crmkit.declaration import Declaration, Resources, Variable, Worker

from .delivery import fake_server as fake_dada
from .payments import fake_keys
from .payments import fake_server as fake_wechatpay

DECLARATION = Declaration(
    name="orders",
    grpc_port=50054,
    doc="catalogue, stock, orders and returns, receivables and collections, performance, storefront orders "
    "(B1-B7, B9-B11, E4)",
    grpc_services=(
        "crm.orders.v1.OrdersService",
        "crm.orders.v1.ReceivablesService",
        "crm.orders.v1.PerformanceService",
        "crm.orders.v1.StorefrontService",
    ),
    build="orders.server:build",
    ports="orders.server:ports_from_env",
    migrations=Path(__file__).parent / "migrations",
    peers={
        "customers": "the customer of an order, its level and credit",
        "coupons": "orders redeem the coupons they use (E4) with their own service token",
        "identity": "the tenant's stores, one of which a storefront order must name (B6)",
    },
    env=(
        Variable(
            "FILE_STORE",
            "Proof images of collections (B4) in an S3-compatible bucket (OSS, COS, MinIO, S3).",
            default="s3",
        ),
        Variable("S3_BUCKET"),
        Variable("S3_REGION"),
        Variable("S3_ENDPOINT_URL"),
        Variable("S3_ADDRESSING_STYLE", default="virtual"),
        Variable("S3_ACCESS_KEY_ID", secret=("crm-orders-s3", "access-key-id")),
        Variable("S3_SECRET_ACCESS_KEY", secret=("crm-orders-s3", "secret-access-key")),
        Variable(
            "STOREFRONT_UNPAID_MINUTES",
            "Minutes a storefront order waits for payment before it closes and its stock and coupons go back (B6).",
            default="15",
        ),
        Variable(
            "PUBLIC_BASE_URL",
            "The gateway's address as WeChat Pay's and Dada's servers reach it (as the gateway's own "
            "PUBLIC_BASE_URL): they POST to <it>/api/v1/callbacks/wechatpay and /api/v1/callbacks/dada. "
            "Required with either provider.",
        ),
        # Storefront payments (B6): WeChat Pay API v3, JSAPI.
        Variable(
            "WECHATPAY_MCH_ID",
            "WeChat Pay merchant id (商户号) storefront orders are paid to; empty: no WeChat payments "
            "(stored value still works). Set, every WECHATPAY_* below is required.",
        ),
        Variable("WECHATPAY_APP_ID", "The mini program or official account (AppID) bound to the merchant id."),
        Variable("WECHATPAY_MERCHANT_SERIAL_NO", "Serial number of the merchant API certificate (商户API证书序列号)."),
        Variable(
            "WECHATPAY_PLATFORM_SERIAL_NO",
            "The WeChat Pay public key id (PUB_KEY_ID_...) or platform certificate serial its answers "
            "and notifications are signed with.",
        ),
        Variable("WECHATPAY_BASE_URL", "WeChat Pay's API host.", default="https://api.mch.weixin.qq.com"),
        Variable(
            "WECHATPAY_PRIVATE_KEY",
            "The merchant API private key (apiclient_key.pem, PEM; optional: only with WECHATPAY_MCH_ID).",
            secret=("crm-wechatpay", "merchant-private-key"),
            optional=True,
        ),
        Variable(
            "WECHATPAY_PLATFORM_PUBLIC_KEY",
            "The WeChat Pay public key (or platform certificate), PEM (optional: only with WECHATPAY_MCH_ID).",
            secret=("crm-wechatpay", "platform-public-key"),
            optional=True,
        ),
        Variable(
            "WECHATPAY_API_V3_KEY",
            "The merchant's 32-character APIv3 key (optional: only with WECHATPAY_MCH_ID).",
            secret=("crm-wechatpay", "api-v3-key"),
            optional=True,
        ),
        # Storefront delivery (B12): the Dada open platform.
        Variable(
            "DADA_APP_KEY",
            "Dada open platform app key; empty: takeaway orders are not handed to Dada (the merchant "
            "delivers). Set, every DADA_* below is required.",
        ),
        Variable("DADA_SOURCE_ID", "The Dada merchant id (商户编号)."),
        Variable("DADA_SHOP_NO", "The Dada shop (门店编号) deliveries leave from."),
        Variable("DADA_CITY_CODE", "Dada's code of the shop's city (e.g. 021)."),
        Variable("DADA_BASE_URL", "Dada's API host.", default="https://newopen.imdada.cn"),
        Variable(
            "DADA_CARGO_WEIGHT_KG",
            "The weight (kg) each takeaway is handed to Dada with: its API requires one and the catalogue keeps none.",
            default="1",
        ),
        Variable(
            "DADA_APP_SECRET",
            "The Dada app secret (optional: only with DADA_APP_KEY).",
            secret=("crm-dada", "app-secret"),
            optional=True,
        ),
    ),
    # Proof images on the run's own disk folder, their URLs signed with a secret of the run; WeChat
    # Pay and Dada are the local fakes (python -m orders.payments.fake_server's serve_fake...), with
    # their fixed test accounts and keys, calling back this run's gateway.
    local_env={
        "FILE_STORE": "local",
        "FILE_STORE_ROOT": "{folder:files}",
        "FILE_STORE_SIGNING_SECRET": "{secret:file-signing}",
        "PUBLIC_BASE_URL": "{gateway}",
        "WECHATPAY_MCH_ID": fake_wechatpay.TEST_MCHID,
        "WECHATPAY_APP_ID": fake_wechatpay.TEST_APPID,
        "WECHATPAY_MERCHANT_SERIAL_NO": fake_wechatpay.TEST_MERCHANT_SERIAL_NO,
        "WECHATPAY_PLATFORM_SERIAL_NO": fake_wechatpay.TEST_PLATFORM_SERIAL_NO,
        "WECHATPAY_BASE_URL": "{fake:orders.payments.fake_server}",
        "WECHATPAY_PRIVATE_KEY": fake_keys.FAKE_MERCHANT_PRIVATE_KEY,
        "WECHATPAY_PLATFORM_PUBLIC_KEY": fake_keys.FAKE_PLATFORM_PUBLIC_KEY,
        "WECHATPAY_API_V3_KEY": fake_wechatpay.TEST_APIV3_KEY.decode(),
        "DADA_APP_KEY": fake_dada.TEST_APP_KEY,
        "DADA_APP_SECRET": fake_dada.TEST_APP_SECRET,
        "DADA_SOURCE_ID": fake_dada.TEST_SOURCE_ID,
        "DADA_SHOP_NO": "fake-shop-1",
        "DADA_CITY_CODE": "021",
        "DADA_BASE_URL": "{fake:orders.delivery.fake_server}",
    },
    worker=Worker(
        wire="orders.subscriptions:wire",
        doc="feeds the monthly sales ranking in Redis from order_approved / return_approved (B9)",
        # Without REDIS_URL crmkit falls back to an in-process stand-in: in a worker process of its
        # own, a private ranking nobody reads.
        requires=("redis_url",),
    ),
    resources=Resources(cpu="200m", memory="256Mi", memory_limit="512Mi"),
    # Every order passes here (P1): the tier that needs the most replicas (docs/capacity.md).
    max_replicas=6,
    # The document-number counters' own engine for returns, collections and storefront orders
    # (service/numbers.py: pool 2, no overflow).
    extra_connections=2,
)
