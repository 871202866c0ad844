"""/admin: sign-in, the moderation queue, one listing's review page, and the audit log."""
from __future__ import annotations

from typing import Any
from urllib.parse import urlsplit

from flask import Blueprint, Response, abort, flash, redirect, render_template, request, url_for
from flask_login import current_user, login_user, logout_user
from werkzeug.exceptions import TooManyRequests

from directory.admin import accounts, decisions, review_queue
from directory.admin.forms import ActionForm, LoginForm, NoteForm, ReasonForm, RejectForm
from directory.admin.models import Admin
from directory.extensions import db, limiter, login_manager
from directory.forms import database_int, is_storable
from directory.listings.forms import VersionForm
from directory.listings.models import Report, Revision
from directory.search.vocabulary import load_vocabulary
from directory.security import no_store
from directory.therapists.models import Therapist

bp = Blueprint("admin", __name__, url_prefix="/admin")

# Failed sign-ins from one address only; each account also pauses after wrong passwords from anywhere
# (accounts.authenticate).
LOGIN_LIMIT = "5 per minute; 20 per hour"


class SignInPaused(TooManyRequests):
    """The 429 of an email locked out after wrong passwords; its page says why (not a per-address limit)."""

    explanation = ("After several wrong passwords for one account, from anywhere, signing in to it "
                   "pauses for a while, and the pause grows with each new wrong password.")


@login_manager.user_loader
def load_admin(session_id: str) -> Admin | None:
    """The signed-in moderator, from the id and session token in the session cookie."""
    return accounts.admin_for_session(session_id)


@bp.before_request
def require_login():
    """Nothing under /admin but the sign-in page is reachable without signing in."""
    if request.endpoint != "admin.login" and not current_user.is_authenticated:
        return login_manager.unauthorized()
    return None


# Moderation pages hold private data.
bp.after_request(no_store)


def _safe_next(target: str | None) -> str:
    """Only a path on this site: never redirect a moderator elsewhere after sign-in."""
    if target and is_storable(target) and target.startswith("/") and not target.startswith("//") and "\\" not in target:
        if not urlsplit(target).netloc:
            return target
    return url_for("admin.queue")


def _failed_login(response: Response) -> bool:
    return response.status_code == 200 and request.method == "POST"


@bp.route("/login", methods=["GET", "POST"])
@limiter.limit(LOGIN_LIMIT, methods=["POST"], deduct_when=_failed_login)
def login():
    """Sign in with email and password."""
    if current_user.is_authenticated:
        return redirect(url_for("admin.queue"))
    form = LoginForm(next=request.args.get("next", ""))
    error = None
    if form.validate_on_submit():
        try:
            admin = accounts.authenticate(form.email.data, form.password.data)
        except accounts.SignInPaused as paused:
            raise SignInPaused("Signing in to this account is paused after too many wrong passwords.",
                               retry_after=paused.seconds) from paused
        if admin is not None:
            login_user(admin)
            return redirect(_safe_next(form.next.data))
        error = "That email and password do not match a moderator account."
    return render_template("admin/login.html", form=form, error=error)


@bp.post("/logout")
def logout():
    """Sign out."""
    if ActionForm().validate_on_submit():
        accounts.end_session(current_user)
        logout_user()
        flash("You are signed out.", "success")
    return redirect(url_for("admin.login"))


@bp.get("/")
def queue():
    """Everything waiting for a moderator, oldest first."""
    return render_template("admin/queue.html", queue=review_queue.load_queue(), action=ActionForm())


def _review_forms(found: review_queue.Review) -> dict[str, Any]:
    """The review page's forms, each carrying the version of what the page shows (over any version posted)."""
    forms: dict[str, Any] = {
        "approve": VersionForm(prefix="approve"), "reject": RejectForm(prefix="reject"),
        "verify": VersionForm(prefix="verify"), "unpublish": ReasonForm(prefix="unpublish"),
        "approve_revision": VersionForm(prefix="approve-revision"),
        "reject_revision": RejectForm(prefix="reject-revision"),
    }
    for name in ("approve", "reject", "verify"):
        forms[name].version.data = found.therapist.version
    if found.revision is not None:
        for name in ("approve_revision", "reject_revision"):
            forms[name].version.data = found.revision.version
    forms["notes"] = {report.id: NoteForm(prefix=f"note-{report.id}") for report in found.reports}
    return forms


def _review_page(therapist_id: int, status: int = 200):
    found = review_queue.load_review(therapist_id, load_vocabulary())
    if found is None:
        abort(404)
    return render_template("admin/review.html", review=found, **_review_forms(found)), status


@bp.get("/listings/<int:therapist_id>")
def review(therapist_id: int):
    """One listing: fields, resolved locations, pending changes as a diff, duplicates, reports, history."""
    return _review_page(therapist_id)


def _act(therapist: Therapist, form, action, done: str, *args):
    if form.validate_on_submit():
        try:
            action(*args)
        except decisions.ReviewChanged as changed:
            # Nothing was done: show what is there now, keeping any reason typed.
            flash(str(changed), "error")
            return _review_page(therapist.id, 409)
        except decisions.ModerationError as refused:
            flash(str(refused), "error")
        else:
            flash(done, "success")
    else:
        # Nothing was done: the page again, with what was typed and the field each problem is about.
        flash(_form_problems(form), "error")
        return _review_page(therapist.id, 422)
    return redirect(url_for("admin.review", therapist_id=therapist.id))


def _form_problems(form) -> str:
    """Each error of a refused form, after the label of its field."""
    problems = [f"{form[name].label.text}: {message}" for name, errors in form.errors.items() for message in errors]
    return " ".join(problems) or "Please try again."


def _therapist(therapist_id: int) -> Therapist:
    return db.get_or_404(Therapist, therapist_id)


@bp.post("/listings/<int:therapist_id>/approve")
def approve(therapist_id: int):
    """Publish the listing."""
    therapist = _therapist(therapist_id)
    form = VersionForm(prefix="approve")
    return _act(therapist, form, lambda: decisions.approve_listing(therapist, current_user, form.expected_version),
                "The listing is published.")


@bp.post("/listings/<int:therapist_id>/reject")
def reject(therapist_id: int):
    """Reject a new listing with a reason."""
    therapist = _therapist(therapist_id)
    form = RejectForm(prefix="reject")
    return _act(therapist, form,
                lambda: decisions.reject_listing(therapist, current_user, form.reason.data.strip(),
                                                form.expected_version),
                "The listing is rejected and the therapist has been told why.")


@bp.post("/listings/<int:therapist_id>/verify-license")
def verify_license(therapist_id: int):
    """Mark the license as verified."""
    therapist = _therapist(therapist_id)
    form = VersionForm(prefix="verify")
    return _act(therapist, form, lambda: decisions.verify_license(therapist, current_user, form.expected_version),
                "The license is marked as verified.")


@bp.post("/listings/<int:therapist_id>/unpublish")
def unpublish(therapist_id: int):
    """Take a listing off the site with a reason."""
    therapist = _therapist(therapist_id)
    form = ReasonForm(prefix="unpublish")
    return _act(therapist, form,
                lambda: decisions.unpublish_listing(therapist, current_user, form.reason.data.strip()),
                "The listing is unpublished and the therapist has been told why.")


@bp.post("/revisions/<int:revision_id>/approve")
def approve_revision(revision_id: int):
    """Apply pending changes to the public listing."""
    revision = db.get_or_404(Revision, revision_id)
    form = VersionForm(prefix="approve-revision")
    return _act(revision.therapist, form,
                lambda: decisions.approve_revision(revision, current_user, form.expected_version),
                "The changes are published.")


@bp.post("/revisions/<int:revision_id>/reject")
def reject_revision(revision_id: int):
    """Turn down pending changes with a reason."""
    revision = db.get_or_404(Revision, revision_id)
    form = RejectForm(prefix="reject-revision")
    return _act(revision.therapist, form,
                lambda: decisions.reject_revision(revision, current_user, form.reason.data.strip(),
                                                 form.expected_version),
                "The changes are rejected and the therapist has been told why.")


@bp.post("/reports/<int:report_id>/resolve")
def resolve_report(report_id: int):
    """Close a problem report."""
    report = db.get_or_404(Report, report_id)
    form = NoteForm(prefix=f"note-{report_id}")
    return _act(report.therapist, form,
                lambda: decisions.resolve_report(report, current_user, (form.reason.data or "").strip()),
                "The report is closed.")


@bp.get("/audit")
def audit():
    """Every moderation action, newest first."""
    page = database_int(request.args.get("page")) or 1
    return render_template("admin/audit.html", entries=review_queue.audit_page(min(max(page, 1), review_queue.AUDIT_PAGES_MAX)))
