"""The public HTTP API, one blueprint (= one OpenAPI tag) per area."""

from __future__ import annotations

from gateway.api import (
    auth,
    catalogue,
    customers,
    notifications,
    orders,
    performance,
    receivables,
    returns,
    segments,
    staff,
    stores,
    tenants,
)

BLUEPRINTS = tuple(
    area.bp
    for area in (
        auth,
        tenants,
        stores,
        staff,
        customers,
        notifications,
        catalogue,
        orders,
        returns,
        receivables,
        performance,
        segments,
    )
)
