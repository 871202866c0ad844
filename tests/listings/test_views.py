"""List your practice over HTTP: the form, spam defence, the private edit page, reports and still-accurate links."""
import re
from datetime import timedelta
from html.parser import HTMLParser

from itsdangerous import TimestampSigner
from sqlalchemy import func, select

from directory.database import aware, utcnow
from directory.extensions import db
from directory.listings import links, reconfirmation, submission
from directory.listings.models import Report, Revision, TokenPurpose
from directory.therapists.models import ListingStatus, Therapist
from tests.conftest import private_header_problems
from tests.listings.conftest import hidden_fields, page_text, post_form

SUBMIT = "/list-your-practice"


def _count(model) -> int:
    return db.session.scalar(select(func.count()).select_from(model))


def _submit(client, data):
    return post_form(client, SUBMIT, data)


class _Controls(HTMLParser):
    def __init__(self):
        super().__init__()
        self.controls: list[dict] = []
        self.labels: set[str] = set()

    def handle_starttag(self, tag, attrs):
        values = dict(attrs)
        if tag in ("input", "select", "textarea") and values.get("type") not in ("hidden", "submit"):
            self.controls.append(values)
        if tag == "label" and values.get("for"):
            self.labels.add(values["for"])


def test_form_renders_every_field_with_a_label_hint_and_no_inline_code(client, vocabulary):
    response = client.get(SUBMIT)
    page = page_text(response)
    assert response.status_code == 200
    parser = _Controls()
    parser.feed(page)
    names = {c["name"] for c in parser.controls}
    for name in ("name", "practice_name", "credentials", "license_number", "license_state", "years_in_practice",
                 "training", "certifications", "bio", "modalities", "conditions", "locations-0-street",
                 "locations-2-postal_code", "phone", "email", "website", "price_min", "price_max", "session_lengths",
                 "accepting_new_clients", "mobile", "service_radius_mi", "languages", "contact_email", "fax"):
        assert name in names, name
    for control in parser.controls:
        # Checkboxes are wrapped in their label; everything else is labelled with for=.
        if control.get("type") not in ("checkbox", "radio"):
            assert control["id"] in parser.labels, control
    assert 'aria-describedby="bio-hint"' in page
    # Long texts are never cut by the browser; the server says when they are too long.
    assert "maxlength" not in re.search(r'<textarea[^>]*id="bio"[^>]*>', page).group(0)
    assert 'maxlength="120"' in re.search(r'<input[^>]*id="name"[^>]*>', page).group(0)
    assert 'class="hp" aria-hidden="true"' in page
    assert 'name="started"' in page and 'name="csrf_token"' in page
    assert "style=" not in page and "<script>" not in page
    assert 'href="/list-your-practice"' in page_text(client.get("/"))


def test_a_valid_submission_waits_for_review_and_shows_its_private_link(client, listing_form, outbox):
    response = _submit(client, listing_form())
    assert response.status_code == 302
    edit_url = response.headers["Location"]
    assert edit_url.startswith("/list-your-practice/edit/")
    page = page_text(client.get(edit_url))
    assert "Thank you! Your listing is waiting for review." in page
    assert "Waiting for review" in page
    assert f'value="http://localhost{edit_url}"' in page
    assert "200 Central Ave, Saint Petersburg, FL 33701" in page
    therapist = db.session.scalars(select(Therapist)).one()
    assert therapist.status == ListingStatus.PENDING.value
    assert therapist.contact_email == "dana.private@example.com"
    [mail] = outbox()
    assert f"http://directory.test{edit_url}" in mail.body


def test_every_private_page_is_kept_out_of_caches_search_engines_and_referers(client, make_listing, listing_form):
    therapist, token = make_listing(status=ListingStatus.PUBLISHED.value)
    confirm_token = links.issue_token(therapist, TokenPurpose.CONFIRM, 60)
    db.session.commit()
    edit = f"/list-your-practice/edit/{token}"
    still = f"/list-your-practice/still-accurate/{confirm_token}"
    answers = [
        ("GET edit", client.get(edit), 200),
        ("POST edit, invalid", post_form(client, edit, listing_form(name="")), 422),
        ("POST edit", post_form(client, edit, listing_form(name="Dana Whitfield-Smith")), 302),
        ("POST unpublish", post_form(client, f"{edit}/unpublish", {}, page_url=edit), 302),
        ("POST publish", post_form(client, f"{edit}/publish", {}, page_url=edit), 302),
        ("POST unpublish without CSRF token", client.post(f"{edit}/unpublish"), 400),
        ("GET still-accurate", client.get(still), 200),
        ("POST still-accurate", post_form(client, still, {}), 200),
        ("GET delete", client.get(f"{edit}/delete"), 200),
        ("POST delete, unconfirmed", post_form(client, f"{edit}/delete", {}), 200),
        ("POST delete", post_form(client, f"{edit}/delete", {"confirm": "y"}), 200),
        ("GET edit, deleted", client.get(edit), 404),
    ]
    assert [(where, response.status_code) for where, response, _ in answers] == [
        (where, status) for where, _, status in answers]
    assert [problem for where, response, _ in answers for problem in private_header_problems(response, where)] == []
    assert "Your listing is deleted" in page_text(answers[-2][1])
    # The public form is no private page: it keeps the site-wide policy.
    assert client.get(SUBMIT).headers["Referrer-Policy"] == "strict-origin-when-cross-origin"


def test_errors_show_beside_their_fields_and_nothing_typed_is_lost(client, listing_form):
    response = _submit(client, listing_form(website="javascript:alert(1)", price_min="200", price_max="100",
                                            bio="My bio, typed with care.", **{"locations-1-city": "Xyzzyville",
                                                                                "locations-1-state": "FL"}))
    page = page_text(response)
    assert response.status_code == 422
    assert "Please correct the fields marked below." in page
    assert 'id="website-error">Enter the full web address, starting with https:// (or http://).' in page
    assert "The highest price must be at least the lowest price." in page
    assert "We couldn&#39;t find “Xyzzyville, FL”" in page or "We couldn't find “Xyzzyville, FL”" in page
    assert 'aria-invalid="true"' in page
    assert "My bio, typed with care." in page
    assert 'value="javascript:alert(1)"' in page
    assert 'value="Xyzzyville"' in page
    # The location that did resolve shows where it was placed.
    assert "Found on the map as</span> <strong>200 Central Ave, Saint Petersburg, FL 33701" in page
    assert _count(Therapist) == 0


def test_honeypot_stores_nothing(client, listing_form, outbox):
    response = _submit(client, listing_form(fax="+1 555 0100"))
    assert response.status_code == 422
    assert "looked automated" in page_text(response)
    assert _count(Therapist) == 0 and outbox() == []


def test_a_form_sent_back_too_fast_is_refused_until_enough_time_has_passed(app, client, listing_form, monkeypatch):
    app.config["LISTING_MIN_FILL_SECONDS"] = 5
    page = client.get(SUBMIT)
    fields = hidden_fields(page_text(page))
    response = client.post(SUBMIT, data=fields | listing_form(name="Quick Fingers"))
    assert response.status_code == 422
    assert "quicker than we expect from a person" in page_text(response)
    assert 'value="Quick Fingers"' in page_text(response)
    assert _count(Therapist) == 0
    # The same form, sent back after a person's pace, goes through.
    later = utcnow() + timedelta(seconds=10)
    monkeypatch.setattr(submission, "utcnow", lambda: later)
    assert client.post(SUBMIT, data=fields | listing_form(name="Quick Fingers")).status_code == 302
    assert _count(Therapist) == 1


def test_a_forged_start_time_is_refused(client, listing_form):
    fields = hidden_fields(page_text(client.get(SUBMIT))) | {"started": "1.forged"}
    response = client.post(SUBMIT, data=fields | listing_form())
    assert "This form has expired" in page_text(response)
    assert _count(Therapist) == 0


def test_a_form_opened_two_days_ago_is_sent_back_once_keeping_what_was_typed(client, listing_form, monkeypatch):
    two_days_ago = int((utcnow() - timedelta(days=2)).timestamp())
    with monkeypatch.context() as past:
        past.setattr(TimestampSigner, "get_timestamp", lambda signer: two_days_ago)
        fields = hidden_fields(page_text(client.get(SUBMIT)))
    response = client.post(SUBMIT, data=fields | listing_form(name="Slow Typist"))
    assert response.status_code == 422
    assert "This form has expired" in page_text(response)
    assert 'value="Slow Typist"' in page_text(response)
    assert _count(Therapist) == 0
    # The page carries a fresh start token: sending it again works.
    refreshed = hidden_fields(page_text(response))
    assert refreshed["started"] != fields["started"]
    assert client.post(SUBMIT, data=refreshed | listing_form(name="Slow Typist")).status_code == 302
    assert _count(Therapist) == 1


def test_missing_csrf_token_is_400(client, listing_form):
    fields = hidden_fields(page_text(client.get(SUBMIT)))
    del fields["csrf_token"]
    response = client.post(SUBMIT, data=fields | listing_form())
    assert response.status_code == 400
    assert "CSRF token is missing" in page_text(response)
    assert _count(Therapist) == 0


def test_submissions_are_rate_limited_with_a_friendly_page(rate_limited, client, listing_form):
    # Fixing mistakes does not count: only stored submissions do.
    assert _submit(client, listing_form(name="")).status_code == 422
    for number in range(5):
        assert _submit(client, listing_form(name=f"Therapist {number}")).status_code == 302
    limited = _submit(client, listing_form(name="One Too Many"))
    assert limited.status_code == 429
    assert "Too many tries in a short time" in page_text(limited)
    assert _count(Therapist) == 5


def test_pending_listings_are_absent_from_search_profile_and_api_until_approved(client, make_listing):
    therapist, _ = make_listing()
    assert therapist.name not in page_text(client.get("/search?near=33701"))
    assert client.get(f"/therapists/{therapist.slug}").status_code == 404
    assert client.get(f"/api/v1/therapists/{therapist.slug}").status_code == 404
    assert client.get("/api/v1/therapists?near=33701").get_json()["total"] == 0
    therapist.status = ListingStatus.PUBLISHED.value
    db.session.commit()
    assert therapist.name in page_text(client.get("/search?near=33701"))
    assert client.get(f"/therapists/{therapist.slug}").status_code == 200
    assert client.get("/api/v1/therapists?near=33701").get_json()["total"] == 1


def test_wrong_or_expired_edit_links_are_404(client, make_listing, monkeypatch):
    _, token = make_listing()
    assert client.get(f"/list-your-practice/edit/{token[:-1]}x").status_code == 404
    assert client.get("/list-your-practice/edit/").status_code == 404
    assert client.post(f"/list-your-practice/edit/{'a' * 43}/delete").status_code in (400, 404)
    later = utcnow() + timedelta(days=400)
    monkeypatch.setattr(links, "utcnow", lambda: later)
    assert client.get(f"/list-your-practice/edit/{token}").status_code == 404


def test_editing_a_published_listing_waits_for_review_and_the_public_sees_the_old_one(client, make_listing, listing_form):
    therapist, token = make_listing(status=ListingStatus.PUBLISHED.value)
    url = f"/list-your-practice/edit/{token}"
    response = post_form(client, url, listing_form(name="Dana Whitfield-Smith"))
    assert response.status_code == 302
    page = page_text(client.get(url))
    assert "Your changes are saved and waiting for review." in page
    assert "Changes waiting for review" in page
    assert 'value="Dana Whitfield-Smith"' in page
    profile = page_text(client.get(f"/therapists/{therapist.slug}"))
    assert "Dana Whitfield-Smith" not in profile and "Dana Whitfield" in profile
    assert _count(Revision) == 1


def test_a_stale_edit_is_refused_with_a_clear_message_and_keeps_what_was_typed(client, make_listing, listing_form):
    therapist, token = make_listing()
    url = f"/list-your-practice/edit/{token}"
    tab_a = hidden_fields(page_text(client.get(url)))
    tab_b = hidden_fields(page_text(client.get(url)))
    assert client.post(url, data=tab_b | listing_form(name="Saved In Tab B")).status_code == 302
    stale = client.post(url, data=tab_a | listing_form(name="Typed In Tab A"))
    page = page_text(stale)
    assert stale.status_code == 409
    assert "Your listing was changed after you opened this page" in page
    assert "we did not save your changes" in page
    assert 'value="Typed In Tab A"' in page
    db.session.refresh(therapist)
    assert therapist.name == "Saved In Tab B"
    # Saving again from the refreshed form is a deliberate overwrite, and works.
    again = client.post(url, data=hidden_fields(page) | listing_form(name="Typed In Tab A"))
    assert again.status_code == 302
    db.session.refresh(therapist)
    assert therapist.name == "Typed In Tab A"


def test_unpublish_publish_again_and_delete(client, make_listing):
    therapist, token = make_listing(status=ListingStatus.PUBLISHED.value)
    url = f"/list-your-practice/edit/{token}"
    response = post_form(client, f"{url}/unpublish", {}, page_url=url)
    assert response.status_code == 302
    assert "no longer shown" in page_text(client.get(url))
    assert client.get(f"/therapists/{therapist.slug}").status_code == 404
    post_form(client, f"{url}/publish", {}, page_url=url)
    assert client.get(f"/therapists/{therapist.slug}").status_code == 200

    refused = post_form(client, f"{url}/delete", {}, page_url=f"{url}/delete")
    assert "Tick the box to confirm you want to delete the listing." in page_text(refused)
    assert _count(Therapist) == 1
    deleted = post_form(client, f"{url}/delete", {"confirm": "y"}, page_url=f"{url}/delete")
    assert "Your listing is deleted" in page_text(deleted)
    assert _count(Therapist) == 0
    assert client.get(url).status_code == 404


def test_a_stale_unpublish_is_refused(client, make_listing):
    therapist, token = make_listing(status=ListingStatus.PUBLISHED.value)
    url = f"/list-your-practice/edit/{token}"
    fields = hidden_fields(page_text(client.get(url)))
    therapist.bio = "Changed by someone else"
    db.session.commit()
    client.post(f"{url}/unpublish", data=fields)
    assert "changed since you opened this page" in page_text(client.get(url))
    assert therapist.status == ListingStatus.PUBLISHED.value


def test_asking_for_a_new_edit_link_never_reveals_whether_the_email_exists(client, make_listing, outbox):
    make_listing()
    known = post_form(client, "/list-your-practice/edit-link", {"contact_email": "dana.private@example.com"})
    unknown = post_form(client, "/list-your-practice/edit-link", {"contact_email": "stranger@example.com"})
    assert page_text(known) == page_text(unknown)
    assert "If a listing uses that address" in page_text(known)
    assert [m.recipient for m in outbox()] == ["dana.private@example.com"] * 2


def test_a_new_edit_link_retires_the_old_one_only_when_a_change_is_saved_through_it(
        client, make_listing, outbox, listing_form):
    _, old_token = make_listing()
    post_form(client, "/list-your-practice/edit-link", {"contact_email": "dana.private@example.com"})
    new_url = "/list-your-practice/edit/" + outbox()[-1].body.split("/list-your-practice/edit/")[1].split()[0]
    assert client.get(new_url).status_code == 200
    assert client.get(f"/list-your-practice/edit/{old_token}").status_code == 200
    saved = post_form(client, new_url, listing_form(bio="Saved through the new link."))
    assert saved.status_code == 302
    assert client.get(f"/list-your-practice/edit/{old_token}").status_code == 404
    assert client.get(new_url).status_code == 200


def test_edit_link_requests_past_the_limit_get_the_same_answer_and_no_mail(client, make_listing, outbox):
    make_listing()
    answers = [page_text(post_form(client, "/list-your-practice/edit-link",
                                   {"contact_email": "dana.private@example.com"})) for _ in range(4)]
    unknown = page_text(post_form(client, "/list-your-practice/edit-link", {"contact_email": "x@example.com"}))
    assert set(answers) == {unknown}
    assert len(outbox()) == 3


def test_a_forged_host_header_never_reaches_the_mailed_link(client, make_listing, outbox, app):
    make_listing()
    forged = {"Host": "evil.example"}
    page = client.get("/list-your-practice/edit-link", headers=forged)
    client.post("/list-your-practice/edit-link", headers=forged,
                data=hidden_fields(page_text(page)) | {"contact_email": "dana.private@example.com"})
    mail = outbox()[-1]
    assert "evil.example" not in mail.body
    assert f"{app.config['SITE_URL']}/list-your-practice/edit/" in mail.body


def test_still_accurate_link_asks_first_then_confirms(client, make_listing, outbox):
    therapist, edit_token = make_listing(status=ListingStatus.PUBLISHED.value)
    therapist.confirmed_at = utcnow() - timedelta(days=400)
    db.session.commit()
    reconfirmation.send_reconfirmations()
    token = outbox()[-1].body.split("still-accurate/")[1].split()[0]
    url = f"/list-your-practice/still-accurate/{token}"
    page = client.get(url)
    assert "Yes, it is still accurate" in page_text(page)
    db.session.refresh(therapist)
    assert aware(therapist.confirmed_at) < utcnow() - timedelta(days=300)
    done = post_form(client, url, {})
    assert "We have noted that the listing" in page_text(done)
    db.session.refresh(therapist)
    assert aware(therapist.confirmed_at) > utcnow() - timedelta(minutes=1)
    assert client.get(f"/list-your-practice/still-accurate/{edit_token}").status_code == 404
    assert client.get(f"/list-your-practice/edit/{token}").status_code == 404


def test_profiles_link_to_the_report_form_which_lands_in_the_queue(client, make_listing):
    therapist, _ = make_listing(status=ListingStatus.PUBLISHED.value)
    profile = page_text(client.get(f"/therapists/{therapist.slug}"))
    assert f'href="/therapists/{therapist.slug}/report">Report a problem with this listing' in profile
    url = f"/therapists/{therapist.slug}/report"
    refused = post_form(client, url, {"reason": "not_me"})
    assert "Give your email address so a moderator can confirm it is you." in page_text(refused)
    sent = post_form(client, url, {"reason": "not_me", "details": "I never listed myself.",
                                   "reporter_email": "real@example.com"})
    assert "Thank you for your report" in page_text(sent)
    report = db.session.scalars(select(Report)).one()
    assert (report.reason, report.details, report.therapist_id) == ("not_me", "I never listed myself.", therapist.id)


def test_reports_only_for_published_listings_and_honeypot_drops_them(client, make_listing):
    pending, _ = make_listing()
    assert client.get(f"/therapists/{pending.slug}/report").status_code == 404
    published, _ = make_listing(status=ListingStatus.PUBLISHED.value, name="Other Person")
    sent = post_form(client, f"/therapists/{published.slug}/report", {"reason": "closed", "fax": "x"})
    assert "Thank you" in page_text(sent)
    assert _count(Report) == 0


def test_reports_are_rate_limited(rate_limited, client, make_listing):
    therapist, _ = make_listing(status=ListingStatus.PUBLISHED.value)
    url = f"/therapists/{therapist.slug}/report"
    for _ in range(5):
        assert post_form(client, url, {"reason": "closed"}).status_code == 200
    limited = post_form(client, url, {"reason": "closed"})
    assert limited.status_code == 429
    assert "Too many tries" in page_text(limited)
    assert _count(Report) == 5


XSS = '<script>alert("x")</script><img src=x onerror=alert(1)>'
TEXT_FIELDS = ("name", "practice_name", "credentials", "license_number", "training", "certifications", "bio",
               "languages", "locations-0-street")


def test_xss_in_every_text_field_comes_back_escaped(client, listing_form):
    hostile = {name: f"{XSS} {name}" for name in TEXT_FIELDS} | {"license_number": "<b>MA1</b>"}
    response = _submit(client, listing_form(**hostile))
    assert response.status_code == 302, page_text(response)
    therapist = db.session.scalars(select(Therapist)).one()
    assert therapist.bio == f"{XSS} bio"
    assert therapist.locations[0].street == f"{XSS} locations-0-street"
    assert therapist.license_number == "<b>MA1</b>"
    therapist.status = ListingStatus.PUBLISHED.value
    db.session.commit()
    for url in (response.headers["Location"], f"/therapists/{therapist.slug}", f"/therapists/{therapist.slug}/report",
                "/search?near=33701"):
        page = page_text(client.get(url))
        assert "<script>alert" not in page and "<img src=x" not in page, url
        assert "&lt;script&gt;alert(" in page, url
        assert "<b>MA1</b>" not in page, url


def test_invalid_submission_echoes_hostile_input_escaped(client, listing_form):
    page = page_text(_submit(client, listing_form(name="", bio=XSS, website=XSS)))
    assert "<script>alert" not in page
    assert "&lt;script&gt;" in page
    assert re.search(r'id="website-error">Enter the full web address', page)


def test_address_inputs_use_valid_autocomplete_tokens(client, vocabulary):
    page = page_text(client.get(SUBMIT))
    assert 'autocomplete="street-address"' not in page
    for token in ("address-line1", "address-level2", "postal-code"):
        assert f'autocomplete="{token}"' in page, token
