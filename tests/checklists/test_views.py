"""Checklist pages over HTTP: privacy, saving, editing, deleting, printing, comparing, exporting."""
import re

import pytest
from markupsafe import escape

from directory import create_app
from directory.checklists import services
from directory.checklists.views import COOKIE_NAME
from directory.checklists.models import Checklist
from directory.extensions import db
from tests.conftest import _config, csrf_from, point_at, private_header_problems
from tests.listings.conftest import hidden_fields

TOKEN_URL = re.compile(r"/checklists/([A-Za-z0-9_-]{43})$")


@pytest.fixture
def therapist(make_therapist, checklist_version):
    return make_therapist(name="Nora Neuro", practice_name="Bayfront NMT", phone="(727) 555-0142",
                          email="nora@bayfront.example.com")


def answers(**overrides):
    data = {"therapist_name": "Nora Neuro", "answer_technique": "good", "notes_technique": "Trained in St. John NMT",
            "answer_pressure": "partly", "rating": "4", "price_quoted": "$95 for 60 min",
            "interview_date": "2026-11-20", "notes": "Call back Tuesday"}
    return data | overrides


def save(client, data=None, therapist_slug=None):
    page = client.get("/checklists/new" + (f"?therapist={therapist_slug}" if therapist_slug else ""))
    # The page's hidden fields: the CSRF token, the one-time submission key and the therapist.
    payload = hidden_fields(page.get_data(as_text=True)) | (data or answers())
    response = client.post("/checklists/new", data=payload)
    assert response.status_code == 302, re.findall(r"<p>(.*?)</p>", response.get_data(as_text=True))
    return TOKEN_URL.search(response.headers["Location"]).group(1)


def test_profile_offers_an_interview_prefilled_with_the_therapist(client, therapist):
    profile = client.get(f"/therapists/{therapist.slug}").get_data(as_text=True)
    assert f"/checklists/new?therapist={therapist.slug}" in profile
    form = client.get(f"/checklists/new?therapist={therapist.slug}").get_data(as_text=True)
    for value in ("Nora Neuro", "Bayfront NMT", "(727) 555-0142", "nora@bayfront.example.com"):
        assert f'value="{value}"' in form


def test_form_shows_every_question_with_answers_notes_and_hint(client, checklist_version):
    page = client.get("/checklists/new").get_data(as_text=True)
    for question in services.current_version().questions:
        assert str(escape(question["prompt"])) in page
        assert str(escape(question["good_answer"])) in page
        name = question["key"].replace("-", "_")
        for value in ("good", "partly", "poor", "didnt_ask"):
            assert f'name="answer_{name}" type="radio" value="{value}"' in page
        assert f'name="notes_{name}"' in page
    # Nothing is ticked until the person answers.
    assert not re.search(r'<input checked[^>]*name="answer_', page)
    assert 'name="therapist_name" required type="text" value=""' in page


def test_saving_gives_a_private_link_and_remembers_it(client, therapist):
    token = save(client, therapist_slug=therapist.slug)
    page = client.get(f"/checklists/{token}")
    text = page.get_data(as_text=True)
    assert page.status_code == 200
    assert f"http://localhost/checklists/{token}" in text
    assert "Anyone with this link can see, change and delete this checklist." in text
    assert "This browser lists it under" in text
    assert "can&#39;t be recovered" in text or "can't be recovered" in text
    assert "Trained in St. John NMT" in text and "4 of 5" in text and "Call back Tuesday" in text
    assert "data-copy=" in text
    mine = client.get("/checklists/mine").get_data(as_text=True)
    assert f"/checklists/{token}" in mine


def test_privacy_headers_on_every_checklist_page(client, therapist):
    token = save(client)
    responses = [(f"GET {url}", client.get(url)) for url in (
        f"/checklists/{token}", f"/checklists/{token}/edit", f"/checklists/{token}/print",
        f"/checklists/{token}/export.csv", f"/checklists/{token}/delete", "/checklists/mine",
        "/checklists/new", "/checklist/print", "/checklists/nope-nope")]
    edit_page = client.get(f"/checklists/{token}/edit")
    responses += [
        ("POST new, invalid", client.post("/checklists/new", data=answers_with_csrf(client, therapist_name=""))),
        ("POST new", client.post("/checklists/new", data=answers_with_csrf(client))),
        ("POST new without CSRF token", client.post("/checklists/new", data=answers())),
        ("POST edit, invalid", client.post(f"/checklists/{token}/edit",
                                           data=answers(therapist_name="", csrf_token=csrf_from(edit_page)))),
        ("POST edit", client.post(f"/checklists/{token}/edit", data=answers(csrf_token=csrf_from(edit_page)))),
        ("POST delete", client.post(f"/checklists/{token}/delete",
                                    data={"csrf_token": csrf_from(client.get(f"/checklists/{token}/delete"))})),
    ]
    assert [response.status_code for _, response in responses[-6:]] == [422, 302, 400, 422, 302, 302]
    assert [problem for where, response in responses for problem in private_header_problems(response, where)] == []


def answers_with_csrf(client, **overrides):
    """A checklist post carrying the CSRF token of a freshly opened form."""
    return answers(**overrides) | {"csrf_token": csrf_from(client.get("/checklists/new"))}


def test_validation_error_keeps_everything_typed(client, checklist_version):
    page = client.get("/checklists/new")
    data = answers(therapist_name="", therapist_email="not-an-email") | {"csrf_token": csrf_from(page)}
    response = client.post("/checklists/new", data=data)
    text = response.get_data(as_text=True)
    assert response.status_code == 422
    assert "Please enter the therapist&#39;s name." in text
    assert "That doesn&#39;t look like an email address." in text
    assert 'value="not-an-email"' in text
    assert "Trained in St. John NMT</textarea>" in text
    assert re.search(r'<input checked id="answer_technique-0" name="answer_technique" type="radio" value="good">', text)
    assert "Call back Tuesday" in text and 'value="$95 for 60 min"' in text


def test_csrf_token_is_required(client, checklist_version):
    assert client.post("/checklists/new", data=answers()).status_code == 400


@pytest.mark.parametrize("field, value", [("rating", "9"), ("answer_technique", "maybe"), ("answer_technique", "yes"),
                                          ("interview_date", "yesterday"), ("notes", "x" * 5001)])
def test_bad_values_are_refused_with_a_message(client, checklist_version, field, value):
    page = client.get("/checklists/new")
    response = client.post("/checklists/new", data=answers(**{field: value}) | {"csrf_token": csrf_from(page)})
    assert response.status_code == 422
    assert 'class="error"' in response.get_data(as_text=True)


def test_wrong_and_deleted_tokens_are_404(client, therapist):
    mistyped = client.get("/checklists/" + "A" * 43)
    assert mistyped.status_code == 404
    text = mistyped.get_data(as_text=True)
    assert "We couldn't find that checklist" in text and "whole private link" in text
    assert "listing" not in text.split("<main", 1)[1].split("</main>", 1)[0]
    token = save(client)
    confirm = client.get(f"/checklists/{token}/delete")
    assert "Delete for good" in confirm.get_data(as_text=True)
    deleted = client.post(f"/checklists/{token}/delete", data={"csrf_token": csrf_from(confirm)})
    assert deleted.status_code == 302
    for suffix in ("", "/edit", "/print", "/export.csv", "/export.json", "/duplicate", "/delete"):
        assert client.get(f"/checklists/{token}{suffix}").status_code == 404
    assert f"/checklists/{token}" not in client.get("/checklists/mine").get_data(as_text=True)


def test_edit_saves_changes(client, therapist):
    token = save(client)
    page = client.get(f"/checklists/{token}/edit")
    assert "Trained in St. John NMT</textarea>" in page.get_data(as_text=True)
    response = client.post(f"/checklists/{token}/edit",
                           data=answers(rating="2", notes="Changed my mind") | {"csrf_token": csrf_from(page)})
    assert response.status_code == 302
    text = client.get(f"/checklists/{token}").get_data(as_text=True)
    assert "2 of 5" in text and "Changed my mind" in text


def test_tampered_cookie_is_ignored(client, therapist):
    token = save(client)
    client.set_cookie(COOKIE_NAME, "tampered.value")
    response = client.get("/checklists/mine")
    assert response.status_code == 200
    assert "No checklists are saved in this browser yet" in response.get_data(as_text=True)
    assert client.get(f"/checklists/{token}").status_code == 200


def test_duplicate_for_another_therapist_copies_no_answers_or_notes(client, therapist):
    token = save(client, answers(therapist_name="Leah Lane", notes="Leah sounded confident"))
    page = client.get(f"/checklists/{token}/duplicate").get_data(as_text=True)
    assert 'name="therapist_name" required type="text" value=""' in page
    assert "Leah sounded confident" not in page and "Trained in St. John NMT" not in page
    assert not re.search(r'<input checked[^>]*name="answer_', page)
    assert 'action="/checklists/new"' in page
    assert "Started from your checklist for <strong>Leah Lane</strong>" in page
    assert f"/checklists/{token}/duplicate?notes=copy" in page


def test_duplicate_copies_notes_on_request_labelled_and_saves(client, therapist):
    token = save(client, answers(therapist_name="Leah Lane", notes="Leah sounded confident"))
    response = client.get(f"/checklists/{token}/duplicate?notes=copy")
    page = response.get_data(as_text=True)
    assert "Copied from your checklist for Leah Lane: Leah sounded confident</textarea>" in page
    assert "Copied from your checklist for Leah Lane: Trained in St. John NMT</textarea>" in page
    data = hidden_fields(page) | {"therapist_name": "Bea Bold", "notes": "Copied from your checklist for Leah Lane: ok"}
    saved = client.post("/checklists/new", data=data)
    assert saved.status_code == 302
    copy = services.find_checklist(TOKEN_URL.search(saved.headers["Location"]).group(1))
    assert copy.therapist_name == "Bea Bold" and copy.answer_for("technique").answer is None


def test_the_same_form_sent_twice_saves_one_checklist(client, therapist):
    page = client.get(f"/checklists/new?therapist={therapist.slug}")
    data = hidden_fields(page.get_data(as_text=True)) | answers()
    first = client.post("/checklists/new", data=data)
    second = client.post("/checklists/new", data=data | {"notes": "Changed after Back"})
    assert first.status_code == second.status_code == 302
    assert first.headers["Location"] == second.headers["Location"]
    assert db.session.scalar(db.select(db.func.count()).select_from(Checklist)) == 1
    shown = client.get(second.headers["Location"]).get_data(as_text=True)
    assert "saved already, so nothing was saved twice" in shown and "Call back Tuesday" in shown
    # A new visit to the form is a new checklist, and says one is saved for this therapist already.
    again = client.get(f"/checklists/new?therapist={therapist.slug}").get_data(as_text=True)
    assert "You already have a checklist for Nora Neuro on this device" in again
    assert TOKEN_URL.search(first.headers["Location"]).group(1) in again
    assert hidden_fields(again)["submission_key"] != data["submission_key"]


@pytest.mark.parametrize("key", ["", "forged", "x" * 5000])
def test_a_form_without_a_key_from_this_site_still_saves_once(client, checklist_version, key):
    data = hidden_fields(client.get("/checklists/new").get_data(as_text=True)) | answers(submission_key=key)
    first, second = client.post("/checklists/new", data=data), client.post("/checklists/new", data=data)
    assert first.status_code == second.status_code == 302
    assert first.headers["Location"] != second.headers["Location"]


def test_a_refused_form_keeps_its_key(client, checklist_version):
    data = hidden_fields(client.get("/checklists/new").get_data(as_text=True)) | answers(therapist_name="")
    refused = client.post("/checklists/new", data=data)
    assert refused.status_code == 422
    assert hidden_fields(refused.get_data(as_text=True))["submission_key"] == data["submission_key"]


def test_the_error_summary_names_the_actual_problems(client, checklist_version):
    data = hidden_fields(client.get("/checklists/new").get_data(as_text=True)) | answers(
        therapist_name="", therapist_email="nope", notes_technique="x" * 2001)
    text = client.post("/checklists/new", data=data).get_data(as_text=True)
    summary = text.split('id="form-errors"', 1)[1].split("</div>", 1)[0]
    assert "highlighted" not in summary
    assert "Fix these 3 and save again" in summary
    assert '<a href="#therapist_name">Therapist&#39;s name: Please enter the therapist&#39;s name.</a>' in summary
    assert '<a href="#therapist_email">Email: That doesn&#39;t look like an email address.</a>' in summary
    assert '<a href="#notes_technique">Notes on “Do you do neuromuscular therapy' in summary


def test_a_link_opened_elsewhere_can_be_added_to_my_checklists(app, client, therapist):
    token = save(client)
    elsewhere = app.test_client()
    page = elsewhere.get(f"/checklists/{token}").get_data(as_text=True)
    assert "Anyone with this link can see, change and delete this checklist." in page
    assert "This browser lists it" not in page and "Add to My checklists on this device" in page
    csrf = {"csrf_token": csrf_from(elsewhere.get(f"/checklists/{token}"))}
    added = elsewhere.post(f"/checklists/{token}/remember", data=csrf)
    assert added.status_code == 302 and added.headers["Location"].endswith(f"/checklists/{token}")
    assert f"/checklists/{token}" in elsewhere.get("/checklists/mine").get_data(as_text=True)
    now = elsewhere.get(f"/checklists/{token}").get_data(as_text=True)
    assert "This browser lists it under" in now and "Add to My checklists" not in now
    assert elsewhere.post(f"/checklists/{token}/remember").status_code == 400  # no CSRF token
    assert elsewhere.post("/checklists/" + "A" * 43 + "/remember", data=csrf).status_code == 404


def test_an_old_version_checklist_edits_on_its_own_scale(client, make_checklist):
    old, token = make_checklist(version=1, answers={"technique": ("yes", "Four levels")})
    page = client.get(f"/checklists/{token}/edit").get_data(as_text=True)
    assert 'name="answer_technique" type="radio" value="not_sure"' in page
    assert 'value="good"' not in page
    data = hidden_fields(page) | {"therapist_name": "Nora Neuro", "answer_technique": "good"}
    assert client.post(f"/checklists/{token}/edit", data=data).status_code == 422
    assert client.post(f"/checklists/{token}/edit", data=data | {"answer_technique": "no"}).status_code == 302
    shown = client.get(f"/checklists/{token}").get_data(as_text=True)
    assert 'class="answer answer--no">No<' in shown and "version 1" in shown


def test_compare_two_to_four(client, app, therapist):
    first = save(client, answers(therapist_name="Ann", rating="5"))
    second = save(client, answers(therapist_name="Bea", answer_technique="poor", rating="2"))
    ids = [services.find_checklist(t).id for t in (first, second)]
    page = client.get(f"/checklists/compare?id={ids[0]}&id={ids[1]}")
    text = page.get_data(as_text=True)
    assert page.status_code == 200
    assert "Ann" in text and "Bea" in text and "5 of 5" in text and "2 of 5" in text
    assert "Key points met" in text and "1 of 5" in text and "0 of 5" in text
    assert "swipe" not in text
    too_few = client.get(f"/checklists/compare?id={ids[0]}")
    assert too_few.status_code == 302
    assert "Choose between 2 and 4" in client.get("/checklists/mine").get_data(as_text=True)


def test_compare_ignores_checklists_saved_elsewhere(app, client, therapist):
    mine = save(client, answers(therapist_name="Mine"))
    other_browser = app.test_client()
    theirs = save(other_browser, answers(therapist_name="Theirs, private"))
    ids = [services.find_checklist(t).id for t in (mine, theirs)]
    response = client.get(f"/checklists/compare?id={ids[0]}&id={ids[1]}")
    assert response.status_code == 302
    assert "Theirs, private" not in client.get("/checklists/mine").get_data(as_text=True)


def test_exports(client, therapist):
    token = save(client, answers(therapist_name="José 💆"))
    csv_response = client.get(f"/checklists/{token}/export.csv")
    assert csv_response.mimetype == "text/csv"
    assert "attachment" in csv_response.headers["Content-Disposition"]
    assert "José 💆" in csv_response.get_data(as_text=True)
    data = client.get(f"/checklists/{token}/export.json").get_json()
    assert data["checklists"][0]["therapist_name"] == "José 💆"
    save(client, answers(therapist_name="Second"))
    everything = client.get("/checklists/mine/export.json").get_json()
    assert {c["therapist_name"] for c in everything["checklists"]} == {"José 💆", "Second"}
    assert client.get(f"/checklists/{token}/export.xml").status_code == 404


def test_blank_print_contains_every_question(client, therapist):
    generic = client.get("/checklist/print").get_data(as_text=True)
    personal = client.get(f"/therapists/{therapist.slug}/checklist/print").get_data(as_text=True)
    for question in services.current_version().questions:
        assert str(escape(question["prompt"])) in generic
        assert str(escape(question["prompt"])) in personal
    assert "Nora Neuro" in personal and "(727) 555-0142" in personal
    assert "data-print" in generic
    assert client.get("/therapists/nobody/checklist/print").status_code == 404


def test_filled_print_shows_answers_and_leaves_unanswered_ones_unticked(client, therapist):
    token = save(client)
    text = client.get(f"/checklists/{token}/print").get_data(as_text=True)
    assert "Trained in St. John NMT" in text and "$95 for 60 min" in text
    # Two questions answered; the boxes of the other thirteen stay empty.
    assert text.count("(chosen)") == 2 and text.count("✕") == 2 + 1  # and the rating
    assert "Good answer<span class=\"visually-hidden\"> (chosen)" in text


def test_checklist_survives_an_app_restart(migrated_database, client, therapist):
    token = save(client)
    restarted = create_app(_config(migrated_database))
    with restarted.app_context():
        assert services.find_checklist(token).therapist_name == "Nora Neuro"
        db.session.remove()
        db.engine.dispose()


def test_public_pages_never_link_to_checklists(client, therapist):
    token = save(client)
    for url in ("/", "/search", f"/therapists/{therapist.slug}", f"/api/v1/therapists/{therapist.slug}"):
        assert token not in client.get(url).get_data(as_text=True)


def test_old_and_new_checklists_render_print_and_compare_side_by_side(app, client, make_checklist):
    old, old_token = make_checklist(version=1, therapist_name="Olga Old", answers={"technique": ("yes", "Four levels")})
    new, new_token = make_checklist(therapist_name="Nina New", answers={"technique": ("good", "St. John")})
    client.set_cookie(COOKIE_NAME, services.dump_saved_tokens([old_token, new_token], app.config["SECRET_KEY"]))
    shown = client.get(f"/checklists/{old_token}").get_data(as_text=True)
    assert '<span class="answer answer--yes">Yes</span>' in shown and "Four levels" in shown
    printed = client.get(f"/checklists/{old_token}/print").get_data(as_text=True)
    assert 'Yes<span class="visually-hidden"> (chosen)' in printed and "Not sure" in printed
    assert "Poor answer" not in printed
    compared = client.get(f"/checklists/compare?id={old.id}&id={new.id}").get_data(as_text=True)
    assert '<span class="answer answer--yes">Yes</span>' in compared
    assert '<span class="answer answer--good">Good answer</span>' in compared
    assert "different versions of the questions" in compared
    assert compared.count("1 of 5") == 2  # a yes in version 1 and a good answer in version 2 each meet a key point


# Where it hurts

MARK = "Matters most for where it hurts"
NECK_AND_ARM = "regions=neck-right&regions=arm-hand-right"
WHERE = "<strong>Where it hurts:</strong> Neck, right side; Arm and hand (tingling), right side"


def marks(page: str) -> int:
    """How many questions the page marks (the form also holds an empty mark, its script's template)."""
    return len(re.findall(r'<span class="badge badge--region">Matters most for where it hurts</span> '
                          r'<span class="region-mark__why">[^<]+</span>', page))


def checked_regions(page: str) -> list[str]:
    return re.findall(r'<input checked id="regions-\d+" name="regions" type="checkbox" value="([^"]+)"', page)


def test_a_checklist_started_from_a_region_search_marks_the_questions_that_matter_most(client, therapist):
    page = client.get(f"/checklists/new?therapist={therapist.slug}&{NECK_AND_ARM}&regions=nowhere&regions=")
    text = page.get_data(as_text=True)
    assert page.status_code == 200 and "Nora Neuro" in text
    assert checked_regions(text) == ["neck-right", "arm-hand-right"]
    assert text.count('name="regions" type="checkbox"') == 20  # ten areas, left and right, all offered
    assert marks(text) == 3
    working = text.index("Will you work with my physical therapist or doctor?")
    mark = text.rindex(MARK, 0, working)
    assert "Tingling in the arm or hand should be looked at by a doctor too." in text[mark:working]
    plain = client.get(f"/checklists/new?therapist={therapist.slug}").get_data(as_text=True)
    assert checked_regions(plain) == [] and marks(plain) == 0


def test_a_saved_checklist_keeps_its_regions_and_an_edit_changes_them(client, therapist):
    token = save(client, answers(regions=["neck-right", "arm-hand-right", "made-up"]), therapist.slug)
    shown = client.get(f"/checklists/{token}").get_data(as_text=True)
    assert WHERE in shown and marks(shown) == 3
    exported = client.get(f"/checklists/{token}/export.json").get_json()["checklists"][0]
    assert exported["regions"] == ["neck-right", "arm-hand-right"] and exported["regions_version"] == 1
    assert exported["where_it_hurts"] == ["Neck, right side", "Arm and hand (tingling), right side"]
    edit = client.get(f"/checklists/{token}/edit").get_data(as_text=True)
    assert checked_regions(edit) == ["neck-right", "arm-hand-right"]
    kept = hidden_fields(edit) | answers(regions=["neck-right", "arm-hand-right"])
    assert client.post(f"/checklists/{token}/edit", data=kept).status_code == 302
    assert WHERE in client.get(f"/checklists/{token}").get_data(as_text=True)
    changed = hidden_fields(edit) | answers(regions=["lower-back-left"])
    assert client.post(f"/checklists/{token}/edit", data=changed).status_code == 302
    shown = client.get(f"/checklists/{token}").get_data(as_text=True)
    assert "<strong>Where it hurts:</strong> Lower back, left side<" in shown and "Neck, right side" not in shown
    assert "Low back and leg pain can be kept going" in shown and marks(shown) == 2
    assert client.post(f"/checklists/{token}/edit", data=hidden_fields(edit) | answers()).status_code == 302
    cleared = client.get(f"/checklists/{token}").get_data(as_text=True)
    assert "Where it hurts" not in cleared and MARK not in cleared
    exported = client.get(f"/checklists/{token}/export.json").get_json()["checklists"][0]
    assert exported["regions"] == [] and exported["where_it_hurts"] == []


def test_a_refused_form_keeps_the_regions_ticked(client, therapist):
    page = client.get(f"/checklists/new?{NECK_AND_ARM}").get_data(as_text=True)
    refused = client.post("/checklists/new", data=hidden_fields(page) | answers(
        therapist_name="", regions=["neck-right", "arm-hand-right"]))
    assert refused.status_code == 422
    text = refused.get_data(as_text=True)
    assert checked_regions(text) == ["neck-right", "arm-hand-right"] and marks(text) == 3


def test_prints_show_where_it_hurts_at_the_top(client, therapist):
    token = save(client, answers(regions=["neck-right", "arm-hand-right"]))
    for url in (f"/checklists/{token}/print", f"/checklist/print?{NECK_AND_ARM}",
                f"/therapists/{therapist.slug}/checklist/print?{NECK_AND_ARM}"):
        text = client.get(url).get_data(as_text=True)
        assert WHERE in text, url
        assert text.index(WHERE) < text.index("<strong>1. "), url
        assert text.count('<span class="region-mark__sign" title="Matters most for where it hurts">◆</span>') == 3, url
        assert "matters most for where it hurts (Tingling in the arm or hand should be looked at by a doctor too. " \
               "Upper-back and neck pain often start with short chest muscles and posture.)" in text, url
    for url in ("/checklist/print", f"/therapists/{therapist.slug}/checklist/print", "/checklist/print?regions=nope"):
        text = client.get(url).get_data(as_text=True)
        assert "Where it hurts" not in text and "◆" not in text, url


def test_compare_shows_each_checklists_regions_and_marks(app, client, make_checklist):
    with_regions, first = make_checklist(therapist_name="Ann", regions=("arm-hand-left",),
                                         answers={"working-with-others": ("good", "")})
    without, second = make_checklist(version=1, therapist_name="Olga Old", answers={"working-with-others": ("yes", "")})
    client.set_cookie(COOKIE_NAME, services.dump_saved_tokens([first, second], app.config["SECRET_KEY"]))
    text = client.get(f"/checklists/compare?id={with_regions.id}&id={without.id}").get_data(as_text=True)
    assert re.search(r'<th scope="row">Where it hurts</th><td data-name="Ann">Arm and hand \(tingling\), left side</td>'
                     r'<td data-name="Olga Old">—</td>', text)
    assert text.count(f'<span class="badge badge--region">{MARK}</span>') == 1


def test_old_checklists_without_regions_show_print_and_compare_as_before(app, client, make_checklist):
    old, old_token = make_checklist(version=1, therapist_name="Olga Old", answers={"technique": ("yes", "")})
    new, new_token = make_checklist(therapist_name="Nina New")
    client.set_cookie(COOKIE_NAME, services.dump_saved_tokens([old_token, new_token], app.config["SECRET_KEY"]))
    for url in (f"/checklists/{old_token}", f"/checklists/{old_token}/print", f"/checklists/{old_token}/edit",
                f"/checklists/compare?id={old.id}&id={new.id}"):
        response = client.get(url)
        text = response.get_data(as_text=True)
        assert response.status_code == 200 and "Olga Old" in text, url
        assert "Where it hurts:" not in text and marks(text) == 0 and "◆" not in text, url


def test_a_version_1_checklist_with_regions_marks_its_own_questions(client, make_checklist):
    old, token = make_checklist(version=1, therapist_name="Olga Old", regions=("skull-base-left",))
    for url in (f"/checklists/{token}", f"/checklists/{token}/print"):
        text = client.get(url).get_data(as_text=True)
        assert "Where it hurts:</strong> Base of the skull, left side" in text and MARK in text, url
        assert "You marked head or face pain." in text, url


def test_odd_regions_never_break_a_page(client, therapist, make_checklist):
    odd = "regions=%00&regions=" + "neck-right" * 300 + "&regions=%F0%9F%92%86&regions[]=neck-left"
    for url in (f"/checklists/new?{odd}", f"/checklist/print?{odd}", f"/therapists/{therapist.slug}/checklist/print?{odd}"):
        response = client.get(url)
        assert response.status_code == 200 and "Where it hurts:" not in response.get_data(as_text=True), url
    page = client.get("/checklists/new").get_data(as_text=True)
    posted = client.post("/checklists/new", data=hidden_fields(page) | answers(regions=["\x00", "neck-left" * 500]))
    assert posted.status_code == 302
    assert services.find_checklist(TOKEN_URL.search(posted.headers["Location"]).group(1)).regions == []


def test_regions_stay_off_therapist_pages_and_the_api(client, therapist):
    save(client, answers(regions=["neck-right", "arm-hand-right"]), therapist.slug)
    for url in (f"/therapists/{therapist.slug}", f"/api/v1/therapists/{therapist.slug}"):
        text = client.get(url).get_data(as_text=True)
        assert "Neck, right side" not in text and "neck-right" not in text, url


def test_a_profile_reached_with_regions_passes_them_to_its_checklist_links(client, therapist):
    profile = client.get(f"/therapists/{therapist.slug}?{NECK_AND_ARM}&regions=nowhere").get_data(as_text=True)
    assert f"/checklists/new?therapist={therapist.slug}&amp;{NECK_AND_ARM.replace('&', '&amp;')}" in profile
    assert f"/therapists/{therapist.slug}/checklist/print?{NECK_AND_ARM.replace('&', '&amp;')}" in profile
    assert "nowhere" not in profile and "Neck, right side" not in profile
    plain = client.get(f"/therapists/{therapist.slug}").get_data(as_text=True)
    assert f'href="/checklists/new?therapist={therapist.slug}"' in plain and "regions=" not in plain


def test_the_form_asks_which_questions_to_mark_as_regions_are_ticked(client, checklist_version):
    response = client.get(f"/checklists/marks?{NECK_AND_ARM}&regions=nowhere")
    assert response.status_code == 200 and private_header_problems(response, "marks") == []
    assert response.get_json() == {
        "working-with-others": "Tingling in the arm or hand should be looked at by a doctor too.",
        "root-cause": "Upper-back and neck pain often start with short chest muscles and posture.",
        "posture": "Upper-back and neck pain often start with short chest muscles and posture.",
    }
    assert client.get("/checklists/marks?regions=%00").get_json() == {}
    assert client.get("/checklists/marks").get_json() == {}


def test_a_region_search_offers_a_blank_print_with_its_regions_at_the_top(client, vocabulary, checklist_version):
    page = client.get(f"/search?{NECK_AND_ARM}").get_data(as_text=True)
    link = re.search(r'<a href="([^"]+)">print a blank one</a>', page).group(1).replace("&amp;", "&")
    assert WHERE in client.get(link).get_data(as_text=True)


def test_from_a_region_search_through_a_result_and_its_profile_to_the_marked_interview(client, vocabulary,
                                                                                     checklist_version, make_therapist):
    make_therapist(at=point_at(1), name="Nora Neuro", modalities=("nmt-st-john",),
                   conditions=("thoracic-outlet-syndrome",))
    results = client.get(f"/search?near=33701&{NECK_AND_ARM}").get_data(as_text=True)
    profile_link = re.search(r'<a href="(/therapists/[^"]+)"[^>]*>Nora Neuro</a>', results).group(1)
    profile = client.get(profile_link.replace("&amp;", "&")).get_data(as_text=True)
    interview = re.search(r'<a class="button button--primary" href="([^"]+)">Interview this therapist</a>', profile)
    form = client.get(interview.group(1).replace("&amp;", "&")).get_data(as_text=True)
    assert checked_regions(form) == ["neck-right", "arm-hand-right"] and marks(form) == 3
    assert 'value="Nora Neuro"' in form
