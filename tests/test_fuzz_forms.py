"""Property test: arbitrary strings (NUL, lone surrogates as raw bytes, bidi overrides, 10 kB values) posted into
every field of every public and admin form, and into the search and API query parameters: never a 5xx, never a
database error. The field names come from the form classes, so a new field is fuzzed without editing this file."""
from __future__ import annotations

import logging
from typing import Any, Iterator
from urllib.parse import quote_from_bytes

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from directory.admin.forms import LoginForm, NoteForm, ReasonForm, RejectForm
from directory.checklists.forms import checklist_form_class
from directory.checklists.services import current_version
from directory.extensions import db
from directory.listings import reports
from directory.listings.forms import (
    DeleteListingForm,
    EditLinkForm,
    EditListingForm,
    ReportForm,
    SubmitListingForm,
    VersionForm,
)
from directory.listings.models import ReportReason
from directory.search.forms import SearchForm
from directory.therapists.models import ListingStatus
from tests.admin.conftest import admin, admin_client, make_admin  # noqa: F401  (fixtures)
from tests.listings.conftest import hidden_fields, listing_data, listing_form, make_listing, page_text  # noqa: F401

FUZZ = settings(max_examples=40, deadline=None, suppress_health_check=list(HealthCheck), database=None)
# Any code point, lone surrogates included: they are sent as the invalid UTF-8 bytes a client could send.
hostile_value = st.one_of(
    st.text(alphabet=st.characters(codec=None, exclude_categories=()), max_size=60),
    st.sampled_from(["\x00", "a\x00b", "   ", "\u202eevil", "\u2066x\u2069", "\ud800", "\udfff", "9" * 30,
                     str(2**64), "-1", "http://[::1", "http://x:99999", "😀", "'; DROP TABLE therapists;--"]),
    st.builds(lambda c, n: c * n, st.sampled_from(["x", "é", "\x00", "😀"]), st.just(10_240)),
)


def field_names(fields: Any) -> Iterator[str]:
    """The names a browser posts for a form's fields (sub-forms and lists of them flattened)."""
    for field in fields:
        if field.type in ("FieldList", "FormField"):
            yield from field_names(field)
        elif field.type != "CSRFTokenField":
            yield field.name


def names_of(app, form_class: type, **kwargs: Any) -> list[str]:
    with app.test_request_context():
        return sorted(field_names(form_class(meta={"csrf": False}, **kwargs)))


def encode(pairs: dict[str, Any]) -> bytes:
    """An urlencoded body; text is sent as UTF-8, lone surrogates as the raw bytes they would be."""
    def part(value: str) -> str:
        return quote_from_bytes(value.encode("utf-8", "surrogatepass"), safe="")
    items = [(k, v) for k, values in pairs.items() for v in (values if isinstance(values, list) else [values])]
    return "&".join(f"{part(k)}={part(v)}" for k, v in items).encode("ascii")


def no_server_error(response, caplog) -> None:
    assert response.status_code < 500, response.status_code
    errors = [r.getMessage() for r in caplog.records if r.levelno >= logging.ERROR]
    caplog.clear()
    assert not errors, errors
    db.session.rollback()


def fuzz_post(client, caplog, page_url: str, post_url: str, base: dict[str, Any], fuzzed: dict[str, str]) -> None:
    """Open the page like a browser, then post its hidden fields and `base`, with `fuzzed` on top."""
    page = client.get(page_url)
    no_server_error(page, caplog)
    hidden = hidden_fields(page_text(page)) if page.status_code == 200 else {}
    response = client.post(post_url, data=encode(hidden | base | fuzzed),
                           content_type="application/x-www-form-urlencoded")
    no_server_error(response, caplog)


def fields_strategy(names: list[str]):
    return st.dictionaries(st.sampled_from(names), hostile_value, min_size=1, max_size=4)


@pytest.fixture
def fuzz_app(app):
    app.config["LISTING_MIN_FILL_SECONDS"] = 0
    return app


@pytest.mark.parametrize("form_class", [SubmitListingForm, EditListingForm])
def test_listing_forms(fuzz_app, client, caplog, listing_form, make_listing, form_class):
    _, token = make_listing()
    url = "/list-your-practice" if form_class is SubmitListingForm else f"/list-your-practice/edit/{token}"

    @given(fuzzed=fields_strategy(names_of(fuzz_app, form_class)))
    @FUZZ
    def check(fuzzed):
        fuzz_post(client, caplog, url, url, listing_form(), fuzzed)
    check()


def test_report_edit_link_and_delete_forms(fuzz_app, client, caplog, make_listing):
    therapist, token = make_listing(status=ListingStatus.PUBLISHED.value)
    targets = [(f"/therapists/{therapist.slug}/report", ReportForm, {"reason": "other", "details": "Wrong phone"}),
               ("/list-your-practice/edit-link", EditLinkForm, {"contact_email": "dana.private@example.com"}),
               (f"/list-your-practice/edit/{token}/delete", DeleteListingForm, {})]
    names = [(url, base, name) for url, form_class, base in targets for name in names_of(fuzz_app, form_class)]

    @given(target=st.sampled_from(names), value=hostile_value)
    @FUZZ
    def check(target, value):
        url, base, name = target
        fuzz_post(client, caplog, url, url, base, {name: value})
    check()


def test_checklist_form(fuzz_app, client, caplog, checklist_version, make_therapist):
    therapist = make_therapist()
    names = names_of(fuzz_app, checklist_form_class(current_version()))

    @given(fuzzed=fields_strategy(names + ["therapist"]))
    @FUZZ
    def check(fuzzed):
        url = f"/checklists/new?therapist={therapist.slug}"
        fuzz_post(client, caplog, url, url, {"therapist_name": "Dana"}, fuzzed)
    check()


def test_admin_login_form(fuzz_app, client, caplog, admin):
    @given(fuzzed=fields_strategy(names_of(fuzz_app, LoginForm)))
    @FUZZ
    def check(fuzzed):
        fuzz_post(client, caplog, "/admin/login", "/admin/login", {"email": admin.email, "password": "x"}, fuzzed)
    check()


def test_admin_review_forms(fuzz_app, admin_client, caplog, make_listing):
    pending, _ = make_listing()
    published, _ = make_listing(status=ListingStatus.PUBLISHED.value, contact_email="other@example.com", name="Other")
    report = reports.file_report(published, ReportReason.OTHER, "Wrong phone", None)
    db.session.commit()
    review = f"/admin/listings/{pending.id}"
    targets = [(review, f"{review}/reject", RejectForm, "reject"), (review, f"{review}/approve", VersionForm, "approve"),
               (f"/admin/listings/{published.id}", f"/admin/listings/{published.id}/unpublish", ReasonForm, "unpublish"),
               (f"/admin/listings/{published.id}", f"/admin/reports/{report.id}/resolve", NoteForm, f"note-{report.id}")]
    names = [(page, url, name) for page, url, form_class, prefix in targets
             for name in names_of(fuzz_app, form_class, prefix=prefix)]

    @given(target=st.sampled_from(names), value=hostile_value)
    @FUZZ
    def check(target, value):
        page, url, name = target
        fuzz_post(admin_client, caplog, page, url, {}, {name: value})
    check()


@pytest.mark.parametrize("path", ["/search", "/api/v1/therapists"])
def test_search_and_api_query_parameters(fuzz_app, client, caplog, make_therapist, path):
    make_therapist()
    names = names_of(fuzz_app, SearchForm) + ["page", "per_page", "lat", "lon"]

    @given(fuzzed=fields_strategy(names))
    @FUZZ
    def check(fuzzed):
        no_server_error(client.get(f"{path}?{encode(fuzzed).decode()}"), caplog)
    check()
