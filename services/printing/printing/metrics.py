"""Prometheus metrics of the printing service itself (crmkit.metrics has the shared ones)."""

from __future__ import annotations

from prometheus_client import Counter, Histogram

# G4: print jobs by printer kind and outcome: printed, retried (a failed attempt that will be
# tried again), failed (refused for good), stale (too old after an outage: waits for a reprint),
# sent (given to the cloud, printed later), uncertain (the cloud did not answer in time).
JOBS = Counter("crm_printing_jobs_total", "Print job attempts by outcome", ["kind", "outcome"])
# Printers marked offline (the merchant is told).
OFFLINE = Counter("crm_printing_printers_offline_total", "Printers marked offline", ["kind"])
# From a job queued to its last byte written (network) or accepted by the cloud (FeieYun).
SEND_SECONDS = Histogram(
    "crm_printing_send_seconds",
    "Seconds from a job queued to sent",
    ["kind"],
    buckets=(0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60),
)
# G3: what the worker did for paid storefront orders. step print: queued, replayed (the order's
# ticket was queued before), invalid (cannot be printed as sent), off (the store's auto_print is
# off); step accept: accepted, already (the merchant was first), refused (orders said no for
# good), off.
AUTO_STEPS = Counter("crm_printing_auto_steps_total", "Unattended steps on paid orders", ["step", "outcome"])
