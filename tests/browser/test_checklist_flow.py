"""A person interviews a therapist from their profile, saves privately, reopens and prints, in Chromium."""
import io

import pytest
from pypdf import PdfReader

pytestmark = pytest.mark.browser


def pdf_pages(pdf: bytes) -> list[str]:
    return [page.extract_text() for page in PdfReader(io.BytesIO(pdf)).pages]


def test_fill_save_reopen_and_print(page, browser, make_therapist, checklist_version, artifacts):
    therapist = make_therapist(name="Nora Neuro", practice_name="Bayfront NMT", modalities=("nmt-st-john",))
    page.goto(f"/therapists/{therapist.slug}")
    page.get_by_role("link", name="Interview this therapist").click()
    assert page.get_by_label("Therapist's name").input_value() == "Nora Neuro"
    assert page.get_by_label("Practice").input_value() == "Bayfront NMT"

    technique = page.get_by_role("group", name="Do you do neuromuscular therapy")
    technique.get_by_label("Good answer").check()
    page.get_by_label("Notes on this answer: Do you do neuromuscular therapy").fill(
        "Trained in the St. John Method, 4 levels"
    )
    page.get_by_role("group", name="How do you decide how much pressure").get_by_label("Partly").check()
    page.get_by_label("Price quoted").fill("$95 for 60 minutes")
    page.get_by_label("4 – good").check()
    page.get_by_label("Your notes").fill("Felt listened to. Ask about parking.")
    page.get_by_role("button", name="Save checklist").click()

    assert "Your checklist is saved" in page.locator(".flash").inner_text()
    link = page.get_by_role("textbox", name="Private link").input_value()
    assert "/checklists/" in link

    # Another browser without this one's cookie opens it through the link alone.
    stranger = browser.new_context()
    other = stranger.new_page()
    other.goto(link)
    assert "Trained in the St. John Method, 4 levels" in other.content()
    stranger.close()

    page.goto(link + "/print")
    page.emulate_media(media="print")
    page.screenshot(path=str(artifacts / "checklist-print-filled.png"), full_page=True)
    filled = pdf_pages(page.pdf(format="Letter"))
    text = " ".join(" ".join(filled).split())
    assert "Nora Neuro" in filled[0]
    assert "Trained in the St. John Method, 4 levels" in text
    assert "Felt listened to. Ask about parking." in text
    assert "$95 for 60 minutes" in text


@pytest.mark.parametrize("paper", ["Letter", "A4"])
def test_blank_checklist_prints_on_two_pages(page, make_therapist, checklist_version, artifacts, paper):
    therapist = make_therapist(name="Nora Neuro", phone="(727) 555-0142")
    page.goto(f"/therapists/{therapist.slug}/checklist/print")
    assert page.get_by_role("button", name="Print").is_visible()
    page.emulate_media(media="print")
    assert not page.get_by_role("button", name="Print").is_visible()
    assert not page.locator(".site-header").is_visible()
    pages = pdf_pages(page.pdf(format=paper))
    assert len(pages) == 2
    assert "Nora Neuro" in pages[0] and "(727) 555-0142" in pages[0]
    if paper == "Letter":
        page.screenshot(path=str(artifacts / "checklist-print-blank.png"), full_page=True)
