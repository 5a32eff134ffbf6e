"""F4: inbox pages are numbered from 1 with 1-100 items; unset means the default."""

import pytest

from crmkit.errors import InvalidInput
from messaging.domain.paging import normalize_page


@pytest.mark.parametrize(
    ("page", "size", "expected"), [(0, 0, (1, 20)), (3, 0, (3, 20)), (2, 1, (2, 1)), (1, 100, (1, 100))]
)
def test_f4_page_defaults_and_bounds(page, size, expected):
    assert normalize_page(page, size) == expected


@pytest.mark.parametrize(
    ("page", "size", "fields"),
    [
        (1, 101, {"page.page_size": "validation.invalid"}),
        (1, -1, {"page.page_size": "validation.invalid"}),
        (-1, 10, {"page.page": "validation.invalid"}),
    ],
)
def test_f4_out_of_range_page_is_refused(page, size, fields):
    with pytest.raises(InvalidInput) as err:
        normalize_page(page, size)
    assert err.value.fields == fields
