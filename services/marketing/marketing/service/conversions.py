"""Readers who became customers (C10): the customers service tells when a person becomes a
customer (a lead converted, a customer registered), and the visitors of that tenant who were that
person (the same phone, or the same WeChat unionID) get the customer's id and the time, once."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import or_, update

from crmkit.db import UnitOfWork

from ..models import VisitorRow


@dataclass(frozen=True)
class BecameCustomer:
    customer_id: str
    phone: str
    union_id: str
    at: datetime


def mark_customer(uow: UnitOfWork, tenant_id: str, event_id: str, consumer: str, fact: BecameCustomer) -> int | None:
    """The visitors this person was, marked in the event's transaction: how many; None for a
    redelivery. A visitor keeps the first customer they became (converting a lead publishes
    customer_registered and lead_converted for the same person), so a later event changes
    nothing on them."""
    same_person = []
    if fact.phone:
        same_person.append(VisitorRow.phone == fact.phone)
    if fact.union_id:
        same_person.append(VisitorRow.unionid == fact.union_id)
    with uow:
        if not uow.claim_event(event_id, consumer):
            return None
        marked = 0
        if same_person:
            marked = uow.session.execute(
                update(VisitorRow)
                .where(VisitorRow.tenant_id == tenant_id, VisitorRow.customer_id.is_(None), or_(*same_person))
                .values(customer_id=fact.customer_id, became_customer_at=fact.at)
                .execution_options(synchronize_session=False)
            ).rowcount
        uow.commit()
    return marked
