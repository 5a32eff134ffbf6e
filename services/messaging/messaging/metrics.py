"""Prometheus metrics of the messaging service itself (crmkit.metrics has the shared ones)."""

from __future__ import annotations

from prometheus_client import Counter

# E2 E5: coupon holders texted, by kind (coupon_issued | coupon_expiring) and outcome: sent,
# replayed (an earlier delivery had sent it), no_phone, rejected (provider or our own refusal),
# malformed, duplicate (a redelivered event). A rising no_phone or rejected is the merchant's
# (or our templates') problem to look at; nothing retries them.
HOLDER_NOTIFICATIONS = Counter(
    "crm_messaging_holder_notifications_total", "Coupon holder SMS notifications", ["kind", "outcome"]
)

# F4: real-time alerts appended to the recipients' Redis streams (crmkit.alerts), by outcome:
# pushed, or failed (Redis could not take them; the notification is in the inbox all the same).
ALERTS = Counter("crm_messaging_alerts_total", "Real-time staff alerts", ["outcome"])
