"""Commission rules (B9): which rule pays for a sold line, and how much. Pure; no I/O.

A product rule beats a brand rule for the same line (ADR 0003, decision 4). Commission is
integer fen, rounded half up (a merchant's "四舍五入"): 0.5 fen and above goes to the salesperson.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

from crmkit.errors import InvalidInput
from crmkit.limits import MAX_FEN
from orders.errors import ErrorCode

PRODUCT = "product"
BRAND = "brand"
SCOPES = (PRODUCT, BRAND)
PERCENT = "percent"
FIXED_PER_UNIT = "fixed_per_unit"
KINDS = (PERCENT, FIXED_PER_UNIT)
MAX_RATE_BP = 10_000  # 100%: more than the whole line is never a commission
MAX_TARGET_LENGTH = 40  # brand names are String(40); product ids String(36)


@dataclass(frozen=True)
class RuleInput:
    scope: str
    target: str
    kind: str
    rate_bp: int = 0
    amount_per_unit_fen: int = 0


@dataclass(frozen=True)
class Rule:
    id: str
    scope: str
    target: str
    kind: str
    rate_bp: int
    amount_per_unit_fen: int


def check_rule(rule: RuleInput) -> RuleInput:
    """Every wrong field at once, named as in the request; the unused figure is zeroed."""
    fields: dict[str, str] = {}
    if rule.scope not in SCOPES:
        fields["scope"] = "validation.invalid_choice"
    target = rule.target.strip()
    if not target:
        fields["target"] = "validation.required"
    elif len(target) > MAX_TARGET_LENGTH:
        fields["target"] = "validation.too_long"
    if rule.kind not in KINDS:
        fields["kind"] = "validation.invalid_choice"
    elif rule.kind == PERCENT and not 0 <= rule.rate_bp <= MAX_RATE_BP:
        fields["rate_bp"] = "validation.invalid"
    elif rule.kind == FIXED_PER_UNIT and not 0 <= rule.amount_per_unit_fen <= MAX_FEN:
        fields["amount_per_unit_fen"] = "validation.invalid"
    if fields:
        raise InvalidInput(ErrorCode.PERFORMANCE_INPUT_INVALID, fields=fields)
    if rule.kind == PERCENT:
        return RuleInput(rule.scope, target, rule.kind, rate_bp=rule.rate_bp)
    return RuleInput(rule.scope, target, rule.kind, amount_per_unit_fen=rule.amount_per_unit_fen)


def choose_rule(rules: Iterable[Rule], product_id: str, brand: str) -> Rule | None:
    """The product's own rule, else the rule of its brand, else none (no commission)."""
    by_brand = None
    for rule in rules:
        if rule.scope == PRODUCT and rule.target == product_id:
            return rule
        if rule.scope == BRAND and brand and rule.target == brand:
            by_brand = rule
    return by_brand


def round_half_up_div(numerator: int, denominator: int) -> int:
    """numerator / denominator rounded half away from zero, in integers (no float ever)."""
    if denominator <= 0:
        raise ValueError("denominator must be positive")
    sign = -1 if numerator < 0 else 1
    return sign * ((abs(numerator) * 2 + denominator) // (2 * denominator))


def commission_fen(rule: Rule | None, quantity: int, amount_fen: int) -> int:
    """Commission of one line. A return line passes a negative quantity and amount and gets the
    exact negative of what the same sale earns (half away from zero keeps that symmetric)."""
    if rule is None:
        return 0
    if rule.kind == PERCENT:
        return round_half_up_div(amount_fen * rule.rate_bp, 10_000)
    return quantity * rule.amount_per_unit_fen
