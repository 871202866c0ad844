"""The interview as a person in pain does it on a phone (issue 18), in Chromium at 375 px and at 1280 px: one save
is one checklist, a compare view that fits, answers that fit the questions, the private link told straight, reuse
without leaking notes, errors that lead to the fix, and print for the pen. Old-version checklists keep working."""
import io
import re
import threading
import unicodedata
from datetime import date

import pytest
from flask import request
from pypdf import PdfReader
from sqlalchemy import func, select

from directory.checklists import services
from directory.checklists.models import Checklist
from directory.checklists.views import COOKIE_NAME
from directory.extensions import db
from tests.browser.conftest import fill_listing_form, watch_for_problems
from tests.browser.test_every_page import DESKTOP, PHONE, axe_violations

pytestmark = pytest.mark.browser

TOKEN_URL = re.compile(r"/checklists/[A-Za-z0-9_-]{43}$")
TECHNIQUE = "Do you do neuromuscular therapy"


def pdf_text(page, paper: str = "Letter") -> tuple[int, str]:
    """The page printed on `paper`: its number of pages and its text, spaces and ligatures (ﬁ) undone."""
    page.emulate_media(media="print")
    reader = PdfReader(io.BytesIO(page.pdf(format=paper)))
    text = unicodedata.normalize("NFKC", " ".join(p.extract_text() for p in reader.pages))
    return len(reader.pages), " ".join(text.split())


def checklist_count() -> int:
    return db.session.scalar(select(func.count()).select_from(Checklist))


def remember(page, app, live_server, tokens: list[str]) -> None:
    """This browser lists `tokens` under My checklists, as if it had saved them."""
    value = services.dump_saved_tokens(tokens, app.config["SECRET_KEY"])
    page.context.add_cookies([{"name": COOKIE_NAME, "value": value, "url": live_server}])


IN_VIEW = "el => { const r = el.getBoundingClientRect(); return r.top >= 0 && r.bottom <= window.innerHeight; }"


# 1. One save, one checklist


def test_back_after_saving_shows_a_new_form_that_points_to_the_saved_checklist(page, make_therapist, checklist_version):
    therapist = make_therapist(name="Nora Neuro")
    page.set_viewport_size(PHONE)
    page.goto(f"/checklists/new?therapist={therapist.slug}")
    page.get_by_role("group", name=TECHNIQUE).get_by_label("Good answer").check()
    page.get_by_label("Your notes").fill("Felt listened to")
    page.get_by_role("button", name="Save checklist").click()
    page.wait_for_url(TOKEN_URL)
    saved = page.url

    page.go_back()
    # Not the filled form with a live Save button: a new checklist, which says one is saved already.
    assert page.get_by_label("Your notes").input_value() == ""
    assert not page.get_by_role("group", name=TECHNIQUE).get_by_label("Good answer").is_checked()
    notice = page.locator("#saved-before")
    assert "You already have a checklist for Nora Neuro on this device" in notice.inner_text()
    notice.get_by_role("link", name="open it").click()
    assert page.url == saved and "Felt listened to" in page.content()
    page.goto("/checklists/mine")
    assert page.locator(".saved").count() == 1 == checklist_count()


def test_two_racing_posts_of_one_form_save_one_checklist(page, checklist_version, monkeypatch):
    """A double tap: both posts look for the checklist before either saves it, and land on the same one."""
    both_looked = threading.Barrier(2, timeout=10)
    find = services.find_checklist
    waited: set[int] = set()

    def find_then_wait_for_the_other_post(token):
        found = find(token)
        if request.method == "POST" and threading.get_ident() not in waited:
            waited.add(threading.get_ident())
            both_looked.wait()
        return found

    monkeypatch.setattr(services, "find_checklist", find_then_wait_for_the_other_post)
    page.goto("/checklists/new")
    page.get_by_label("Therapist's name").fill("Dana Double")
    landed = page.evaluate("""async () => {
        const form = document.querySelector('form.checklist-form');
        const post = () => fetch(form.action, {method: 'POST', body: new FormData(form)});
        return (await Promise.all([post(), post()])).map((response) => [response.status, response.url]);
    }""")
    assert [status for status, _ in landed] == [200, 200]
    assert landed[0][1] == landed[1][1] and TOKEN_URL.search(landed[0][1])
    assert checklist_count() == 1
    page.goto("/checklists/mine")
    assert page.locator(".saved").count() == 1


def back_to_a_sent_form(page) -> bool:
    """Go back to the page of a form that was sent; whether it came from the back/forward cache. It must load
    again from the server (a page restored from the cache fires no load event, so this would time out)."""
    with page.expect_event("load", timeout=10_000):
        page.go_back(wait_until="commit")
    return page.evaluate("window.restoredFromCache")


def test_a_sent_form_is_fetched_again_not_restored_from_the_back_forward_cache(bfcache_browser, live_server,
                                                                               checklist_version, vocabulary):
    context = bfcache_browser.new_context(base_url=live_server)
    page = context.new_page()
    problems = watch_for_problems(page, "http://127.0.0.1")
    page.add_init_script("addEventListener('pageshow', (e) => { window.restoredFromCache = e.persisted; })")
    # This Chromium does keep pages: a form left by a link comes back as it was.
    page.goto("/list-your-practice")
    page.get_by_label("Your name").fill("Left, not sent")
    page.goto("/about")
    page.go_back(wait_until="commit")
    page.wait_for_function("window.restoredFromCache === true")
    assert page.get_by_label("Your name").input_value() == "Left, not sent"

    # Sent, the listing form comes back from the server instead: a new form.
    fill_listing_form(page, "Nadia Knotworth", "Trigger point work.")
    page.get_by_role("button", name="Submit for review").click()
    page.wait_for_url("**/list-your-practice/edit/**")
    assert back_to_a_sent_form(page) is False
    assert page.get_by_label("Your name").input_value() == ""

    # The listing's edit page and the checklist form alike.
    page.go_forward(wait_until="commit")
    page.get_by_label("About you and your practice").fill("Changed and saved.")
    page.get_by_role("button", name="Save changes").click()
    page.wait_for_selector(".flash")
    assert back_to_a_sent_form(page) is False
    page.goto("/checklists/new")
    page.get_by_label("Therapist's name").fill("Nora Neuro")
    page.get_by_label("Your notes").fill("Sent once")
    page.get_by_role("button", name="Save checklist").click()
    page.wait_for_url(TOKEN_URL)
    assert back_to_a_sent_form(page) is False
    assert page.get_by_label("Your notes").input_value() == ""
    assert checklist_count() == 1
    context.close()
    assert problems == []


# 2. A compare view that fits a phone


@pytest.fixture
def compared(page, app, live_server, make_checklist) -> str:
    """Three saved checklists, the last filled in with version 1 of the questions; the URL comparing them."""
    made = [
        make_checklist(therapist_name="Nora Neuro", therapist_phone="(727) 555-0142", rating=5,
                       interview_date=date(2026, 12, 2), price_quoted="$95 / 60 min",
                       notes="Felt listened to. Ask about parking.",
                       answers={"technique": ("good", "St. John NMT, four levels"), "pressure": ("partly", "")}),
        make_checklist(therapist_name="Leah Lane", therapist_phone="(727) 555-0177", rating=3,
                       interview_date=date(2026, 12, 3), price_quoted="$80 / 60 min",
                       notes="Leah sounded confident but rushed.", answers={"technique": ("poor", "Mostly Swedish")}),
        make_checklist(version=1, therapist_name="Olga Oldform", therapist_phone="(727) 555-0190",
                       answers={"technique": ("yes", "Trigger points"), "pressure": ("not_sure", "")}),
    ]
    remember(page, app, live_server, [token for _, token in made])
    return "/checklists/compare?" + "&".join(f"id={checklist.id}" for checklist, _ in made)


FIRST_QUESTION_ROW = f"tr:has(th:has-text('{TECHNIQUE}'))"


def test_compare_on_a_phone_stacks_each_question_over_every_answer(page, compared, artifacts):
    page.set_viewport_size(PHONE)
    page.goto(compared)
    assert page.evaluate("document.documentElement.scrollWidth <= window.innerWidth")
    row = page.locator(FIRST_QUESTION_ROW)
    question = row.locator("th").bounding_box()
    table = page.locator("table.compare").bounding_box()
    assert question["width"] > 0.85 * table["width"]  # the question takes the row, not 60% of a narrow column
    cells = row.locator("td")
    assert cells.count() == 3
    for index, name in enumerate(["Nora Neuro", "Leah Lane", "Olga Oldform"]):
        cell = cells.nth(index)
        box = cell.bounding_box()
        assert box["y"] >= question["y"] + question["height"] - 1 and 0 <= box["x"] and box["x"] + box["width"] <= 375
        assert cell.evaluate("el => getComputedStyle(el, '::before').content") == f'"{name}"'
    assert cells.nth(0).inner_text().startswith("Good answer") and cells.nth(2).inner_text().startswith("Yes")
    phones = page.locator("tr:has(th:text-is('Phone')) td").all_inner_texts()
    assert phones == ["(727) 555-0142", "(727) 555-0177", "(727) 555-0190"]
    notes = page.locator("tr:has(th:text-is('Your notes')) td").all_inner_texts()
    assert notes[:2] == ["Felt listened to. Ask about parking.", "Leah sounded confident but rushed."]
    assert "swipe" not in page.content()
    assert axe_violations(page) == []
    # The picture in the README: the first question and its answers, as a phone shows them.
    page.locator("tr:has(th:text-is('Your notes'))").evaluate(
        "el => window.scrollTo(0, el.getBoundingClientRect().top + window.scrollY - 8)")
    page.screenshot(path=str(artifacts / "checklist-compare-phone.png"))


def test_compare_on_a_desktop_is_a_table_and_prints_without_swiping(page, compared):
    page.set_viewport_size(DESKTOP)
    page.goto(compared)
    row = page.locator(FIRST_QUESTION_ROW)
    question = row.locator("th").bounding_box()
    assert question["width"] < 0.4 * page.locator("table.compare").bounding_box()["width"]
    for index in range(3):
        cell = row.locator("td").nth(index).bounding_box()
        assert abs(cell["y"] - question["y"]) < 1 and cell["x"] + cell["width"] <= DESKTOP["width"]
    assert page.locator("thead th").all_text_contents() == ["Nora Neuro", "Leah Lane", "Olga Oldform"]
    assert axe_violations(page) == []
    pages, text = pdf_text(page)
    assert "swipe" not in text.lower()
    for expected in ("(727) 555-0142", "(727) 555-0190", "Leah sounded confident but rushed.", "Olga Oldform",
                     "Good answer", "Not sure"):
        assert expected in text


# 3. Answers that fit the questions


def test_answers_are_judged_against_the_good_answer_whose_hints_fold_away_on_a_phone(page, checklist_version):
    page.set_viewport_size(PHONE)
    page.goto("/checklists/new")
    training = page.get_by_role("group", name="Where and with whom did you train")
    assert training.locator("label").all_inner_texts() == ["Good answer", "Partly", "Poor answer", "Didn't ask"]
    hints = page.locator(".good-answer__text")
    toggles = page.get_by_role("button", name="What a good answer sounds like")
    questions = len(services.current_version().questions)
    assert hints.count() == toggles.count() == questions
    assert not any(hints.nth(i).is_visible() for i in range(questions))
    folded = page.evaluate("document.documentElement.scrollHeight")
    toggles.first.click()
    assert hints.first.is_visible() and toggles.first.get_attribute("aria-expanded") == "true"
    toggles.first.click()
    assert not hints.first.is_visible()
    for index in range(questions):
        toggles.nth(index).click()
    unfolded = page.evaluate("document.documentElement.scrollHeight")
    assert folded < 0.8 * unfolded, (folded, unfolded)
    for index in range(questions):
        toggles.nth(index).click()
    assert axe_violations(page) == []

    # Folded on screen, the hints still print in full.
    _, text = pdf_text(page)
    for question in services.current_version().questions:
        assert " ".join(question["good_answer"].split()[:8]) in text

    page.emulate_media(media="screen")
    page.set_viewport_size(DESKTOP)
    page.wait_for_function("document.querySelectorAll('.fold-toggle').length === 0")
    assert all(hints.nth(i).is_visible() for i in range(questions))


# 4. The private link, told straight


def test_a_link_opened_on_another_device_can_be_added_there_and_compared(page, make_checklist):
    _, token = make_checklist(therapist_name="Nora Neuro", answers={"technique": ("good", "")})
    page.set_viewport_size(PHONE)
    page.goto(f"/checklists/{token}")
    link = page.locator(".private-link")
    assert "Anyone with this link can see, change and delete this checklist." in link.inner_text()
    assert "This browser lists it" not in link.inner_text()
    assert axe_violations(page) == []
    page.get_by_role("button", name="Add to My checklists on this device").click()
    assert "Added to My checklists on this device." in page.locator(".flash").inner_text()
    assert "This browser lists it under My checklists" in page.locator(".private-link").inner_text()

    page.goto("/checklists/new")
    page.get_by_label("Therapist's name").fill("Bea Bold")
    page.get_by_role("button", name="Save checklist").click()
    page.wait_for_url(TOKEN_URL)
    page.goto("/checklists/mine")
    for checkbox in page.get_by_label("Compare").all():
        checkbox.check()
    page.get_by_role("button", name="Compare the ticked checklists").click()
    assert page.locator("thead th").all_text_contents() == ["Bea Bold", "Nora Neuro"]
    assert page.locator(FIRST_QUESTION_ROW).locator(".answer").all_inner_texts() == ["Not answered", "Good answer"]


def test_a_mistyped_checklist_link_says_so(page, make_checklist):
    _, token = make_checklist()
    page.set_viewport_size(PHONE)
    response = page.goto(f"/checklists/{token[:-4]}")
    assert response.status == 404
    assert page.get_by_role("heading", level=1).inner_text() == "We couldn't find that checklist"
    assert "listing" not in page.locator("main").inner_text()
    assert axe_violations(page) == []


# 5. Reuse without leaking notes


def test_use_for_another_therapist_leaves_the_notes_behind_unless_asked(page, app, live_server, make_checklist):
    _, token = make_checklist(therapist_name="Leah Lane", rating=4, notes="Leah sounded confident",
                              answers={"technique": ("good", "Leah trained with St. John")})
    remember(page, app, live_server, [token])
    page.set_viewport_size(PHONE)
    page.goto("/checklists/mine")
    page.get_by_role("link", name="Use for another therapist (from Leah Lane)").click()
    assert "Started from your checklist for Leah Lane" in page.locator("#copied-from").inner_text()
    assert page.get_by_label("Therapist's name").input_value() == ""
    assert page.get_by_label("Your notes").input_value() == ""
    assert page.get_by_label(f"Notes on this answer: {TECHNIQUE}").input_value() == ""
    assert page.locator("input[type=radio]:checked").count() == 0

    page.get_by_role("link", name="Copy my notes from Leah Lane too").click()
    assert page.get_by_label("Your notes").input_value() == "Copied from your checklist for Leah Lane: Leah sounded confident"
    assert page.get_by_label(f"Notes on this answer: {TECHNIQUE}").input_value() == (
        "Copied from your checklist for Leah Lane: Leah trained with St. John")
    assert page.locator("input[type=radio]:checked").count() == 0
    page.get_by_label("Therapist's name").fill("Bea Bold")
    page.get_by_role("button", name="Save checklist").click()
    page.wait_for_url(TOKEN_URL)
    assert page.get_by_role("heading", level=1).inner_text() == "Interview with Bea Bold"
    assert "Copied from your checklist for Leah Lane: Leah trained with St. John" in page.content()
    assert page.locator(".answer-item", has_text=TECHNIQUE).locator(".answer").inner_text() == "Not answered"
    assert checklist_count() == 2


# 6. Errors that lead to the fix


@pytest.mark.parametrize("viewport", [PHONE, DESKTOP], ids=["375", "1280"])
def test_a_failed_save_focuses_a_summary_of_the_actual_errors_whose_links_show_each_field(page, checklist_version,
                                                                                          viewport):
    page.set_viewport_size(viewport)
    page.goto("/checklists/new")
    page.get_by_label("Email").fill("not an email")
    page.get_by_label("Your notes").fill("Typed at the bottom")
    page.get_by_role("button", name="Save checklist").click()
    summary = page.locator("#form-errors")
    summary.wait_for()
    # The deferred script focuses it once the page is parsed, after the summary is in the document.
    page.wait_for_load_state("domcontentloaded")
    assert page.evaluate("document.activeElement.id") == "form-errors"
    assert summary.evaluate(IN_VIEW)
    text = summary.inner_text()
    assert "highlighted" not in text and "Fix these 2 and save again" in text
    assert "Therapist's name: Please enter the therapist's name." in text
    assert "Email: That doesn't look like an email address." in text
    assert page.get_by_label("Your notes").input_value() == "Typed at the bottom"
    assert axe_violations(page) == []

    for link, field in (("Email:", "therapist_email"), ("Therapist's name:", "therapist_name")):
        page.evaluate("window.scrollTo(0, document.documentElement.scrollHeight)")
        summary.get_by_role("link", name=re.compile("^" + re.escape(link))).click()
        assert page.evaluate("document.activeElement.id") == field
        for part in (f"label[for={field}]", f"#{field}-error", f"#{field}"):
            assert page.locator(part).evaluate(IN_VIEW), f"{part} is off screen"


# 7. Print for the pen


@pytest.mark.parametrize("paper", ["Letter", "A4"])
def test_blank_print_has_writing_lines_under_each_question_on_two_pages(page, checklist_version, paper):
    page.goto("/checklist/print")
    pages, text = pdf_text(page, paper)
    assert pages == 2
    questions = services.current_version().questions
    for question in questions:
        assert " ".join(question["prompt"].split()[:6]) in text
    # Under each question: the row of boxes, ruled with room to write after them, and a full line; each line
    # at least 6 mm (23 px) below the one above.
    lines = page.evaluate("""() => [...document.querySelectorAll('.print-q')].map((q) =>
        [q.querySelector('.print-q__boxes'), ...q.querySelectorAll('.ruled span')]
          .filter((line) => getComputedStyle(line).borderBottomStyle === 'solid')
          .map((line) => line.getBoundingClientRect().height))""")
    assert len(lines) == len(questions)
    assert all(len(heights) >= 2 and min(heights) >= 23 for heights in lines), lines


def test_filled_print_leaves_unanswered_questions_unticked(page, make_checklist):
    _, token = make_checklist(rating=4, answers={"technique": ("good", "Four levels"), "pressure": ("didnt_ask", "")})
    page.goto(f"/checklists/{token}/print")
    pages, text = pdf_text(page)
    assert pages <= 2
    assert text.count("✕") == 3  # two answers and the rating; the thirteen questions left alone stay blank
    assert page.locator(".ruled--question").count() == 0


def test_an_old_version_checklist_still_prints_on_its_own_scale(page, make_checklist):
    _, token = make_checklist(version=1, therapist_name="Olga Oldform",
                              answers={"technique": ("yes", "Trigger points"), "pressure": ("not_sure", "")})
    page.goto(f"/checklists/{token}")
    assert page.locator(".answer--yes").inner_text() == "Yes"
    assert "Checklist version 1" in page.content()
    page.goto(f"/checklists/{token}/print")
    pages, text = pdf_text(page)
    assert pages <= 2 and "Olga Oldform" in text and "Trigger points" in text
    assert text.count("✕") == 2 and "Yes No Not sure Didn't ask" in text and "Poor answer" not in text
