"""The demo tenant `make run` seeds on first start, through the services' own gRPC APIs (so the
demo data passes the same rules as real data), and the banner that tells a new user how to log in."""

from __future__ import annotations

import json
from pathlib import Path

from crm.common.v1 import common_pb2
from crm.customers.v1 import customers_pb2, customers_pb2_grpc
from crm.identity.v1 import identity_pb2, identity_pb2_grpc
from crm.orders.v1 import orders_pb2, orders_pb2_grpc
from crmkit.db import utcnow
from crmkit.grpc_client import ServiceClient
from crmkit.redis_client import Keys

PASSWORD = "demo1234"
OWNER = ("王老板", "13800000000")
STAFF = [
    # name, phone, roles, permissions
    ("李店长", "13800000001", ["store_manager"], ["see_all_customers", "approve_collections"]),
    ("张业务", "13800000002", ["salesperson"], ["change_price"]),
    ("赵业务", "13800000003", ["salesperson"], []),
]
FIELDS = [
    customers_pb2.CustomerField(
        key="shop_type",
        label="门店类型",
        kind=customers_pb2.FIELD_KIND_CHOICE,
        required=True,
        options=["超市", "便利店", "餐饮", "批发部"],
        position=1,
    ),
    customers_pb2.CustomerField(key="address", label="地址", kind=customers_pb2.FIELD_KIND_TEXT, position=2),
]
CUSTOMERS = {
    "13800000002": [
        ("华联超市(东门店)", "13900000001", "超市", "东门路18号"),
        ("好邻居便利店", "13900000002", "便利店", "西街5号"),
        ("老王面馆", "13900000003", "餐饮", "南环路77号"),
    ],
    "13800000003": [
        ("金源批发部", "13900000004", "批发部", "北市场A区12号"),
        ("喜多多超市", "13900000005", "超市", "人民路220号"),
    ],
}


PRODUCTS = [
    # barcode, name, brand, unit, wholesale price (fen), level A price (fen)
    ("6901939621257", "可口可乐 330ml×24罐", "可口可乐", "箱", 4850, 4600),
    ("6921168509256", "农夫山泉 550ml×24瓶", "农夫山泉", "箱", 2400, 2300),
    ("6920202888883", "康师傅红烧牛肉面 ×24袋", "康师傅", "箱", 6200, 5900),
    ("6902083881405", "旺仔牛奶 245ml×24罐", "旺旺", "箱", 9600, 9200),
]


def _seed_catalogue(orders: ServiceClient, token: str, store_id: str) -> None:
    for barcode, name, brand, unit, wholesale, level_a in PRODUCTS:
        product = orders.call(
            "CreateProduct",
            orders_pb2.CreateProductRequest(
                product=orders_pb2.ProductInput(
                    name=name,
                    barcode=barcode,
                    brand=brand,
                    unit=unit,
                    listed=True,
                    kind=orders_pb2.PRODUCT_KIND_GOODS,
                    wholesale_price=common_pb2.Money(fen=wholesale),
                    level_prices=[orders_pb2.LevelPrice(level="A", price=common_pb2.Money(fen=level_a))],
                )
            ),
            token=token,
        )
        orders.call(
            "SetStock",
            orders_pb2.SetStockRequest(product_id=product.id, store_id=store_id, quantity=500, reason="期初库存"),
            token=token,
        )


def _clients(platform):
    ports = platform.cfg.grpc_ports
    identity = ServiceClient(
        f"127.0.0.1:{ports['identity']}",
        identity_pb2_grpc.IdentityServiceStub,
        "crm.identity.v1.IdentityService",
        timeout=10,
    )
    customers = ServiceClient(
        f"127.0.0.1:{ports['customers']}",
        customers_pb2_grpc.CustomersServiceStub,
        "crm.customers.v1.CustomersService",
        timeout=10,
    )
    orders = ServiceClient(
        f"127.0.0.1:{ports['orders']}", orders_pb2_grpc.OrdersServiceStub, "crm.orders.v1.OrdersService", timeout=10
    )
    return identity, customers, orders


def _signup_code(platform, phone: str) -> str:
    """Sign-up proves the owner's phone by SMS code (issue 11). The demo phone is nobody's, so the
    launcher, which holds identity's Redis as an operator does, stores a sign-up code for it the
    way RequestSmsCode would, without sending a text (with SMS_PROVIDER=aliyun that would be a
    real SMS to a stranger)."""
    from identity.domain import sms_codes
    from identity.sms_store import SmsCodeStore

    code = sms_codes.generate_code()
    store = SmsCodeStore(platform.redis, Keys(platform.cfg.redis_prefix, "identity"))
    store.issue(phone, sms_codes.SIGNUP, sms_codes.hash_code(phone, code), now=utcnow())
    return code


def _password_login(identity: ServiceClient, phone: str) -> str:
    reply = identity.call("LoginWithPassword", identity_pb2.LoginWithPasswordRequest(phone=phone, password=PASSWORD))
    return reply.tokens.access_token


def seed_demo(platform, var_dir: Path) -> dict:
    marker = var_dir / "demo.json"
    if marker.exists():
        return json.loads(marker.read_text())
    identity, customers, orders = _clients(platform)
    try:
        created = identity.call(
            "CreateTenant",
            identity_pb2.CreateTenantRequest(
                tenant_name="演示商贸有限公司",
                owner_name=OWNER[0],
                owner_phone=OWNER[1],
                owner_password=PASSWORD,
                head_store_name="总店",
                sms_code=_signup_code(platform, OWNER[1]),
            ),
        )
        owner = _password_login(identity, OWNER[1])
        store_id = created.head_store.id
        for name, phone, roles, perms in STAFF:
            identity.call(
                "CreateStaff",
                identity_pb2.CreateStaffRequest(
                    name=name, phone=phone, password=PASSWORD, roles=roles, permissions=perms, store_ids=[store_id]
                ),
                token=owner,
            )
        _seed_catalogue(orders, owner, store_id)
        for field in FIELDS:
            customers.call("DefineCustomerField", customers_pb2.DefineCustomerFieldRequest(field=field), token=owner)
        for sales_phone, rows in CUSTOMERS.items():
            token = _password_login(identity, sales_phone)
            for name, phone, shop_type, address in rows:
                customers.call(
                    "RegisterCustomer",
                    customers_pb2.RegisterCustomerRequest(
                        name=name, phone=phone, fields={"shop_type": shop_type, "address": address}
                    ),
                    token=token,
                )
    finally:
        identity.close()
        customers.close()
        orders.close()
    demo = {
        "tenant_id": created.tenant.id,
        "tenant_name": created.tenant.name,
        "password": PASSWORD,
        "logins": [{"name": OWNER[0], "phone": OWNER[1], "role": "owner"}]
        + [{"name": n, "phone": p, "role": r[0]} for n, p, r, _ in STAFF],
    }
    marker.write_text(json.dumps(demo, ensure_ascii=False, indent=2))
    return demo


def print_banner(base_url: str, cfg, demo: dict | None) -> None:
    mode = (
        "embedded: SQLite, durable event queues and a kept Redis stand-in under var/, fake SMS provider"
        if cfg.embedded
        else "real servers from DATABASE_URL / AMQP_URL / REDIS_URL"
    )
    lines = [
        "",
        f"CRM platform is running ({mode})",
        f"  Admin (PC)        {base_url}/admin/",
        f"  Mobile app (H5)   {base_url}/m/     (open at phone size, or on a phone on this network)",
        f"  API        {base_url}/api/v1",
        f"  API docs   {base_url}/docs   (OpenAPI: {base_url}/openapi.json)",
        f"  Health     {base_url}/readyz   Metrics: {base_url}/metrics",
    ]
    if demo:
        lines.append(
            f"  Demo tenant {demo['tenant_name']}; every login's password is {demo['password']}"
            " (or ask for an SMS code: it is printed here as [fake SMS]):"
        )
        lines += [f"    {d['role']:<14} {d['name']}  {d['phone']}" for d in demo["logins"]]
        lines += [
            "  Try:",
            f"    curl -s -X POST {base_url}/api/v1/auth/login/password -H 'Content-Type: application/json' \\",
            f'         -d \'{{"phone": "13800000002", "password": "{demo["password"]}"}}\'',
        ]
    lines.append("  Stop with Ctrl-C.")
    print("\n".join(lines), flush=True)
