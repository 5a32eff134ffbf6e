"""Page numbers and sizes of list queries (crm.common.v1.PageRequest)."""

from __future__ import annotations

from crmkit.errors import InvalidInput

DEFAULT_PAGE_SIZE = 20
MAX_PAGE_SIZE = 100


def normalize_page(page: int, page_size: int) -> tuple[int, int]:
    """proto3 sends 0 for an unset field, so 0 means the default; anything else out of range is
    refused rather than silently clamped, so a client bug shows up."""
    fields = {}
    if page < 0:
        fields["page.page"] = "validation.invalid"
    if page_size < 0 or page_size > MAX_PAGE_SIZE:
        fields["page.page_size"] = "validation.invalid"
    if fields:
        raise InvalidInput(fields=fields)
    return page or 1, page_size or DEFAULT_PAGE_SIZE
