"""Reading therapist listings for the public."""
from __future__ import annotations

from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import selectinload

from directory.extensions import db
from directory.therapists.models import ListingStatus, Therapist


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


def profile_json_ld(therapist: Therapist) -> dict[str, Any]:
    """schema.org HealthAndBeautyBusiness data for the profile (first location as the main address)."""
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
    if therapist.locations:
        main = therapist.locations[0]
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
