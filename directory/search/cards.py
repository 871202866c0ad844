"""What a result shows of a therapist, read as plain rows: the columns a card and the API's search answer
use, with the therapist's locations, in one query for a whole page (no ORM objects to build)."""
from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Iterable

from sqlalchemy import select

from directory.extensions import db
from directory.therapists.models import Location, Therapist


@dataclass(frozen=True)
class CardLocation:
    """A practice location as a result shows it."""

    id: int
    street: str
    city: str
    state: str
    postal_code: str
    country: str
    latitude: float
    longitude: float


@dataclass(frozen=True)
class Card:
    """A therapist as a result shows it (the attribute names of Therapist, so templates and serializers
    read either)."""

    id: int
    slug: str
    name: str
    practice_name: str | None
    credentials: list[str]
    license_number: str
    license_state: str
    accepting_new_clients: bool
    mobile: bool
    service_radius_mi: float | None
    price_min: int | None
    price_max: int | None
    phone: str | None
    is_sample: bool
    locations: tuple[CardLocation, ...]


_THERAPIST_NAMES = tuple(name for name in Card.__dataclass_fields__ if name != "locations")
_THERAPIST_COLUMNS = tuple(getattr(Therapist, name) for name in _THERAPIST_NAMES)
_LOCATION_COLUMNS = tuple(getattr(Location, name) for name in CardLocation.__dataclass_fields__)


def load_cards(ids: Iterable[int]) -> dict[int, Card]:
    """The cards of the therapists with these ids, their locations in the listing's order."""
    wanted = sorted(set(ids))
    if not wanted:
        return {}
    rows = db.session.execute(
        select(*_THERAPIST_COLUMNS, *_LOCATION_COLUMNS)
        .outerjoin(Location, Location.therapist_id == Therapist.id)
        .where(Therapist.id.in_(wanted))
        .order_by(Therapist.id, Location.position, Location.id)
    )
    columns = len(_THERAPIST_COLUMNS)
    found: dict[int, dict[str, Any]] = {}
    locations: dict[int, list[CardLocation]] = {}
    for row in rows:
        therapist_id = row[0]
        if therapist_id not in found:
            found[therapist_id] = dict(zip(_THERAPIST_NAMES, row[:columns]))
        if row[columns] is not None:
            locations.setdefault(therapist_id, []).append(CardLocation(*row[columns:]))
    return {i: Card(**therapist, locations=tuple(locations.get(i, ()))) for i, therapist in found.items()}
