"""The calling staff member's real-time alerts (F4, ADR 0016): answered from Redis alone.

messaging appends an alert to the recipient's stream when it stores a notification; an open app
asks here about every second with the cursor of its previous answer. No service is called: the
stream's key is built from the verified token's own tenant and staff id, so nobody can name
another person's alerts, and a poll costs one Redis round trip (plus the token's revocation
check and the rate limit every request pays).
"""

from __future__ import annotations

from apiflask import APIBlueprint
from flask import request as http_request

from gateway import i18n
from gateway.api.alert_schemas import AlertListOut, AlertQuery, alert_dict
from gateway.api.common import SECURED, config
from gateway.auth import current_actor, staff_only
from gateway.errors import ApiError
from gateway.ratelimit import alerts_limit

bp = APIBlueprint("alerts", __name__, tag="Notifications", url_prefix="/api/v1")


@bp.get("/alerts")
@bp.doc(operation_id="listAlerts", security=SECURED, responses=[400, 401, 403, 429, 503])
@alerts_limit
@staff_only
@bp.input(AlertQuery, location="query", arg_name="query")
@bp.output(AlertListOut)
def list_alerts(query):
    """My real-time alerts after a cursor (poll about every second while the app is visible)"""
    actor = current_actor()
    if actor.staff_id is None:
        # Customers and visitors have tokens too; alerts are the staff's.
        raise ApiError(403, "STAFF_ONLY", "error.staff_only")
    feed = config().alerts
    after = query.get("after")
    if after is None:
        return {"alerts": [], "cursor": feed.latest(actor.tenant_id, actor.staff_id)}
    found = feed.after(actor.tenant_id, actor.staff_id, after)
    language = i18n.pick_language(http_request.headers.get("Accept-Language"))
    return {"alerts": [alert_dict(a, language) for a in found], "cursor": found[-1].id if found else after}
