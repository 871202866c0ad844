"""The search service: radius edges, distances, ordering, filters, paging and fallbacks."""
import random
from dataclasses import replace

import pytest
from geopy.distance import geodesic
from sqlalchemy import delete, event, select
from sqlalchemy.orm import selectinload
from werkzeug.datastructures import MultiDict

from directory.extensions import db
from directory.search.params import SearchParams, parse_search_args
from directory.search.services import COUNT_CAP, PAGE_SIZE, search_therapists
from directory.search.vocabulary import load_vocabulary
from directory.therapists.models import Condition, ListingStatus, Modality, Therapist
from tests.conftest import ST_PETE, point_at


def search(point=ST_PETE, **params):
    return search_therapists(SearchParams(**params), load_vocabulary(), point)


def names(results):
    return [hit.therapist.name for hit in results.hits]


def test_radius_edge_is_exact(make_therapist):
    make_therapist(at=point_at(24.9), name="Inside")
    make_therapist(at=point_at(25.1), name="Outside")
    make_therapist(at=point_at(24.99, bearing=0), name="Inside north")
    make_therapist(at=point_at(25.02, bearing=180), name="Outside south")
    assert sorted(names(search(radius=25))) == ["Inside", "Inside north"]


def test_kilometre_searches_use_kilometres(make_therapist):
    make_therapist(at=point_at(9.9 / 1.609344), name="9.9 km")
    make_therapist(at=point_at(10.1 / 1.609344), name="10.1 km")
    results = search(radius=10, unit="km")
    assert names(results) == ["9.9 km"]
    assert results.hits[0].distance == pytest.approx(9.9, abs=0.01)


def test_results_are_nearest_first_with_geodesic_distance(make_therapist):
    rng = random.Random(7)
    for i in range(12):
        make_therapist(at=point_at(rng.uniform(0.2, 24), bearing=rng.uniform(0, 360)), name=f"T{i}")
    results = search(radius=25)
    distances = [hit.distance for hit in results.hits]
    assert len(distances) == 12
    assert distances == sorted(distances)
    for hit in results.hits:
        loc = hit.therapist.locations[0]
        true_miles = geodesic(ST_PETE, (loc.latitude, loc.longitude)).miles
        assert hit.distance == pytest.approx(true_miles, rel=0.005)


def test_distance_is_to_the_nearest_location(make_therapist):
    make_therapist(at=[point_at(20), point_at(3, bearing=200)], name="Two offices")
    results = search(radius=25)
    assert results.hits[0].distance == pytest.approx(3, abs=0.01)
    assert results.hits[0].location.latitude == pytest.approx(point_at(3, bearing=200)[0])
    assert results.total == 1


def test_only_published_listings_are_found(make_therapist):
    make_therapist(name="Published")
    for status in ListingStatus:
        if status is not ListingStatus.PUBLISHED:
            make_therapist(name=status.value, status=status.value)
    assert names(search()) == ["Published"]
    assert names(search(point=None)) == ["Published"]


def test_mobile_therapists_reaching_the_point_are_marked(make_therapist):
    make_therapist(at=point_at(40), name="Visits", mobile=True, service_radius_mi=45)
    make_therapist(at=point_at(40, bearing=0), name="Too far", mobile=True, service_radius_mi=30)
    make_therapist(at=point_at(5), name="Mobile nearby", mobile=True, service_radius_mi=10)
    results = search(radius=25)
    assert names(results) == ["Mobile nearby", "Visits"]
    assert [hit.visits_your_area for hit in results.hits] == [False, True]


def test_modality_filter_is_and_and_parent_includes_lineages(make_therapist):
    make_therapist(name="St John", modalities=("nmt-st-john", "trigger-point"))
    make_therapist(name="American", modalities=("nmt-american",))
    make_therapist(name="Plain NMT", modalities=("nmt",))
    make_therapist(name="Swedish", modalities=("swedish",))
    assert sorted(names(search(modalities=("nmt",)))) == ["American", "Plain NMT", "St John"]
    assert names(search(modalities=("nmt", "trigger-point"))) == ["St John"]
    assert names(search(modalities=("nmt-american",))) == ["American"]
    assert names(search(modalities=("swedish", "nmt"))) == []


def test_condition_filter_is_or(make_therapist):
    make_therapist(name="Headaches", conditions=("tension-headache",))
    make_therapist(name="Knots", conditions=("upper-back-knots",))
    make_therapist(name="Sciatica", conditions=("sciatica",))
    found = names(search(conditions=("tension-headache", "upper-back-knots")))
    assert sorted(found) == ["Headaches", "Knots"]


def test_filters_combine(make_therapist):
    make_therapist(name="Match", modalities=("nmt-st-john",), conditions=("migraine",))
    make_therapist(name="Full", modalities=("nmt-st-john",), conditions=("migraine",), accepting_new_clients=False)
    make_therapist(name="No condition", modalities=("nmt-st-john",))
    make_therapist(name="Far", at=point_at(30), modalities=("nmt",), conditions=("migraine",))
    results = search(radius=25, modalities=("nmt",), conditions=("migraine",), accepting=True)
    assert names(results) == ["Match"]


def test_name_or_practice_search_is_case_insensitive_and_literal(make_therapist):
    make_therapist(name="Ana O'Brien", practice_name="Bayfront Bodywork")
    make_therapist(name="Bob Smith", practice_name="100% Relief")
    make_therapist(name="Carol Jones", practice_name="Other")
    assert names(search(text="o'brien")) == ["Ana O'Brien"]
    assert names(search(text="BAYFRONT")) == ["Ana O'Brien"]
    assert names(search(text="100%")) == ["Bob Smith"]
    assert names(search(text="%")) == ["Bob Smith"]


def test_paging_20_per_page(make_therapist):
    for i in range(45):
        make_therapist(at=point_at(0.1 + i * 0.2), name=f"T{i:02d}")
    first, third = search(page=1), search(page=3)
    assert first.total == third.total == 45
    assert first.pages == 3
    assert names(first) == [f"T{i:02d}" for i in range(PAGE_SIZE)]
    assert names(third) == [f"T{i:02d}" for i in range(40, 45)]


def test_page_past_the_end_is_empty_with_a_notice(make_therapist):
    for i in range(3):
        make_therapist(at=point_at(i + 1))
    results = search(page=7)
    assert (results.page, results.pages, results.total) == (7, 1, 3)
    assert results.past_end and results.hits == []
    assert any("no page 7" in notice for notice in results.notices)
    assert not search(page=1).past_end


def test_thin_results_offer_the_nearest_at_any_distance(make_therapist):
    make_therapist(at=point_at(2), name="Close")
    make_therapist(at=point_at(60), name="Sixty")
    make_therapist(at=point_at(300), name="Three hundred")
    make_therapist(at=point_at(1200), name="Far away")
    results = search(radius=10)
    assert names(results) == ["Close"]
    elsewhere = [hit.therapist.name for hit in results.nearest_elsewhere]
    assert elsewhere == ["Sixty", "Three hundred", "Far away"]
    assert results.nearest_elsewhere[0].distance == pytest.approx(60, abs=0.1)


def test_nearest_elsewhere_respects_the_filters(make_therapist):
    make_therapist(at=point_at(80), name="NMT far", modalities=("nmt-st-john",))
    make_therapist(at=point_at(40), name="Swedish nearer", modalities=("swedish",))
    results = search(radius=5, modalities=("nmt",))
    assert results.total == 0
    assert [hit.therapist.name for hit in results.nearest_elsewhere] == ["NMT far"]


def test_no_fallback_when_enough_results(make_therapist):
    for i in range(6):
        make_therapist(at=point_at(i + 1))
    make_therapist(at=point_at(200))
    assert search(radius=10).nearest_elsewhere == []


def test_modality_counts_are_for_the_area_and_filters(make_therapist):
    make_therapist(modalities=("nmt-st-john", "trigger-point"))
    make_therapist(modalities=("nmt-american",))
    make_therapist(modalities=("swedish",))
    make_therapist(at=point_at(100), modalities=("nmt-st-john",))
    counts = search(radius=25).modality_counts
    assert counts["nmt"] == 2
    assert counts["nmt-st-john"] == 1
    assert counts["swedish"] == 1
    assert counts["thai"] == 0
    assert search(radius=25, modalities=("trigger-point",)).modality_counts["nmt"] == 1


def test_browse_without_a_place_orders_by_state_then_name(make_therapist):
    make_therapist(name="Zed", at=(27.77, -82.64))
    make_therapist(name="Amy", at=(27.77, -82.64))
    texan = make_therapist(name="Bea", at=(29.76, -95.36))
    texan.locations[0].state = "TX"
    db.session.commit()
    results = search(point=None)
    assert names(results) == ["Amy", "Zed", "Bea"]
    assert all(hit.distance is None for hit in results.hits)
    assert results.modality_counts["nmt"] == 0


NMT_FAMILY = {"nmt", "nmt-st-john", "nmt-american"}


def brute_force(everyone, centre, radius_mi, modality=False, accepting=False, swedish=False):
    """(therapist id, miles, visits) of every match among `everyone`, nearest first, by geodesic distance;
    `modality` asks for NMT (or a lineage of it), `swedish` for Swedish massage too."""
    found = []
    for t in everyone:
        if t.status != ListingStatus.PUBLISHED.value:
            continue
        if modality and not NMT_FAMILY & {m.slug for m in t.modalities}:
            continue
        if swedish and "swedish" not in {m.slug for m in t.modalities}:
            continue
        if accepting and not t.accepting_new_clients:
            continue
        miles = min(geodesic(centre, (loc.latitude, loc.longitude)).miles for loc in t.locations)
        visits = bool(t.mobile and miles <= t.service_radius_mi)
        if miles <= radius_mi or visits:
            found.append((t.id, miles, visits and miles > radius_mi))
    return sorted(found, key=lambda f: (f[1], f[0]))


def test_fast_path_agrees_with_brute_force(make_therapist):
    """Random points and radii over a dense cluster, a sparse spread, filters and mobile therapists."""
    rng = random.Random(42)
    # Some offer two of the NMT family: SQLite then reads their locations once per NMT plane.
    modalities = [("nmt-st-john",), ("nmt-american", "swedish"), ("swedish",), ("thai", "nmt"),
                  ("nmt", "nmt-st-john", "swedish")]
    for i in range(900):
        dense = i < 700
        distance = abs(rng.gauss(0, 4)) if dense else rng.uniform(0, 150)
        mobile = i % 9 == 0
        make_therapist(
            at=[point_at(distance, rng.uniform(0, 360))] + ([point_at(rng.uniform(0, 60), rng.uniform(0, 360))] if i % 13 == 0 else []),
            name=f"R{i:03d}", modalities=rng.choice(modalities), accepting_new_clients=i % 5 != 0,
            mobile=mobile, service_radius_mi=rng.choice([15, 40, 90]) if mobile else None,
            status=ListingStatus.PENDING.value if i % 31 == 0 else ListingStatus.PUBLISHED.value, commit=False,
        )
    db.session.commit()
    everyone = list(db.session.scalars(
        select(Therapist).options(selectinload(Therapist.locations), selectinload(Therapist.modalities))
    ))
    capped_cases = 0
    for case in range(14):
        centre = ST_PETE if case < 3 else point_at(rng.choice([rng.uniform(0, 8), rng.uniform(0, 140)]), rng.uniform(0, 360))
        radius = rng.choice([5, 10, 25, 50, 100])
        filters = [{}, {"modalities": ("nmt",)}, {"accepting": True}, {"modalities": ("nmt", "swedish")}][case % 4]
        expected = brute_force(everyone, centre, radius, "modalities" in filters, "accepting" in filters,
                               "swedish" in filters.get("modalities", ()))
        first = search(point=centre, radius=radius, **filters)
        if first.capped:
            capped_cases += 1
            assert len(expected) >= 500 and first.total == 500 and first.pages == 25
        else:
            assert first.total == len(expected)
        for page in sorted({1, 2, min(first.pages, 10), first.pages}):
            results = search(point=centre, radius=radius, page=page, **filters)
            assert results.page == page
            window = expected[(results.page - 1) * PAGE_SIZE : results.page * PAGE_SIZE]
            assert [hit.therapist.id for hit in results.hits] == [w[0] for w in window], (case, page)
            for hit, (_, miles, visits) in zip(results.hits, window):
                assert hit.distance == pytest.approx(miles, rel=1e-4)
                assert hit.visits_your_area == visits
    assert capped_cases >= 3


def count_queries(fn):
    statements = []

    def record(conn, cursor, statement, *args):
        statements.append(statement)

    event.listen(db.engine, "before_cursor_execute", record)
    try:
        fn()
    finally:
        event.remove(db.engine, "before_cursor_execute", record)
    return len(statements)


OFFERS = "&max_price=150&language=english&session_length=60&home_visits=1&nmt_training=1"


def test_query_count_does_not_grow_with_results(make_therapist, client):
    offered = SearchParams(radius=25, max_price=150, languages=("english",), session_lengths=(60,), home_visits=True,
                           nmt_training=True)

    def page_queries():
        db.session.expire_all()
        return (
            count_queries(lambda: search_therapists(SearchParams(radius=25), load_vocabulary(), ST_PETE)),
            count_queries(lambda: client.get("/search?near=33701&radius=25")),
            count_queries(lambda: search_therapists(offered, load_vocabulary(), ST_PETE)),
            count_queries(lambda: client.get(f"/search?near=33701&radius=25{OFFERS}")),
            count_queries(lambda: client.get(f"/api/v1/therapists?near=33701&radius=25{OFFERS}")),
            count_queries(lambda: client.get(f"/search?{OFFERS}")),
        )

    offers = {"training": "NMT St. John Method", "mobile": True, "service_radius_mi": 40}

    for i in range(6):
        make_therapist(at=point_at(i + 1), modalities=("nmt-st-john",), **offers)
    few = page_queries()
    for i in range(30):
        make_therapist(at=point_at(i * 0.5 + 0.1), modalities=("swedish", "thai"), conditions=("migraine",), **offers)
    many = page_queries()
    for i in range(COUNT_CAP):
        make_therapist(at=point_at(i * 0.004 + 0.1), modalities=("swedish",), commit=False, **offers)
    db.session.commit()
    capped = page_queries()
    assert search(radius=25).capped and search_therapists(offered, load_vocabulary(), ST_PETE).capped
    assert few == many
    assert all(c <= m for c, m in zip(capped, many)), (capped, many)


def test_totals_and_counts_past_the_cap_are_lower_bounds(make_therapist):
    for i in range(COUNT_CAP + 20):
        make_therapist(at=point_at(i * 0.004 + 0.1), modalities=("swedish",) if i % 2 else ("thai",), commit=False)
    make_therapist(at=point_at(0.05), modalities=("nmt-st-john",), commit=False)
    db.session.commit()
    results = search(radius=25)
    assert results.capped and results.total == COUNT_CAP and results.pages == COUNT_CAP // PAGE_SIZE
    assert results.hits[0].distance == pytest.approx(0.05, abs=0.001)
    counts = results.modality_counts
    assert counts["swedish"] + counts["thai"] + counts["nmt"] >= COUNT_CAP
    assert counts["swedish"] <= (COUNT_CAP + 20) // 2 and counts["nmt"] <= 1
    past = search(radius=25, page=30)
    assert past.page == 30 and past.pages == COUNT_CAP // PAGE_SIZE and past.hits == []
    assert any("no page 30" in notice for notice in past.notices)
    assert not search(radius=25, modalities=("nmt",)).capped


class TestParseSearchArgs:
    """Bad parameters are corrected with a notice, never an error."""

    @pytest.fixture
    def vocab(self, vocabulary):
        return load_vocabulary()

    def parse(self, vocab, **args):
        return parse_search_args(MultiDict(args), vocab)

    def test_defaults(self, vocab):
        params, notices = self.parse(vocab)
        assert params == SearchParams()
        assert notices == []

    @pytest.mark.parametrize("radius, expected", [("5", 5), ("100", 100), ("10.0", 10)])
    def test_offered_radius(self, vocab, radius, expected):
        params, notices = self.parse(vocab, radius=radius)
        assert params.radius == expected and notices == []

    @pytest.mark.parametrize("radius, expected", [("30", 25), ("7", 5), ("8", 10), ("1e9", 100), ("99999", 100)])
    def test_radius_not_offered_snaps_to_nearest(self, vocab, radius, expected):
        params, notices = self.parse(vocab, radius=radius)
        assert params.radius == expected
        assert "must be one of 5, 10, 25, 50, 100" in notices[0]

    @pytest.mark.parametrize("radius", ["-5", "0", "abc", "nan", "inf", "-inf", "1e999"])
    def test_unusable_radius_falls_back_to_default(self, vocab, radius):
        params, notices = self.parse(vocab, radius=radius)
        assert params.radius == 25
        assert notices

    def test_unknown_unit(self, vocab):
        params, notices = self.parse(vocab, unit="furlongs")
        assert params.unit == "mi" and "miles" in notices[0]

    def test_unknown_modality_is_dropped_with_notice(self, vocab):
        params, notices = parse_search_args(MultiDict([("modality", "nmt"), ("modality", "reiki-x")]), vocab)
        assert params.modalities == ("nmt",)
        assert "reiki-x" in notices[0]

    @pytest.mark.parametrize("page", ["0", "-3", "x", "", "99999999999"])
    def test_bad_page_goes_to_page_one(self, vocab, page):
        params, _ = self.parse(vocab, page=page)
        assert params.page == 1

    def test_control_characters_and_long_input(self, vocab):
        params, notices = self.parse(vocab, near="Tampa\x00,\x1b FL" + " " * 3, q="x" * 500)
        assert params.near == "Tampa , FL"
        assert len(params.text) == 100
        assert any("too long" in n for n in notices)

    def test_accepting_words(self, vocab):
        assert self.parse(vocab, accepting="on")[0].accepting
        assert not self.parse(vocab, accepting="no")[0].accepting

    def test_query_args_round_trip(self, vocab):
        params = SearchParams(near="Tampa, FL", radius=50, unit="km", modalities=("nmt", "thai"),
                              conditions=("migraine",), accepting=True, text="Ana", page=3)
        args = MultiDict()
        for key, value in params.query_args().items():
            for item in value if isinstance(value, list) else [value]:
                args.add(key, str(item))
        assert parse_search_args(args, vocab) == (params, [])


def test_location_search_uses_the_spatial_index(app, vocabulary):
    """The census and the candidates read the listing points' R*Tree or GiST index, never a whole table."""
    from sqlalchemy import text

    from directory.search.nearby import candidates_statement, census_statement
    from directory.search.query_plans import full_scans, query_plan
    from directory.search.services import listing_filter

    vocab = load_vocabulary()
    old = SearchParams(modalities=("nmt",), accepting=True, text="a_b", conditions=("migraine",))
    # With home visits PostgreSQL may read the partial index of mobile therapists' points instead.
    offered = replace(old, max_price=90, languages=("spanish",), session_lengths=(90,), home_visits=True, nmt_training=True)
    indexes = {old: ("ix_listing_points_point",), offered: ("ix_listing_points_point", "ix_listing_points_mobile_point")}
    statements = [
        (statement, indexes[params])
        for params in (old, offered)
        for filters in [listing_filter(params, vocab)]
        for statement in (census_statement(filters, ST_PETE, 40.2, 20, vocab),
                          candidates_statement(filters, ST_PETE, 40.2, visits_km=160.9))
    ]
    if db.engine.dialect.name == "postgresql":
        # On a tiny table PostgreSQL prefers a sequential scan; forbid it to see that the index serves.
        db.session.execute(text("SET LOCAL enable_seqscan = off"))
    for statement, spatial in statements:
        plan = query_plan(statement)
        assert full_scans(plan) == [], plan
        if db.engine.dialect.name == "sqlite":
            assert any(step.startswith("SCAN p VIRTUAL TABLE INDEX") for step in plan), plan
        else:
            assert any(f"Index Scan on {index}" in step or f"Index Scan using {index}" in step
                       for step in plan for index in spatial), plan


def test_full_scans_are_recognised():
    from directory.search.query_plans import full_scans

    assert full_scans(["SCAN locations", "SEARCH therapists USING INTEGER PRIMARY KEY (rowid=?)"]) == ["SCAN locations"]
    assert full_scans(["  ->  Seq Scan on therapists t"]) == ["  ->  Seq Scan on therapists t"]
    assert full_scans(["SCAN p VIRTUAL TABLE INDEX 2:D1B0D3B2", "SEARCH t USING INTEGER PRIMARY KEY (rowid=?)"]) == []
    assert full_scans(["SCAN t", "SCAN tm USING COVERING INDEX ix_x", "  ->  Seq Scan on listing_points p"]) == [
        "SCAN t", "SCAN tm USING COVERING INDEX ix_x", "  ->  Seq Scan on listing_points p"
    ]


class TestVocabularyReuse:
    """The Vocabulary is built once per distinct set of terms, yet every change to the terms is seen at once."""

    def test_unchanged_terms_give_the_same_vocabulary(self, vocabulary):
        first = load_vocabulary()
        db.session.rollback()
        assert load_vocabulary() is first

    def test_renamed_added_and_reparented_terms_are_seen(self, vocabulary):
        before = load_vocabulary()
        nmt = db.session.scalars(select(Modality).filter_by(slug="nmt")).one()
        nmt.name = "Neuromuscular therapy, renamed"
        thai = db.session.scalars(select(Modality).filter_by(slug="thai")).one()
        thai.parent = nmt
        db.session.add(Condition(slug="sciatica-test", name="Sciatica (test)", position=99))
        db.session.commit()
        after = load_vocabulary()
        assert after is not before
        assert after.modality("nmt").name == "Neuromuscular therapy, renamed"
        assert after.modality("thai").parent == "nmt"
        assert thai.id in after.modality_family("nmt") and thai.id not in before.modality_family("nmt")
        assert after.conditions[-1].slug == "sciatica-test" and "sciatica-test" in after.condition_slugs

    def test_an_emptied_vocabulary_is_seen(self, vocabulary):
        assert load_vocabulary().modalities
        db.session.execute(delete(Modality))
        db.session.commit()
        assert load_vocabulary().modalities == ()

    def test_vocabularies_are_shared_safely(self, vocabulary):
        vocab = load_vocabulary()
        assert isinstance(vocab.modalities, tuple) and isinstance(vocab.modality_slugs, frozenset)
        with pytest.raises(AttributeError):
            vocab.modalities[0].name = "changed"
