"""G4 F4: a receipt printer went offline (printing's `printer_offline`); the store's managers are
told at once, in the inbox and in their open apps, so tickets are not silently lost. Pure: the
handler asks identity for the managers and stores the drafts."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass

from .notifications import MalformedEvent, NotificationDraft

PRINTER_OFFLINE = "printer_offline"
NAME_MAX = 30


@dataclass(frozen=True)
class PrinterOffline:
    printer_id: str
    printer_name: str
    store_id: str
    role: str
    waiting_jobs: int
    error: str


def parse_printer_offline(data: Mapping[str, object]) -> PrinterOffline:
    printer_id = str(data.get("printer_id") or "")
    store_id = str(data.get("store_id") or "")
    if not printer_id or not store_id:
        raise MalformedEvent("printer_offline without printer_id or store_id")
    try:
        waiting = max(int(data.get("waiting_jobs") or 0), 0)
    except (TypeError, ValueError):
        raise MalformedEvent("printer_offline with waiting_jobs that is not a number") from None
    return PrinterOffline(
        printer_id=printer_id,
        printer_name=" ".join(str(data.get("printer_name") or "").split())[:NAME_MAX],
        store_id=store_id,
        role=str(data.get("role") or ""),
        waiting_jobs=waiting,
        error=str(data.get("error") or "")[:200],
    )


def printer_offline_notifications(offline: PrinterOffline, store_manager_ids: Iterable[str]) -> list[NotificationDraft]:
    params = {
        "printer": offline.printer_name,
        "printer_id": offline.printer_id,
        "store_id": offline.store_id,
        "role": offline.role,
        "waiting_jobs": str(offline.waiting_jobs),
        "error": offline.error,
    }
    return [
        NotificationDraft(
            recipient_staff_id=staff_id,
            kind=PRINTER_OFFLINE,
            title_key="notification.printer_offline",
            params=dict(params),
            subject=f"printer:{offline.printer_id}",
        )
        for staff_id in dict.fromkeys(store_manager_ids)
        if staff_id
    ]
