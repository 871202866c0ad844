"""Benchmark (issues 6 and 15): the search service against a raw-SQL floor on synthetic listings at 10k, 100k
and 1M, and the app under gunicorn against a bare Flask page: the five pages of issue 15 (bench/pages.py) on
the seeded data of `make run`, 100k and 1M, and the search sparse and dense at 100k and 1M.

SQLite always; PostgreSQL too when BENCH_DATABASE_URL names a throwaway database (one schema per size).
Generated data is cached in bench/data/ (SQLite files) or in those schemas. Results go to
bench/results/latest.json and latest.md. Exits non-zero when the dense search's plan reads a whole table.
"""
from __future__ import annotations

import argparse
import json
import math
import os
import platform
import random
import re
import statistics
import subprocess
import sys
import time
from datetime import datetime, timezone
from pathlib import Path
from typing import Any, Callable, Iterator
from urllib.parse import urlencode

import flask_migrate
from alembic.script import ScriptDirectory
from geopy.distance import geodesic
from sqlalchemy import text

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from directory import create_app  # noqa: E402
from directory.config import database_url  # noqa: E402
from directory.extensions import db  # noqa: E402
from directory.geo.distances import bounding_boxes, to_km  # noqa: E402
from directory.geo.geocoders import offline_geocoder  # noqa: E402
from directory.listings.rules import SESSION_LENGTH_CHOICES  # noqa: E402
from directory.search import nearby, offers, query_plans  # noqa: E402
from directory.search.params import SearchParams  # noqa: E402
from directory.search.services import PAGE_SIZE, listing_filter, search_therapists  # noqa: E402
from directory.search.vocabulary import load_vocabulary  # noqa: E402
from directory.seeding import read_seed  # noqa: E402
from bench.pages import (  # noqa: E402
    APP_PORT,
    SEEDED,
    bench_config,
    measure_pages,
    measured,
    page_targets,
    seeded_database,
    size_label,
)

DATA = ROOT / "bench" / "data"
RESULTS = ROOT / "bench" / "results"
BIN = Path(sys.executable).parent
SIZES = (10_000, 100_000, 1_000_000)
HTTP_SIZES = (100_000, 1_000_000)
DENSE_PLACE = "Chicago, IL"
SPARSE_PLACE = "North Platte, NE"
RADIUS_MI = 25
CLUSTER_SHARE = 0.05
# About 96% of the cluster lies within 25 miles of its centre.
CLUSTER_SIGMA_KM = 16.0
CONTINENTAL_US = (25.0, 49.0, -124.5, -67.0)
# Each case: its name, the place, and the rest of the search (modalities, and issue 17's filters on offers).
CASES: tuple[tuple[str, str, dict[str, Any]], ...] = (
    ("sparse", SPARSE_PLACE, {}),
    ("dense", DENSE_PLACE, {}),
    ("dense, 1 modality", DENSE_PLACE, {"modalities": ("swedish",)}),
    ("dense, 2 modalities", DENSE_PLACE, {"modalities": ("swedish", "deep-tissue")}),
    ("dense, price + language", DENSE_PLACE, {"max_price": 100, "languages": ("spanish",)}),
    ("dense, every offer", DENSE_PLACE, {"max_price": 150, "languages": ("english",), "session_lengths": (60,),
                                         "home_visits": True, "nmt_training": True}),
    ("sparse, every offer", SPARSE_PLACE, {"max_price": 150, "languages": ("english",), "session_lengths": (60,),
                                           "home_visits": True, "nmt_training": True}),
)
# The migration that makes language_names, the one before the listing points hold languages.
LANGUAGE_NAMES_REVISION = "0013"
# Raised when the synthetic listings change, so that cached ones are generated again.
DATA_VERSION = 2
PAGES = (1, 10)
HTTP_PATHS = ("/search", "/api/v1/therapists")


# --- Synthetic listings ------------------------------------------------------------------------

THERAPIST_COLUMNS = (
    "id", "slug", "name", "practice_name", "credentials", "license_number", "license_state",
    "years_in_practice", "training", "certifications", "bio", "phone", "email", "website", "price_min",
    "price_max", "session_lengths", "accepting_new_clients", "mobile", "service_radius_mi", "languages",
    "status", "is_sample", "created_at", "updated_at",
)
LOCATION_COLUMNS = (
    "id", "therapist_id", "position", "street", "city", "state", "postal_code", "country", "latitude", "longitude",
)
PAIR_COLUMNS = ("therapist_id", "modality_id")


def synthetic_offers(rng: random.Random) -> tuple[Any, ...]:
    """Training, certifications, prices, session lengths and languages of one listing (issue 17's filters):
    about 20% with NMT training on file, prices from $40, 15% speaking Spanish."""
    nmt = rng.random()
    training = "Studied the St. John Method of NMT." if nmt < 0.15 else "Synthetic training."
    certifications = '["Certified Neuromuscular Therapist"]' if 0.15 <= nmt < 0.2 else "[]"
    price_min = None if rng.random() < 0.03 else rng.randrange(40, 201, 5)
    price_max = None if price_min is None else price_min + rng.choice((0, 20, 40, 60))
    lengths = json.dumps(sorted(rng.sample(SESSION_LENGTH_CHOICES, rng.randint(1, 3))))
    languages = ["English"] if rng.random() < 0.9 else []
    if rng.random() < 0.15:
        languages.append("Spanish")
    if rng.random() < 0.05:
        languages.append(rng.choice(("Vietnamese", "Mandarin", "French", "ASL", "Polish")))
    return training, certifications, price_min, price_max, lengths, json.dumps(languages or ["English"])


def synthetic_listings(size: int, modality_ids: list[int], dense: tuple[float, float]) -> Iterator[tuple[str, tuple]]:
    """("therapists" | "locations" | "therapist_modalities", row) for `size` published listings."""
    rng = random.Random(size)
    # Offers come from a generator of their own: places and modalities stay those of earlier runs.
    offers_rng = random.Random(-size)
    now = datetime(2026, 1, 1, tzinfo=timezone.utc)
    location_id = 0
    for number in range(1, size + 1):
        mobile = rng.random() < 0.1
        training, certifications, price_min, price_max, lengths, languages = synthetic_offers(offers_rng)
        yield "therapists", (
            number, f"bench-{number}", f"Bench Therapist {number}", f"Practice {number}", '["LMT"]',
            f"MA{number:07d}", "IL", rng.randint(1, 30), training, certifications, "A synthetic listing.",
            "(555) 555-0100", f"t{number}@example.com", "https://example.com", price_min, price_max, lengths,
            rng.random() < 0.8, mobile, rng.choice((10, 15, 25, 40)) if mobile else None, languages,
            "published", True, now, now,
        )
        if rng.random() < CLUSTER_SHARE:
            east_km, north_km = rng.gauss(0, CLUSTER_SIGMA_KM), rng.gauss(0, CLUSTER_SIGMA_KM)
            bearing = math.degrees(math.atan2(east_km, north_km))
            spot = geodesic(kilometers=math.hypot(east_km, north_km)).destination(dense, bearing)
            places = [(spot.latitude, spot.longitude)]
        else:
            lat0, lat1, lon0, lon1 = CONTINENTAL_US
            places = [(rng.uniform(lat0, lat1), rng.uniform(lon0, lon1))]
        if rng.random() < 0.05:
            places.append((places[0][0] + rng.uniform(-0.1, 0.1), places[0][1] + rng.uniform(-0.1, 0.1)))
        for position, (lat, lon) in enumerate(places):
            location_id += 1
            yield "locations", (location_id, number, position, f"{number} Main St", "Sampletown", "IL", "60601", "US", lat, lon)
        for modality_id in rng.sample(modality_ids, rng.randint(1, 4)):
            yield "therapist_modalities", (number, modality_id)


def bulk_load(size: int, dense: tuple[float, float]) -> None:
    """Insert the listings in batches: executemany on SQLite, COPY on PostgreSQL."""
    modality_ids = list(db.session.scalars(text("SELECT id FROM modalities ORDER BY id")))
    columns = {"therapists": THERAPIST_COLUMNS, "locations": LOCATION_COLUMNS, "therapist_modalities": PAIR_COLUMNS}
    batches: dict[str, list[tuple]] = {table: [] for table in columns}
    connection = db.engine.raw_connection()
    sqlite = db.engine.dialect.name == "sqlite"

    def flush(table: str) -> None:
        rows, names = batches[table], columns[table]
        cursor = connection.cursor()
        if sqlite:
            marks = ", ".join("?" for _ in names)
            cursor.executemany(f"INSERT INTO {table} ({', '.join(names)}) VALUES ({marks})", rows)
        else:
            with cursor.copy(f"COPY {table} ({', '.join(names)}) FROM STDIN") as copy:
                for row in rows:
                    copy.write_row(row)
        cursor.close()
        rows.clear()

    try:
        for table, row in synthetic_listings(size, modality_ids, dense):
            batches[table].append(row)
            if len(batches[table]) >= 50_000:
                for name in columns:
                    flush(name)
        for name in columns:
            flush(name)
        if not sqlite:
            cursor = connection.cursor()
            cursor.execute("SELECT setval('therapists_id_seq', %s)", (size,))
            cursor.execute("SELECT setval('locations_id_seq', (SELECT max(id) FROM locations))")
            cursor.close()
        connection.commit()
    finally:
        connection.close()


def seed_modalities(seeds_dir: str) -> None:
    """The seeded modalities, written in SQL: the models describe the latest schema, not this early one."""
    entries = read_seed(seeds_dir, "modalities.json")["modalities"]
    ids = {entry["slug"]: number for number, entry in enumerate(entries, start=1)}
    for position, entry in enumerate(entries):
        db.session.execute(
            text("INSERT INTO modalities (id, slug, name, description, position, parent_id)"
                 " VALUES (:id, :slug, :name, :description, :position, :parent_id)"),
            {"id": ids[entry["slug"]], "slug": entry["slug"], "name": entry["name"], "description": entry["description"],
             "position": position, "parent_id": ids.get(entry.get("parent") or "")},
        )
    db.session.commit()


def prepare_database(url: str, size: int, dense: tuple[float, float]) -> None:
    """Migrate up to the revision before the spatial index and bulk-load; settle() then builds the listing points."""
    app = create_app(bench_config(url))
    with app.app_context():
        if db.engine.dialect.name == "postgresql":
            db.session.execute(text(f"CREATE SCHEMA IF NOT EXISTS {schema(size)}"))
            db.session.commit()
        script = ScriptDirectory.from_config(app.extensions["migrate"].migrate.get_config())
        flask_migrate.upgrade(revision=script.get_revision("0004").down_revision)
        seed_modalities(app.config["SEEDS_DIR"])
        started = time.perf_counter()
        bulk_load(size, dense)
        print(f"  generated {size:,} listings in {time.perf_counter() - started:.0f} s", flush=True)
        db.engine.dispose()


def settle(url: str) -> None:
    """Migrate cached listings to the latest schema, then refresh the planner's statistics (and, on
    PostgreSQL, the visibility map autovacuum would keep on a settled table)."""
    app = create_app(bench_config(url))
    with app.app_context():
        current = db.session.scalar(text("SELECT version_num FROM alembic_version"))
        if int(current) < int(LANGUAGE_NAMES_REVISION):
            # The language names first, so that the listing points are built with their languages at once
            # (filling them in afterwards rewrites every point).
            flask_migrate.upgrade(revision=LANGUAGE_NAMES_REVISION)
            offers.sync_language_names(offers.languages_in(str(app.config["SEEDS_DIR"])))
            db.session.commit()
        flask_migrate.upgrade()
        with db.engine.connect().execution_options(isolation_level="AUTOCOMMIT") as connection:
            connection.execute(text("ANALYZE" if db.engine.dialect.name == "sqlite" else "VACUUM ANALYZE"))
        db.engine.dispose()


def schema(size: int | str) -> str:
    """The PostgreSQL schema holding one size's listings (or the seeded data)."""
    return f"bench_{size}" if size == SEEDED else f"bench_v{DATA_VERSION}_{size}"


def schema_url(size: int | str) -> str:
    """BENCH_DATABASE_URL with its search path set to that schema."""
    base = database_url(os.environ["BENCH_DATABASE_URL"])
    return f"{base}{'&' if '?' in base else '?'}options=-csearch_path%3D{schema(size)}"


def database_for(db_name: str, size: int, dense: tuple[float, float]) -> str:
    """The SQLAlchemy URL of one size's listings on one database, generated when not cached."""
    if size == SEEDED:
        if db_name == "sqlite":
            return seeded_database(f"sqlite:///{DATA / 'seeded.sqlite3'}", None)
        return seeded_database(schema_url(size), schema(size))
    if db_name == "sqlite":
        path = DATA / f"listings-v{DATA_VERSION}-{size}.sqlite3"
        if not path.exists():
            partial = path.with_suffix(".partial")
            partial.unlink(missing_ok=True)
            prepare_database(f"sqlite:///{partial}", size, dense)
            partial.rename(path)
        settle(f"sqlite:///{path}")
        return f"sqlite:///{path}"
    url = schema_url(size)
    app = create_app(bench_config(url))
    with app.app_context():
        loaded = db.session.scalar(text(
            "SELECT count(*) FROM information_schema.tables WHERE table_schema = :s AND table_name = 'alembic_version'"
        ), {"s": schema(size)})
        count = db.session.scalar(text("SELECT count(*) FROM therapists")) if loaded else 0
        if count != size:
            db.session.execute(text(f"DROP SCHEMA IF EXISTS {schema(size)} CASCADE"))
            db.session.commit()
        db.engine.dispose()
    if count != size:
        prepare_database(url, size, dense)
    settle(url)
    return url


# --- Service and floor -------------------------------------------------------------------------

def percentile(values: list[float], share: float) -> float:
    """The value below which `share` of the sorted values lie."""
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(share * len(ordered)))]


def timed(call: Callable[[], Any], before: Callable[[], Any], repeat: int) -> list[float]:
    """Milliseconds of `call` over `repeat` runs, each after an untimed `before`."""
    times = []
    for _ in range(repeat):
        before()
        started = time.perf_counter()
        call()
        times.append((time.perf_counter() - started) * 1000)
    return times


def floor_query(
    dialect: str, point: tuple[float, float], radius_km: float, masks: list[int], planes: tuple[float, float], page: int,
    offered: str = "",
):
    """The leanest SQL for the same page: listing points in one box just big enough, nearest first by a
    flat-earth distance, then the shown columns of just that page's therapists. `offered`: SQL conditions
    on the point `p` (issue 17's filters, values written in)."""
    min_lat, max_lat, min_lon, max_lon = bounding_boxes(*point, radius_km)[0]
    lat, lon = point
    scale = math.cos(math.radians(lat)) ** 2
    if dialect == "sqlite":
        inside = (
            f"p.max_lat >= {min_lat} AND p.min_lat <= {max_lat} AND p.max_lon >= {min_lon} AND p.min_lon <= {max_lon}"
            f" AND p.max_plane >= {planes[0]} AND p.min_plane <= {planes[1]}"
        )
    else:
        inside = (f"p.plane BETWEEN {planes[0]} AND {planes[1]}"
                  f" AND point(p.longitude, p.latitude) <@ box(point({min_lon}, {min_lat}), point({max_lon}, {max_lat}))")
    offers = "".join(f" AND (p.modality_mask & {mask}) <> 0" for mask in masks)
    if offered:
        offers += f" AND {offered}"
    order = f"(p.latitude - {lat}) * (p.latitude - {lat}) + (p.longitude - {lon}) * (p.longitude - {lon}) * {scale}"
    return (
        "SELECT t.id, t.slug, t.name, t.practice_name, t.credentials, t.accepting_new_clients, t.mobile, t.is_sample,"
        " t.price_min, t.price_max, l.city, l.state, n.latitude, n.longitude"
        f" FROM (SELECT p.location_id, p.therapist_id, p.latitude, p.longitude FROM listing_points p WHERE {inside}{offers}"
        f" ORDER BY {order} LIMIT {PAGE_SIZE} OFFSET {(page - 1) * PAGE_SIZE}) n"
        " JOIN therapists t ON t.id = n.therapist_id JOIN locations l ON l.id = n.location_id"
    )


def measure_service(db_name: str, url: str, size: int, points: dict[str, tuple[float, float]], repeat: int) -> tuple[list[dict], dict]:
    """Median and p95 of search_therapists and of the floor for every case; the dense plan."""
    app = create_app(bench_config(url))
    rows, plan = [], {}
    with app.app_context():
        vocabulary = load_vocabulary()
        raw = db.engine.raw_connection()
        for case, place, rest in CASES:
            point = points[place]
            for page in PAGES:
                params = SearchParams(near=place, radius=RADIUS_MI, page=page, **rest)
                found = search_therapists(params, vocabulary, point)
                if found.page != page or not found.hits:
                    continue  # this case has no such page
                service = timed(lambda: search_therapists(params, vocabulary, point), db.session.remove, repeat)
                reach_km = to_km(max(hit.distance for hit in found.hits), "mi") * 1.01 + 0.01
                masks = [vocabulary.modality_mask(slug) for slug in params.modalities]
                bound = listing_filter(params, vocabulary).values
                planes = (bound["plane_low"], bound["plane_high"])
                sql = floor_query(db.engine.dialect.name, point, reach_km, masks, planes, page, offered_sql(params))
                cursor = raw.cursor()
                floor_ids = [row[0] for row in cursor.execute(sql).fetchall()]
                floor = timed(lambda: cursor.execute(sql).fetchall(), lambda: None, repeat)
                same = len(set(floor_ids) & {hit.therapist.id for hit in found.hits})
                row = {
                    "db": db_name, "size": size, "case": case, "page": page,
                    "service_ms_p50": round(statistics.median(service), 3),
                    "service_ms_p95": round(percentile(service, 0.95), 3),
                    "floor_ms_p50": round(statistics.median(floor), 3),
                    "ratio": round(statistics.median(service) / statistics.median(floor), 2),
                    "total": f"{found.total}{'+' if found.capped else ''}",
                    "floor_rows_in_common": same,
                }
                rows.append(row)
                print(f"  {db_name:10} {size:>9,} {case:22} p{page:<3} service {row['service_ms_p50']:7.2f} ms"
                      f" (p95 {row['service_ms_p95']:7.2f})  floor {row['floor_ms_p50']:6.2f} ms  x{row['ratio']:5.2f}"
                      f"  total {row['total']}  same rows {same}/{len(found.hits)}", flush=True)
        raw.close()
        plan = dense_plan(vocabulary, points[DENSE_PLACE])
        db.engine.dispose()
    return rows, plan


def offered_sql(params: SearchParams) -> str:
    """The search's conditions on what a listing point offers, with their values written in, for the floor; home
    visits as "mobile" (the floor does not check whose service area reaches the place)."""
    languages = {language.slug: language for language in offers.load_languages()}
    conditions, values = offers.point_conditions(
        params.max_price, [languages[slug] for slug in params.languages], params.session_lengths, params.nmt_training
    )
    if params.home_visits:
        conditions.append("p.mobile")
    written = " AND ".join(conditions)
    for name, value in sorted(values.items(), key=lambda item: -len(item[0])):
        literal = str(value) if isinstance(value, int) else "'" + str(value).replace("'", "''") + "'"
        written = written.replace(f":{name}", literal)
    return written


def dense_plan(vocabulary: Any, point: tuple[float, float]) -> dict[str, Any]:
    """The plans of the dense search's statements (census, then candidates), and the steps that read a whole table."""
    listing = listing_filter(SearchParams(), vocabulary)
    radius_km = to_km(RADIUS_MI, "mi")
    census = nearby.take_census(listing, point, radius_km, PAGE_SIZE, vocabulary)
    rung_km = nearby.ladder(radius_km)[census.rung] if census.capped else radius_km
    statements = {
        "census": nearby.census_statement(listing, point, radius_km, PAGE_SIZE, vocabulary),
        "candidates": nearby.candidates_statement(listing, point, rung_km, to_km(census.widest_visit_mi or 0, "mi")),
    }
    plans = {name: query_plans.query_plan(statement) for name, statement in statements.items()}
    return {"steps": plans, "full_scans": [s for steps in plans.values() for s in query_plans.full_scans(steps)]}


# --- End to end --------------------------------------------------------------------------------

def worker_memory_mb(server: subprocess.Popen) -> list[float]:
    """Resident memory of each gunicorn worker (children of the master), in MB."""
    children = Path(f"/proc/{server.pid}/task/{server.pid}/children").read_text().split()
    sizes = []
    for pid in children:
        status = Path(f"/proc/{pid}/status").read_text()
        sizes.append(int(re.search(r"VmRSS:\s+(\d+) kB", status).group(1)) / 1024)
    return sizes


def measure_http(db_name: str, url: str, size: int | str, log: Path) -> tuple[list[dict], list[dict], list[float]]:
    """The five pages of issue 15 against the bare page; at the synthetic sizes also /search and the API,
    sparse and dense (issue 6), and the workers' memory afterwards."""
    cases: list[dict] = []
    memory: list[float] = []

    def search_cases(server: subprocess.Popen, pages: list[dict]) -> None:
        bare_rps = statistics.median(row["bare_rps"] for row in pages)
        for case, place in (("sparse", SPARSE_PLACE), ("dense", DENSE_PLACE)):
            for path in HTTP_PATHS:
                result = measured(f"http://127.0.0.1:{APP_PORT}{path}?{urlencode({'near': place, 'radius': RADIUS_MI})}")
                row = {
                    "db": db_name, "size": size, "case": case, "path": path, "rps": result["rps"],
                    "bare_rps": bare_rps, "ratio": round(result["rps"] / bare_rps, 3),
                    "p50_ms": round(result["p50"], 2), "p99_ms": round(result["p99"], 2),
                }
                cases.append(row)
                print(f"  {db_name:10} {size:>9,} {case:6} {path:20} {row['rps']:8.1f} req/s ({row['ratio']:.0%} of bare)  p50 {row['p50_ms']:.1f} ms"
                      f"  p99 {row['p99_ms']:.1f} ms", flush=True)
        memory.extend(worker_memory_mb(server))

    pages = measure_pages(db_name, size, url, log, BIN, then=None if size == SEEDED else search_cases)
    return pages, cases, memory


# --- Report ------------------------------------------------------------------------------------

def machine() -> str:
    """CPU model, cores, memory and software versions of this machine."""
    cpu = re.search(r"model name\s*:\s*(.+)", Path("/proc/cpuinfo").read_text())
    memory_kb = int(re.search(r"MemTotal:\s+(\d+)", Path("/proc/meminfo").read_text()).group(1))
    import sqlite3

    return (
        f"{cpu.group(1) if cpu else platform.processor()}, {os.cpu_count()} cores, {memory_kb / 1024 / 1024:.0f} GiB;"
        f" {platform.system()} {platform.release()}; Python {platform.python_version()}, SQLite {sqlite3.sqlite_version}"
    )


def load_average() -> str:
    """The 1, 5 and 15 minute load averages: other work on the machine skews the shares."""
    return " ".join(Path("/proc/loadavg").read_text().split()[:3])


def table(rows: list[dict], columns: list[str]) -> list[str]:
    """A Markdown table of `columns` of `rows`."""
    lines = ["| " + " | ".join(columns) + " |", "|" + "---|" * len(columns)]
    lines += ["| " + " | ".join(str(row[c]) for c in columns) + " |" for row in rows]
    return lines


def targets(results: dict) -> list[str]:
    """Each target of issues 6 and 15 with the figure that decides it."""
    lines = []
    service = results["service"]
    for db_name in sorted({r["db"] for r in service}):
        dense = {(r["size"], r["page"]): r for r in service if r["db"] == db_name and r["case"] == "dense"}
        top = dense.get((1_000_000, 1))
        if top:
            lines.append(f"- {db_name}: dense, 1M, page 1: {top['service_ms_p50']} ms median (target ≤ 5),"
                         f" {top['ratio']}x the floor (target ≤ 2)")
            if (100_000, 1) in dense:
                growth = top["service_ms_p50"] / dense[(100_000, 1)]["service_ms_p50"]
                lines.append(f"- {db_name}: dense growth 100k → 1M: {growth:.2f}x (target ≤ 1.5)")
        sparse = [r for r in service if r["db"] == db_name and r["case"] == "sparse" and r["page"] == 1]
        if sparse:
            worst = max(sparse, key=lambda r: r["ratio"])
            lines.append(f"- {db_name}: sparse, worst service ÷ floor {worst['ratio']}x at {worst['size']:,} (target ≤ 2)")
    for row in results["http"]:
        lines.append(f"- {row['db']} {row['size']:,} {row['case']} {row['path']}: {row['ratio']:.0%} of bare (target ≥ 35%),"
                     f" p99 {row['p99_ms'] / row['p50_ms']:.1f}x p50 (target ≤ 4)")
    lines += page_targets(results["pages"])
    for db_name, sizes in results["memory_mb"].items():
        lines.append(f"- {db_name}: worker RSS after the 1M run {max(sizes):.0f} MB max (target < 150)")
    return lines


def report(results: dict) -> str:
    """The readable table of a run."""
    lines = [f"Machine: {results['machine']}", f"Run: {results['finished']}",
             f"Load average before each end-to-end run: {'; '.join(results['load_average']) or '-'}", "", "Service (ms) against the floor:", ""]
    lines += table(results["service"], ["db", "size", "case", "page", "service_ms_p50", "service_ms_p95", "floor_ms_p50", "ratio", "total"])
    lines += ["", "End to end, the pages of issue 15 (gunicorn, wrk on 127.0.0.1; bare measured just before each page):", ""]
    lines += table(results["pages"], ["db", "size", "page", "rps", "bare_rps", "share", "target", "p50_ms", "p99_ms"])
    lines += ["", "End to end, the search (gunicorn, wrk on 127.0.0.1; bare: the median of the pages' runs):", ""]
    lines += table(results["http"], ["db", "size", "case", "path", "rps", "bare_rps", "ratio", "p50_ms", "p99_ms"])
    lines += ["", "Targets:", ""] + targets(results)
    return "\n".join(lines) + "\n"


def save(results: dict) -> str:
    """Write latest.json and latest.md (after every size, so that an interrupted run keeps what it measured)."""
    results["finished"] = datetime.now(timezone.utc).isoformat(timespec="seconds")
    (RESULTS / "latest.json").write_text(json.dumps(results, indent=2) + "\n")
    readable = report(results)
    (RESULTS / "latest.md").write_text(readable)
    return readable


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sizes", default=",".join(str(s) for s in (SEEDED, *SIZES)),
                        help=f"comma-separated listing counts, and {SEEDED!r} for the data of `make run`")
    parser.add_argument("--no-http", action="store_true", help="skip the gunicorn and wrk runs")
    args = parser.parse_args()
    sizes: list[int | str] = [s if s == SEEDED else int(s) for s in args.sizes.split(",")]
    DATA.mkdir(parents=True, exist_ok=True)
    RESULTS.mkdir(parents=True, exist_ok=True)
    geocoder = offline_geocoder()
    points = {place: (geocoder.geocode(place).latitude, geocoder.geocode(place).longitude) for place in (DENSE_PLACE, SPARSE_PLACE)}
    databases = ["sqlite"] + (["postgresql"] if os.environ.get("BENCH_DATABASE_URL") else [])
    results: dict[str, Any] = {"machine": machine(), "load_average": [], "service": [], "pages": [], "http": [],
                               "plans": {}, "memory_mb": {}}
    log = RESULTS / "gunicorn.log"
    log.write_text("")
    for db_name in databases:
        for size in sizes:
            print(f"{db_name}, {size_label(size)} listings", flush=True)
            url = database_for(db_name, size, points[DENSE_PLACE])
            if size != SEEDED:
                rows, plan = measure_service(db_name, url, size, points, repeat=10 if size >= 1_000_000 else 30)
                results["service"] += rows
                results["plans"][db_name] = {"size": size, **plan}
            if (size == SEEDED or size in HTTP_SIZES) and not args.no_http:
                results["load_average"].append(f"{db_name} {size_label(size)}: {load_average()}")
                pages, http, memory = measure_http(db_name, url, size, log)
                results["pages"] += pages
                results["http"] += http
                if memory:
                    results["memory_mb"][db_name] = [round(m, 1) for m in memory]
                    print(f"  worker RSS (MB): {', '.join(f'{m:.0f}' for m in memory)}", flush=True)
            save(results)
    readable = save(results)
    print()
    for db_name, plan in results["plans"].items():
        print(f"Dense search plan on {db_name} ({plan['size']:,} listings):")
        for name, steps in plan["steps"].items():
            print(f"  {name}:")
            print("\n".join(f"    {step}" for step in steps))
    print()
    print(readable)
    scans = {db_name: plan["full_scans"] for db_name, plan in results["plans"].items() if plan["full_scans"]}
    if scans:
        print(f"FAIL: the dense search reads a whole table: {scans}")
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
