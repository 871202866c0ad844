"""The offline geocoder: what people type for a place, matched against the bundled gazetteer.

It reads ZIP and ZIP+4 codes, "Name, ST", "Name ST", "Name, State", "Neighbourhood, City[, ST]" and
street addresses before any of those. Every word of the query must be matched by one place (words
before it only when they read as a street); otherwise nothing is found, and `suggest` offers close
spellings, the same name in other states, and places named by some of the words.
"""
from __future__ import annotations

import re
import threading
from typing import Iterable

from geopy.location import Location
from rapidfuzz import fuzz, process

from directory.geo.distances import lambert_distance_km
from directory.geo.gazetteer import COMPLETIONS, Gazetteer, Place, ZipCode, reach_km
from directory.geo.names import (
    STATE_NAMES,
    expand,
    looks_like_street,
    name_key,
    raw_tokens,
    split_state,
    states_starting,
)

_ZIP_RE = re.compile(r"\b(\d{5})(?:-\d{4})?\s*$")
_ONLY_ZIP_RE = re.compile(r"^\s*(\d{5})(?:-\d{4})?\s*$")
_ZIP_PREFIX_RE = re.compile(r"^\s*(\d{1,5})(?:-\d{0,4})?\s*$")
# The most words a place name has ("North Roland Park Poplar Hill"); longer runs are not tried.
_MAX_NAME_WORDS = 6
# Longer queries are not misspelt place names; suggesting for them would only cost time.
_MAX_SUGGESTIBLE = 40
_FUZZY_CUTOFF = 80
# Places named by only some of the words are suggested only when they are towns, not hamlets.
_PARTIAL_MIN_POPULATION = 1000
# A state's name typed alone means the state, unless a city this big has that name ("New York", "Washington").
_CITY_OVER_STATE_POPULATION = 100_000


def place_location(place: Place, query: str, street: str = "") -> Location:
    """A geopy Location for a place of the gazetteer (or a street in it)."""
    raw = {"kind": "address" if street else place.kind, "city": place.name, "state": place.state,
           "population": place.population, "query": query}
    address = f"{street}, {place.label}" if street else place.label
    return Location(address, place.point, raw)


def zip_location(record: ZipCode, query: str, street: str = "") -> Location:
    """A geopy Location for a ZIP code's centre (or a street in it)."""
    raw = {"kind": "address" if street else "zip", "city": record.place.name, "state": record.place.state,
           "postal_code": record.code, "query": query}
    address = f"{street}, {record.label}" if street else record.label
    return Location(address, (record.latitude, record.longitude), raw)


class OfflineGeocoder:
    """A geopy-style geocoder answering from the bundled gazetteer; it never uses the network.

    A street address is placed at its ZIP code's centre, or at its place's centre when it has no ZIP.
    The gazetteer is loaded on first use (or by `load`), once, and then only read.
    """

    def __init__(self, gazetteer: Gazetteer | None = None):
        self._gazetteer = gazetteer
        self._loading = threading.Lock()

    @property
    def gazetteer(self) -> Gazetteer:
        """The place index, loaded from the compiled file the first time it is needed."""
        if self._gazetteer is None:
            with self._loading:
                if self._gazetteer is None:
                    self._gazetteer = Gazetteer.load()
        return self._gazetteer

    def load(self) -> "OfflineGeocoder":
        """Load the place index now (before gunicorn forks its workers, so they share it)."""
        _ = self.gazetteer
        return self

    def geocode(self, query: str, exactly_one: bool = True, timeout: float | None = None):
        """Return a Location (or a list of them, most populous first), or None when nothing matches."""
        matches = self._lookup(" ".join(query.split()))
        if not matches:
            return None
        return matches[0] if exactly_one else matches

    # --- Matching ------------------------------------------------------------------------------------

    def _lookup(self, query: str) -> list[Location]:
        gazetteer = self.gazetteer
        only_zip = _ONLY_ZIP_RE.match(query)
        if only_zip:
            record = gazetteer.zip_code(only_zip.group(1))
            return [zip_location(record, query)] if record else []
        trailing_zip = _ZIP_RE.search(query)
        if trailing_zip:
            record = gazetteer.zip_code(trailing_zip.group(1))
            if record:
                before_zip = query[: trailing_zip.start()]
                return [zip_location(record, query, self._street_before_place(before_zip, record.place.state))]
        raw = raw_tokens(query)
        state, rest = split_state(raw)
        found = self._match(query, rest, expand(rest), state) if state and rest else []
        # No state given, or the "state" was part of a name (or the whole query is a state's name, like
        # "New York"): any state.
        return found or self._match(query, raw, expand(raw), None)

    def _match(self, query: str, raw: tuple[str, ...], tokens: tuple[str, ...], state: str | None) -> list[Location]:
        """Places named by all of `tokens`, or by all of them after words that read as a street."""
        for start in range(len(tokens)):
            if start and not looks_like_street(raw[:start]):
                continue
            places = self._places(tokens[start:], state)
            if places:
                street = _street_prefix(query, start)
                return [place_location(place, query, street) for place in places]
        return []

    def _places(self, tokens: tuple[str, ...], state: str | None) -> list[Place]:
        """The places named `tokens` (as "Name" or "Neighbourhood City"), most populous first."""
        if len(tokens) > 2 * _MAX_NAME_WORDS:
            return []
        named = self._named(tokens, state)
        if named:
            return named
        for split in range(1, len(tokens)):
            found = self._neighbourhoods(tokens[:split], tokens[split:], state)
            if found:
                return found
        return []

    def _named(self, tokens: Iterable[str], state: str | None) -> list[Place]:
        tokens = tuple(tokens)
        if not tokens or len(tokens) > _MAX_NAME_WORDS:
            return []
        places = [self.gazetteer.place(i) for i in self.gazetteer.named("".join(tokens))]
        return [p for p in places if state is None or p.state == state]

    def _neighbourhoods(self, part: tuple[str, ...], city: tuple[str, ...], state: str | None) -> list[Place]:
        """Places named `part` within the reach of a city named `city` (in its state)."""
        cities = self._named(city, state)
        if not cities:
            return []
        found = [
            place for place in self._named(part, state)
            if any(place.state == c.state and lambert_distance_km(place.point, c.point) <= reach_km(c.population)
                   for c in cities if c.id != place.id)
        ]
        return found

    def _street_before_place(self, text: str, zip_state: str) -> str:
        """The street part of "street, place, ST" typed before a ZIP code."""
        state, rest = split_state(raw_tokens(text))
        words = expand(rest)
        for start in range(len(words)):
            if self._places(words[start:], state or zip_state):
                return _street_prefix(text, start)
        return _street_prefix(text, len(words))

    # --- Suggestions ----------------------------------------------------------------------------------

    def suggest(self, query: str, limit: int = 5) -> list[Location]:
        """Places the person may have meant by a query that matched none, most likely first."""
        raw = raw_tokens(query)
        state, rest = split_state(raw)
        words = expand(rest or raw)
        if not words or len(" ".join(words)) > _MAX_SUGGESTIBLE:
            return []
        found: list[Place] = []
        found += self._partial(words, state)
        found += self._close_spellings(words, state)
        if state:
            found += [p for p in self._named(words, None) if p.state != state]
        unique = list({place.id: place for place in found}.values())
        return [place_location(place, place.label) for place in unique[:limit]]

    def whole_state(self, query: str, limit: int = 6) -> tuple[str, list[Location]] | None:
        """When `query` is only a state ("FL", "Florida"), the state's name and its `limit` largest places."""
        raw = raw_tokens(query)
        state, rest = split_state(raw)
        if state is None or rest:
            return None
        if any(place.population >= _CITY_OVER_STATE_POPULATION for place in self._named(expand(raw), None)):
            return None
        largest = [self.gazetteer.place(i) for i in self.gazetteer.largest_in_state(state, limit)]
        return STATE_NAMES[state], [place_location(place, place.label) for place in largest]

    def _partial(self, words: tuple[str, ...], state: str | None) -> list[Place]:
        """Towns named by some of the words ("Tampa Bay": Tampa), largest first."""
        runs = {words[i:j] for i in range(len(words)) for j in range(i + 1, len(words) + 1)} - {words}
        places = [p for run in runs for p in self._places(run, state) if p.population >= _PARTIAL_MIN_POPULATION]
        return sorted(places, key=lambda p: (-p.population, p.id))

    def _close_spellings(self, words: tuple[str, ...], state: str | None) -> list[Place]:
        """Places whose names are spelt almost like the words (or their last few)."""
        keys = self.gazetteer.keys(state)
        scores: dict[str, float] = {}
        for size in range(min(len(words), 3), 0, -1):
            wanted = "".join(words[-size:])
            for key, score, _ in process.extract(wanted, keys, scorer=fuzz.ratio, limit=5, score_cutoff=_FUZZY_CUTOFF):
                scores[key] = max(score, scores.get(key, 0))
        ranked = sorted(scores, key=lambda key: -scores[key])
        return [place for key in ranked for place in self._named((key,), state)]

    # --- Type-ahead -----------------------------------------------------------------------------------

    def complete(self, text: str, limit: int = COMPLETIONS) -> list[Location]:
        """Up to `limit` places whose names start with `text` (a ZIP code's first digits, or "Name[, ST]")."""
        gazetteer = self.gazetteer
        text = " ".join(text.split())
        zip_prefix = _ZIP_PREFIX_RE.match(text)
        if zip_prefix:
            return [zip_location(record, text) for record in gazetteer.zip_codes_starting(zip_prefix.group(1), limit)]
        name, comma, qualifier = text.partition(",")
        raw = raw_tokens(name)
        if not raw:
            return []
        # A word still being typed may be the start of a longer one ("St" of "Stamford"): try it as typed too.
        words_done = bool(comma) or name.endswith(" ")
        prefixes = ["".join(expand(raw))]
        if not words_done:
            prefixes.append("".join(expand(raw[:-1])) + raw[-1])
        ids: list[int] = []
        within = name_key(qualifier)
        if not comma:
            state, rest = split_state(raw)
            if state and rest:
                ids += gazetteer.largest_starting("".join(expand(rest)), limit, states=frozenset([state]))
        for prefix in dict.fromkeys(prefixes):
            if within:
                ids += gazetteer.largest_starting(prefix, limit, states=states_starting(within), city_prefix=within)
            else:
                ids += gazetteer.largest_starting(prefix, limit)
        places = sorted((gazetteer.place(i) for i in set(ids)), key=lambda p: (-p.population, p.label))
        return [place_location(place, text) for place in places[:limit]]


def _street_prefix(query: str, token_count: int) -> str:
    """The first `token_count` words of the query, given back as typed (a street part)."""
    if token_count <= 0:
        return ""
    words = query.replace(",", " , ").split()
    kept: list[str] = []
    seen = 0
    for word in words:
        seen += len(raw_tokens(word))
        kept.append(word)
        if seen >= token_count:
            break
    return " ".join(kept).replace(" ,", ",").strip(" ,")
