"""What a listing offers besides its therapies and conditions, as the search filters and counts it: the lowest
price per session, languages spoken, session lengths, home visits and NMT training on file.

Listing points hold them (migration 0014, kept in step by its triggers): `price` (the lowest price per session),
`languages` (a mask of the search bits of the names in language_names, which the seed run writes from
seeds/languages.json), `session_lengths` (a mask with bit minutes / 15 set per length) and `nmt_training` (the
training or certifications name NMT or neuromuscular therapy, NMT_WORDS). The filters here are SQL on a point
`p`; the counts are SQL over the points' columns where the search counts in SQL, and Python over the same
values where it counts the matches it holds. A listed language is found as a name of one of the languages
here, case ignored (of ASCII letters: "DINÉ" in capitals with an accented capital is not found as "Diné").
"""
from __future__ import annotations

import functools
import json
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Iterable, NamedTuple, Sequence

from flask import current_app
from sqlalchemy import delete, select

from directory.extensions import db
from directory.listings.rules import SESSION_LENGTH_CHOICES
from directory.therapists.models import MAX_SEARCH_BIT, LanguageName

# The ceilings the search page offers for the lowest price per session (any whole number works in a link).
PRICE_CHOICES = (60, 80, 100, 120, 150, 200)
MAX_PRICE = 10_000

# "Has NMT training on file": the training or certifications the therapist wrote name NMT or neuromuscular
# therapy (either lineage, St. John or American, says one of these words). What the listing says, not checked.
# Migration 0014 writes them into the SQL that fills listing points; a change there needs a migration too.
NMT_WORDS = ("nmt", "neuromuscular")
# Session lengths are kept as bits of minutes / 15 (migration 0014): every length offered is a multiple of it.
SESSION_LENGTH_STEP = 15


@dataclass(frozen=True)
class Language:
    """A language the search offers: its slug, its name as shown, every name a listing may write it by, and its
    search bit (its place in seeds/languages.json)."""

    slug: str
    name: str
    names: tuple[str, ...]
    bit: int


def load_languages() -> tuple[Language, ...]:
    """The languages of seeds/languages.json (SEEDS_DIR), in display order."""
    return languages_in(str(current_app.config["SEEDS_DIR"]))


@functools.lru_cache(maxsize=4)
def languages_in(seeds_dir: str) -> tuple[Language, ...]:
    """The languages of seeds/languages.json in `seeds_dir`."""
    with open(Path(seeds_dir) / "languages.json", encoding="utf-8") as handle:
        entries = json.load(handle)["languages"]
    if len(entries) > MAX_SEARCH_BIT + 1:
        raise ValueError(f"The search has room for {MAX_SEARCH_BIT + 1} languages; languages.json lists {len(entries)}.")
    return tuple(
        Language(e["slug"], e["name"], tuple(dict.fromkeys(n.lower() for n in [e["name"], *e["also"]])), bit)
        for bit, e in enumerate(entries)
    )


def quoted_names(languages: Iterable[Language]) -> dict[str, int]:
    """Each name of each language as a listing's JSON list holds it (quoted, non-ASCII letters as \\u escapes,
    which is how SQLAlchemy writes JSON), with its language's search bit: the rows of language_names."""
    return {json.dumps(name): language.bit for language in languages for name in language.names}


def sync_language_names(languages: Sequence[Language]) -> bool:
    """Make language_names hold the names of `languages` (the listing points follow, by migration 0014's
    triggers); answer whether anything changed."""
    wanted = quoted_names(languages)
    if {name: bit for name, bit in db.session.execute(select(LanguageName.name, LanguageName.search_bit))} == wanted:
        return False
    db.session.execute(delete(LanguageName))
    db.session.add_all(LanguageName(name=name, search_bit=bit) for name, bit in wanted.items())
    db.session.flush()
    return True


def language_mask(languages: Iterable[Language]) -> int:
    """The search bits of these languages."""
    return functools.reduce(int.__or__, (1 << language.bit for language in languages), 0)


def session_length_mask(lengths: Iterable[int]) -> int:
    """The bits of these session lengths, in minutes (multiples of SESSION_LENGTH_STEP)."""
    return functools.reduce(int.__or__, (1 << (minutes // SESSION_LENGTH_STEP) for minutes in lengths), 0)


def point_conditions(max_price: int | None, languages: Iterable[Language], session_lengths: Iterable[int],
                     nmt_training: bool) -> tuple[list[str], dict[str, Any]]:
    """SQL conditions on a listing point `p` for the chosen offers (every one must hold), with their bound values."""
    conditions: list[str] = []
    values: dict[str, Any] = {}
    if max_price is not None:
        conditions.append("p.price <= :max_price")
        values["max_price"] = max_price
    for column, mask in (("languages", language_mask(languages)), ("session_lengths", session_length_mask(session_lengths))):
        if mask:
            conditions.append(f"(p.{column} & {mask}) = {mask}")
    if nmt_training:
        conditions.append("p.nmt_training")
    return conditions, values


class Offered(NamedTuple):
    """What one therapist offers, as their listing points hold it."""

    price: int | None
    languages: int
    session_lengths: int
    nmt_training: bool


# The listing point columns that make an Offered, in its order.
OFFERED_COLUMNS = Offered._fields
# Those columns of a listing point `p` as the counts read them: NMT training as 1 or 0 (PostgreSQL's is a boolean).
POINT_OFFERS = "p.price, p.languages, p.session_lengths, CASE WHEN p.nmt_training THEN 1 ELSE 0 END AS nmt_training"


def therapist_offers(rows: str) -> str:
    """SQL aggregates giving each therapist's offers from `rows` of their points read with POINT_OFFERS (grouped by
    therapist; a therapist's points all hold the same offers)."""
    return ", ".join(f"max({rows}.{column}) AS {column}" for column in OFFERED_COLUMNS)


@dataclass
class OfferCounts:
    """How many of the therapists counted offer each choice: at most each price, each language, each session
    length, NMT training on file, and home visits (to the place searched; without one, home visits at all)."""

    prices: dict[int, int] = field(default_factory=lambda: dict.fromkeys(PRICE_CHOICES, 0))
    languages: dict[str, int] = field(default_factory=dict)
    session_lengths: dict[int, int] = field(default_factory=lambda: dict.fromkeys(SESSION_LENGTH_CHOICES, 0))
    nmt_training: int = 0
    home_visits: int = 0


def count_sql(found: str, languages: Iterable[Language]) -> list[str]:
    """SQL aggregates over rows `found`, one per therapist as therapist_offers() gives them, one aggregate per
    count, in the order of counts_from()."""
    has = "{0}.{1} & {2} <> 0"
    return [
        *(f"count(CASE WHEN {found}.price <= {ceiling} THEN 1 END)" for ceiling in PRICE_CHOICES),
        *(f"count(CASE WHEN {has.format(found, 'languages', 1 << language.bit)} THEN 1 END)" for language in languages),
        *(f"count(CASE WHEN {has.format(found, 'session_lengths', session_length_mask([m]))} THEN 1 END)"
          for m in SESSION_LENGTH_CHOICES),
        f"count(CASE WHEN {found}.nmt_training = 1 THEN 1 END)",
    ]


def counts_from(values: Sequence[int], languages: Sequence[Language]) -> OfferCounts:
    """OfferCounts from the values of count_sql()'s aggregates."""
    prices, values = values[: len(PRICE_CHOICES)], values[len(PRICE_CHOICES) :]
    spoken, values = values[: len(languages)], values[len(languages) :]
    lengths, (nmt,) = values[: len(SESSION_LENGTH_CHOICES)], values[len(SESSION_LENGTH_CHOICES) :]
    return OfferCounts(
        dict(zip(PRICE_CHOICES, prices)), dict(zip((language.slug for language in languages), spoken)),
        dict(zip(SESSION_LENGTH_CHOICES, lengths)), nmt,
    )


def tally(offered: Iterable[Offered], languages: Sequence[Language]) -> OfferCounts:
    """Count what these therapists offer (each Offered once per therapist), as count_sql() does in SQL."""
    prices: Counter[int] = Counter()
    spoken: Counter[int] = Counter()
    lengths: Counter[int] = Counter()
    nmt = 0
    for price, language_bits, length_bits, trained in offered:
        if price is not None:
            prices[price] += 1
        spoken[language_bits] += 1
        lengths[length_bits] += 1
        nmt += bool(trained)

    def having(counter: Counter[int], mask: int) -> int:
        return sum(n for bits, n in counter.items() if bits & mask)

    return OfferCounts(
        {ceiling: sum(n for price, n in prices.items() if price <= ceiling) for ceiling in PRICE_CHOICES},
        {language.slug: having(spoken, 1 << language.bit) for language in languages},
        {minutes: having(lengths, session_length_mask([minutes])) for minutes in SESSION_LENGTH_CHOICES},
        nmt,
    )
