"""Checklist operations: secret links, saving, the browser's list of checklists, comparing and exporting.

A checklist is found only through its secret token; the database keeps a SHA-256 hash of it.
"""
from __future__ import annotations

import csv
import hmac
import io
import secrets
from dataclasses import dataclass, field
from datetime import date
from typing import Any

from itsdangerous import BadSignature, URLSafeSerializer
from sqlalchemy import select
from sqlalchemy.orm import selectinload

from directory.checklists.models import Answer, Checklist, ChecklistAnswer, ChecklistVersion
from directory.database import utcnow
from directory.extensions import db
from directory.security import hash_token
from directory.therapists.models import Therapist

# 32 random bytes: 256 bits, well past the 128 a guess would have to beat.
TOKEN_BYTES = 32
MAX_TOKEN_LENGTH = 64
MAX_SAVED = 50
COMPARE_MIN, COMPARE_MAX = 2, 4
_COOKIE_SALT = "my-checklists"


def new_token() -> str:
    """A fresh unguessable token for a checklist's private link."""
    return secrets.token_urlsafe(TOKEN_BYTES)



def find_checklist(token: str) -> Checklist | None:
    """The checklist whose link carries `token`, or None; the hashes are compared in constant time."""
    if not token or len(token) > MAX_TOKEN_LENGTH:
        return None
    wanted = hash_token(token)
    checklist = db.session.scalar(
        select(Checklist)
        .where(Checklist.token_hash == wanted)
        .options(selectinload(Checklist.answers), selectinload(Checklist.version))
    )
    if checklist is None or not hmac.compare_digest(checklist.token_hash, wanted):
        return None
    return checklist


def current_version() -> ChecklistVersion:
    """The newest checklist wording."""
    version = db.session.scalar(select(ChecklistVersion).order_by(ChecklistVersion.version.desc()).limit(1))
    if version is None:
        raise LookupError("No checklist version is loaded; run `flask seed`.")
    return version


@dataclass
class ChecklistEntry:
    """What a user fills in: the therapist, the interview and an answer per question key."""

    therapist_name: str
    practice_name: str = ""
    therapist_phone: str = ""
    therapist_email: str = ""
    interview_date: date | None = None
    price_quoted: str = ""
    rating: int | None = None
    notes: str = ""
    answers: dict[str, tuple[str, str]] = field(default_factory=dict)


def entry_for_therapist(therapist: Therapist | None) -> ChecklistEntry:
    """A blank entry with a directory therapist's name, practice and contact filled in."""
    if therapist is None:
        return ChecklistEntry(therapist_name="")
    return ChecklistEntry(
        therapist_name=therapist.name,
        practice_name=therapist.practice_name or "",
        therapist_phone=therapist.phone or "",
        therapist_email=therapist.email or "",
    )


def entry_from_checklist(checklist: Checklist) -> ChecklistEntry:
    """Everything a saved checklist holds, as an entry (to edit it)."""
    return ChecklistEntry(
        therapist_name=checklist.therapist_name,
        practice_name=checklist.practice_name,
        therapist_phone=checklist.therapist_phone,
        therapist_email=checklist.therapist_email,
        interview_date=checklist.interview_date,
        price_quoted=checklist.price_quoted,
        rating=checklist.rating,
        notes=checklist.notes,
        answers={a.question_key: (a.answer, a.notes) for a in checklist.answers},
    )


def entry_for_another_therapist(checklist: Checklist) -> ChecklistEntry:
    """A copy to use with another therapist: your notes stay, the therapist and their answers go."""
    return ChecklistEntry(
        therapist_name="",
        notes=checklist.notes,
        answers={a.question_key: (Answer.DIDNT_ASK.value, a.notes) for a in checklist.answers},
    )


def _apply(checklist: Checklist, entry: ChecklistEntry) -> None:
    for name in ("therapist_name", "practice_name", "therapist_phone", "therapist_email", "interview_date",
                 "price_quoted", "rating", "notes"):
        setattr(checklist, name, getattr(entry, name))
    existing = {a.question_key: a for a in checklist.answers}
    for question in checklist.version.questions:
        answer, notes = entry.answers.get(question["key"], (Answer.DIDNT_ASK.value, ""))
        row = existing.get(question["key"])
        if row is None:
            checklist.answers.append(ChecklistAnswer(question_key=question["key"], answer=answer, notes=notes))
        else:
            row.answer, row.notes = answer, notes


def create_checklist(entry: ChecklistEntry, therapist: Therapist | None = None) -> tuple[Checklist, str]:
    """Save a new checklist on the current version; returns it and the token of its private link."""
    token = new_token()
    checklist = Checklist(token_hash=hash_token(token), version=current_version(), therapist=therapist)
    _apply(checklist, entry)
    db.session.add(checklist)
    db.session.commit()
    return checklist, token


def update_checklist(checklist: Checklist, entry: ChecklistEntry) -> None:
    """Save changes; the questions stay those of the version the checklist was started on."""
    _apply(checklist, entry)
    db.session.commit()


def delete_checklist(checklist: Checklist) -> None:
    """Remove the checklist and its answers for good."""
    db.session.delete(checklist)
    db.session.commit()


def key_points_met(checklist: Checklist) -> tuple[int, int]:
    """How many of the key questions were answered yes, out of how many key questions."""
    keys = [q["key"] for q in checklist.version.questions if q.get("key_point")]
    met = sum(1 for key in keys if (a := checklist.answer_for(key)) is not None and a.answer == Answer.YES.value)
    return met, len(keys)


# The browser's own list of checklists: a signed cookie of tokens. A tampered cookie is ignored.


def read_saved_tokens(cookie: str | None, secret_key: str) -> list[str]:
    """The tokens in a 'my checklists' cookie; an empty list if it is missing or was tampered with."""
    if not cookie:
        return []
    try:
        tokens = URLSafeSerializer(secret_key, salt=_COOKIE_SALT).loads(cookie)
    except BadSignature:
        return []
    if not isinstance(tokens, list):
        return []
    return [t for t in tokens if isinstance(t, str) and 0 < len(t) <= MAX_TOKEN_LENGTH][:MAX_SAVED]


def dump_saved_tokens(tokens: list[str], secret_key: str) -> str:
    """A signed cookie value holding `tokens` (newest first, at most MAX_SAVED)."""
    unique = list(dict.fromkeys(tokens))[:MAX_SAVED]
    return URLSafeSerializer(secret_key, salt=_COOKIE_SALT).dumps(unique)


def saved_checklists(tokens: list[str]) -> list[tuple[str, Checklist]]:
    """(token, checklist) for each saved token that still has a checklist, in the cookie's order."""
    if not tokens:
        return []
    by_hash = {hash_token(t): t for t in tokens}
    found = db.session.scalars(
        select(Checklist)
        .where(Checklist.token_hash.in_(list(by_hash)))
        .options(selectinload(Checklist.answers), selectinload(Checklist.version))
    )
    by_token = {by_hash[c.token_hash]: c for c in found}
    return [(t, by_token[t]) for t in tokens if t in by_token]


def checklists_to_compare(saved: list[tuple[str, Checklist]], wanted_ids: list[int]) -> list[Checklist]:
    """The chosen checklists among the saved ones, in the order chosen; ids not saved here are ignored."""
    mine = {checklist.id: checklist for _, checklist in saved}
    return [mine[i] for i in dict.fromkeys(wanted_ids) if i in mine]


# Export


def checklist_json(checklist: Checklist) -> dict[str, Any]:
    """A checklist with its questions, as plain JSON-able data."""
    met, of = key_points_met(checklist)
    questions = []
    for section in checklist.version.content["sections"]:
        for question in section["questions"]:
            answer = checklist.answer_for(question["key"])
            questions.append(
                {
                    "section": section["title"],
                    "key": question["key"],
                    "prompt": question["prompt"],
                    "key_point": bool(question.get("key_point")),
                    "answer": answer.answer if answer else Answer.DIDNT_ASK.value,
                    "notes": answer.notes if answer else "",
                }
            )
    return {
        "therapist_name": checklist.therapist_name,
        "practice_name": checklist.practice_name,
        "therapist_phone": checklist.therapist_phone,
        "therapist_email": checklist.therapist_email,
        "interview_date": checklist.interview_date.isoformat() if checklist.interview_date else None,
        "price_quoted": checklist.price_quoted,
        "rating": checklist.rating,
        "notes": checklist.notes,
        "checklist_version": checklist.version.version,
        "key_points_met": met,
        "key_points": of,
        "created_at": checklist.created_at.isoformat(),
        "updated_at": checklist.updated_at.isoformat(),
        "questions": questions,
    }


def export_json(checklists: list[Checklist]) -> dict[str, Any]:
    """The JSON export document."""
    return {
        "exported_at": utcnow().isoformat(timespec="seconds"),
        "checklists": [checklist_json(c) for c in checklists],
    }


CSV_COLUMNS = (
    "therapist_name", "practice_name", "therapist_phone", "therapist_email", "interview_date", "price_quoted",
    "rating", "notes", "checklist_version", "section", "question", "answer", "answer_notes",
)
# Spreadsheets run cells that start with these as formulas.
_FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")


def _csv_cell(value: Any) -> str:
    text = "" if value is None else str(value)
    return "'" + text if text.startswith(_FORMULA_STARTS) else text


def export_csv(checklists: list[Checklist]) -> str:
    """One row per question per checklist, with the checklist's own fields repeated on each row."""
    out = io.StringIO()
    writer = csv.writer(out)
    writer.writerow(CSV_COLUMNS)
    for checklist in checklists:
        data = checklist_json(checklist)
        for question in data["questions"]:
            writer.writerow(
                _csv_cell(v)
                for v in (
                    data["therapist_name"], data["practice_name"], data["therapist_phone"],
                    data["therapist_email"], data["interview_date"], data["price_quoted"], data["rating"],
                    data["notes"], data["checklist_version"], question["section"], question["prompt"],
                    Answer(question["answer"]).label, question["notes"],
                )
            )
    return out.getvalue()
