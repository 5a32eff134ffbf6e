"""The public HTTP API, one blueprint per area, each under its OpenAPI tag."""

from __future__ import annotations

from gateway.api import (
    activity,
    alerts,
    articles,
    auth,
    catalogue,
    coupon_batches,
    coupon_sends,
    coupons,
    customers,
    notifications,
    orders,
    ownership,
    performance,
    precharges,
    reading,
    receivables,
    recharges,
    registrations,
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
        alerts,
        catalogue,
        orders,
        returns,
        receivables,
        performance,
        store_network,
        activity,
        ownership,
        registrations,
        segments,
        coupons,
        coupon_sends,
        coupon_batches,
        stored_value,
        recharges,
        precharges,
        reports,
        articles,
        reading,
    )
)
