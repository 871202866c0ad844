"""A moderator's decision applies to exactly what they reviewed: a later edit by the therapist refuses it."""
import pytest
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from directory.admin import decisions
from directory.admin.models import AuditLog
from directory.extensions import db
from directory.listings import editing
from directory.listings.models import Revision, RevisionStatus
from directory.therapists.models import ListingStatus
from tests.listings.conftest import hidden_fields, page_text, post_form

REASON = "Please use your real name."


def _audited() -> int:
    return db.session.scalar(select(func.count()).select_from(AuditLog))


@pytest.fixture
def proposed(make_listing, listing_data):
    """A published listing with a change waiting for review (bio "First proposal."), and its edit token."""
    therapist, token = make_listing(status=ListingStatus.PUBLISHED.value)
    editing.save_edit(therapist, listing_data(bio="First proposal."), therapist.contact_email, therapist.version)
    return therapist, token


@pytest.mark.parametrize("decide", [
    lambda revision, admin, seen: decisions.approve_revision(revision, admin, seen),
    lambda revision, admin, seen: decisions.reject_revision(revision, admin, REASON, seen),
])
def test_a_decision_on_changes_replaced_since_is_refused(admin, proposed, listing_data, decide):
    therapist, _ = proposed
    revision = editing.pending_revision(therapist)
    seen = revision.version
    editing.save_edit(therapist, listing_data(bio="Swapped proposal."), therapist.contact_email, therapist.version)
    with pytest.raises(decisions.ReviewChanged, match="changed since you opened it; review the new version"):
        decide(revision, admin, seen)
    assert revision.status == RevisionStatus.PENDING.value
    assert therapist.bio == "I had tension headaches myself." and _audited() == 0
    decide(revision, admin, revision.version)
    assert revision.status != RevisionStatus.PENDING.value


def test_an_edit_committed_between_loading_and_deciding_is_caught_by_the_update(admin, proposed):
    therapist, _ = proposed
    revision = editing.pending_revision(therapist)
    seen = revision.version
    # The therapist's save lands (in another session) after this session loaded the revision.
    with Session(db.engine) as other:
        theirs = other.get(Revision, revision.id)
        theirs.data = theirs.data | {"bio": "Swapped at the last moment."}
        other.commit()
    with pytest.raises(decisions.ReviewChanged):
        decisions.approve_revision(revision, admin, seen)
    db.session.refresh(therapist)
    assert therapist.bio == "I had tension headaches myself." and _audited() == 0
    assert editing.pending_revision(therapist).data["bio"] == "Swapped at the last moment."


def test_changes_the_therapist_withdrew_are_a_changed_review(admin, proposed, listing_data):
    therapist, _ = proposed
    revision = editing.pending_revision(therapist)
    editing.save_edit(therapist, listing_data(), therapist.contact_email, therapist.version)
    assert revision.status == RevisionStatus.WITHDRAWN.value
    with pytest.raises(decisions.ReviewChanged):
        decisions.approve_revision(revision, admin, revision.version)


@pytest.mark.parametrize("decide", [
    lambda therapist, admin, seen: decisions.approve_listing(therapist, admin, seen),
    lambda therapist, admin, seen: decisions.reject_listing(therapist, admin, REASON, seen),
    lambda therapist, admin, seen: decisions.verify_license(therapist, admin, seen),
])
def test_a_decision_on_a_new_listing_edited_since_is_refused(admin, make_listing, listing_data, decide):
    therapist, _ = make_listing()
    seen = therapist.version
    editing.save_edit(therapist, listing_data(license_number="MA99999"), therapist.contact_email, seen)
    with pytest.raises(decisions.ReviewChanged):
        decide(therapist, admin, seen)
    assert therapist.status == ListingStatus.PENDING.value and therapist.license_verified_at is None
    assert _audited() == 0
    decide(therapist, admin, therapist.version)
    assert _audited() == 1


def test_two_sessions_the_moderator_approves_only_what_they_saw(app, admin_client, proposed, listing_form):
    therapist, token = proposed
    url = f"/admin/listings/{therapist.id}"
    revision = editing.pending_revision(therapist)
    opened = page_text(admin_client.get(url))
    assert "First proposal." in opened
    seen = hidden_fields(opened)
    assert seen["approve-revision-version"] == str(revision.version)

    therapist_session = app.test_client()
    edit = post_form(therapist_session, f"/list-your-practice/edit/{token}", listing_form(bio="Swapped proposal."))
    assert edit.status_code == 302

    refused = admin_client.post(f"/admin/revisions/{revision.id}/approve", data=seen)
    assert refused.status_code == 409
    page = page_text(refused)
    assert "This listing changed since you opened it; review the new version." in page
    assert "Swapped proposal." in page and "First proposal." not in page
    profile = page_text(therapist_session.get(f"/therapists/{therapist.slug}"))
    assert "Swapped proposal." not in profile and "First proposal." not in profile
    assert _audited() == 0

    approved = admin_client.post(f"/admin/revisions/{revision.id}/approve", data=hidden_fields(page))
    assert approved.status_code == 302
    assert "Swapped proposal." in page_text(therapist_session.get(f"/therapists/{therapist.slug}"))


def test_a_refused_rejection_keeps_the_reason_typed(app, admin_client, proposed, listing_form):
    therapist, token = proposed
    revision = editing.pending_revision(therapist)
    seen = hidden_fields(page_text(admin_client.get(f"/admin/listings/{therapist.id}")))
    post_form(app.test_client(), f"/list-your-practice/edit/{token}", listing_form(bio="Swapped proposal."))
    refused = admin_client.post(f"/admin/revisions/{revision.id}/reject",
                                data=seen | {"reject-revision-reason": "Typed before the swap."})
    assert refused.status_code == 409
    assert "Typed before the swap." in page_text(refused)
    assert revision.status == RevisionStatus.PENDING.value
