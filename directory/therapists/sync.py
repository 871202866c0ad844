"""Bring a stored listing or vocabulary term in line with wanted values, writing only what differs."""
from __future__ import annotations

from typing import Any, Iterable, Iterator

from directory.therapists.models import MAX_SEARCH_BIT, Condition, Location, Modality, Therapist

LOCATION_FIELDS = ("position", "street", "city", "state", "postal_code", "country", "latitude", "longitude")


def assign(obj: Any, values: dict[str, Any]) -> bool:
    """Set the attributes that differ; answer whether any did."""
    changed = False
    for key, value in values.items():
        if getattr(obj, key) != value:
            setattr(obj, key, value)
            changed = True
    return changed


def tally(report: Any, created: bool, changed: bool) -> None:
    """Count one record as created, updated or unchanged in a report with those three counters."""
    if created:
        report.created += 1
    elif changed:
        report.updated += 1
    else:
        report.unchanged += 1


def free_search_bits(used: Iterable[int]) -> Iterator[int]:
    """The search bits no modality has, lowest first."""
    return iter(sorted(set(range(MAX_SEARCH_BIT + 1)) - set(used)))


def take_search_bit(free_bits: Iterator[int], slug: str) -> int:
    """The next free search bit for a new modality, or ValueError when the search has no room left."""
    search_bit = next(free_bits, None)
    if search_bit is None:
        raise ValueError(f"The search has room for {MAX_SEARCH_BIT + 1} modalities; {slug} is one too many.")
    return search_bit


def sync_tags(therapist: Therapist, modalities: list[Modality], conditions: list[Condition]) -> bool:
    """Give the listing these modalities and conditions (order is the vocabulary's); answer whether they changed."""
    changed = False
    if {m.slug for m in therapist.modalities} != {m.slug for m in modalities}:
        therapist.modalities = modalities
        changed = True
    if {c.slug for c in therapist.conditions} != {c.slug for c in conditions}:
        therapist.conditions = conditions
        changed = True
    return changed


def sync_locations(therapist: Therapist, locations: list[dict[str, Any]]) -> bool:
    """Give the listing these locations (dicts of LOCATION_FIELDS); answer whether they changed."""
    wanted = sorted(tuple(location[f] for f in LOCATION_FIELDS) for location in locations)
    current = [tuple(getattr(location, f) for f in LOCATION_FIELDS) for location in therapist.locations]
    if current == wanted:
        return False
    therapist.locations = [Location(**dict(zip(LOCATION_FIELDS, values))) for values in wanted]
    return True
