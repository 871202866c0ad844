"""find(): the one search entry point, and the typed answers of locate() for a place it cannot use."""
import pytest
from geopy.exc import GeocoderServiceError

from directory.geo.geocoders import offline_geocoder
from directory.search.places import Ambiguous, GeocoderDown, Located, NotFound, Place, locate
from directory.search.params import SearchParams
from directory.search.services import Found, find
from directory.search.vocabulary import load_vocabulary
from tests.conftest import ST_PETE, point_at


class DownGeocoder:
    def geocode(self, query, exactly_one=True, timeout=None):
        raise GeocoderServiceError("refused")


def test_find_searches_around_the_place_it_locates(make_therapist):
    make_therapist(name="Near", at=point_at(2))
    make_therapist(name="Far", at=point_at(60))
    found = find(SearchParams(near="33701", radius=10), load_vocabulary(), offline_geocoder())
    assert isinstance(found, Found)
    assert found.located.place.label == "St. Petersburg, FL 33701"
    assert found.located.place.kind == "zip"
    assert found.located.place.point == pytest.approx(ST_PETE, abs=0.05)
    assert [hit.therapist.name for hit in found.results.hits] == ["Near"]


def test_find_without_a_place_browses_and_never_asks_the_geocoder(make_therapist):
    make_therapist(name="Anywhere")
    found = find(SearchParams(), load_vocabulary(), DownGeocoder())
    assert isinstance(found, Found) and found.located is None
    assert [hit.therapist.name for hit in found.results.hits] == ["Anywhere"]


def test_an_unknown_place_is_not_found_with_the_places_it_may_mean(vocabulary):
    failure = find(SearchParams(near="Saint Petersbrug, FL"), load_vocabulary(), offline_geocoder(), offline_geocoder())
    assert isinstance(failure, NotFound) and failure.kind == "not_found"
    assert failure.candidates[0] == Place("St. Petersburg, FL", 27.77086, -82.67927, "city")
    assert failure.message.startswith("We couldn't find “Saint Petersbrug, FL”")


def test_an_ambiguous_place_lists_candidates_with_their_coordinates(vocabulary):
    failure = find(SearchParams(near="Springfield"), load_vocabulary(), offline_geocoder())
    assert isinstance(failure, Ambiguous) and failure.kind == "ambiguous"
    labels = [candidate.label for candidate in failure.candidates]
    assert "Springfield, IL" in labels and "Springfield, MO" in labels
    assert all(isinstance(candidate, Place) and -180 <= candidate.longitude <= 180 for candidate in failure.candidates)


def test_a_geocoder_that_does_not_answer_is_its_own_failure(vocabulary):
    failure = find(SearchParams(near="Tampa, FL"), load_vocabulary(), DownGeocoder())
    assert isinstance(failure, GeocoderDown) and failure.kind == "geocoder_down"
    assert "did not answer" in failure.message


def test_locate_gives_a_dominant_place_and_the_others_of_its_name():
    located = locate(offline_geocoder(), "Houston")
    assert isinstance(located, Located)
    assert located.place.label == "Houston, TX"
    assert "Houston, AK" in [other.label for other in located.others]
