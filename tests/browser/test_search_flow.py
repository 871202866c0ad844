"""A person searches from the home page, filters to NMT and opens a profile, in a real browser."""
import pytest

from tests.conftest import point_at

pytestmark = pytest.mark.browser


def test_search_filter_and_open_a_profile(page, make_therapist, artifacts):
    make_therapist(name="Nora Neuro", at=point_at(2), modalities=("nmt-st-john", "trigger-point"),
                   conditions=("tension-headache",))
    make_therapist(name="Sam Swedish", at=point_at(1), modalities=("swedish",))
    make_therapist(name="Far Away", at=point_at(400), modalities=("nmt",))

    page.goto("/")
    page.get_by_label("Near").fill("33701")
    page.get_by_role("button", name="Search").click()
    page.wait_for_url("**/search?**")
    summary = page.locator("#results-heading")
    assert "2 therapists within 25 mi of St. Petersburg, FL 33701" in summary.inner_text()
    cards = page.locator(".result__name")
    assert cards.all_inner_texts()[0].startswith("Sam Swedish")

    page.get_by_text("Filters").click()
    page.get_by_label("Neuromuscular therapy (NMT) (1)").check()
    page.get_by_role("button", name="Search").click()
    page.wait_for_url("**modality=nmt**")
    assert "1 therapist within 25 mi" in page.locator("#results-heading").inner_text()
    in_area = page.locator("section[aria-labelledby=results-heading] .result__name")
    assert [text.split(",")[0] for text in in_area.all_inner_texts()] == ["Nora Neuro"]
    assert "2.0 mi" in page.locator(".distance").first.inner_text()
    page.screenshot(path=str(artifacts / "search-results-nmt.png"), full_page=True)

    page.get_by_role("link", name="Nora Neuro").click()
    assert page.get_by_role("heading", level=1).inner_text().startswith("Nora Neuro")
    assert page.get_by_text("MA").first.is_visible()
    page.screenshot(path=str(artifacts / "profile.png"), full_page=True)
