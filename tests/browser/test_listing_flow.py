"""A therapist lists their practice, a moderator approves it, and a client finds it, in a real browser."""
import pytest

from tests.admin.conftest import PASSWORD, make_admin  # noqa: F401
from tests.browser.conftest import fill_listing_form

pytestmark = pytest.mark.browser

PHONE = {"width": 375, "height": 812}
DESKTOP = {"width": 1280, "height": 900}


def _fits_the_screen(page) -> bool:
    return page.evaluate("document.documentElement.scrollWidth <= window.innerWidth")


def _small_tap_targets(page) -> list[str]:
    """Visible controls of the listing form less than 44 px high (checkboxes count their label)."""
    return page.evaluate(
        """() => [...document.querySelectorAll(
              '.listing-form input:not([type=hidden]):not([type=checkbox]), .listing-form select, '
            + '.listing-form textarea, .listing-form button, .listing-form label.check')]
            .filter((el) => el.offsetParent !== null && !el.closest('.hp'))
            .filter((el) => el.getBoundingClientRect().height < 44)
            .map((el) => el.id || el.name || el.textContent.trim())"""
    )


def test_submit_approve_and_find_a_listing(page, vocabulary, make_admin, artifacts):  # noqa: F811
    admin = make_admin()

    page.set_viewport_size(PHONE)
    page.goto("/")
    page.get_by_role("link", name="List your practice").click()
    page.wait_for_url("**/list-your-practice")
    assert _fits_the_screen(page)
    assert _small_tap_targets(page) == []
    page.screenshot(path=str(artifacts / "listing-form-375.png"), full_page=True)

    page.set_viewport_size(DESKTOP)
    fill_listing_form(page, "Nadia Knotworth", "Trigger point work for tension headaches.")
    page.screenshot(path=str(artifacts / "listing-form-1280.png"), full_page=True)
    page.get_by_role("button", name="Submit for review").click()

    page.wait_for_url("**/list-your-practice/edit/**")
    assert "Your listing is waiting for review" in page.locator(".flash").inner_text()
    assert "/list-your-practice/edit/" in page.locator("#private-link").input_value()
    assert "St. Petersburg, FL 33701" in page.locator(".resolved").first.inner_text()

    page.goto("/admin/")
    page.wait_for_url("**/admin/login**")
    page.get_by_label("Email").fill(admin.email)
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Sign in").click()
    page.wait_for_url("**/admin/")
    page.get_by_role("link", name="Nadia Knotworth").click()
    page.get_by_role("button", name="Approve and publish").click()
    assert "The listing is published." in page.locator(".flash").inner_text()

    page.goto("/")
    page.get_by_label("Near").fill("33701")
    page.get_by_role("button", name="Search").click()
    page.wait_for_url("**/search?**")
    page.get_by_role("link", name="Nadia Knotworth").click()
    assert page.get_by_role("heading", level=1).inner_text().startswith("Nadia Knotworth")
    assert page.get_by_text("Report a problem with this listing").is_visible()
