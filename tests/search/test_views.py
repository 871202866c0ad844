"""The home page, /search and /api/v1/therapists over HTTP."""
import re

import pytest

from directory.extensions import db
from directory.seeding import seed_all
from directory.therapists.models import Modality
from tests.conftest import point_at


def test_home_page_has_search_box_quick_links_and_explanation(client, vocabulary):
    page = client.get("/").get_data(as_text=True)
    assert 'name="near"' in page
    assert "/search?modality=nmt" in page
    assert "/search?condition=tension-headache" in page
    assert "resting length" in page
    assert "Skip to content" in page


def test_search_names_the_place_it_searched_around(client, make_therapist):
    make_therapist(name="Nearby Therapist", at=point_at(1))
    page = client.get("/search?near=33701&radius=10").get_data(as_text=True)
    assert "within 10 mi of St. Petersburg, FL 33701" in page
    assert "Nearby Therapist" in page
    assert re.search(r"<strong>\d+\.\d mi</strong>", page)


def test_search_by_city_and_by_address(client, make_therapist):
    make_therapist(name="Downtown", at=point_at(1))
    by_city = client.get("/search?near=St.+Petersburg,+FL").get_data(as_text=True)
    assert "of St. Petersburg, FL" in by_city and "Downtown" in by_city
    by_address = client.get("/search?near=200+Central+Ave,+St.+Petersburg,+FL+33701").get_data(as_text=True)
    assert "200 Central Ave, St. Petersburg, FL 33701" in by_address


def test_ambiguous_place_offers_candidates(client, vocabulary):
    response = client.get("/search?near=Springfield&modality=nmt")
    page = response.get_data(as_text=True)
    assert response.status_code == 200
    assert "matches several places" in page
    assert "Springfield, IL" in page and "Springfield, MO" in page
    # Each choice keeps the rest of the search.
    assert "near=Springfield,+IL&amp;radius=25&amp;unit=mi&amp;modality=nmt" in page


def test_unknown_place_gives_a_helpful_message_with_suggestions(client, vocabulary):
    response = client.get("/search?near=St+Petersberg,+FL")
    page = response.get_data(as_text=True)
    assert response.status_code == 200
    assert "We couldn&#39;t find" in page or "We couldn't find" in page
    assert "try a zip code or city, st" in page.lower()
    assert "St. Petersburg, FL" in page


def test_filters_are_explained_and_counted(client, make_therapist):
    make_therapist(at=point_at(1), modalities=("nmt-st-john",))
    page = client.get("/search?near=33701").get_data(as_text=True)
    assert "every</strong> therapy, language and session length you tick" in page
    assert "at least one</strong> of the conditions" in page
    nmt_checkbox = re.search(r'value="nmt"[^>]*>\s*<span>Neuromuscular therapy \(NMT\) <span class="count">\((\d+)\)', page)
    assert nmt_checkbox and nmt_checkbox.group(1) == "1"


def test_counts_past_the_cap_say_at_least(client, make_therapist):
    for i in range(520):
        make_therapist(at=point_at(0.1 + i * 0.004), modalities=("nmt-st-john",), commit=False)
    db.session.commit()
    page = client.get("/search?near=33701").get_data(as_text=True)
    assert "500+ therapists within 25 mi" in page
    assert "We count up to 500" in page
    assert re.search(r'value="nmt"[^>]*>\s*<span>Neuromuscular therapy \(NMT\) <span class="count">\(\d+\+\)', page)
    data = client.get("/api/v1/therapists?near=33701").get_json()
    assert data["total"] == 500 and data["total_is_at_least"] and data["pages"] == 25


def test_page_links_keep_every_filter(client, make_therapist):
    for i in range(25):
        make_therapist(at=point_at(0.5 + i * 0.1), modalities=("nmt-st-john",), conditions=("migraine",))
    page = client.get("/search?near=33701&radius=10&modality=nmt&condition=migraine&accepting=1&q=therap").get_data(
        as_text=True
    )
    next_link = re.search(r'<a rel="next" href="([^"]+)"', page).group(1).replace("&amp;", "&")
    for part in ("near=33701", "radius=10", "modality=nmt", "condition=migraine", "accepting=1", "q=therap", "page=2"):
        assert part in next_link
    second = client.get(next_link).get_data(as_text=True)
    assert second.count('class="card result"') == 5


def test_empty_result_offers_nearest_anywhere(client, make_therapist):
    make_therapist(name="Rural Therapist", at=point_at(150))
    page = client.get("/search?near=33701&radius=5").get_data(as_text=True)
    assert "No therapist matches this search within 5 mi" in page
    assert "Nearest therapists at any distance" in page
    assert "Rural Therapist" in page


def test_browse_without_place(client, make_therapist):
    make_therapist(name="Browsable")
    page = client.get("/search").get_data(as_text=True)
    assert "by state and name" in page
    assert "Browsable" in page


BAD_QUERIES = [
    "radius=abc", "radius=-5", "radius=1e400", "radius=7", "radius=", "unit=parsec", "modality=not-a-thing",
    "condition=%00", "page=0", "page=-1", "page=9999", "page=abc", "near=" + "x" * 5000,
    "near=%00%01%02", "near=%F0%9F%98%80", "q=%27%3B+DROP+TABLE+therapists%3B--", "accepting=maybe",
    "near=<script>alert(1)</script>", "near=33701&radius=5&radius=10", "near=%20%20",
]


@pytest.mark.parametrize("query", BAD_QUERIES)
def test_bad_parameters_never_error(client, make_therapist, query):
    make_therapist()
    response = client.get(f"/search?{query}")
    assert response.status_code == 200
    assert "<script>alert(1)</script>" not in response.get_data(as_text=True)
    api = client.get(f"/api/v1/therapists?{query}")
    assert api.status_code in (200, 400)
    assert api.is_json


def test_api_search_returns_distances_and_links(client, make_therapist):
    for i in range(22):
        make_therapist(at=point_at(0.5 + i * 0.2), modalities=("nmt-american",))
    data = client.get("/api/v1/therapists?near=33701&radius=10&unit=km&modality=nmt").get_json()
    assert data["total"] == 22 and data["pages"] == 2
    assert data["place"]["address"] == "St. Petersburg, FL 33701"
    first = data["results"][0]
    assert first["unit"] == "km"
    assert first["distance"] == pytest.approx(0.5 * 1.609344 + 0.0, abs=0.11)
    assert "page=2" in data["links"]["next"] and "modality=nmt" in data["links"]["next"]
    assert "prev" not in data["links"]


def test_api_reports_unknown_and_ambiguous_places(client, vocabulary):
    unknown = client.get("/api/v1/therapists?near=Xyzzyville,+FL")
    assert unknown.status_code == 400
    assert "couldn't find" in unknown.get_json()["error"]["message"]
    ambiguous = client.get("/api/v1/therapists?near=Springfield").get_json()
    assert "Springfield, IL" in [c["label"] for c in ambiguous["error"]["candidates"]]


def test_geocoder_failure_gives_a_clear_message(app, client, vocabulary):
    from geopy.exc import GeocoderTimedOut

    class TimingOut:
        def geocode(self, query, exactly_one=True, timeout=None):
            raise GeocoderTimedOut("took too long")

    app.extensions["geocoder"] = TimingOut()
    page = client.get("/search?near=Tampa").get_data(as_text=True)
    assert "location service did not answer" in page


def test_api_vocabularies(client, vocabulary):
    modalities = client.get("/api/v1/modalities").get_json()["modalities"]
    by_slug = {m["slug"]: m for m in modalities}
    assert by_slug["nmt-st-john"]["parent"] == "nmt"
    assert by_slug["nmt-american"]["parent"] == "nmt"
    conditions = client.get("/api/v1/conditions").get_json()["conditions"]
    assert "tension-headache" in {c["slug"] for c in conditions}


def test_unknown_api_path_is_json_404(client):
    response = client.get("/api/v1/nothing-here")
    assert response.status_code == 404
    assert response.get_json()["error"]["status"] == 404


def test_search_page_and_api_show_a_renamed_therapy_at_once(client, vocabulary):
    assert "Neuromuscular therapy (NMT)" in client.get("/search").get_data(as_text=True)
    db.session.execute(db.update(Modality).where(Modality.slug == "nmt").values(name="NMT, renamed"))
    db.session.commit()
    page = client.get("/search").get_data(as_text=True)
    assert "NMT, renamed" in page and "Neuromuscular therapy (NMT)" not in page
    modalities = client.get("/api/v1/modalities").get_json()["modalities"]
    assert {"slug": "nmt", "name": "NMT, renamed"}.items() <= modalities[0].items()


def test_results_show_each_therapists_modalities_in_display_order(client, make_therapist):
    """Place searches take what a therapist offers from the listing points; browsing from the listing."""
    make_therapist(name="Offers three", modalities=("thai", "nmt-st-john", "swedish"))
    make_therapist(name="Offers none", at=point_at(1))
    expected = ["nmt-st-john", "swedish", "thai"]
    for query in ("near=33701&radius=10", ""):
        results = {r["name"]: r["modalities"] for r in client.get(f"/api/v1/therapists?{query}").get_json()["results"]}
        assert results == {"Offers three": expected, "Offers none": []}, query
        page = client.get(f"/search?{query}").get_data(as_text=True)
        assert "Therapies: </span>NMT – St. John Method · Swedish / relaxation massage · Thai massage</p>" in page, query
        assert page.count('class="modalities"') == 1


def test_the_place_label_names_exactly_what_was_matched(client, vocabulary):
    page = client.get("/search?near=Hyde+Park,+Chicago").get_data(as_text=True)
    assert "within 25 mi of Hyde Park, Chicago, IL" in page
    greenpoint = client.get("/search?near=Greenpoint,+NY").get_data(as_text=True)
    assert "within 25 mi of Greenpoint, Brooklyn, NY" in greenpoint


@pytest.mark.parametrize("near, suggestion", [("Tampa Bay", "Tampa, FL"), ("Seatle, WA", "Seattle, WA"),
                                              ("Pittsburg, PA", "Pittsburgh, PA")])
def test_a_place_not_found_offers_did_you_mean_links(client, vocabulary, near, suggestion):
    page = client.get("/search", query_string={"near": near, "modality": "nmt"}).get_data(as_text=True)
    assert "therapists within" not in page
    assert "Did you mean:" in page
    link = f'near={suggestion.replace(" ", "+")}&amp;radius=25&amp;unit=mi&amp;modality=nmt">{suggestion}</a>'
    assert link in page


def test_api_says_when_the_geocoder_does_not_answer(app, client, vocabulary):
    from geopy.exc import GeocoderUnavailable

    class Unavailable:
        def geocode(self, query, exactly_one=True, timeout=None):
            raise GeocoderUnavailable("down")

    app.extensions["geocoder"] = Unavailable()
    response = client.get("/api/v1/therapists?near=Tampa")
    assert response.status_code == 400
    assert "location service did not answer" in response.get_json()["error"]["message"]
    assert "candidates" not in response.get_json()["error"]


def test_a_state_alone_asks_for_a_place_in_it(client, make_therapist):
    make_therapist(at=point_at(1))
    for near in ("FL", "Florida"):
        page = client.get("/search", query_string={"near": near, "modality": "nmt"}).get_data(as_text=True)
        assert f"“{near}” is the whole of Florida. Which city, town or ZIP code in Florida" in page
        # Its largest places, each a search that keeps the filters.
        assert '<a class="tag" href="/search?near=Jacksonville,+FL&amp;radius=25&amp;unit=mi&amp;modality=nmt">' in page
        assert "Tampa, FL</a>" in page and "St. Petersburg, FL</a>" in page
        assert "results-heading" not in page
    texas = client.get("/search?near=TX").get_data(as_text=True)
    assert "whole of Texas" in texas and "Houston, TX</a>" in texas
    # A place named like a state, in that state or not, is still a place.
    assert "within 25 mi of New York City, NY" in client.get("/search?near=New+York").get_data(as_text=True)
    assert "within 25 mi of Florida, NY" in client.get("/search?near=Florida,+NY").get_data(as_text=True)


def test_seeded_results_page_is_compact_and_its_links_answer(app, client):
    """The seeded data of `make run` around 33701: 20 cards in under 20 KB (whole page under 45 KB, from 54 KB),
    and a card's profile link and that profile's therapy tag lead where they say."""
    seed_all(app.config["SEEDS_DIR"], samples=True)
    response = client.get("/search?near=33701&radius=25")
    page = response.get_data(as_text=True)
    cards = page[page.index('<ol class="results"'):page.index("</ol>", page.index('<ol class="results"'))]
    assert cards.count("<article") == 20
    assert len(cards.encode()) < 20_000 and len(response.data) < 45_000
    href, name = re.search(r'<h3 class="result__name"><a href="([^"]+)"[^>]*>([^<]+)</a>', cards).groups()
    profile = client.get(href.replace("&amp;", "&"))
    assert profile.status_code == 200 and f"<h1>{name}<" in profile.get_data(as_text=True)
    back, tag_href, therapy = re.search(
        r'href="([^"]+)">Back to results</a>.*?<h2 id="modalities-heading">.*?<a class="tag" href="([^"]+)">([^<]+)</a>',
        profile.get_data(as_text=True), re.S).groups()
    assert back.replace("&amp;", "&") == "/search?near=33701&radius=25&unit=mi"
    tagged = client.get(tag_href.replace("&amp;", "&")).get_data(as_text=True)
    assert f"{name}</a>" in tagged and "Remove filter: </span>" + therapy in tagged
