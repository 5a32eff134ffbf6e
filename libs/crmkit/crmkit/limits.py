"""Limits the gateway checks at the edge and the services check again: one value each, so the
OpenAPI ranges a client reads are the ones the service enforces.

Wire limits only (how big a number or a list may be), never a business rule.
"""

from __future__ import annotations

# Money is integer fen. One amount above 100 million yuan is a typo, not a sale; the cap also
# keeps every sum of lines (MAX_LINES x MAX_QUANTITY x MAX_FEN) far inside int64, the proto's
# Money.fen and the BIGINT columns.
MAX_FEN = 10_000_000_000
# Units on one order or return line.
MAX_QUANTITY = 1_000_000
# Lines of one order or return: a wholesale order is long, but not unbounded.
MAX_LINES = 200
# Every list API (crm.common.v1.PageRequest): pages of 1..100 rows, 20 when unset.
DEFAULT_PAGE_SIZE = 20
MAX_PAGE_SIZE = 100
