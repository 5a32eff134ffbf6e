"""Search text of customer lists (paging itself is crmkit.paging, shared by every service)."""

from __future__ import annotations

from crmkit.errors import InvalidInput
from customers.errors import ErrorCode

QUERY_MAX = 50


def search_query(query: str) -> str:
    query = query.strip()
    if len(query) > QUERY_MAX:
        raise InvalidInput(ErrorCode.PAGE_INVALID, fields={"query": "validation.too_long"})
    return query
