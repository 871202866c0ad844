"""Where a typed place is: `locate` asks the geocoder it is given and answers with a typed outcome, a place
found (with others of that name) or why not (not found, with the places it may mean; ambiguous, with
candidates; only a state, with its largest places; the geocoder did not answer). The search, the API and the listing form all look places up
through it.
"""
from __future__ import annotations

from dataclasses import dataclass
from typing import Any, ClassVar, Protocol

from geopy.exc import GeopyError
from geopy.location import Location as GeoLocation

from directory.geo.geocoders import distinct_places, is_dominant

MAX_CANDIDATES = 12
MAX_OTHERS = 5


class Suggester(Protocol):
    """The places a query that matched none may mean (close spellings, the name in other states...)."""

    def suggest(self, query: str) -> list[GeoLocation]: ...

    def whole_state(self, query: str) -> tuple[str, list[GeoLocation]] | None:
        """When the query is only a state, its name and its largest places."""


@dataclass(frozen=True)
class Place:
    """A place as the geocoder named and placed it."""

    label: str
    latitude: float
    longitude: float
    kind: str = "place"  # zip, city, neighbourhood or address; "place" from a geocoder that does not say

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
    """Nothing matches; `candidates` are the places the query may mean ("Did you mean"), most likely first."""

    kind: ClassVar[str] = "not_found"
    query: str
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
class WholeState:
    """Only a state was typed: the person is asked for a city or ZIP code in it; `candidates` are its largest places."""

    kind: ClassVar[str] = "whole_state"
    query: str
    state: str
    candidates: tuple[Place, ...] = ()

    @property
    def message(self) -> str:
        return f"“{self.query}” is the whole of {self.state}. Please add a city, town or ZIP code in {self.state}."


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
PlaceFailure = NotFound | Ambiguous | WholeState | GeocoderDown


def locate(geocoder: Any, query: str, suggester: Suggester | None = None) -> Located | PlaceFailure:
    """Look a place up with `geocoder` (geopy's interface); `suggester` offers the places it may mean when
    nothing matches, and asks for a place in a state typed alone."""
    state = suggester.whole_state(query) if suggester is not None else None
    if state is not None:
        name, largest = state
        return WholeState(query, name, tuple(place_from(place) for place in largest))
    try:
        found = geocoder.geocode(query, exactly_one=False) or []
    except GeopyError:
        return GeocoderDown(query)
    found = distinct_places(list(found))
    if not found:
        return NotFound(query, tuple(place_from(s) for s in suggester.suggest(query)) if suggester is not None else ())
    places = [place_from(location) for location in found]
    if is_dominant(found):
        return Located(places[0], tuple(places[1:MAX_OTHERS + 1]))
    return Ambiguous(query, tuple(places[:MAX_CANDIDATES]))


def place_from(location: GeoLocation) -> Place:
    """A geocoder's answer as a Place."""
    return Place(location.address, location.latitude, location.longitude, location.raw.get("kind", "place"))
