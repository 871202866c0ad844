"""Geocoding and distances on geopy.

The default geocoder is offline: it answers from US ZIP code data (from the `zipcodes` package,
compiled into the small table directory/data/places.json.gz), so location search needs no network. Any geopy geocoder (e.g.
Nominatim) can be used instead; `build_geocoder` wraps it with a timeout and a cache.
No Flask import here: the geocoder is passed in by whoever needs it.
"""
from __future__ import annotations

import difflib
import gzip
import json
import math
import re
import statistics
import unicodedata
from collections import Counter, defaultdict
from dataclasses import dataclass
from functools import cache
from pathlib import Path
from typing import Any, Callable, Protocol

import zipcodes
from geopy.distance import geodesic
from geopy.geocoders import get_geocoder_for_service
from geopy.location import Location

KM_PER_MILE = 1.609344
UNITS = ("mi", "km")

STATE_NAMES = {
    "AL": "Alabama", "AK": "Alaska", "AZ": "Arizona", "AR": "Arkansas", "CA": "California",
    "CO": "Colorado", "CT": "Connecticut", "DE": "Delaware", "DC": "District of Columbia",
    "FL": "Florida", "GA": "Georgia", "HI": "Hawaii", "ID": "Idaho", "IL": "Illinois",
    "IN": "Indiana", "IA": "Iowa", "KS": "Kansas", "KY": "Kentucky", "LA": "Louisiana",
    "ME": "Maine", "MD": "Maryland", "MA": "Massachusetts", "MI": "Michigan", "MN": "Minnesota",
    "MS": "Mississippi", "MO": "Missouri", "MT": "Montana", "NE": "Nebraska", "NV": "Nevada",
    "NH": "New Hampshire", "NJ": "New Jersey", "NM": "New Mexico", "NY": "New York",
    "NC": "North Carolina", "ND": "North Dakota", "OH": "Ohio", "OK": "Oklahoma", "OR": "Oregon",
    "PA": "Pennsylvania", "RI": "Rhode Island", "SC": "South Carolina", "SD": "South Dakota",
    "TN": "Tennessee", "TX": "Texas", "UT": "Utah", "VT": "Vermont", "VA": "Virginia",
    "WA": "Washington", "WV": "West Virginia", "WI": "Wisconsin", "WY": "Wyoming",
    "PR": "Puerto Rico", "VI": "Virgin Islands", "GU": "Guam", "AS": "American Samoa",
    "MP": "Northern Mariana Islands",
}

# Abbreviations people type in place names, expanded the same way on both sides of a lookup.
_TOKEN_EXPANSIONS = {
    "st": "saint", "ste": "sainte", "ft": "fort", "mt": "mount", "mtn": "mountain",
    "pt": "point", "hts": "heights", "spgs": "springs", "spg": "spring", "n": "north",
    "s": "south", "e": "east", "w": "west", "twp": "township", "vlg": "village",
}
_ZIP_RE = re.compile(r"\b(\d{5})(?:-\d{4})?\s*$")
_NON_ALNUM_RE = re.compile(r"[^a-z0-9]+")
_ONLY_ZIP_RE = re.compile(r"^\s*(\d{5})(?:-\d{4})?\s*$")
# When one place of a name has this many times the ZIP codes of the next, it is the one meant.
_DOMINANCE = 5
# Longer "places" are not misspelt city names; suggesting for them would only cost time.
_MAX_SUGGESTIBLE = 40


def normalize_tokens(text: str) -> list[str]:
    """Lower-case, accent- and punctuation-free tokens with common abbreviations expanded."""
    return list(_normalized(text))


@cache
def _normalized(text: str) -> tuple[str, ...]:
    if not text.isascii():
        text = unicodedata.normalize("NFKD", text)
        text = "".join(c for c in text if not unicodedata.combining(c))
    text = _NON_ALNUM_RE.sub(" ", text.lower())
    return tuple(_TOKEN_EXPANSIONS.get(token, token) for token in text.split())


def _key(text: str) -> str:
    return " ".join(_normalized(text))


def _state_keys() -> dict[tuple[str, ...], str]:
    keys: dict[tuple[str, ...], str] = {}
    for abbreviation, name in STATE_NAMES.items():
        keys[(abbreviation.lower(),)] = abbreviation
        keys[tuple(normalize_tokens(name))] = abbreviation
    return keys


_STATE_KEYS = _state_keys()


@dataclass(frozen=True, slots=True)
class _City:
    name: str
    state: str
    latitude: float
    longitude: float
    zip_count: int


@dataclass(frozen=True, slots=True)
class _Zip:
    code: str
    city: str
    state: str
    latitude: float
    longitude: float


@dataclass(frozen=True)
class _ZipIndex:
    by_zip: dict[str, _Zip]
    cities: dict[tuple[str, str], _City]
    states_by_city: dict[str, list[str]]
    names_by_state: dict[str, list[str]]

    def city(self, name: str, state: str) -> _City | None:
        """The city of a normalized name in a state."""
        return self.cities.get((name, state))


PLACES_FILE = Path(__file__).resolve().parent / "data" / "places.json.gz"


def compile_places() -> dict[str, list[list[Any]]]:
    """The compact place table (ZIPs and cities) computed from the `zipcodes` package's data.

    Cities are keyed by their normalized name and centred on the median of their ZIP centres.
    """
    zips: list[list[Any]] = []
    points: dict[tuple[str, str], list[tuple[float, float]]] = defaultdict(list)
    names: dict[tuple[str, str], Counter] = defaultdict(Counter)
    for record in zipcodes.filter_by(active=True):
        if not record.get("lat"):
            continue
        state = record["state"]
        point = (float(record["lat"]), float(record["long"]))
        zips.append([record["zip_code"], record["city"], state, *point])
        primary = _key(record["city"])
        for alias in [record["city"], *record.get("acceptable_cities", [])]:
            key = (_key(alias), state)
            # PO-box ZIPs repeat a post office's coordinates; count them only for naming.
            if record["zip_code_type"] == "STANDARD" or not points[key]:
                points[key].append(point)
            names[key][record["city"] if primary == key[0] else alias] += 1
    cities = [
        [name, names[(name, state)].most_common(1)[0][0], state,
         round(statistics.median(p[0] for p in pts), 6), round(statistics.median(p[1] for p in pts), 6), len(pts)]
        for (name, state), pts in sorted(points.items())
    ]
    return {"zips": sorted(zips), "cities": cities}


def write_places(path: Path = PLACES_FILE) -> None:
    """Regenerate the bundled place table (after upgrading the `zipcodes` package)."""
    path.parent.mkdir(parents=True, exist_ok=True)
    raw = json.dumps(compile_places(), ensure_ascii=False, separators=(",", ":")).encode("utf-8")
    # mtime=0 keeps the file byte-for-byte reproducible.
    path.write_bytes(gzip.compress(raw, compresslevel=9, mtime=0))


@cache
def _zip_index() -> _ZipIndex:
    """Load the bundled place table once; it is small so that every web worker can afford it."""
    places = json.loads(gzip.decompress(PLACES_FILE.read_bytes()))
    by_zip = {code: _Zip(code, city, state, lat, lon) for code, city, state, lat, lon in places["zips"]}
    cities: dict[tuple[str, str], _City] = {}
    states_by_city: dict[str, list[str]] = defaultdict(list)
    names_by_state: dict[str, list[str]] = defaultdict(list)
    for key, name, state, lat, lon, zip_count in places["cities"]:
        cities[(key, state)] = _City(name, state, lat, lon, zip_count)
        states_by_city[key].append(state)
        names_by_state[state].append(key)
    return _ZipIndex(by_zip, cities, dict(states_by_city), dict(names_by_state))


def _city_location(city: _City, query: str, street: str = "") -> Location:
    label = f"{city.name}, {city.state}"
    raw = {
        "kind": "address" if street else "city",
        "city": city.name,
        "state": city.state,
        "zip_count": city.zip_count,
        "query": query,
    }
    address = f"{street}, {label}" if street else label
    return Location(address, (city.latitude, city.longitude), raw)


def _zip_location(record: _Zip, query: str, street: str = "") -> Location:
    label = f"{record.city}, {record.state} {record.code}"
    raw = {
        "kind": "address" if street else "zip",
        "city": record.city,
        "state": record.state,
        "postal_code": record.code,
        "query": query,
    }
    address = f"{street}, {label}" if street else label
    return Location(address, (record.latitude, record.longitude), raw)


class OfflineGeocoder:
    """A geopy-style geocoder answering from bundled US ZIP data: ZIPs, "City, ST" and street addresses.

    A street address is placed at its ZIP code's centre, or at its city's centre when it has no ZIP.
    """

    def geocode(self, query: str, exactly_one: bool = True, timeout: float | None = None):
        """Return a Location (or a list of them, most likely first), or None when nothing matches."""
        matches = self._lookup(query)
        if not matches:
            return None
        return matches[0] if exactly_one else matches

    def suggest(self, query: str, limit: int = 5) -> list[str]:
        """Close spellings of a place that was not found, as "City, ST" strings."""
        index = _zip_index()
        tokens = normalize_tokens(query)
        state, rest = _split_state(tokens)
        wanted = " ".join(rest or tokens)
        if not wanted or len(wanted) > _MAX_SUGGESTIBLE:
            return []
        names = index.names_by_state.get(state, []) if state else index.states_by_city
        # Only names of about the same length and first letter can be close; this keeps lookups fast.
        pool = [n for n in names if n[:1] == wanted[:1] and abs(len(n) - len(wanted)) <= 3]
        found = difflib.get_close_matches(wanted, pool, n=limit, cutoff=0.75)
        suggestions: list[str] = []
        for name in found:
            for city_state in ([state] if state else index.states_by_city[name]):
                city = index.city(name, city_state)
                label = f"{city.name}, {city.state}"
                if label not in suggestions:
                    suggestions.append(label)
        return suggestions[:limit]

    def _lookup(self, query: str) -> list[Location]:
        index = _zip_index()
        query = " ".join(query.split())
        only_zip = _ONLY_ZIP_RE.match(query)
        if only_zip:
            record = index.by_zip.get(only_zip.group(1))
            return [_zip_location(record, query)] if record else []
        trailing_zip = _ZIP_RE.search(query)
        if trailing_zip and trailing_zip.group(1) in index.by_zip:
            record = index.by_zip[trailing_zip.group(1)]
            before_zip = query[: trailing_zip.start()]
            return [_zip_location(record, query, _street_before_city(before_zip, record.state))]
        tokens = normalize_tokens(query)
        state, rest = _split_state(tokens)
        if state and rest:
            for size in range(min(len(rest), 6), 0, -1):
                city = index.city(" ".join(rest[-size:]), state)
                if city:
                    return [_city_location(city, query, _street_prefix(query, len(rest) - size))]
            return []
        # No state given (or the whole query is a state's name, like "New York"): any state.
        for size in range(min(len(tokens), 6), 0, -1):
            name = " ".join(tokens[-size:])
            states = index.states_by_city.get(name)
            if states:
                street = _street_prefix(query, len(tokens) - size)
                found = sorted(
                    (index.city(name, s) for s in states), key=lambda c: (-c.zip_count, c.state)
                )
                return [_city_location(city, query, street) for city in found]
        return []


def _split_state(tokens: list[str]) -> tuple[str | None, list[str]]:
    """Split a trailing state (abbreviation or full name) off normalized tokens."""
    for size in (3, 2, 1):
        if len(tokens) >= size:
            state = _STATE_KEYS.get(tuple(tokens[-size:]))
            if state:
                return state, tokens[:-size]
    return None, tokens


def _street_prefix(query: str, token_count: int) -> str:
    """The first `token_count` normalized tokens of the query, given back as typed (a street part)."""
    if token_count <= 0:
        return ""
    words = query.replace(",", " , ").split()
    kept: list[str] = []
    seen = 0
    for word in words:
        seen += len(normalize_tokens(word))
        kept.append(word)
        if seen >= token_count:
            break
    return _street_part(" ".join(kept).replace(" ,", ","))


def _street_part(text: str) -> str:
    return text.strip(" ,")


def _street_before_city(text: str, zip_state: str) -> str:
    """The street part of "street, city, ST" typed before a ZIP code."""
    tokens = normalize_tokens(text)
    state, rest = _split_state(tokens)
    cities = _zip_index().cities
    for size in range(min(len(rest), 6), 0, -1):
        if (" ".join(rest[-size:]), state or zip_state) in cities:
            return _street_prefix(text, len(rest) - size)
    return _street_prefix(text, len(rest))


def is_dominant(candidates: list[Location]) -> bool:
    """Whether the first of several same-named places is clearly the one meant (by ZIP code count)."""
    if len(candidates) < 2:
        return True
    first = candidates[0].raw.get("zip_count")
    second = candidates[1].raw.get("zip_count")
    if first is None or second is None:
        return False
    return first >= _DOMINANCE * second


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
            Location(item["address"], (item["latitude"], item["longitude"]), {"kind": "network"})
            for item in stored
        ]
        if not locations:
            return None
        return locations[0] if exactly_one else locations


def build_geocoder(name: str, user_agent: str, timeout: float, cache_store: GeocodeCache | None = None):
    """The geocoder named in configuration: "offline", or any geopy service name ("nominatim", ...)."""
    if name == "offline":
        return OfflineGeocoder()
    service = get_geocoder_for_service(name)(user_agent=user_agent, timeout=timeout)
    return CachingGeocoder(service, cache_store) if cache_store is not None else service


def to_km(value: float, unit: str) -> float:
    """Convert a distance in `unit` (mi or km) to kilometres."""
    return value * KM_PER_MILE if unit == "mi" else value


def from_km(value_km: float, unit: str) -> float:
    """Convert kilometres to `unit` (mi or km)."""
    return value_km / KM_PER_MILE if unit == "mi" else value_km


def distance_km(a: tuple[float, float], b: tuple[float, float]) -> float:
    """Geodesic (WGS-84) distance between two (lat, lon) points in kilometres."""
    return geodesic(a, b).km


_WGS84_A_KM = 6378.137
_WGS84_F = 1 / 298.257223563
# Lambert's formula stays within 2.5e-5 of the geodesic over the whole globe (measured against
# geopy); four times that is the margin inside which the geodesic itself decides.
LAMBERT_TOLERANCE = 1e-4


def lambert_distance_km(a: tuple[float, float], b: tuple[float, float]) -> float:
    """Lambert's ellipsoidal distance in km: within LAMBERT_TOLERANCE of the geodesic and some 40 times faster."""
    return lambert_from(a)(*b)


def lambert_from(a: tuple[float, float]) -> Callable[[float, float], float]:
    """Lambert's distance in km from `a` to (latitude, longitude), with `a`'s terms worked out once for many calls."""
    beta1 = math.atan((1 - _WGS84_F) * math.tan(math.radians(a[0])))
    cos_beta1 = math.cos(beta1)
    lon1 = a[1]

    def distance_to(lat: float, lon: float) -> float:
        beta2 = math.atan((1 - _WGS84_F) * math.tan(math.radians(lat)))
        half_sum, half_difference = (beta1 + beta2) / 2, (beta2 - beta1) / 2
        haversine = math.sin(half_difference) ** 2 + cos_beta1 * math.cos(beta2) * math.sin(math.radians(lon - lon1) / 2) ** 2
        if haversine == 0:
            return 0.0
        sigma = 2 * math.asin(math.sqrt(min(1.0, haversine)))
        x = (sigma - math.sin(sigma)) * math.sin(half_sum) ** 2 * math.cos(half_difference) ** 2 / math.cos(sigma / 2) ** 2
        y = (sigma + math.sin(sigma)) * math.cos(half_sum) ** 2 * math.sin(half_difference) ** 2 / math.sin(sigma / 2) ** 2
        return _WGS84_A_KM * (sigma - _WGS84_F / 2 * (x + y))

    return distance_to


def is_within_km(a: tuple[float, float], b: tuple[float, float], limit_km: float, lambert_km: float) -> bool:
    """Whether b is within limit_km of a: Lambert's distance decides unless it is too close to call, then the geodesic."""
    if abs(lambert_km - limit_km) > LAMBERT_TOLERANCE * limit_km:
        return lambert_km <= limit_km
    return distance_km(a, b) <= limit_km


# Slightly short degree lengths make the box a little too big, never too small.
_KM_PER_DEGREE_LAT = 110.5
_KM_PER_DEGREE_LON_EQUATOR = 111.0
_BOX_MARGIN = 1.01


# The longest a degree gets on the ellipsoid makes the inscribed box a little too small, never too big.
_MAX_KM_PER_DEGREE = 111.7
_INSCRIBED_MARGIN = 0.99


def inscribed_half_sides(lat: float, radius_km: float) -> tuple[float, float]:
    """Half the height and width in degrees of a box centred at `lat` inside the circle (none near a pole)."""
    half_side = radius_km / math.sqrt(2) * _INSCRIBED_MARGIN
    dlat = half_side / _MAX_KM_PER_DEGREE
    min_lat, max_lat = lat - dlat, lat + dlat
    if max(abs(min_lat), abs(max_lat)) >= 89.0:
        return (0.0, 0.0)
    nearest_equator = 0.0 if min_lat <= 0 <= max_lat else min(abs(min_lat), abs(max_lat))
    return (dlat, half_side / (_MAX_KM_PER_DEGREE * math.cos(math.radians(nearest_equator))))


def inscribed_box(lat: float, lon: float, radius_km: float) -> tuple[float, float, float, float]:
    """A (min_lat, max_lat, min_lon, max_lon) box inside the circle (cut at the antimeridian, the centre alone near a pole)."""
    dlat, dlon = inscribed_half_sides(lat, radius_km)
    return (lat - dlat, lat + dlat, max(-180.0, lon - dlon), min(180.0, lon + dlon))


def bounding_boxes(lat: float, lon: float, radius_km: float) -> list[tuple[float, float, float, float]]:
    """(min_lat, max_lat, min_lon, max_lon) boxes that contain every point within radius_km.

    More than one box when the circle crosses the antimeridian.
    """
    dlat = radius_km * _BOX_MARGIN / _KM_PER_DEGREE_LAT
    min_lat, max_lat = max(-90.0, lat - dlat), min(90.0, lat + dlat)
    widest = max(abs(min_lat), abs(max_lat))
    if widest >= 89.0:
        return [(min_lat, max_lat, -180.0, 180.0)]
    dlon = radius_km * _BOX_MARGIN / (_KM_PER_DEGREE_LON_EQUATOR * math.cos(math.radians(widest)))
    if dlon >= 180.0:
        return [(min_lat, max_lat, -180.0, 180.0)]
    west, east = lon - dlon, lon + dlon
    if west < -180.0:
        return [(min_lat, max_lat, -180.0, east), (min_lat, max_lat, west + 360.0, 180.0)]
    if east > 180.0:
        return [(min_lat, max_lat, west, 180.0), (min_lat, max_lat, -180.0, east - 360.0)]
    return [(min_lat, max_lat, west, east)]
