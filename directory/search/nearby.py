"""Therapists near a point: the spatial index narrows, exact distances decide.

SQLite reads its R*Tree virtual table and PostgreSQL its GiST index on point(longitude, latitude)
(both built by migration 0004). A page needs only the nearest page x 20 therapists, so the search
climbs a ladder of circles, each √2 wider than the last, to the first whose inscribed square already
holds that many, and reads only the box around that circle. Counts stop at COUNT_CAP: an inscribed
square holding that many therapists proves the total without reading the rest of the area.
"""
from __future__ import annotations

import functools
import math
import re
from dataclasses import dataclass
from typing import Any, Iterable

from sqlalchemy import Float, Select, bindparam, case, column, distinct, func, literal, select, table, text, union_all

from directory import geo
from directory.extensions import db
from directory.therapists.models import (
    LOCATIONS_RTREE,
    MAX_SERVICE_RADIUS_MI,
    Location,
    Therapist,
    therapist_modalities,
)

COUNT_CAP = 500
_LADDER_RUNGS = 16
_RUNG_RATIO = math.sqrt(2)
# Location rows read to count distinct therapists: room for therapists with more than one location.
_ROWS_PER_THERAPIST = 1.5

Box = tuple[float, float, float, float]

_rtree = table(
    LOCATIONS_RTREE, column("id"), column("min_lat"), column("max_lat"), column("min_lon"), column("max_lon")
)


def _corner(lon: Any, lat: Any) -> Any:
    return func.point(*(bindparam(None, v, type_=Float) if isinstance(v, float) else v for v in (lon, lat)))


def locations_in(box: Box, *columns: Any) -> Select:
    """SELECT `columns` from locations (joined to their therapists) inside `box`, read through the spatial index."""
    min_lat, max_lat, min_lon, max_lon = box
    if db.session.get_bind().dialect.name == "sqlite":
        source = _rtree.join(Location, Location.id == _rtree.c.id)
        # Overlap rather than containment: the R*Tree rounds coordinates to 32-bit floats outwards.
        in_box = [
            _rtree.c.max_lat >= min_lat,
            _rtree.c.min_lat <= max_lat,
            _rtree.c.max_lon >= min_lon,
            _rtree.c.min_lon <= max_lon,
        ]
    else:
        source = Location.__table__
        point = func.point(Location.longitude, Location.latitude)
        in_box = [point.op("<@")(func.box(_corner(min_lon, min_lat), _corner(max_lon, max_lat)))]
    return (
        select(*columns)
        .select_from(source)
        .join(Therapist, Therapist.id == Location.therapist_id)
        .where(*in_box)
    )


def ladder(radius_km: float) -> list[float]:
    """The radii to try, smallest first, ending with the search radius."""
    return [radius_km / _RUNG_RATIO**step for step in range(_LADDER_RUNGS, -1, -1)]


def _first_rung_holding(filters: list[Any], point: tuple[float, float], radius_km: float, wanted: int) -> Any:
    """SQL for the index in ladder(radius_km) of the first circle whose inscribed square holds `wanted` therapists."""
    lat, lon = point
    dlat, dlon = (half / _RUNG_RATIO**_LADDER_RUNGS for half in geo.inscribed_half_sides(lat, radius_km))
    rungs = select(
        literal(0).label("step"), literal(dlat, Float).label("dlat"), literal(dlon, Float).label("dlon")
    ).cte("rungs", recursive=True)
    square = (lat - rungs.c.dlat, lat + rungs.c.dlat, lon - rungs.c.dlon, lon + rungs.c.dlon)
    held = locations_in(square, func.count(distinct(Location.therapist_id))).where(*filters).scalar_subquery()
    rungs = rungs.union_all(
        select(rungs.c.step + 1, rungs.c.dlat * _RUNG_RATIO, rungs.c.dlon * _RUNG_RATIO).where(
            rungs.c.step < _LADDER_RUNGS, held < wanted
        )
    )
    return select(func.max(rungs.c.step)).scalar_subquery()


@functools.cache
def _facet_columns_for(families: tuple[tuple[int, ...], ...]) -> list[Any]:
    pairs = therapist_modalities.c
    columns = []
    for family in families:
        if len(family) == 1:
            columns.append(func.count(case((pairs.modality_id == family[0], 1))))
        else:
            columns.append(func.count(distinct(case((pairs.modality_id.in_(family), pairs.therapist_id)))))
    return columns


def _facet_columns(vocabulary: Any) -> list[Any]:
    """Per modality, how many therapists of therapist_modalities rows offer it or one of its lineages."""
    return _facet_columns_for(tuple(tuple(sorted(vocabulary.modality_family(m.slug))) for m in vocabulary.modalities))


@dataclass
class Census:
    """Matching therapists in the square inscribed in the search circle, up to the cap, and what they offer."""

    found: int
    modality_counts: dict[str, int]
    rung: int | None

    @property
    def capped(self) -> bool:
        """Whether the circle is proved to hold at least COUNT_CAP therapists."""
        return self.found >= COUNT_CAP


def census_statement(
    filters: list[Any], point: tuple[float, float], radius_km: float, wanted: int, vocabulary: Any
) -> Select:
    """SQL counting therapists in the inscribed square (to the cap), their modalities, and the first rung holding `wanted`."""
    rows = (
        locations_in(geo.inscribed_box(*point, radius_km), Location.therapist_id)
        .where(*filters)
        .limit(math.ceil(COUNT_CAP * _ROWS_PER_THERAPIST))
        .subquery()
    )
    found = select(rows.c.therapist_id).distinct().subquery()
    rung = _first_rung_holding(filters, point, radius_km, wanted)
    pairs = therapist_modalities.c
    found_count = func.count(distinct(found.c.therapist_id))
    return select(
        found_count, case((found_count >= COUNT_CAP, rung)), *_facet_columns(vocabulary)
    ).select_from(found.outerjoin(therapist_modalities, pairs.therapist_id == found.c.therapist_id))


def take_census(
    filters: list[Any], point: tuple[float, float], radius_km: float, wanted: int, vocabulary: Any
) -> Census:
    """Count the therapists in the inscribed square (up to the cap) and pick the ladder rung for `wanted`."""
    found, rung, *counts = db.session.execute(census_statement(filters, point, radius_km, wanted, vocabulary)).one()
    return Census(found, dict(zip((m.slug for m in vocabulary.modalities), counts)), rung)


def modality_counts(therapist_ids: list[int] | Select, vocabulary: Any) -> dict[str, int]:
    """How many of `therapist_ids` (a list or a SELECT of ids) offer each modality (a parent counts its lineages)."""
    counts = db.session.execute(
        select(*_facet_columns(vocabulary)).where(therapist_modalities.c.therapist_id.in_(therapist_ids))
    ).one()
    return dict(zip((m.slug for m in vocabulary.modalities), counts))


_CANDIDATE_COLUMNS = (
    Location.therapist_id,
    Location.id,
    Location.latitude,
    Location.longitude,
    Therapist.mobile,
    Therapist.service_radius_mi,
)


def candidates_statement(filters: list[Any], point: tuple[float, float], radius_km: float, visitors: bool) -> Any:
    """SQL for locations that may be within radius_km and, with `visitors`, mobile therapists' that may reach the point."""
    lat, lon = point
    parts = [
        locations_in(box, *_CANDIDATE_COLUMNS).where(*filters) for box in geo.bounding_boxes(lat, lon, radius_km)
    ]
    reach_km = geo.to_km(MAX_SERVICE_RADIUS_MI, "mi")
    if visitors and reach_km > radius_km:
        parts += [
            locations_in(box, *_CANDIDATE_COLUMNS).where(*filters, Therapist.mobile.is_(True))
            for box in geo.bounding_boxes(lat, lon, reach_km)
        ]
    return parts[0] if len(parts) == 1 else union_all(*parts)


@dataclass
class Match:
    """A therapist found near the point: the distance to their nearest location, and whether they only visit."""

    therapist_id: int
    distance_km: float
    location_id: int
    visits: bool = False


@dataclass
class _Nearest:
    distance_km: float
    location_id: int
    latitude: float
    longitude: float
    mobile: bool
    service_radius_mi: float | None


def _nearest_locations(point: tuple[float, float], rows: Iterable[Any], exclude: set[int]) -> dict[int, _Nearest]:
    nearest: dict[int, _Nearest] = {}
    for therapist_id, location_id, lat, lon, mobile, service_mi in rows:
        if therapist_id in exclude:
            continue
        distance = geo.lambert_distance_km(point, (lat, lon))
        current = nearest.get(therapist_id)
        if current is None or distance < current.distance_km:
            nearest[therapist_id] = _Nearest(distance, location_id, lat, lon, mobile, service_mi)
    return nearest


def _by_distance(matches: Iterable[Match]) -> list[Match]:
    return sorted(matches, key=lambda m: (m.distance_km, m.therapist_id))


def nearest(filters: list[Any], point: tuple[float, float], radius_km: float, count: int) -> list[Match]:
    """The `count` nearest matching therapists, when the square inscribed in radius_km is known to hold that many."""
    rows = db.session.execute(candidates_statement(filters, point, radius_km, visitors=False))
    found = _nearest_locations(point, rows, set())
    return _by_distance(Match(i, n.distance_km, n.location_id) for i, n in found.items())[:count]


def everyone_within(filters: list[Any], point: tuple[float, float], radius_km: float) -> list[Match]:
    """Every matching therapist within radius_km, and every mobile one whose service area reaches the point, nearest first."""
    rows = db.session.execute(candidates_statement(filters, point, radius_km, visitors=True))
    matches = []
    for therapist_id, found in _nearest_locations(point, rows, set()).items():
        where = (found.latitude, found.longitude)
        within = geo.is_within_km(point, where, radius_km, found.distance_km)
        visits = (
            not within
            and found.mobile
            and geo.is_within_km(point, where, geo.to_km(found.service_radius_mi, "mi"), found.distance_km)
        )
        if within or visits:
            matches.append(Match(therapist_id, found.distance_km, found.location_id, visits))
    return _by_distance(matches)


# Half the Earth's circumference: a radius that covers every point.
_WHOLE_EARTH_KM = 20040.0


def nearest_anywhere(
    filters: list[Any], point: tuple[float, float], start_km: float, exclude: set[int], count: int
) -> list[Match]:
    """The `count` nearest matching therapists at any distance, widening the circle until enough are found."""
    radius_km = max(start_km, 1.0)
    while True:
        rows = db.session.execute(candidates_statement(filters, point, radius_km, visitors=False))
        found = _nearest_locations(point, rows, exclude)
        # Only matches inside the circle are sure to be the nearest; corners of the box are not.
        inside = _by_distance(
            Match(i, n.distance_km, n.location_id) for i, n in found.items() if n.distance_km <= radius_km
        )
        if len(inside) >= count or radius_km >= _WHOLE_EARTH_KM:
            return inside[:count]
        radius_km = min(radius_km * 3, _WHOLE_EARTH_KM)


_FULL_SCAN_RE = re.compile(
    r"(SCAN|Seq Scan on) (locations|therapists|therapist_modalities|therapist_conditions)\b"
)


def query_plan(statement: Any) -> list[str]:
    """The database's plan for `statement`, one line per step."""
    sql = statement.compile(db.session.get_bind(), compile_kwargs={"literal_binds": True})
    if db.session.get_bind().dialect.name == "sqlite":
        return [row[-1] for row in db.session.execute(text(f"EXPLAIN QUERY PLAN {sql}"))]
    return [row[0] for row in db.session.execute(text(f"EXPLAIN {sql}"))]


def full_scans(plan: list[str]) -> list[str]:
    """The steps of a plan that read a whole table of listings."""
    return [step for step in plan if _FULL_SCAN_RE.search(step)]
