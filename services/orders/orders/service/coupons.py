"""The coupons service as seen from orders (E4): redeem the coupons an order uses, or give them
back when the order is not placed after all, and its gRPC adapter.

Orders calls with its service token on the caller's tenant: the staff member was checked here
(may order for this customer), and the coupons service checks the coupon's own rules (holder,
validity, store, minimum spend, per order). RedeemCoupon is idempotent on (order id, code), so a
retry of a lost answer, or of the whole submit under the same idempotency key (the order id is
derived from the key), never uses a coupon twice.
"""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Protocol

from crm.coupons.v1 import coupons_pb2, coupons_pb2_grpc
from crmkit.db import new_id
from crmkit.errors import Conflict, InvalidInput, NotFound, Unavailable
from crmkit.grpc_client import ServiceClient
from crmkit.protos import money
from orders.errors import ErrorCode

FULL_NAME = "crm.coupons.v1.CouponsService"
MAX_COUPONS_PER_ORDER = 10
CODE_MAX = 200  # a scanned QR payload is longer than a typed code
# Orders submitted under one idempotency key share one id, so the coupons service sees a retried
# submit as the same order (its redemption is idempotent on the order id and the code).
ORDER_ID_NAMESPACE = uuid.UUID("5f0c2f7e-3a5e-4f52-9a53-6f2d1f0e4c11")


@dataclass(frozen=True)
class CouponLine:
    product_id: str
    category_id: str
    quantity: int
    amount_fen: int


@dataclass(frozen=True)
class CouponUse:
    code: str
    coupon_id: str
    discount_fen: int
    pickup_product_ids: tuple[str, ...] = ()


class CouponRedeemer(Protocol):
    def redeem(
        self, tenant_id: str, order_id: str, customer_id: str, store_id: str, code: str, lines: Sequence[CouponLine]
    ) -> CouponUse:
        """Redeem one code on the order; a refusal is a DomainError naming the reason."""

    def release(self, tenant_id: str, order_id: str) -> None:
        """Give back every coupon redeemed on an order that was not placed."""


def order_id_for(tenant_id: str, idempotency_key: str) -> str:
    if not idempotency_key:
        return new_id()
    return str(uuid.uuid5(ORDER_ID_NAMESPACE, f"{tenant_id}\n{idempotency_key}"))


def clean_codes(codes: Sequence[str]) -> tuple[str, ...]:
    """Trimmed, each once (the same code scanned twice is one coupon), at most ten."""
    fields = {}
    cleaned: list[str] = []
    for i, raw in enumerate(codes):
        code = raw.strip()
        if not code:
            fields[f"coupon_codes.{i}"] = "validation.required"
        elif len(code) > CODE_MAX:
            fields[f"coupon_codes.{i}"] = "validation.too_long"
        elif code not in cleaned:
            cleaned.append(code)
    if len(cleaned) > MAX_COUPONS_PER_ORDER:
        fields["coupon_codes"] = "validation.too_many"
    if fields:
        raise InvalidInput(ErrorCode.ORDER_INPUT_INVALID, fields=fields)
    return tuple(cleaned)


def refusal_naming(index: int, code: str, exc: Exception) -> Exception:
    """A coupon's refusal as the order's: which code, and why (the coupons service's reason)."""
    field = f"coupon_codes.{index}"
    if isinstance(exc, InvalidInput):
        reason = next(iter(exc.fields.values()), "validation.invalid")
        return InvalidInput(ErrorCode.ORDER_INPUT_INVALID, fields={field: reason})
    if isinstance(exc, NotFound):
        return InvalidInput(ErrorCode.ORDER_INPUT_INVALID, fields={field: "validation.coupon_code_unknown"})
    if isinstance(exc, Conflict):
        return Conflict(exc.code, exc.message_key, params={**exc.params, "coupon_code": code, "field": field})
    return exc


class CouponsNotConfigured:
    """No COUPONS_ADDR (a process built without the coupons peer): orders without coupons go
    through; an order with a coupon is refused as the service being unavailable."""

    def redeem(self, *args, **kwargs) -> CouponUse:
        raise Unavailable(ErrorCode.COUPONS_UNAVAILABLE)

    def release(self, tenant_id: str, order_id: str) -> None:
        return None


class GrpcCoupons:
    def __init__(self, address: str, service_token: str | None):
        self.client = ServiceClient(
            address,
            coupons_pb2_grpc.CouponsServiceStub,
            FULL_NAME,
            service_token=service_token,
        )

    def redeem(
        self, tenant_id: str, order_id: str, customer_id: str, store_id: str, code: str, lines: Sequence[CouponLine]
    ) -> CouponUse:
        request = coupons_pb2.RedeemCouponRequest(
            code=code,
            order_id=order_id,
            store_id=store_id,
            customer_id=customer_id,
            lines=[
                coupons_pb2.OrderLine(
                    product_id=line.product_id,
                    category_id=line.category_id,
                    quantity=line.quantity,
                    amount=money(line.amount_fen),
                )
                for line in lines
            ],
        )
        r = self.client.call("RedeemCoupon", request, as_service=True, tenant_id=tenant_id)
        return CouponUse(
            code=r.code,
            coupon_id=r.coupon_id,
            discount_fen=r.discount.fen,
            pickup_product_ids=tuple(r.pickup_product_ids),
        )

    def release(self, tenant_id: str, order_id: str) -> None:
        self.client.call(
            "ReleaseOrderCoupons",
            coupons_pb2.ReleaseOrderCouponsRequest(order_id=order_id),
            as_service=True,
            tenant_id=tenant_id,
        )

    def close(self) -> None:
        self.client.close()
