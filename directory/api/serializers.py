"""JSON shapes of therapists, vocabularies and places."""
from __future__ import annotations

from typing import Any, Iterable

from flask import url_for

from directory.database import aware
from directory.search.cards import Card, CardLocation
from directory.search.places import Place
from directory.search.regions import PainMap, Region
from directory.search.params import SearchParams
from directory.search.services import Hit
from directory.search.vocabulary import Term
from directory.therapists.models import Location, Therapist


def place_json(place: Place) -> dict[str, Any]:
    """A place the geocoder knows (a type-ahead answer, or a candidate for an unknown or ambiguous one)."""
    return {"label": place.label, "latitude": place.latitude, "longitude": place.longitude, "kind": place.kind}


def location_json(location: Location | CardLocation) -> dict[str, Any]:
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


def _listing_json(therapist: Therapist | Card, modalities: Iterable[Any]) -> dict[str, Any]:
    """What every answer says of a therapist's public listing."""
    return {
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
        "modalities": [m.slug for m in modalities],
        "locations": [location_json(loc) for loc in therapist.locations],
        "sample_listing": therapist.is_sample,
        "url": url_for("therapists.profile", slug=therapist.slug, _external=True),
    }


def therapist_json(therapist: Therapist, detail: bool = False) -> dict[str, Any]:
    """A therapist's public listing; `detail` adds the long texts and conditions."""
    data = _listing_json(therapist, therapist.modalities)
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
    data = _listing_json(hit.therapist, hit.modalities)
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


def region_json(region: Region) -> dict[str, Any]:
    """A body region a search can tick."""
    return {"slug": region.slug, "area": region.area.name, "side": region.side, "label": region.label,
            "view": region.area.view}


def applied_json(params: SearchParams, pains: PainMap) -> dict[str, Any] | None:
    """The ticked regions, the filters they set that the search used, and why; None without regions."""
    if not params.regions:
        return None
    filters = pains.filters_for(params.regions)
    return {
        "regions": list(params.regions),
        "conditions": [slug for slug in filters.conditions if slug in params.conditions],
        "therapies": [slug for slug in filters.therapies if slug in params.modalities],
        "reasons": list(filters.reasons),
    }
