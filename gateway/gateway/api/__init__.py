"""The public HTTP API, one blueprint (= one OpenAPI tag) per area."""

from __future__ import annotations

from gateway.api.auth import bp as auth
from gateway.api.customers import bp as customers
from gateway.api.notifications import bp as notifications
from gateway.api.staff import bp as staff
from gateway.api.stores import bp as stores
from gateway.api.tenants import bp as tenants

BLUEPRINTS = (auth, tenants, stores, staff, customers, notifications)
