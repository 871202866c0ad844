"""Submitting a new listing: the spam defence of the public form, the listing's slug, and storing it to wait
for review with its private edit link mailed."""
from __future__ import annotations

import re
import unicodedata
from datetime import datetime, timedelta

from flask import current_app
from itsdangerous import BadSignature, TimestampSigner
from sqlalchemy import select

from directory.database import aware, utcnow
from directory.extensions import db
from directory.listings.data import ListingData, write_listing
from directory.listings.links import edit_link_mail, issue_token
from directory.listings.models import TokenPurpose
from directory.listings.rules import normalize_email
from directory.therapists.models import ListingStatus, Therapist

_SLUG_RE = re.compile(r"[^a-z0-9]+")


_FORM_SALT = "listing-form-started"
# A form kept open longer is sent back once with a fresh token; a bot cannot reuse one token for ever.
FORM_LIFETIME = timedelta(days=1)
FORM_EXPIRED = "This form has expired. Please check your details and submit again."


def form_started_token(secret_key: str) -> str:
    """A signed timestamp put in the form when it is shown."""
    return TimestampSigner(secret_key, salt=_FORM_SALT).sign("form").decode()


def spam_problem(honeypot: str | None, started: str | None, secret_key: str, min_seconds: float,
                 now: datetime | None = None) -> str | None:
    """Why a submission looks automated (the hidden field filled, sent back too fast, or a start token
    forged or older than FORM_LIFETIME), else None."""
    if honeypot:
        return ("Your submission looked automated, so we did not save it. If you are a person, please "
                "leave the field labelled “Leave this field empty” empty and submit again.")
    try:
        _, signed_at = TimestampSigner(secret_key, salt=_FORM_SALT).unsign(started or "", return_timestamp=True)
    except BadSignature:
        return FORM_EXPIRED
    elapsed = ((now or utcnow()) - aware(signed_at)).total_seconds()
    if elapsed > FORM_LIFETIME.total_seconds():
        return FORM_EXPIRED
    if elapsed < min_seconds:
        return ("That was quicker than we expect from a person, so we did not save it yet. "
                "Please check your details and submit again.")
    return None


def slugify(text: str) -> str:
    """Lower-case ASCII words joined by hyphens."""
    text = unicodedata.normalize("NFKD", text).encode("ascii", "ignore").decode()
    return _SLUG_RE.sub("-", text.lower()).strip("-")


def unique_slug(name: str, city: str) -> str:
    """A profile address from the name and city, numbered when taken."""
    base = slugify(f"{name} {city}")[:100].strip("-") or "therapist"
    taken = set(db.session.scalars(select(Therapist.slug).where(Therapist.slug.like(f"{base}%"))))
    if base not in taken:
        return base
    number = 2
    while f"{base}-{number}" in taken:
        number += 1
    return f"{base}-{number}"


def submit_listing(data: ListingData, contact_email: str, now: datetime | None = None) -> tuple[Therapist, str]:
    """Store a new listing, waiting for review, and mail its private edit link. Returns it and the token."""
    now = now or utcnow()
    city = data.locations[0].city if data.locations else ""
    therapist = Therapist(
        slug=unique_slug(data.name, city),
        status=ListingStatus.PENDING.value,
        contact_email=normalize_email(contact_email),
        confirmed_at=now,
        created_at=now,
        updated_at=now,
    )
    write_listing(therapist, data)
    db.session.add(therapist)
    token = issue_token(therapist, TokenPurpose.EDIT, current_app.config["LISTING_EDIT_LINK_DAYS"], now)
    db.session.flush()
    edit_link_mail(
        therapist, token,
        "Thank you for listing your practice. A moderator will review it soon; we will write to you "
        "when it is published.",
    )
    db.session.commit()
    return therapist, token
