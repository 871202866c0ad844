"""Sign-in and moderation action forms."""
from wtforms import EmailField, HiddenField, PasswordField, TextAreaField
from wtforms.validators import InputRequired, Length

from directory.forms import GuardedForm
from directory.listings.forms import VersionForm

REASON_MAX = 1000


class LoginForm(GuardedForm):
    """A moderator signs in."""

    email = EmailField("Email", [InputRequired("Enter your email address."), Length(max=254)],
                       render_kw={"autocomplete": "username"})
    password = PasswordField("Password", [InputRequired("Enter your password."), Length(max=200)],
                             render_kw={"autocomplete": "current-password"})
    next = HiddenField()


class ActionForm(GuardedForm):
    """A moderation button that needs no reason (approve, verify)."""


class ReasonForm(GuardedForm):
    """A moderation action that must say why; the reason is emailed to the therapist and audited."""

    reason = TextAreaField(
        "Reason", [InputRequired("Give a reason: the therapist will read it."),
                   Length(max=REASON_MAX, message=f"Keep the reason to {REASON_MAX:,} characters or fewer.")],
        render_kw={"rows": 3},
    )


class NoteForm(GuardedForm):
    """Closing a report, with an optional note for the audit log."""

    reason = TextAreaField("Note (optional)", [Length(max=REASON_MAX)], render_kw={"rows": 2})


class RejectForm(ReasonForm, VersionForm):
    """Turning down a listing or its changes, as the version the page showed."""
