"""Moderation services, called directly: sign-in, the queue, decisions and their audit log and mail."""
from datetime import timedelta

import pytest
from sqlalchemy import select
from werkzeug.security import check_password_hash

from directory.admin import accounts, decisions, review_queue
from directory.admin.models import AuditLog
from directory.database import aware, utcnow
from directory.extensions import db
from directory.listings import data, editing, reports
from directory.listings.models import ReportReason, RevisionStatus
from directory.search.vocabulary import load_vocabulary
from directory.therapists.models import ListingStatus
from tests.admin.conftest import PASSWORD
from tests.conftest import point_at


def _audit() -> list[tuple[str, str, str]]:
    return [(e.action, e.admin_email, e.reason) for e in db.session.scalars(select(AuditLog).order_by(AuditLog.id))]


def test_create_admin_hashes_the_password_and_checks_it(admin):
    assert admin.password_hash != PASSWORD
    assert check_password_hash(admin.password_hash, PASSWORD)
    with pytest.raises(ValueError, match="at least 12 characters"):
        accounts.create_admin("short@example.org", "short")
    with pytest.raises(ValueError, match="already a moderator"):
        accounts.create_admin("MOD@example.org", PASSWORD)
    with pytest.raises(ValueError, match="email address"):
        accounts.create_admin("not-an-email", PASSWORD)


def test_authenticate(admin):
    assert accounts.authenticate(" Mod@Example.org", PASSWORD) is admin
    assert admin.last_login_at is not None
    assert accounts.authenticate("mod@example.org", PASSWORD + "!") is None
    assert accounts.authenticate("nobody@example.org", PASSWORD) is None


def test_approve_a_new_listing_publishes_it_records_and_tells(admin, make_listing, outbox):
    therapist, _ = make_listing()
    decisions.approve_listing(therapist, admin, therapist.version)
    assert therapist.status == ListingStatus.PUBLISHED.value
    assert therapist.last_checked_at is not None
    assert _audit() == [("approve_listing", "mod@example.org", "")]
    assert outbox()[-1].subject == "Your listing is published"
    assert f"/therapists/{therapist.slug}" in outbox()[-1].body
    with pytest.raises(decisions.ModerationError, match="already published"):
        decisions.approve_listing(therapist, admin, therapist.version)


def test_reject_a_new_listing_with_a_reason_that_is_mailed(admin, make_listing, outbox):
    therapist, _ = make_listing()
    decisions.reject_listing(therapist, admin, "The license number does not exist in Florida.", therapist.version)
    assert therapist.status == ListingStatus.REJECTED.value
    assert _audit() == [("reject_listing", "mod@example.org", "The license number does not exist in Florida.")]
    assert "The license number does not exist in Florida." in outbox()[-1].body


def test_an_approved_revision_replaces_the_public_fields_in_one_go(admin, make_listing, listing_data, outbox):
    therapist, _ = make_listing(status=ListingStatus.PUBLISHED.value)
    decisions.verify_license(therapist, admin, therapist.version)
    proposed = listing_data(name="Dana Whitfield-Smith", price_max=150, modalities=["swedish"],
                            license_number="MA99999",
                            locations=[listing_data().locations[0], listing_data().locations[0].__class__(
                                "", "Tampa", "FL", "", 27.95, -82.46, "Tampa, FL")])
    editing.save_edit(therapist, proposed, therapist.contact_email, therapist.version)
    revision = editing.pending_revision(therapist)
    decisions.approve_revision(revision, admin, revision.version)
    assert data.ListingData.from_therapist(therapist) == proposed
    assert [loc.city for loc in therapist.locations] == ["St. Petersburg", "Tampa"]
    assert revision.status == RevisionStatus.APPROVED.value and revision.decided_by_id == admin.id
    # The verification was of the old license number.
    assert therapist.license_verified_at is None
    assert [a for a, _, _ in _audit()] == ["verify_license", "approve_revision"]
    assert outbox()[-1].subject == "Your changes are published"
    with pytest.raises(decisions.ModerationError, match="already been decided"):
        decisions.approve_revision(revision, admin, revision.version)


def test_a_rejected_revision_leaves_the_public_listing(admin, make_listing, listing_data, outbox):
    therapist, _ = make_listing(status=ListingStatus.PUBLISHED.value)
    editing.save_edit(therapist, listing_data(name="Spammy Name"), therapist.contact_email, therapist.version)
    revision = editing.pending_revision(therapist)
    decisions.reject_revision(revision, admin, "Names must be your real name.", revision.version)
    db.session.refresh(therapist)
    assert therapist.name == "Dana Whitfield"
    assert (revision.status, revision.reason) == (RevisionStatus.REJECTED.value, "Names must be your real name.")
    assert "Names must be your real name." in outbox()[-1].body
    assert _audit()[-1] == ("reject_revision", "mod@example.org", "Names must be your real name.")


def test_verify_license_records_who_and_when(admin, make_listing):
    therapist, _ = make_listing(status=ListingStatus.PUBLISHED.value)
    decisions.verify_license(therapist, admin, therapist.version)
    assert therapist.license_verified_by is admin
    assert aware(therapist.license_verified_at) > utcnow() - timedelta(minutes=1)
    assert therapist.last_checked_at == therapist.license_verified_at
    entry = db.session.scalars(select(AuditLog)).one()
    assert entry.details == {"license_number": "MA12345", "license_state": "FL"}


def test_unpublish_holds_the_listing_closes_its_reports_and_tells_why(admin, make_listing, outbox):
    therapist, _ = make_listing(status=ListingStatus.PUBLISHED.value)
    report = reports.file_report(therapist, ReportReason.NOT_ME, "Not me!", "real@example.com")
    decisions.unpublish_listing(therapist, admin, "The named therapist asked for removal.")
    assert (therapist.status, therapist.held_by_moderator) == (ListingStatus.UNPUBLISHED.value, True)
    assert report.status == "resolved" and "asked for removal" in report.resolution
    assert "The named therapist asked for removal." in outbox()[-1].body
    with pytest.raises(editing.NotAllowed):
        editing.publish_own(therapist, therapist.version)
    with pytest.raises(decisions.ModerationError):
        decisions.unpublish_listing(therapist, admin, "Again")
    decisions.approve_listing(therapist, admin, therapist.version)
    assert (therapist.status, therapist.held_by_moderator) == (ListingStatus.PUBLISHED.value, False)


def test_resolve_report(admin, make_listing):
    therapist, _ = make_listing(status=ListingStatus.PUBLISHED.value)
    report = reports.file_report(therapist, ReportReason.WRONG_CONTACT, "Old phone.", None)
    decisions.resolve_report(report, admin, "Called them; the number works.")
    assert report.status == "resolved" and report.resolved_by_id == admin.id
    assert _audit() == [("resolve_report", "mod@example.org", "Called them; the number works.")]
    with pytest.raises(decisions.ModerationError):
        decisions.resolve_report(report, admin, "")


def test_every_action_is_audited_and_survives_deletion(admin, make_listing):
    therapist, _ = make_listing()
    decisions.approve_listing(therapist, admin, therapist.version)
    editing.delete_listing(therapist)
    entry = db.session.scalars(select(AuditLog)).one()
    assert (entry.therapist_id, entry.therapist_name) == (None, "Dana Whitfield")


def test_queue_oldest_first_with_duplicates_and_stale_listings(admin, make_listing, listing_data, make_therapist):
    now = utcnow()
    make_therapist(name="Dana Whitfield", at=point_at(0.2))
    newer, _ = make_listing(name="Newer Listing")
    older, _ = make_listing()
    older.created_at = now - timedelta(days=3)
    published, _ = make_listing(status=ListingStatus.PUBLISHED.value, name="Published One")
    editing.save_edit(published, listing_data(name="Published One, Renamed"), published.contact_email,
                       published.version)
    stale, _ = make_listing(status=ListingStatus.PUBLISHED.value, name="Stale One")
    stale.confirmed_at = now - timedelta(days=400)
    reports.file_report(published, ReportReason.CLOSED, "", None)
    db.session.commit()

    queue = review_queue.load_queue()
    assert [item.therapist.name for item in queue.submissions] == ["Dana Whitfield", "Newer Listing"]
    # Every listing built here shares one contact email; the sample therapist only shares the name and place.
    assert {(f.other.name, f.reason) for f in queue.submissions[0].duplicates} == {
        ("Dana Whitfield", "same name, 0.2 mi away"), ("Newer Listing", "same contact email"),
        ("Published One", "same contact email"), ("Stale One", "same contact email")}
    assert [item.therapist.name for item in queue.revisions] == ["Published One"]
    assert [r.therapist.name for r in queue.reports] == ["Published One"]
    assert [t.name for t in queue.stale] == ["Stale One"]


def test_review_shows_the_diff_of_a_pending_revision(admin, make_listing, listing_data):
    therapist, _ = make_listing(status=ListingStatus.PUBLISHED.value)
    editing.save_edit(therapist, listing_data(bio="New bio."), therapist.contact_email, therapist.version)
    review = review_queue.load_review(therapist.id, load_vocabulary())
    assert [(c.label, c.before, c.after) for c in review.changes] == [
        ("About you", "I had tension headaches myself.", "New bio.")]
    assert review_queue.load_review(999999, load_vocabulary()) is None
