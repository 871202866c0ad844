"""Searching the directory: parsing a search, `find` (its place, then the therapists), and the results.

Plain functions over the database session; no request or template in here.
"""
from __future__ import annotations

import math
import re
from dataclasses import dataclass, field, replace
from typing import Any, Iterable

from sqlalchemy import select, text
from sqlalchemy.orm import joinedload, selectinload

from directory.extensions import db
from directory.geo import distances
from directory.listings.rules import SESSION_LENGTH_CHOICES
from directory.search import nearby, offers
from directory.search.nearby import COUNT_CAP, Match
from directory.search.offers import MAX_PRICE, OfferCounts
from directory.search.places import Located, PlaceFailure, Suggester, locate
from directory.search.regions import PainMap
from directory.search.vocabulary import Term, Vocabulary
from directory.therapists.models import Location, Therapist

RADIUS_CHOICES = (5, 10, 25, 50, 100)
DEFAULT_RADIUS = 25
PAGE_SIZE = 20
THIN_RESULTS = 5
MAX_PLACE_LENGTH = 200
MAX_TEXT_LENGTH = 100
TRUE_WORDS = {"1", "on", "true", "yes", "y"}
_CONTROL_RE = re.compile(r"[\x00-\x1f\x7f-\x9f]")


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
        if params.modalities:
            args["modality"] = list(params.modalities)
        if params.conditions:
            args["condition"] = list(params.conditions)
        if params.accepting:
            args["accepting"] = "1"
        if params.text:
            args["q"] = params.text
        if params.max_price is not None:
            args["max_price"] = params.max_price
        if params.languages:
            args["language"] = list(params.languages)
        if params.session_lengths:
            args["session_length"] = list(params.session_lengths)
        if params.home_visits:
            args["home_visits"] = "1"
        if params.nmt_training:
            args["nmt_training"] = "1"
        if params.page != 1:
            args["page"] = params.page
        if params.regions:
            args["regions"] = list(params.regions)
        if params.applied:
            args["applied"] = list(params.applied)
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
        minutes = int(written) if written.isdigit() and len(written) <= 4 else None
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


@dataclass
class Hit:
    """One therapist in the results, with what they offer and the distance to their nearest location."""

    therapist: Therapist
    modalities: tuple[Term, ...] = ()
    distance: float | None = None
    location: Location | None = None
    visits_your_area: bool = False


@dataclass
class SearchResults:
    """A page of results with its totals, facet counts and fallbacks; `capped` totals and counts are "at least"."""

    hits: list[Hit]
    total: int
    page: int
    pages: int
    modality_counts: dict[str, int]
    nearest_elsewhere: list[Hit] = field(default_factory=list)
    notices: list[str] = field(default_factory=list)
    capped: bool = False
    offer_counts: OfferCounts = field(default_factory=OfferCounts)

    @property
    def past_end(self) -> bool:
        """Whether the page asked for lies after the last one (its hits are then empty)."""
        return self.page > self.pages


def listing_filter(params: SearchParams, vocabulary: Vocabulary) -> nearby.ListingFilter:
    """Published, accepting, name, modalities (every one, AND), conditions (any, OR) and offers (every one), as SQL."""
    on_points: list[str] = []
    on_therapists = [f"t.status = '{nearby.PUBLISHED}'"]
    # Conditions on the therapist's row: points check them all in one lookup of that row.
    on_row: list[str] = []
    values: dict[str, Any] = {"plane_low": nearby.ANY_MODALITY, "plane_high": nearby.ANY_MODALITY}
    if params.modalities:
        # SQLite reads the first modality's planes (its own and its lineages'); the masks decide.
        planes = [m.search_bit for m in vocabulary.modalities if m.id in vocabulary.modality_family(params.modalities[0])]
        values |= {"plane_low": min(planes), "plane_high": max(planes)}
    if params.accepting:
        on_points.append("p.accepting")
        on_therapists.append("t.accepting_new_clients")
    if params.home_visits:
        # Around a place the search keeps those whose service area reaches it (nearby.py); without one, all.
        on_points.append("p.mobile")
        on_therapists.append("t.mobile")
    if params.text:
        escaped = params.text.lower().replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")
        values["name_pattern"] = f"%{escaped}%"
        on_row.append("(lower(t.name) LIKE :name_pattern ESCAPE '\\' OR lower(t.practice_name) LIKE :name_pattern ESCAPE '\\')")
    by_slug = {language.slug: language for language in offers.load_languages()}
    offered, offer_values = offers.therapist_conditions(
        nearby.dialect(), params.max_price, [by_slug[slug] for slug in params.languages], params.session_lengths, params.nmt_training
    )
    on_row += offered
    values |= offer_values
    # A parent modality matches any of its lineages.
    for slug in params.modalities:
        on_points.append(f"(p.modality_mask & {vocabulary.modality_mask(slug)}) <> 0")
        family = ", ".join(str(i) for i in sorted(vocabulary.modality_family(slug)))
        on_therapists.append(
            f"EXISTS (SELECT 1 FROM therapist_modalities tm WHERE tm.therapist_id = t.id AND tm.modality_id IN ({family}))"
        )
    if params.conditions:
        chosen = ", ".join(str(c.id) for c in vocabulary.conditions if c.slug in params.conditions)
        treats = "EXISTS (SELECT 1 FROM therapist_conditions c WHERE c.therapist_id = {} AND c.condition_id IN ({}))"
        on_points.append(treats.format("p.therapist_id", chosen))
        on_therapists.append(treats.format("t.id", chosen))
    if on_row:
        # Last: the cheaper conditions on the point itself go first.
        on_points.append(f"EXISTS (SELECT 1 FROM therapists t WHERE t.id = p.therapist_id AND {' AND '.join(on_row)})")
        on_therapists += on_row
    return nearby.ListingFilter(" AND ".join(on_points), " AND ".join(on_therapists), values, params.home_visits)


def _therapists_by_id(ids: list[int], *loads: Any) -> dict[int, Therapist]:
    """The therapists with these ids, with the relationships `loads` asks for."""
    if not ids:
        return {}
    found = db.session.scalars(select(Therapist).where(Therapist.id.in_(ids)).options(*loads)).unique()
    return {t.id: t for t in found}


def _hits(matches: list[Match], unit: str, vocabulary: Vocabulary) -> list[Hit]:
    """The page's therapists with their locations; their modalities come from the listing points' masks."""
    therapists = _therapists_by_id([m.therapist_id for m in matches], joinedload(Therapist.locations))
    hits = []
    for match in matches:
        therapist = therapists[match.therapist_id]
        location = next(loc for loc in therapist.locations if loc.id == match.location_id)
        distance = distances.from_km(match.distance_km, unit)
        hits.append(Hit(therapist, vocabulary.modalities_in(match.modality_mask), distance, location, match.visits))
    return hits


def _page_bounds(total: int, page: int, notices: list[str]) -> tuple[int, int]:
    """The page asked for (kept when past the end, so that it shows nothing) and the number of pages."""
    pages = max(1, math.ceil(total / PAGE_SIZE))
    if page > pages:
        notices.append(f"There is no page {page}; the results end on page {pages}.")
    return page, pages


def search_therapists(
    params: SearchParams, vocabulary: Vocabulary, point: tuple[float, float] | None = None
) -> SearchResults:
    """Find published therapists around `point` (nearest first), else by state and name; counts stop at COUNT_CAP."""
    listing = listing_filter(params, vocabulary)
    notices: list[str] = []
    if point is None:
        return _browse(params, vocabulary, listing, notices)

    radius_km = distances.to_km(params.radius, params.unit)
    wanted = min(params.page, COUNT_CAP // PAGE_SIZE) * PAGE_SIZE
    census = nearby.take_census(listing, point, radius_km, wanted, vocabulary)
    if census.capped:
        total, counts = COUNT_CAP, census.modality_counts
        # Like the other counts past the cap: among COUNT_CAP of the therapists found.
        offer_counts = offers.count_offers(census.therapist_ids[:COUNT_CAP])
        offer_counts.home_visits = census.home_visits
        page, pages = _page_bounds(total, params.page, notices)
        wanted = min(page, pages) * PAGE_SIZE
        matches = nearby.nearest(listing, point, nearby.ladder(radius_km)[census.rung], wanted)
    else:
        matches = nearby.everyone_within(listing, point, radius_km, census.widest_visit_mi)
        total = len(matches)
        counts = nearby.count_by_family((m.modality_mask for m in matches), vocabulary)
        offer_counts = offers.count_offers(m.therapist_id for m in matches)
        offer_counts.home_visits = sum(m.covers for m in matches)
        page, pages = _page_bounds(total, params.page, notices)
    start = (page - 1) * PAGE_SIZE
    hits = _hits(matches[start : start + PAGE_SIZE], params.unit, vocabulary)
    elsewhere: list[Hit] = []
    if total < THIN_RESULTS:
        found = {m.therapist_id for m in matches}
        extra = nearby.nearest_anywhere(listing, point, radius_km * 2, found, THIN_RESULTS)
        elsewhere = _hits(extra, params.unit, vocabulary)
    return SearchResults(hits, total, page, pages, counts, elsewhere, notices, census.capped, offer_counts)


def _browse(
    params: SearchParams, vocabulary: Vocabulary, listing: nearby.ListingFilter, notices: list[str]
) -> SearchResults:
    first_found = f"SELECT t.id FROM therapists t WHERE {listing.on_therapists} LIMIT :cap"
    total = db.session.scalar(
        text(f"SELECT count(*) FROM ({first_found}) AS counted"), {**listing.values, "cap": COUNT_CAP}
    ) or 0
    page, pages = _page_bounds(total, params.page, notices)
    first_state = "(SELECT l.state FROM locations l WHERE l.therapist_id = t.id ORDER BY l.position, l.id LIMIT 1)"
    ids = list(
        db.session.scalars(
            text(
                f"SELECT t.id FROM therapists t WHERE {listing.on_therapists}"
                f" ORDER BY {first_state}, t.name, t.id LIMIT :size OFFSET :skip"
            ),
            {**listing.values, "size": PAGE_SIZE, "skip": (page - 1) * PAGE_SIZE},
        )
    )
    therapists = _therapists_by_id(ids, selectinload(Therapist.locations), selectinload(Therapist.modalities))
    hits = [Hit(therapists[i], tuple(vocabulary.modality(m.slug) for m in therapists[i].modalities)) for i in ids]
    counts = nearby.browse_counts(listing, vocabulary)
    offer_counts = offers.count_offers(ids_sql=first_found, values={**listing.values, "cap": COUNT_CAP})
    return SearchResults(hits, total, page, pages, counts, [], notices, total >= COUNT_CAP, offer_counts)


@dataclass
class Found:
    """A search's results, and the place they are around (None when no place was asked for)."""

    results: SearchResults
    located: Located | None = None


def find(params: SearchParams, vocabulary: Vocabulary, geocoder: Any,
         suggester: Suggester | None = None) -> Found | PlaceFailure:
    """The one search entry point: locate `params.near` with `geocoder` (if given), then search around it;
    a place that cannot be located is answered with why (NotFound, Ambiguous or GeocoderDown)."""
    if not params.near:
        return Found(search_therapists(params, vocabulary))
    located = locate(geocoder, params.near, suggester)
    if not isinstance(located, Located):
        return located
    return Found(search_therapists(params, vocabulary, located.place.point), located)
