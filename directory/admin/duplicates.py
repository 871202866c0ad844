"""Likely duplicates of a listing the moderators review: the same contact email, or the same name within
DUPLICATE_DISTANCE_MI."""
from __future__ import annotations

import unicodedata
from dataclasses import dataclass
from typing import Any

from sqlalchemy import and_, or_, select
from sqlalchemy.orm import selectinload

from directory.geo import distances
from directory.extensions import db
from directory.therapists.models import Location, Therapist

DUPLICATE_DISTANCE_MI = 1.0


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
    others = _possible_duplicates(candidates)
    return {
        candidate.key: [
            flag for other in others if other.id != candidate.therapist_id
            if (flag := _flag(candidate, other)) is not None
        ]
        for candidate in candidates
    }


def _possible_duplicates(candidates: list[DuplicateCandidate]) -> list[Therapist]:
    """Every listing sharing a contact email with a candidate or lying near one of its points."""
    radius_km = distances.to_km(DUPLICATE_DISTANCE_MI, "mi")
    emails = {c.contact_email for c in candidates if c.contact_email}
    boxes = [box for c in candidates for lat, lon in c.points for box in distances.bounding_boxes(lat, lon, radius_km)]
    conditions = []
    if emails:
        conditions.append(Therapist.contact_email.in_(emails))
    if boxes:
        conditions.append(Therapist.id.in_(select(Location.therapist_id).where(
            or_(*(and_(Location.latitude.between(a, b), Location.longitude.between(c, d)) for a, b, c, d in boxes))
        )))
    if not conditions:
        return []
    return list(db.session.scalars(
        select(Therapist).where(or_(*conditions)).options(selectinload(Therapist.locations))
    ).all())


def _flag(candidate: DuplicateCandidate, other: Therapist) -> DuplicateFlag | None:
    """Why `other` may be the same practice as `candidate`, if it may."""
    if candidate.contact_email and other.contact_email == candidate.contact_email:
        return DuplicateFlag(other, "same contact email")
    if _name_key(other.name) != _name_key(candidate.name):
        return None
    miles = [
        distances.from_km(distances.distance_km(point, (loc.latitude, loc.longitude)), "mi")
        for point in candidate.points for loc in other.locations
    ]
    if miles and min(miles) <= DUPLICATE_DISTANCE_MI:
        return DuplicateFlag(other, f"same name, {min(miles):.1f} mi away")
    return None
