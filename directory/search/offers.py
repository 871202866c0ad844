"""What a listing offers besides its therapies and conditions, as the search filters and counts it: the lowest
price per session, languages spoken, session lengths, home visits and NMT training on file.

Each rule is SQL on a therapist row `t`, written here once; the search's filter and the counts beside the
options both use it. Lists and texts are read as the JSON text both databases keep (SQLAlchemy writes it with
json.dumps: `["English", "Spanish"]`, `[60, 90]`, non-ASCII letters as \\u escapes), so one LIKE serves
SQLite and PostgreSQL. Comparisons ignore case (of ASCII letters: a language typed all in capitals with an
accented capital, "DINÉ", is not found as "Diné").
"""
from __future__ import annotations

import functools
import json
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

# What the lowest price per session is: price_min, or the only price a listing gives.
LOWEST_PRICE_SQL = "COALESCE(t.price_min, t.price_max)"
_TRAINING_TEXT_SQL = "lower(t.training || ' ' || CAST(t.certifications AS TEXT))"
NMT_TRAINING_SQL = "(" + " OR ".join(f"{_TRAINING_TEXT_SQL} LIKE '%{word}%'" for word in NMT_WORDS) + ")"
# The session lengths as ",60,90,": each length between commas.
_LENGTHS_SQL = "(',' || replace(replace(replace(CAST(t.session_lengths AS TEXT), ' ', ''), '[', ''), ']', '') || ',')"


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


def _like_escape(value: str) -> str:
    return value.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")


def price_sql(ceiling: str) -> str:
    """The lowest price per session is given and at most `ceiling` (SQL: a bound name or a number)."""
    return f"{LOWEST_PRICE_SQL} <= {ceiling}"


def speaks_sql(language: Language, key: str) -> tuple[str, dict[str, str]]:
    """A listing's languages include `language` by one of its names; the LIKE patterns are bound as key_0, key_1..."""
    patterns = {f"{key}_{i}": f"%{_like_escape(json.dumps(name))}%" for i, name in enumerate(language.names)}
    spoken = " OR ".join(f"lower(CAST(t.languages AS TEXT)) LIKE :{name} ESCAPE '\\'" for name in patterns)
    return f"({spoken})", patterns


def session_length_sql(minutes: int) -> str:
    """A listing offers sessions of `minutes` (a whole number, written into the SQL)."""
    return f"{_LENGTHS_SQL} LIKE '%,{int(minutes)},%'"


def therapist_conditions(max_price: int | None, languages: Iterable[Language], session_lengths: Iterable[int],
                         nmt_training: bool) -> tuple[list[str], dict[str, Any]]:
    """SQL conditions on `t` for the chosen offers (every one must hold), with their bound values."""
    conditions: list[str] = []
    values: dict[str, Any] = {}
    if max_price is not None:
        conditions.append(price_sql(":max_price"))
        values["max_price"] = max_price
    for i, language in enumerate(languages):
        spoken, patterns = speaks_sql(language, f"language_{i}")
        conditions.append(spoken)
        values |= patterns
    conditions += [session_length_sql(minutes) for minutes in session_lengths]
    if nmt_training:
        conditions.append(NMT_TRAINING_SQL)
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
def _counts_sql(ids_sql: str, languages: tuple[Language, ...]) -> tuple[TextClause, dict[str, str]]:
    columns = [f"count(CASE WHEN {price_sql(str(price))} THEN 1 END)" for price in PRICE_CHOICES]
    values: dict[str, str] = {}
    for language in languages:
        spoken, patterns = speaks_sql(language, f"speaks_{language.slug.replace('-', '_')}")
        columns.append(f"count(CASE WHEN {spoken} THEN 1 END)")
        values |= patterns
    columns += [f"count(CASE WHEN {session_length_sql(m)} THEN 1 END)" for m in SESSION_LENGTH_CHOICES]
    columns += [f"count(CASE WHEN {NMT_TRAINING_SQL} THEN 1 END)", "count(CASE WHEN t.mobile THEN 1 END)"]
    return text(f"SELECT {', '.join(columns)} FROM therapists t WHERE t.id IN ({ids_sql})"), values


def _ids_sql(dialect: str) -> str:
    if dialect == "sqlite":
        return "SELECT value FROM json_each(:ids)"
    return "SELECT CAST(value AS INTEGER) FROM json_array_elements_text(CAST(:ids AS JSON))"


def count_offers(ids: Iterable[int] | None = None, *, ids_sql: str = "", values: dict[str, Any] | None = None) -> OfferCounts:
    """Count what the therapists with these ids offer, or those that `ids_sql` selects (with its `values`);
    home visits count the mobile ones (a search around a place counts those that reach it itself)."""
    languages = load_languages()
    dialect = db.session.get_bind().dialect.name
    bound = dict(values or {})
    if not ids_sql:
        chosen = sorted(set(ids or ()))
        if not chosen:
            return OfferCounts(languages=dict.fromkeys((lang.slug for lang in languages), 0))
        ids_sql = _ids_sql(dialect)
        bound["ids"] = json.dumps(chosen)
    sql, patterns = _counts_sql(ids_sql, languages)
    row = list(db.session.execute(sql, {**bound, **patterns}).one())
    prices = [row.pop(0) for _ in PRICE_CHOICES]
    spoken = [row.pop(0) for _ in languages]
    lengths = [row.pop(0) for _ in SESSION_LENGTH_CHOICES]
    nmt, mobile = row
    return OfferCounts(
        dict(zip(PRICE_CHOICES, prices)),
        dict(zip((lang.slug for lang in languages), spoken)),
        dict(zip(SESSION_LENGTH_CHOICES, lengths)),
        nmt,
        mobile,
    )
