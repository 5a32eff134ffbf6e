"""The messaging service as the platform sees it (crmkit.declaration, ADR 0012)."""

from pathlib import Path

from crmkit.declaration import Declaration, Resources, Variable, Worker

DECLARATION = Declaration(
    name="messaging",
    grpc_port=50053,
    doc="SMS through the provider port, staff notifications (F1, F4)",
    grpc_services=("crm.messaging.v1.MessagingService",),
    build="messaging.server:build",
    ports="messaging.server:ports_from_env",
    migrations=Path(__file__).parent / "migrations",
    peers={
        "identity": "store managers and owners to notify (F4)",
        "customers": "a coupon holder's phone when the coupon event carries none (E2 E5)",
    },
    # Server and worker get the same env (SMS settings included): the server sends SendSms and, in
    # batches, the coupon holders' texts the worker queues (ADR 0021).
    env=(
        Variable(
            "SMS_PROVIDER",
            '"fake" only for test clusters: ALIYUN_SMS_ENDPOINT then names the fake server\'s URL '
            "(python -m messaging.sms.fake_server) and no real credentials are used.",
            default="aliyun",
        ),
        Variable("ALIYUN_SMS_ENDPOINT", default="https://dysmsapi.aliyuncs.com"),
        Variable("ALIYUN_SMS_SIGN_NAME", "Approved in the Aliyun console; left empty, messaging refuses to start."),
        Variable("ALIYUN_SMS_TEMPLATE_LOGIN_CODE"),
        Variable(
            "ALIYUN_SMS_TEMPLATE_COUPON_ISSUED",
            "Coupon holder texts (E2 E5; params name, code, valid_until). Left empty, those texts are refused "
            "(logged, counted as rejected) while everything else works.",
        ),
        Variable("ALIYUN_SMS_TEMPLATE_COUPON_EXPIRING"),
        Variable("ALIYUN_ACCESS_KEY_ID", secret=("crm-aliyun-sms", "access-key-id")),
        Variable("ALIYUN_ACCESS_KEY_SECRET", secret=("crm-aliyun-sms", "access-key-secret")),
    ),
    # No SMS account here: the local fake of the provider's API (it prints every code it receives).
    local_env={"SMS_PROVIDER": "fake", "ALIYUN_SMS_ENDPOINT": "{fake_sms}"},
    worker=Worker(
        wire="messaging.subscriptions:wire",
        doc="staff notifications and their real-time alerts (F4 C2 C3 D2 G4; storefront orders paid and refunds "
        "asked for); coupon holder texts (E2 E5)",
        # The alerts go to the shared Redis the gateway reads (ADR 0016). Without REDIS_URL crmkit
        # falls back to an in-process stand-in: in a worker process of its own, alerts nobody reads.
        requires=("redis_url",),
        replicas=2,
        resources=Resources(cpu="100m", memory="192Mi", memory_limit="384Mi"),
    ),
)
