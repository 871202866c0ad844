"""Checklist pages over HTTP: privacy, saving, editing, deleting, printing, comparing, exporting."""
import re

import pytest
from markupsafe import escape

from directory import create_app
from directory.checklists import services
from directory.checklists.views import COOKIE_NAME
from directory.extensions import db
from tests.conftest import _config, csrf_from, private_header_problems

TOKEN_URL = re.compile(r"/checklists/([A-Za-z0-9_-]{43})$")


@pytest.fixture
def therapist(make_therapist, checklist_version):
    return make_therapist(name="Nora Neuro", practice_name="Bayfront NMT", phone="(727) 555-0142",
                          email="nora@bayfront.example.com")


def answers(**overrides):
    data = {"therapist_name": "Nora Neuro", "answer_technique": "yes", "notes_technique": "Trained in St. John NMT",
            "answer_pressure": "not_sure", "rating": "4", "price_quoted": "$95 for 60 min",
            "interview_date": "2026-11-20", "notes": "Call back Tuesday"}
    return data | overrides


def save(client, data=None, therapist_slug=None):
    page = client.get("/checklists/new" + (f"?therapist={therapist_slug}" if therapist_slug else ""))
    payload = (data or answers()) | {"csrf_token": csrf_from(page)}
    if therapist_slug:
        payload["therapist"] = therapist_slug
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
        for value in ("yes", "no", "not_sure", "didnt_ask"):
            assert f'name="answer_{name}" type="radio" value="{value}"' in page
        assert f'name="notes_{name}"' in page
    assert 'name="therapist_name" required type="text" value=""' in page


def test_saving_gives_a_private_link_and_remembers_it(client, therapist):
    token = save(client, therapist_slug=therapist.slug)
    page = client.get(f"/checklists/{token}")
    text = page.get_data(as_text=True)
    assert page.status_code == 200
    assert f"http://localhost/checklists/{token}" in text
    assert "Anyone with this link can see this checklist" in text
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
    assert 'value="yes" checked' in text or 'checked type="radio" value="yes"' in text or re.search(
        r'name="answer_technique"[^>]*value="yes"[^>]*checked|checked[^>]*name="answer_technique"[^>]*value="yes"', text)
    assert "Call back Tuesday" in text and 'value="$95 for 60 min"' in text


def test_csrf_token_is_required(client, checklist_version):
    assert client.post("/checklists/new", data=answers()).status_code == 400


@pytest.mark.parametrize("field, value", [("rating", "9"), ("answer_technique", "maybe"), ("interview_date", "yesterday"),
                                          ("notes", "x" * 5001)])
def test_bad_values_are_refused_with_a_message(client, checklist_version, field, value):
    page = client.get("/checklists/new")
    response = client.post("/checklists/new", data=answers(**{field: value}) | {"csrf_token": csrf_from(page)})
    assert response.status_code == 422
    assert 'class="error"' in response.get_data(as_text=True)


def test_wrong_and_deleted_tokens_are_404(client, therapist):
    assert client.get("/checklists/" + "A" * 43).status_code == 404
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


def test_duplicate_for_another_therapist(client, therapist):
    token = save(client)
    page = client.get(f"/checklists/{token}/duplicate").get_data(as_text=True)
    assert 'name="therapist_name" required type="text" value=""' in page
    assert "Call back Tuesday</textarea>" in page


def test_compare_two_to_four(client, app, therapist):
    first = save(client, answers(therapist_name="Ann", rating="5"))
    second = save(client, answers(therapist_name="Bea", answer_technique="no", rating="2"))
    ids = [services.find_checklist(t).id for t in (first, second)]
    page = client.get(f"/checklists/compare?id={ids[0]}&id={ids[1]}")
    text = page.get_data(as_text=True)
    assert page.status_code == 200
    assert "Ann" in text and "Bea" in text and "5 of 5" in text and "2 of 5" in text
    assert "Key points met" in text and "1 of 5" in text and "0 of 5" in text
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


def test_filled_print_shows_answers(client, therapist):
    token = save(client)
    text = client.get(f"/checklists/{token}/print").get_data(as_text=True)
    assert "Trained in St. John NMT" in text and "(chosen)" in text and "$95 for 60 min" in text


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
