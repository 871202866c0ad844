"""Every page in Chromium: accessibility (axe-core), phones, tap targets, weight, print and screenshots."""
from __future__ import annotations

import re
from dataclasses import dataclass
from pathlib import Path
from typing import Callable

import pytest

from directory.checklists import services as checklists
from directory.checklists.views import COOKIE_NAME
from tests.admin.conftest import PASSWORD, make_admin  # noqa: F401  (a fixture)
from tests.conftest import point_at

pytestmark = pytest.mark.browser

AXE = Path(__file__).resolve().parent / "node_modules" / "axe-core" / "axe.min.js"
PHONE = {"width": 375, "height": 812}
DESKTOP = {"width": 1280, "height": 900}
MAX_PAGE_BYTES = 150 * 1024


@dataclass
class Site:
    """The data every page needs: therapists, three saved checklists (the last of version 1) and their tokens."""

    slug: str
    tokens: list[str]
    ids: list[int]
    elsewhere: str  # the token of a checklist this browser does not list (its link was opened here)


@pytest.fixture
def site(app, make_therapist, make_checklist, make_admin) -> Site:  # noqa: F811
    nora = make_therapist(name="Nora Neuro", practice_name="Bayfront Neuromuscular Therapy", at=point_at(1.2),
                          modalities=("nmt-st-john", "trigger-point"), conditions=("tension-headache", "upper-back-knots"),
                          is_sample=True, website="https://bayfront.example.com")
    make_therapist(name="Sam Swedish", at=point_at(3), modalities=("swedish",), accepting_new_clients=False)
    make_therapist(name="Mo Mobile", at=point_at(30), modalities=("nmt-american",), mobile=True, service_radius_mi=40)
    make_therapist(name="Pat Pending", status="pending", modalities=("trigger-point",))
    make_admin()
    made = [
        make_checklist(therapist_name=name, therapist_phone=phone, rating=rating, notes="Ask about parking",
                       answers={"technique": ("good", "St. John NMT"), "pressure": (answer, "")}, therapist=nora)
        for name, phone, rating, answer in (("Nora Neuro", "(727) 555-0142", 5, "good"),
                                            ("Sam Swedish", "(727) 555-0199", 2, "poor"))
    ]
    # One filled in with the first version of the questions (Yes / No answers), before version 2.
    made.append(make_checklist(version=1, therapist_name="Olga Oldform", rating=3,
                               answers={"technique": ("yes", "Trigger points mostly"), "pressure": ("not_sure", "")}))
    _, elsewhere = make_checklist(therapist_name="Saved Elsewhere")
    return Site(nora.slug, [token for _, token in made], [checklist.id for checklist, _ in made], elsewhere)


def visit(path: Callable[[Site], str]) -> Callable:
    def go(page, site):
        page.goto(path(site))

    return go


def checklist_with_errors(page, site):
    page.goto(f"/checklists/new?therapist={site.slug}")
    page.get_by_label("Therapist's name").fill("")
    page.get_by_label("Email").fill("not an email")
    page.get_by_role("button", name="Save checklist").click()
    page.wait_for_selector("#form-errors")


def listing_with_errors(page, site):
    page.goto("/list-your-practice")
    page.get_by_role("button", name="Submit for review").click()
    page.wait_for_selector(".error")


def signed_in(path: str) -> Callable:
    def go(page, site):
        page.goto("/admin/login")
        page.get_by_label("Email").fill("mod@example.org")
        page.get_by_label("Password").fill(PASSWORD)
        page.get_by_role("button", name="Sign in").click()
        page.wait_for_url("**/admin/")
        page.goto(path)

    return go


PAGES = {
    "home": visit(lambda s: "/"),
    "search-results": visit(lambda s: "/search?near=33701"),
    "search-filtered": visit(lambda s: "/search?near=33701&modality=nmt&condition=tension-headache&accepting=1"),
    "search-empty": visit(lambda s: "/search?near=99501&radius=5"),
    "search-unknown-place": visit(lambda s: "/search?near=Xyzzyville,+FL"),
    "search-ambiguous-place": visit(lambda s: "/search?near=Springfield"),
    "search-browse": visit(lambda s: "/search"),
    "profile": visit(lambda s: f"/therapists/{s.slug}"),
    "checklist-about": visit(lambda s: "/checklist"),
    "checklist-form": visit(lambda s: f"/checklists/new?therapist={s.slug}"),
    "checklist-errors": checklist_with_errors,
    "checklist-saved": visit(lambda s: f"/checklists/{s.tokens[0]}"),
    "checklist-print": visit(lambda s: f"/checklists/{s.tokens[0]}/print"),
    "checklist-blank-print": visit(lambda s: f"/therapists/{s.slug}/checklist/print"),
    "my-checklists": visit(lambda s: "/checklists/mine"),
    "compare": visit(lambda s: f"/checklists/compare?id={s.ids[0]}&id={s.ids[1]}&id={s.ids[2]}"),
    "checklist-old-version": visit(lambda s: f"/checklists/{s.tokens[2]}"),
    "checklist-old-version-print": visit(lambda s: f"/checklists/{s.tokens[2]}/print"),
    "checklist-edit": visit(lambda s: f"/checklists/{s.tokens[0]}/edit"),
    "checklist-not-found": visit(lambda s: "/checklists/" + "A" * 43),
    "checklist-opened-elsewhere": visit(lambda s: f"/checklists/{s.elsewhere}"),
    "checklist-for-another-therapist": visit(lambda s: f"/checklists/{s.tokens[0]}/duplicate"),
    "checklist-for-another-with-notes": visit(lambda s: f"/checklists/{s.tokens[0]}/duplicate?notes=copy"),
    "listing-form": visit(lambda s: "/list-your-practice"),
    "listing-errors": listing_with_errors,
    "listing-edit-link": visit(lambda s: "/list-your-practice/edit-link"),
    "report-a-problem": visit(lambda s: f"/therapists/{s.slug}/report"),
    "admin-login": visit(lambda s: "/admin/login"),
    "admin-queue": signed_in("/admin/"),
    "admin-audit": signed_in("/admin/audit"),
    "not-found": visit(lambda s: "/no/such/page"),
}


@pytest.fixture
def remembered(page, site, app, live_server):
    """This browser remembers the saved checklists, as if it had saved them."""
    value = checklists.dump_saved_tokens(site.tokens, app.config["SECRET_KEY"])
    page.context.add_cookies([{"name": COOKIE_NAME, "value": value, "url": live_server}])
    return page


def axe_violations(page) -> list[str]:
    # Evaluated through the DevTools protocol: the page's CSP (rightly) blocks an injected <script>.
    page.evaluate(AXE.read_text(encoding="utf-8"))
    result = page.evaluate("async () => await axe.run(document, {resultTypes: ['violations']})")
    return [
        f"{v['id']} ({v['impact']}): {v['help']} — {[n['target'] for n in v['nodes']][:3]}"
        for v in result["violations"]
        if v["impact"] in ("serious", "critical")
    ]


SMALL_TARGETS = """() => {
  const small = [];
  for (const el of document.querySelectorAll('a[href], button, input:not([type=hidden]), select, textarea, summary')) {
    const style = getComputedStyle(el);
    if (el.closest('[hidden]') || style.visibility === 'hidden' || el.getClientRects().length === 0) continue;
    if (el.classList.contains('skip-link')) continue;
    // Links inside a sentence are exempt (WCAG 2.5.8): their size is the line's.
    if (el.tagName === 'A' && style.display === 'inline'
        && el.parentElement.textContent.trim().length > el.textContent.trim().length) continue;
    const target = el.matches('input[type=checkbox], input[type=radio]') ? (el.closest('label') || el) : el;
    const box = target.getBoundingClientRect();
    if (box.height < 43.5) small.push(`${el.tagName.toLowerCase()} "${(el.textContent || el.name || '').trim().slice(0, 40)}" is ${Math.round(box.height)}px high`);
  }
  return small;
}"""


@pytest.mark.parametrize("name", PAGES)
def test_page_on_desktop(remembered, site, artifacts, name):
    page = remembered
    weights: list[int] = []
    page.on("requestfinished", lambda request: request.resource_type in ("document", "stylesheet", "script")
            and weights.append(request.sizes()["responseBodySize"]))
    page.set_viewport_size(DESKTOP)
    PAGES[name](page, site)
    page.wait_for_load_state("load")
    assert axe_violations(page) == []
    assert 0 < sum(weights) < MAX_PAGE_BYTES, f"{name} weighs {sum(weights)} bytes"
    assert page.evaluate("parseFloat(getComputedStyle(document.body).fontSize)") >= 16
    page.screenshot(path=str(artifacts / f"{name}-1280.png"), full_page=True)


@pytest.mark.parametrize("name", PAGES)
def test_page_on_a_phone(remembered, site, artifacts, name):
    page = remembered
    page.set_viewport_size(PHONE)
    PAGES[name](page, site)
    page.wait_for_load_state("load")
    assert page.evaluate("document.documentElement.scrollWidth <= window.innerWidth"), f"{name} scrolls sideways"
    assert page.evaluate(SMALL_TARGETS) == []
    assert axe_violations(page) == []
    page.screenshot(path=str(artifacts / f"{name}-375.png"), full_page=True)


def test_filters_collapse_behind_a_button_on_phones(page, site):
    page.set_viewport_size(PHONE)
    page.goto("/search?near=33701")
    nmt = page.get_by_label("Neuromuscular therapy (NMT) (2)")
    assert not nmt.is_visible()
    page.get_by_text("Filters", exact=True).click()
    assert nmt.is_visible()


def pdf_text(page) -> str:
    import io

    from pypdf import PdfReader

    page.emulate_media(media="print")
    reader = PdfReader(io.BytesIO(page.pdf(format="Letter")))
    return " ".join(" ".join(p.extract_text() for p in reader.pages).split())


def test_search_results_print_cleanly(page, site, live_server):
    page.goto("/search?near=33701")
    text = pdf_text(page)
    assert "Nora Neuro" in text and "1.2 mi" in text
    # Long addresses wrap in the PDF, and its text comes back with spaces where lines broke.
    assert f"({live_server}/therapists/{site.slug})" in text.replace(" ", "")
    for screen_only in ("My checklists", "Skip to content", "Filters"):
        assert screen_only not in text
    assert not page.locator(".site-header").is_visible()


def test_profile_prints_cleanly_with_link_addresses(page, site):
    page.goto(f"/therapists/{site.slug}")
    text = pdf_text(page)
    assert "Nora Neuro" in text and "License" in text
    assert "openstreetmap.org" in text.replace(" ", "")
    assert text.replace(" ", "").count("https://bayfront.example.com") == 1
    for screen_only in ("Interview this therapist", "My checklists", "Print a blank checklist"):
        assert screen_only not in text


FOCUS_RING = """() => {
  const el = document.activeElement;
  const style = getComputedStyle(el);
  return {tag: el.tagName.toLowerCase(), name: el.getAttribute('name') || el.textContent.trim().slice(0, 40),
          ring: style.outlineStyle !== 'none' && parseFloat(style.outlineWidth) >= 2};
}"""


def tab_through(page, presses: int) -> list[dict]:
    """Where each Tab lands, until focus leaves the page."""
    stops = []
    for _ in range(presses):
        page.keyboard.press("Tab")
        stop = page.evaluate(FOCUS_RING)
        if stop["tag"] == "body":
            break
        stops.append(stop)
    return stops


def test_keyboard_reaches_search_filters_and_results_in_order(page, site):
    # After a search the filters start folded (results first); opened, every checkbox is a tab stop.
    page.goto("/search?near=33701&accepting=1")
    assert page.locator("details.search-filters").evaluate("details => !details.open")
    page.locator("details.search-filters").evaluate("details => { details.open = true; }")
    stops = tab_through(page, 120)
    names = ["Filters" if stop["name"].startswith("Filters") else stop["name"] for stop in stops]
    assert names[0] == "Skip to content"
    assert names.count("modality") == 16 and names.count("condition") == 14
    sequence = ["near", "radius", "unit", "Filters", "modality", "condition", "q", "accepting", "Search"]
    firsts = [names.index(name) for name in sequence]
    assert firsts == sorted(firsts)
    results = [names.index(n) for n in ("Nora Neuro", "Mo Mobile")]
    assert results == sorted(results) and results[0] > names.index("Search")
    assert all(stop["ring"] for stop in stops), [s for s in stops if not s["ring"]]


def test_filters_open_and_apply_with_the_keyboard(page, site):
    page.goto("/search?near=33701")
    page.get_by_text("Filters", exact=True).focus()
    page.keyboard.press("Enter")
    page.keyboard.press("Tab")
    assert page.evaluate("document.activeElement.value") == "nmt"
    page.keyboard.press("Space")
    page.get_by_role("button", name="Search").focus()
    page.keyboard.press("Enter")
    page.wait_for_url("**modality=nmt**")
    assert "2 therapists within 25 mi" in page.locator("#results-heading").inner_text()


def test_skip_link_moves_focus_to_the_content(page, site):
    page.goto("/")
    page.keyboard.press("Tab")
    assert page.locator(".skip-link").is_visible()
    page.keyboard.press("Enter")
    assert page.evaluate("document.activeElement.id") == "content"


def test_checklist_can_be_filled_and_saved_with_the_keyboard_alone(page, site):
    page.goto(f"/checklists/new?therapist={site.slug}")
    page.get_by_label("Therapist's name").focus()
    page.keyboard.press("End")
    page.keyboard.type(" (keyboard)")
    # Into the first question's radio group: nothing is ticked yet, so the first option ("Good answer") takes
    # focus and Space ticks it.
    while page.evaluate("document.activeElement.name") != "answer_technique":
        page.keyboard.press("Tab")
    page.keyboard.press("Space")
    assert page.evaluate("document.activeElement.value") == "good"
    assert page.evaluate("document.activeElement.checked")
    page.keyboard.press("Tab")
    page.keyboard.type("Asked on the phone")
    while page.evaluate("document.activeElement.textContent.trim()") != "Save checklist":
        page.keyboard.press("Tab")
    page.keyboard.press("Enter")
    page.wait_for_url(re.compile(r"/checklists/[A-Za-z0-9_-]{43}$"))
    text = page.content()
    assert "Nora Neuro (keyboard)" in text and "Asked on the phone" in text
    assert page.locator(".answer--good").count() == 1
