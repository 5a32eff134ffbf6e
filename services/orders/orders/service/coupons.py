"""The coupons service as seen from orders (E4): redeem the coupons an order uses, or give them
back when the order is not placed after all; and the customer's stored value (E7, E9) a
storefront order is paid from, refunded to, or topped up through (B6). Its gRPC adapter.

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

from crm.coupons.v1 import coupons_pb2, coupons_pb2_grpc, stored_value_pb2, stored_value_pb2_grpc
from crmkit.db import new_id
from crmkit.errors import Conflict, InvalidInput, NotFound, Unavailable
from crmkit.grpc_client import ServiceClient
from crmkit.protos import money
from orders.errors import ErrorCode

FULL_NAME = "crm.coupons.v1.CouponsService"
STORED_VALUE_NAME = "crm.coupons.v1.StoredValueService"
# Ledger reasons of the coupons service (coupons.domain.stored_value) orders writes with.
SPEND = "spend"
ADJUSTMENT = "adjustment"
ONLINE = "online"
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


class StoredValue(Protocol):
    """The customer's stored-value balance, each move idempotent on its key: a retry after a lost
    answer finds the first move instead of making a second."""

    def debit(self, tenant_id: str, customer_id: str, amount_fen: int, *, reference: str, key: str) -> None:
        """Pay from the balance; Conflict INSUFFICIENT_BALANCE (coupons' code) when it is short."""

    def credit(self, tenant_id: str, customer_id: str, amount_fen: int, *, reference: str, key: str) -> None:
        """Pay back into the balance (a refund)."""

    def recharge(self, tenant_id: str, customer_id: str, paid_fen: int, *, note: str, key: str) -> None:
        """A top-up paid online, credited by the tenant's recharge rules (E7: bonus and gifts)."""

    def reverse(self, tenant_id: str, customer_id: str, *, original_key: str, key: str) -> bool:
        """Undo the move written under `original_key`, if there was one (once per `key`);
        whether there was one."""


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
    through; an order with a coupon, or paid from or back to stored value, is refused as the
    service being unavailable."""

    def redeem(self, *args, **kwargs) -> CouponUse:
        raise Unavailable(ErrorCode.COUPONS_UNAVAILABLE)

    def release(self, tenant_id: str, order_id: str) -> None:
        return None

    def debit(self, *args, **kwargs) -> None:
        raise Unavailable(ErrorCode.COUPONS_UNAVAILABLE)

    credit = recharge = reverse = debit


class GrpcCoupons:
    def __init__(self, address: str, service_token: str | None):
        self.client = ServiceClient(
            address,
            coupons_pb2_grpc.CouponsServiceStub,
            FULL_NAME,
            service_token=service_token,
        )
        self.stored_value = ServiceClient(
            address,
            stored_value_pb2_grpc.StoredValueServiceStub,
            STORED_VALUE_NAME,
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

    def debit(self, tenant_id: str, customer_id: str, amount_fen: int, *, reference: str, key: str) -> None:
        self._ledger("Debit", tenant_id, customer_id, amount_fen, SPEND, reference, key)

    def credit(self, tenant_id: str, customer_id: str, amount_fen: int, *, reference: str, key: str) -> None:
        self._ledger("Credit", tenant_id, customer_id, amount_fen, ADJUSTMENT, reference, key)

    def recharge(self, tenant_id: str, customer_id: str, paid_fen: int, *, note: str, key: str) -> None:
        request = stored_value_pb2.RechargeRequest(
            customer_id=customer_id, paid=money(paid_fen), member_type=ONLINE, note=note, idempotency_key=key
        )
        self.stored_value.call("RecordRecharge", request, as_service=True, tenant_id=tenant_id)

    def reverse(self, tenant_id: str, customer_id: str, *, original_key: str, key: str) -> bool:
        request = stored_value_pb2.ReverseEntryRequest(
            customer_id=customer_id, original_key=original_key, idempotency_key=key
        )
        return self.stored_value.call("ReverseEntry", request, as_service=True, tenant_id=tenant_id).reversed

    def _ledger(
        self, method: str, tenant_id: str, customer_id: str, amount_fen: int, reason: str, reference: str, key: str
    ) -> None:
        request = stored_value_pb2.LedgerRequest(
            customer_id=customer_id,
            kind="balance",
            amount=amount_fen,
            reason=reason,
            reference=reference,
            idempotency_key=key,
        )
        self.stored_value.call(method, request, as_service=True, tenant_id=tenant_id)

    def close(self) -> None:
        self.client.close()
        self.stored_value.close()
