"""The public HTTP API, one blueprint (= one OpenAPI tag) per area."""

from __future__ import annotations

from gateway.api import (
    activity,
    auth,
    catalogue,
    coupons,
    customers,
    notifications,
    orders,
    ownership,
    performance,
    receivables,
    reports,
    returns,
    segments,
    staff,
    store_network,
    stored_value,
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
        store_network,
        activity,
        ownership,
        segments,
        coupons,
        stored_value,
        reports,
    )
)
