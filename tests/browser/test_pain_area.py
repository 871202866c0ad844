"""Where does it hurt?, in Chromium at 375 px and 1280 px: regions ticked with the keyboard alone, the filters
they set and the "what may be going on" panel, the drawing as a second way to tick, and axe on all of it."""
import pytest

from tests.browser.test_every_page import DESKTOP, PHONE, axe_violations
from tests.conftest import point_at

pytestmark = pytest.mark.browser

HEADACHE = ("skull-base-right", "temples-forehead-right")


def tab_to(page, selector: str, limit: int = 80) -> None:
    """Press Tab until the element `selector` finds has the focus."""
    for _ in range(limit):
        page.keyboard.press("Tab")
        if page.evaluate("(selector) => document.activeElement.matches(selector)", selector):
            return
    raise AssertionError(f"Tab never reached {selector}")


@pytest.mark.parametrize("viewport", [PHONE, DESKTOP], ids=["375", "1280"])
def test_tick_regions_with_the_keyboard_and_see_the_filters_and_the_panel(page, make_therapist, artifacts, viewport):
    make_therapist(name="Nora Neuro", at=point_at(2), modalities=("nmt-st-john",), conditions=("tension-headache",))
    make_therapist(name="Sam Swedish", at=point_at(1), modalities=("swedish",), conditions=("tension-headache",))
    page.set_viewport_size(viewport)
    page.goto("/")
    page.get_by_label("Near").focus()
    page.keyboard.type("33701")
    for slug in sorted(HEADACHE, key=lambda s: not s.startswith("temples")):  # the front list comes first
        tab_to(page, f"#regions-{slug}")
        page.keyboard.press("Space")
        assert page.locator(f"#regions-{slug}").is_checked()
        assert "is-ticked" in page.locator(f'[data-region="{slug}"]').get_attribute("class")
    assert page.get_by_label("Base of the skull, right side").is_checked()
    assert axe_violations(page) == []
    if viewport == PHONE:
        page.locator("#pain-area").evaluate("element => element.scrollIntoView()")
        page.evaluate("document.activeElement.blur()")
        page.screenshot(path=str(artifacts / "pain-area-phone.png"))
    tab_to(page, "button[type=submit]")
    page.keyboard.press("Enter")
    page.wait_for_url("**/search?**regions=skull-base-right**")

    assert "within 25 mi of St. Petersburg, FL 33701" in page.locator("#results-heading").inner_text()
    guide = page.locator(".pain-guide")
    assert guide.is_visible()
    assert "What may be going on" in guide.inner_text() and "not a diagnosis" in guide.inner_text()
    assert page.locator("input[name=modality][value=nmt]").is_checked()
    assert page.locator("input[name=condition][value=tension-headache]").is_checked()
    names = page.locator("section[aria-labelledby=results-heading] .result__name").all_inner_texts()
    assert [name.split(",")[0] for name in names] == ["Nora Neuro"]
    assert page.evaluate("document.documentElement.scrollWidth <= window.innerWidth")
    panel, results = guide.bounding_box(), page.locator("#results-heading").bounding_box()
    if viewport == PHONE:
        assert panel["y"] + panel["height"] <= results["y"]  # above the results
    else:
        assert panel["x"] >= results["x"] + results["width"] - 1 and panel["y"] < results["y"] + 200  # beside them
    assert axe_violations(page) == []
    page.screenshot(path=str(artifacts / f"pain-area-results-{viewport['width']}.png"), full_page=True)


def test_clicking_the_drawing_ticks_the_region_and_the_filter_can_be_taken_off(page, make_therapist):
    make_therapist(name="Mia Migraine", at=point_at(1), conditions=("migraine",))
    make_therapist(name="Tess Tension", at=point_at(2), conditions=("tension-headache",))
    page.set_viewport_size(DESKTOP)
    page.goto("/search")
    spot = page.locator('[data-region="temples-forehead-left"]')
    box = page.get_by_label("Temples and forehead, left side")
    spot.click()
    assert box.is_checked() and "is-ticked" in spot.get_attribute("class")
    spot.click()
    assert not box.is_checked() and "is-ticked" not in spot.get_attribute("class")
    spot.click()
    page.get_by_label("Near").fill("33701")
    page.get_by_role("button", name="Search").click()
    page.wait_for_url("**regions=temples-forehead-left**")
    assert page.locator("input[name=condition][value=migraine]").is_checked()

    if not page.locator("input[name=condition][value=migraine]").is_visible():
        page.locator("details", has=page.locator("input[name=condition]")).locator("> summary").click()
    page.locator("input[name=modality][value=nmt]").uncheck()
    page.locator("input[name=condition][value=migraine]").uncheck()
    page.get_by_role("button", name="Search").click()
    page.wait_for_url("**applied=temples-forehead-left**")
    assert not page.locator("input[name=condition][value=migraine]").is_checked()
    assert page.get_by_label("Temples and forehead, left side").is_checked()
    names = page.locator("section[aria-labelledby=results-heading] .result__name").all_inner_texts()
    assert [name.split(",")[0] for name in names] == ["Tess Tension"]
    assert "(you took it off)" in page.locator(".pain-guide").inner_text()
