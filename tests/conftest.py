"""Shared fixtures: an app on a throwaway database migrated once per run, a client, and data builders."""
from __future__ import annotations

import itertools
import os
from typing import Any, Callable

import flask_migrate
import pytest
from flask import g
from flask.testing import FlaskClient
from geopy.distance import geodesic
from sqlalchemy import text

from directory import create_app
from directory.checklists import services as checklists
from directory.checklists.models import Checklist, ChecklistVersion
from directory.config import TestConfig, database_url
from directory.extensions import db
from directory.security import hash_token
from directory.seeding import seed_checklist, seed_vocabularies
from directory.therapists.models import ListingStatus, Location, Modality, Condition, Therapist

# A point in downtown St. Petersburg, FL, used as the centre of most search tests.
ST_PETE = (27.7723, -82.6386)


@pytest.fixture(scope="session")
def test_database_url(tmp_path_factory: pytest.TempPathFactory) -> str:
    """TEST_DATABASE_URL (a throwaway PostgreSQL database made by .ci/run), else a temporary SQLite file."""
    url = os.environ.get("TEST_DATABASE_URL")
    if url:
        return database_url(url)
    return f"sqlite:///{tmp_path_factory.mktemp('db') / 'test.sqlite3'}"


def _config(url: str, **overrides: Any) -> dict[str, Any]:
    config = {key: getattr(TestConfig, key) for key in dir(TestConfig) if key.isupper()}
    config |= {"SQLALCHEMY_DATABASE_URI": url} | overrides
    return config


@pytest.fixture(scope="session")
def migrated_database(test_database_url: str, tmp_path_factory: pytest.TempPathFactory):
    """Apply every migration once; drop everything at the end of the run."""
    app = create_app(_config(test_database_url))
    with app.app_context():
        flask_migrate.upgrade()
    yield test_database_url
    with app.app_context():
        # Every downgrade, on the way: the triggers and listing points of migration 0005 are not models.
        flask_migrate.downgrade(revision="base")
        db.session.execute(text("DROP TABLE IF EXISTS alembic_version"))
        db.session.commit()
        db.engine.dispose()


class FreshGlobalsClient(FlaskClient):
    """Requests reuse the test's app context (and so its database session); `g` is emptied around
    each one, because a real request starts with an empty `g` (CSRF tokens and logins are cached there)."""

    def open(self, *args: Any, **kwargs: Any):
        g.__dict__.clear()
        try:
            return super().open(*args, **kwargs)
        finally:
            g.__dict__.clear()


@pytest.fixture
def app(migrated_database: str):
    """An app bound to the test database, inside an app context; every table is emptied afterwards."""
    app = create_app(_config(migrated_database))
    app.test_client_class = FreshGlobalsClient
    with app.app_context():
        yield app
        db.session.rollback()
        if db.engine.dialect.name == "postgresql":
            # Emptying the seeded sample listings fires the listing-point triggers row by row; on a
            # loaded machine that outlasts the app's statement timeout, which guards requests, not cleanup.
            db.session.execute(text("SET LOCAL statement_timeout = 0"))
        for table in reversed(db.metadata.sorted_tables):
            db.session.execute(table.delete())
        db.session.commit()
        db.session.remove()
        db.engine.dispose()


@pytest.fixture
def client(app):
    """A test client."""
    return app.test_client()


@pytest.fixture
def runner(app):
    """A CLI runner for `flask` commands."""
    return app.test_cli_runner()


@pytest.fixture
def vocabulary(app):
    """The seeded modalities and conditions."""
    seed_vocabularies(app.config["SEEDS_DIR"])
    db.session.commit()


@pytest.fixture
def checklist_version(app):
    """The seeded checklist wording."""
    seed_checklist(app.config["SEEDS_DIR"])
    db.session.commit()


def csrf_from(response) -> str:
    """The CSRF token of the form in a rendered page."""
    import re

    match = re.search(r'name="csrf_token" type="hidden" value="([^"]+)"|name="csrf_token" value="([^"]+)"',
                      response.get_data(as_text=True))
    assert match, "no CSRF token in the page"
    return match.group(1) or match.group(2)


# What every page behind a private link answers, GET or POST, success or error.
PRIVATE_HEADERS = {"Cache-Control": "no-store", "X-Robots-Tag": "noindex, nofollow", "Referrer-Policy": "strict-origin"}


def private_header_problems(response, where: str) -> list[str]:
    """Each private-page header the response lacks or gets wrong, naming the request."""
    return [f"{where}: {name} is {response.headers.get(name)!r}, not {value!r}"
            for name, value in PRIVATE_HEADERS.items() if response.headers.get(name) != value]


_numbers = itertools.count(1)


def point_at(distance_mi: float, bearing: float = 90.0, origin: tuple[float, float] = ST_PETE) -> tuple[float, float]:
    """The (lat, lon) `distance_mi` from `origin` along `bearing` degrees, on the WGS-84 ellipsoid."""
    destination = geodesic(miles=distance_mi).destination(origin, bearing)
    return destination.latitude, destination.longitude


@pytest.fixture
def make_therapist(vocabulary) -> Callable[..., Therapist]:
    """Build a published therapist and commit it (commit=False to add many at once); `at` is (lat, lon) or a list."""

    def build(
        at: tuple[float, float] | list[tuple[float, float]] = ST_PETE,
        modalities: tuple[str, ...] = (),
        conditions: tuple[str, ...] = (),
        commit: bool = True,
        **overrides: Any,
    ) -> Therapist:
        number = next(_numbers)
        fields: dict[str, Any] = {
            "slug": f"therapist-{number}",
            "name": f"Therapist {number:04d}",
            "practice_name": f"Practice {number}",
            "credentials": ["LMT"],
            "license_number": f"MA{number:05d}",
            "license_state": "FL",
            "years_in_practice": 5,
            "training": "Trained at a fictional school.",
            "certifications": [],
            "bio": "A fictional therapist for tests.",
            "phone": "(727) 555-0100",
            "email": f"t{number}@example.com",
            "website": "https://example.com",
            "price_min": 80,
            "price_max": 110,
            "session_lengths": [60, 90],
            "accepting_new_clients": True,
            "mobile": False,
            "service_radius_mi": None,
            "languages": ["English"],
            "status": ListingStatus.PUBLISHED.value,
        } | overrides
        therapist = Therapist(**fields)
        points = at if isinstance(at, list) else [at]
        therapist.locations = [
            Location(position=i, street=f"{100 + i} Main St", city="Saint Petersburg", state="FL",
                     postal_code="33701", latitude=lat, longitude=lon)
            for i, (lat, lon) in enumerate(points)
        ]
        with db.session.no_autoflush:
            therapist.modalities = [db.session.scalars(db.select(Modality).filter_by(slug=s)).one() for s in modalities]
            therapist.conditions = [db.session.scalars(db.select(Condition).filter_by(slug=s)).one() for s in conditions]
        db.session.add(therapist)
        if commit:
            db.session.commit()
        return therapist

    return build


@pytest.fixture
def make_checklist(checklist_version) -> Callable[..., tuple[Checklist, str]]:
    """Save a checklist on checklist `version` (the current one unless given) and return it with its link's
    token; `answers` maps question keys to (answer, notes)."""

    def build(version: int | None = None, therapist: Therapist | None = None, **fields: Any) -> tuple[Checklist, str]:
        chosen = checklists.current_version() if version is None else db.session.scalars(
            db.select(ChecklistVersion).filter_by(version=version)).one()
        token = checklists.new_token()
        checklist = Checklist(token_hash=hash_token(token), version=chosen, therapist=therapist)
        checklists.fill_in(checklist, checklists.ChecklistEntry(**({"therapist_name": "Nora Neuro"} | fields)))
        db.session.add(checklist)
        db.session.commit()
        return checklist, token

    return build
