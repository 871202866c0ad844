"""Distance maths: units, geodesic and Lambert distances, and the boxes that bound a search circle.

Pure functions on (latitude, longitude) pairs in degrees; no place data and no Flask here.
"""
from __future__ import annotations

import math
from typing import Callable

from geopy.distance import geodesic

KM_PER_MILE = 1.609344
UNITS = ("mi", "km")


def to_km(value: float, unit: str) -> float:
    """Convert a distance in `unit` (mi or km) to kilometres."""
    return value * KM_PER_MILE if unit == "mi" else value


def from_km(value_km: float, unit: str) -> float:
    """Convert kilometres to `unit` (mi or km)."""
    return value_km / KM_PER_MILE if unit == "mi" else value_km


def distance_km(a: tuple[float, float], b: tuple[float, float]) -> float:
    """Geodesic (WGS-84) distance between two (lat, lon) points in kilometres."""
    return geodesic(a, b).km


_WGS84_A_KM = 6378.137
_WGS84_F = 1 / 298.257223563
# Lambert's formula stays within 2.5e-5 of the geodesic over the whole globe (measured against
# geopy); four times that is the margin inside which the geodesic itself decides.
LAMBERT_TOLERANCE = 1e-4


def lambert_distance_km(a: tuple[float, float], b: tuple[float, float]) -> float:
    """Lambert's ellipsoidal distance in km: within LAMBERT_TOLERANCE of the geodesic and some 40 times faster."""
    return lambert_from(a)(*b)


def lambert_from(a: tuple[float, float]) -> Callable[[float, float], float]:
    """Lambert's distance in km from `a` to (latitude, longitude), with `a`'s terms worked out once for many calls."""
    beta1 = math.atan((1 - _WGS84_F) * math.tan(math.radians(a[0])))
    cos_beta1 = math.cos(beta1)
    lon1 = a[1]

    def distance_to(lat: float, lon: float) -> float:
        beta2 = math.atan((1 - _WGS84_F) * math.tan(math.radians(lat)))
        half_sum, half_difference = (beta1 + beta2) / 2, (beta2 - beta1) / 2
        haversine = math.sin(half_difference) ** 2 + cos_beta1 * math.cos(beta2) * math.sin(math.radians(lon - lon1) / 2) ** 2
        if haversine == 0:
            return 0.0
        sigma = 2 * math.asin(math.sqrt(min(1.0, haversine)))
        x = (sigma - math.sin(sigma)) * math.sin(half_sum) ** 2 * math.cos(half_difference) ** 2 / math.cos(sigma / 2) ** 2
        y = (sigma + math.sin(sigma)) * math.cos(half_sum) ** 2 * math.sin(half_difference) ** 2 / math.sin(sigma / 2) ** 2
        return _WGS84_A_KM * (sigma - _WGS84_F / 2 * (x + y))

    return distance_to


def is_within_km(a: tuple[float, float], b: tuple[float, float], limit_km: float, lambert_km: float) -> bool:
    """Whether b is within limit_km of a: Lambert's distance decides unless it is too close to call, then the geodesic."""
    if abs(lambert_km - limit_km) > LAMBERT_TOLERANCE * limit_km:
        return lambert_km <= limit_km
    return distance_km(a, b) <= limit_km


# Slightly short degree lengths make the box a little too big, never too small.
_KM_PER_DEGREE_LAT = 110.5
_KM_PER_DEGREE_LON_EQUATOR = 111.0
_BOX_MARGIN = 1.01


# The longest a degree gets on the ellipsoid makes the inscribed box a little too small, never too big.
_MAX_KM_PER_DEGREE = 111.7
_INSCRIBED_MARGIN = 0.99


def inscribed_half_sides(lat: float, radius_km: float) -> tuple[float, float]:
    """Half the height and width in degrees of a box centred at `lat` inside the circle (none near a pole)."""
    half_side = radius_km / math.sqrt(2) * _INSCRIBED_MARGIN
    dlat = half_side / _MAX_KM_PER_DEGREE
    min_lat, max_lat = lat - dlat, lat + dlat
    if max(abs(min_lat), abs(max_lat)) >= 89.0:
        return (0.0, 0.0)
    nearest_equator = 0.0 if min_lat <= 0 <= max_lat else min(abs(min_lat), abs(max_lat))
    return (dlat, half_side / (_MAX_KM_PER_DEGREE * math.cos(math.radians(nearest_equator))))


def inscribed_box(lat: float, lon: float, radius_km: float) -> tuple[float, float, float, float]:
    """A (min_lat, max_lat, min_lon, max_lon) box inside the circle (cut at the antimeridian, the centre alone near a pole)."""
    dlat, dlon = inscribed_half_sides(lat, radius_km)
    return (lat - dlat, lat + dlat, max(-180.0, lon - dlon), min(180.0, lon + dlon))


def bounding_boxes(lat: float, lon: float, radius_km: float) -> list[tuple[float, float, float, float]]:
    """(min_lat, max_lat, min_lon, max_lon) boxes that contain every point within radius_km.

    More than one box when the circle crosses the antimeridian.
    """
    dlat = radius_km * _BOX_MARGIN / _KM_PER_DEGREE_LAT
    min_lat, max_lat = max(-90.0, lat - dlat), min(90.0, lat + dlat)
    widest = max(abs(min_lat), abs(max_lat))
    if widest >= 89.0:
        return [(min_lat, max_lat, -180.0, 180.0)]
    dlon = radius_km * _BOX_MARGIN / (_KM_PER_DEGREE_LON_EQUATOR * math.cos(math.radians(widest)))
    if dlon >= 180.0:
        return [(min_lat, max_lat, -180.0, 180.0)]
    west, east = lon - dlon, lon + dlon
    if west < -180.0:
        return [(min_lat, max_lat, -180.0, east), (min_lat, max_lat, west + 360.0, 180.0)]
    if east > 180.0:
        return [(min_lat, max_lat, west, 180.0), (min_lat, max_lat, -180.0, east - 360.0)]
    return [(min_lat, max_lat, west, east)]
