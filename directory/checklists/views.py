"""Interview checklists: fill in, save privately, print, compare and export.

Every page here may show health information: no caching, no indexing, no link in a Referer.
"""
from __future__ import annotations

import json

from flask import (
    Blueprint,
    Response,
    abort,
    current_app,
    flash,
    jsonify,
    redirect,
    render_template,
    request,
    url_for,
)
from werkzeug.exceptions import NotFound
from werkzeug.wrappers import Response as BaseResponse

from directory.checklists import services
from directory.checklists.forms import checklist_form_class
from directory.checklists.models import Answer, Checklist, ChecklistVersion
from directory.forms import storable_or_empty
from directory.search.regions import regions_asked_for
from directory.security import private_page
from directory.therapists.services import get_published

bp = Blueprint("checklists", __name__)

COOKIE_NAME = "my_checklists"
COOKIE_MAX_AGE = 400 * 24 * 3600


# Checklist pages are never cached, indexed, or named in a Referer header (the link is the key).
bp.after_request(private_page)


class ChecklistNotFound(NotFound):
    """A checklist link that leads nowhere: mistyped, cut short, or its checklist deleted."""

    template = "checklists/not_found.html"


@bp.context_processor
def answer_labels() -> dict:
    return {"answer_labels": {answer.value: answer.label for answer in Answer}}


def saved_tokens() -> list[str]:
    """Tokens of the checklists saved in this browser."""
    return services.read_saved_tokens(request.cookies.get(COOKIE_NAME), current_app.config["SECRET_KEY"])


def remember_tokens(response: BaseResponse, tokens: list[str]) -> BaseResponse:
    """Store the browser's checklist tokens in its signed cookie."""
    response.set_cookie(
        COOKIE_NAME,
        services.dump_saved_tokens(tokens, current_app.config["SECRET_KEY"]),
        max_age=COOKIE_MAX_AGE,
        httponly=True,
        samesite="Lax",
        secure=current_app.config.get("SESSION_COOKIE_SECURE", False),
    )
    return response


def checklist_or_404(token: str) -> Checklist:
    checklist = services.find_checklist(token)
    if checklist is None:
        raise ChecklistNotFound()
    return checklist


def render_form(form, version: ChecklistVersion, checklist=None, status: int = 200, **context):
    where = services.where_it_hurts(services.known_regions(form.regions.data or []))
    return render_template(
        "checklists/form.html", form=form, version=version, checklist=checklist, where=where, **context
    ), status


def new_form(form_class, entry: services.ChecklistEntry):
    """A form for a new checklist showing `entry`, with a fresh one-time submission key."""
    form = form_class.from_entry(entry)
    form.submission_key.data = services.new_submission_key(current_app.config["SECRET_KEY"])
    return form


@bp.route("/checklists/new", methods=["GET", "POST"])
def new():
    """Start a checklist, for a directory therapist (?therapist=slug) or one typed in, and where it hurts
    (?regions=slug, repeated) when started from a search."""
    slug = storable_or_empty(request.values.get("therapist"))
    therapist = get_published(slug) if slug else None
    version = services.current_version()
    form_class = checklist_form_class(version)
    if request.method == "GET":
        saved = services.saved_checklists(saved_tokens()) if therapist else []
        entry = services.entry_for_therapist(therapist, regions_asked_for(request.args))
        return render_form(new_form(form_class, entry), version,
                           therapist=therapist, saved_before=services.saved_for_therapist(saved, therapist))
    form = form_class()
    secret = current_app.config["SECRET_KEY"]
    token = services.token_for_submission(form.submission_key.data, secret)
    if token is None:
        # A form without a key this site issued (from before keys, or tampered with) still saves, once.
        form.submission_key.data = services.new_submission_key(secret)
        token = services.token_for_submission(form.submission_key.data, secret)
    if not form.validate():
        return render_form(form, version, therapist=therapist, status=422)
    submitted = services.save_submission(form.to_entry(), token, therapist)
    if submitted.created:
        flash("Your checklist is saved. Keep the private link below: it is the only way back to it.", "success")
    else:
        flash("This form was saved already, so nothing was saved twice: here is your checklist. "
              "To change it, choose Edit.", "success")
    response = redirect(url_for("checklists.show", token=submitted.token))
    return remember_tokens(response, [submitted.token, *saved_tokens()])


@bp.get("/checklists/marks")
def marks():
    """The questions that matter most for the regions ticked (?regions=slug, repeated), each with why: the
    form's script marks them as the person ticks; without it they are marked once saved."""
    return jsonify(services.where_it_hurts(regions_asked_for(request.args)).marked)


@bp.get("/checklists/<token>")
def show(token: str):
    """A saved checklist, with its private link."""
    checklist = checklist_or_404(token)
    return render_template(
        "checklists/show.html",
        checklist=checklist,
        token=token,
        key_points=services.key_points_met(checklist),
        where=services.where_it_hurts(checklist.regions),
        private_link=url_for("checklists.show", token=token, _external=True),
        listed_here=token in saved_tokens(),
    )


@bp.post("/checklists/<token>/remember")
def remember(token: str):
    """Add a checklist opened through its link to this browser's My checklists."""
    checklist_or_404(token)
    flash("Added to My checklists on this device.", "success")
    return remember_tokens(redirect(url_for("checklists.show", token=token)), [token, *saved_tokens()])


@bp.route("/checklists/<token>/edit", methods=["GET", "POST"])
def edit(token: str):
    """Change a saved checklist."""
    checklist = checklist_or_404(token)
    form_class = checklist_form_class(checklist.version)
    if request.method == "GET":
        form = form_class.from_entry(services.entry_from_checklist(checklist))
        return render_form(form, checklist.version, checklist, token=token)
    form = form_class()
    if not form.validate():
        return render_form(form, checklist.version, checklist, status=422, token=token)
    services.update_checklist(checklist, form.to_entry())
    flash("Your changes are saved.", "success")
    return redirect(url_for("checklists.show", token=token))


@bp.get("/checklists/<token>/duplicate")
def duplicate(token: str):
    """A fresh checklist for another therapist: the questions and answer choices, no answers or notes unless
    asked for (?notes=copy), and then labelled with whom they were about."""
    source = checklist_or_404(token)
    with_notes = request.args.get("notes") == "copy"
    version = services.current_version()
    form = new_form(checklist_form_class(version), services.entry_for_another_therapist(source, with_notes))
    return render_form(form, version, source=source, source_token=token, with_notes=with_notes)


@bp.route("/checklists/<token>/delete", methods=["GET", "POST"])
def delete(token: str):
    """Confirm, then delete a checklist for good."""
    checklist = checklist_or_404(token)
    if request.method == "GET":
        return render_template("checklists/delete.html", checklist=checklist, token=token)
    services.delete_checklist(checklist)
    flash("The checklist is deleted.", "success")
    response = redirect(url_for("checklists.mine"))
    return remember_tokens(response, [t for t in saved_tokens() if t != token])


@bp.get("/checklists/<token>/print")
def print_filled(token: str):
    """A filled checklist laid out for paper."""
    checklist = checklist_or_404(token)
    return render_template(
        "checklists/print.html",
        version=checklist.version,
        checklist=checklist,
        key_points=services.key_points_met(checklist),
        where=services.where_it_hurts(checklist.regions),
    )


@bp.get("/checklist/print")
def print_blank():
    """A blank checklist to print and take along; where it hurts at the top when asked (?regions=slug)."""
    return render_template("checklists/print.html", version=services.current_version(), checklist=None,
                           where=services.where_it_hurts(regions_asked_for(request.args)))


@bp.get("/therapists/<slug>/checklist/print")
def print_blank_for_therapist(slug: str):
    """A blank checklist with a directory therapist's details at the top."""
    therapist = get_published(slug)
    if therapist is None:
        abort(404)
    return render_template(
        "checklists/print.html", version=services.current_version(), checklist=None, therapist=therapist,
        where=services.where_it_hurts(regions_asked_for(request.args)),
    )


@bp.get("/checklists/mine")
def mine():
    """The checklists saved in this browser."""
    tokens = saved_tokens()
    saved = services.saved_checklists(tokens)
    response = Response(render_template("checklists/mine.html", saved=saved))
    if len(saved) != len(tokens) and request.cookies.get(COOKIE_NAME):
        # Forget links whose checklists were deleted (or a cookie that failed its signature check).
        remember_tokens(response, [token for token, _ in saved])
    return response


@bp.get("/checklists/compare")
def compare():
    """Two to four of my checklists side by side."""
    saved = services.saved_checklists(saved_tokens())
    wanted = [int(i) for i in request.args.getlist("id") if i.isdigit() and len(i) < 12]
    chosen = services.checklists_to_compare(saved, wanted)
    if not services.COMPARE_MIN <= len(chosen) <= services.COMPARE_MAX:
        flash(
            f"Choose between {services.COMPARE_MIN} and {services.COMPARE_MAX} of your checklists to compare.",
            "error",
        )
        return redirect(url_for("checklists.mine"))
    return render_template(
        "checklists/compare.html",
        chosen=chosen,
        rows=services.compare_rows(chosen),
        key_points=[services.key_points_met(c) for c in chosen],
        wheres=[services.where_it_hurts(c.regions) for c in chosen],
    )


def _download(body: str, mimetype: str, filename: str) -> Response:
    return Response(body, mimetype=mimetype, headers={"Content-Disposition": f'attachment; filename="{filename}"'})


@bp.get("/checklists/<token>/export.<fmt>")
def export_one(token: str, fmt: str):
    """Download one checklist as CSV or JSON."""
    return _export([checklist_or_404(token)], fmt, "interview-checklist")


@bp.get("/checklists/mine/export.<fmt>")
def export_mine(fmt: str):
    """Download all my checklists as CSV or JSON."""
    return _export([c for _, c in services.saved_checklists(saved_tokens())], fmt, "my-interview-checklists")


def _export(checklists, fmt: str, stem: str) -> Response:
    if fmt == "csv":
        return _download(services.export_csv(checklists), "text/csv", f"{stem}.csv")
    if fmt == "json":
        body = json.dumps(services.export_json(checklists), ensure_ascii=False, indent=2)
        return _download(body, "application/json", f"{stem}.json")
    abort(404)


@bp.get("/checklist")
def about():
    """What the checklist is for, its questions, and the ways to start or print one."""
    return render_template("checklists/about.html", version=services.current_version())
