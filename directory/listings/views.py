"""List your practice: submit, edit through a private link, still-accurate links, and problem reports."""
from __future__ import annotations

from flask import Blueprint, Response, abort, current_app, flash, redirect, render_template, request, url_for

from directory.extensions import limiter
from directory.listings import editing, links, reconfirmation, reports, submission
from directory.listings.forms import (
    ConfirmForm,
    DeleteListingForm,
    EditLinkForm,
    EditListingForm,
    ReportForm,
    SubmitListingForm,
    VersionForm,
)
from directory.listings.models import ReportReason, TokenPurpose
from directory.search.vocabulary import load_vocabulary
from directory.security import private_page
from directory.therapists.models import Therapist
from directory.therapists.services import get_published

bp = Blueprint("listings", __name__)

# Only successful submissions count towards the first limit, so fixing typos never locks anyone out.
SUBMIT_LIMIT = "5 per hour"
FORM_POST_LIMIT = "60 per hour"
REPORT_LIMIT = "5 per hour"
EDIT_LINK_LIMIT = "5 per hour"


def _was_redirect(response: Response) -> bool:
    return response.status_code in (302, 303)


# The pages behind a private edit or still-accurate link, whatever they answer (errors included).
PRIVATE_ENDPOINTS = frozenset(
    {"listings.edit", "listings.unpublish", "listings.publish", "listings.delete", "listings.still_accurate"}
)


@bp.after_request
def keep_private(response: Response) -> Response:
    """Private pages are never cached, indexed, or named in a Referer header (the link is the key)."""
    return private_page(response) if request.endpoint in PRIVATE_ENDPOINTS else response


def _listing_for(token: str, purpose: TokenPurpose = TokenPurpose.EDIT) -> Therapist:
    therapist = links.find_by_token(token, purpose)
    if therapist is None:
        abort(404)
    if purpose is TokenPurpose.EDIT and request.method == "POST":
        # Whatever this post saves retires the edit links sent before this one. Never on a GET:
        # mail scanners open links, and a stranger can have a new one mailed.
        links.retire_older_edit_links(token)
    return therapist


@bp.route("/list-your-practice", methods=["GET", "POST"])
@limiter.limit(SUBMIT_LIMIT, methods=["POST"], deduct_when=_was_redirect)
@limiter.limit(FORM_POST_LIMIT, methods=["POST"])
def submit():
    """The submission form; a valid one is stored, waiting for review, and opens its private edit page."""
    vocabulary = load_vocabulary()
    form = SubmitListingForm().with_vocabulary(vocabulary)
    spam = None
    if request.method == "GET":
        form.started.data = submission.form_started_token(current_app.config["SECRET_KEY"])
    else:
        spam = submission.spam_problem(form.fax.data, form.started.data, current_app.config["SECRET_KEY"],
                                     current_app.config["LISTING_MIN_FILL_SECONDS"])
        if form.validate_on_submit() and spam is None:
            _, token = submission.submit_listing(form.listing_data(), form.contact_email.data)
            flash("Thank you! Your listing is waiting for review. We have emailed you this page's private link.",
                  "success")
            return redirect(url_for("listings.edit", token=token))
        if spam == submission.FORM_EXPIRED:
            form.started.data = submission.form_started_token(current_app.config["SECRET_KEY"])
    # A refused form comes back with what was typed, as 422 (like the checklist's).
    return render_template("listings/submit.html", form=form, spam=spam), 200 if request.method == "GET" else 422


@bp.route("/list-your-practice/edit/<token>", methods=["GET", "POST"])
def edit(token: str):
    """The therapist's private page: the listing's status, the edit form, unpublish/publish/delete."""
    therapist = _listing_for(token)
    vocabulary = load_vocabulary()
    form = EditListingForm().with_vocabulary(vocabulary)
    stale = False
    if request.method == "GET":
        form.fill(editing.editable_data(therapist), therapist.contact_email)
        form.version.data = therapist.version
    elif form.validate_on_submit():
        try:
            outcome = editing.save_edit(therapist, form.listing_data(), form.contact_email.data,
                                         form.expected_version)
        except editing.StaleEdit:
            stale = True
            # Saving again now replaces the newer version on purpose: the message said so.
            form.version.data = therapist.version
        else:
            flash(_EDIT_MESSAGES[outcome], "success")
            return redirect(url_for("listings.edit", token=token))
    status = 200 if request.method == "GET" else 409 if stale else 422
    return render_template(
        "listings/edit.html", therapist=therapist, token=token, form=form, stale=stale,
        revision=editing.pending_revision(therapist),
    ), status


_EDIT_MESSAGES = {
    editing.EditOutcome.SAVED: "Your changes are saved. Your listing is waiting for review.",
    editing.EditOutcome.SENT_FOR_REVIEW: "Your changes are saved and waiting for review. "
                                          "Your public listing stays as it was until a moderator approves them.",
    editing.EditOutcome.NO_CHANGES: "Nothing differs from your public listing, so there is nothing to review.",
}


def _version_action(token: str, action, done: str):
    therapist = _listing_for(token)
    form = VersionForm()
    if not form.validate_on_submit():
        abort(400)
    try:
        action(therapist, form.expected_version)
    except editing.StaleEdit:
        flash("Your listing changed since you opened this page. Please check it and try again.", "error")
    except editing.NotAllowed as refused:
        flash(str(refused), "error")
    else:
        flash(done, "success")
    return redirect(url_for("listings.edit", token=token))


@bp.post("/list-your-practice/edit/<token>/unpublish")
def unpublish(token: str):
    """Take the listing off the site until the therapist publishes it again."""
    return _version_action(token, editing.unpublish_own, "Your listing is no longer shown on the site.")


@bp.post("/list-your-practice/edit/<token>/publish")
def publish(token: str):
    """Show a listing the therapist unpublished again."""
    return _version_action(token, editing.publish_own, "Your listing is shown on the site again.")


@bp.route("/list-your-practice/edit/<token>/delete", methods=["GET", "POST"])
def delete(token: str):
    """Confirm, then delete the listing for good."""
    therapist = _listing_for(token)
    form = DeleteListingForm()
    if form.validate_on_submit():
        try:
            editing.delete_listing(therapist)
        except editing.StaleEdit:
            flash("Your listing changed since you opened this page. Please check it and try again.", "error")
            return redirect(url_for("listings.edit", token=token))
        return render_template("listings/deleted.html")
    return render_template("listings/delete.html", therapist=therapist, token=token, form=form)


@bp.route("/list-your-practice/edit-link", methods=["GET", "POST"])
@limiter.limit(EDIT_LINK_LIMIT, methods=["POST"])
def edit_link():
    """Ask for a new edit link; the answer is the same whether or not the address is known."""
    form = EditLinkForm()
    if form.validate_on_submit():
        if not form.fax.data:
            links.request_edit_links(form.contact_email.data)
        return render_template("listings/edit_link_sent.html")
    return render_template("listings/edit_link.html", form=form)


@bp.route("/list-your-practice/still-accurate/<token>", methods=["GET", "POST"])
def still_accurate(token: str):
    """One button that tells us the listing is still right (a GET never changes anything: mail scanners follow links)."""
    therapist = _listing_for(token, TokenPurpose.CONFIRM)
    form = ConfirmForm()
    if form.validate_on_submit():
        try:
            reconfirmation.confirm_still_accurate(therapist)
        except editing.StaleEdit:
            flash("Your listing changed at the same moment; please press the button again.", "error")
        else:
            return render_template("listings/confirmed.html", therapist=therapist)
    return render_template("listings/still_accurate.html", therapist=therapist, form=form)


@bp.route("/therapists/<slug>/report", methods=["GET", "POST"])
@limiter.limit(REPORT_LIMIT, methods=["POST"])
def report(slug: str):
    """Report a problem with a published listing to the moderators."""
    therapist = get_published(slug)
    if therapist is None:
        abort(404)
    form = ReportForm()
    if form.validate_on_submit():
        if not form.fax.data:
            reports.file_report(therapist, ReportReason(form.reason.data), (form.details.data or "").strip(),
                                 form.reporter_email.data or None)
        return render_template("listings/report_sent.html", therapist=therapist)
    return render_template("listings/report.html", therapist=therapist, form=form)
