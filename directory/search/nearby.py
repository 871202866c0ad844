"""Therapists near a point: the spatial index narrows, exact distances decide.

The search reads listing points (migration 0005): one narrow row per location of a published
listing, in SQLite's R*Tree or in a PostgreSQL table with a GiST index on point(longitude, latitude).
A page needs only the nearest page x 20 therapists, so the search climbs a ladder of circles, each
√2 wider than the last, to the first whose inscribed square already holds that many, and reads only
the box around that circle. Counts stop at COUNT_CAP: an inscribed square holding that many
therapists proves the total without reading the rest of the area.

The statements are SQL text written once per shape (database, filters, number of boxes) and kept:
building and compiling expression trees on every request cost more than running the queries.
"""
from __future__ import annotations

import functools
import math
from collections import Counter
from dataclasses import dataclass, field
from typing import Any, Iterable

from sqlalchemy import TextClause, text

from directory.geo import distances
from directory.extensions import db
from directory.search import offers
from directory.search.offers import Offered, OfferCounts
from directory.therapists.models import LISTING_POINTS, MAX_SERVICE_RADIUS_MI, ListingStatus

PUBLISHED = ListingStatus.PUBLISHED.value
# The planes of the listing points (migrations 0005 and 0014; on PostgreSQL, 0015): every location has an
# entry on the plane of any modality, and one on the plane of each modality's search bit, each language's
# search bit (from LANGUAGE_PLANES), NMT training, each session length (SESSION_LENGTH_PLANES + minutes / 15),
# home visits (MOBILE_PLANE) and its price (on PRICE_PLANE, shifted by the price) that it offers. Planes lie
# PLANE_SPACING apart in the index's third dimension, so that its nodes keep to one plane.
ANY_MODALITY = -1
LANGUAGE_PLANES = 64
NMT_PLANE = 127
SESSION_LENGTH_PLANES = 128
MOBILE_PLANE = 189
PRICE_PLANE = 190
PLANE_SPACING = 1000
COUNT_CAP = 500
_LADDER_RUNGS = 16
_RUNG_RATIO = math.sqrt(2)
# Points read to count distinct therapists: room for therapists with more than one location.
_POINTS_PER_THERAPIST = 1.5

Box = tuple[float, float, float, float]


@dataclass(frozen=True)
class ListingFilter:
    """Everything the search narrows by besides the place, as SQL conditions on listing points `p` and,
    for browsing without a place, on therapists `t`; with their bound values."""

    on_points: str
    on_therapists: str
    values: dict[str, Any] = field(default_factory=dict)
    # Only mobile therapists whose service area reaches the place (on_points keeps the mobile ones; the
    # distance decides here).
    home_visits: bool = False


@dataclass(frozen=True)
class Statement:
    """SQL text and the values bound to it."""

    sql: TextClause
    values: dict[str, Any]

    def run(self) -> Any:
        return db.session.execute(self.sql, self.values)


def dialect() -> str:
    """The name of the database's dialect: "sqlite" or "postgresql"."""
    return db.session.get_bind().dialect.name


def _points_in_box(dialect: str, south: str, north: str, west: str, east: str, planes: str = "plane") -> str:
    """FROM and WHERE reading listing points `p` inside a box through the spatial index; the edges are SQL.

    The index's third dimension is the plane (SQLite's R*Tree; on PostgreSQL a column indexed with the point,
    migration 0015), read from :plane_low to :plane_high, or the bounds named by `planes` (see plane_range()).
    The listing filter's other conditions drop the entries a range of planes adds twice or by the way, and the
    search keeps one point per therapist anyway.
    """
    if dialect == "sqlite":
        # Overlap rather than containment: the R*Tree rounds coordinates to 32-bit floats outwards.
        return (
            f"FROM {LISTING_POINTS} p"
            f" WHERE p.max_lat >= {south} AND p.min_lat <= {north} AND p.max_lon >= {west} AND p.min_lon <= {east}"
            f" AND p.max_plane >= :{planes}_low AND p.min_plane <= :{planes}_high"
        )
    return (
        f"FROM {LISTING_POINTS} p WHERE p.plane BETWEEN :{planes}_low AND :{planes}_high"
        f" AND point(p.longitude, p.latitude) <@ box(point({west}, {south}), point({east}, {north}))"
    )


# SQLite's entries have the id 256 x their location's id + 1 + their plane (migration 0014): on the plane of any
# modality, 256 x the location's id.
ENTRIES_PER_LOCATION = 256


def plane_range(planes: Iterable[int]) -> dict[str, float]:
    """The values bound as :plane_low and :plane_high to read these planes of the listing points."""
    chosen = list(planes)
    return {"plane_low": min(chosen) * PLANE_SPACING, "plane_high": max(chosen) * PLANE_SPACING}


def price_plane_range(max_price: int) -> dict[str, float]:
    """The values bound as :plane_low and :plane_high to read the prices up to `max_price`."""
    return {"plane_low": PRICE_PLANE * PLANE_SPACING, "plane_high": PRICE_PLANE * PLANE_SPACING + max_price}


def points_of(dialect: str, therapists: str) -> str:
    """FROM and WHERE reading the listing points `p` of the therapists whose id meets `therapists` (SQL such as
    "= t.id" or "IN (SELECT ...)"): one per location, on the plane of any modality."""
    if dialect == "sqlite":
        return (f"FROM locations l JOIN {LISTING_POINTS} p ON p.id = l.id * {ENTRIES_PER_LOCATION}"
                f" WHERE l.therapist_id {therapists}")
    return f"FROM {LISTING_POINTS} p WHERE p.plane = {ANY_MODALITY * PLANE_SPACING} AND p.therapist_id {therapists}"


def _points_in_named_box(dialect: str, name: str, planes: str = "plane") -> str:
    south, north, west, east = (f":{name}_{edge}" for edge in "snwe")
    return _points_in_box(dialect, south, north, west, east, planes)


def _box_values(name: str, box: Box) -> dict[str, float]:
    return dict(zip((f"{name}_s", f"{name}_n", f"{name}_w", f"{name}_e"), box))


def _and(condition: str) -> str:
    return f" AND {condition}" if condition else ""


def ladder(radius_km: float) -> list[float]:
    """The radii to try, smallest first, ending with the search radius."""
    return [radius_km / _RUNG_RATIO**step for step in range(_LADDER_RUNGS, -1, -1)]


def count_by_family(masks: Iterable[int], vocabulary: Any) -> dict[str, int]:
    """How many of the therapists with these modality masks offer each modality or one of its lineages."""
    therapists_by_mask = Counter(masks)
    return {
        m.slug: sum(n for mask, n in therapists_by_mask.items() if mask & family)
        for m, family in zip(vocabulary.modalities, vocabulary.family_masks)
    }


# A mobile therapist's point lies inside the square inscribed in their service circle around the place, so
# their area surely reaches it (:visit_dlat and :visit_dlon are that square's half sides per mile of radius).
_SURELY_VISITS = (
    "p.mobile AND abs(p.latitude - :lat) <= p.service_radius_mi * :visit_dlat"
    " AND abs(p.longitude - :lon) <= p.service_radius_mi * :visit_dlon"
)


@functools.lru_cache(maxsize=256)
def _census_sql(dialect: str, on_points: str, families: tuple[int, ...], home_visits: bool,
                languages: tuple[offers.Language, ...] | None) -> TextClause:
    """The census; `families` and `languages` are what it counts beside the total (None: no offers)."""
    if home_visits:
        on_points = f"{on_points} AND {_SURELY_VISITS}"
    rows = (
        f"SELECT p.therapist_id, p.modality_mask, {offers.POINT_OFFERS}, CASE WHEN {_SURELY_VISITS} THEN 1 ELSE 0 END AS visits"
        f" {_points_in_named_box(dialect, 'square')}{_and(on_points)} LIMIT :rows"
    )
    rung_square = _points_in_box(
        dialect, "(:lat - rungs.dlat)", "(:lat + rungs.dlat)", "(:lon - rungs.dlon)", "(:lon + rungs.dlon)"
    )
    facets = "".join(f", count(CASE WHEN found.mask & {family} <> 0 THEN 1 END)" for family in families)
    facets += "".join(f", {count}" for count in offers.count_sql("found", languages)) if languages is not None else ""
    return text(
        "WITH RECURSIVE rungs(step, dlat, dlon) AS ("
        " SELECT 0, :dlat, :dlon"
        " UNION ALL"
        " SELECT step + 1, dlat * :ratio, dlon * :ratio FROM rungs"
        f" WHERE step < :rungs AND (SELECT count(DISTINCT p.therapist_id) {rung_square}{_and(on_points)}) < :wanted"
        "), found AS ("
        f" SELECT therapist_id, max(modality_mask) AS mask, {offers.therapist_offers('census_rows')}, max(visits) AS visits"
        f" FROM ({rows}) AS census_rows"
        " GROUP BY therapist_id"
        ") SELECT count(*),"
        " CASE WHEN count(*) >= :cap THEN (SELECT max(step) FROM rungs) END,"
        " CASE WHEN count(*) < :cap THEN"
        f" (SELECT max(v.service_radius_mi) FROM therapists v WHERE v.status = '{PUBLISHED}') END,"
        " count(CASE WHEN found.visits = 1 THEN 1 END)"
        f"{facets} FROM found"
    )


@dataclass
class Census:
    """Matching therapists in the square inscribed in the search circle, up to the cap, and what they offer."""

    found: int
    modality_counts: dict[str, int]
    rung: int | None
    widest_visit_mi: float | None = None
    # What the therapists counted offer; their home visits are those that surely visit the place.
    offer_counts: OfferCounts = field(default_factory=OfferCounts)

    @property
    def capped(self) -> bool:
        """Whether the circle is proved to hold at least COUNT_CAP therapists."""
        return self.found >= COUNT_CAP


def census_statement(
    listing: ListingFilter, point: tuple[float, float], radius_km: float, wanted: int, vocabulary: Any,
    counted: bool = True,
) -> Statement:
    """SQL counting therapists in the inscribed square (to the cap), those sure to visit the place, and what
    they offer (therapies and offers; without `counted`, nothing beside the total); when the count reaches
    the cap, the first rung of ladder(radius_km) whose inscribed square holds `wanted` therapists, and when
    it does not, the widest service radius of a published mobile therapist."""
    lat, lon = point
    dlat, dlon = (half / _RUNG_RATIO**_LADDER_RUNGS for half in distances.inscribed_half_sides(lat, radius_km))
    # The half sides per mile of the widest service radius are the smallest per mile of any narrower one.
    visit_dlat, visit_dlon = (
        half / MAX_SERVICE_RADIUS_MI
        for half in distances.inscribed_half_sides(lat, distances.to_km(MAX_SERVICE_RADIUS_MI, "mi"))
    )
    values = {
        **listing.values,
        **_box_values("square", distances.inscribed_box(lat, lon, radius_km)),
        "rows": math.ceil(COUNT_CAP * _POINTS_PER_THERAPIST),
        "lat": lat, "lon": lon, "dlat": dlat, "dlon": dlon,
        "ratio": _RUNG_RATIO, "rungs": _LADDER_RUNGS, "wanted": wanted, "cap": COUNT_CAP,
        "visit_dlat": visit_dlat, "visit_dlon": visit_dlon,
    }
    families, languages = (vocabulary.family_masks, offers.load_languages()) if counted else ((), None)
    sql = _census_sql(dialect(), listing.on_points, families, listing.home_visits, languages)
    return Statement(sql, values)


def take_census(
    listing: ListingFilter, point: tuple[float, float], radius_km: float, wanted: int, vocabulary: Any,
    counted: bool = True,
) -> Census:
    """Count the therapists in the inscribed square (up to the cap) and pick the ladder rung for `wanted`;
    with `counted`, count what they offer too."""
    statement = census_statement(listing, point, radius_km, wanted, vocabulary, counted)
    # On PostgreSQL a bitmap scan collects the whole square before the LIMIT applies; a plain index scan
    # streams and stops there. The planner cannot tell (it has no statistics for points in a box).
    streamed = dialect() == "postgresql"
    if streamed:
        db.session.execute(text("SET LOCAL enable_bitmapscan = off"))
    found, rung, widest, visits, *counts = statement.run().one()
    if streamed:
        db.session.execute(text("RESET enable_bitmapscan"))
    if not counted:
        return Census(found, {}, rung, widest)
    families = len(vocabulary.family_masks)
    modality_counts = dict(zip((m.slug for m in vocabulary.modalities), counts[:families]))
    offer_counts = offers.counts_from(counts[families:], offers.load_languages())
    offer_counts.home_visits = visits
    return Census(found, modality_counts, rung, widest, offer_counts)


@functools.lru_cache(maxsize=64)
def _browse_counts_sql(families: tuple[tuple[int, ...], ...], on_therapists: str) -> TextClause:
    columns = []
    for family in families:
        if len(family) == 1:
            columns.append(f"count(CASE WHEN tm.modality_id = {family[0]} THEN 1 END)")
        else:
            ids = ", ".join(str(i) for i in family)
            columns.append(f"count(DISTINCT CASE WHEN tm.modality_id IN ({ids}) THEN tm.therapist_id END)")
    return text(
        f"SELECT {', '.join(columns)} FROM therapist_modalities tm"
        f" WHERE tm.therapist_id IN (SELECT t.id FROM therapists t WHERE {on_therapists} LIMIT :cap)"
    )


def browse_counts(listing: ListingFilter, vocabulary: Any) -> dict[str, int]:
    """How many of the first COUNT_CAP therapists matching `listing` offer each modality (or a lineage of it)."""
    if not vocabulary.modalities:
        return {}
    families = tuple(tuple(sorted(vocabulary.modality_family(m.slug))) for m in vocabulary.modalities)
    counts = db.session.execute(
        _browse_counts_sql(families, listing.on_therapists), {**listing.values, "cap": COUNT_CAP}
    ).one()
    return dict(zip((m.slug for m in vocabulary.modalities), counts))


_CANDIDATE_COLUMNS = (
    "SELECT p.therapist_id, p.location_id, p.latitude, p.longitude, p.mobile, p.service_radius_mi, p.modality_mask,"
    f" {', '.join(f'p.{column}' for column in offers.OFFERED_COLUMNS)} "
)


@functools.lru_cache(maxsize=256)
def _candidates_sql(dialect: str, on_points: str, boxes: int, visitor_boxes: int) -> TextClause:
    parts = [f"{_CANDIDATE_COLUMNS}{_points_in_named_box(dialect, f'b{i}')}{_and(on_points)}" for i in range(boxes)]
    parts += [
        # Those who may visit come from the plane of mobile therapists, whatever plane the others come from.
        f"{_CANDIDATE_COLUMNS}{_points_in_named_box(dialect, f'v{i}', 'visitor_plane')}{_and(on_points)}"
        for i in range(visitor_boxes)
    ]
    return text(" UNION ALL ".join(parts))


def candidates_statement(
    listing: ListingFilter, point: tuple[float, float], radius_km: float, visits_km: float = 0.0
) -> Statement:
    """SQL for points that may be within radius_km, and mobile therapists' within visits_km, who may visit the point."""
    lat, lon = point
    values = dict(listing.values)
    boxes = distances.bounding_boxes(lat, lon, radius_km)
    for i, box in enumerate(boxes):
        values |= _box_values(f"b{i}", box)
    visitor_boxes = distances.bounding_boxes(lat, lon, visits_km) if visits_km > radius_km else []
    for i, box in enumerate(visitor_boxes):
        values |= _box_values(f"v{i}", box)
    if visitor_boxes:
        values |= {f"visitor_{name}": value for name, value in plane_range([MOBILE_PLANE]).items()}
    return Statement(_candidates_sql(dialect(), listing.on_points, len(boxes), len(visitor_boxes)), values)


@dataclass
class Match:
    """A therapist found near the point: the distance to their nearest location, and whether they only visit."""

    therapist_id: int
    distance_km: float
    location_id: int
    modality_mask: int
    offered: Offered
    visits: bool = False  # reaches the point only by visiting it: beyond the radius, within the service area
    covers: bool = False  # visits at home, and their service area reaches the point


@dataclass
class _Nearest:
    distance_km: float
    location_id: int
    latitude: float
    longitude: float
    mobile: bool
    service_radius_mi: float | None
    modality_mask: int
    offered: Offered


def _nearest_locations(point: tuple[float, float], rows: Iterable[Any], exclude: set[int]) -> dict[int, _Nearest]:
    distance_to = distances.lambert_from(point)
    nearest: dict[int, _Nearest] = {}
    for therapist_id, location_id, lat, lon, mobile, service_mi, mask, *offered in rows:
        if therapist_id in exclude:
            continue
        distance = distance_to(lat, lon)
        current = nearest.get(therapist_id)
        if current is None or distance < current.distance_km:
            nearest[therapist_id] = _Nearest(distance, location_id, lat, lon, bool(mobile), service_mi, mask, Offered(*offered))
    return nearest


def _visits(point: tuple[float, float], found: _Nearest) -> bool:
    """Whether a mobile therapist's service area, around their nearest location, reaches the point."""
    reach_km = distances.to_km(found.service_radius_mi or 0.0, "mi")
    return found.mobile and distances.is_within_km(point, (found.latitude, found.longitude), reach_km, found.distance_km)


def _by_distance(matches: Iterable[Match]) -> list[Match]:
    return sorted(matches, key=lambda m: (m.distance_km, m.therapist_id))


def nearest(listing: ListingFilter, point: tuple[float, float], radius_km: float, count: int) -> list[Match]:
    """The `count` nearest matching therapists, when the square inscribed in radius_km is known to hold that many."""
    rows = candidates_statement(listing, point, radius_km).run()
    found = _nearest_locations(point, rows, set())
    return _by_distance(
        Match(i, n.distance_km, n.location_id, n.modality_mask, n.offered)
        for i, n in found.items() if not listing.home_visits or _visits(point, n)
    )[:count]


def everyone_within(
    listing: ListingFilter, point: tuple[float, float], radius_km: float, widest_visit_mi: float | None
) -> list[Match]:
    """Every matching therapist within radius_km, and every mobile one whose service area (none wider than
    widest_visit_mi) reaches the point, nearest first."""
    visits_km = distances.to_km(widest_visit_mi or 0.0, "mi")
    rows = candidates_statement(listing, point, radius_km, visits_km).run()
    matches = []
    for therapist_id, found in _nearest_locations(point, rows, set()).items():
        within = distances.is_within_km(point, (found.latitude, found.longitude), radius_km, found.distance_km)
        covers = _visits(point, found)
        if listing.home_visits and not covers:
            continue
        if within or covers:
            matches.append(Match(therapist_id, found.distance_km, found.location_id, found.modality_mask,
                                 found.offered, not within and covers, covers))
    return _by_distance(matches)


# Half the Earth's circumference: a radius that covers every point.
_WHOLE_EARTH_KM = 20040.0


def nearest_anywhere(
    listing: ListingFilter, point: tuple[float, float], start_km: float, exclude: set[int], count: int
) -> list[Match]:
    """The `count` nearest matching therapists at any distance, widening the circle until enough are found."""
    radius_km = max(start_km, 1.0)
    while True:
        rows = candidates_statement(listing, point, radius_km).run()
        found = _nearest_locations(point, rows, exclude)
        # Only matches inside the circle are sure to be the nearest; corners of the box are not.
        inside = _by_distance(
            Match(i, n.distance_km, n.location_id, n.modality_mask, n.offered)
            for i, n in found.items() if n.distance_km <= radius_km
        )
        if len(inside) >= count or radius_km >= _WHOLE_EARTH_KM:
            return inside[:count]
        radius_km = min(radius_km * 3, _WHOLE_EARTH_KM)
