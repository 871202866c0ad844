"""HTTP caching: public pages carry a strong ETag from the data version and answer 304 without rendering;
everything else stays out of shared caches."""
from __future__ import annotations

import re
from contextlib import contextmanager

import pytest
from flask import template_rendered

from directory import caching, create_app
from directory.admin.accounts import create_admin
from directory.admin.decisions import unpublish_listing
from directory.caching import PUBLIC_CACHE_CONTROL, PUBLIC_ENDPOINTS, build_digest, data_version
from directory.extensions import db
from directory.therapists.models import Condition, ListingStatus, Location, Modality
from directory.therapists.services import load_profile
from tests.conftest import csrf_from

PUBLIC_PAGES = (
    "/",
    "/search?near=33701&radius=25",
    "/therapists/{slug}",
    "/about",
    "/api/v1/therapists?near=33701&radius=25",
    "/api/v1/therapists/{slug}",
    "/api/v1/modalities",
    "/api/v1/conditions",
    "/api/v1/openapi.json",
)


@pytest.fixture
def listing(make_therapist):
    """One published listing in St. Petersburg, FL, with a therapy and a condition."""
    return make_therapist(modalities=("nmt",), conditions=("tension-headache",))


@contextmanager
def rendered_templates(app):
    """The names of the templates rendered inside the block."""
    names: list[str] = []

    def record(sender, template, context, **extra):
        names.append(template.name)

    template_rendered.connect(record, app)
    try:
        yield names
    finally:
        template_rendered.disconnect(record, app)


def etag_of(client, path: str) -> str:
    response = client.get(path)
    assert response.status_code == 200, path
    return response.headers["ETag"]


def test_every_public_page_has_a_strong_etag_and_may_be_kept_by_any_cache(client, listing):
    for page in PUBLIC_PAGES:
        response = client.get(page.format(slug=listing.slug))
        assert response.status_code == 200, page
        assert re.fullmatch(r'"[0-9a-f]{12}(\.\d+)?"', response.headers["ETag"]), page
        assert response.headers["Cache-Control"] == PUBLIC_CACHE_CONTROL, page
        assert "Cookie" in response.headers["Vary"], page
        # The same to everyone: no session started, no CSRF token that one visitor's cache could hand to another.
        assert "Set-Cookie" not in response.headers, page
        assert "csrf_token" not in response.get_data(as_text=True), page


def test_with_a_network_geocoder_the_search_is_not_kept(migrated_database):
    """Its answers (or a timeout) are no part of the data version: such a page must not be answered with 304 later."""
    from tests.conftest import _config

    app = create_app(_config(migrated_database, GEOCODER="nominatim"))
    with app.app_context():
        client = app.test_client()
        assert client.get("/").headers["Cache-Control"] == PUBLIC_CACHE_CONTROL
        for page in ("/search?q=anyone", "/api/v1/therapists?q=anyone"):
            response = client.get(page)
            assert response.status_code == 200 and "ETag" not in response.headers
            assert response.headers["Cache-Control"] == "private"
        db.session.remove()
        db.engine.dispose()


def test_the_public_endpoints_all_exist(app):
    assert PUBLIC_ENDPOINTS <= {rule.endpoint for rule in app.url_map.iter_rules()}


def test_a_known_etag_answers_304_without_rendering_or_searching(app, client, listing, monkeypatch):
    profile = f"/therapists/{listing.slug}"
    etag = etag_of(client, profile)

    def no_search(*args, **kwargs):
        raise AssertionError("searched for a 304")

    monkeypatch.setattr("directory.search.views.find", no_search)
    monkeypatch.setattr("directory.api.views.find", no_search)
    with rendered_templates(app) as rendered:
        for page in (profile, "/", "/search?near=33701&radius=25"):
            for if_none_match in (etag, f"W/{etag}", f'"other", {etag}', "*"):
                response = client.get(page, headers={"If-None-Match": if_none_match})
                assert response.status_code == 304, (page, if_none_match)
                assert response.get_data() == b""
                assert response.headers["ETag"] == etag
                assert response.headers["Cache-Control"] == PUBLIC_CACHE_CONTROL
                assert "Cookie" in response.headers["Vary"]
        api = client.get("/api/v1/therapists?near=33701", headers={"If-None-Match": etag})
        head = client.head(profile, headers={"If-None-Match": etag})
    assert rendered == []
    assert (api.status_code, head.status_code) == (304, 304)
    assert api.headers["Access-Control-Allow-Origin"] == "*"


def test_an_unknown_etag_gets_the_page(client, listing):
    etag = etag_of(client, "/")
    stale = etag.replace(".", ".9")
    response = client.get("/", headers={"If-None-Match": stale})
    assert response.status_code == 200 and b"<html" in response.data
    assert response.headers["ETag"] == etag


def test_every_change_to_what_public_pages_show_changes_the_etag(app, client, listing, make_therapist):
    """Published listings, their locations, therapies and conditions, and the vocabularies: whoever writes."""
    profile = f"/therapists/{listing.slug}"
    seen = {etag_of(client, profile)}

    def changed(change) -> None:
        change()
        db.session.commit()
        etag = etag_of(client, "/")
        assert etag not in seen, change.__doc__
        seen.add(etag)

    def edit():
        """an edited field"""
        listing.bio = "A new biography."

    def move():
        """a moved location"""
        listing.locations[0].latitude += 0.01

    def add_location():
        """a new location"""
        listing.locations.append(Location(position=1, street="1 Bay St", city="Tampa", state="FL", postal_code="33602",
                                          latitude=27.95, longitude=-82.46))

    def retag():
        """a therapy added and a condition removed"""
        listing.modalities.append(db.session.scalars(db.select(Modality).filter_by(slug="thai")).one())
        listing.conditions.clear()

    def rename_term():
        """a renamed condition (the vocabularies: flask seed)"""
        db.session.scalars(db.select(Condition).filter_by(slug="upper-back-knots")).one().name = "Knots"

    def unpublish():
        """unpublished by a moderator"""
        unpublish_listing(listing, create_admin("mod@example.org", "correct horse battery staple"), "Gone.")

    def publish():
        """published again"""
        listing.status = ListingStatus.PUBLISHED.value

    def another():
        """a second listing published"""
        make_therapist(commit=False)

    def delete():
        """a listing deleted"""
        db.session.delete(listing)

    for change in (edit, move, add_location, retag, rename_term, unpublish, publish, another, delete):
        changed(change)
    assert client.get(profile).status_code == 404


def test_a_new_deploy_changes_every_etag(tmp_path):
    (tmp_path / "views.py").write_text("one")
    before = build_digest(tmp_path)
    (tmp_path / "views.py").write_text("two")
    build_digest.cache_clear()
    assert build_digest(tmp_path) != before
    build_digest.cache_clear()


def test_the_data_version_counts_up_from_committed_changes(app, listing):
    version = data_version()
    listing.bio = "Changed."
    db.session.commit()
    assert data_version() > version
    db.session.rollback()


def test_a_visitor_with_a_session_gets_a_private_page(client, listing):
    """A session carries flash messages and CSRF tokens: such a request is answered for that visitor alone."""
    etag = etag_of(client, "/")
    form = client.get(f"/therapists/{listing.slug}/report")  # starts a session (the form's CSRF token)
    assert csrf_from(form) and "session=" in form.headers["Set-Cookie"]
    for page in PUBLIC_PAGES:
        response = client.get(page.format(slug=listing.slug), headers={"If-None-Match": etag})
        assert response.status_code == 200, page
        assert "ETag" not in response.headers, page
        assert response.headers["Cache-Control"] == "private", page


def test_forms_and_errors_are_never_public(client, listing, checklist_version):
    for page in (
        "/list-your-practice",
        f"/therapists/{listing.slug}/report",
        "/admin/login",
        "/therapists/nobody-by-that-name",
        "/api/v1/therapists?near=Nowhere%20Special",
        "/api/v1/therapists/nobody",
        "/search?page=abc&near=xyzzy-not-a-place",
    ):
        response = client.get(page)
        assert "ETag" not in response.headers, page
        assert response.headers["Cache-Control"] in ("private", "no-store"), page


def test_private_pages_keep_no_store(client, checklist_version):
    response = client.get("/checklists/new")
    token = csrf_from(response)
    saved = client.post("/checklists/new", data={"csrf_token": token, "therapist_name": "Dana"})
    checklist = client.get(saved.headers["Location"])
    for response in (checklist, client.get("/list-your-practice/edit/not-a-real-token")):
        assert response.headers["Cache-Control"] == "no-store"
        assert "ETag" not in response.headers


def test_the_version_is_read_before_the_page(app, client, listing, monkeypatch):
    """A change committed while a page renders must not be labelled with the old content's version: the
    version is read first, so such a page carries an older ETag and the next request gets the change."""
    order = []

    def version() -> int:
        order.append("version")
        return 0

    def page(slug: str):
        order.append("page")
        return load_profile(slug)

    monkeypatch.setattr(caching, "data_version", version)
    monkeypatch.setattr("directory.therapists.views.load_profile", page)
    assert client.get(f"/therapists/{listing.slug}").status_code == 200
    assert order == ["version", "page"]
