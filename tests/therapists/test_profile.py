"""Public profiles."""
import json
import re

from directory.extensions import db
from directory.therapists.models import ListingStatus


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
    assert "/search?modality=nmt-st-john" in page
    assert "/search?condition=tension-headache" in page
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
    assert all(f"/search?modality={slug}" in page for slug in ("nmt-st-john", "trigger-point", "swedish", "thai"))
    assert all(f"/search?condition={slug}" in page for slug in ("tension-headache", "migraine", "upper-back-knots"))
