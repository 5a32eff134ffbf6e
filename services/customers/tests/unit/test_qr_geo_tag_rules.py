"""C2 registration tokens, C5 distances and boxes, C12 tag names: pure domain."""

import math
from datetime import UTC, datetime, timedelta

import pytest

from crmkit.errors import InvalidInput
from customers.domain import geo, qr_token
from customers.domain.profile import Profile, UpdateCustomer, updated_profile
from customers.domain.tags import bulk_ids, clean_tag

NOW = datetime(2026, 3, 1, 12, 0, tzinfo=UTC)
SECRET = b"s" * 32


def token(**kw):
    args = {"tenant_id": "t1", "salesperson_id": "s1", "store_id": "st1", "now": NOW, "days": 30}
    args.update(kw)
    return qr_token.sign(SECRET, qr_token.grant_for(**args))


def test_c2_token_round_trip_names_salesperson_tenant_store():
    grant = qr_token.verify(SECRET, token(), now=NOW)
    assert (grant.tenant_id, grant.salesperson_id, grant.store_id) == ("t1", "s1", "st1")
    assert grant.expires_at == NOW + timedelta(days=30)


def _forge(tok: str, **changes) -> str:
    import base64
    import json

    body, mac = tok.split(".")
    claims = json.loads(base64.urlsafe_b64decode(body + "=" * (-len(body) % 4)))
    claims.update(changes)
    new_body = base64.urlsafe_b64encode(json.dumps(claims).encode()).rstrip(b"=").decode()
    return f"{new_body}.{mac}"


@pytest.mark.parametrize(
    "bad",
    [
        _forge(token(), s="s2"),  # another salesperson, old signature
        _forge(token(), t="t2"),  # another tenant
        _forge(token(), exp=int((NOW + timedelta(days=999)).timestamp())),
        qr_token.sign(b"other-secret" * 3, qr_token.grant_for("t1", "s1", None, NOW, 30)),
        token()[:-2],
        "",
        "abc",
        "a.b.c",
    ],
)
def test_c2_forged_or_damaged_token_is_rejected(bad):
    with pytest.raises(InvalidInput) as err:
        qr_token.verify(SECRET, bad, now=NOW)
    assert (err.value.code, err.value.fields) == ("REGISTRATION_TOKEN_INVALID", {"token": "validation.invalid"})


def test_c2_expired_token_is_rejected():
    with pytest.raises(InvalidInput):
        qr_token.verify(SECRET, token(days=1), now=NOW + timedelta(days=1))


@pytest.mark.parametrize("days", [-1, 366])
def test_c2_validity_is_bounded(days):
    with pytest.raises(InvalidInput):
        qr_token.valid_days(days)


def test_c5_haversine_matches_a_known_distance():
    # People's Square to the Bund, Shanghai: about 1.6 km.
    d = geo.distance_m(31.2304, 121.4737, 31.2400, 121.4900)
    assert 1800 < d < 1900
    assert geo.distance_m(31.0, 121.0, 31.0, 121.0) == 0


@pytest.mark.parametrize(("lat", "lng", "r"), [(31.23, 121.47, 5000), (0.0, 0.0, 100), (60.0, 10.0, 50_000)])
def test_c5_bounding_box_holds_the_whole_circle(lat, lng, r):
    box = geo.bounding_box(lat, lng, r)
    for bearing in range(0, 360, 15):
        # A point at distance r in direction `bearing` (spherical destination formula).
        b, d = math.radians(bearing), r / geo.EARTH_RADIUS_M
        p1, l1 = math.radians(lat), math.radians(lng)
        p2 = math.asin(math.sin(p1) * math.cos(d) + math.cos(p1) * math.sin(d) * math.cos(b))
        l2 = l1 + math.atan2(math.sin(b) * math.sin(d) * math.cos(p1), math.cos(d) - math.sin(p1) * math.sin(p2))
        plat, plng = math.degrees(p2), math.degrees(l2)
        assert box.min_lat - 1e-9 <= plat <= box.max_lat + 1e-9
        assert box.min_lng - 1e-9 <= plng <= box.max_lng + 1e-9


@pytest.mark.parametrize(
    ("args", "field"),
    [
        ((91.0, 0.0, 100, 10), "latitude"),
        ((0.0, -181.0, 100, 10), "longitude"),
        ((0.0, 0.0, 0, 10), "radius_m"),
        ((0.0, 0.0, 50_001, 10), "radius_m"),
        ((0.0, 0.0, 100, 101), "limit"),
        ((float("nan"), 0.0, 100, 10), "latitude"),
    ],
)
def test_c5_bad_search_names_the_field(args, field):
    with pytest.raises(InvalidInput) as err:
        geo.nearby_search(*args)
    assert field in err.value.fields


def test_c5_navigation_links_put_longitude_first_for_amap():
    assert geo.amap_url(31.5, 121.25, "王记").startswith("https://uri.amap.com/marker?position=121.250000,31.500000")
    assert "location=31.500000,121.250000" in geo.baidu_url(31.5, 121.25, "王记")


@pytest.mark.parametrize(
    ("name", "colour", "fields"),
    [
        ("", "", {"name": "validation.required"}),
        ("x" * 21, "#FFF", {"name": "validation.too_long", "colour": "validation.invalid"}),
    ],
)
def test_c12_bad_tag_names_the_field(name, colour, fields):
    with pytest.raises(InvalidInput) as err:
        clean_tag(name, colour)
    assert err.value.fields == fields


def test_c12_tag_is_trimmed_and_colour_upper_case():
    assert clean_tag(" 大客户 ", "#ff8800") == ("大客户", "#FF8800")


def test_c12_bulk_needs_both_lists_and_caps_customers():
    with pytest.raises(InvalidInput) as err:
        bulk_ids([], [str(i) for i in range(501)])
    assert err.value.fields == {"tag_ids": "validation.required", "customer_ids": "validation.too_long"}
    assert bulk_ids(["a", "a"], ["c1", "c1", "c2"]) == (["a"], ["c1", "c2"])


def test_c5_update_sets_location_together_and_region_digits():
    current = Profile("王", "13800000000", {}, "", "", None, None)
    with pytest.raises(InvalidInput) as err:
        updated_profile(current, UpdateCustomer("c1", latitude=31.0, region="abc"), [])
    assert err.value.fields == {"longitude": "validation.required", "region": "validation.invalid"}
    new = updated_profile(current, UpdateCustomer("c1", latitude=31.0, longitude=121.0, region="310104"), [])
    assert (new.latitude, new.longitude, new.region) == (31.0, 121.0, "310104")
    cleared = updated_profile(new, UpdateCustomer("c1", clear_location=True), [])
    assert (cleared.latitude, cleared.longitude) == (None, None)
