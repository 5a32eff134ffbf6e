"""Every event the printing service publishes (exchange `printing.events`), each with the function
that builds its payload. Consumer: messaging (printer_offline: the store's managers get an inbox
notice and a real-time alert, G4)."""

from __future__ import annotations

from typing import Any

from crmkit.events import EventCatalogue

from .models import PrinterRow

EVENTS = EventCatalogue("printing")


@EVENTS.publishes("printer_offline")
def printer_offline(printer: PrinterRow, waiting_jobs: int) -> dict[str, Any]:
    """A printer failed the store's number of times in a row (G4): tickets wait in its queue."""
    return {
        "printer_id": printer.id,
        "printer_name": printer.name,
        "store_id": printer.store_id,
        "role": printer.role,
        "kind": printer.kind,
        "failures": printer.consecutive_failures,
        "error": printer.last_error,
        "waiting_jobs": waiting_jobs,
    }
