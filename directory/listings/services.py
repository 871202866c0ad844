"""Therapists' own listings: submit, edit through a private link, unpublish, delete, re-confirm, report.

Plain functions over the database session; no request or template in here. Each write is one
transaction: the function commits at its end, with the mail it queued (the mail worker sends it later).
"""
from __future__ import annotations

import enum
import hmac
import re
import secrets
import unicodedata
from dataclasses import asdict, dataclass, field
from datetime import datetime, timedelta
from typing import Any, Iterable

from flask import current_app
from itsdangerous import BadSignature, TimestampSigner
from sqlalchemy import and_, func, or_, select
from sqlalchemy.orm import selectinload

from directory.geo import distances
from directory.database import aware, committed, utcnow
from directory.extensions import db
from directory.listings.models import (
    ListingToken,
    Report,
    ReportReason,
    Revision,
    RevisionStatus,
    TokenPurpose,
)
from directory.mail import absolute_url, queue_mail
from directory.search.services import Vocabulary, resolve_place
from directory.security import hash_token
from directory.therapists.models import Condition, ListingStatus, Location, Modality, Therapist

MAX_LOCATIONS = 3
SESSION_LENGTH_CHOICES = (30, 45, 60, 75, 90, 120)
DUPLICATE_DISTANCE_MI = 1.0
_SLUG_RE = re.compile(r"[^a-z0-9]+")


# --- The listing as the therapist proposes it -------------------------------------------------


@dataclass
class ProposedLocation:
    """A practice address and where the geocoder placed it."""

    street: str
    city: str
    state: str
    postal_code: str
    latitude: float
    longitude: float
    geocoded_as: str = ""

    @property
    def one_line(self) -> str:
        """The address as typed, on one line."""
        parts = [self.street, self.city, f"{self.state} {self.postal_code}".strip()]
        return ", ".join(p for p in parts if p)

    def same_address(self, other: ProposedLocation) -> bool:
        """Whether both are the same typed address at the same point."""
        return asdict(self) == asdict(other)


@dataclass
class ListingData:
    """Every public field of a listing, as submitted: what a Revision stores and approval applies."""

    name: str
    license_number: str
    license_state: str
    practice_name: str | None = None
    credentials: list[str] = field(default_factory=list)
    years_in_practice: int | None = None
    training: str = ""
    certifications: list[str] = field(default_factory=list)
    bio: str = ""
    phone: str | None = None
    email: str | None = None
    website: str | None = None
    price_min: int | None = None
    price_max: int | None = None
    session_lengths: list[int] = field(default_factory=list)
    accepting_new_clients: bool = True
    mobile: bool = False
    service_radius_mi: float | None = None
    languages: list[str] = field(default_factory=list)
    modalities: list[str] = field(default_factory=list)
    conditions: list[str] = field(default_factory=list)
    locations: list[ProposedLocation] = field(default_factory=list)

    def to_json(self) -> dict[str, Any]:
        """A JSON-ready dict (for Revision.data)."""
        return asdict(self)

    @classmethod
    def from_json(cls, data: dict[str, Any]) -> ListingData:
        """Read back what `to_json` stored."""
        values = dict(data)
        values["locations"] = [ProposedLocation(**loc) for loc in data.get("locations", [])]
        return cls(**values)

    @classmethod
    def from_therapist(cls, therapist: Therapist) -> ListingData:
        """The listing's current public fields."""
        values = {name: getattr(therapist, name) for name in SCALAR_FIELDS}
        return cls(
            **values,
            modalities=[m.slug for m in therapist.modalities],
            conditions=[c.slug for c in therapist.conditions],
            locations=[
                ProposedLocation(loc.street, loc.city, loc.state, loc.postal_code, loc.latitude, loc.longitude,
                                 loc.geocoded_as)
                for loc in therapist.locations
            ],
        )


SCALAR_FIELDS = (
    "name", "practice_name", "credentials", "license_number", "license_state", "years_in_practice",
    "training", "certifications", "bio", "phone", "email", "website", "price_min", "price_max",
    "session_lengths", "accepting_new_clients", "mobile", "service_radius_mi", "languages",
)

FIELD_LABELS = {
    "name": "Name",
    "practice_name": "Practice name",
    "credentials": "Credentials",
    "license_number": "License number",
    "license_state": "License state",
    "years_in_practice": "Years in practice",
    "training": "Training",
    "certifications": "Certifications",
    "bio": "About you",
    "modalities": "Therapies",
    "conditions": "Conditions treated",
    "locations": "Locations",
    "phone": "Phone",
    "email": "Public email",
    "website": "Website",
    "price_min": "Lowest price",
    "price_max": "Highest price",
    "session_lengths": "Session lengths",
    "accepting_new_clients": "Accepting new clients",
    "mobile": "Home visits",
    "service_radius_mi": "Travels up to (miles)",
    "languages": "Languages",
}


@dataclass
class FieldChange:
    """One field of a revision that differs from the public listing."""

    label: str
    before: str
    after: str


def _shown(name: str, value: Any, vocabulary: Vocabulary) -> str:
    if name == "modalities":
        return ", ".join((vocabulary.modality(s).name if vocabulary.modality(s) else s) for s in value) or "—"
    if name == "conditions":
        return ", ".join((vocabulary.condition(s).name if vocabulary.condition(s) else s) for s in value) or "—"
    if name == "locations":
        return "\n".join(f"{loc.one_line} (found: {loc.geocoded_as})" for loc in value) or "—"
    if isinstance(value, bool):
        return "Yes" if value else "No"
    if isinstance(value, list):
        return ", ".join(str(v) for v in value) or "—"
    if value is None or value == "":
        return "—"
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    return str(value)


def revision_diff(before: ListingData, after: ListingData, vocabulary: Vocabulary) -> list[FieldChange]:
    """The fields that differ, in form order, as text for the moderator."""
    changes = []
    for name, label in FIELD_LABELS.items():
        old, new = getattr(before, name), getattr(after, name)
        if name == "locations":
            differ = len(old) != len(new) or not all(a.same_address(b) for a, b in zip(old, new))
        else:
            differ = old != new
        if differ:
            changes.append(FieldChange(label, _shown(name, old, vocabulary), _shown(name, new, vocabulary)))
    return changes


# --- Geocoding practice addresses --------------------------------------------------------------


@dataclass
class GeocodedAddress:
    """Where the configured geocoder placed an address, or why it could not."""

    label: str = ""
    latitude: float | None = None
    longitude: float | None = None
    problem: str | None = None


def address_query(street: str, city: str, state: str, postal_code: str) -> str:
    """The address as one line for the geocoder."""
    parts = [street.strip(), city.strip(), f"{state.strip()} {postal_code.strip()}".strip()]
    return ", ".join(p for p in parts if p)


def geocode_address(geocoder: Any, street: str, city: str, state: str, postal_code: str) -> GeocodedAddress:
    """Place a practice address with the configured geocoder; an ambiguous or unknown one is a problem."""
    query = address_query(street, city, state, postal_code)
    lookup = resolve_place(geocoder, query)
    if lookup.place is not None:
        return GeocodedAddress(lookup.place.address, lookup.place.latitude, lookup.place.longitude)
    if lookup.candidates:
        names = "; ".join(c.address for c in lookup.candidates[:4])
        return GeocodedAddress(problem=f"“{query}” matches several places ({names}). Add the ZIP code.")
    if lookup.message and lookup.message.startswith("The location service"):
        return GeocodedAddress(problem="The map service did not answer. Please try again in a moment.")
    return GeocodedAddress(problem=f"We couldn't find “{query}” on the map. Check the city and state, "
                                   "or add the ZIP code.")


# --- Private links ---------------------------------------------------------------------------



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


# --- Spam defence ----------------------------------------------------------------------------

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


# --- Writing listings ------------------------------------------------------------------------


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


def _vocabulary_terms(model: type, slugs: Iterable[str]) -> list[Any]:
    wanted = list(dict.fromkeys(slugs))
    if not wanted:
        return []
    found = {term.slug: term for term in db.session.scalars(select(model).where(model.slug.in_(wanted)))}
    return [found[slug] for slug in wanted if slug in found]


def apply_listing_data(therapist: Therapist, data: ListingData) -> None:
    """Make the listing's public fields what `data` says (in the current transaction)."""
    for name in SCALAR_FIELDS:
        value = getattr(data, name)
        if getattr(therapist, name) != value:
            setattr(therapist, name, value)
    if [m.slug for m in therapist.modalities] != data.modalities:
        therapist.modalities = _vocabulary_terms(Modality, data.modalities)
    if [c.slug for c in therapist.conditions] != data.conditions:
        therapist.conditions = _vocabulary_terms(Condition, data.conditions)
    if ListingData.from_therapist(therapist).locations != data.locations:
        therapist.locations = [
            Location(position=i, street=loc.street, city=loc.city, state=loc.state, postal_code=loc.postal_code,
                     country="US", latitude=loc.latitude, longitude=loc.longitude, geocoded_as=loc.geocoded_as)
            for i, loc in enumerate(data.locations)
        ]


def normalize_email(address: str) -> str:
    """Contact emails are stored and matched in lower case."""
    return address.strip().lower()


def _edit_link_mail(therapist: Therapist, token: str, intro: str) -> None:
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
    apply_listing_data(therapist, data)
    db.session.add(therapist)
    token = issue_token(therapist, TokenPurpose.EDIT, current_app.config["LISTING_EDIT_LINK_DAYS"], now)
    db.session.flush()
    _edit_link_mail(
        therapist, token,
        "Thank you for listing your practice. A moderator will review it soon; we will write to you "
        "when it is published.",
    )
    db.session.commit()
    return therapist, token


class StaleEdit(Exception):
    """The listing changed after the form was opened: the save is refused, nothing is overwritten."""


class EditOutcome(str, enum.Enum):
    """What saving an edit did."""

    SAVED = "saved"
    SENT_FOR_REVIEW = "sent_for_review"
    NO_CHANGES = "no_changes"


def pending_revision(therapist: Therapist) -> Revision | None:
    """The change waiting for review, if any (there is at most one per listing)."""
    return next((r for r in therapist.revisions if r.status == RevisionStatus.PENDING.value), None)


def editable_data(therapist: Therapist) -> ListingData:
    """What the edit form starts from: the change waiting for review, else the listing."""
    revision = pending_revision(therapist)
    return ListingData.from_json(revision.data) if revision else ListingData.from_therapist(therapist)


def has_been_published(therapist: Therapist) -> bool:
    """Whether the public has seen this listing, so changes must be reviewed before they show."""
    return therapist.status in (ListingStatus.PUBLISHED.value, ListingStatus.UNPUBLISHED.value)


def save_edit(therapist: Therapist, data: ListingData, contact_email: str, expected_version: int,
              now: datetime | None = None) -> EditOutcome:
    """Save the therapist's edit: straight onto a listing never published, else as a revision to review.

    Refused with StaleEdit when the listing changed since the form showed version `expected_version`.
    """
    if therapist.version != expected_version:
        raise StaleEdit
    with committed(StaleEdit):
        return _save_edit(therapist, data, contact_email, now or utcnow())


def _save_edit(therapist: Therapist, data: ListingData, contact_email: str, now: datetime) -> EditOutcome:
    therapist.contact_email = normalize_email(contact_email)
    therapist.confirmed_at = now
    if not has_been_published(therapist):
        if data.license_number != therapist.license_number or data.license_state != therapist.license_state:
            therapist.license_verified_at = therapist.license_verified_by_id = None
        apply_listing_data(therapist, data)
        # A rejected listing, edited, goes back to the moderators.
        therapist.status = ListingStatus.PENDING.value
        return EditOutcome.SAVED
    revision = pending_revision(therapist)
    if data == ListingData.from_therapist(therapist):
        if revision is not None:
            revision.status = RevisionStatus.WITHDRAWN.value
            revision.decided_at = now
        return EditOutcome.NO_CHANGES
    if revision is None:
        revision = Revision(therapist=therapist, created_at=now)
        db.session.add(revision)
    revision.data = data.to_json()
    return EditOutcome.SENT_FOR_REVIEW


class NotAllowed(Exception):
    """The therapist cannot do this to the listing in its current state (the message says why)."""


def unpublish_own(therapist: Therapist, expected_version: int) -> None:
    """The therapist takes their published listing off the site; they can publish it again later."""
    if therapist.version != expected_version:
        raise StaleEdit
    if therapist.status != ListingStatus.PUBLISHED.value:
        raise NotAllowed("Only a published listing can be unpublished.")
    with committed(StaleEdit):
        therapist.status = ListingStatus.UNPUBLISHED.value


def publish_own(therapist: Therapist, expected_version: int) -> None:
    """The therapist puts back a listing they unpublished (not one a moderator took down)."""
    if therapist.version != expected_version:
        raise StaleEdit
    if therapist.status != ListingStatus.UNPUBLISHED.value:
        raise NotAllowed("Only an unpublished listing can be published again.")
    if therapist.held_by_moderator:
        raise NotAllowed("A moderator unpublished this listing, so only a moderator can publish it again. "
                         "Reply to their email if you think this was a mistake.")
    with committed(StaleEdit):
        therapist.status = ListingStatus.PUBLISHED.value


def delete_listing(therapist: Therapist) -> None:
    """Delete the listing for good, with its locations, revisions, reports and links."""
    with committed(StaleEdit):
        db.session.delete(therapist)


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
        _edit_link_mail(therapist, token, "You asked for a new link to edit your listing. The links we sent "
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


# --- Still accurate? -------------------------------------------------------------------------


def confirmed_basis() -> Any:
    """SQL for when the listing was last confirmed: by the therapist, else when it was created."""
    return func.coalesce(Therapist.confirmed_at, Therapist.created_at)


def reconfirmation_due(now: datetime | None = None) -> Any:
    """SQL for published listings nobody has updated or re-confirmed for LISTING_RECONFIRM_AFTER_DAYS."""
    cutoff = (now or utcnow()) - timedelta(days=current_app.config["LISTING_RECONFIRM_AFTER_DAYS"])
    return and_(
        Therapist.status == ListingStatus.PUBLISHED.value,
        Therapist.is_sample.is_(False),
        Therapist.contact_email.is_not(None),
        confirmed_basis() < cutoff,
    )


def send_reconfirmations(now: datetime | None = None) -> int:
    """Mail a "still accurate?" link for each listing due, once per period: a second run sends nothing."""
    now = now or utcnow()
    due = db.session.scalars(
        select(Therapist)
        .where(
            reconfirmation_due(now),
            or_(Therapist.reconfirmation_sent_at.is_(None), Therapist.reconfirmation_sent_at < confirmed_basis()),
        )
        .order_by(Therapist.id)
    ).all()
    for therapist in due:
        token = issue_token(therapist, TokenPurpose.CONFIRM, current_app.config["LISTING_CONFIRM_LINK_DAYS"], now)
        queue_mail(
            therapist.contact_email,
            "Is your KnotFree listing still accurate?",
            f"Hello {therapist.name},\n\nIt has been a year since your listing was last updated. If everything "
            f"in it is still right, one click tells us so:\n{absolute_url('listings.still_accurate', token=token)}"
            f"\n\nIf something has changed, ask for an edit link here:\n{absolute_url('listings.edit_link')}\n\n"
            "Listings nobody confirms may be taken down.\n\nKnotFree Directory",
        )
        therapist.reconfirmation_sent_at = now
    db.session.commit()
    return len(due)


def confirm_still_accurate(therapist: Therapist, now: datetime | None = None) -> None:
    """The therapist says the listing is still right: the 12 months start again."""
    with committed(StaleEdit):
        therapist.confirmed_at = now or utcnow()


# --- Reports from the public -----------------------------------------------------------------


def file_report(therapist: Therapist, reason: ReportReason, details: str, reporter_email: str | None,
                now: datetime | None = None) -> Report:
    """Put a problem with a listing in the moderators' queue."""
    report = Report(
        therapist=therapist,
        reason=reason.value,
        details=details,
        reporter_email=normalize_email(reporter_email) if reporter_email else None,
        created_at=now or utcnow(),
    )
    db.session.add(report)
    db.session.commit()
    return report


# --- Likely duplicates -----------------------------------------------------------------------


@dataclass
class DuplicateCandidate:
    """A listing (or a proposed version of one) to check for duplicates."""

    key: Any
    therapist_id: int | None
    name: str
    contact_email: str | None
    points: list[tuple[float, float]]


@dataclass
class DuplicateFlag:
    """Another listing that may be the same practice, and why."""

    other: Therapist
    reason: str


def _name_key(name: str) -> str:
    return " ".join(unicodedata.normalize("NFKC", name).casefold().split())


def find_duplicates(candidates: list[DuplicateCandidate]) -> dict[Any, list[DuplicateFlag]]:
    """Other listings with the same contact email, or the same name within 1 mile, for each candidate."""
    if not candidates:
        return {}
    radius_km = distances.to_km(DUPLICATE_DISTANCE_MI, "mi")
    emails = {c.contact_email for c in candidates if c.contact_email}
    boxes = [box for c in candidates for lat, lon in c.points for box in distances.bounding_boxes(lat, lon, radius_km)]
    nearby = select(Location.therapist_id).where(
        or_(*(and_(Location.latitude.between(a, b), Location.longitude.between(c, d)) for a, b, c, d in boxes))
    ) if boxes else None
    conditions = []
    if emails:
        conditions.append(Therapist.contact_email.in_(emails))
    if nearby is not None:
        conditions.append(Therapist.id.in_(nearby))
    if not conditions:
        return {c.key: [] for c in candidates}
    others = db.session.scalars(
        select(Therapist).where(or_(*conditions)).options(selectinload(Therapist.locations))
    ).all()
    flags: dict[Any, list[DuplicateFlag]] = {}
    for candidate in candidates:
        found = []
        for other in others:
            if other.id == candidate.therapist_id:
                continue
            if candidate.contact_email and other.contact_email == candidate.contact_email:
                found.append(DuplicateFlag(other, "same contact email"))
            elif _name_key(other.name) == _name_key(candidate.name):
                miles = [
                    distances.from_km(distances.distance_km(point, (loc.latitude, loc.longitude)), "mi")
                    for point in candidate.points for loc in other.locations
                ]
                if miles and min(miles) <= DUPLICATE_DISTANCE_MI:
                    found.append(DuplicateFlag(other, f"same name, {min(miles):.1f} mi away"))
        flags[candidate.key] = found
    return flags
