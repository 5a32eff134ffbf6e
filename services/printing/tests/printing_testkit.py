"""Helpers shared by the printing tests (a uniquely named module, not conftest, so `import` finds
this one even when other packages' tests run in the same pytest process)."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime, timedelta
from pathlib import Path

from crmkit import testing
from crmkit.auth import STAFF, TokenIssuer, generate_keypair
from crmkit.migrate import upgrade
from printing.domain.tickets import Ticket, TicketLine

MIGRATIONS = Path(__file__).resolve().parents[1] / "printing" / "migrations"
PRIVATE_KEY, PUBLIC_KEY = generate_keypair()
ISSUER = TokenIssuer(PRIVATE_KEY)
PLACED = datetime(2026, 3, 8, 4, 30, tzinfo=UTC)  # 12:30 in Beijing


def ref(prefix: str) -> str:
    """A fresh id per test, so tests sharing one database never see each other's rows."""
    return f"{prefix}-{uuid.uuid4().hex[:12]}"


def staff_token(tenant_id: str, staff_id: str, *roles: str, stores: tuple[str, ...] = ()) -> str:
    return ISSUER.issue(
        kind=STAFF,
        subject_id=staff_id,
        tenant_id=tenant_id,
        roles=roles or ("salesperson",),
        store_ids=stores,
        ttl=timedelta(minutes=10),
    )[0]


def fresh_database() -> str:
    url = testing.create_database("printing_test")
    upgrade(MIGRATIONS, url)
    return url


def takeaway(store_id: str = "store-1", **changes) -> Ticket:
    """A takeaway order: two dishes of the hot kitchen, a drink of the bar, delivery to an address."""
    fields = dict(
        store_id=store_id,
        order_id=ref("order"),
        order_no="TA20260308001",
        kind="takeaway",
        placed_at=PLACED,
        store_name="小馆子",
        lines=(
            TicketLine("p-chicken", "c-hot", "宫保鸡丁", 2, 3600, "大份"),
            TicketLine("p-noodle", "c-hot", "牛肉拉面", 1, 1800),
            TicketLine("p-tea", "c-drink", "柠檬茶", 1, 800),
        ),
        subtotal_fen=6200,
        discount_fen=500,
        delivery_fee_fen=400,
        paid_fen=6100,
        customer_name="王先生",
        customer_phone="13812348000",
        address="朝阳区建国路88号SOHO现代城A座1201",
        note="少辣，不要香菜",
        verification_code="8842 1937",
    )
    fields.update(changes)
    return Ticket(**fields)


def paid_order(store_id: str = "store-1", *, kind: str = "takeaway", **changes) -> dict:
    """The `order` of the orders service's storefront events (issue 15's contract), paid."""
    order = {
        "order_id": ref("sf"),
        "number": "SF20260308-0001",
        "store_id": store_id,
        "kind": kind,
        "state": "paid",
        "customer_id": ref("c"),
        "customer_name": "王芳",
        "customer_phone": "13900001111",
        "contact_name": "王先生",
        "contact_phone": "13812348000",
        "address": "朝阳区建国路88号SOHO现代城A座1201",
        "note": "少辣，不要香菜",
        "verification_code": "88421937",
        "lines": [
            {
                "product_id": "p-chicken",
                "category_id": "c-hot",
                "name": "宫保鸡丁",
                "quantity": 2,
                "amount_fen": 3600,
                "spec": "大份",
            },
            {
                "product_id": "p-noodle",
                "category_id": "c-hot",
                "name": "牛肉拉面",
                "quantity": 1,
                "amount_fen": 1800,
                "spec": "",
            },
            {
                "product_id": "p-tea",
                "category_id": "c-drink",
                "name": "柠檬茶",
                "quantity": 1,
                "amount_fen": 800,
                "spec": "",
            },
        ],
        "goods_total_fen": 6200,
        "discount_fen": 500,
        "delivery_fee_fen": 400,
        "total_fen": 6100,
        "paid_fen": 6100,
        "refunded_fen": 0,
        "placed_at": "2026-03-08T04:30:00+00:00",
        "paid_at": "2026-03-08T04:31:00+00:00",
    }
    order.update(changes)
    return order
