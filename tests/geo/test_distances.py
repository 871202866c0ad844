"""Distance maths: units, geodesic and Lambert distances, and the boxes around a search circle."""
import random

import pytest
from geopy.distance import geodesic

from directory.geo import distances


def test_unit_conversions_round_trip():
    assert distances.to_km(1, "mi") == pytest.approx(1.609344)
    assert distances.from_km(distances.to_km(25, "mi"), "mi") == pytest.approx(25)
    assert distances.to_km(10, "km") == 10


def test_distance_is_geodesic():
    a, b = (27.7723, -82.6386), (27.9506, -82.4572)
    assert distances.distance_km(a, b) == pytest.approx(geodesic(a, b).km)


def test_lambert_distance_stays_within_its_tolerance_of_the_geodesic():
    rng = random.Random(3)
    for _ in range(3000):
        a = (rng.uniform(-85, 85), rng.uniform(-180, 180))
        km = rng.choice([rng.uniform(0.001, 2), rng.uniform(2, 400), rng.uniform(400, 19000)])
        b = geodesic(kilometers=km).destination(a, rng.uniform(0, 360))
        b = (b.latitude, b.longitude)
        assert distances.lambert_distance_km(a, b) == pytest.approx(geodesic(a, b).km, rel=distances.LAMBERT_TOLERANCE / 2)
    assert distances.lambert_distance_km(a, a) == 0.0


def test_is_within_asks_the_geodesic_only_when_too_close_to_call():
    origin = (27.7723, -82.6386)
    edge = geodesic(kilometers=40.0).destination(origin, 45)
    edge = (edge.latitude, edge.longitude)
    exact = geodesic(origin, edge).km
    assert distances.is_within_km(origin, edge, exact + 1e-6, lambert_km=exact + 1e-6)
    assert not distances.is_within_km(origin, edge, exact - 1e-6, lambert_km=exact - 1e-6)
    assert distances.is_within_km(origin, edge, 40.5, lambert_km=40.0)
    assert not distances.is_within_km(origin, edge, 39.5, lambert_km=40.0)


@pytest.mark.parametrize("latitude", [0.0, 27.77, 45.0, 61.2, 71.0, -33.9, 88.9])
def test_inscribed_box_lies_inside_the_circle(latitude):
    rng = random.Random(latitude)
    origin = (latitude, rng.uniform(-179.9, 179.9))
    for radius_km in (0.05, 1, 8.05, 40.2, 160.9):
        min_lat, max_lat, min_lon, max_lon = distances.inscribed_box(*origin, radius_km)
        corners = [(la, lo) for la in (min_lat, max_lat) for lo in (min_lon, max_lon)]
        edges = [(origin[0], min_lon), (origin[0], max_lon), (min_lat, origin[1]), (max_lat, origin[1])]
        for point in corners + edges:
            assert geodesic(origin, point).km <= radius_km, (origin, radius_km, point)
        if abs(latitude) < 80:
            assert geodesic(origin, corners[0]).km > 0.95 * radius_km


def test_inscribed_box_is_cut_at_the_antimeridian():
    assert distances.inscribed_box(52.0, 179.9, 50)[3] == 180.0


@pytest.mark.parametrize("latitude", [0.0, 27.77, 45.0, 61.2, 71.0, -33.9])
def test_bounding_boxes_contain_every_point_on_the_circle(latitude):
    rng = random.Random(latitude)
    origin = (latitude, rng.uniform(-179.9, 179.9))
    for radius_km in (1, 8.05, 40.2, 160.9, 1000):
        boxes = distances.bounding_boxes(*origin, radius_km)
        for bearing in range(0, 360, 5):
            point = geodesic(kilometers=radius_km).destination(origin, bearing)
            assert any(
                lat0 <= point.latitude <= lat1 and lon0 <= point.longitude <= lon1
                for lat0, lat1, lon0, lon1 in boxes
            ), (origin, radius_km, bearing)


def test_bounding_boxes_split_at_the_antimeridian():
    boxes = distances.bounding_boxes(52.0, 179.9, 50)
    assert len(boxes) == 2
    point = geodesic(kilometers=40).destination((52.0, 179.9), 90)
    assert point.longitude < 0
    assert any(lon0 <= point.longitude <= lon1 for _, _, lon0, lon1 in boxes)
