"""After a filtered search the results come first: the panel folded, the filters as chips a keyboard can remove,
and the way back from a profile; at 375 px and 1280 px, with axe."""
import pytest

from tests.browser.test_every_page import DESKTOP, PHONE, axe_violations

pytestmark = pytest.mark.browser

CLEARWATER = (27.9659, -82.8001)
SEARCH = ("/search?near=Clearwater,+FL&radius=25&modality=trigger-point&condition=tension-headache"
          "&condition=thoracic-outlet-syndrome&accepting=1")
# Measured with this test's tab_presses_to_first_result before results came first (issue 17): 44.
TABS_BEFORE = 44


@pytest.fixture
def clearwater(make_therapist):
    for i, name in enumerate(("Tara Trigger", "Theo Outlet", "Una Upper")):
        make_therapist(name=name, at=(CLEARWATER[0] + 0.01 * i, CLEARWATER[1]),
                       modalities=("trigger-point", "nmt-st-john"),
                       conditions=("tension-headache", "thoracic-outlet-syndrome", "upper-back-knots", "neck-pain"))
    make_therapist(name="Sid Swedish", at=CLEARWATER, modalities=("swedish",))


def tab_presses_to_first_result(page, limit: int = 120) -> int:
    """Tab from the top of the page until the first result's link has the focus; how many presses it took."""
    first = page.locator("ol.results .result__name a").first
    first.wait_for()
    page.evaluate("() => { document.activeElement && document.activeElement.blur(); window.scrollTo(0, 0); }")
    for presses in range(1, limit + 1):
        page.keyboard.press("Tab")
        if first.evaluate("link => link === document.activeElement"):
            return presses
    raise AssertionError(f"the first result was not reached in {limit} Tab presses")


def test_on_a_phone_the_first_result_shows_without_scrolling(page, clearwater, artifacts):
    page.set_viewport_size(PHONE)
    page.goto(SEARCH)
    assert not page.locator("details.search-filters").evaluate("details => details.open")
    first = page.locator("ol.results .result__name a").first
    box = first.bounding_box()
    page.screenshot(path=str(artifacts / "search-results-first-phone.png"), full_page=True)
    assert box["y"] + box["height"] <= PHONE["height"], box
    assert first.inner_text() == "Tara Trigger"
    marked = page.locator("ol.results li").first.locator(".conditions .match")
    assert [m.text_content() for m in marked.all()] == ["Tension headache (matches your search)",
                                                        "Thoracic outlet syndrome (matches your search)"]
    page.screenshot(path=str(artifacts / "search-results-first-phone.png"))
    assert axe_violations(page) == []
    # The folded panel still opens, and its filters are the ones searched with.
    page.locator("details.search-filters > summary").click()
    assert page.get_by_label("Accepting new clients only").is_checked()


def test_on_a_desktop_the_first_result_is_a_few_tabs_away_and_chips_go_by_keyboard(page, clearwater):
    page.set_viewport_size(DESKTOP)
    page.goto(SEARCH)
    presses = tab_presses_to_first_result(page)
    print(f"Tab presses to the first result at 1280 px: {presses} (before: {TABS_BEFORE})")
    assert presses <= 20
    assert axe_violations(page) == []

    chip = page.get_by_role("link", name="Remove filter: Trigger point therapy")
    chip.focus()
    page.keyboard.press("Enter")
    page.wait_for_url(lambda url: "trigger-point" not in url)
    assert "condition=thoracic-outlet-syndrome" in page.url and "accepting=1" in page.url
    assert page.get_by_role("link", name="Remove filter: Trigger point therapy").count() == 0
    assert page.get_by_role("link", name="Remove filter: Accepting new clients").count() == 1
    assert "3 therapists within 25 mi of Clearwater, FL" in page.locator("#results-heading").inner_text()

    # To a profile and back to the same results.
    page.get_by_role("link", name="Theo Outlet").click()
    page.get_by_role("link", name="Back to results").click()
    assert "near=Clearwater" in page.url and "accepting=1" in page.url and "trigger-point" not in page.url
    assert page.get_by_role("link", name="Remove filter: Accepting new clients").count() == 1


def test_chips_work_without_javascript(browser, live_server, clearwater):
    context = browser.new_context(base_url=live_server, java_script_enabled=False)
    page = context.new_page()
    try:
        page.goto(SEARCH)
        page.get_by_role("link", name="Remove filter: Tension headache").click()
        page.wait_for_url(lambda url: "tension-headache" not in url)
        assert "thoracic-outlet-syndrome" in page.url
        page.get_by_role("link", name="Clear all filters").click()
        page.wait_for_url(lambda url: "modality" not in url and "condition" not in url)
        assert "4 therapists within 25 mi of Clearwater, FL" in page.locator("#results-heading").inner_text()
        assert page.locator("details.search-filters").evaluate("details => !details.open")
    finally:
        context.close()


@pytest.mark.parametrize("viewport", [PHONE, DESKTOP], ids=["375", "1280"])
def test_zero_results_and_a_state_alone_pass_axe(page, clearwater, viewport):
    page.set_viewport_size(viewport)
    page.goto("/search?near=Clearwater,+FL&modality=swedish&condition=thoracic-outlet-syndrome")
    drop = page.get_by_role("link", name="Without “Swedish / relaxation massage”: 3 therapists")
    assert drop.is_visible()
    assert axe_violations(page) == []
    page.goto("/search?near=FL")
    assert page.get_by_role("link", name="Tampa, FL").is_visible()
    assert axe_violations(page) == []
