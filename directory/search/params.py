"""A search as the person asked for it: `SearchParams`, read from query arguments with a notice for everything
that had to be corrected, and the filters ticked regions set (`apply_regions`).

Plain values; no database, request or template in here.
"""
from __future__ import annotations

import math
import re
from dataclasses import dataclass, replace
from typing import Any, Iterable

from directory.geo import distances
from directory.listings.rules import SESSION_LENGTH_CHOICES
from directory.search import offers
from directory.search.offers import MAX_PRICE
from directory.search.regions import PainMap
from directory.search.vocabulary import Vocabulary

RADIUS_CHOICES = (5, 10, 25, 50, 100)
DEFAULT_RADIUS = 25
MAX_PLACE_LENGTH = 200
MAX_TEXT_LENGTH = 100
TRUE_WORDS = {"1", "on", "true", "yes", "y"}
_CONTROL_RE = re.compile(r"[\x00-\x1f\x7f-\x9f]")


# The fields after the place, each with the query argument that carries it, in the order links write them.
_QUERY_ARGS = (
    ("modalities", "modality"), ("conditions", "condition"), ("accepting", "accepting"), ("text", "q"),
    ("max_price", "max_price"), ("languages", "language"), ("session_lengths", "session_length"),
    ("home_visits", "home_visits"), ("nmt_training", "nmt_training"), ("page", "page"), ("regions", "regions"),
    ("applied", "applied"),
)


@dataclass(frozen=True)
class SearchParams:
    """A search as the user asked for it, after correcting what could not be used as typed."""

    near: str = ""
    radius: int = DEFAULT_RADIUS
    unit: str = "mi"
    modalities: tuple[str, ...] = ()
    conditions: tuple[str, ...] = ()
    accepting: bool = False
    text: str = ""
    page: int = 1
    # The lowest price per session must be at most this many dollars (listings without a price are left out).
    max_price: int | None = None
    languages: tuple[str, ...] = ()  # slugs of seeds/languages.json: every one must be spoken
    session_lengths: tuple[int, ...] = ()  # minutes: every one must be offered
    home_visits: bool = False  # mobile therapists whose service area reaches the place (without one: mobile)
    nmt_training: bool = False  # see offers.NMT_WORDS
    # Where it hurts, and which of those regions' filters are already among the filters above.
    regions: tuple[str, ...] = ()
    applied: tuple[str, ...] = ()

    def query_args(self, **changes: Any) -> dict[str, Any]:
        """URL query arguments that repeat this search (with `changes`), leaving out the defaults."""
        params = replace(self, **changes)
        args: dict[str, Any] = {}
        if params.near:
            args["near"] = params.near
            args["radius"] = params.radius
            args["unit"] = params.unit
        for name, arg in _QUERY_ARGS:
            value = getattr(params, name)
            if name == "page":
                if value != 1:
                    args[arg] = value
            elif isinstance(value, tuple):
                if value:
                    args[arg] = list(value)
            elif value is True:
                args[arg] = "1"
            elif value not in (None, False, ""):
                args[arg] = value
        return args

    @property
    def has_filters(self) -> bool:
        """Whether anything narrows the search besides the place."""
        return bool(self.modalities or self.conditions or self.accepting or self.text or self.has_offer_filters
                    or self.regions)

    def without_filters(self) -> SearchParams:
        """The same search with nothing but the place."""
        return replace(self, modalities=(), conditions=(), accepting=False, text="", max_price=None, languages=(),
                       session_lengths=(), home_visits=False, nmt_training=False, regions=(), applied=())

    @property
    def has_offer_filters(self) -> bool:
        """Whether price, language, session length, home visits or NMT training narrow the search."""
        return bool(self.max_price is not None or self.languages or self.session_lengths or self.home_visits
                    or self.nmt_training)


def clean_text(value: str | None, limit: int) -> tuple[str, bool]:
    """Strip control characters and surrounding space, collapse runs of spaces; cut at `limit`.

    Returns the text and whether it had to be shortened.
    """
    text = " ".join(_CONTROL_RE.sub(" ", value or "").split())
    return text[:limit], len(text) > limit


def parse_search_args(args: Any, vocabulary: Vocabulary, pains: PainMap | None = None) -> tuple[SearchParams, list[str]]:
    """Turn query arguments into SearchParams, with a notice for everything that was corrected.

    Ticked `regions` are read only with a pain map, and newly ticked ones tick their filters (`apply_regions`);
    every link and form then carries those as plain filters.
    """
    notices: list[str] = []
    near, cut = clean_text(args.get("near"), MAX_PLACE_LENGTH)
    if cut:
        notices.append(f"The place was too long; we used its first {MAX_PLACE_LENGTH} characters.")
    text, cut = clean_text(args.get("q"), MAX_TEXT_LENGTH)
    if cut:
        notices.append(f"The name search was too long; we used its first {MAX_TEXT_LENGTH} characters.")

    unit = (args.get("unit") or "mi").strip().lower()
    if unit not in distances.UNITS:
        notices.append("Distances can be in miles (mi) or kilometres (km); we used miles.")
        unit = "mi"

    radius = _parse_radius(args.get("radius"), unit, notices)
    modalities = _known_slugs(args.getlist("modality"), vocabulary.modality_slugs, "therapy", notices)
    conditions = _known_slugs(args.getlist("condition"), vocabulary.condition_slugs, "condition", notices)
    accepting = _is_true(args.get("accepting"))
    max_price = _parse_price(args.get("max_price"), notices)
    known_languages = frozenset(language.slug for language in offers.load_languages())
    languages = _known_slugs(args.getlist("language"), known_languages, "language", notices)
    session_lengths = _parse_session_lengths(args.getlist("session_length"), notices)

    raw_page = (args.get("page") or "1").strip()
    try:
        page = int(raw_page)
    except ValueError:
        page = 0
    if page < 1 or page > 10_000:
        notices.append("That page number does not exist; here is the first page.")
        page = 1
    params = SearchParams(
        near, radius, unit, modalities, conditions, accepting, text, page, max_price=max_price, languages=languages,
        session_lengths=session_lengths, home_visits=_is_true(args.get("home_visits")),
        nmt_training=_is_true(args.get("nmt_training")),
    )
    if pains is not None:
        slugs = frozenset(region.slug for region in pains.regions)
        regions = pains.known(_known_slugs(args.getlist("regions"), slugs, "body area", notices))
        params = apply_regions(replace(params, regions=regions, applied=pains.known(args.getlist("applied"))), pains)
    return params, notices


def _is_true(raw: str | None) -> bool:
    return (raw or "").strip().lower() in TRUE_WORDS


def _parse_price(raw: str | None, notices: list[str]) -> int | None:
    """Whole dollars from 1 to MAX_PRICE ("$120", "120.50" is $120); anything else is left out with a notice."""
    written = (raw or "").strip().lstrip("$").replace(",", "").strip()
    if not written:
        return None
    try:
        value = float(written) if len(written) <= 12 else math.nan
    except ValueError:
        value = math.nan
    if not math.isfinite(value) or value < 1:
        shown, _ = clean_text(raw, 20)
        notices.append(f"The highest price must be a number of dollars, like 100; we left out “{shown}”.")
        return None
    if value > MAX_PRICE:
        notices.append(f"The highest price can be at most ${MAX_PRICE:,}; we used ${MAX_PRICE:,}.")
        return MAX_PRICE
    if value != int(value):
        notices.append(f"Prices are in whole dollars; we used ${int(value)}.")
    return int(value)


def _parse_session_lengths(values: Iterable[str], notices: list[str]) -> tuple[int, ...]:
    lengths: list[int] = []
    for value in values:
        written = value.strip().lower().removesuffix("min").removesuffix("minutes").strip()
        if not written:
            continue
        minutes = int(written) if written.isascii() and written.isdigit() and len(written) <= 4 else None
        if minutes not in SESSION_LENGTH_CHOICES:
            shown, _ = clean_text(value, 20)
            offered = ", ".join(str(n) for n in SESSION_LENGTH_CHOICES)
            notices.append(f"Session lengths can be {offered} minutes; we left out “{shown}”.")
        elif minutes not in lengths:
            lengths.append(minutes)
    return tuple(lengths)


def apply_regions(params: SearchParams, pains: PainMap) -> SearchParams:
    """The search with the filters of newly ticked regions added, and those only unticked regions set removed.

    `applied` names the regions whose filters the search already holds, so a filter a region set and the
    person then unticked stays unticked on the next search.
    """
    if set(params.regions) == set(params.applied):
        return params
    before, after = pains.filters_for(params.applied), pains.filters_for(params.regions)
    return replace(
        params,
        conditions=_moved(params.conditions, before.conditions, after.conditions),
        modalities=_moved(params.modalities, before.therapies, after.therapies),
        applied=params.regions,
        page=1,
    )


def _moved(chosen: tuple[str, ...], before: tuple[str, ...], after: tuple[str, ...]) -> tuple[str, ...]:
    """`chosen` without what only the regions before set, with what the regions after set anew."""
    kept = [slug for slug in chosen if slug not in before or slug in after]
    return tuple(kept + [slug for slug in after if slug not in before and slug not in kept])


def _parse_radius(raw: str | None, unit: str, notices: list[str]) -> int:
    offered = ", ".join(str(r) for r in RADIUS_CHOICES)
    if raw is None or raw.strip() == "":
        return DEFAULT_RADIUS
    try:
        value = float(raw)
    except ValueError:
        value = math.nan
    if not math.isfinite(value) or value <= 0:
        notices.append(f"The radius must be one of {offered} {unit}; we used {DEFAULT_RADIUS} {unit}.")
        return DEFAULT_RADIUS
    if value in RADIUS_CHOICES:
        return int(value)
    nearest = min(RADIUS_CHOICES, key=lambda choice: (abs(choice - value), choice))
    notices.append(f"The radius must be one of {offered} {unit}; we used {nearest} {unit}.")
    return nearest


def _known_slugs(values: Iterable[str], known: frozenset[str], kind: str, notices: list[str]) -> tuple[str, ...]:
    slugs: list[str] = []
    for value in values:
        slug = value.strip().lower()
        if not slug:
            continue
        if slug not in known:
            shown, _ = clean_text(value, 40)
            notices.append(f"We don't know the {kind} “{shown}”, so we left it out.")
        elif slug not in slugs:
            slugs.append(slug)
    return tuple(slugs)
