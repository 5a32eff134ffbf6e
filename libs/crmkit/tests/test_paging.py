"""H2: every list API pages the same way."""

import pytest

from crmkit.errors import InvalidInput
from crmkit.paging import page_of


@pytest.mark.parametrize(
    ("page", "size", "expected"),
    [(0, 0, (1, 20, 0)), (3, 10, (3, 10, 20)), (1, 1, (1, 1, 0)), (2, 100, (2, 100, 100))],
)
def test_h2_page_defaults_and_limits(page, size, expected):
    p = page_of(page, size)
    assert (p.page, p.page_size, p.offset) == expected


@pytest.mark.parametrize(
    ("page", "size", "fields"),
    [
        (-1, 20, {"page.page": "validation.invalid"}),
        (1, -1, {"page.page_size": "validation.invalid"}),
        (1, 101, {"page.page_size": "validation.invalid"}),
        (-1, 101, {"page.page": "validation.invalid", "page.page_size": "validation.invalid"}),
    ],
)
def test_h2_page_out_of_range_names_the_field(page, size, fields):
    with pytest.raises(InvalidInput) as err:
        page_of(page, size)
    assert err.value.fields == fields


def test_h2_page_info_carries_the_total():
    info = page_of(2, 10).info(35)
    assert (info.page, info.page_size, info.total) == (2, 10, 35)
