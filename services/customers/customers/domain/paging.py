"""Offset pagination of lists: page from 1, page_size 1..100, 20 by default."""

from __future__ import annotations

from dataclasses import dataclass

from crmkit.errors import InvalidInput
from customers.errors import Codes, MessageKeys

DEFAULT_PAGE_SIZE = 20
MAX_PAGE_SIZE = 100
QUERY_MAX = 50


@dataclass(frozen=True)
class PageRequest:
    page: int
    page_size: int

    @property
    def offset(self) -> int:
        return (self.page - 1) * self.page_size


def page_request(page: int | None, page_size: int | None) -> PageRequest:
    """None means "not sent" and takes the default; anything sent must be in range."""
    page = 1 if page is None else page
    page_size = DEFAULT_PAGE_SIZE if page_size is None else page_size
    errors = {}
    if page < 1:
        errors["page.page"] = "validation.invalid"
    if page_size < 1 or page_size > MAX_PAGE_SIZE:
        errors["page.page_size"] = "validation.invalid"
    if errors:
        raise InvalidInput(Codes.PAGE_INVALID, MessageKeys.INVALID_INPUT, fields=errors)
    return PageRequest(page, page_size)


def search_query(query: str) -> str:
    query = query.strip()
    if len(query) > QUERY_MAX:
        raise InvalidInput(Codes.PAGE_INVALID, MessageKeys.INVALID_INPUT, fields={"query": "validation.too_long"})
    return query
