"""Choosing a geocoder: the one shared offline geocoder, a network one behind a cache, and which of
several same-named answers is clearly the one meant.

No Flask import here: the geocoder is built from configuration and passed in by whoever needs it.
"""
from __future__ import annotations

from functools import cache
from typing import Any, Protocol

from geopy.geocoders import get_geocoder_for_service
from geopy.location import Location

from directory.geo.distances import distance_km
from directory.geo.names import normalize_tokens
from directory.geo.offline import OfflineGeocoder

# When one place of a name has this many times the people of the next, it is the one meant.
DOMINANCE = 5
# Answers closer together than this are one place (network geocoders list a town several times).
SAME_PLACE_KM = 10


@cache
def offline_geocoder() -> OfflineGeocoder:
    """The process's one offline geocoder; its index loads once, and gunicorn loads it before forking."""
    return OfflineGeocoder()


def distinct_places(found: list[Location]) -> list[Location]:
    """Drop answers within SAME_PLACE_KM of an earlier (more likely) one."""
    distinct: list[Location] = []
    for location in found:
        point = (location.latitude, location.longitude)
        if all(distance_km(point, (d.latitude, d.longitude)) > SAME_PLACE_KM for d in distinct):
            distinct.append(location)
    return distinct


def is_dominant(candidates: list[Location]) -> bool:
    """Whether the first of several same-named places is clearly the one meant (by population)."""
    if len(candidates) < 2:
        return True
    first = candidates[0].raw.get("population")
    second = candidates[1].raw.get("population")
    if first is None or second is None:
        return False
    return first > 0 and first >= DOMINANCE * second


class GeocodeCache(Protocol):
    """Storage for network geocoder answers, so a place is looked up once."""

    def get(self, key: str) -> list[dict[str, Any]] | None: ...

    def set(self, key: str, value: list[dict[str, Any]]) -> None: ...


class CachingGeocoder:
    """Wraps a network geocoder: answers from the cache when it can, and stores what it fetched."""

    def __init__(self, geocoder: Any, cache_store: GeocodeCache):
        self.geocoder = geocoder
        self.cache = cache_store

    def geocode(self, query: str, exactly_one: bool = True, timeout: float | None = None):
        """Same contract as geopy's `geocode`; the network is asked only on a cache miss."""
        key = " ".join(normalize_tokens(query))
        stored = self.cache.get(key)
        if stored is None:
            found = self.geocoder.geocode(query, exactly_one=False, timeout=timeout) or []
            stored = [
                {"address": loc.address, "latitude": loc.latitude, "longitude": loc.longitude}
                for loc in found
            ]
            self.cache.set(key, stored)
        locations = [
            Location(item["address"], (item["latitude"], item["longitude"]), {"kind": "place"})
            for item in stored
        ]
        if not locations:
            return None
        return locations[0] if exactly_one else locations


def build_geocoder(name: str, user_agent: str, timeout: float, cache_store: GeocodeCache | None = None):
    """The geocoder named in configuration: "offline", or any geopy service name ("nominatim", ...)."""
    if name == "offline":
        return offline_geocoder()
    service = get_geocoder_for_service(name)(user_agent=user_agent, timeout=timeout)
    return CachingGeocoder(service, cache_store) if cache_store is not None else service
