"""Public therapist profiles."""
from flask import Blueprint, abort, render_template

from directory.therapists.services import load_profile, profile_json_ld

bp = Blueprint("therapists", __name__, url_prefix="/therapists")


@bp.get("/<slug>")
def profile(slug: str):
    """Everything a client needs to decide whom to call; 404 unless published."""
    profile = load_profile(slug)
    if profile is None:
        abort(404)
    return render_template("therapists/profile.html", profile=profile, json_ld=profile_json_ld(profile))
