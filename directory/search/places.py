"""Where a typed place is: `locate` asks the geocoder it is given and answers with a typed outcome, a place
found (with others of that name) or why not (not found, with close spellings; ambiguous, with candidates;
the geocoder did not answer). The search, the API and the listing form all look places up through it.
"""
from __future__ import annotations

from dataclasses import dataclass
from typing import Any, ClassVar, Protocol

from geopy.exc import GeopyError
from geopy.location import Location as GeoLocation

from directory import geo

# Network geocoders list one town several times; answers this close to an earlier one are the same place.
SAME_PLACE_KM = 10
MAX_CANDIDATES = 12
MAX_OTHERS = 5


class Suggester(Protocol):
    """Close spellings of a place name that was not found."""

    def suggest(self, query: str) -> list[str]: ...


@dataclass(frozen=True)
class Place:
    """A place as the geocoder named and placed it."""

    label: str
    latitude: float
    longitude: float

    @property
    def point(self) -> tuple[float, float]:
        """(latitude, longitude)."""
        return (self.latitude, self.longitude)


@dataclass(frozen=True)
class Located:
    """The place meant, and other places of that name (for "not the place you meant?")."""

    place: Place
    others: tuple[Place, ...] = ()


@dataclass(frozen=True)
class NotFound:
    """Nothing matches; `suggestions` are close spellings, `candidates` close places where a geocoder knows them."""

    kind: ClassVar[str] = "not_found"
    query: str
    suggestions: tuple[str, ...] = ()
    candidates: tuple[Place, ...] = ()

    @property
    def message(self) -> str:
        return (f"We couldn't find “{self.query}”. Try a ZIP code or City, ST (for example 33701 or "
                "St. Petersburg, FL).")


@dataclass(frozen=True)
class Ambiguous:
    """Several places match and none stands out: the person chooses."""

    kind: ClassVar[str] = "ambiguous"
    query: str
    candidates: tuple[Place, ...]

    @property
    def message(self) -> str:
        return f"“{self.query}” matches several places; add the state."


@dataclass(frozen=True)
class GeocoderDown:
    """The geocoder did not answer (a network geocoder timed out or refused)."""

    kind: ClassVar[str] = "geocoder_down"
    query: str

    @property
    def message(self) -> str:
        return (f"The location service did not answer for “{self.query}”. "
                "Please try again in a moment, or search by ZIP code.")


# Each says its `kind` (for templates and JSON) and has a `message` for the person who typed the place.
PlaceFailure = NotFound | Ambiguous | GeocoderDown


def locate(geocoder: Any, query: str, suggester: Suggester | None = None) -> Located | PlaceFailure:
    """Look a place up with `geocoder` (geopy's interface); `suggester` offers close spellings when nothing matches."""
    try:
        found = geocoder.geocode(query, exactly_one=False) or []
    except GeopyError:
        return GeocoderDown(query)
    found = _distinct(list(found))
    if not found:
        return NotFound(query, tuple(suggester.suggest(query)) if suggester is not None else ())
    places = [Place(location.address, location.latitude, location.longitude) for location in found]
    if geo.is_dominant(found):
        return Located(places[0], tuple(places[1:MAX_OTHERS + 1]))
    return Ambiguous(query, tuple(places[:MAX_CANDIDATES]))


def _distinct(found: list[GeoLocation]) -> list[GeoLocation]:
    distinct: list[GeoLocation] = []
    for location in found:
        point = (location.latitude, location.longitude)
        if all(geo.distance_km(point, (d.latitude, d.longitude)) > SAME_PLACE_KM for d in distinct):
            distinct.append(location)
    return distinct
