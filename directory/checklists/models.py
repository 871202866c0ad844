"""Filled-in interview checklists. They hold health information: reachable only through a secret link."""
from __future__ import annotations

import enum
from dataclasses import dataclass
from datetime import date, datetime
from typing import Any

from sqlalchemy import JSON, CheckConstraint, Date, DateTime, ForeignKey, Integer, String, Text, UniqueConstraint, text
from sqlalchemy.orm import Mapped, mapped_column, relationship

from directory.database import utcnow
from directory.extensions import Model
from directory.therapists.models import Therapist


class Answer(str, enum.Enum):
    """How the therapist answered a question, as the client judged it, on the scale of the checklist's version."""

    GOOD = "good"
    PARTLY = "partly"
    POOR = "poor"
    DIDNT_ASK = "didnt_ask"
    # Version 1 judged every question Yes / No / Not sure, which fits closed questions only.
    YES = "yes"
    NO = "no"
    NOT_SURE = "not_sure"

    @property
    def label(self) -> str:
        return _ANSWER_LABELS[self]


_ANSWER_LABELS = {
    Answer.GOOD: "Good answer", Answer.PARTLY: "Partly", Answer.POOR: "Poor answer", Answer.DIDNT_ASK: "Didn't ask",
    Answer.YES: "Yes", Answer.NO: "No", Answer.NOT_SURE: "Not sure",
}


@dataclass(frozen=True)
class AnswerScale:
    """The answers a checklist version offers for every question, and the one that meets a key point."""

    choices: tuple[Answer, ...]
    meets_key_point: Answer


# A version's content names its scale ("answer_scale"); version 1 predates the key and used Yes/No.
ANSWER_SCALES = {
    "fit": AnswerScale((Answer.GOOD, Answer.PARTLY, Answer.POOR, Answer.DIDNT_ASK), Answer.GOOD),
    "yes-no": AnswerScale((Answer.YES, Answer.NO, Answer.NOT_SURE, Answer.DIDNT_ASK), Answer.YES),
}
FIRST_ANSWER_SCALE = "yes-no"


class ChecklistVersion(Model):
    """One published wording of the checklist; filled checklists keep the version they were filled in."""

    __tablename__ = "checklist_versions"

    id: Mapped[int] = mapped_column(primary_key=True)
    version: Mapped[int] = mapped_column(Integer, unique=True)
    content: Mapped[dict[str, Any]] = mapped_column(JSON)
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)

    __table_args__ = (CheckConstraint("version > 0", name="version_positive"),)

    @property
    def questions(self) -> list[dict[str, Any]]:
        """Every question, in order, across the sections."""
        return [q for section in self.content["sections"] for q in section["questions"]]

    @property
    def answer_scale(self) -> AnswerScale:
        """The answers this version offers."""
        return ANSWER_SCALES[self.content.get("answer_scale", FIRST_ANSWER_SCALE)]


class Checklist(Model):
    """A client's notes from interviewing one therapist. Found only by the hash of its secret token."""

    __tablename__ = "checklists"

    id: Mapped[int] = mapped_column(primary_key=True)
    token_hash: Mapped[str] = mapped_column(String(64), unique=True)
    version_id: Mapped[int] = mapped_column(ForeignKey("checklist_versions.id", ondelete="RESTRICT"), index=True)
    therapist_id: Mapped[int | None] = mapped_column(
        ForeignKey("therapists.id", ondelete="SET NULL"), index=True
    )
    therapist_name: Mapped[str] = mapped_column(String(120))
    practice_name: Mapped[str] = mapped_column(String(160), default="")
    therapist_phone: Mapped[str] = mapped_column(String(40), default="")
    therapist_email: Mapped[str] = mapped_column(String(254), default="")
    interview_date: Mapped[date | None] = mapped_column(Date)
    price_quoted: Mapped[str] = mapped_column(String(60), default="")
    rating: Mapped[int | None] = mapped_column(Integer)
    notes: Mapped[str] = mapped_column(Text, default="")
    # Where it hurts: the pain map's region slugs (directory/search/regions.py) and the version of the map they
    # were ticked on; no regions, no version.
    regions: Mapped[list[str]] = mapped_column(JSON, default=list, server_default=text("'[]'"))
    regions_version: Mapped[int | None] = mapped_column(Integer)
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow, onupdate=utcnow)

    version: Mapped[ChecklistVersion] = relationship()
    therapist: Mapped[Therapist | None] = relationship()
    answers: Mapped[list[ChecklistAnswer]] = relationship(
        back_populates="checklist", cascade="all, delete-orphan", passive_deletes=True
    )

    __table_args__ = (
        CheckConstraint("rating IS NULL OR (rating >= 1 AND rating <= 5)", name="rating_range"),
        CheckConstraint("therapist_name <> ''", name="therapist_name_not_empty"),
    )

    def answer_for(self, key: str) -> ChecklistAnswer | None:
        """The answer to the question with this key, if any."""
        return next((a for a in self.answers if a.question_key == key), None)


KNOWN_ANSWERS = ", ".join(f"'{answer.value}'" for answer in Answer)


class ChecklistAnswer(Model):
    """The answer and notes for one question of one checklist."""

    __tablename__ = "checklist_answers"

    id: Mapped[int] = mapped_column(primary_key=True)
    checklist_id: Mapped[int] = mapped_column(ForeignKey("checklists.id", ondelete="CASCADE"))
    question_key: Mapped[str] = mapped_column(String(64))
    # None: not answered yet (a printout leaves its boxes empty), unlike "didn't ask".
    answer: Mapped[str | None] = mapped_column(String(16))
    notes: Mapped[str] = mapped_column(Text, default="")

    checklist: Mapped[Checklist] = relationship(back_populates="answers")

    __table_args__ = (
        UniqueConstraint("checklist_id", "question_key", name="uq_checklist_answers_question"),
        CheckConstraint(f"answer IS NULL OR answer IN ({KNOWN_ANSWERS})", name="answer_known"),
    )
