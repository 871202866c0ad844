"""What schemathesis found once, pinned down one by one: time zones, declared 400s, maxLength, Allow."""
from datetime import datetime

from directory.api.openapi import PARAMETER_MAX_LENGTHS
from directory.search.services import PAGE_SIZE
from tests.conftest import point_at


def test_updated_at_is_an_rfc_3339_date_time_with_its_zone(client, make_therapist):
    therapist = make_therapist(at=point_at(1))
    stamp = client.get(f"/api/v1/therapists/{therapist.slug}").get_json()["updated_at"]
    assert datetime.fromisoformat(stamp).utcoffset() is not None, stamp
    assert stamp.endswith("+00:00")


def test_a_query_longer_than_its_max_length_is_refused(client, vocabulary):
    assert PARAMETER_MAX_LENGTHS["q"] == client.get("/api/v1/openapi.json").get_json()[
        "paths"]["/therapists"]["get"]["parameters"][6]["schema"]["maxLength"]
    for name, limit in PARAMETER_MAX_LENGTHS.items():
        response = client.get("/api/v1/therapists", query_string={name: "a" * (limit + 1)})
        assert response.status_code == 400, name
        assert f"at most {limit} characters" in response.get_json()["error"]["message"]
    assert client.get("/api/v1/therapists", query_string={"q": "a" * PARAMETER_MAX_LENGTHS["q"]}).status_code == 200
    # The search page still cuts with a notice rather than refusing.
    page = client.get("/search", query_string={"q": "a" * 500})
    assert page.status_code == 200 and "first 100 characters" in page.get_data(as_text=True)


def test_an_ambiguous_place_is_a_declared_400_with_candidates(client, vocabulary):
    response = client.get("/api/v1/therapists?near=Springfield")
    assert response.status_code == 400
    candidates = response.get_json()["error"]["candidates"]
    labels = [c["label"] for c in candidates]
    assert "Springfield, IL" in labels and "Springfield, MO" in labels
    assert all(isinstance(c["latitude"], float) and isinstance(c["longitude"], float) for c in candidates)
    declared = client.get("/api/v1/openapi.json").get_json()
    assert "400" in declared["paths"]["/therapists"]["get"]["responses"]
    item = declared["components"]["schemas"]["Error"]["properties"]["error"]["properties"]["candidates"]["items"]
    assert item == {"$ref": "#/components/schemas/Place"}
    assert declared["components"]["schemas"]["Place"]["required"] == ["label", "latitude", "longitude", "kind"]


def test_every_405_names_the_allowed_methods(client, vocabulary):
    for path in ("/api/v1/conditions", "/api/v1/therapists", "/about"):
        response = client.delete(path)
        assert response.status_code == 405, path
        assert "GET" in response.headers["Allow"], path


def test_a_page_past_the_end_has_no_results_and_true_paging(client, make_therapist):
    for i in range(PAGE_SIZE + 1):
        make_therapist(at=point_at(i * 0.1 + 0.1), commit=False)
    from directory.extensions import db
    db.session.commit()
    for near in ("33701", None):
        data = client.get("/api/v1/therapists", query_string={"near": near, "page": 5} if near else {"page": 5}).get_json()
        assert data["results"] == [], near
        assert (data["total"], data["page"], data["pages"]) == (PAGE_SIZE + 1, 5, 2), near
        assert "page=2" in data["links"]["last"] and "page=2" in data["links"]["prev"] and "next" not in data["links"]
        assert any("no page 5" in notice for notice in data["notices"])
        last = client.get("/api/v1/therapists", query_string={"near": near, "page": 2} if near else {"page": 2})
        assert len(last.get_json()["results"]) == 1


def test_the_search_page_past_the_end_links_back_to_the_last_page(client, make_therapist):
    for i in range(PAGE_SIZE + 1):
        make_therapist(at=point_at(i * 0.1 + 0.1), commit=False, name=f"Paged {i:02d}")
    from directory.extensions import db
    db.session.commit()
    page = client.get("/search?near=33701&page=5").get_data(as_text=True)
    assert "There is no page 5" in page and "Paged" not in page
    link = page[page.index('<p class="empty">There is no page 5'):].split("</p>")[0]
    assert "page=2" in link and "Go to page 2" in link


def test_a_state_alone_is_a_declared_400_with_its_largest_places(client, vocabulary):
    for near in ("FL", "Florida", "fl."):
        response = client.get("/api/v1/therapists", query_string={"near": near})
        assert response.status_code == 400, near
        error = response.get_json()["error"]
        assert "whole of Florida" in error["message"] and "city, town or ZIP code" in error["message"]
        labels = [c["label"] for c in error["candidates"]]
        assert labels[:4] == ["Jacksonville, FL", "Miami, FL", "Tampa, FL", "Orlando, FL"], near
        assert all(set(c) >= {"label", "latitude", "longitude", "kind"} for c in error["candidates"])
    # A state's name that is also a big city's is the city.
    assert client.get("/api/v1/therapists", query_string={"near": "New York"}).status_code == 200
