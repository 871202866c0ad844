"""Listing services, called directly: submit, private links, edits and revisions, re-confirmation, duplicates."""
from datetime import timedelta

import pytest
from geopy.exc import GeocoderTimedOut
from sqlalchemy import func, select, text

from directory.database import utcnow
from directory.extensions import db
from directory.admin.duplicates import DuplicateCandidate, find_duplicates
from directory.geo.geocoders import offline_geocoder
from directory.listings import editing, links, moderation, reconfirmation, reports, rules, submission
from directory.listings.models import ListingToken, Report, ReportReason, Revision, RevisionStatus, TokenPurpose
from directory.listings.data import ListingData, ProposedLocation
from directory.listings.editing import EditOutcome, StaleEdit
from directory.security import hash_token
from directory.therapists.models import ListingStatus, Location, Therapist
from tests.conftest import point_at


def test_submit_stores_a_pending_listing_and_mails_its_edit_link(make_listing, outbox):
    therapist, token = make_listing()
    assert therapist.status == ListingStatus.PENDING.value
    assert therapist.slug == "dana-whitfield-st-petersburg"
    assert therapist.contact_email == "dana.private@example.com"
    assert [m.slug for m in therapist.modalities] == ["nmt-st-john"]
    assert therapist.locations[0].geocoded_as == "200 Central Ave, St. Petersburg, FL 33701"
    assert therapist.version == 1
    stored = db.session.scalars(select(ListingToken)).one()
    assert stored.token_hash == hash_token(token) and token not in stored.token_hash
    assert len(token) >= 43
    [mail] = outbox()
    assert mail.recipient == "dana.private@example.com"
    assert f"/list-your-practice/edit/{token}" in mail.body
    assert (mail.status, mail.sent_at) == ("queued", None)


def test_slugs_are_unique_and_never_empty(make_listing):
    first, _ = make_listing()
    second, _ = make_listing()
    assert (first.slug, second.slug) == ("dana-whitfield-st-petersburg", "dana-whitfield-st-petersburg-2")
    assert submission.slugify("李小龙") == ""
    assert submission.unique_slug("李小龙", "") == "therapist"


def test_find_by_token_accepts_only_the_right_unexpired_token(make_listing):
    therapist, token = make_listing()
    assert links.find_by_token(token, TokenPurpose.EDIT) is therapist
    assert links.find_by_token(token + "x", TokenPurpose.EDIT) is None
    assert links.find_by_token("", TokenPurpose.EDIT) is None
    assert links.find_by_token(token, TokenPurpose.CONFIRM) is None
    later = utcnow() + timedelta(days=366)
    assert links.find_by_token(token, TokenPurpose.EDIT, now=later) is None


def test_editing_a_pending_listing_changes_it_directly(make_listing, listing_data):
    therapist, _ = make_listing()
    outcome = editing.save_edit(therapist, listing_data(name="Dana R. Whitfield"), "new@example.com", 1)
    assert outcome is EditOutcome.SAVED
    assert therapist.name == "Dana R. Whitfield"
    assert therapist.contact_email == "new@example.com"
    assert therapist.version == 2
    assert db.session.scalar(select(func.count()).select_from(Revision)) == 0


def test_editing_a_rejected_listing_sends_it_back_for_review(make_listing, listing_data):
    therapist, _ = make_listing(status=ListingStatus.REJECTED.value)
    editing.save_edit(therapist, listing_data(bio="Fixed."), "dana.private@example.com", therapist.version)
    assert therapist.status == ListingStatus.PENDING.value


def test_editing_a_published_listing_makes_a_revision_and_leaves_the_public_fields(make_listing, listing_data):
    therapist, _ = make_listing(status=ListingStatus.PUBLISHED.value)
    proposed = listing_data(name="Dana Whitfield-Smith", price_min=90, modalities=["swedish"])
    outcome = editing.save_edit(therapist, proposed, "dana.private@example.com", therapist.version)
    assert outcome is EditOutcome.SENT_FOR_REVIEW
    assert therapist.name == "Dana Whitfield"
    assert therapist.price_min == 80
    [revision] = therapist.revisions
    assert revision.status == RevisionStatus.PENDING.value
    assert ListingData.from_json(revision.data) == proposed
    assert editing.editable_data(therapist) == proposed

    # A second edit replaces the pending one instead of queueing another.
    again = listing_data(name="Dana Smith")
    editing.save_edit(therapist, again, "dana.private@example.com", therapist.version)
    assert [ListingData.from_json(r.data).name for r in therapist.revisions] == ["Dana Smith"]


def test_an_edit_back_to_the_public_listing_withdraws_the_pending_revision(make_listing, listing_data):
    therapist, _ = make_listing(status=ListingStatus.PUBLISHED.value)
    editing.save_edit(therapist, listing_data(name="Someone Else"), "dana.private@example.com", therapist.version)
    outcome = editing.save_edit(therapist, listing_data(), "dana.private@example.com", therapist.version)
    assert outcome is EditOutcome.NO_CHANGES
    assert [r.status for r in therapist.revisions] == [RevisionStatus.WITHDRAWN.value]
    assert editing.pending_revision(therapist) is None


def test_a_stale_edit_is_refused_and_changes_nothing(make_listing, listing_data):
    therapist, _ = make_listing()
    opened_at = therapist.version
    editing.save_edit(therapist, listing_data(name="First Tab"), "dana.private@example.com", opened_at)
    with pytest.raises(StaleEdit):
        editing.save_edit(therapist, listing_data(name="Second Tab"), "dana.private@example.com", opened_at)
    db.session.refresh(therapist)
    assert therapist.name == "First Tab"


def test_a_concurrent_write_between_check_and_commit_is_caught(make_listing, listing_data):
    therapist, _ = make_listing()
    assert therapist.version == 1
    # Another request saves after this one has read the listing: only the database can tell.
    with db.engine.begin() as other_request:
        other_request.execute(text("UPDATE therapists SET version = version + 1, name = 'Other Request' WHERE id = :id"),
                              {"id": therapist.id})
    with pytest.raises(StaleEdit):
        editing.save_edit(therapist, listing_data(name="This Request"), "dana.private@example.com", 1)
    assert db.session.scalar(select(Therapist.name).where(Therapist.id == therapist.id)) == "Other Request"


def test_unpublish_and_publish_again(make_listing):
    therapist, _ = make_listing(status=ListingStatus.PUBLISHED.value)
    editing.unpublish_own(therapist, therapist.version)
    assert therapist.status == ListingStatus.UNPUBLISHED.value
    editing.publish_own(therapist, therapist.version)
    assert therapist.status == ListingStatus.PUBLISHED.value
    with pytest.raises(StaleEdit):
        editing.unpublish_own(therapist, therapist.version - 1)


def test_a_pending_listing_cannot_publish_itself(make_listing):
    therapist, _ = make_listing()
    with pytest.raises(editing.NotAllowed, match="Only an unpublished listing"):
        editing.publish_own(therapist, therapist.version)
    assert therapist.status == ListingStatus.PENDING.value


def test_a_listing_held_by_a_moderator_cannot_be_republished_by_the_therapist(make_listing):
    therapist, _ = make_listing(status=ListingStatus.UNPUBLISHED.value)
    therapist.held_by_moderator = True
    db.session.commit()
    with pytest.raises(editing.NotAllowed, match="only a moderator can publish it again"):
        editing.publish_own(therapist, therapist.version)


def test_delete_removes_locations_revisions_tokens_and_reports(make_listing, listing_data):
    therapist, _ = make_listing(status=ListingStatus.PUBLISHED.value)
    editing.save_edit(therapist, listing_data(name="Changed"), "dana.private@example.com", therapist.version)
    reports.file_report(therapist, ReportReason.CLOSED, "", None)
    therapist_id = therapist.id
    editing.delete_listing(therapist)
    db.session.expire_all()
    for model in (Therapist, Location, Revision, ListingToken, Report):
        assert db.session.scalar(select(func.count()).select_from(model)) == 0, model
    assert db.session.get(Therapist, therapist_id) is None


def test_database_cascades_without_the_orm(make_listing, listing_data):
    therapist, _ = make_listing(status=ListingStatus.PUBLISHED.value)
    editing.save_edit(therapist, listing_data(name="Changed"), "dana.private@example.com", therapist.version)
    db.session.execute(text("DELETE FROM therapists WHERE id = :id"), {"id": therapist.id})
    db.session.commit()
    for table in ("locations", "revisions", "listing_tokens"):
        assert db.session.scalar(text(f"SELECT count(*) FROM {table}")) == 0, table


def _edit_token(mail) -> str:
    return mail.body.split("/list-your-practice/edit/")[1].split()[0]


def test_new_edit_links_go_to_every_listing_of_the_email_and_revoke_nothing(make_listing, outbox):
    first, old_token = make_listing()
    second, _ = make_listing(name="Dana at the Beach")
    make_listing(contact_email="someone.else@example.com")
    assert links.request_edit_links("  DANA.private@example.com ") == 2
    # A stranger who knows the address can have a link mailed, but cannot take the working one away.
    assert links.find_by_token(old_token, TokenPurpose.EDIT) == first
    new_mails = outbox()[3:]
    assert [m.recipient for m in new_mails] == ["dana.private@example.com"] * 2
    assert links.find_by_token(_edit_token(new_mails[0]), TokenPurpose.EDIT) in (first, second)
    assert links.request_edit_links("nobody@example.com") == 0
    assert len(outbox()) == 5


def test_using_a_new_edit_link_retires_the_older_ones_only(make_listing, outbox):
    therapist, old_token = make_listing()
    links.request_edit_links("dana.private@example.com")
    middle = _edit_token(outbox()[-1])
    links.request_edit_links("dana.private@example.com", now=utcnow() + timedelta(hours=2))
    newest = _edit_token(outbox()[-1])
    links.retire_older_edit_links(middle)
    db.session.commit()
    assert links.find_by_token(old_token, TokenPurpose.EDIT) is None
    assert links.find_by_token(middle, TokenPurpose.EDIT) == therapist
    assert links.find_by_token(newest, TokenPurpose.EDIT) == therapist


def test_edit_link_requests_are_limited_per_listing_and_hour(make_listing, outbox, app):
    make_listing()
    assert app.config["LISTING_EDIT_LINKS_PER_HOUR"] == 3
    # The link mailed at submission counts: two more this hour, then none until the hour has passed.
    sent = [links.request_edit_links("dana.private@example.com") for _ in range(4)]
    assert sent == [1, 1, 0, 0]
    assert len(outbox()) == 3
    assert links.request_edit_links("dana.private@example.com", now=utcnow() + timedelta(minutes=61)) == 1


def test_spam_problem_catches_the_honeypot_a_fast_bot_and_a_forged_start(app):
    secret = app.config["SECRET_KEY"]
    started = submission.form_started_token(secret)
    assert "automated" in submission.spam_problem("http://spam", started, secret, 0)
    assert "quicker than we expect" in submission.spam_problem("", started, secret, 5)
    assert "expired" in submission.spam_problem("", "forged.token", secret, 0)
    assert "expired" in submission.spam_problem("", None, secret, 0)
    later = utcnow() + timedelta(seconds=6)
    assert submission.spam_problem("", started, secret, 5, now=later) is None


def test_the_start_token_expires_after_a_day(app):
    secret = app.config["SECRET_KEY"]
    started = submission.form_started_token(secret)
    assert submission.spam_problem("", started, secret, 0, now=utcnow() + timedelta(hours=23)) is None
    assert submission.spam_problem("", started, secret, 0, now=utcnow() + timedelta(days=1, minutes=1)) == \
        submission.FORM_EXPIRED


def test_geocode_address_resolves_or_explains():
    geocoder = offline_geocoder()
    found = rules.geocode_address(geocoder, "200 Central Ave", "St. Petersburg", "FL", "33701")
    assert found.problem is None
    assert found.label == "200 Central Ave, St. Petersburg, FL 33701"
    assert round(found.latitude, 1) == 27.8
    unknown = rules.geocode_address(geocoder, "", "Nowhereville", "FL", "")
    assert unknown.problem == "We couldn't find “Nowhereville, FL” on the map. Check the city and state, or add the ZIP code."
    ambiguous = rules.geocode_address(geocoder, "", "Springfield", "", "")
    assert "matches several places" in ambiguous.problem and "Add the ZIP code" in ambiguous.problem


def test_a_street_the_geocoder_cannot_read_is_placed_at_its_town():
    offline = offline_geocoder()

    class StreetBlindGeocoder:
        """Like a network geocoder that knows towns but not this street."""

        def geocode(self, query, exactly_one=True, timeout=None):
            return None if "Palmetto Way" in query else offline.geocode(query, exactly_one=exactly_one)

    placed = rules.geocode_address(StreetBlindGeocoder(), "12 Palmetto Way", "Dunedin", "FL", "")
    assert placed.problem is None
    assert placed.label == "Dunedin, FL"
    assert (round(placed.latitude, 2), round(placed.longitude, 2)) == (28.02, -82.77)
    nowhere = rules.geocode_address(StreetBlindGeocoder(), "12 Palmetto Way", "Nowhereville", "FL", "")
    assert nowhere.problem == "We couldn't find “Nowhereville, FL” on the map. Check the city and state, or add the ZIP code."


def test_geocode_address_reports_a_geocoder_that_does_not_answer():
    class DownGeocoder:
        def geocode(self, query, exactly_one=True, timeout=None):
            raise GeocoderTimedOut("slow")

    result = rules.geocode_address(DownGeocoder(), "", "Tampa", "FL", "")
    assert result.problem == "The map service did not answer. Please try again in a moment."


def test_revision_diff_lists_only_changed_fields(make_listing, listing_data):
    from directory.search.vocabulary import load_vocabulary

    before = listing_data()
    after = listing_data(price_max=150, modalities=["nmt-st-john", "swedish"], bio="Changed.")
    changes = moderation.revision_diff(before, after, load_vocabulary())
    assert [c.label for c in changes] == ["About you", "Therapies", "Highest price"]
    assert (changes[1].before, changes[1].after) == (
        "NMT – St. John Method", "NMT – St. John Method, Swedish / relaxation massage")
    assert (changes[2].before, changes[2].after) == ("120", "150")


def test_duplicates_same_contact_email_or_same_name_within_a_mile(make_listing, make_therapist, listing_data):
    original, _ = make_listing(status=ListingStatus.PUBLISHED.value)
    make_therapist(name="dana  WHITFIELD", at=point_at(0.5))
    make_therapist(name="Dana Whitfield", at=point_at(3))
    make_therapist(name="Someone Else", at=point_at(0.1))
    newcomer, _ = make_listing(name="Dana Whitfield", contact_email="other@example.com")
    same_email, _ = make_listing(name="Totally Different", contact_email="dana.private@example.com",
                                 locations=[ProposedLocation("", "Tampa", "FL", "", 27.95, -82.46, "Tampa, FL")])
    candidates = [
        DuplicateCandidate(t.id, t.id, t.name, t.contact_email,
                                    [(loc.latitude, loc.longitude) for loc in t.locations])
        for t in (newcomer, same_email)
    ]
    flags = find_duplicates(candidates)
    newcomer_flags = sorted((f.other.name, f.reason) for f in flags[newcomer.id])
    assert newcomer_flags == [("Dana Whitfield", "same name, 0.0 mi away"), ("dana  WHITFIELD", "same name, 0.5 mi away")]
    assert [(f.other.id, f.reason) for f in flags[same_email.id]] == [(original.id, "same contact email")]


def test_reconfirmation_reminders_go_once_per_year_and_not_to_samples(make_listing, outbox, app):
    now = utcnow()
    old, _ = make_listing(status=ListingStatus.PUBLISHED.value)
    recent, _ = make_listing(status=ListingStatus.PUBLISHED.value, name="Recent One")
    pending, _ = make_listing(name="Pending One")
    sample, _ = make_listing(status=ListingStatus.PUBLISHED.value, name="Sample One")
    for therapist in (old, pending, sample):
        therapist.confirmed_at = now - timedelta(days=400)
    sample.is_sample = True
    db.session.commit()
    before = len(outbox())

    assert reconfirmation.send_reconfirmations(now) == 1
    assert reconfirmation.send_reconfirmations(now + timedelta(days=1)) == 0
    mails = outbox()[before:]
    assert [m.recipient for m in mails] == [old.contact_email]
    assert "still-accurate/" in mails[0].body and "http://directory.test/" in mails[0].body
    assert old.reconfirmation_sent_at is not None
    token = mails[0].body.split("still-accurate/")[1].split()[0]
    assert links.find_by_token(token, TokenPurpose.CONFIRM) is old
    assert links.find_by_token(token, TokenPurpose.EDIT) is None

    reconfirmation.confirm_still_accurate(old, now + timedelta(days=2))
    assert db.session.scalar(select(func.count()).select_from(Therapist).where(reconfirmation.reconfirmation_due(now))) == 0
    # A year after the confirmation it is due again, and a new reminder goes out.
    assert reconfirmation.send_reconfirmations(now + timedelta(days=400)) == 2
    assert recent.id in {t.id for t in db.session.scalars(select(Therapist).where(reconfirmation.reconfirmation_due(now + timedelta(days=400))))}


def test_file_report_lands_open_in_the_queue(make_listing):
    therapist, _ = make_listing(status=ListingStatus.PUBLISHED.value)
    report = reports.file_report(therapist, ReportReason.NOT_ME, "I never listed myself.", "Real.Dana@Example.com")
    assert (report.status, report.reason, report.reporter_email) == ("open", "not_me", "real.dana@example.com")
    assert report.reason_label.startswith("This is me")


def test_listing_data_round_trips_through_json(listing_data):
    data = listing_data(name="Zoë O’Brien 💆", bio="Line one\nLine two <b>not bold</b>")
    assert ListingData.from_json(data.to_json()) == data


def test_text_is_stored_exactly_as_typed(make_listing):
    typed = "<script>alert('x')</script> & “quotes”"
    therapist, _ = make_listing(bio=typed, name="O’Brien <b>")
    db.session.expire_all()
    stored = db.session.get(Therapist, therapist.id)
    assert (stored.bio, stored.name) == (typed, "O’Brien <b>")



def test_write_listing_writes_only_what_differs(make_listing):
    from dataclasses import replace

    from directory.listings.data import write_listing

    therapist, _ = make_listing()
    version = therapist.version
    current = ListingData.from_therapist(therapist)
    assert write_listing(therapist, current) is False
    db.session.commit()
    assert therapist.version == version
    assert write_listing(therapist, replace(current, name="Dana R. Whitfield", conditions=["tmj-pain"])) is True
    db.session.commit()
    assert (therapist.version, therapist.name) == (version + 1, "Dana R. Whitfield")
    assert [c.slug for c in therapist.conditions] == ["tmj-pain"]
