"""The offline geocoder: places as people type them, honest labels, suggestions and type-ahead."""
import pytest
from geopy.distance import geodesic

from directory.geo.geocoders import distinct_places, is_dominant, offline_geocoder
from tests.geo.places_table import PLACES


@pytest.fixture(scope="module")
def geocoder():
    return offline_geocoder()


def _km(location, latitude, longitude):
    return geodesic((location.latitude, location.longitude), (latitude, longitude)).km


@pytest.mark.parametrize("query, label, latitude, longitude, within_km", PLACES, ids=[row[0] for row in PLACES])
def test_a_place_as_people_type_it(geocoder, query, label, latitude, longitude, within_km):
    found = distinct_places(geocoder.geocode(query, exactly_one=False) or [])
    assert found, f"{query!r} not found"
    assert is_dominant(found), f"{query!r} is ambiguous: {[f.address for f in found[:4]]}"
    assert found[0].address == label
    assert _km(found[0], latitude, longitude) <= within_km


def test_the_table_has_every_kind_of_query_the_issue_names():
    assert len(PLACES) >= 60
    typed = {row[0] for row in PLACES}
    for example in ("East Lake, FL", "Citrus Park, FL", "LaPlace, LA", "South Valley, NM", "Summerlin South, NV",
                    "Greenpoint, NY", "Coney Island, NY", "Portage Park, IL", "Park View, DC", "Manhattan, NY", "NYC",
                    "Hyde Park, Chicago"):
        assert example in typed


def test_hyde_park_chicago_lands_in_hyde_park_not_at_chicagos_centre(geocoder):
    found = geocoder.geocode("Hyde Park, Chicago")
    chicago = geocoder.geocode("Chicago, IL")
    assert found.address == "Hyde Park, Chicago, IL" and found.raw["kind"] == "neighbourhood"
    assert _km(found, 41.794, -87.594) < 2
    assert _km(found, chicago.latitude, chicago.longitude) > 5


@pytest.mark.parametrize("query", ["Tampa Bay", "Tampa Bay, FL", "Foo Bar, Chicago", "Xyzzyville, FL", "qwertyuiop",
                                   "Springfield, ZZ9", "99999", "Hyde Park, Tampa"])
def test_words_that_do_not_all_match_one_place_find_nothing(geocoder, query):
    assert geocoder.geocode(query) is None


def test_tampa_bay_is_answered_with_tampa_not_with_bay_arkansas(geocoder):
    for query in ("Tampa Bay", "Tampa Bay, FL"):
        suggestions = [s.address for s in geocoder.suggest(query)]
        assert suggestions[0] == "Tampa, FL", suggestions
        assert "Bay, AR" not in suggestions[:1]


def test_words_before_a_place_count_only_when_they_read_as_a_street(geocoder):
    assert geocoder.geocode("Main Street, Tampa, FL").raw["kind"] == "address"
    assert geocoder.geocode("12 Bayshore, Tampa, FL").address == "12 Bayshore, Tampa, FL"
    assert geocoder.geocode("Bayshore Tampa FL") is None


@pytest.mark.parametrize("query, first", [("Seatle, WA", "Seattle, WA"), ("St Petersberg, FL", "St. Petersburg, FL"),
                                          ("Tampaa FL", "Tampa, FL"), ("Pittsburg, PA", "Pittsburgh, PA"),
                                          ("Cincinatti", "Cincinnati, OH")])
def test_typos_get_close_spellings_first(geocoder, query, first):
    assert geocoder.geocode(query) is None
    assert geocoder.suggest(query)[0].address == first


def test_a_name_that_exists_in_other_states_suggests_them(geocoder):
    suggestions = [s.address for s in geocoder.suggest("Pittsburg, PA")]
    assert {"Pittsburg, CA", "Pittsburg, KS", "Pittsburg, TX"} <= set(suggestions)
    located = {s.address: s for s in geocoder.suggest("Pittsburg, PA")}
    assert _km(located["Pittsburg, CA"], 38.028, -121.885) < 3


def test_no_suggestions_for_long_or_empty_queries(geocoder):
    assert geocoder.suggest("") == []
    assert geocoder.suggest("x" * 60) == []


def test_namesakes_of_similar_size_stay_open_and_a_state_narrows_them(geocoder):
    springfield = distinct_places(geocoder.geocode("Springfield", exactly_one=False))
    assert not is_dominant(springfield)
    assert {"Springfield, IL", "Springfield, MA", "Springfield, MO", "Springfield, OR"} <= {s.address for s in springfield}
    hyde_park = distinct_places(geocoder.geocode("Hyde Park", exactly_one=False))
    assert not is_dominant(hyde_park)
    assert {"Hyde Park, MA", "Hyde Park, Chicago, IL"} <= {p.address for p in hyde_park[:2]}


def test_namesakes_come_largest_first(geocoder):
    found = geocoder.geocode("Houston", exactly_one=False)
    populations = [f.raw["population"] for f in found]
    assert populations == sorted(populations, reverse=True) and len(found) > 3


# --- Type-ahead ---------------------------------------------------------------------------------------


def _labels(places):
    return [p.address for p in places]


def test_type_ahead_suggests_places_starting_with_the_prefix_largest_first(geocoder):
    found = geocoder.complete("san")
    assert 1 < len(found) <= 10
    assert _labels(found)[:4] == ["San Antonio, TX", "San Diego, CA", "San Jose, CA", "San Francisco, CA"]
    populations = [p.raw["population"] for p in found]
    assert populations == sorted(populations, reverse=True)


@pytest.mark.parametrize("prefix, expected", [
    ("St. Pete", "St. Petersburg, FL"), ("saint pete", "St. Petersburg, FL"), ("Stock", "Stockton, CA"),
    ("greenp", "Greenpoint, Brooklyn, NY"), ("Portland, M", "Portland, ME"), ("hyde park, chi", "Hyde Park, Chicago, IL"),
    ("Kapa‘", "Kapa‘a, HI"), ("nyc", "New York City, NY"), ("Springfield ma", "Springfield, MA"),
])
def test_type_ahead_reads_what_people_type(geocoder, prefix, expected):
    assert expected in _labels(geocoder.complete(prefix))


def test_type_ahead_says_what_kind_of_place_each_is(geocoder):
    assert {p.raw["kind"] for p in geocoder.complete("337")} == {"zip"}
    assert geocoder.complete("337")[0].address == "St. Petersburg, FL 33701"
    assert geocoder.complete("Portage Pa")[0].raw["kind"] == "neighbourhood"
    assert geocoder.complete("Tamp")[0].raw["kind"] == "city"


@pytest.mark.parametrize("prefix", ["", "   ", ",", "xqzw", "\x00", "99999"])
def test_type_ahead_with_nothing_to_suggest_is_empty(geocoder, prefix):
    assert geocoder.complete(prefix) == []


@pytest.mark.parametrize("prefix", ["san", "st", "greenp", "hyde", "33", "spring", "mount"])
def test_every_suggested_label_finds_that_same_place(geocoder, prefix):
    """The type-ahead fills the box with a label; searching for it must land on the place suggested."""
    for place in geocoder.complete(prefix):
        found = geocoder.geocode(place.address)
        assert found is not None and found.address == place.address
        assert (found.latitude, found.longitude) == (place.latitude, place.longitude)


@pytest.mark.parametrize("address", ["Suite 4, Bayfront Plaza, Tampa, FL", "Building 2, Tampa, FL", "One Harbour Place, Tampa FL",
                                     "Medical Arts Building, Tampa, FL"])
def test_practice_addresses_without_a_house_number_are_streets_too(geocoder, address):
    found = geocoder.geocode(address)
    assert found.raw["kind"] == "address" and found.address.endswith(", Tampa, FL")
