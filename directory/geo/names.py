"""What people type for a place: normalized words, state names and abbreviations, street words.

Both sides of a lookup go through `normalize_tokens`, so case, accents, apostrophes, ʻokina and
hyphens never matter, and "St."/"Saint", "Ft."/"Fort", "Mt."/"Mount" are the same word.
"""
from __future__ import annotations

import re
import unicodedata
from functools import cache

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
TOKEN_EXPANSIONS = {
    "st": "saint", "ste": "sainte", "ft": "fort", "mt": "mount", "mtn": "mountain",
    "pt": "point", "hts": "heights", "hgts": "heights", "n": "north", "s": "south", "e": "east", "w": "west",
    "twp": "township", "vlg": "village",
    # The Postal Service's short forms in city names ("Lk Nebagamon", "Mountlake Ter").
    "spgs": "springs", "spg": "spring", "bch": "beach", "ctr": "center", "lk": "lake", "vly": "valley",
    "pk": "park", "hls": "hills", "hl": "hill", "sta": "station", "jct": "junction", "fls": "falls",
    "cty": "city", "mls": "mills", "crk": "creek", "grv": "grove", "hbr": "harbor", "isl": "island",
    "ter": "terrace", "wds": "woods", "frst": "forest", "gdns": "gardens", "mdws": "meadows", "rdg": "ridge",
    "shrs": "shores", "cyn": "canyon",
}

# Words that make the words before a place a street address rather than part of a place name
# (checked before abbreviations are expanded: "Main St" is a street, "St. Louis" a city).
STREET_WORDS = frozenset(
    "street st avenue ave av road rd boulevard blvd drive dr lane ln way court ct place pl terrace ter "
    "highway hwy parkway pkwy circle cir trail trl suite ste apt unit floor fl po box route rte square sq "
    "plaza pike freeway fwy expressway expy loop row alley building bldg tower center centre mall office "
    "clinic hospital".split()
)

# Apostrophes and ʻokina join the letters around them ("Kapaʻa" is "Kapaa"); other punctuation separates words.
_JOINING_MARKS_RE = re.compile(r"['’‘ʻʼ`´]")
_NON_ALNUM_RE = re.compile(r"[^a-z0-9]+")


@cache
def raw_tokens(text: str) -> tuple[str, ...]:
    """Lower-case, accent-free words, apostrophes and ʻokina dropped, before abbreviations are expanded."""
    text = _JOINING_MARKS_RE.sub("", text)
    if not text.isascii():
        text = "".join(c for c in unicodedata.normalize("NFKD", text) if not unicodedata.combining(c))
    return tuple(_NON_ALNUM_RE.sub(" ", text.lower()).split())


def normalize_tokens(text: str) -> tuple[str, ...]:
    """The words of `text` as lookups compare them: `raw_tokens` with common abbreviations expanded."""
    return expand(raw_tokens(text))


def expand(tokens: tuple[str, ...]) -> tuple[str, ...]:
    """Common abbreviations expanded, one word for one word."""
    return tuple(TOKEN_EXPANSIONS.get(token, token) for token in tokens)


def name_key(text: str) -> str:
    """The lookup key of a place name: its normalized words run together ("LaPlace" = "La Place")."""
    return "".join(normalize_tokens(text))


def _state_keys() -> dict[tuple[str, ...], str]:
    keys: dict[tuple[str, ...], str] = {}
    for abbreviation, name in STATE_NAMES.items():
        keys[(abbreviation.lower(),)] = abbreviation
        keys[raw_tokens(name)] = abbreviation
    return keys


_STATE_KEYS = _state_keys()


def split_state(tokens: tuple[str, ...]) -> tuple[str | None, tuple[str, ...]]:
    """Split a trailing state (abbreviation or full name) off raw tokens (before "MT" could become "Mount")."""
    for size in (3, 2, 1):
        if len(tokens) >= size:
            state = _STATE_KEYS.get(tokens[-size:])
            if state:
                return state, tokens[:-size]
    return None, tokens


def states_starting(prefix: str) -> frozenset[str]:
    """The states whose abbreviation or run-together name starts with `prefix` (a name key)."""
    return frozenset(
        abbreviation for abbreviation, name in STATE_NAMES.items()
        if abbreviation.lower().startswith(prefix) or name_key(name).startswith(prefix)
    )


def looks_like_street(raw: tuple[str, ...]) -> bool:
    """Whether words typed before a place read as a street address (a number or a street word)."""
    return any(word in STREET_WORDS or any(c.isdigit() for c in word) for word in raw)
