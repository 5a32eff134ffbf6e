"""Prometheus metrics of the marketing service itself (crmkit.metrics has the shared ones)."""

from __future__ import annotations

from prometheus_client import Counter, Gauge

# P7: reading beats drained from the gateway's stream, by outcome: applied (moved a view) or
# dropped (no view of theirs, negative, absurd or already counted: a redelivery).
BEATS = Counter("crm_marketing_beats_total", "Reading beats drained", ["outcome"])
# Beats queued and not yet applied: a rising backlog means the drainers fall behind the readers.
BEAT_BACKLOG = Gauge("crm_marketing_beat_backlog", "Reading beats waiting in the stream")
