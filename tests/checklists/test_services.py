"""Checklist services: tokens, saving, versions, the browser's list, comparing and exporting."""
import csv
import io
import json
import threading
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
    fields = {"therapist_name": "Nora Neuro", "answers": {"technique": ("good", "NMT, St. John"), "pressure": ("poor", "")}}
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
    assert checklist.answer_for("technique").answer == "good"
    assert checklist.answer_for("technique").notes == "NMT, St. John"
    # A question left alone is not answered, which is not the same as "didn't ask".
    assert checklist.answer_for("strength").answer is None


def test_update_and_delete(questions):
    checklist, token = services.create_checklist(entry())
    services.update_checklist(checklist, entry(rating=5, answers={"technique": ("partly", "unclear")}))
    db.session.expire_all()
    again = services.find_checklist(token)
    assert again.rating == 5 and again.answer_for("technique").answer == "partly"
    services.delete_checklist(again)
    assert services.find_checklist(token) is None
    assert db.session.scalar(select(func.count()).select_from(ChecklistAnswer)) == 0


def test_new_checklists_judge_answers_against_the_good_answer(questions):
    version = services.current_version()
    assert version.version == 2
    assert [a.label for a in version.answer_scale.choices] == ["Good answer", "Partly", "Poor answer", "Didn't ask"]
    checklist, _ = services.create_checklist(entry())
    assert checklist.version.version == 2


def test_an_old_checklist_keeps_its_version_questions_and_answers(make_checklist):
    old, token = make_checklist(version=1, answers={"technique": ("yes", "Four levels"), "pressure": ("not_sure", "")})
    again = services.find_checklist(token)
    assert again.version.version == 1
    assert [a.label for a in again.version.answer_scale.choices] == ["Yes", "No", "Not sure", "Didn't ask"]
    assert again.answer_for("technique").answer == "yes" and again.answer_for("pressure").answer == "not_sure"
    services.update_checklist(again, services.entry_from_checklist(again))
    assert services.find_checklist(token).version.version == 1


def test_every_stored_version_stays_as_it_was(app, questions, tmp_path):
    versions = read_seed(app.config["SEEDS_DIR"], "checklist.json")["versions"]
    assert [v["version"] for v in versions] == [1, 2]
    versions[0]["title"] = "Edited without a new version"
    (tmp_path / "checklist.json").write_text(json.dumps({"versions": versions}))
    with pytest.raises(SeedError):
        seed_checklist(tmp_path)
    assert seed_checklist(app.config["SEEDS_DIR"]).unchanged == 2


def test_key_points_met_by_a_good_answer_or_an_old_yes(make_checklist):
    answers = {"technique": ("good", ""), "training": ("good", ""), "pressure": ("partly", ""), "posture": ("good", ""),
               "homework": ("didnt_ask", "")}
    checklist, _ = make_checklist(answers=answers)
    assert services.key_points_met(checklist) == (2, 5)
    old, _ = make_checklist(version=1, answers={"technique": ("yes", ""), "root-cause": ("not_sure", "")})
    assert services.key_points_met(old) == (1, 5)


def test_entry_for_a_directory_therapist(make_therapist):
    therapist = make_therapist(name="Dana", practice_name="Bayfront", phone="(727) 555-0142")
    prefilled = services.entry_for_therapist(therapist)
    assert (prefilled.therapist_name, prefilled.practice_name, prefilled.therapist_phone) == (
        "Dana", "Bayfront", "(727) 555-0142")


def test_another_therapist_gets_the_questions_but_no_answers_or_notes(questions):
    checklist, _ = services.create_checklist(entry(therapist_name="Leah Lane", notes="Leah sounded confident", rating=4))
    copy = services.entry_for_another_therapist(checklist)
    assert copy == services.ChecklistEntry(therapist_name="")


def test_notes_are_copied_only_when_asked_and_say_whose_they_were(questions):
    checklist, _ = services.create_checklist(entry(therapist_name="Leah Lane", notes="Leah sounded confident", rating=4))
    copy = services.entry_for_another_therapist(checklist, with_notes=True)
    assert copy.therapist_name == "" and copy.rating is None
    assert copy.notes == "Copied from your checklist for Leah Lane: Leah sounded confident"
    # Notes only: the answers were about Leah.
    assert copy.answers == {"technique": (None, "Copied from your checklist for Leah Lane: NMT, St. John")}


def test_a_submission_key_gives_one_link_and_only_this_site_issues_keys():
    key = services.new_submission_key("secret")
    token = services.token_for_submission(key, "secret")
    assert token and len(token) == 43 and token == services.token_for_submission(key, "secret")
    assert token not in key
    assert services.token_for_submission(services.new_submission_key("secret"), "secret") != token
    for forged in (None, "", "x", key[:-2] + "xx", services.new_submission_key("other secret"), key + "a" * 300):
        assert services.token_for_submission(forged, "secret") is None


def test_the_same_submission_saves_one_checklist(questions):
    token = services.new_token()
    first = services.save_submission(entry(notes="First"), token)
    second = services.save_submission(entry(notes="Sent again, changed"), token)
    assert first.created and not second.created
    assert second.checklist.id == first.checklist.id and second.token == token
    assert db.session.scalar(select(func.count()).select_from(Checklist)) == 1
    assert services.find_checklist(token).notes == "First"


def test_two_racing_submissions_save_one_checklist(app, questions, monkeypatch):
    """Both posts look for the checklist before either saves it: the unique link hash lets one insert win."""
    token = services.new_token()
    both_looked = threading.Barrier(2, timeout=10)
    find = services.find_checklist
    looked: set[int] = set()

    def find_then_wait(wanted):
        found = find(wanted)
        if threading.get_ident() not in looked:
            looked.add(threading.get_ident())
            both_looked.wait()
        return found

    monkeypatch.setattr(services, "find_checklist", find_then_wait)
    results: list = []

    def post(notes):
        with app.app_context():
            submitted = services.save_submission(entry(notes=notes), token)
            results.append((submitted.created, submitted.checklist.id))
            db.session.remove()

    threads = [threading.Thread(target=post, args=(n,)) for n in ("one", "two")]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=30)
    assert sorted(created for created, _ in results) == [False, True]
    assert len({checklist_id for _, checklist_id in results}) == 1
    assert db.session.scalar(select(func.count()).select_from(Checklist)) == 1
    assert db.session.scalar(select(func.count()).select_from(ChecklistAnswer)) == len(questions)


def test_compare_rows_line_up_old_and_new_versions(make_checklist):
    old, _ = make_checklist(version=1, therapist_name="Old", answers={"technique": ("yes", "")})
    new, _ = make_checklist(therapist_name="New", answers={"technique": ("good", "")})
    rows = services.compare_rows([old, new])
    assert [question["key"] for question, _ in rows] == [q["key"] for q in services.current_version().questions]
    technique = dict((q["key"], answers) for q, answers in rows)["technique"]
    assert [a.answer for a in technique] == ["yes", "good"]


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
    assert technique["answer"] == "Good answer" and technique["answer_notes"] == "NMT, St. John"
    strength = next(r for r in rows if r["question"].startswith("Will you suggest exercises"))
    assert strength["answer"] == ""
    assert next(q for q in data["questions"] if q["key"] == "strength")["answer"] is None


# Where it hurts


def test_regions_from_a_link_keep_only_known_ones_in_the_maps_order(questions):
    asked = ["arm-hand-right", "no-such-place", "neck-right", "neck-right", "", "x" * 500]
    assert services.known_regions(asked) == ("neck-right", "arm-hand-right")
    assert services.known_regions([]) == ()


def test_regions_mark_the_questions_that_matter_most_with_why(questions):
    where = services.where_it_hurts(("neck-right", "arm-hand-right"))
    assert where.labels == ("Neck, right side", "Arm and hand (tingling), right side")
    assert where.marked["working-with-others"] == "Tingling in the arm or hand should be looked at by a doctor too."
    assert set(where.marked) == {"working-with-others", "root-cause", "posture"}
    assert set(where.marked) <= {q["key"] for q in questions}
    nothing = services.where_it_hurts(())
    assert nothing.labels == () and nothing.marked == {}


def test_a_checklist_keeps_its_regions_and_the_maps_version(app, questions):
    checklist, token = services.create_checklist(entry(regions=("neck-left", "arm-hand-left")))
    db.session.expire_all()
    saved = services.find_checklist(token)
    assert saved.regions == ["neck-left", "arm-hand-left"]
    assert saved.regions_version == services.pain_map().version
    assert services.entry_from_checklist(saved).regions == ("neck-left", "arm-hand-left")
    services.update_checklist(saved, services.ChecklistEntry(therapist_name="Nora Neuro"))  # all unticked
    db.session.expire_all()
    cleared = services.find_checklist(token)
    assert cleared.regions == [] and cleared.regions_version is None


def test_a_checklist_without_regions_marks_nothing(questions):
    checklist, _ = services.create_checklist(entry())
    assert checklist.regions == [] and checklist.regions_version is None
    assert services.where_it_hurts(checklist.regions).marked == {}


def test_regions_come_along_to_another_therapist(questions):
    checklist, _ = services.create_checklist(entry(regions=("skull-base-right",)))
    assert services.entry_for_another_therapist(checklist).regions == ("skull-base-right",)
    assert services.entry_for_another_therapist(checklist, with_notes=True).regions == ("skull-base-right",)
