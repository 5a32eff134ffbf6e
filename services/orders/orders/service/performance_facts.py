"""Performance facts written inside the approving transaction of an order or a return (ADR 0003,
decision 4): one sales fact per document, one commission line per line, from the rules in force
now. Called by fulfilment.approve_order and return_flow.approve_return."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import or_, select
from sqlalchemy.orm import Session

from orders.domain.commission import BRAND, PRODUCT, Rule, choose_rule, commission_fen
from orders.domain.performance import ORDER, RETURN, month_of
from orders.models_performance import CommissionLineRow, CommissionRuleRow, SalesFactRow


def rules_for(session: Session, tenant_id: str, lines) -> list[Rule]:
    """Only the rules that can apply to these lines: one indexed query, whatever the rule count."""
    product_ids = {line.product_id for line in lines}
    brands = {line.brand for line in lines if line.brand}
    rows = session.scalars(
        select(CommissionRuleRow).where(
            CommissionRuleRow.tenant_id == tenant_id,
            or_(
                (CommissionRuleRow.scope == PRODUCT) & CommissionRuleRow.target.in_(product_ids),
                (CommissionRuleRow.scope == BRAND) & CommissionRuleRow.target.in_(brands),
            ),
        )
    )
    return [Rule(r.id, r.scope, r.target, r.kind, r.rate_bp, r.amount_per_unit_fen) for r in rows]


def _record(session: Session, kind: str, row, lines, now: datetime) -> dict:
    sign = 1 if kind == ORDER else -1
    month = month_of(now)
    common = dict(
        tenant_id=row.tenant_id,
        kind=kind,
        document_id=row.id,
        number=row.number,
        salesperson_id=row.salesperson_id,
        store_id=row.store_id,
        approved_at=now,
        month=month,
        created_at=now,
    )
    session.add(SalesFactRow(amount_fen=sign * row.total_fen, **common))
    rules = rules_for(session, row.tenant_id, lines)
    for line in lines:
        # The brand snapshot on the line: the brand the goods were sold under.
        rule = choose_rule(rules, line.product_id, line.brand)
        quantity, amount = sign * line.quantity, sign * line.amount_fen
        session.add(
            CommissionLineRow(
                position=line.position,
                product_id=line.product_id,
                product_name=line.product_name,
                quantity=quantity,
                amount_fen=amount,
                rule_id=rule.id if rule else "",
                commission_fen=commission_fen(rule, quantity, amount),
                **common,
            )
        )
    # What the ranking worker needs from the event (handlers.py): who, how much, when.
    return {"approved_at": now.isoformat(), "amount_fen": sign * row.total_fen, "month": month}


def record_order_approval(session: Session, row, lines, now: datetime) -> dict:
    return _record(session, ORDER, row, lines, now)


def record_return_approval(session: Session, row, lines, now: datetime) -> dict:
    return _record(session, RETURN, row, lines, now)
