"""Reading therapist listings for the public."""
from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from sqlalchemy import Row, bindparam, literal, select, union_all
from sqlalchemy.orm import selectinload

from directory.extensions import db
from directory.therapists.models import (
    Condition,
    ListingStatus,
    Location,
    Modality,
    Therapist,
    display_name,
    therapist_conditions,
    therapist_modalities,
)


def get_published(slug: str) -> Therapist | None:
    """The published therapist with this slug, with locations and vocabularies loaded."""
    return db.session.scalar(
        select(Therapist)
        .where(Therapist.slug == slug, Therapist.status == ListingStatus.PUBLISHED.value)
        .options(
            selectinload(Therapist.locations),
            selectinload(Therapist.modalities),
            selectinload(Therapist.conditions),
        )
    )


@dataclass(frozen=True)
class Profile:
    """A published listing as its public page shows it, read as plain rows: no ORM objects to build."""

    therapist: Row[Any]
    locations: Sequence[Row[Any]]
    modalities: Sequence[Row[Any]]
    conditions: Sequence[Row[Any]]

    @property
    def display_name(self) -> str:
        """Name and credentials."""
        return display_name(self.therapist.name, self.therapist.credentials)


_therapists, _locations = Therapist.__table__, Location.__table__
_PROFILE = select(*(
    _therapists.c[name] for name in (
        "id", "slug", "name", "practice_name", "credentials", "license_number", "license_state", "years_in_practice",
        "training", "certifications", "bio", "phone", "email", "website", "price_min", "price_max", "session_lengths",
        "accepting_new_clients", "mobile", "service_radius_mi", "languages", "is_sample", "updated_at",
        "license_verified_at", "last_checked_at",
    )
)).where(_therapists.c.slug == bindparam("slug"), _therapists.c.status == ListingStatus.PUBLISHED.value)
_PROFILE_LOCATIONS = select(
    *(_locations.c[name] for name in ("street", "city", "state", "postal_code", "country", "latitude", "longitude"))
).where(_locations.c.therapist_id == bindparam("therapist_id")).order_by(_locations.c.position)
_MODALITY, _CONDITION = 0, 1
_PROFILE_TERMS = union_all(*(
    select(literal(kind).label("kind"), term.slug, term.name, term.position)
    .join(pairs, getattr(pairs.c, f"{column}_id") == term.id)
    .where(pairs.c.therapist_id == bindparam("therapist_id"))
    for kind, term, pairs, column in (
        (_MODALITY, Modality, therapist_modalities, "modality"),
        (_CONDITION, Condition, therapist_conditions, "condition"),
    )
)).order_by("kind", "position")


def load_profile(slug: str) -> Profile | None:
    """The published listing with this slug, with its locations, therapies and conditions (three queries)."""
    therapist = db.session.execute(_PROFILE, {"slug": slug}).first()
    if therapist is None:
        return None
    terms: Sequence[Any] = db.session.execute(_PROFILE_TERMS, {"therapist_id": therapist.id}).all()
    return Profile(
        therapist,
        db.session.execute(_PROFILE_LOCATIONS, {"therapist_id": therapist.id}).all(),
        [term for term in terms if term.kind == _MODALITY],
        [term for term in terms if term.kind == _CONDITION],
    )


def profile_json_ld(profile: Profile) -> dict[str, Any]:
    """schema.org HealthAndBeautyBusiness data for the profile (first location as the main address)."""
    therapist = profile.therapist
    data: dict[str, Any] = {
        "@context": "https://schema.org",
        "@type": "HealthAndBeautyBusiness",
        "name": therapist.practice_name or therapist.name,
        "employee": {"@type": "Person", "name": therapist.name},
    }
    if therapist.phone:
        data["telephone"] = therapist.phone
    if therapist.email:
        data["email"] = therapist.email
    if therapist.website:
        data["url"] = therapist.website
    if therapist.price_min and therapist.price_max:
        data["priceRange"] = f"${therapist.price_min}–${therapist.price_max}"
    if profile.locations:
        main = profile.locations[0]
        data["address"] = {
            "@type": "PostalAddress",
            "streetAddress": main.street,
            "addressLocality": main.city,
            "addressRegion": main.state,
            "postalCode": main.postal_code,
            "addressCountry": main.country,
        }
        data["geo"] = {"@type": "GeoCoordinates", "latitude": main.latitude, "longitude": main.longitude}
    return data
