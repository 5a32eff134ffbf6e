"""Map mode, "near me" (C5): customers within a radius, nearest first.

The index ix_customers_tenant_location (tenant_id, latitude, longitude) answers the bounding
box (a latitude range within the tenant, longitude checked on the index entries), so only the
customers around the position are read; the exact great-circle distance then drops the box's
corners and orders them. Works the same on SQLite and PostgreSQL (no PostGIS needed).
"""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import select

from crmkit.auth import Actor
from crmkit.db import UnitOfWork
from customers.domain import geo
from customers.domain.scope import scope_for
from customers.models import CustomerRow
from customers.service.scoping import visible
from customers.service.tags import tags_of
from customers.service.views import CustomerView, customer_view


@dataclass(frozen=True)
class NearbyCustomer:
    customer: CustomerView
    distance_m: int
    amap_url: str
    baidu_url: str


def nearby_customers(
    uow: UnitOfWork, actor: Actor, latitude: float, longitude: float, radius_m: int, limit: int = 0
) -> list[NearbyCustomer]:
    """Only customers within the caller's scope (customers.domain.scope)."""
    search = geo.nearby_search(latitude, longitude, radius_m, limit)
    scope = scope_for(actor)
    box = geo.bounding_box(search.latitude, search.longitude, search.radius_m)
    columns = (CustomerRow.id, CustomerRow.latitude, CustomerRow.longitude)
    stmt = select(*columns).where(
        CustomerRow.tenant_id == actor.tenant_id,
        CustomerRow.latitude.between(box.min_lat, box.max_lat),
        CustomerRow.longitude.between(box.min_lng, box.max_lng),
        visible(scope),
    )
    with uow:
        # Narrow rows first (id and position), whole rows only for the nearest `limit`.
        points = uow.session.execute(stmt).all()
        within = sorted(
            (d, cid)
            for cid, lat, lng in points
            if (d := geo.distance_m(search.latitude, search.longitude, lat, lng)) <= search.radius_m
        )[: search.limit]
        ids = [cid for _, cid in within]
        rows = {r.id: r for r in uow.session.scalars(select(CustomerRow).where(CustomerRow.id.in_(ids)))} if ids else {}
        tags = tags_of(uow.session, actor.tenant_id, ids)
        out = []
        for distance, cid in within:
            row = rows[cid]
            out.append(
                NearbyCustomer(
                    customer=customer_view(row, tags.get(cid, ())),
                    distance_m=round(distance),
                    amap_url=geo.amap_url(row.latitude, row.longitude, row.name),
                    baidu_url=geo.baidu_url(row.latitude, row.longitude, row.name),
                )
            )
        return out
