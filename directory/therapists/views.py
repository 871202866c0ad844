"""Public therapist profiles."""
from flask import Blueprint, abort, render_template, request

from directory.search.regions import regions_asked_for
from directory.therapists.services import load_profile, profile_json_ld

bp = Blueprint("therapists", __name__, url_prefix="/therapists")


@bp.get("/<slug>")
def profile(slug: str):
    """Everything a client needs to decide whom to call; 404 unless published. Reached from a search with
    regions ticked (?regions=), its checklist links carry them, so the interview marks what matters most."""
    profile = load_profile(slug)
    if profile is None:
        abort(404)
    return render_template("therapists/profile.html", profile=profile, json_ld=profile_json_ld(profile),
                           regions=regions_asked_for(request.args))
