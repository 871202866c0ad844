"""JSON shapes of therapists and vocabularies."""
from __future__ import annotations

from typing import Any, Iterable

from flask import url_for

from directory.database import aware
from directory.search.services import Hit
from directory.search.vocabulary import Term
from directory.therapists.models import Location, Therapist


def location_json(location: Location) -> dict[str, Any]:
    """A practice location."""
    return {
        "street": location.street,
        "city": location.city,
        "state": location.state,
        "postal_code": location.postal_code,
        "country": location.country,
        "latitude": location.latitude,
        "longitude": location.longitude,
    }


def therapist_json(therapist: Therapist, detail: bool = False, modalities: Iterable[Any] | None = None) -> dict[str, Any]:
    """A therapist's public listing; `detail` adds the long texts and conditions. A search passes the
    `modalities` it already knows, so that they are not loaded again."""
    data: dict[str, Any] = {
        "slug": therapist.slug,
        "name": therapist.name,
        "practice_name": therapist.practice_name,
        "credentials": therapist.credentials,
        "license_number": therapist.license_number,
        "license_state": therapist.license_state,
        "accepting_new_clients": therapist.accepting_new_clients,
        "mobile": therapist.mobile,
        "service_radius_mi": therapist.service_radius_mi,
        "price_min": therapist.price_min,
        "price_max": therapist.price_max,
        "phone": therapist.phone,
        "modalities": [m.slug for m in (therapist.modalities if modalities is None else modalities)],
        "locations": [location_json(loc) for loc in therapist.locations],
        "sample_listing": therapist.is_sample,
        "url": url_for("therapists.profile", slug=therapist.slug, _external=True),
    }
    if detail:
        data |= {
            "years_in_practice": therapist.years_in_practice,
            "training": therapist.training,
            "certifications": therapist.certifications,
            "bio": therapist.bio,
            "email": therapist.email,
            "website": therapist.website,
            "session_lengths": therapist.session_lengths,
            "languages": therapist.languages,
            "conditions": [c.slug for c in therapist.conditions],
            "updated_at": aware(therapist.updated_at).isoformat(),
        }
    return data


def hit_json(hit: Hit, unit: str) -> dict[str, Any]:
    """A search result: the therapist and, for a place search, the distance in `unit`."""
    data = therapist_json(hit.therapist, modalities=hit.modalities)
    if hit.distance is not None:
        data["distance"] = round(hit.distance, 1)
        data["unit"] = unit
        data["visits_your_area"] = hit.visits_your_area
    return data


def vocabulary_json(term: Term) -> dict[str, Any]:
    """A condition, or the part of a modality it shares with conditions."""
    return {"slug": term.slug, "name": term.name, "description": term.description}


def modality_json(modality: Term) -> dict[str, Any]:
    """A modality, with its parent's slug."""
    return vocabulary_json(modality) | {"parent": modality.parent}
