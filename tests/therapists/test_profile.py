"""Public profiles."""
import html
import json
import re
from urllib.parse import parse_qs, urlsplit

from directory.extensions import db
from directory.therapists.models import ListingStatus
from tests.conftest import point_at


def test_profile_shows_every_field(client, make_therapist):
    therapist = make_therapist(
        name="Dana Whitfield",
        practice_name="Bayfront NMT",
        credentials=["LMT", "NCBTMB"],
        license_number="MA99887",
        years_in_practice=14,
        training="Studied the St. John Method.",
        certifications=["NMT Levels 1-4"],
        bio="I had headaches myself.",
        modalities=("nmt-st-john", "trigger-point"),
        conditions=("tension-headache",),
        languages=["English", "Spanish"],
        mobile=True,
        service_radius_mi=15,
        is_sample=True,
    )
    page = client.get(f"/therapists/{therapist.slug}").get_data(as_text=True)
    for text in ["Dana Whitfield", "LMT, NCBTMB", "Bayfront NMT", "MA99887 (FL)", "14 years", "St. John Method",
                 "NMT Levels 1-4", "I had headaches myself.", "(727) 555-0100", "English, Spanish",
                 "$80–$110 per session", "60, 90 minutes", "Home visits within 15 mi", "Sample listing",
                 "Listing last updated", "Accepting new clients"]:
        assert text in page, text
    # Opened directly, the tags search around the listing's own place.
    assert "/search?near=33701&amp;radius=25&amp;unit=mi&amp;modality=nmt-st-john" in page
    assert "/search?near=33701&amp;radius=25&amp;unit=mi&amp;condition=tension-headache" in page
    assert "openstreetmap.org/?mlat=" in page


def test_profile_has_schema_org_data(client, make_therapist):
    therapist = make_therapist(name="Eve Example")
    page = client.get(f"/therapists/{therapist.slug}").get_data(as_text=True)
    block = re.search(r'<script type="application/ld\+json">(.*?)</script>', page, re.S).group(1)
    data = json.loads(block)
    assert data["@type"] == "HealthAndBeautyBusiness"
    assert data["telephone"] == "(727) 555-0100"
    assert data["address"]["postalCode"] == "33701"
    assert data["geo"]["latitude"] == therapist.locations[0].latitude


def test_unknown_and_unpublished_profiles_are_404(client, make_therapist):
    assert client.get("/therapists/nobody").status_code == 404
    for status in ("pending", "rejected", "unpublished"):
        therapist = make_therapist(status=status)
        assert client.get(f"/therapists/{therapist.slug}").status_code == 404
        assert client.get(f"/api/v1/therapists/{therapist.slug}").status_code == 404


def test_text_is_escaped(client, make_therapist):
    payload = '<script>alert("x")</script>'
    therapist = make_therapist(name=payload, bio=payload, practice_name=payload, training="</script><b>")
    page = client.get(f"/therapists/{therapist.slug}").get_data(as_text=True)
    assert payload not in page
    assert "&lt;script&gt;" in page
    # The JSON-LD block cannot be closed early by a name.
    block = re.search(r'<script type="application/ld\+json">(.*?)</script>', page, re.S).group(1)
    assert json.loads(block)["employee"]["name"] == payload


def test_profile_reflects_publication_changes(client, make_therapist):
    therapist = make_therapist()
    assert client.get(f"/therapists/{therapist.slug}").status_code == 200
    therapist.status = ListingStatus.UNPUBLISHED.value
    db.session.commit()
    assert client.get(f"/therapists/{therapist.slug}").status_code == 404


def test_a_profile_costs_the_same_few_queries_however_much_it_shows(client, make_therapist):
    from tests.search.test_services import count_queries

    small = make_therapist()
    large = make_therapist(at=[(27.7, -82.6), (27.8, -82.7), (27.9, -82.8)],
                           modalities=("nmt-st-john", "trigger-point", "swedish", "thai"),
                           conditions=("tension-headache", "migraine", "upper-back-knots"))
    counts = []
    for slug in (small.slug, large.slug):
        db.session.expire_all()
        counts.append(count_queries(lambda: client.get(f"/therapists/{slug}")))
    # The data version (for the ETag), the listing, its locations, its therapies and conditions.
    assert counts == [4, 4]
    page = client.get(f"/therapists/{large.slug}").get_data(as_text=True)
    assert page.count("openstreetmap.org/?mlat=") == 3
    around = "/search?near=33701&amp;radius=25&amp;unit=mi"
    assert all(f"{around}&amp;modality={slug}" in page for slug in ("nmt-st-john", "trigger-point", "swedish", "thai"))
    assert all(f"{around}&amp;condition={slug}" in page for slug in ("tension-headache", "migraine", "upper-back-knots"))


def test_a_profile_opened_from_results_leads_back_to_them(client, make_therapist):
    therapist = make_therapist(at=point_at(1), modalities=("trigger-point",), conditions=("tension-headache",))
    results = client.get("/search?near=33701&radius=10&modality=trigger-point&condition=tension-headache")
    link = re.search(rf'href="(/therapists/{therapist.slug}\?[^"]+)"', results.get_data(as_text=True)).group(1)
    page = client.get(html.unescape(link)).get_data(as_text=True)
    back = re.search(r'<p class="breadcrumbs"><a href="([^"]+)">Back to results</a>', page).group(1)
    assert html.unescape(back) == (
        "/search?near=33701&radius=10&unit=mi&modality=trigger-point&condition=tension-headache"
    )
    assert "Find a therapist</a></p>" not in page
    direct = client.get(f"/therapists/{therapist.slug}").get_data(as_text=True)
    assert '<p class="breadcrumbs"><a href="/search">Find a therapist</a></p>' in direct
    # Anything else in the address leads nowhere new.
    assert "Back to results" not in client.get(f"/therapists/{therapist.slug}?utm_source=x").get_data(as_text=True)


def test_the_carried_search_is_parsed_never_used_raw(client, make_therapist):
    therapist = make_therapist(at=point_at(1))
    hostile = {"near": '"><script>alert(1)</script>', "radius": "7", "modality": ["nmt", "bogus"], "page": "-3",
               "unit": "parsecs"}
    page = client.get(f"/therapists/{therapist.slug}", query_string=hostile)
    assert page.status_code == 200
    text = page.get_data(as_text=True)
    assert "<script>alert(1)" not in text
    back = html.unescape(re.search(r'<a href="([^"]+)">Back to results</a>', text).group(1))
    assert parse_qs(urlsplit(back).query) == {
        "near": ['"><script>alert(1)</script>'], "radius": ["5"], "unit": ["mi"], "modality": ["nmt"],
    }


def test_profile_tags_search_around_the_same_place(client, make_therapist):
    clearwater = (27.9659, -82.8001)
    therapist = make_therapist(at=clearwater, modalities=("trigger-point",), conditions=("thoracic-outlet-syndrome",))
    make_therapist(at=point_at(300), modalities=("trigger-point",), name="Far Trigger")
    from_results = client.get(
        f"/therapists/{therapist.slug}?near=Clearwater,+FL&radius=10&modality=swedish&accepting=1"
    ).get_data(as_text=True)
    tag = re.search(r'<a class="tag" href="([^"]+)">Trigger point therapy</a>', from_results).group(1)
    assert html.unescape(tag) == "/search?near=Clearwater,+FL&radius=10&unit=mi&modality=trigger-point"
    condition = re.search(r'<a class="tag" href="([^"]+)">Thoracic outlet syndrome</a>', from_results).group(1)
    assert html.unescape(condition) == "/search?near=Clearwater,+FL&radius=10&unit=mi&condition=thoracic-outlet-syndrome"
    found = client.get(html.unescape(tag)).get_data(as_text=True)
    assert re.search(r"results-summary\">\s*1 therapist within 10 mi of Clearwater, FL\s*</h2>", found)
    # Opened directly, around the listing's own ZIP code.
    direct = client.get(f"/therapists/{therapist.slug}").get_data(as_text=True)
    tag = re.search(r'<a class="tag" href="([^"]+)">Trigger point therapy</a>', direct).group(1)
    assert html.unescape(tag) == "/search?near=33701&radius=25&unit=mi&modality=trigger-point"
