"""The offline geocoder, the caching wrapper, distances and bounding boxes."""
import random

import pytest
from geopy.distance import geodesic
from geopy.exc import GeocoderTimedOut
from geopy.geocoders import Nominatim
from geopy.location import Location

from directory import geo


@pytest.fixture(scope="module")
def geocoder():
    return geo.OfflineGeocoder()


def test_zip_code_resolves_to_its_centre(geocoder):
    location = geocoder.geocode("33701")
    assert isinstance(location, Location)
    assert location.address == "Saint Petersburg, FL 33701"
    assert geodesic((location.latitude, location.longitude), (27.7723, -82.6386)).km < 0.1


def test_zip_plus_four_is_accepted(geocoder):
    assert geocoder.geocode("33701-1234").raw["postal_code"] == "33701"


@pytest.mark.parametrize(
    "query",
    ["St. Petersburg, FL", "st petersburg fl", "Saint Petersburg, Florida", "ST. PETERSBURG,FL", "  St Petersburg ,  fl "],
)
def test_city_and_state_in_any_spelling(geocoder, query):
    location = geocoder.geocode(query)
    assert location.address == "Saint Petersburg, FL"
    assert location.raw["kind"] == "city"
    # The city's centre lies within a few miles of downtown.
    assert geodesic((location.latitude, location.longitude), (27.7723, -82.6386)).miles < 5


@pytest.mark.parametrize(
    "query, expected",
    [("Ft. Lauderdale, FL", "Fort Lauderdale, FL"), ("Mt Pleasant, SC", "Mount Pleasant, SC"),
     ("new york, new york", "New York, NY"), ("Seattle WA", "Seattle, WA"), ("Coeur d'Alene, ID", None)],
)
def test_common_abbreviations_and_full_state_names(geocoder, query, expected):
    location = geocoder.geocode(query)
    assert location is not None
    if expected:
        assert location.address == expected
    else:
        assert location.raw["state"] == "ID"


def test_street_address_with_zip_uses_the_zip(geocoder):
    location = geocoder.geocode("1234 Central Ave, St. Petersburg, FL 33705")
    assert location.address == "1234 Central Ave, Saint Petersburg, FL 33705"
    assert location.raw["kind"] == "address"
    assert location.raw["postal_code"] == "33705"


def test_street_address_without_zip_uses_the_city(geocoder):
    location = geocoder.geocode("200 Central Ave, St. Petersburg, FL")
    assert location.address == "200 Central Ave, Saint Petersburg, FL"
    assert location.raw["kind"] == "address"
    city = geocoder.geocode("St. Petersburg, FL")
    assert (location.latitude, location.longitude) == (city.latitude, city.longitude)


@pytest.mark.parametrize("query", ["Xyzzyville, FL", "99999", "qwertyuiop", "Springfield, ZZ9"])
def test_unknown_places_give_none(geocoder, query):
    assert geocoder.geocode(query) is None


def test_suggestions_for_a_misspelled_city(geocoder):
    assert "Saint Petersburg, FL" in geocoder.suggest("St Petersberg, FL")
    assert "Tampa, FL" in geocoder.suggest("Tampaa FL")


def test_a_name_shared_by_several_states_lists_them_all(geocoder):
    found = geocoder.geocode("Springfield", exactly_one=False)
    states = {loc.raw["state"] for loc in found}
    assert {"IL", "MA", "MO", "OR"} <= states
    assert not geo.is_dominant(found)


def test_a_big_city_dominates_small_namesakes(geocoder):
    found = geocoder.geocode("Houston", exactly_one=False)
    assert found[0].address == "Houston, TX"
    assert geo.is_dominant(found)
    assert len(found) > 1


def test_san_carlos_without_state_is_ambiguous(geocoder):
    found = geocoder.geocode("San Carlos", exactly_one=False)
    assert {loc.raw["state"] for loc in found} >= {"CA", "AZ"}
    assert not geo.is_dominant(found)


class CountingGeocoder:
    """A stand-in network geocoder that records how often it is asked."""

    def __init__(self, answer):
        self.answer = answer
        self.calls = 0

    def geocode(self, query, exactly_one=True, timeout=None):
        self.calls += 1
        if isinstance(self.answer, Exception):
            raise self.answer
        return self.answer


class DictCache:
    def __init__(self):
        self.data = {}

    def get(self, key):
        return self.data.get(key)

    def set(self, key, value):
        self.data[key] = value


def test_caching_geocoder_asks_the_network_once_per_place():
    network = CountingGeocoder([Location("Tampa, FL, USA", (27.95, -82.46), {})])
    caching = geo.CachingGeocoder(network, DictCache())
    first = caching.geocode("Tampa, FL")
    second = caching.geocode("tampa fl")
    assert network.calls == 1
    assert (first.latitude, first.longitude) == (second.latitude, second.longitude) == (27.95, -82.46)
    assert first.address == "Tampa, FL, USA"


def test_caching_geocoder_remembers_not_found_too():
    network = CountingGeocoder(None)
    caching = geo.CachingGeocoder(network, DictCache())
    assert caching.geocode("Nowhere") is None
    assert caching.geocode("Nowhere") is None
    assert network.calls == 1


def test_caching_geocoder_passes_timeouts_on_and_caches_nothing():
    cache = DictCache()
    caching = geo.CachingGeocoder(CountingGeocoder(GeocoderTimedOut("slow")), cache)
    with pytest.raises(GeocoderTimedOut):
        caching.geocode("Tampa, FL")
    assert cache.data == {}


def test_build_geocoder_offline_by_default():
    assert isinstance(geo.build_geocoder("offline", "ua", 3), geo.OfflineGeocoder)


def test_build_geocoder_network_service_has_user_agent_timeout_and_cache():
    built = geo.build_geocoder("nominatim", "directory-tests/1.0", 3.5, DictCache())
    assert isinstance(built, geo.CachingGeocoder)
    assert isinstance(built.geocoder, Nominatim)
    assert built.geocoder.headers["User-Agent"] == "directory-tests/1.0"
    assert built.geocoder.timeout == 3.5


def test_unit_conversions_round_trip():
    assert geo.to_km(1, "mi") == pytest.approx(1.609344)
    assert geo.from_km(geo.to_km(25, "mi"), "mi") == pytest.approx(25)
    assert geo.to_km(10, "km") == 10


def test_distance_is_geodesic():
    a, b = (27.7723, -82.6386), (27.9506, -82.4572)
    assert geo.distance_km(a, b) == pytest.approx(geodesic(a, b).km)


def test_lambert_distance_stays_within_its_tolerance_of_the_geodesic():
    rng = random.Random(3)
    for _ in range(3000):
        a = (rng.uniform(-85, 85), rng.uniform(-180, 180))
        km = rng.choice([rng.uniform(0.001, 2), rng.uniform(2, 400), rng.uniform(400, 19000)])
        b = geodesic(kilometers=km).destination(a, rng.uniform(0, 360))
        b = (b.latitude, b.longitude)
        assert geo.lambert_distance_km(a, b) == pytest.approx(geodesic(a, b).km, rel=geo.LAMBERT_TOLERANCE / 2)
    assert geo.lambert_distance_km(a, a) == 0.0


def test_is_within_asks_the_geodesic_only_when_too_close_to_call():
    origin = (27.7723, -82.6386)
    edge = geodesic(kilometers=40.0).destination(origin, 45)
    edge = (edge.latitude, edge.longitude)
    exact = geodesic(origin, edge).km
    assert geo.is_within_km(origin, edge, exact + 1e-6, lambert_km=exact + 1e-6)
    assert not geo.is_within_km(origin, edge, exact - 1e-6, lambert_km=exact - 1e-6)
    assert geo.is_within_km(origin, edge, 40.5, lambert_km=40.0)
    assert not geo.is_within_km(origin, edge, 39.5, lambert_km=40.0)


@pytest.mark.parametrize("latitude", [0.0, 27.77, 45.0, 61.2, 71.0, -33.9, 88.9])
def test_inscribed_box_lies_inside_the_circle(latitude):
    rng = random.Random(latitude)
    origin = (latitude, rng.uniform(-179.9, 179.9))
    for radius_km in (0.05, 1, 8.05, 40.2, 160.9):
        min_lat, max_lat, min_lon, max_lon = geo.inscribed_box(*origin, radius_km)
        corners = [(la, lo) for la in (min_lat, max_lat) for lo in (min_lon, max_lon)]
        edges = [(origin[0], min_lon), (origin[0], max_lon), (min_lat, origin[1]), (max_lat, origin[1])]
        for point in corners + edges:
            assert geodesic(origin, point).km <= radius_km, (origin, radius_km, point)
        if abs(latitude) < 80:
            assert geodesic(origin, corners[0]).km > 0.95 * radius_km


def test_inscribed_box_is_cut_at_the_antimeridian():
    assert geo.inscribed_box(52.0, 179.9, 50)[3] == 180.0


@pytest.mark.parametrize("latitude", [0.0, 27.77, 45.0, 61.2, 71.0, -33.9])
def test_bounding_boxes_contain_every_point_on_the_circle(latitude):
    rng = random.Random(latitude)
    origin = (latitude, rng.uniform(-179.9, 179.9))
    for radius_km in (1, 8.05, 40.2, 160.9, 1000):
        boxes = geo.bounding_boxes(*origin, radius_km)
        for bearing in range(0, 360, 5):
            point = geodesic(kilometers=radius_km).destination(origin, bearing)
            assert any(
                lat0 <= point.latitude <= lat1 and lon0 <= point.longitude <= lon1
                for lat0, lat1, lon0, lon1 in boxes
            ), (origin, radius_km, bearing)


def test_bounding_boxes_split_at_the_antimeridian():
    boxes = geo.bounding_boxes(52.0, 179.9, 50)
    assert len(boxes) == 2
    point = geodesic(kilometers=40).destination((52.0, 179.9), 90)
    assert point.longitude < 0
    assert any(lon0 <= point.longitude <= lon1 for _, _, lon0, lon1 in boxes)


def test_bundled_place_table_matches_the_zipcodes_package(tmp_path):
    """directory/data/places.json.gz is exactly what `flask build-places` makes from the installed package."""
    rebuilt = tmp_path / "places.json.gz"
    geo.write_places(rebuilt)
    assert rebuilt.read_bytes() == geo.PLACES_FILE.read_bytes()
