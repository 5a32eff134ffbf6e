"""Map mode (C5): distances on the sphere, the bounding box an index can answer, and the
navigation links map apps open. Coordinates are WGS-84 degrees."""

from __future__ import annotations

import math
from dataclasses import dataclass
from urllib.parse import quote

from crmkit.errors import InvalidInput
from customers.errors import ErrorCode

EARTH_RADIUS_M = 6_371_008.8
METRES_PER_DEGREE_LAT = math.pi * EARTH_RADIUS_M / 180
RADIUS_MAX_M = 50_000
LIMIT_MAX = 100
LIMIT_DEFAULT = 20


def location_errors(latitude: float | None, longitude: float | None, *, prefix: str = "") -> dict[str, str]:
    """Both or neither; each within its range."""
    errors = {}
    if (latitude is None) != (longitude is None):
        missing = "latitude" if latitude is None else "longitude"
        errors[prefix + missing] = "validation.required"
        return errors
    if latitude is not None and not (math.isfinite(latitude) and -90 <= latitude <= 90):
        errors[prefix + "latitude"] = "validation.invalid"
    if longitude is not None and not (math.isfinite(longitude) and -180 <= longitude <= 180):
        errors[prefix + "longitude"] = "validation.invalid"
    return errors


@dataclass(frozen=True)
class NearbySearch:
    latitude: float
    longitude: float
    radius_m: int
    limit: int


def nearby_search(latitude: float, longitude: float, radius_m: int, limit: int) -> NearbySearch:
    errors = location_errors(latitude, longitude)
    if not 1 <= radius_m <= RADIUS_MAX_M:
        errors["radius_m"] = "validation.invalid"
    limit = limit or LIMIT_DEFAULT
    if not 1 <= limit <= LIMIT_MAX:
        errors["limit"] = "validation.invalid"
    if errors:
        raise InvalidInput(ErrorCode.OWNERSHIP_INPUT_INVALID, fields=errors)
    return NearbySearch(latitude, longitude, radius_m, limit)


@dataclass(frozen=True)
class Box:
    min_lat: float
    max_lat: float
    min_lng: float
    max_lng: float


def bounding_box(lat: float, lng: float, radius_m: float) -> Box:
    """Every point within radius_m lies inside the box (it may hold a few more, which the exact
    distance then drops). Near the poles or across the antimeridian the longitude span opens to
    the full circle rather than wrap: rare for shops, and still correct."""
    dlat = radius_m / METRES_PER_DEGREE_LAT
    cos_lat = math.cos(math.radians(lat))
    dlng = 180.0 if cos_lat < 1e-06 else min(180.0, radius_m / (METRES_PER_DEGREE_LAT * cos_lat))
    min_lng, max_lng = lng - dlng, lng + dlng
    if min_lng < -180 or max_lng > 180:
        min_lng, max_lng = -180.0, 180.0
    return Box(max(-90.0, lat - dlat), min(90.0, lat + dlat), min_lng, max_lng)


def distance_m(lat1: float, lng1: float, lat2: float, lng2: float) -> float:
    """Haversine great-circle distance."""
    p1, p2 = math.radians(lat1), math.radians(lat2)
    dp, dl = p2 - p1, math.radians(lng2 - lng1)
    h = math.sin(dp / 2) ** 2 + math.cos(p1) * math.cos(p2) * math.sin(dl / 2) ** 2
    return 2 * EARTH_RADIUS_M * math.asin(min(1.0, math.sqrt(h)))


def amap_url(lat: float, lng: float, name: str) -> str:
    # Amap's URI API takes "lng,lat" (longitude first) and opens the app or the web map.
    return f"https://uri.amap.com/marker?position={lng:.6f},{lat:.6f}&name={quote(name)}&coordinate=wgs84"


def baidu_url(lat: float, lng: float, name: str) -> str:
    # Baidu's takes "lat,lng"; coord_type says our points are GPS (WGS-84), not its BD-09.
    return (
        f"https://api.map.baidu.com/marker?location={lat:.6f},{lng:.6f}&title={quote(name)}"
        f"&content={quote(name)}&coord_type=wgs84&output=html&src=crm"
    )
