"""Checklist services: tokens, saving, versions, the browser's list, comparing and exporting."""
import csv
import io
import json
from datetime import date

import pytest
from sqlalchemy import func, select

from directory.checklists import services
from directory.checklists.models import Checklist, ChecklistAnswer, ChecklistVersion
from directory.extensions import db
from directory.seeding import SeedError, read_seed, seed_checklist


@pytest.fixture
def questions(checklist_version):
    return services.current_version().questions


def entry(**overrides):
    fields = {"therapist_name": "Nora Neuro", "answers": {"technique": ("yes", "NMT, St. John"), "pressure": ("no", "")}}
    return services.ChecklistEntry(**(fields | overrides))


def test_the_checklist_covers_the_article(questions):
    keys = {q["key"] for q in questions}
    assert {"technique", "training", "personal-experience", "referred-pain", "root-cause", "pressure", "posture",
            "homework", "working-with-others", "plan-and-cost", "perpetuating-factors", "strength",
            "session-length", "cancellation-policy", "first-visit"} <= keys
    assert {q["key"] for q in questions if q["key_point"]} == {"technique", "training", "root-cause", "pressure",
                                                               "homework"}
    assert all(q["prompt"] and q["good_answer"] for q in questions)


def test_tokens_are_long_random_and_only_hashed(questions):
    checklist, token = services.create_checklist(entry())
    assert len(token) >= 43  # 32 bytes in URL-safe base64: 256 bits
    assert checklist.token_hash == services.hash_token(token) != token
    stored = db.session.execute(select(Checklist.__table__)).mappings().one()
    assert token not in json.dumps({k: str(v) for k, v in stored.items()})
    assert services.find_checklist(token).id == checklist.id
    assert services.new_token() != services.new_token()


@pytest.mark.parametrize("bad", ["", "x", "a" * 43, "a" * 5000])
def test_wrong_tokens_find_nothing(questions, bad):
    services.create_checklist(entry())
    assert services.find_checklist(bad) is None


def test_every_question_gets_an_answer_row(questions):
    checklist, _ = services.create_checklist(entry())
    assert len(checklist.answers) == len(questions)
    assert checklist.answer_for("technique").answer == "yes"
    assert checklist.answer_for("technique").notes == "NMT, St. John"
    assert checklist.answer_for("strength").answer == "didnt_ask"


def test_update_and_delete(questions):
    checklist, token = services.create_checklist(entry())
    services.update_checklist(checklist, entry(rating=5, answers={"technique": ("not_sure", "unclear")}))
    db.session.expire_all()
    again = services.find_checklist(token)
    assert again.rating == 5 and again.answer_for("technique").answer == "not_sure"
    services.delete_checklist(again)
    assert services.find_checklist(token) is None
    assert db.session.scalar(select(func.count()).select_from(ChecklistAnswer)) == 0


def test_a_checklist_keeps_the_questions_of_its_version(app, questions):
    checklist, token = services.create_checklist(entry())
    content = read_seed(app.config["SEEDS_DIR"], "checklist.json")
    content["version"] = 2
    content["sections"][0]["questions"][0]["prompt"] = "A reworded question for version 2?"
    db.session.add(ChecklistVersion(version=2, content=content))
    db.session.commit()
    assert services.current_version().version == 2
    old = services.find_checklist(token)
    assert old.version.version == 1
    assert old.version.questions[0]["prompt"] != "A reworded question for version 2?"
    new, _ = services.create_checklist(entry())
    assert new.version.version == 2


def test_changing_a_stored_version_is_refused(app, questions, tmp_path):
    content = read_seed(app.config["SEEDS_DIR"], "checklist.json")
    content["title"] = "Edited without a new version"
    for name in ("checklist.json",):
        (tmp_path / name).write_text(json.dumps(content))
    with pytest.raises(SeedError):
        seed_checklist(tmp_path)
    assert seed_checklist(app.config["SEEDS_DIR"]).unchanged == 1


def test_key_points_met(questions):
    answers = {"technique": ("yes", ""), "training": ("yes", ""), "pressure": ("no", ""), "posture": ("yes", "")}
    checklist, _ = services.create_checklist(entry(answers=answers))
    assert services.key_points_met(checklist) == (2, 5)


def test_entry_for_a_directory_therapist(make_therapist):
    therapist = make_therapist(name="Dana", practice_name="Bayfront", phone="(727) 555-0142")
    prefilled = services.entry_for_therapist(therapist)
    assert (prefilled.therapist_name, prefilled.practice_name, prefilled.therapist_phone) == (
        "Dana", "Bayfront", "(727) 555-0142")


def test_duplicate_keeps_notes_but_not_the_therapist(questions):
    checklist, _ = services.create_checklist(entry(notes="My headaches start at the skull", rating=4))
    copy = services.entry_for_another_therapist(checklist)
    assert copy.therapist_name == "" and copy.rating is None
    assert copy.notes == "My headaches start at the skull"
    assert copy.answers["technique"] == ("didnt_ask", "NMT, St. John")


def test_saved_tokens_cookie_round_trip_and_tampering():
    cookie = services.dump_saved_tokens(["a", "b", "a"], "secret")
    assert services.read_saved_tokens(cookie, "secret") == ["a", "b"]
    assert services.read_saved_tokens(cookie, "other-secret") == []
    assert services.read_saved_tokens(cookie[:-2] + "xx", "secret") == []
    assert services.read_saved_tokens("garbage", "secret") == []
    assert services.read_saved_tokens(None, "secret") == []


def test_saved_checklists_skip_deleted_ones(questions):
    first, t1 = services.create_checklist(entry(therapist_name="One"))
    second, t2 = services.create_checklist(entry(therapist_name="Two"))
    services.delete_checklist(first)
    saved = services.saved_checklists([t1, t2, "unknown"])
    assert [(t, c.therapist_name) for t, c in saved] == [(t2, "Two")]


def test_compare_only_takes_my_checklists(questions):
    mine = [services.create_checklist(entry(therapist_name=n)) for n in ("A", "B")]
    other, _ = services.create_checklist(entry(therapist_name="Someone else's"))
    saved = services.saved_checklists([t for _, t in mine])
    chosen = services.checklists_to_compare(saved, [mine[1][0].id, other.id, mine[0][0].id])
    assert [c.therapist_name for c in chosen] == ["B", "A"]


def test_exports_round_trip_unicode_and_defuse_formulas(questions):
    checklist, _ = services.create_checklist(
        entry(therapist_name="José O'Brien 💆", notes="=HYPERLINK(\"x\")", interview_date=date(2026, 11, 20),
              price_quoted="$95 / 60 min", rating=4)
    )
    data = services.export_json([checklist])["checklists"][0]
    assert data["therapist_name"] == "José O'Brien 💆"
    assert data["notes"] == "=HYPERLINK(\"x\")"
    assert data["interview_date"] == "2026-11-20"
    assert len(data["questions"]) == len(questions)
    rows = list(csv.DictReader(io.StringIO(services.export_csv([checklist]))))
    assert len(rows) == len(questions)
    assert rows[0]["therapist_name"] == "José O'Brien 💆"
    assert rows[0]["notes"] == "'=HYPERLINK(\"x\")"
    technique = next(r for r in rows if r["question"].startswith("Do you do neuromuscular"))
    assert technique["answer"] == "Yes" and technique["answer_notes"] == "NMT, St. John"
