"""The printing service as the platform sees it (crmkit.declaration, ADR 0012)."""

from pathlib import Path

from crmkit.declaration import Declaration, Variable, Worker

DECLARATION = Declaration(
    name="printing",
    grpc_port=50057,
    doc="receipt printers, receipt layouts, routing and the print queue (G1 G2 G4 G5); paid orders "
    "printed and accepted unattended (G3)",
    grpc_services=("crm.printing.v1.PrintingService",),
    build="printing.server:build",
    ports="printing.server:ports_from_env",
    migrations=Path(__file__).parent / "migrations",
    peers={
        "orders": "the worker accepts paid takeaway and in-store orders for unattended stores "
        "(StorefrontService.TakeAction, G3)",
    },
    worker=Worker(
        wire="printing.subscriptions:wire",
        doc="G3: paid takeaway and in-store orders (orders' storefront_order_paid) printed through the queue "
        "and accepted, as each store's print settings say",
        # The accept goes to orders with the service token: a worker without it could only
        # requeue those events, so it refuses to start instead.
        requires=("service_token",),
    ),
    env=(
        Variable(
            "FEIEYUN_URL",
            "FeieYun's open API; a test cluster names the local fake (python -m printing.adapters.feieyun_fake).",
            default="https://api.feieyun.cn/Api/Open/",
        ),
        Variable(
            "FEIEYUN_USER",
            "The platform's FeieYun account; left empty, cloud printers are refused and network printers work.",
        ),
        Variable(
            "FEIEYUN_UKEY",
            "The account's UKEY (optional: without the Secret only network printers work).",
            secret=("crm-feieyun", "ukey"),
            optional=True,
        ),
        Variable(
            "NETWORK_PRINTER_ANY_PORT",
            '"true" only for test clusters: network printers may then use any port, not only 9100-9109.',
        ),
    ),
    # No FeieYun account here: the local fake of its API (it checks signatures and prints what it
    # receives); printers' test listeners take any free port.
    local_env={
        "FEIEYUN_URL": "{fake:printing.adapters.feieyun_fake}/Api/Open/",
        "FEIEYUN_USER": "fake-feieyun-user@example.com",
        "FEIEYUN_UKEY": "fake-feieyun-ukey",
        "NETWORK_PRINTER_ANY_PORT": "true",
    },
)
