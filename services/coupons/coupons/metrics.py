"""Prometheus metrics of the coupons service itself (crmkit.metrics has the shared ones)."""

from __future__ import annotations

from prometheus_client import Counter, Gauge

# E2 P2 (ADR 0021): queued claims the claim writer handled, by outcome: written, already (a batch
# delivered again: nothing written twice), refused (the database holds the slot for another
# coupon; should stay 0), unreadable (an entry this writer cannot parse, left pending for one
# that can: a rolling upgrade).
CLAIMS_WRITTEN = Counter("crm_coupons_claims_written_total", "Queued claims handled by the claim writer", ["outcome"])
# Claims answered and not yet written: a rising backlog means the writers fall behind.
CLAIM_BACKLOG = Gauge("crm_coupons_claim_backlog", "Claims waiting in the stream for the claim writer")
