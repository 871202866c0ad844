"""The checklist form, built from the questions of a checklist version."""
from __future__ import annotations

from functools import cache
from typing import Any

from wtforms import DateField, EmailField, HiddenField, RadioField, SelectChoice, StringField, TelField, TextAreaField
from wtforms.validators import DataRequired, Email, Optional

from directory.checklists.models import AnswerScale, ChecklistVersion
from directory.checklists.services import ChecklistEntry, known_regions
from directory.forms import GuardedForm, MultiCheckboxField, length, plain_name
from directory.search.regions import pain_map

MAX_NOTES = 5000
MAX_ANSWER_NOTES = 2000
RATING_CHOICES = [SelectChoice(str(n), f"{n} – {label}") for n, label in
                  [(1, "poor fit"), (2, "doubtful"), (3, "maybe"), (4, "good"), (5, "great fit")]]


def answer_field_name(key: str) -> str:
    return "answer_" + key.replace("-", "_")


def notes_field_name(key: str) -> str:
    return "notes_" + key.replace("-", "_")


class ChecklistBaseForm(GuardedForm):
    """The therapist and the interview; the per-question fields are added per version."""

    therapist_name = StringField(
        "Therapist's name", validators=[DataRequired("Please enter the therapist's name."), length(120, "the name"), plain_name]
    )
    practice_name = StringField("Practice", validators=[Optional(), length(160, "the practice"), plain_name])
    therapist_phone = TelField("Phone", validators=[Optional(), length(40, "the phone number")])
    therapist_email = EmailField(
        "Email", validators=[Optional(), length(254, "the email address"), Email("That doesn't look like an email address.")]
    )
    interview_date = DateField(
        "Date of the interview", validators=[Optional()], description="When you spoke with them"
    )
    price_quoted = StringField(
        "Price quoted", validators=[Optional(), length(60)], description="For example $90 for 60 minutes"
    )
    rating = RadioField(
        "Overall, how good a fit?", choices=RATING_CHOICES, validate_choice=True,
        # Only a rating left out is optional: spaces are not a choice.
        validators=[Optional(strip_whitespace=False)],
    )
    notes = TextAreaField(
        "Your notes",
        validators=[Optional(), length(MAX_NOTES, "your notes")],
        description=f"Anything else you want to remember (up to {MAX_NOTES} characters).",
    )
    # Any value may come back; unknown regions are dropped (known_regions), never refused.
    regions = MultiCheckboxField(
        "Where does it hurt?", validate_choice=False,
        description="Tick where it hurts: the questions that matter most for it are marked, and the printout "
                    "shows it at the top so you can show the therapist. It stays private, like the rest.",
    )
    # A new checklist's one-time key (see services.new_submission_key); an edit has none.
    submission_key = HiddenField()
    questions: list[dict[str, Any]] = []

    def __init__(self, *args: Any, **kwargs: Any):
        super().__init__(*args, **kwargs)
        self.regions.choices = [(region.slug, region.label) for region in pain_map().regions]

    def question_fields(self, question: dict[str, Any]) -> tuple[Any, Any]:
        """The answer and notes fields of a question."""
        return self[answer_field_name(question["key"])], self[notes_field_name(question["key"])]

    def to_entry(self) -> ChecklistEntry:
        """The submitted data as a ChecklistEntry."""
        answers = {}
        for question in self.questions:
            answer, notes = self.question_fields(question)
            answers[question["key"]] = (answer.data or None, notes.data or "")
        return ChecklistEntry(
            therapist_name=self.therapist_name.data.strip(),
            practice_name=(self.practice_name.data or "").strip(),
            therapist_phone=(self.therapist_phone.data or "").strip(),
            therapist_email=(self.therapist_email.data or "").strip(),
            interview_date=self.interview_date.data,
            price_quoted=(self.price_quoted.data or "").strip(),
            rating=int(self.rating.data) if self.rating.data else None,
            notes=self.notes.data or "",
            answers=answers,
            regions=known_regions(self.regions.data or []),
        )

    @classmethod
    def from_entry(cls, entry: ChecklistEntry) -> "ChecklistBaseForm":
        """A form showing `entry` (ignores any submitted data)."""
        data: dict[str, Any] = {
            "therapist_name": entry.therapist_name,
            "practice_name": entry.practice_name,
            "therapist_phone": entry.therapist_phone,
            "therapist_email": entry.therapist_email,
            "interview_date": entry.interview_date,
            "price_quoted": entry.price_quoted,
            "rating": str(entry.rating) if entry.rating else None,
            "notes": entry.notes,
            "regions": list(entry.regions),
        }
        for question in cls.questions:
            answer, notes = entry.answers.get(question["key"], (None, ""))
            data[answer_field_name(question["key"])] = answer
            data[notes_field_name(question["key"])] = notes
        return cls(formdata=None, data=data)


    def error_summary(self) -> list[tuple[str, str, list[str]]]:
        """(field id, what the field is, its messages) for each field refused, in the order of the form."""
        about = {notes_field_name(q["key"]): f"Notes on “{q['prompt']}”" for q in self.questions}
        return [(field.id, about.get(field.name, field.label.text), field.errors) for field in self if field.errors]


@cache
def _form_for_questions(questions: tuple[tuple[str, str], ...], scale: AnswerScale) -> type[ChecklistBaseForm]:
    choices = [SelectChoice(answer.value, answer.label) for answer in scale.choices]
    attributes: dict[str, Any] = {}
    for key, prompt in questions:
        # No default: a question left alone is not answered (its printed boxes stay empty), unlike "Didn't ask".
        attributes[answer_field_name(key)] = RadioField(
            prompt, choices=choices, validate_choice=True, validators=[Optional(strip_whitespace=False)]
        )
        attributes[notes_field_name(key)] = TextAreaField(
            "Notes", validators=[Optional(), length(MAX_ANSWER_NOTES, "the notes")]
        )
    return type("ChecklistForm", (ChecklistBaseForm,), attributes)


def checklist_form_class(version: ChecklistVersion) -> type[ChecklistBaseForm]:
    """The form class for a checklist version (one class per distinct set of questions and answer scale)."""
    questions = version.questions
    form_class = _form_for_questions(tuple((q["key"], q["prompt"]) for q in questions), version.answer_scale)
    form_class.questions = questions
    return form_class
