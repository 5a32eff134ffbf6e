"""G5: which printer prints what. The receipt goes to every counter printer of the store; each line
goes to the preparation printers (kitchen, warehouse) chosen for it:

1. the product's own setting (a product may name its printers, or none: drinks made at the counter);
2. else the printers whose categories include the line's category;
3. else the store's default preparation printers;
4. else nowhere.

Disabled printers take nothing. A printer gets one slip per ticket, with its lines in the order's
order."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass

from .tickets import Ticket

COUNTER = "counter"
KITCHEN = "kitchen"
WAREHOUSE = "warehouse"
ROLES = (COUNTER, KITCHEN, WAREHOUSE)
PREPARATION = (KITCHEN, WAREHOUSE)

RECEIPT = "receipt"
SLIP = "slip"
TEST = "test"


@dataclass(frozen=True)
class RoutedPrinter:
    id: str
    role: str
    enabled: bool = True
    category_ids: frozenset[str] = frozenset()
    store_default: bool = False  # takes the lines no product or category setting places


@dataclass(frozen=True)
class Route:
    printer_id: str
    variant: str  # receipt | slip
    line_indexes: tuple[int, ...] = ()  # the ticket's lines on a slip


def route(
    ticket: Ticket, printers: list[RoutedPrinter], product_printers: Mapping[str, tuple[str, ...]]
) -> list[Route]:
    """`product_printers`: product id -> the printer ids its own setting names (possibly none)."""
    enabled = [p for p in printers if p.enabled]
    routes = [Route(p.id, RECEIPT) for p in enabled if p.role == COUNTER]
    preparation = [p for p in enabled if p.role in PREPARATION]
    by_id = {p.id: p for p in preparation}
    defaults = [p.id for p in preparation if p.store_default]
    lines_of: dict[str, list[int]] = {p.id: [] for p in preparation}
    for index, line in enumerate(ticket.lines):
        if line.product_id in product_printers:
            targets = [pid for pid in product_printers[line.product_id] if pid in by_id]
        else:
            targets = [p.id for p in preparation if line.category_id and line.category_id in p.category_ids]
            if not targets:
                targets = defaults
        for pid in dict.fromkeys(targets):
            lines_of[pid].append(index)
    routes += [Route(p.id, SLIP, tuple(lines_of[p.id])) for p in preparation if lines_of[p.id]]
    return routes
