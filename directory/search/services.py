"""Searching the directory: `find` (the place of a search, then the therapists around it), and the results.

Plain functions over the database session; no request or template in here.
"""
from __future__ import annotations

import math
from dataclasses import dataclass, field
from typing import Any

from sqlalchemy import select, text

from directory.extensions import db
from directory.geo import distances
from directory.search import nearby, offers
from directory.search.cards import Card, CardLocation, load_cards
from directory.search.nearby import COUNT_CAP, Match
from directory.search.offers import OfferCounts
from directory.search.params import SearchParams
from directory.search.places import Located, PlaceFailure, Suggester, locate
from directory.search.vocabulary import Term, Vocabulary
from directory.therapists.models import Modality, therapist_modalities

PAGE_SIZE = 20
THIN_RESULTS = 5


@dataclass
class Hit:
    """One therapist in the results, with what they offer and the distance to their nearest location."""

    therapist: Card
    modalities: tuple[Term, ...] = ()
    distance: float | None = None
    location: CardLocation | None = None
    visits_your_area: bool = False
    conditions: tuple[Term, ...] = ()


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


def required_modalities(slugs: tuple[str, ...], vocabulary: Vocabulary) -> list[frozenset[int]]:
    """What ticked therapies demand, as groups of modality ids a therapist must offer one of, each group in turn.

    A therapy includes its lineages; lineages of one therapy ticked together mean any of them (nobody offers
    both NMT lineages, so "every ticked" would find no one).
    """
    groups: dict[str, frozenset[int]] = {}
    for slug in slugs:
        term = vocabulary.modality(slug)
        key = f"lineages of {term.parent}" if term and term.parent else slug
        groups[key] = groups.get(key, frozenset()) | vocabulary.modality_family(slug)
    return list(groups.values())


def narrowest_planes(params: SearchParams, languages: list[offers.Language], required: list[frozenset[int]],
                     vocabulary: Vocabulary) -> dict[str, float]:
    """The planes of the listing points a search reads: those of the one filter likely to leave the fewest
    (home visits; NMT training on file; the least common language chosen, languages.json listing the common
    ones first; the first therapy with its lineages; the longest session length; the price), else the plane
    of any modality. The other filters' conditions decide the rest."""
    if params.home_visits:
        return nearby.plane_range([nearby.MOBILE_PLANE])
    if params.nmt_training:
        return nearby.plane_range([nearby.NMT_PLANE])
    if languages:
        return nearby.plane_range([nearby.LANGUAGE_PLANES + max(language.bit for language in languages)])
    if required:
        return nearby.plane_range(m.search_bit for m in vocabulary.modalities if m.id in required[0])
    if params.session_lengths:
        return nearby.plane_range([nearby.SESSION_LENGTH_PLANES + max(params.session_lengths) // offers.SESSION_LENGTH_STEP])
    if params.max_price is not None:
        return nearby.price_plane_range(params.max_price)
    return nearby.plane_range([nearby.ANY_MODALITY])


def listing_filter(params: SearchParams, vocabulary: Vocabulary) -> nearby.ListingFilter:
    """Published, accepting, name, modalities (every one, AND; lineages of one therapy, OR), conditions (any, OR)
    and offers (every one), as SQL."""
    on_points: list[str] = []
    on_therapists = [f"t.status = '{nearby.PUBLISHED}'"]
    # Conditions on the therapist's row: points check them all in one lookup of that row.
    on_row: list[str] = []
    required = required_modalities(params.modalities, vocabulary)
    by_slug = {language.slug: language for language in offers.load_languages()}
    languages = [by_slug[slug] for slug in params.languages]
    values: dict[str, Any] = narrowest_planes(params, languages, required, vocabulary)
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
    offered, offer_values = offers.point_conditions(params.max_price, languages, params.session_lengths, params.nmt_training)
    values |= offer_values
    if offered:
        on_points += offered
        on_therapists.append(f"EXISTS (SELECT 1 {nearby.points_of(nearby.dialect(), '= t.id')} AND {' AND '.join(offered)})")
    for family in required:
        on_points.append(f"(p.modality_mask & {vocabulary.search_mask(family)}) <> 0")
        ids = ", ".join(str(i) for i in sorted(family))
        on_therapists.append(
            f"EXISTS (SELECT 1 FROM therapist_modalities tm WHERE tm.therapist_id = t.id AND tm.modality_id IN ({ids}))"
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


def _hits(matches: list[Match], unit: str, vocabulary: Vocabulary) -> list[Hit]:
    """The page's therapists with their locations; their modalities come from the listing points' masks."""
    therapists = load_cards(m.therapist_id for m in matches)
    hits = []
    for match in matches:
        therapist = therapists[match.therapist_id]
        location = next(loc for loc in therapist.locations if loc.id == match.location_id)
        distance = distances.from_km(match.distance_km, unit)
        hits.append(Hit(therapist, vocabulary.modalities_in(match.modality_mask), distance, location, match.visits))
    return hits


def _add_conditions(hits: list[Hit], vocabulary: Vocabulary) -> None:
    """Fill in the conditions each hit's therapist treats, in display order: one query for all of them."""
    if not hits:
        return
    ids = ", ".join(str(i) for i in {hit.therapist.id for hit in hits})
    treated: dict[int, list[int]] = {}
    for therapist_id, condition_id in db.session.execute(
        text(f"SELECT therapist_id, condition_id FROM therapist_conditions WHERE therapist_id IN ({ids})")
    ):
        treated.setdefault(therapist_id, []).append(condition_id)
    for hit in hits:
        hit.conditions = vocabulary.conditions_with_ids(treated.get(hit.therapist.id, ()))


def _page_bounds(total: int, page: int, notices: list[str]) -> tuple[int, int]:
    """The page asked for (kept when past the end, so that it shows nothing) and the number of pages."""
    pages = max(1, math.ceil(total / PAGE_SIZE))
    if page > pages:
        notices.append(f"There is no page {page}; the results end on page {pages}.")
    return page, pages


def search_therapists(
    params: SearchParams, vocabulary: Vocabulary, point: tuple[float, float] | None = None, counted: bool = True
) -> SearchResults:
    """Find published therapists around `point` (nearest first), else by state and name; counts stop at COUNT_CAP.
    Without `counted`, what the therapists found offer (therapies, offers) is left uncounted (empty)."""
    listing = listing_filter(params, vocabulary)
    notices: list[str] = []
    if point is None:
        return _browse(params, vocabulary, listing, notices, counted)

    radius_km = distances.to_km(params.radius, params.unit)
    wanted = min(params.page, COUNT_CAP // PAGE_SIZE) * PAGE_SIZE
    census, everyone = _within(listing, point, radius_km, wanted, vocabulary, counted)
    if everyone is None:
        total, counts, offer_counts = COUNT_CAP, census.modality_counts, census.offer_counts
        page, pages = _page_bounds(total, params.page, notices)
        wanted = min(page, pages) * PAGE_SIZE
        # A capped census always names its rung; the search radius itself (-1) would only be slower.
        rung = census.rung if census.rung is not None else -1
        matches = nearby.nearest(listing, point, nearby.ladder(radius_km)[rung], wanted)
    else:
        matches = everyone
        total = len(matches)
        counts, offer_counts = _count_matches(matches, vocabulary) if counted else ({}, OfferCounts())
        page, pages = _page_bounds(total, params.page, notices)
    start = (page - 1) * PAGE_SIZE
    hits = _hits(matches[start : start + PAGE_SIZE], params.unit, vocabulary)
    elsewhere: list[Hit] = []
    if total < THIN_RESULTS:
        found = {m.therapist_id for m in matches}
        extra = nearby.nearest_anywhere(listing, point, radius_km * 2, found, THIN_RESULTS)
        elsewhere = _hits(extra, params.unit, vocabulary)
    _add_conditions(hits + elsewhere, vocabulary)
    return SearchResults(hits, total, page, pages, counts, elsewhere, notices, census.capped, offer_counts)


def _count_matches(matches: list[Match], vocabulary: Vocabulary) -> tuple[dict[str, int], OfferCounts]:
    """What the therapists matched offer: each therapy (or a lineage of it), and each offer."""
    offer_counts = offers.tally((m.offered for m in matches), offers.load_languages())
    offer_counts.home_visits = sum(m.covers for m in matches)
    return nearby.count_by_family((m.modality_mask for m in matches), vocabulary), offer_counts


def _within(
    listing: nearby.ListingFilter, point: tuple[float, float], radius_km: float, wanted: int, vocabulary: Vocabulary,
    counted: bool = True,
) -> tuple[nearby.Census, list[Match] | None]:
    """The census of the circle and, unless it holds COUNT_CAP or more (None then), everyone in it."""
    census = nearby.take_census(listing, point, radius_km, wanted, vocabulary, counted)
    if census.capped:
        return census, None
    return census, nearby.everyone_within(listing, point, radius_km, census.widest_visit_mi)


def _first_found(listing: nearby.ListingFilter) -> str:
    """SQL for the ids of the first COUNT_CAP therapists anywhere matching `listing` (bound as :cap)."""
    return f"SELECT t.id FROM therapists t WHERE {listing.on_therapists} LIMIT :cap"


def _browse_total(listing: nearby.ListingFilter) -> int:
    """How many therapists anywhere match `listing`, up to COUNT_CAP."""
    return db.session.scalar(
        text(f"SELECT count(*) FROM ({_first_found(listing)}) AS counted"), {**listing.values, "cap": COUNT_CAP}
    ) or 0


def count_therapists(params: SearchParams, vocabulary: Vocabulary, point: tuple[float, float] | None = None) -> int:
    """The total that search_therapists gives for `params` around `point` (up to COUNT_CAP), without its page."""
    listing = listing_filter(params, vocabulary)
    if point is None:
        return _browse_total(listing)
    _, everyone = _within(listing, point, distances.to_km(params.radius, params.unit), PAGE_SIZE, vocabulary, False)
    return COUNT_CAP if everyone is None else len(everyone)


def _browse_offer_counts(listing: nearby.ListingFilter) -> OfferCounts:
    """What the first COUNT_CAP therapists matching `listing` offer (home visits: the mobile ones)."""
    languages = offers.load_languages()
    points = (
        f"SELECT p.therapist_id, {offers.POINT_OFFERS}, CASE WHEN p.mobile THEN 1 ELSE 0 END AS mobile"
        f" {nearby.points_of(nearby.dialect(), f'IN ({_first_found(listing)})')}"
    )
    found = (
        f"SELECT therapist_id, {offers.therapist_offers('point_rows')}, max(point_rows.mobile) AS mobile"
        f" FROM ({points}) AS point_rows GROUP BY therapist_id"
    )
    counts = db.session.execute(
        text(f"SELECT {', '.join(offers.count_sql('found', languages))}, count(CASE WHEN found.mobile = 1 THEN 1 END)"
             f" FROM ({found}) AS found"),
        {**listing.values, "cap": COUNT_CAP},
    ).one()
    offer_counts = offers.counts_from(counts[:-1], languages)
    offer_counts.home_visits = counts[-1]
    return offer_counts


def _modality_masks(ids: list[int]) -> dict[int, int]:
    """The search bits of each of these therapists' modalities, in the order of `ids`."""
    masks = dict.fromkeys(ids, 0)
    if ids:
        bits = db.session.execute(
            select(therapist_modalities.c.therapist_id, Modality.search_bit)
            .join(Modality, Modality.id == therapist_modalities.c.modality_id)
            .where(therapist_modalities.c.therapist_id.in_(ids))
        )
        for therapist_id, bit in bits:
            masks[therapist_id] |= 1 << bit
    return masks


def _browse(
    params: SearchParams, vocabulary: Vocabulary, listing: nearby.ListingFilter, notices: list[str], counted: bool
) -> SearchResults:
    total = _browse_total(listing)
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
    therapists = load_cards(ids)
    hits = [Hit(therapists[i], vocabulary.modalities_in(mask)) for i, mask in _modality_masks(ids).items()]
    _add_conditions(hits, vocabulary)
    counts, offer_counts = (nearby.browse_counts(listing, vocabulary), _browse_offer_counts(listing)) if counted else ({}, OfferCounts())
    return SearchResults(hits, total, page, pages, counts, [], notices, total >= COUNT_CAP, offer_counts)


@dataclass
class Found:
    """A search's results, and the place they are around (None when no place was asked for)."""

    results: SearchResults
    located: Located | None = None


def find(params: SearchParams, vocabulary: Vocabulary, geocoder: Any,
         suggester: Suggester | None = None, counted: bool = True) -> Found | PlaceFailure:
    """The one search entry point: locate `params.near` with `geocoder` (if given), then search around it;
    a place that cannot be located is answered with why (NotFound, Ambiguous, WholeState or GeocoderDown).
    Without `counted`, the results carry no counts beside the total (an answer that shows none)."""
    if not params.near:
        return Found(search_therapists(params, vocabulary, counted=counted))
    located = locate(geocoder, params.near, suggester)
    if not isinstance(located, Located):
        return located
    return Found(search_therapists(params, vocabulary, located.place.point, counted), located)
