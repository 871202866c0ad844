"""GET /api/v1/places (type-ahead) and the places the search API answers with, on the test database."""
import pytest
from geopy.distance import geodesic

from tests.geo.places_table import PLACES


def test_every_place_of_the_table_through_the_search_api(client, vocabulary):
    """The table of typed places, through /api/v1/therapists (so on SQLite and on PostgreSQL)."""
    wrong = []
    for query, label, latitude, longitude, within_km in PLACES:
        response = client.get("/api/v1/therapists", query_string={"near": query})
        place = response.get_json().get("place") if response.status_code == 200 else None
        if place is None:
            wrong.append(f"{query}: {response.status_code} {response.get_json()}")
        elif place["address"] != label or geodesic((place["latitude"], place["longitude"]), (latitude, longitude)).km > within_km:
            wrong.append(f"{query}: {place}")
    assert wrong == []


def test_places_answers_up_to_ten_labelled_places_largest_first(client):
    response = client.get("/api/v1/places?q=san")
    assert response.status_code == 200
    places = response.get_json()["places"]
    assert 1 < len(places) <= 10
    assert places[0] == {"label": "San Antonio, TX", "latitude": pytest.approx(29.424, abs=0.01),
                         "longitude": pytest.approx(-98.494, abs=0.01), "kind": "city"}
    assert {"label", "latitude", "longitude", "kind"} == set().union(*places)
    assert response.headers["Cache-Control"] == "public, max-age=3600"


@pytest.mark.parametrize("prefix, label, kind", [("3370", "St. Petersburg, FL 33701", "zip"),
                                                 ("Portage Pa", "Portage Park, Chicago, IL", "neighbourhood"),
                                                 ("Hyde Park, Chi", "Hyde Park, Chicago, IL", "neighbourhood")])
def test_places_kinds(client, prefix, label, kind):
    first = client.get("/api/v1/places", query_string={"q": prefix}).get_json()["places"][0]
    assert (first["label"], first["kind"]) == (label, kind)


@pytest.mark.parametrize("query", ["", "?q=", "?q=%00%00", "?q=zzzzqqq", "?q=" + "%2C" * 50])
def test_places_without_a_match_is_an_empty_list(client, query):
    response = client.get("/api/v1/places" + query)
    assert response.status_code == 200 and response.get_json() == {"places": []}


def test_places_refuses_a_prefix_over_its_declared_max_length(client):
    declared = client.get("/api/v1/openapi.json").get_json()["paths"]["/places"]["get"]
    limit = declared["parameters"][0]["schema"]["maxLength"]
    assert client.get("/api/v1/places", query_string={"q": "a" * limit}).status_code == 200
    refused = client.get("/api/v1/places", query_string={"q": "a" * (limit + 1)})
    assert refused.status_code == 400 and str(limit) in refused.get_json()["error"]["message"]
    assert "400" in declared["responses"]


@pytest.mark.parametrize("near, first", [("Seatle, WA", "Seattle, WA"), ("Pittsburg, PA", "Pittsburgh, PA"),
                                         ("Tampa Bay", "Tampa, FL")])
def test_an_unknown_place_is_a_400_with_did_you_mean_candidates(client, vocabulary, near, first):
    response = client.get("/api/v1/therapists", query_string={"near": near})
    assert response.status_code == 400
    error = response.get_json()["error"]
    assert "couldn't find" in error["message"]
    assert error["candidates"][0]["label"] == first
    assert all(set(c) == {"label", "latitude", "longitude", "kind"} for c in error["candidates"])


def test_pittsburg_pa_also_offers_the_pittsburgs_of_other_states(client, vocabulary):
    candidates = client.get("/api/v1/therapists?near=Pittsburg,+PA").get_json()["error"]["candidates"]
    assert {"Pittsburg, CA", "Pittsburg, KS", "Pittsburg, TX"} <= {c["label"] for c in candidates}
