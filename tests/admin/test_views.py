"""/admin over HTTP: nothing without signing in, the queue, decisions, the audit log, cookie flags."""
import pytest
from sqlalchemy import select

from directory.admin.models import AuditLog
from directory.config import ProdConfig
from directory.extensions import db
from directory.listings import editing, reports
from directory.listings.models import ReportReason
from directory.therapists.models import ListingStatus
from tests.admin.conftest import PASSWORD
from tests.listings.conftest import hidden_fields, page_text, post_form

ADMIN_PAGES = ["/admin/", "/admin/audit", "/admin/listings/1"]
ADMIN_ACTIONS = ["/admin/listings/1/approve", "/admin/listings/1/reject", "/admin/listings/1/verify-license",
                 "/admin/listings/1/unpublish", "/admin/revisions/1/approve", "/admin/revisions/1/reject",
                 "/admin/reports/1/resolve", "/admin/logout"]


@pytest.mark.parametrize("url", ADMIN_PAGES)
def test_admin_pages_redirect_to_sign_in(client, make_listing, url):
    make_listing()
    response = client.get(url)
    assert response.status_code == 302
    assert response.headers["Location"].startswith("/admin/login?next=")


@pytest.mark.parametrize("url", ADMIN_ACTIONS)
def test_admin_actions_do_nothing_without_signing_in(client, make_listing, url):
    therapist, _ = make_listing()
    csrf = hidden_fields(page_text(client.get("/admin/login")))["csrf_token"]
    response = client.post(url, data={"csrf_token": csrf, "reason": "x", "reject-reason": "x", "unpublish-reason": "x"})
    assert response.status_code == 302 and "/admin/login" in response.headers["Location"]
    db.session.refresh(therapist)
    assert therapist.status == ListingStatus.PENDING.value
    assert db.session.scalars(select(AuditLog)).all() == []


def test_sign_in_with_a_wrong_password_says_so(client, admin):
    response = post_form(client, "/admin/login", {"email": admin.email, "password": "wrong password"})
    assert response.status_code == 200
    assert "That email and password do not match a moderator account." in page_text(response)
    assert client.get("/admin/").status_code == 302


def test_sign_in_returns_to_the_page_asked_for_but_never_elsewhere(client, admin):
    page = client.get("/admin/audit", follow_redirects=True)
    assert 'name="next" type="hidden" value="/admin/audit"' in page_text(page)
    fields = hidden_fields(page_text(page))
    response = client.post("/admin/login", data=fields | {"email": admin.email, "password": PASSWORD})
    assert response.headers["Location"] == "/admin/audit"
    client.post("/admin/logout", data={"csrf_token": fields["csrf_token"]})
    evil = client.post("/admin/login", data=fields | {"email": admin.email, "password": PASSWORD,
                                                      "next": "//evil.example/phish"})
    assert evil.headers["Location"] == "/admin/"


def test_session_cookie_flags(client, admin):
    response = post_form(client, "/admin/login", {"email": admin.email, "password": PASSWORD})
    cookie = response.headers["Set-Cookie"]
    assert "HttpOnly" in cookie and "SameSite=Lax" in cookie
    assert ProdConfig.SESSION_COOKIE_SECURE is True and ProdConfig.REMEMBER_COOKIE_SECURE is True


def test_failed_sign_ins_are_rate_limited(rate_limited, client, admin):
    for _ in range(5):
        assert post_form(client, "/admin/login", {"email": admin.email, "password": "guess"}).status_code == 200
    limited = post_form(client, "/admin/login", {"email": admin.email, "password": PASSWORD})
    assert limited.status_code == 429
    assert "Too many tries" in page_text(limited)


def test_sign_out(admin_client):
    csrf = hidden_fields(page_text(admin_client.get("/admin/")))["csrf_token"]
    assert admin_client.post("/admin/logout", data={"csrf_token": csrf}).status_code == 302
    assert admin_client.get("/admin/").status_code == 302


def test_admin_pages_are_not_cached(admin_client):
    assert admin_client.get("/admin/").headers["Cache-Control"] == "no-store"


def test_queue_lists_submissions_revisions_reports_and_resolved_locations(admin_client, make_listing, listing_data):
    make_listing()
    published, _ = make_listing(status=ListingStatus.PUBLISHED.value, name="Published Person")
    editing.save_edit(published, listing_data(name="Renamed Person"), published.contact_email, published.version)
    reports.file_report(published, ReportReason.NOT_ME, "Not me at all", "real@example.com")
    page = page_text(admin_client.get("/admin/"))
    assert "New listings (1)" in page and "Dana Whitfield" in page
    assert "→ 200 Central Ave, Saint Petersburg, FL 33701 (27.7723, -82.6386)" in page
    assert "Changes to published listings (1)" in page
    assert "Problem reports (1)" in page and "This is me, and I did not list myself" in page
    assert "Possible duplicate" in page and "same contact email" in page


def _review(admin_client, therapist):
    return page_text(admin_client.get(f"/admin/listings/{therapist.id}"))


def test_approve_through_the_review_page_publishes_and_audits(admin_client, make_listing, client):
    therapist, _ = make_listing()
    url = f"/admin/listings/{therapist.id}"
    response = post_form(admin_client, f"{url}/approve", {}, page_url=url)
    assert response.headers["Location"] == url
    assert "The listing is published." in _review(admin_client, therapist)
    assert client.get(f"/therapists/{therapist.slug}").status_code == 200
    audit = page_text(admin_client.get("/admin/audit"))
    assert "mod@example.org" in audit and "Approved and published the listing" in audit


def test_reject_needs_a_reason(admin_client, make_listing, outbox):
    therapist, _ = make_listing()
    url = f"/admin/listings/{therapist.id}"
    refused = post_form(admin_client, f"{url}/reject", {"reject-reason": ""}, page_url=url)
    assert refused.status_code == 422
    assert "Reason: Give a reason: the therapist will read it." in page_text(refused)
    assert therapist.status == ListingStatus.PENDING.value
    post_form(admin_client, f"{url}/reject", {"reject-reason": "Not a massage license."}, page_url=url)
    assert therapist.status == ListingStatus.REJECTED.value
    assert "Not a massage license." in outbox()[-1].body


def test_review_page_shows_the_diff_and_approving_it_changes_the_profile(admin_client, make_listing, listing_data,
                                                                         client):
    therapist, _ = make_listing(status=ListingStatus.PUBLISHED.value)
    editing.save_edit(therapist, listing_data(bio="A brand new bio."), therapist.contact_email, therapist.version)
    page = _review(admin_client, therapist)
    assert 'class="diff__before prose">I had tension headaches myself.' in page
    assert 'class="diff__after prose">A brand new bio.' in page
    revision = editing.pending_revision(therapist)
    assert "A brand new bio." not in page_text(client.get(f"/therapists/{therapist.slug}"))
    post_form(admin_client, f"/admin/revisions/{revision.id}/approve", {}, page_url=f"/admin/listings/{therapist.id}")
    assert "A brand new bio." in page_text(client.get(f"/therapists/{therapist.slug}"))


def test_reject_a_revision_leaves_the_profile(admin_client, make_listing, listing_data, client):
    therapist, _ = make_listing(status=ListingStatus.PUBLISHED.value)
    editing.save_edit(therapist, listing_data(bio="Spam bio."), therapist.contact_email, therapist.version)
    revision = editing.pending_revision(therapist)
    post_form(admin_client, f"/admin/revisions/{revision.id}/reject", {"reject-revision-reason": "Spam."},
              page_url=f"/admin/listings/{therapist.id}")
    assert revision.status == "rejected"
    assert "Spam bio." not in page_text(client.get(f"/therapists/{therapist.slug}"))


def test_verify_license_shows_the_badge_and_last_checked_date(admin_client, make_listing, client):
    therapist, _ = make_listing(status=ListingStatus.PUBLISHED.value)
    profile = page_text(client.get(f"/therapists/{therapist.slug}"))
    assert "License verified" not in profile and "Last checked" not in profile
    post_form(admin_client, f"/admin/listings/{therapist.id}/verify-license", {},
              page_url=f"/admin/listings/{therapist.id}")
    profile = page_text(client.get(f"/therapists/{therapist.slug}"))
    assert '<span class="badge badge--ok">License verified</span>' in profile
    assert f"Last checked by a moderator {therapist.last_checked_at.strftime('%B %-d, %Y')}." in profile


def test_unpublish_at_once_from_a_report(admin_client, make_listing, client):
    therapist, _ = make_listing(status=ListingStatus.PUBLISHED.value)
    reports.file_report(therapist, ReportReason.NOT_ME, "I never signed up.", "real@example.com")
    url = f"/admin/listings/{therapist.id}"
    page = _review(admin_client, therapist)
    assert "I never signed up." in page and "Unpublish now" in page
    post_form(admin_client, f"{url}/unpublish", {"unpublish-reason": "The therapist asked for removal."}, page_url=url)
    assert client.get(f"/therapists/{therapist.slug}").status_code == 404
    assert "Problem reports (0)" in page_text(admin_client.get("/admin/"))


def test_close_a_report(admin_client, make_listing):
    therapist, _ = make_listing(status=ListingStatus.PUBLISHED.value)
    report = reports.file_report(therapist, ReportReason.WRONG_CONTACT, "Old number", None)
    url = f"/admin/listings/{therapist.id}"
    post_form(admin_client, f"/admin/reports/{report.id}/resolve", {f"note-{report.id}-reason": "Fixed."},
              page_url=url)
    assert report.status == "resolved" and report.resolution == "Fixed."


def test_missing_csrf_on_an_admin_action_is_400(admin_client, make_listing):
    therapist, _ = make_listing()
    response = admin_client.post(f"/admin/listings/{therapist.id}/approve")
    assert response.status_code == 400
    assert therapist.status == ListingStatus.PENDING.value


def test_unknown_listing_is_404(admin_client):
    assert admin_client.get("/admin/listings/424242").status_code == 404


XSS = '<script>alert("x")</script>'


def test_hostile_text_is_escaped_in_the_admin(admin_client, make_listing, listing_data):
    therapist, _ = make_listing(name=XSS, bio=XSS, training=XSS, practice_name=XSS)
    reports.file_report(therapist, ReportReason.OTHER, XSS, None)
    therapist.status = ListingStatus.PUBLISHED.value
    db.session.commit()
    editing.save_edit(therapist, listing_data(bio=f"{XSS} new"), therapist.contact_email, therapist.version)
    for url in ("/admin/", f"/admin/listings/{therapist.id}"):
        page = page_text(admin_client.get(url))
        assert XSS not in page and "&lt;script&gt;" in page, url


def test_the_audit_log_pages(admin_client, admin, make_listing):
    from directory.admin import decisions

    for number in range(55):
        therapist, _ = make_listing(name=f"Person {number}")
        decisions.verify_license(therapist, admin, therapist.version)
    first = page_text(admin_client.get("/admin/audit"))
    assert '<span aria-current="page">1</span>' in first and 'rel="next" href="/admin/audit?page=2">Older' in first
    assert "Person 54" in first and "Person 0<" not in first
    assert "Person 0<" in page_text(admin_client.get("/admin/audit?page=2"))

