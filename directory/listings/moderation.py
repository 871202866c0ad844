"""What moderators need to see of a listing's proposed changes: each changed field, before and after, as text."""
from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from directory.listings.data import ListingData
from directory.search.vocabulary import Vocabulary


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
    if name in ("modalities", "conditions"):
        lookup = vocabulary.modality if name == "modalities" else vocabulary.condition
        return ", ".join(term.name if (term := lookup(s)) else s for s in value) or "—"
    if name == "locations":
        return "\n".join(f"{loc.one_line} (found: {loc.geocoded_as})" for loc in value) or "—"
    return _shown_value(value)


def _shown_value(value: Any) -> str:
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
