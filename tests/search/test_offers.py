"""The filters the big directories have (issue 17, point 5): highest price, language, session length, home visits
and NMT training on file; each against a brute-force filter over the same listings, with the counts."""
import random
import re
from dataclasses import replace

import pytest
from geopy.distance import geodesic
from sqlalchemy import select
from sqlalchemy.orm import selectinload
from werkzeug.datastructures import MultiDict

from directory.extensions import db
from directory.geo.distances import inscribed_box, to_km
from directory.listings.rules import SESSION_LENGTH_CHOICES
from directory.search.offers import PRICE_CHOICES, OfferCounts, load_languages
from directory.search.params import SearchParams, parse_search_args
from directory.search.services import COUNT_CAP, PAGE_SIZE, search_therapists
from directory.search.vocabulary import load_vocabulary
from directory.therapists.models import ListingStatus, Therapist
from tests.conftest import ST_PETE, point_at
from tests.search.test_services import NMT_FAMILY

# What listings write: the seeds' names in any case, other names of a language, one that only contains a
# language's name ("Spanish Sign Language" is not Spanish), and none at all.
LANGUAGE_LISTS = [["English"], ["English", "Spanish"], ["spanish"], ["Español"], ["Vietnamese", "French"],
                  ["ASL", "English"], ["Kreyòl"], ["English", "Spanish Sign Language"], [], ["Mandarin", "Cantonese"]]
PRICES = [(None, None), (60, 90), (None, 120), (80, None), (150, 200), (45, 45), (100, 130), (120, 180), (200, 260)]
TRAINING = [
    ("Completed 650 hours at a fictional school.", []),
    ("Took the St. John Method of NMT seminars.", []),
    ("Swedish and sports massage.", ["Certified Neuromuscular Therapist (American version)"]),
    ("Trigger point workshops.", ["Certified Trigger Point Therapist"]),
    ("Environmental management of a spa.", ["nmt american, level 2"]),
    ("Studied neuromuscular re-education.", []),
]
OFFER_FILTERS = [
    {"max_price": 100}, {"languages": ("spanish",)}, {"session_lengths": (90,)}, {"home_visits": True},
    {"nmt_training": True}, {"languages": ("english", "spanish")}, {"session_lengths": (60, 120)},
    {"max_price": 150, "languages": ("english",), "session_lengths": (60,), "home_visits": True, "nmt_training": True},
    {"max_price": 80, "nmt_training": True, "modalities": ("nmt",), "accepting": True},
    {"languages": ("haitian-creole",), "conditions": ("migraine",)}, {"max_price": 120, "text": "r0"},
]


def offers_listing(rng, i):
    """The offers of a random listing: price, languages, session lengths, training and home visits."""
    price_min, price_max = rng.choice(PRICES)
    training, certifications = rng.choice(TRAINING)
    mobile = i % 4 == 0
    return {
        "price_min": price_min, "price_max": price_max, "languages": rng.choice(LANGUAGE_LISTS),
        "session_lengths": sorted(rng.sample(SESSION_LENGTH_CHOICES, rng.randint(0, 3))),
        "training": training, "certifications": certifications,
        "mobile": mobile, "service_radius_mi": rng.choice([3, 15, 40, 90]) if mobile else None,
    }


def speaks(therapist, slug):
    """Brute force: one of the listing's languages is the language's name or another name of it."""
    names = {n.lower() for lang in load_languages() if lang.slug == slug for n in (lang.name, *lang.names)}
    return any(written.lower() in names for written in therapist.languages)


def nmt_on_file(therapist):
    return any(re.search(r"nmt|neuromuscular", text, re.IGNORECASE)
               for text in [therapist.training, *therapist.certifications])


def lowest_price(therapist):
    return therapist.price_min if therapist.price_min is not None else therapist.price_max


def offers_all(therapist, params, miles=None):
    """Brute force over every filter of `params` but the place."""
    slugs = {m.slug for m in therapist.modalities}
    if therapist.status != ListingStatus.PUBLISHED.value:
        return False
    if any(not (slugs & (NMT_FAMILY if s == "nmt" else {s})) for s in params.modalities):
        return False
    if params.conditions and not {c.slug for c in therapist.conditions} & set(params.conditions):
        return False
    if params.accepting and not therapist.accepting_new_clients:
        return False
    if params.text and params.text.lower() not in f"{therapist.name}\n{therapist.practice_name}".lower():
        return False
    if params.max_price is not None and (lowest_price(therapist) is None or lowest_price(therapist) > params.max_price):
        return False
    if not all(speaks(therapist, slug) for slug in params.languages):
        return False
    if not set(params.session_lengths) <= set(therapist.session_lengths):
        return False
    if params.nmt_training and not nmt_on_file(therapist):
        return False
    if params.home_visits and not visits(therapist, miles):
        return False
    return True


def visits(therapist, miles):
    """Brute force: home visits, to the place when there is one (`miles` to the nearest location)."""
    return therapist.mobile and (miles is None or miles <= therapist.service_radius_mi)


def brute_force(everyone, centre, params):
    """(id, miles) of every match, nearest first, by geodesic distance."""
    found = []
    for t in everyone:
        miles = min(geodesic(centre, (loc.latitude, loc.longitude)).miles for loc in t.locations)
        if offers_all(t, params, miles) and (miles <= params.radius or visits(t, miles)):
            found.append((t.id, miles))
    return sorted(found, key=lambda f: (f[1], f[0]))


def expected_counts(matches):
    """Brute-force counts of what `matches` (therapists) offer, as OfferCounts holds them."""
    return {
        "prices": {p: sum(lowest_price(t) is not None and lowest_price(t) <= p for t in matches) for p in PRICE_CHOICES},
        "languages": {lang.slug: sum(speaks(t, lang.slug) for t in matches) for lang in load_languages()},
        "session_lengths": {m: sum(m in t.session_lengths for t in matches) for m in SESSION_LENGTH_CHOICES},
        "nmt_training": sum(nmt_on_file(t) for t in matches),
    }


def everyone_loaded():
    return {t.id: t for t in db.session.scalars(select(Therapist).options(
        selectinload(Therapist.locations), selectinload(Therapist.modalities), selectinload(Therapist.conditions)))}


def search(point, **params):
    return search_therapists(SearchParams(**params), load_vocabulary(), point)


def test_offer_filters_agree_with_brute_force(make_therapist):
    """Random places and radii, each new filter alone and combined with the others and the old ones; the counts."""
    rng = random.Random(17)
    modalities = [("nmt-st-john",), ("nmt-american", "swedish"), ("swedish",), ("thai",), ()]
    for i in range(500):
        distance = abs(rng.gauss(0, 5)) if i < 380 else rng.uniform(0, 120)
        make_therapist(
            at=[point_at(distance, rng.uniform(0, 360))] + ([point_at(rng.uniform(0, 50), rng.uniform(0, 360))] if i % 11 == 0 else []),
            name=f"R{i:03d}", modalities=rng.choice(modalities), conditions=("migraine",) if i % 3 else (),
            accepting_new_clients=i % 5 != 0, commit=False,
            status=ListingStatus.PENDING.value if i % 29 == 0 else ListingStatus.PUBLISHED.value,
            **offers_listing(rng, i),
        )
    db.session.commit()
    everyone = everyone_loaded()
    for case in range(2 * len(OFFER_FILTERS)):
        centre = ST_PETE if case % 3 == 0 else point_at(rng.uniform(0, 60), rng.uniform(0, 360))
        params = SearchParams(radius=rng.choice([5, 10, 25, 50, 100]), **OFFER_FILTERS[case % len(OFFER_FILTERS)])
        expected = brute_force(everyone.values(), centre, params)
        first = search_therapists(params, load_vocabulary(), centre)
        assert not first.capped
        assert first.total == len(expected), (case, params)
        for page in sorted({1, first.pages}):
            results = search_therapists(replace(params, page=page), load_vocabulary(), centre)
            window = expected[(page - 1) * PAGE_SIZE : page * PAGE_SIZE]
            assert [hit.therapist.id for hit in results.hits] == [w[0] for w in window], (case, page, params)
            for hit, (_, miles) in zip(results.hits, window):
                assert hit.distance == pytest.approx(miles, rel=1e-4)
        found = [everyone[i] for i, _ in expected]
        counts = first.offer_counts
        assert counts.__dict__ | {"home_visits": 0} == expected_counts(found) | {"home_visits": 0}, (case, params)
        miles = dict(expected)
        assert counts.home_visits == sum(visits(everyone[i], miles[i]) for i in miles)


def test_offer_filters_without_a_place_agree_with_brute_force(make_therapist):
    """Browsing by state and name: the same filters (home visits: mobile at all) and their counts."""
    rng = random.Random(5)
    for i in range(120):
        make_therapist(at=point_at(rng.uniform(0, 300), rng.uniform(0, 360)), name=f"B{rng.randint(0, 999):03d}",
                       commit=False, **offers_listing(rng, i))
    db.session.commit()
    everyone = everyone_loaded()
    for filters in [{}, *OFFER_FILTERS]:
        params = SearchParams(**filters)
        expected = sorted((t for t in everyone.values() if offers_all(t, params)), key=lambda t: (t.name, t.id))
        results = search_therapists(params, load_vocabulary())
        assert results.total == len(expected), filters
        assert [hit.therapist.id for hit in results.hits] == [t.id for t in expected[:PAGE_SIZE]], filters
        assert results.offer_counts.__dict__ == expected_counts(expected) | {
            "home_visits": sum(t.mobile for t in expected)}, filters


def test_home_visits_past_the_cap(make_therapist):
    """More than COUNT_CAP mobile therapists reach the place: the nearest are listed, never one whose area
    stops short of it, and the count says "at least"."""
    for i in range(COUNT_CAP + 10):
        make_therapist(at=point_at(1 + i * 0.005), mobile=True, service_radius_mi=40, commit=False)
    for i in range(30):
        make_therapist(at=point_at(0.5 + i * 0.1, bearing=180), name=f"Short {i}", mobile=True,
                       service_radius_mi=0.4, commit=False)
    make_therapist(at=point_at(0.2, bearing=0), name="Stays home", commit=False)
    db.session.commit()
    everyone = everyone_loaded()
    expected = brute_force(everyone.values(), ST_PETE, SearchParams(home_visits=True))
    assert len(expected) == COUNT_CAP + 10
    results = search(ST_PETE, home_visits=True)
    assert results.capped and results.total == COUNT_CAP
    for page in (1, 2, 25):
        hits = search(ST_PETE, home_visits=True, page=page).hits
        assert [h.therapist.id for h in hits] == [i for i, _ in expected[(page - 1) * PAGE_SIZE : page * PAGE_SIZE]]
    unfiltered = search(ST_PETE)
    assert unfiltered.capped and COUNT_CAP - 31 <= unfiltered.offer_counts.home_visits <= COUNT_CAP + 10
    assert unfiltered.offer_counts.prices[60] == 0 and unfiltered.offer_counts.prices[80] >= COUNT_CAP


def test_counts_past_the_cap_are_those_of_the_therapists_counted(make_therapist):
    """More than COUNT_CAP therapists in the square inscribed in the circle, fewer points than the census reads:
    it counts every one of them, in SQL, and its counts agree with brute force over that square."""
    rng = random.Random(23)
    for i in range(COUNT_CAP + 20):
        make_therapist(at=point_at(rng.uniform(0, 10), rng.uniform(0, 360)), commit=False, **offers_listing(rng, i))
    make_therapist(at=point_at(40), languages=["Spanish"], training="NMT", price_min=50, commit=False)
    db.session.commit()
    south, north, west, east = inscribed_box(*ST_PETE, to_km(25, "mi"))
    counted = [t for t in everyone_loaded().values()
               if any(south <= loc.latitude <= north and west <= loc.longitude <= east for loc in t.locations)]
    assert COUNT_CAP < len(counted) <= COUNT_CAP + 20
    results = search(ST_PETE, radius=25)
    assert results.capped
    expected = expected_counts(counted) | {"home_visits": sum(
        t.mobile and geodesic(ST_PETE, (t.locations[0].latitude, t.locations[0].longitude)).miles <= t.service_radius_mi
        for t in counted)}
    counts = results.offer_counts.__dict__
    assert counts | {"home_visits": 0} == expected | {"home_visits": 0}
    # Home visits past the cap count those sure to reach the place (their point inside the square their service
    # circle holds), so at most as many as truly do.
    assert 0 < counts["home_visits"] <= expected["home_visits"]


def test_a_search_without_counts_finds_the_same_page(make_therapist):
    """The API's search (no counts beside the total) lists what the page's search lists, capped or not, around a
    place or not, and counts nothing."""
    rng = random.Random(31)
    for i in range(COUNT_CAP + 30):
        make_therapist(at=point_at(rng.uniform(0, 8) if i < COUNT_CAP else rng.uniform(30, 60), rng.uniform(0, 360)),
                       modalities=("swedish",) if i % 2 else ("thai",), commit=False, **offers_listing(rng, i))
    db.session.commit()
    cases = [(ST_PETE, {}), (ST_PETE, {"page": 3}), (ST_PETE, {"modalities": ("thai",), "max_price": 120}),
             (point_at(45), {"radius": 10}), (None, {"languages": ("spanish",)})]
    for point, filters in cases:
        params = SearchParams(**filters)
        counted = search_therapists(params, load_vocabulary(), point)
        uncounted = search_therapists(params, load_vocabulary(), point, counted=False)
        assert [h.therapist.id for h in uncounted.hits] == [h.therapist.id for h in counted.hits], filters
        assert (uncounted.total, uncounted.capped, uncounted.pages) == (counted.total, counted.capped, counted.pages)
        assert any(counted.modality_counts.values()) and not uncounted.modality_counts
        assert uncounted.offer_counts == OfferCounts() != counted.offer_counts


class TestParseOffers:
    """Bad values are corrected or left out with a notice, never an error."""

    def parse(self, *pairs):
        return parse_search_args(MultiDict(pairs), load_vocabulary())

    @pytest.mark.parametrize("raw, price", [("100", 100), ("$120", 120), ("1,500", 1500), (" 75 ", 75)])
    def test_prices(self, vocabulary, raw, price):
        assert self.parse(("max_price", raw)) == (SearchParams(max_price=price), [])

    @pytest.mark.parametrize("raw, price, notice", [
        ("99.50", 99, "whole dollars; we used $99"), ("20000", 10_000, "at most $10,000"),
        ("cheap", None, "left out “cheap”"), ("0", None, "like 100"), ("-5", None, "like 100"),
        ("nan", None, "like 100"), ("1e999", None, "like 100"), ("9" * 400, None, "like 100"),
    ])
    def test_bad_prices(self, vocabulary, raw, price, notice):
        params, notices = self.parse(("max_price", raw))
        assert params.max_price == price and notice in notices[0]

    def test_languages_by_slug_in_any_case_once_each(self, vocabulary):
        params, notices = self.parse(("language", "Spanish"), ("language", "spanish"), ("language", "klingon"),
                                     ("language", ""))
        assert params.languages == ("spanish",)
        assert notices == ["We don't know the language “klingon”, so we left it out."]

    def test_session_lengths(self, vocabulary):
        params, notices = self.parse(("session_length", "90"), ("session_length", "60 min"), ("session_length", "90"),
                                     ("session_length", "50"), ("session_length", "x" * 300))
        assert params.session_lengths == (90, 60)
        assert len(notices) == 2 and all("can be 30, 45, 60, 75, 90, 120 minutes" in n for n in notices)

    def test_yes_no_filters(self, vocabulary):
        params, _ = self.parse(("home_visits", "on"), ("nmt_training", "1"))
        assert params.home_visits and params.nmt_training and params.has_filters
        params, _ = self.parse(("home_visits", "no"), ("nmt_training", ""))
        assert not (params.home_visits or params.nmt_training or params.has_filters)

    def test_round_trip(self, vocabulary):
        params = SearchParams(near="Tampa, FL", modalities=("nmt",), max_price=95, languages=("spanish", "asl"),
                              session_lengths=(90,), home_visits=True, nmt_training=True, page=2)
        args = MultiDict()
        for key, value in params.query_args().items():
            for item in value if isinstance(value, list) else [value]:
                args.add(key, str(item))
        assert parse_search_args(args, load_vocabulary()) == (params, [])


def test_the_panel_offers_each_filter_with_its_count_in_the_area(client, make_therapist):
    make_therapist(at=point_at(1), price_min=70, price_max=90, languages=["English", "Spanish"], session_lengths=[60],
                   training="St. John NMT seminars", mobile=True, service_radius_mi=10)
    make_therapist(at=point_at(2), price_min=130, price_max=150, languages=["English"], session_lengths=[60, 90])
    make_therapist(at=point_at(80), languages=["Vietnamese"])
    page = client.get("/search?near=33701&radius=25").get_data(as_text=True)

    def count(name, value):
        found = re.search(rf'name="{name}"[^>]*value="{value}">\s*<span>[^<]*<span class="count">\((\d+)\)', page)
        return int(found.group(1)) if found else None

    assert (count("language", "english"), count("language", "spanish"), count("language", "vietnamese")) == (2, 1, 0)
    assert (count("session_length", 60), count("session_length", 90), count("session_length", 30)) == (2, 1, 0)
    assert '<option value="80">Up to $80 (1)</option>' in page and '<option value="150">Up to $150 (2)</option>' in page
    assert "Visits you at home (1)" in page and "NMT training on file (1)" in page
    chosen = client.get("/search?near=33701&radius=25&max_price=100&language=spanish").get_data(as_text=True)
    assert '<option selected value="100">Up to $100 (1)</option>' in chosen
    # A higher ceiling finds at least those found now; a lower one exactly those that cost that little.
    assert '<option value="150">Up to $150 (1+)</option>' in chosen and '<option value="60">Up to $60 (0)</option>' in chosen
    assert re.search(r'checked id="language-\d+" name="language"[^>]*value="spanish"', chosen)
    assert "1 therapist within 25 mi" in chosen


def test_filters_by_http_keep_every_filter_and_correct_bad_values(client, make_therapist):
    for i in range(25):
        make_therapist(at=point_at(1 + i / 10), price_min=60, session_lengths=[90], languages=["Spanish"],
                       training="NMT", mobile=True, service_radius_mi=30)
    make_therapist(at=point_at(1), price_min=200, price_max=220)
    query = "near=33701&max_price=100&language=spanish&session_length=90&home_visits=1&nmt_training=1"
    page = client.get(f"/search?{query}").get_data(as_text=True)
    assert "25 therapists within 25 mi" in page
    assert f"{query.replace('&', '&amp;').replace('near=33701', 'near=33701&amp;radius=25&amp;unit=mi')}&amp;page=2" in page
    api = client.get(f"/api/v1/therapists?{query}").get_json()
    assert api["total"] == 25 and "max_price=100&language=spanish&session_length=90&home_visits=1&nmt_training=1" in api["links"]["next"]
    bad = client.get("/api/v1/therapists?near=33701&max_price=lots&language=xx&session_length=7")
    assert bad.status_code == 200 and bad.get_json()["total"] == 26 and len(bad.get_json()["notices"]) == 3
    # "²" is a digit to Python's str.isdigit, but not a number int() reads.
    assert client.get("/api/v1/therapists?session_length=%C2%B2").status_code == 200
    page = client.get("/search?near=33701&max_price=-1&session_length=%00").get_data(as_text=True)
    assert "like 100; we left out" in page and "Remove filter:" not in page
    empty = client.get("/search?near=33701&max_price=10&home_visits=1").get_data(as_text=True)
    assert "No therapist matches" in empty and "Without any filter: 26 therapists" in empty


def test_the_api_document_declares_the_new_filters(client, vocabulary):
    document = client.get("/api/v1/openapi.json").get_json()
    declared = {p["name"]: p for p in document["paths"]["/therapists"]["get"]["parameters"]}
    assert {"max_price", "language", "session_length", "home_visits", "nmt_training"} <= set(declared)
    assert "spanish (Spanish)" in declared["language"]["description"] and declared["language"]["explode"]
    assert "at or under" in declared["max_price"]["description"]


def test_each_offer_filter_is_a_chip_that_drops_just_itself(client, make_therapist):
    from tests.search.test_refine import chips, query

    make_therapist(at=point_at(1), price_min=70, price_max=90, languages=["English", "Español"], session_lengths=[60, 90],
                   training="NMT seminars", mobile=True, service_radius_mi=10)
    url = ("/search?near=33701&max_price=1500&language=english&language=spanish&session_length=90&home_visits=1"
           "&nmt_training=1")
    page = client.get(url).get_data(as_text=True)
    found = chips(page)
    assert list(found) == ["Up to $1,500 a session", "Speaks English", "Speaks Spanish", "90-minute sessions",
                           "Visits you at home", "NMT training on file"]
    everything = query(url)
    for label, link in found.items():
        args = query(link)
        removed = {key: [v for v in values if v not in args.get(key, [])] for key, values in everything.items()}
        assert sum(len(values) for values in removed.values()) == 1, (label, removed)
        assert "1 therapist within 25 mi" in client.get(link).get_data(as_text=True)
