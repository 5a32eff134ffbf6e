"""Rules of stored value, recharge rules and points (E7 E9). Pure: values in, values out; the
clock is passed in."""

from __future__ import annotations

import calendar
from dataclasses import dataclass
from datetime import datetime

from coupons.errors import ErrorCode
from crmkit.errors import Conflict, InvalidInput

BALANCE = "balance"
POINTS = "points"
KINDS = (BALANCE, POINTS)

ONLINE = "online"
IN_STORE = "in_store"
MEMBER_TYPES = (ONLINE, IN_STORE)

# Reasons of ledger entries; the gateway shows them through i18n keys `stored_value.reason.<code>`.
RECHARGE = "recharge"
RECHARGE_BONUS = "recharge_bonus"
PRECHARGE = "precharge"
TOP_UP = "top_up"
SPEND = "spend"
ORDER_POINTS = "order_points"
ADJUSTMENT = "adjustment"
REDEEM_POINTS = "redeem_points"
# An entry undone by a service (a stored-value payment whose order was never placed, B6).
REVERSAL = "reversal"
# Reasons staff may give by hand (the others are written by recharges, pre-charges and orders).
MANUAL_CREDIT_REASONS = (TOP_UP, ADJUSTMENT)
MANUAL_DEBIT_REASONS = (SPEND, ADJUSTMENT, REDEEM_POINTS)

MAX_AMOUNT = 10**12  # 100 million yuan in fen: anything larger is a typing error
NOTE_MAX = 200
NAME_MAX = 60
MAX_INSTALMENTS = 24


def invalid(**fields: str) -> InvalidInput:
    return InvalidInput(ErrorCode.STORED_VALUE_INPUT_INVALID, fields=fields)


def check_amount(amount: int, field: str = "amount") -> None:
    if amount <= 0:
        raise invalid(**{field: "validation.invalid"})
    if amount > MAX_AMOUNT:
        raise invalid(**{field: "validation.invalid"})


def check_kind(kind: str) -> str:
    kind = kind or BALANCE
    if kind not in KINDS:
        raise invalid(kind="validation.invalid_choice")
    return kind


def check_note(note: str) -> str:
    note = note.strip()
    if len(note) > NOTE_MAX:
        raise invalid(note="validation.too_long")
    return note


def apply(balance: int, delta: int) -> int:
    """The balance after a change; a debit larger than the balance is refused whole."""
    after = balance + delta
    if after < 0:
        raise Conflict(ErrorCode.INSUFFICIENT_BALANCE, params={"balance": str(balance)})
    return after


@dataclass(frozen=True)
class Rule:
    id: str
    member_type: str
    pay_fen: int
    bonus_fen: int
    coupon_template_ids: tuple[str, ...]
    gift_products: tuple[tuple[str, int], ...]
    instalments: int
    first_recharge_only: bool


def check_rule(rule: Rule, name: str) -> None:
    fields = {}
    if not name.strip():
        fields["name"] = "validation.required"
    elif len(name.strip()) > NAME_MAX:
        fields["name"] = "validation.too_long"
    if rule.member_type not in MEMBER_TYPES:
        fields["member_type"] = "validation.invalid_choice"
    if rule.pay_fen <= 0 or rule.pay_fen > MAX_AMOUNT:
        fields["pay"] = "validation.invalid"
    if rule.bonus_fen < 0 or rule.bonus_fen > MAX_AMOUNT:
        fields["bonus"] = "validation.invalid"
    if not 1 <= rule.instalments <= MAX_INSTALMENTS:
        fields["instalments"] = "validation.invalid"
    if any(not t for t in rule.coupon_template_ids):
        fields["coupon_template_ids"] = "validation.invalid"
    for i, (product_id, quantity) in enumerate(rule.gift_products):
        if not product_id or quantity <= 0:
            fields[f"gift_products.{i}"] = "validation.invalid"
    if rule.member_type == ONLINE and rule.gift_products:
        # Products are handed over at a store counter; an online top-up has nobody to give them.
        fields["gift_products"] = "validation.invalid"
    if rule.bonus_fen == 0 and not rule.coupon_template_ids and not rule.gift_products:
        fields["bonus"] = "validation.required"
    if fields:
        raise InvalidInput(ErrorCode.STORED_VALUE_INPUT_INVALID, fields=fields)


def best_rule(rules: list[Rule], member_type: str, paid_fen: int, *, first_recharge: bool) -> Rule | None:
    """The rule with the highest threshold the payment reaches (ties: the larger bonus), among the
    member type's rules; first-recharge-only rules count only on the customer's first recharge."""
    fitting = [
        r
        for r in rules
        if r.member_type == member_type and r.pay_fen <= paid_fen and (first_recharge or not r.first_recharge_only)
    ]
    if not fitting:
        return None
    return max(fitting, key=lambda r: (r.pay_fen, r.bonus_fen, r.first_recharge_only, r.id))


@dataclass(frozen=True)
class Part:
    seq: int
    due_at: datetime
    bonus_fen: int
    coupon_template_ids: tuple[str, ...]
    gift_products: tuple[tuple[str, int], ...]


def add_months(moment: datetime, months: int) -> datetime:
    """The same day `months` later, clamped to the month's last day (31 Jan + 1 = 28/29 Feb)."""
    index = moment.month - 1 + months
    year, month = moment.year + index // 12, index % 12 + 1
    day = min(moment.day, calendar.monthrange(year, month)[1])
    return moment.replace(year=year, month=month, day=day)


def plan(rule: Rule, now: datetime) -> list[Part]:
    """Gifts at once (one part) or in monthly instalments: the bonus is split evenly (the
    remainder fen with the first part), the coupons come with every part (a monthly reason to
    come back), the products with the first (they are handed over at the counter that day)."""
    n = rule.instalments
    share, rest = divmod(rule.bonus_fen, n)
    return [
        Part(
            seq=i + 1,
            due_at=add_months(now, i),
            bonus_fen=share + (rest if i == 0 else 0),
            coupon_template_ids=rule.coupon_template_ids,
            gift_products=rule.gift_products if i == 0 else (),
        )
        for i in range(n)
    ]


def points_for(order_amount_fen: int, points_per_yuan: int) -> int:
    """Whole yuan only: 99.99 yuan at 2 points per yuan earns 198."""
    if order_amount_fen <= 0 or points_per_yuan <= 0:
        return 0
    return (order_amount_fen // 100) * points_per_yuan
