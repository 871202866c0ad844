"""Issue 12.6: each input that used to answer 500 now gets a 4xx or a form error naming the field, keeping what was typed."""
import pytest
from sqlalchemy import func, select

from directory.admin.models import AuditLog
from directory.checklists.models import Checklist
from directory.extensions import db
from directory.listings.models import Report
from directory.therapists.models import ListingStatus, Therapist
from tests.admin.conftest import PASSWORD, admin, admin_client, make_admin  # noqa: F401  (fixtures)
from tests.listings.conftest import (  # noqa: F401  (fixtures)
    hidden_fields,
    listing_data,
    listing_form,
    make_listing,
    outbox,
    page_text,
    post_form,
)

TOO_BIG = str(2**64)  # beyond any 64-bit database integer


def _count(model) -> int:
    return db.session.scalar(select(func.count()).select_from(model))


def _field_error(html: str, field_id: str) -> str:
    """The error shown beside a field (its id-error paragraph), or ''."""
    marker = f'id="{field_id}-error">'
    start = html.find(marker)
    return "" if start < 0 else html[start + len(marker):html.index("</p>", start)]


@pytest.mark.parametrize("field, value", [
    ("name", "   "), ("license_number", "   "), ("website", "http://[::1"),
    ("website", "https://example.com/\x00"), ("name", "Dana\x00"), ("locations-0-city", "St.\x00Pete"),
    ("name", "Dana \u202eevil"), ("practice_name", "Bay\u2066front\u2069"),
])
def test_listing_form_refuses_with_an_error_beside_the_field_and_keeps_the_rest(client, listing_form, field, value):
    response = post_form(client, "/list-your-practice", listing_form(**{field: value}))
    assert response.status_code == 422
    html = page_text(response)
    assert _field_error(html, field), f"no error beside {field}"
    assert _count(Therapist) == 0
    # What was typed in the other fields is still there.
    assert 'value="dana@example.com"' in html and "I had tension headaches myself." in html


def test_the_edit_form_refuses_blank_names_too(client, make_listing, listing_form):
    therapist, token = make_listing()
    url = f"/list-your-practice/edit/{token}"
    response = post_form(client, url, listing_form(name="   ", website="http://[::1"))
    html = page_text(response)
    assert response.status_code == 422
    assert _field_error(html, "name") and _field_error(html, "website")
    assert 'value="http://[::1"' in html
    db.session.refresh(therapist)
    assert therapist.name == "Dana Whitfield"


def test_a_version_beyond_64_bits_is_a_stale_edit_not_a_crash(client, make_listing, listing_form):
    _, token = make_listing()
    url = f"/list-your-practice/edit/{token}"
    response = post_form(client, url, listing_form(version=TOO_BIG))
    assert response.status_code == 409  # a version no save could have shown: stale, a conflict
    for action in ("unpublish", "publish"):
        response = post_form(client, f"{url}/{action}", {"version": TOO_BIG}, page_url=url)
        assert response.status_code == 302


@pytest.mark.parametrize("data, field", [
    ({"rating": " "}, "rating"), ({"rating": "9" * 30}, "rating"), ({"therapist_name": "   "}, "therapist_name"),
    ({"therapist_name": "A\u202eB"}, "therapist_name"), ({"notes": "a\x00b"}, "notes"),
    ({"answer_technique": "\x00"}, "answer_technique"),
])
def test_checklist_form_refuses_with_an_error_beside_the_field(client, checklist_version, data, field):
    page = client.get("/checklists/new")
    typed = {"therapist_name": "Dana Whitfield", "price_quoted": "$90 an hour"} | data
    response = client.post("/checklists/new", data=typed | hidden_fields(page_text(page)))
    assert response.status_code == 422
    html = page_text(response)
    assert "$90 an hour" in html
    assert 'class="error"' in html and field in html
    assert _count(Checklist) == 0


@pytest.mark.parametrize("url", ["/therapists/a%00b", "/therapists/a%00b/report", "/therapists/a%00b/checklist/print",
                                 "/list-your-practice/edit/a%00b", "/list-your-practice/still-accurate/a%00b",
                                 "/checklists/a%00b", "/checklists/a%00b/edit", "/therapists/%ED%A0%80",
                                 "/checklists/%ED%A0%80/print"])
def test_path_segments_with_nul_or_invalid_utf8_are_404(client, vocabulary, url):
    assert client.get(url).status_code == 404


def test_a_checklist_for_a_therapist_slug_with_nul_starts_blank(client, checklist_version):
    assert client.get("/checklists/new?therapist=a%00b").status_code == 200


def test_admin_sign_in_with_nul_is_a_form_error(client, admin):
    response = post_form(client, "/admin/login", {"email": "mod@example.org\x00", "password": PASSWORD})
    assert response.status_code == 200
    html = page_text(response)
    assert _field_error(html, "email")
    assert 'value="mod@example.org' in html


@pytest.mark.parametrize("url", [f"/admin/listings/{TOO_BIG}", f"/admin/listings/{'9' * 5000}",
                                 f"/admin/audit?page={TOO_BIG}"])
def test_admin_pages_with_integers_beyond_64_bits(admin_client, url):
    assert admin_client.get(url).status_code in (200, 404)


@pytest.mark.parametrize("action", ["approve", "reject", "verify-license", "unpublish"])
def test_admin_actions_with_integers_beyond_64_bits_are_404(admin_client, action):
    csrf = hidden_fields(page_text(admin_client.get("/admin/")))["csrf_token"]
    assert admin_client.post(f"/admin/listings/{TOO_BIG}/{action}", data={"csrf_token": csrf}).status_code == 404
    assert admin_client.post(f"/admin/revisions/{TOO_BIG}/approve", data={"csrf_token": csrf}).status_code == 404
    assert admin_client.post(f"/admin/reports/{TOO_BIG}/resolve", data={"csrf_token": csrf}).status_code == 404


@pytest.mark.parametrize("field", ["unpublish-reason", "reject-reason"])
def test_admin_reasons_with_nul_are_refused_and_nothing_is_done(admin_client, make_listing, field):
    therapist, _ = make_listing(status=ListingStatus.PUBLISHED.value if field == "unpublish-reason" else "pending")
    url = f"/admin/listings/{therapist.id}"
    action = "unpublish" if field == "unpublish-reason" else "reject"
    page = admin_client.get(url)
    response = admin_client.post(f"{url}/{action}", data=hidden_fields(page_text(page)) | {field: "spam\x00 here"})
    assert response.status_code == 422
    html = page_text(response)
    assert "Reason: Remove the invisible control characters" in html
    assert "spam\x00 here</textarea>" in html
    assert _count(AuditLog) == 0


def test_a_report_with_nul_is_a_form_error(client, make_listing):
    therapist, _ = make_listing(status=ListingStatus.PUBLISHED.value)
    url = f"/therapists/{therapist.slug}/report"
    response = post_form(client, url, {"reason": "other\x00", "details": "wrong\x00phone"})
    assert response.status_code == 200
    html = page_text(response)
    assert _field_error(html, "details") and "wrong" in html
    assert _count(Report) == 0
