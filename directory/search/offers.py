"""What a listing offers besides its therapies and conditions, as the search filters and counts it: the lowest
price per session, languages spoken, session lengths, home visits and NMT training on file.

Each rule is SQL on a therapist row `t`, written here once; the search's filter and the counts beside the
options both use it. Lists and texts are read as the JSON text both databases keep (SQLAlchemy writes it with
json.dumps: `["English", "Spanish"]`, `[60, 90]`, non-ASCII letters as \\u escapes) with a plain substring
search. Comparisons ignore case (of ASCII letters: a language typed all in capitals with an accented capital,
"DINÉ", is not found as "Diné").
"""
from __future__ import annotations

import functools
import json
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Iterable

from flask import current_app
from sqlalchemy import TextClause, text

from directory.extensions import db
from directory.listings.rules import SESSION_LENGTH_CHOICES

# The ceilings the search page offers for the lowest price per session (any whole number works in a link).
PRICE_CHOICES = (60, 80, 100, 120, 150, 200)
MAX_PRICE = 10_000

# "Has NMT training on file": the training or certifications the therapist wrote name NMT or neuromuscular
# therapy (either lineage, St. John or American, says one of these words). What the listing says, not checked.
NMT_WORDS = ("nmt", "neuromuscular")

# The texts the rules read, per therapist row `t`: the lowest price per session (price_min, or the only price a
# listing gives), the languages as lower-case JSON, the session lengths as ",60,90," and the training with the
# certifications in lower case.
ROW_TEXTS = {
    "price": "COALESCE(t.price_min, t.price_max)",
    "languages": "lower(CAST(t.languages AS TEXT))",
    "lengths": "(',' || replace(replace(replace(CAST(t.session_lengths AS TEXT), ' ', ''), '[', ''), ']', '') || ',')",
    "training": "lower(t.training || ' ' || CAST(t.certifications AS TEXT))",
}


def _contains(dialect: str, haystack: str, needle: str) -> str:
    """SQL: `needle` occurs in `haystack` (a plain search, much cheaper than LIKE)."""
    return f"{'instr' if dialect == 'sqlite' else 'strpos'}({haystack}, {needle}) > 0"


@dataclass(frozen=True)
class Language:
    """A language the search offers: its slug, its name as shown, and every name a listing may write it by."""

    slug: str
    name: str
    names: tuple[str, ...]


def load_languages() -> tuple[Language, ...]:
    """The languages of seeds/languages.json (SEEDS_DIR), in display order."""
    return _languages_in(str(current_app.config["SEEDS_DIR"]))


@functools.lru_cache(maxsize=4)
def _languages_in(seeds_dir: str) -> tuple[Language, ...]:
    with open(Path(seeds_dir) / "languages.json", encoding="utf-8") as handle:
        entries = json.load(handle)["languages"]
    return tuple(
        Language(e["slug"], e["name"], tuple(dict.fromkeys(n.lower() for n in [e["name"], *e["also"]])))
        for e in entries
    )


def price_sql(ceiling: str, texts: dict[str, str] = ROW_TEXTS) -> str:
    """The lowest price per session is given and at most `ceiling` (SQL: a bound name or a number)."""
    return f"{texts['price']} <= {ceiling}"


def speaks_sql(dialect: str, language: Language, key: str, texts: dict[str, str] = ROW_TEXTS) -> tuple[str, dict[str, str]]:
    """A listing's languages include `language` by one of its names, as a whole JSON string ("Spanish Sign
    Language" is not Spanish); the names are bound as key_0, key_1..."""
    names = {f"{key}_{i}": json.dumps(name) for i, name in enumerate(language.names)}
    spoken = " OR ".join(_contains(dialect, texts["languages"], f":{name}") for name in names)
    return f"({spoken})", names


def session_length_sql(dialect: str, minutes: int, texts: dict[str, str] = ROW_TEXTS) -> str:
    """A listing offers sessions of `minutes` (a whole number, written into the SQL)."""
    return _contains(dialect, texts["lengths"], f"',{int(minutes)},'")


def nmt_training_sql(dialect: str, texts: dict[str, str] = ROW_TEXTS) -> str:
    """"Has NMT training on file": the training or certifications contain one of NMT_WORDS."""
    return "(" + " OR ".join(_contains(dialect, texts["training"], f"'{word}'") for word in NMT_WORDS) + ")"


def therapist_conditions(dialect: str, max_price: int | None, languages: Iterable[Language],
                         session_lengths: Iterable[int], nmt_training: bool) -> tuple[list[str], dict[str, Any]]:
    """SQL conditions on `t` for the chosen offers (every one must hold), with their bound values."""
    conditions: list[str] = []
    values: dict[str, Any] = {}
    if max_price is not None:
        conditions.append(price_sql(":max_price"))
        values["max_price"] = max_price
    for i, language in enumerate(languages):
        spoken, names = speaks_sql(dialect, language, f"language_{i}")
        conditions.append(spoken)
        values |= names
    conditions += [session_length_sql(dialect, minutes) for minutes in session_lengths]
    if nmt_training:
        conditions.append(nmt_training_sql(dialect))
    return conditions, values


@dataclass
class OfferCounts:
    """How many of the therapists counted offer each choice: at most each price, each language, each session
    length, NMT training on file, and home visits (to the place searched; without one, home visits at all)."""

    prices: dict[int, int] = field(default_factory=lambda: dict.fromkeys(PRICE_CHOICES, 0))
    languages: dict[str, int] = field(default_factory=dict)
    session_lengths: dict[int, int] = field(default_factory=lambda: dict.fromkeys(SESSION_LENGTH_CHOICES, 0))
    nmt_training: int = 0
    home_visits: int = 0


@functools.lru_cache(maxsize=16)
def _offered_rows_sql(dialect: str, ids_sql: str) -> TextClause:
    texts = f"CAST(t.languages AS TEXT), CAST(t.session_lengths AS TEXT), {ROW_TEXTS['training']}"
    return text(f"SELECT {ROW_TEXTS['price']}, {texts}, t.mobile FROM therapists t WHERE t.id IN ({ids_sql})")


@functools.lru_cache(maxsize=4)
def _slugs_by_name(languages: tuple[Language, ...]) -> dict[str, str]:
    return {name: language.slug for language in languages for name in language.names}


def _ids_sql(dialect: str) -> str:
    if dialect == "sqlite":
        return "SELECT value FROM json_each(:ids)"
    return "SELECT CAST(value AS INTEGER) FROM json_array_elements_text(CAST(:ids AS JSON))"


def count_offers(ids: Iterable[int] | None = None, *, ids_sql: str = "", values: dict[str, Any] | None = None) -> OfferCounts:
    """Count what the therapists with these ids offer, or those that `ids_sql` selects (with its `values`);
    home visits count the mobile ones (a search around a place counts those that reach it itself).

    The rows are counted here rather than in SQL: one test per choice and row cost more in the database
    than reading the rows. They follow the rules above: a language counts as speaks_sql() finds it (a listed
    language that is one of its names, case ignored; each distinct list is read once), NMT training as
    nmt_training_sql() (the lower-case training text contains one of NMT_WORDS).
    """
    languages = load_languages()
    dialect = db.session.get_bind().dialect.name
    bound = dict(values or {})
    counts = OfferCounts(languages=dict.fromkeys((language.slug for language in languages), 0))
    if not ids_sql:
        chosen = sorted(set(ids or ()))
        if not chosen:
            return counts
        ids_sql = _ids_sql(dialect)
        bound["ids"] = json.dumps(chosen)
    _tally(db.session.execute(_offered_rows_sql(dialect, ids_sql), bound), counts, _slugs_by_name(languages))
    return counts


def _tally(rows: Iterable[Any], counts: OfferCounts, slugs_by_name: dict[str, str]) -> None:
    """Add each offered row (lowest price, languages, session lengths, training text, mobile) to `counts`."""
    spoken: dict[str, set[str]] = {}
    lengths: dict[str, list[int]] = {}
    prices: Counter[int] = Counter()
    for price, written_languages, written_lengths, training, mobile in rows:
        if price is not None:
            prices[price] += 1
        if written_languages not in spoken:
            names = {str(name).lower() for name in json.loads(written_languages)}
            spoken[written_languages] = {slugs_by_name[name] for name in names if name in slugs_by_name}
        for slug in spoken[written_languages]:
            counts.languages[slug] += 1
        if written_lengths not in lengths:
            lengths[written_lengths] = [m for m in json.loads(written_lengths) if m in counts.session_lengths]
        for minutes in lengths[written_lengths]:
            counts.session_lengths[minutes] += 1
        counts.nmt_training += any(word in training for word in NMT_WORDS)
        counts.home_visits += bool(mobile)
    counts.prices = {ceiling: sum(n for price, n in prices.items() if price <= ceiling) for ceiling in PRICE_CHOICES}
