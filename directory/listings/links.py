"""Private links to a listing: their tokens (only a hash is stored), what a token opens, and the mails that
send an edit link (at most LISTING_EDIT_LINKS_PER_HOUR a listing an hour)."""
from __future__ import annotations

import hmac
import secrets
from datetime import datetime, timedelta

from flask import current_app
from sqlalchemy import func, select
from sqlalchemy.orm import selectinload

from directory.database import aware, utcnow
from directory.extensions import db
from directory.listings.models import ListingToken, TokenPurpose
from directory.listings.rules import normalize_email
from directory.mail import absolute_url, queue_mail
from directory.security import hash_token
from directory.therapists.models import Therapist


def issue_token(therapist: Therapist, purpose: TokenPurpose, days: int, now: datetime | None = None) -> str:
    """Create a private link token for the listing (in the current transaction); only its hash is kept."""
    now = now or utcnow()
    token = secrets.token_urlsafe(32)
    db.session.add(
        ListingToken(
            therapist=therapist,
            purpose=purpose.value,
            token_hash=hash_token(token),
            created_at=now,
            expires_at=now + timedelta(days=days),
        )
    )
    return token


def _stored_token(token: str, purpose: TokenPurpose, now: datetime | None = None) -> ListingToken | None:
    if not token or len(token) > 100:
        return None
    digest = hash_token(token)
    stored = db.session.scalar(
        select(ListingToken)
        .where(ListingToken.token_hash == digest, ListingToken.purpose == purpose.value)
        .options(selectinload(ListingToken.therapist))
    )
    # The lookup is by hash, so timing says nothing about the token; compare in constant time anyway.
    if stored is None or not hmac.compare_digest(stored.token_hash, digest):
        return None
    if aware(stored.expires_at) <= (now or utcnow()):
        return None
    return stored


def find_by_token(token: str, purpose: TokenPurpose, now: datetime | None = None) -> Therapist | None:
    """The listing a valid, unexpired token of this purpose opens, or None."""
    stored = _stored_token(token, purpose, now)
    return stored.therapist if stored else None


def retire_older_edit_links(token: str) -> None:
    """The therapist is using this edit link: the edit links sent before it stop working when the
    current transaction commits. Asking for a new link revokes nothing, so a stranger who knows the
    contact email cannot take a working link away."""
    stored = _stored_token(token, TokenPurpose.EDIT)
    if stored is None:
        return
    for older in list(stored.therapist.tokens):
        if older.purpose == TokenPurpose.EDIT.value and older.id < stored.id:
            db.session.delete(older)


def edit_link_mail(therapist: Therapist, token: str, intro: str) -> None:
    """Queue the mail that sends a listing its private edit link, after `intro`."""
    # Only listings submitted through the site get edit links, and the form requires their address.
    assert therapist.contact_email is not None
    link = absolute_url("listings.edit", token=token)
    queue_mail(
        therapist.contact_email,
        "Your private link to edit your KnotFree listing",
        f"Hello {therapist.name},\n\n{intro}\n\n"
        f"Your private edit link:\n{link}\n\n"
        "Anyone with this link can change your listing, so keep it to yourself. "
        "If you lose it, ask for a new one on the site with this email address.\n\n"
        "KnotFree Directory",
    )


def request_edit_links(contact_email: str, now: datetime | None = None) -> int:
    """Mail a new edit link for each listing with this contact email; older links keep working until
    the new one is used. A listing gets at most LISTING_EDIT_LINKS_PER_HOUR links an hour (counted in
    the database, so the limit holds across workers), so nobody can flood a therapist's mailbox.

    Returns how many were sent; callers must not tell the visitor, so nobody can probe for addresses.
    """
    now = now or utcnow()
    # Locked, so two requests answered at once cannot both slip under the limit (PostgreSQL).
    therapists = db.session.scalars(
        select(Therapist).where(Therapist.contact_email == normalize_email(contact_email)).with_for_update()
    ).all()
    recent = _edit_links_since([t.id for t in therapists], now - timedelta(hours=1))
    allowed = [t for t in therapists if recent.get(t.id, 0) < current_app.config["LISTING_EDIT_LINKS_PER_HOUR"]]
    for therapist in allowed:
        token = issue_token(therapist, TokenPurpose.EDIT, current_app.config["LISTING_EDIT_LINK_DAYS"], now)
        edit_link_mail(therapist, token, "You asked for a new link to edit your listing. The links we sent "
                                          "before keep working until you save a change through this one.")
    db.session.commit()
    return len(allowed)


def _edit_links_since(therapist_ids: list[int], since: datetime) -> dict[int, int]:
    """How many edit links each of these listings got since `since`."""
    if not therapist_ids:
        return {}
    rows = db.session.execute(
        select(ListingToken.therapist_id, func.count())
        .where(ListingToken.therapist_id.in_(therapist_ids), ListingToken.purpose == TokenPurpose.EDIT.value,
               ListingToken.created_at > since)
        .group_by(ListingToken.therapist_id)
    )
    return {therapist_id: count for therapist_id, count in rows}
