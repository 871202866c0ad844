"""Checklist operations: secret links, saving, the browser's list of checklists, comparing and exporting.

A checklist is found only through its secret token; the database keeps a SHA-256 hash of it.
"""
from __future__ import annotations

import base64
import csv
import hashlib
import hmac
import io
import secrets
from dataclasses import dataclass, field
from datetime import date
from typing import Any

from itsdangerous import BadSignature, URLSafeSerializer
from sqlalchemy import select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import selectinload

from directory.checklists.models import Answer, Checklist, ChecklistAnswer, ChecklistVersion
from directory.database import utcnow
from directory.extensions import db
from directory.search.regions import pain_map
from directory.security import hash_token
from directory.therapists.models import Therapist

# 32 random bytes: 256 bits, well past the 128 a guess would have to beat.
TOKEN_BYTES = 32
MAX_TOKEN_LENGTH = 64
MAX_SAVED = 50
COMPARE_MIN, COMPARE_MAX = 2, 4
_COOKIE_SALT = "my-checklists"
_SUBMISSION_SALT = "checklist-submission"
MAX_SUBMISSION_KEY_LENGTH = 200


def new_token() -> str:
    """A fresh unguessable token for a checklist's private link."""
    return secrets.token_urlsafe(TOKEN_BYTES)


# A new checklist's form carries a one-time submission key, and the checklist it saves gets the link derived
# from that key: the same form sent twice (a double tap, Back then Save, two racing posts) saves to the same
# link, whose unique hash lets only one of them create it. The key is signed, so only keys this site issued
# count (a hand-made key would give a guessable link).


def new_submission_key(secret_key: str) -> str:
    """A signed one-time key for a new checklist's form."""
    return URLSafeSerializer(secret_key, salt=_SUBMISSION_SALT).dumps(new_token())


def token_for_submission(key: str | None, secret_key: str) -> str | None:
    """The private-link token a form with this key saves to; None for a key this site did not issue."""
    if not key or len(key) > MAX_SUBMISSION_KEY_LENGTH:
        return None
    try:
        nonce = URLSafeSerializer(secret_key, salt=_SUBMISSION_SALT).loads(key)
    except BadSignature:
        return None
    if not isinstance(nonce, str):
        return None
    digest = hashlib.sha256(f"checklist-link:{nonce}".encode("utf-8")).digest()
    return base64.urlsafe_b64encode(digest).rstrip(b"=").decode("ascii")



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
    # Question key: (answer, or None when not answered; notes).
    answers: dict[str, tuple[str | None, str]] = field(default_factory=dict)
    # Where it hurts: known region slugs of the pain map, in its order.
    regions: tuple[str, ...] = ()


@dataclass(frozen=True)
class WhereItHurts:
    """The regions a checklist was started with, in words, and the questions that matter most for them."""

    labels: tuple[str, ...]
    # Question key: why it matters most for these regions.
    marked: dict[str, str]


def known_regions(slugs: list[str] | tuple[str, ...]) -> tuple[str, ...]:
    """The region slugs the pain map knows among `slugs` (from a link or a form); the rest are dropped."""
    return pain_map().known(slug for slug in slugs if isinstance(slug, str))


def where_it_hurts(regions: list[str] | tuple[str, ...]) -> WhereItHurts:
    """What the ticked regions mean for a checklist: their labels and the questions to mark."""
    pains = pain_map()
    return WhereItHurts(tuple(pains.labels(regions)), pains.checklist_questions_for(regions))


def entry_for_therapist(therapist: Therapist | None, regions: tuple[str, ...] = ()) -> ChecklistEntry:
    """A blank entry with a directory therapist's name, practice and contact filled in, and where it hurts."""
    if therapist is None:
        return ChecklistEntry(therapist_name="", regions=regions)
    return ChecklistEntry(
        therapist_name=therapist.name,
        practice_name=therapist.practice_name or "",
        therapist_phone=therapist.phone or "",
        therapist_email=therapist.email or "",
        regions=regions,
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
        regions=known_regions(checklist.regions),
    )


def entry_for_another_therapist(checklist: Checklist, with_notes: bool = False) -> ChecklistEntry:
    """A fresh checklist to use with another therapist: no therapist, answers, rating or notes. With_notes
    copies your notes too, each labelled with whom it was written about. Where it hurts is yours: it comes along."""
    regions = known_regions(checklist.regions)
    if not with_notes:
        return ChecklistEntry(therapist_name="", regions=regions)
    label = f"Copied from your checklist for {checklist.therapist_name}: "
    return ChecklistEntry(
        therapist_name="",
        notes=label + checklist.notes if checklist.notes else "",
        answers={a.question_key: (None, label + a.notes) for a in checklist.answers if a.notes},
        regions=regions,
    )


def fill_in(checklist: Checklist, entry: ChecklistEntry) -> None:
    """Put the entry's fields and an answer row per question of the checklist's version into `checklist`."""
    for name in ("therapist_name", "practice_name", "therapist_phone", "therapist_email", "interview_date",
                 "price_quoted", "rating", "notes"):
        setattr(checklist, name, getattr(entry, name))
    checklist.regions = list(entry.regions)
    checklist.regions_version = pain_map().version if entry.regions else None
    existing = {a.question_key: a for a in checklist.answers}
    for question in checklist.version.questions:
        answer, notes = entry.answers.get(question["key"], (None, ""))
        row = existing.get(question["key"])
        if row is None:
            checklist.answers.append(ChecklistAnswer(question_key=question["key"], answer=answer, notes=notes))
        else:
            row.answer, row.notes = answer, notes


@dataclass
class Submitted:
    """The checklist a form submission saved to, and whether this submission created it."""

    checklist: Checklist
    token: str
    created: bool


def save_submission(entry: ChecklistEntry, token: str, therapist: Therapist | None = None) -> Submitted:
    """Save a new checklist on the current version under `token`, unless one is saved there already (the
    same form sent again, or a racing post that committed first): then that one, unchanged."""
    existing = find_checklist(token)
    if existing is not None:
        return Submitted(existing, token, created=False)
    checklist = Checklist(token_hash=hash_token(token), version=current_version(), therapist=therapist)
    fill_in(checklist, entry)
    db.session.add(checklist)
    try:
        db.session.commit()
    except IntegrityError:
        db.session.rollback()
        existing = find_checklist(token)
        if existing is None:
            raise
        return Submitted(existing, token, created=False)
    return Submitted(checklist, token, created=True)


def create_checklist(entry: ChecklistEntry, therapist: Therapist | None = None) -> tuple[Checklist, str]:
    """Save a new checklist on the current version; returns it and the token of its private link."""
    submitted = save_submission(entry, new_token(), therapist)
    return submitted.checklist, submitted.token


def update_checklist(checklist: Checklist, entry: ChecklistEntry) -> None:
    """Save changes; the questions stay those of the version the checklist was started on."""
    fill_in(checklist, entry)
    db.session.commit()


def delete_checklist(checklist: Checklist) -> None:
    """Remove the checklist and its answers for good."""
    db.session.delete(checklist)
    db.session.commit()


def key_points_met(checklist: Checklist) -> tuple[int, int]:
    """How many key questions got the answer that meets a key point on the checklist's scale (a good answer;
    a yes in version 1), out of how many key questions."""
    meets = checklist.version.answer_scale.meets_key_point.value
    keys = [q["key"] for q in checklist.version.questions if q.get("key_point")]
    met = sum(1 for key in keys if (a := checklist.answer_for(key)) is not None and a.answer == meets)
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


def compare_rows(chosen: list[Checklist]) -> list[tuple[dict[str, Any], list[ChecklistAnswer | None]]]:
    """Each question the chosen checklists ask (in the newest version's wording and order, then any only an
    older version asks) with each checklist's answer row, None where its version lacks the question."""
    questions: dict[str, dict[str, Any]] = {}
    for version in sorted({c.version_id: c.version for c in chosen}.values(), key=lambda v: -v.version):
        for question in version.questions:
            questions.setdefault(question["key"], question)
    return [(question, [c.answer_for(key) for c in chosen]) for key, question in questions.items()]


def saved_for_therapist(saved: list[tuple[str, Checklist]], therapist: Therapist | None) -> list[tuple[str, Checklist]]:
    """The saved checklists about a directory therapist."""
    if therapist is None:
        return []
    return [(token, checklist) for token, checklist in saved if checklist.therapist_id == therapist.id]


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
                    "answer": answer.answer if answer else None,
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
        "where_it_hurts": list(where_it_hurts(checklist.regions).labels),
        "regions": list(checklist.regions),
        "regions_version": checklist.regions_version,
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
                    Answer(question["answer"]).label if question["answer"] else "", question["notes"],
                )
            )
    return out.getvalue()
