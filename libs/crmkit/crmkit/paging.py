"""Offset pagination of every list API (crm.common.v1.PageRequest / PageInfo).

One rule everywhere: pages start at 1, page_size is 1..100 and 20 by default. proto3 sends 0
for an unset field, so 0 means "the default"; anything else out of range is refused, naming
`page.page` / `page.page_size`, rather than silently clamped, so a client bug shows up.
"""

from __future__ import annotations

from dataclasses import dataclass

from crm.common.v1 import common_pb2
from crmkit.errors import InvalidInput
from crmkit.limits import DEFAULT_PAGE_SIZE, MAX_PAGE_SIZE


@dataclass(frozen=True)
class Page:
    page: int = 1
    page_size: int = DEFAULT_PAGE_SIZE

    @property
    def offset(self) -> int:
        return (self.page - 1) * self.page_size

    def info(self, total: int) -> common_pb2.PageInfo:
        return common_pb2.PageInfo(page=self.page, page_size=self.page_size, total=total)


def page_of(page: int = 0, page_size: int = 0) -> Page:
    fields = {}
    if page < 0:
        fields["page.page"] = "validation.invalid"
    if page_size < 0 or page_size > MAX_PAGE_SIZE:
        fields["page.page_size"] = "validation.invalid"
    if fields:
        raise InvalidInput("PAGE_INVALID", fields=fields)
    return Page(page or 1, page_size or DEFAULT_PAGE_SIZE)


def page_from_proto(request: common_pb2.PageRequest) -> Page:
    return page_of(request.page, request.page_size)
