"""Where does it hurt?: the regions on the home and search pages, the filters they tick (once, so they can be
taken off), the "what may be going on" panel, and `regions` in the API; all over HTTP, as a browser without
JavaScript sends the search form."""
from __future__ import annotations

import re
from html.parser import HTMLParser
from pathlib import Path
from urllib.parse import urlencode

import pytest
from werkzeug.datastructures import MultiDict

from directory.search.regions import load_pain_map
from directory.search.params import SearchParams, apply_regions, parse_search_args
from directory.search.vocabulary import load_vocabulary
from tests.conftest import point_at

PAINS = load_pain_map(Path(__file__).resolve().parents[2] / "seeds")
HEADACHE = ("skull-base-right", "temples-forehead-right")


class _SearchForm(HTMLParser):
    """What the search form (role="search") would send, read from its markup: the boxes ticked, the fields filled."""

    def __init__(self) -> None:
        super().__init__()
        self.action = ""
        self.fields: list[tuple[str, str]] = []
        self.checkboxes: dict[str, set[str]] = {}
        self._inside = False
        self._select: str | None = None

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        values = {key: value or "" for key, value in attrs}
        if tag == "form" and values.get("role") == "search":
            self._inside, self.action = True, values["action"]
        elif not self._inside:
            return
        elif tag == "input" and values.get("type") == "checkbox":
            self.checkboxes.setdefault(values["name"], set())
            if "checked" in values:
                self.checkboxes[values["name"]].add(values["value"])
        elif tag == "input" and values.get("name"):
            self.fields.append((values["name"], values.get("value", "")))
        elif tag == "select":
            self._select = values["name"]
        elif tag == "option" and self._select and "selected" in values:
            self.fields.append((self._select, values["value"]))

    def handle_endtag(self, tag: str) -> None:
        if tag == "form":
            self._inside = False
        elif tag == "select":
            self._select = None

    def submit_url(self) -> str:
        """The URL a browser goes to on Search."""
        ticked = [(name, value) for name, values in self.checkboxes.items() for value in sorted(values)]
        return f"{self.action}?{urlencode(self.fields + ticked)}"


def search_form(page: str) -> _SearchForm:
    form = _SearchForm()
    form.feed(page)
    assert form.action, "the page has no search form"
    return form


@pytest.mark.parametrize("path", ["/", "/search"])
def test_home_and_search_offer_every_region_as_a_checkbox_and_on_the_drawing(client, vocabulary, path):
    page = client.get(path).get_data(as_text=True)
    form = search_form(page)
    assert form.action == "/search"
    assert set(form.checkboxes["regions"]) == set()  # offered, none ticked
    for region in PAINS.regions:
        assert f'id="regions-{region.slug}" name="regions" type="checkbox" value="{region.slug}"' in page
        assert f'<span class="visually-hidden">{region.area.name}, </span>{region.side_name}</span>' in page
        assert f'data-region="{region.slug}"' in page
    assert page.count('name="regions"') == len(PAINS.regions)
    assert 'aria-hidden="true"' in page.split('class="pain-map"')[1].split(">")[0]
    assert "your left is on the left" in page and "your right is on the left" in page
    assert "js/pain-area.js" in page


def test_home_form_without_javascript_searches_with_the_regions_ticked(client, make_therapist):
    headache = make_therapist(at=point_at(2), name="Headache Help", modalities=("nmt-st-john",),
                              conditions=("tension-headache",))
    make_therapist(at=point_at(3), name="Relax Only", modalities=("swedish",), conditions=("tension-headache",))
    form = search_form(client.get("/").get_data(as_text=True))
    form.fields = [(name, "33701" if name == "near" else value) for name, value in form.fields]
    form.checkboxes["regions"] |= set(HEADACHE)
    response = client.get(form.submit_url())
    page = response.get_data(as_text=True)
    assert response.status_code == 200
    ticked = search_form(page).checkboxes
    assert ticked["regions"] == set(HEADACHE)
    assert "tension-headache" in ticked["condition"] and ticked["modality"] == {"nmt"}
    assert headache.name in page and "Relax Only" not in page  # the NMT filter the regions set is on


def test_regions_tick_their_filters_and_say_why(client, vocabulary):
    page = client.get("/search?" + urlencode([("regions", s) for s in HEADACHE])).get_data(as_text=True)
    form = search_form(page)
    expected = PAINS.filters_for(HEADACHE)
    assert form.checkboxes["condition"] == set(expected.conditions)
    assert form.checkboxes["modality"] == set(expected.therapies) == {"nmt"}
    assert [value for name, value in form.fields if name == "applied"] == list(PAINS.known(HEADACHE))
    guide = page.split('<aside class="pain-guide')[1].split("</aside>")[0]
    for reason in expected.reasons:
        assert reason.replace('"', "&#34;") in guide
    assert "Base of the skull, right side; Temples and forehead, right side" in guide
    assert "Condition treated: Tension headache" in guide and "Therapy: Neuromuscular therapy (NMT)" in guide


def test_a_filter_a_region_set_can_be_taken_off(client, make_therapist):
    make_therapist(at=point_at(1), name="Migraine Only", conditions=("migraine",))
    make_therapist(at=point_at(2), name="Headache Too", conditions=("tension-headache",))
    # Temples and forehead set tension headache and migraine (and NMT, which these two don't offer).
    first = client.get("/search?near=33701&regions=temples-forehead-left").get_data(as_text=True)
    form = search_form(first)
    assert form.checkboxes["condition"] == {"tension-headache", "migraine"}
    form.checkboxes["modality"].clear()
    page = client.get(form.submit_url()).get_data(as_text=True)
    assert "Migraine Only" in page and "Headache Too" in page
    form = search_form(page)
    assert form.checkboxes["modality"] == set()  # taken off, and not put back by the region
    form.checkboxes["condition"].discard("migraine")
    page = client.get(form.submit_url()).get_data(as_text=True)
    form = search_form(page)
    assert form.checkboxes["condition"] == {"tension-headache"} and form.checkboxes["modality"] == set()
    assert form.checkboxes["regions"] == {"temples-forehead-left"}
    assert "Headache Too" in page and "Migraine Only" not in page
    assert "Condition treated: Migraine <span class=\"muted\">(you took it off)</span>" in page
    # Its next page and the page's other links keep it off too.
    again = client.get(form.submit_url() + "&page=1").get_data(as_text=True)
    assert search_form(again).checkboxes["condition"] == {"tension-headache"}


def test_a_region_ticked_or_unticked_later_adds_or_removes_only_its_own_filters():
    neck = PAINS.filters_for(["neck-left"])
    start = apply_regions(SearchParams(regions=("neck-left",), conditions=("migraine",)), PAINS)
    assert start.conditions == ("migraine", *neck.conditions) and start.applied == ("neck-left",)
    # The person takes neck pain off, then also ticks the lower back.
    changed = SearchParams(regions=("neck-left", "lower-back-left"), applied=start.applied,
                           conditions=tuple(c for c in start.conditions if c != "neck-pain"),
                           modalities=start.modalities)
    later = apply_regions(changed, PAINS)
    assert "neck-pain" not in later.conditions
    assert set(PAINS.filters_for(["lower-back-left"]).conditions) <= set(later.conditions)
    assert later.applied == ("neck-left", "lower-back-left")
    # Unticking the lower back removes what only it set, and keeps what the person chose.
    back = apply_regions(SearchParams(regions=("neck-left",), applied=later.applied, conditions=later.conditions,
                                      modalities=later.modalities), PAINS)
    assert set(back.conditions) == {"migraine", *neck.conditions} - {"neck-pain"}
    assert apply_regions(back, PAINS) == back


@pytest.mark.parametrize("regions", [["nowhere"], ["neck-left", "x" * 500], ["\x00<b>"], ["NECK-LEFT "]])
def test_unknown_regions_get_a_notice_never_an_error(client, vocabulary, regions):
    response = client.get("/search?" + urlencode([("regions", r) for r in regions] + [("applied", "nowhere")]))
    page = response.get_data(as_text=True)
    assert response.status_code == 200
    known = PAINS.known(r.strip().lower() for r in regions)
    assert search_form(page).checkboxes["regions"] == set(known)
    if len(known) < len(regions):
        assert "We don&#39;t know the body area" in page
    api = client.get("/api/v1/therapists?" + urlencode([("regions", r) for r in regions if len(r) < 100]))
    assert api.status_code == 200


def test_without_regions_there_is_no_panel(client, vocabulary):
    page = client.get("/search?near=33701&condition=migraine").get_data(as_text=True)
    assert "pain-guide" not in page and 'name="applied"' not in page


def test_the_panel_explains_gives_self_help_and_the_safety_line_and_stores_nothing(client, vocabulary,
                                                                                  checklist_version):
    response = client.get("/search?regions=arm-hand-right&regions=neck-right")
    page = response.get_data(as_text=True)
    guide = page.split('<aside class="pain-guide')[1].split("</aside>")[0]
    for text in PAINS.explanations_for(["arm-hand-right", "neck-right"]) + PAINS.self_help_for(["neck-right"]):
        assert text.replace('"', "&#34;") in guide
    assert PAINS.safety in guide and "not a diagnosis" in guide and "not stored" in guide
    assert "Set-Cookie" not in response.headers
    # The interview checklist starts with the same regions ticked.
    link = re.search(r'<a href="([^"]+)">Interview checklist for these areas</a>', guide).group(1)
    checklist = client.get(link.replace("&amp;", "&")).get_data(as_text=True)
    for slug in ("neck-right", "arm-hand-right"):
        assert re.search(rf'<input checked[^>]*value="{slug}"', checklist), slug


def test_api_applies_regions_and_says_what_it_applied(client, make_therapist):
    make_therapist(at=point_at(1), name="Outlet", modalities=("nmt-st-john",), conditions=("thoracic-outlet-syndrome",))
    make_therapist(at=point_at(2), name="Wrong Condition", modalities=("nmt-st-john",), conditions=("sciatica",))
    answer = client.get("/api/v1/therapists?near=33701&regions=neck-right&regions=arm-hand-right&regions=nope")
    body = answer.get_json()
    expected = PAINS.filters_for(["neck-right", "arm-hand-right"])
    assert body["applied"] == {"regions": ["neck-right", "arm-hand-right"], "conditions": list(expected.conditions),
                               "therapies": ["nmt"], "reasons": list(expected.reasons)}
    assert [hit["name"] for hit in body["results"]] == ["Outlet"]
    assert any("nope" in notice for notice in body["notices"])
    assert "applied=neck-right" in body["links"]["self"] and "condition=thoracic-outlet-syndrome" in body["links"]["self"]
    # A client that takes a condition off keeps it off, and `applied` says so.
    off = body["links"]["self"].split("/api/v1/therapists")[1].replace("&condition=thoracic-outlet-syndrome", "")
    assert "thoracic-outlet-syndrome" not in client.get("/api/v1/therapists" + off).get_json()["applied"]["conditions"]
    assert client.get("/api/v1/therapists?near=33701").get_json()["applied"] is None


def test_api_lists_the_regions(client, vocabulary):
    regions = client.get("/api/v1/regions").get_json()["regions"]
    assert [r["slug"] for r in regions] == [r.slug for r in PAINS.regions]
    assert regions[0] == {"slug": "skull-base-left", "area": "Base of the skull", "side": "left",
                          "label": "Base of the skull, left side", "view": "back"}


def test_query_args_round_trip_with_regions(app, vocabulary):
    params = apply_regions(SearchParams(near="Tampa, FL", regions=HEADACHE), PAINS)
    args = MultiDict([(key, str(item)) for key, value in params.query_args().items()
                      for item in (value if isinstance(value, list) else [value])])
    assert parse_search_args(args, load_vocabulary(), PAINS) == (params, [])
