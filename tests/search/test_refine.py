"""Active filters as removable chips, the filter panel after a search, result cards' conditions, lineages of
one therapy, and what a search that finds nobody offers instead (with the counts those searches really give)."""
import html
import re
from dataclasses import fields
from urllib.parse import parse_qs, urlsplit

import pytest

from directory.search import refine
from directory.search.refine import FILTER_LABELS, MAX_COUNTED_FILTERS, NOT_FILTERS, active_filters, relaxations
from directory.geo.geocoders import offline_geocoder
from directory.search.params import SearchParams
from directory.search.services import Found, count_therapists, find, search_therapists
from directory.search.vocabulary import load_vocabulary
from tests.conftest import ST_PETE, point_at
from tests.search.test_services import count_queries

CHIP_RE = re.compile(
    r'<a class="tag chip" href="([^"]+)"><span class="visually-hidden">Remove filter: </span>([^<]+)<span'
)
SUGGESTION_RE = re.compile(r'<li><a class="tag" href="(/search[^"]*)">([^<]+): (\d+) therapists?</a></li>')
TOTAL_RE = re.compile(r'<h2 id="results-heading" class="results-summary">\s*(\d+)')


def query(url: str) -> dict[str, list[str]]:
    """The query arguments of a link as the page wrote it."""
    return parse_qs(urlsplit(html.unescape(url)).query)


def chips(page: str) -> dict[str, str]:
    """Each chip's label and link."""
    return {html.unescape(label): html.unescape(href) for href, label in CHIP_RE.findall(page)}


def total(page: str) -> int:
    return int(TOTAL_RE.search(page).group(1))


def test_every_filter_of_a_search_has_a_chip_entry():
    """A filter added to SearchParams must get a chip (and so a way to drop it) in FILTER_LABELS."""
    assert {f.name for f in fields(SearchParams)} - NOT_FILTERS == set(FILTER_LABELS)


def test_chips_name_each_filter_and_repeat_the_search_without_it(client, make_therapist):
    make_therapist(at=point_at(1), modalities=("trigger-point", "nmt-st-john"), conditions=("tension-headache",),
                   name="Tess Trigger")
    url = "/search?near=33701&radius=10&modality=trigger-point&modality=nmt&condition=tension-headache&accepting=1&q=tess"
    page = client.get(url).get_data(as_text=True)
    found = chips(page)
    assert list(found) == ["Trigger point therapy", "Neuromuscular therapy (NMT)", "Tension headache",
                           "Accepting new clients", "Name or practice: “tess”"]
    everything = query(url)
    for label, link in found.items():
        args = query(link)
        assert args["near"] == ["33701"] and args["radius"] == ["10"], label
        removed = {key: [v for v in values if v not in args.get(key, [])] for key, values in everything.items()}
        assert sum(len(values) for values in removed.values()) == 1, (label, removed)
        after = client.get(link).get_data(as_text=True)
        assert label not in chips(after) and len(chips(after)) == 4
    assert "Clear all<span class=\"visually-hidden\"> filters</span>" in page
    clear = re.search(r'<a class="chip--clear" href="([^"]+)">', page).group(1)
    assert query(clear) == {"near": ["33701"], "radius": ["10"], "unit": ["mi"]}


def test_no_chips_without_filters_and_a_single_chip_has_no_clear_all(client, make_therapist):
    make_therapist(at=point_at(1), modalities=("trigger-point",))
    assert chips(client.get("/search?near=33701").get_data(as_text=True)) == {}
    page = client.get("/search?near=33701&modality=trigger-point").get_data(as_text=True)
    assert list(chips(page)) == ["Trigger point therapy"] and "Clear all" not in page


def test_filter_panel_is_open_before_a_search_and_closed_after_it(client, make_therapist):
    make_therapist(at=point_at(1), modalities=("trigger-point",))
    assert '<details class="filters search-filters" open>' in client.get("/search").get_data(as_text=True)
    for url in ("/search?near=33701", "/search?modality=trigger-point", "/search?near=33701&modality=trigger-point"):
        page = client.get(url).get_data(as_text=True)
        assert '<details class="filters search-filters">' in page, url
    page = client.get("/search?near=33701&modality=trigger-point&accepting=1").get_data(as_text=True)
    assert "Filters (2 on)</summary>" in page
    # The filters still travel with the form when the panel is closed.
    assert re.search(r'<input checked [^>]*name="modality"[^>]*value="trigger-point"', page)


def test_panel_says_what_nmt_covers(client, vocabulary):
    page = client.get("/search").get_data(as_text=True)
    assert ("“Neuromuscular therapy (NMT)” covers both its lineages (NMT – St. John Method, NMT – American version);"
            " ticking several of them finds therapists with any one.") in page


def test_cards_show_conditions_with_the_searched_ones_first_and_marked(client, make_therapist):
    make_therapist(at=point_at(1), name="Tori Outlet",
                   conditions=("tension-headache", "thoracic-outlet-syndrome", "migraine"))
    marked = ('<strong class="match">Thoracic outlet syndrome<span class="visually-hidden"> (matches your search)'
              '</span></strong> · Tension headache · Migraine</p>')
    for where in ("near=33701&", ""):
        page = client.get(f"/search?{where}condition=thoracic-outlet-syndrome").get_data(as_text=True)
        assert marked in page, where
    plain = client.get("/search?near=33701").get_data(as_text=True)
    # In the vocabulary's order when nothing was searched for.
    assert "Treats:\nTension headache · Migraine · Thoracic outlet syndrome</p>" in plain
    assert 'class="match"' not in plain


def test_result_links_carry_the_search(client, make_therapist):
    therapist = make_therapist(at=point_at(1), modalities=("trigger-point",))
    page = client.get("/search?near=33701&radius=10&modality=trigger-point&page=1").get_data(as_text=True)
    link = re.search(rf'href="(/therapists/{therapist.slug}[^"]*)"', page).group(1)
    assert query(link) == {"near": ["33701"], "radius": ["10"], "unit": ["mi"], "modality": ["trigger-point"]}
    assert f'data-print-url="http://localhost/therapists/{therapist.slug}"' in page


# --- Lineages of one therapy --------------------------------------------------------------------------


def test_ticking_both_nmt_lineages_finds_either_as_brute_force_says(make_therapist):
    offers = {
        "St. John": ("nmt-st-john",), "American": ("nmt-american", "trigger-point"),
        "Both": ("nmt-st-john", "nmt-american"), "Trigger only": ("trigger-point",), "None": ("swedish",),
    }
    for i, (name, modalities) in enumerate(offers.items()):
        make_therapist(at=point_at(i + 1), name=name, modalities=modalities)
    vocabulary = load_vocabulary()
    family = {"nmt-st-john", "nmt-american"}
    cases = {
        ("nmt-st-john", "nmt-american"): lambda m: bool(family & set(m)),
        ("nmt-american", "nmt-st-john", "trigger-point"): lambda m: bool(family & set(m)) and "trigger-point" in m,
        ("nmt", "nmt-st-john"): lambda m: "nmt-st-john" in m,
    }
    for ticked, wanted in cases.items():
        expected = sorted(name for name, modalities in offers.items() if wanted(modalities))
        for point in (ST_PETE, None):
            results = search_therapists(SearchParams(modalities=ticked), vocabulary, point)
            assert sorted(hit.therapist.name for hit in results.hits) == expected, (ticked, point)


# --- A search that finds nobody ---------------------------------------------------------------------------


def suggestions(page: str) -> dict[str, tuple[str, int]]:
    return {html.unescape(label): (html.unescape(href), int(n)) for href, label, n in SUGGESTION_RE.findall(page)}


@pytest.fixture
def conflicting(make_therapist):
    """Around St. Petersburg: therapists each matching some, never all, of NMT + migraine + accepting."""
    make_therapist(at=point_at(2), modalities=("nmt-st-john",), conditions=("tension-headache",))
    make_therapist(at=point_at(3), modalities=("nmt-american",), conditions=("migraine",), accepting_new_clients=False)
    make_therapist(at=point_at(4), modalities=("swedish",), conditions=("migraine",))
    make_therapist(at=point_at(5), modalities=("swedish",), conditions=("migraine",))
    make_therapist(at=point_at(40), modalities=("nmt-st-john",), conditions=("migraine",))


def test_zero_results_offer_each_change_that_finds_someone_with_its_true_count(client, conflicting):
    url = "/search?near=33701&radius=25&modality=nmt&condition=migraine&accepting=1"
    page = client.get(url).get_data(as_text=True)
    assert "No therapist matches this search within 25 mi: nobody here matches all your filters together." in page
    offered = suggestions(page)
    assert {label: n for label, (_, n) in offered.items()} == {
        "Without “Neuromuscular therapy (NMT)”": 2,
        "Without “Migraine”": 1,
        "Without “Accepting new clients”": 1,
        "Without any filter": 4,
        "Within 50 mi": 1,
    }
    for label, (link, count) in offered.items():
        assert total(client.get(link).get_data(as_text=True)) == count, label
    assert "Search within 100" not in page


def test_zero_results_never_suggest_what_also_finds_nobody(client, make_therapist):
    make_therapist(at=point_at(2), modalities=("swedish",))
    page = client.get("/search?near=33701&radius=25&modality=nmt&condition=migraine").get_data(as_text=True)
    offered = suggestions(page)
    # Only dropping both filters finds the Swedish therapist; no wider circle finds an NMT therapist for migraine.
    assert list(offered) == ["Without any filter"]
    assert not any(label.startswith("Within") for label in offered)
    nobody = client.get("/search?near=98101&radius=5&modality=thai").get_data(as_text=True)
    assert suggestions(nobody) == {}
    assert "Dropping any filter or searching up to 100 mi would not find anyone either." in nobody
    assert "Search within 100" not in nobody
    alone = client.get("/search?near=98101&radius=5").get_data(as_text=True)
    assert suggestions(alone) == {} and "Searching up to 100 mi would not find anyone either" in alone


def test_zero_results_without_a_place_offer_dropping_filters(client, conflicting):
    page = client.get("/search?modality=swedish&condition=tension-headache").get_data(as_text=True)
    offered = suggestions(page)
    assert {label: n for label, (_, n) in offered.items()} == {
        "Without “Swedish / relaxation massage”": 1, "Without “Tension headache”": 2, "Without any filter": 5,
    }
    for label, (link, count) in offered.items():
        assert total(client.get(link).get_data(as_text=True)) == count, label


def test_relaxations_counts_match_the_search_and_stay_bounded(conflicting, monkeypatch):
    vocabulary = load_vocabulary()
    every = tuple(c.slug for c in vocabulary.conditions if c.slug != "migraine" and c.slug != "tension-headache")
    params = SearchParams(near="33701", modalities=("thai", "shiatsu"), conditions=every, accepting=True)
    assert len(active_filters(params, vocabulary)) > MAX_COUNTED_FILTERS
    found = find(params, vocabulary, offline_geocoder())
    assert found.results.total == 0
    calls = []
    real = count_therapists
    monkeypatch.setattr(refine, "count_therapists", lambda *args: calls.append(args) or real(*args))
    offered = relaxations(params, vocabulary, found)
    assert len(calls) <= MAX_COUNTED_FILTERS + 2
    assert offered and all(relaxation.total > 0 for relaxation in offered)
    for relaxation in offered:
        assert relaxation.total == search_therapists(relaxation.params, vocabulary, ST_PETE).total
    # Each count costs what one count costs, however many filters are ticked.
    one = count_queries(lambda: real(params, vocabulary, ST_PETE))
    assert count_queries(lambda: relaxations(params, vocabulary, found)) <= one * (MAX_COUNTED_FILTERS + 2)


def test_no_relaxations_when_someone_was_found(make_therapist, monkeypatch):
    make_therapist(at=point_at(1), modalities=("thai",))
    vocabulary = load_vocabulary()
    params = SearchParams(modalities=("thai",))
    monkeypatch.setattr(refine, "count_therapists", lambda *args: pytest.fail("counted"))
    assert relaxations(params, vocabulary, Found(search_therapists(params, vocabulary, ST_PETE))) == []


def test_a_ticked_region_is_a_chip_too(client, make_therapist):
    make_therapist(at=point_at(1), modalities=("nmt-st-john",), conditions=("tension-headache",))
    page = client.get("/search?near=33701&regions=skull-base-right").get_data(as_text=True)
    found = chips(page)
    assert "Where it hurts: Base of the skull, right side" in found
    assert "regions" not in query(found["Where it hurts: Base of the skull, right side"])


def test_taking_a_region_away_takes_its_filters_with_it_and_is_counted(client, make_therapist):
    make_therapist(at=point_at(1), modalities=("swedish",), conditions=("migraine",))
    # Temples and forehead tick NMT, which the one therapist near does not offer.
    page = client.get("/search?near=33701&regions=temples-forehead-left").get_data(as_text=True)
    assert total(page) == 0
    region = "Where it hurts: Temples and forehead, left side"
    without = query(chips(page)[region])
    assert "regions" not in without and "modality" not in without and "condition" not in without
    offered = suggestions(page)
    assert offered[f"Without “{region}”"][1] == 1
    assert total(client.get(offered[f"Without “{region}”"][0]).get_data(as_text=True)) == 1
