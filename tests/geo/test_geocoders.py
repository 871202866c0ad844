"""Choosing a geocoder: the shared offline one, a network one behind a cache, and dominance among namesakes."""
import pytest
from geopy.exc import GeocoderTimedOut
from geopy.geocoders import Nominatim
from geopy.location import Location

from directory.geo.geocoders import CachingGeocoder, build_geocoder, distinct_places, is_dominant, offline_geocoder
from directory.geo.offline import OfflineGeocoder


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
    caching = CachingGeocoder(network, DictCache())
    first = caching.geocode("Tampa, FL")
    second = caching.geocode("tampa fl")
    assert network.calls == 1
    assert (first.latitude, first.longitude) == (second.latitude, second.longitude) == (27.95, -82.46)
    assert first.address == "Tampa, FL, USA"


def test_caching_geocoder_remembers_not_found_too():
    network = CountingGeocoder(None)
    caching = CachingGeocoder(network, DictCache())
    assert caching.geocode("Nowhere") is None
    assert caching.geocode("Nowhere") is None
    assert network.calls == 1


def test_caching_geocoder_passes_timeouts_on_and_caches_nothing():
    cache = DictCache()
    caching = CachingGeocoder(CountingGeocoder(GeocoderTimedOut("slow")), cache)
    with pytest.raises(GeocoderTimedOut):
        caching.geocode("Tampa, FL")
    assert cache.data == {}


def test_build_geocoder_offline_by_default():
    assert isinstance(build_geocoder("offline", "ua", 3), OfflineGeocoder)


def test_build_geocoder_network_service_has_user_agent_timeout_and_cache():
    built = build_geocoder("nominatim", "directory-tests/1.0", 3.5, DictCache())
    assert isinstance(built, CachingGeocoder)
    assert isinstance(built.geocoder, Nominatim)
    assert built.geocoder.headers["User-Agent"] == "directory-tests/1.0"
    assert built.geocoder.timeout == 3.5


def test_the_offline_geocoder_is_built_once_per_process(app):
    """The app, the search views and the type-ahead all use one geocoder, so its index loads once."""
    assert build_geocoder("offline", "ua", 3) is offline_geocoder()
    assert app.extensions["geocoder"] is offline_geocoder()
    assert offline_geocoder().load().gazetteer is offline_geocoder().gazetteer


def _place(population, point=(27.0, -82.0)):
    return Location("Somewhere", point, {"population": population})


def test_a_place_dominates_namesakes_with_a_fifth_of_its_people_or_fewer():
    assert is_dominant([_place(500_000), _place(100_000)])
    assert not is_dominant([_place(500_000), _place(100_001)])
    assert is_dominant([_place(2_000), _place(0)])
    assert not is_dominant([_place(0), _place(0)])
    assert is_dominant([_place(0)])


def test_network_answers_have_no_population_so_several_never_dominate():
    assert not is_dominant([Location("A", (1.0, 1.0), {"kind": "place"}), Location("B", (5.0, 5.0), {"kind": "place"})])


def test_answers_within_ten_km_of_a_better_one_are_the_same_place():
    near, far = _place(10, (27.05, -82.0)), _place(5, (28.0, -82.0))
    assert distinct_places([_place(100), near, far]) == [_place(100), far]


def test_gunicorn_loads_the_place_index_in_the_master_so_workers_share_it(monkeypatch):
    """gunicorn.conf.py preloads the app and, before forking, loads the index and freezes it (copy-on-write)."""
    import gc
    import importlib.util
    from pathlib import Path

    spec = importlib.util.spec_from_file_location("gunicorn_conf", Path(__file__).parents[2] / "gunicorn.conf.py")
    conf = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(conf)
    assert conf.preload_app is True
    loaded = []
    monkeypatch.setattr(OfflineGeocoder, "load", lambda self: loaded.append(self) or self)
    try:
        conf.when_ready(server=None)
        assert loaded == [offline_geocoder()]
        assert gc.get_freeze_count() > 0
    finally:
        gc.unfreeze()
