"""Builders for the listings tests: a valid form post, stored listings with their private links, page helpers."""
from __future__ import annotations

from html.parser import HTMLParser
from typing import Any, Callable

import pytest
from sqlalchemy import select

from directory.extensions import db, limiter
from directory.listings import submission
from directory.listings.data import ListingData, ProposedLocation
from directory.mail import OutboxMessage
from directory.therapists.models import ListingStatus, Therapist
from tests.conftest import ST_PETE


class _HiddenInputs(HTMLParser):
    def __init__(self) -> None:
        super().__init__()
        self.fields: dict[str, str] = {}

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        values = dict(attrs)
        if tag == "input" and values.get("type") == "hidden" and values.get("name"):
            self.fields.setdefault(values["name"], values.get("value") or "")


def hidden_fields(html: str) -> dict[str, str]:
    """The hidden inputs of a page (CSRF token, the form's start time, the listing version), first of each name."""
    parser = _HiddenInputs()
    parser.feed(html)
    return parser.fields


def post_form(client, url: str, data: dict[str, Any], page_url: str | None = None, **kwargs: Any):
    """Open the page like a browser would, then post `data` with the page's hidden fields."""
    page = client.get(page_url or url)
    assert page.status_code == 200, page.status_code
    return client.post(url, data=hidden_fields(page.get_data(as_text=True)) | data, **kwargs)


def page_text(response) -> str:
    """The response body as text."""
    return response.get_data(as_text=True)


@pytest.fixture
def listing_form(vocabulary) -> Callable[..., dict[str, Any]]:
    """A valid submission as the browser posts it; overrides replace fields, None removes one."""

    def build(**overrides: Any) -> dict[str, Any]:
        data: dict[str, Any] = {
            "name": "Dana Whitfield",
            "practice_name": "Bayfront NMT",
            "credentials": "LMT, NCBTMB",
            "license_number": "MA12345",
            "license_state": "FL",
            "years_in_practice": "12",
            "training": "St. John Method, levels 1-4.",
            "certifications": "NMT Level 1\nNMT Level 2",
            "bio": "I had tension headaches myself.",
            "modalities": ["nmt-st-john", "trigger-point"],
            "conditions": ["tension-headache"],
            "locations-0-street": "200 Central Ave",
            "locations-0-city": "St. Petersburg",
            "locations-0-state": "FL",
            "locations-0-postal_code": "33701",
            # A browser posts every location fieldset, empty or not.
            **{f"locations-{i}-{part}": "" for i in (1, 2) for part in ("street", "city", "state", "postal_code")},
            "phone": "727-555-0123",
            "email": "dana@example.com",
            "website": "https://example.com/dana",
            "price_min": "80",
            "price_max": "120",
            "session_lengths": ["60", "90"],
            "accepting_new_clients": "y",
            "languages": "English, Spanish",
            "contact_email": "Dana.Private@Example.com",
        }
        for key, value in overrides.items():
            if value is None:
                data.pop(key, None)
            else:
                data[key] = value
        return data

    return build


@pytest.fixture
def listing_data(vocabulary) -> Callable[..., ListingData]:
    """ListingData for service tests; overrides replace fields."""

    def build(**overrides: Any) -> ListingData:
        values: dict[str, Any] = dict(
            name="Dana Whitfield",
            practice_name="Bayfront NMT",
            credentials=["LMT"],
            license_number="MA12345",
            license_state="FL",
            years_in_practice=12,
            training="St. John Method.",
            bio="I had tension headaches myself.",
            phone="(727) 555-0123",
            email="dana@example.com",
            website="https://example.com/dana",
            price_min=80,
            price_max=120,
            session_lengths=[60, 90],
            languages=["English"],
            modalities=["nmt-st-john"],
            conditions=["tension-headache"],
            locations=[ProposedLocation("200 Central Ave", "St. Petersburg", "FL", "33701", *ST_PETE,
                                        "200 Central Ave, Saint Petersburg, FL 33701")],
        )
        return ListingData(**(values | overrides))

    return build


@pytest.fixture
def make_listing(listing_data) -> Callable[..., tuple[Therapist, str]]:
    """Submit a listing through the service (status as given) and return it with its edit token."""

    def build(status: str = ListingStatus.PENDING.value, contact_email: str = "dana.private@example.com",
              **overrides: Any) -> tuple[Therapist, str]:
        therapist, token = submission.submit_listing(listing_data(**overrides), contact_email)
        if status != therapist.status:
            therapist.status = status
            db.session.commit()
        return therapist, token

    return build


@pytest.fixture
def outbox(app) -> Callable[[], list[OutboxMessage]]:
    """The mail sent so far, oldest first."""
    return lambda: list(db.session.scalars(select(OutboxMessage).order_by(OutboxMessage.id)))


@pytest.fixture
def rate_limited(app):
    """Switch the rate limiter on for this test's app (it is off in the other tests)."""
    app.config["RATELIMIT_ENABLED"] = True
    limiter.init_app(app)
    yield app
    limiter.reset()
