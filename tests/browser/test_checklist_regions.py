"""Where it hurts, into the interview, in Chromium at 375 px and 1280 px: a checklist started from a region search
marks the questions that matter most, keeps the regions when saved, and prints them at the top."""
import pytest
from playwright.sync_api import expect

from tests.browser.test_checklist_phone import TOKEN_URL, pdf_text
from tests.browser.test_every_page import DESKTOP, PHONE, axe_violations

pytestmark = pytest.mark.browser

MARK = "Matters most for where it hurts"
NECK_AND_ARM = "regions=neck-right&regions=arm-hand-right"


@pytest.mark.parametrize("viewport", [PHONE, DESKTOP], ids=["phone", "desktop"])
def test_start_with_regions_see_the_marks_save_and_print_them_at_the_top(page, make_therapist, checklist_version,
                                                                        artifacts, viewport):
    therapist = make_therapist(name="Nora Neuro", phone="(727) 555-0142")
    page.set_viewport_size(viewport)
    # From a search with regions ticked, the profile's link starts the interview with them.
    page.goto(f"/therapists/{therapist.slug}?{NECK_AND_ARM}")
    page.get_by_role("link", name="Interview this therapist").click()
    assert page.get_by_label("Therapist's name").input_value() == "Nora Neuro"
    regions = page.get_by_role("group", name="Where does it hurt?")
    assert regions.get_by_label("Neck, right side").is_checked()
    assert regions.get_by_label("Arm and hand (tingling), right side").is_checked()
    assert not regions.get_by_label("Neck, left side").is_checked()
    marks = page.locator(".badge--region")
    assert marks.count() == 3 and all(mark.is_visible() for mark in marks.all())
    working = page.locator(".question", has=page.get_by_role("group", name="Will you work with my physical therapist"))
    assert MARK in working.inner_text() and "looked at by a doctor" in working.inner_text()
    assert axe_violations(page) == []
    page.screenshot(path=str(artifacts / f"checklist-regions-form-{viewport['width']}.png"), full_page=True)

    # The keyboard ticks one more: Tab reaches the box, Space ticks it.
    lower_back = regions.get_by_label("Lower back, left side")
    regions.get_by_label("Lower back, right side").focus()
    page.keyboard.press("Shift+Tab")
    assert lower_back.evaluate("el => el === document.activeElement")
    page.keyboard.press("Space")
    assert lower_back.is_checked()
    # The marks follow at once: the lower back adds "other factors".
    expect(page.locator(".badge--region")).to_have_count(4)
    expect(page.get_by_role("status")).to_have_text("Questions marked as mattering most for where it hurts: 4.")
    other = page.locator(".question", has=page.get_by_role("group", name="Will you ask about other things"))
    assert "leg length" in other.locator(".region-mark").inner_text()
    page.get_by_role("group", name="Do you do neuromuscular therapy").get_by_label("Good answer").check()
    page.get_by_role("button", name="Save checklist").click()
    page.wait_for_url(TOKEN_URL)

    where = "Where it hurts: Neck, right side; Lower back, left side; Arm and hand (tingling), right side"
    assert " ".join(page.locator(".where-it-hurts").inner_text().split()) == where
    assert page.locator(".badge--region").count() == 4  # the lower back adds "other factors"
    assert axe_violations(page) == []
    page.goto(page.url + "/edit")
    assert page.get_by_role("group", name="Where does it hurt?").get_by_label("Lower back, left side").is_checked()
    page.go_back()

    page.goto(page.url + "/print")
    pages, text = pdf_text(page)
    assert pages <= 2 and text.index(where) < text.index("1. Do you do neuromuscular therapy")
    assert text.count("◆") == 4 + 1  # and the legend saying why


@pytest.mark.parametrize("paper", ["Letter", "A4"])
def test_a_blank_print_from_a_region_search_shows_them_at_the_top_on_two_pages(page, make_therapist,
                                                                              checklist_version, artifacts, paper):
    therapist = make_therapist(name="Nora Neuro", phone="(727) 555-0142")
    page.goto(f"/therapists/{therapist.slug}/checklist/print?{NECK_AND_ARM}&regions=skull-base-left")
    assert axe_violations(page) == []
    pages, text = pdf_text(page, paper)
    assert pages == 2
    where = "Where it hurts: Base of the skull, left side; Neck, right side; Arm and hand (tingling), right side"
    assert text.index("Nora Neuro") < text.index(where) < text.index("1. Do you do neuromuscular therapy")
    assert text.count("◆") == 5 + 1
    assert "You marked head or face pain." in text
    if paper == "Letter":
        page.screenshot(path=str(artifacts / "checklist-print-blank-regions.png"), full_page=True)
