"""Property-based tests: random and hostile input never causes a 500, is never half-stored, and round-trips."""
from urllib.parse import urlencode

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from sqlalchemy import func, select

from directory.checklists import services
from directory.checklists.models import Checklist
from directory.therapists.models import Therapist
from directory.extensions import db
from tests.conftest import csrf_from, point_at
from tests.listings.conftest import listing_form, post_form  # noqa: F401  (a fixture)

FUZZ = settings(max_examples=60, deadline=None, suppress_health_check=list(HealthCheck), database=None)
SEARCH_KEYS = ["near", "radius", "unit", "modality", "condition", "accepting", "q", "page", "max_price", "language",
               "session_length", "home_visits", "nmt_training", "regions", "applied"]
hostile_text = st.one_of(
    st.text(max_size=300),
    st.sampled_from(["'; DROP TABLE therapists;--", "<script>alert(1)</script>", "\x00", "%00", "../../etc/passwd",
                     "9" * 400, "-1", "1e309", "NaN", "Springfield", "33701", "😀" * 50, "\u202e", "O'Brien"]),
)


@pytest.fixture
def listed(make_therapist):
    """One therapist near downtown St. Petersburg (set up once for all of a test's examples)."""
    return make_therapist(at=point_at(1), modalities=("nmt-st-john",), conditions=("migraine",))


@given(params=st.lists(st.tuples(st.sampled_from(SEARCH_KEYS), hostile_text), max_size=8))
@FUZZ
def test_search_never_fails(client, listed, params):
    query = urlencode(params)
    page = client.get(f"/search?{query}")
    assert page.status_code == 200
    assert "<script>alert(1)</script>" not in page.get_data(as_text=True)
    api = client.get(f"/api/v1/therapists?{query}")
    assert api.status_code in (200, 400) and api.is_json


FIELDS = ["therapist_name", "practice_name", "therapist_phone", "therapist_email", "interview_date", "price_quoted",
          "rating", "notes", "answer_technique", "notes_technique"]


@given(data=st.dictionaries(st.sampled_from(FIELDS), hostile_text))
@FUZZ
def test_checklist_form_stores_all_or_nothing_and_exactly(client, checklist_version, data):
    before = db.session.scalar(select(func.count()).select_from(Checklist))
    page = client.get("/checklists/new")
    response = client.post("/checklists/new", data=data | {"csrf_token": csrf_from(page)})
    assert response.status_code in (302, 422)
    after = db.session.scalar(select(func.count()).select_from(Checklist))
    if response.status_code == 422:
        assert after == before
        return
    assert after == before + 1
    token = response.headers["Location"].rsplit("/", 1)[1]
    db.session.expire_all()
    saved = services.find_checklist(token)
    assert saved.therapist_name == data["therapist_name"].strip()
    assert saved.notes == data.get("notes", "")
    assert saved.answer_for("technique").notes == data.get("notes_technique", "")


@given(name=st.text(min_size=1, max_size=120).filter(lambda s: s.strip() and s == s.strip()),
       notes=st.text(max_size=2000))
@FUZZ
def test_unicode_round_trips_exactly(client, checklist_version, name, notes):
    page = client.get("/checklists/new")
    response = client.post("/checklists/new", data={"therapist_name": name, "notes": notes,
                                                    "csrf_token": csrf_from(page)})
    if response.status_code == 422:
        # Only control characters may be refused, and text-direction controls in the name.
        assert any(ord(c) < 32 and c not in "\t\n\r" or ord(c) == 127 for c in name + notes) or \
            any("\u202a" <= c <= "\u202e" or "\u2066" <= c <= "\u2069" for c in name)
        return
    token = response.headers["Location"].rsplit("/", 1)[1]
    db.session.expire_all()
    saved = services.find_checklist(token)
    assert saved.therapist_name == name
    assert saved.notes == notes
    assert services.export_json([saved])["checklists"][0]["therapist_name"] == name


LISTING_TEXT_FIELDS = ["name", "practice_name", "training", "bio", "credentials", "license_number", "languages",
                       "certifications"]
LISTING_OTHER_FIELDS = ["years_in_practice", "phone", "email", "website", "price_min", "price_max",
                        "locations-0-street", "locations-0-city", "locations-0-postal_code", "contact_email",
                        "license_state", "modalities", "conditions", "session_lengths"]


@given(field=st.sampled_from(LISTING_TEXT_FIELDS + LISTING_OTHER_FIELDS), value=hostile_text)
@FUZZ
def test_listing_form_stores_all_or_nothing_and_exactly(client, listing_form, field, value):  # noqa: F811
    before = db.session.scalar(select(func.count()).select_from(Therapist))
    response = post_form(client, "/list-your-practice", listing_form(**{field: value}))
    # The listing form shows its errors with a 422, like the checklist.
    assert response.status_code in (422, 302), response.status_code
    after = db.session.scalar(select(func.count()).select_from(Therapist))
    if response.status_code == 422:
        assert 'class="error"' in response.get_data(as_text=True)
        assert after == before
        return
    assert after == before + 1
    if field in ("name", "practice_name", "training", "bio"):
        db.session.expire_all()
        stored = db.session.scalars(select(Therapist).order_by(Therapist.id.desc())).first()
        if field == "practice_name" and not value.strip():
            # An optional field left blank is stored as "none given".
            assert stored.practice_name is None
        else:
            assert getattr(stored, field) in (value, value.strip())
