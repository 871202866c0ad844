"""The "Near" box suggests places as a person types: an accessible combobox, on a phone and a desktop,
and the search still works without JavaScript."""
import pytest
from playwright.sync_api import expect

from tests.browser.test_every_page import DESKTOP, PHONE, axe_violations

pytestmark = pytest.mark.browser


def _options(page):
    return page.get_by_role("listbox", name="Places").get_by_role("option")


def _type(page, text, first):
    """Type as a person does, and wait until the answer for the whole text lists `first` first."""
    box = page.get_by_role("combobox", name="Near")
    box.press_sequentially(text, delay=20)
    expect(_options(page).first).to_contain_text(first)
    return box


@pytest.mark.parametrize("viewport", [PHONE, DESKTOP], ids=["375px", "1280px"])
def test_suggestions_as_you_type_then_keyboard_choice_and_search(page, vocabulary, artifacts, viewport):
    page.set_viewport_size(viewport)
    page.goto("/")
    box = _type(page, "Hyde Park, Chi", "Hyde Park, Chicago, IL")
    options = _options(page)
    assert options.all_inner_texts()[0].startswith("Hyde Park, Chicago, IL")
    assert box.get_attribute("aria-expanded") == "true"
    assert box.get_attribute("aria-controls") == page.get_by_role("listbox").get_attribute("id")
    assert "suggested" in page.locator(".combobox [role=status]").inner_text()
    # The open list is part of the page: accessible, no sideways scrolling, tappable options.
    assert axe_violations(page) == []
    assert page.evaluate("document.documentElement.scrollWidth <= window.innerWidth")
    assert options.first.bounding_box()["height"] >= 44
    page.screenshot(path=str(artifacts / f"type-ahead-{viewport['width']}.png"))

    box.press("ArrowDown")
    first = options.first
    assert first.get_attribute("aria-selected") == "true"
    assert box.get_attribute("aria-activedescendant") == first.get_attribute("id")
    box.press("Enter")
    assert box.input_value() == "Hyde Park, Chicago, IL"
    assert box.get_attribute("aria-expanded") == "false" and not page.get_by_role("listbox").is_visible()
    box.press("Enter")
    page.wait_for_url("**/search?**")
    assert "within 25 mi of Hyde Park, Chicago, IL" in page.locator("#results-heading").inner_text()


def test_arrows_wrap_escape_closes_and_a_click_chooses(page, vocabulary):
    page.goto("/search")
    box = _type(page, "Portland", "Portland, OR")
    count = _options(page).count()
    assert count > 1
    box.press("ArrowUp")
    assert _options(page).nth(count - 1).get_attribute("aria-selected") == "true"
    box.press("ArrowDown")
    assert box.get_attribute("aria-activedescendant") is None
    box.press("Escape")
    assert box.get_attribute("aria-expanded") == "false" and box.input_value() == "Portland"
    box.press("ArrowDown")
    assert page.get_by_role("listbox").is_visible()
    _options(page).filter(has_text="Portland, ME").click()
    assert box.input_value() == "Portland, ME"
    assert box.evaluate("el => el === document.activeElement")


def test_neighbourhoods_and_zip_codes_say_what_they_are(page, vocabulary):
    page.goto("/")
    _type(page, "3370", "33701")
    assert "ZIP code" in _options(page).first.inner_text()
    box = page.get_by_role("combobox", name="Near")
    box.fill("")
    _type(page, "Greenpoi", "Greenpoint")
    assert _options(page).first.inner_text().startswith("Greenpoint, Brooklyn, NY")
    assert "neighbourhood" in _options(page).first.inner_text()


def test_without_javascript_the_box_is_a_plain_field_and_the_search_works(browser, live_server, vocabulary):
    context = browser.new_context(base_url=live_server, java_script_enabled=False)
    page = context.new_page()
    page.goto("/")
    box = page.get_by_label("Near")
    assert box.get_attribute("role") is None and page.get_by_role("listbox").count() == 0
    box.fill("Greenpoint, NY")
    page.get_by_role("button", name="Search").click()
    page.wait_for_url("**/search?**")
    assert "within 25 mi of Greenpoint, Brooklyn, NY" in page.locator("#results-heading").inner_text()
    context.close()


@pytest.mark.parametrize("typed", ["33701", "33701-1234", "Tampa, FL"])
def test_a_whole_zip_code_or_place_shows_no_list_over_the_search_button(page, vocabulary, typed):
    page.goto("/")
    box = page.get_by_role("combobox", name="Near")
    box.press_sequentially(typed, delay=20)
    # Long enough for the type-ahead to have answered (it waits 120 ms after the last key).
    page.wait_for_timeout(800)
    assert box.get_attribute("aria-expanded") == "false" and not page.get_by_role("listbox").is_visible()
    page.get_by_role("button", name="Search").click(timeout=5000)
    page.wait_for_url("**/search?**")
