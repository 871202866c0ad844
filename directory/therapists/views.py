"""Public therapist profiles."""
from dataclasses import replace

from flask import Blueprint, abort, render_template, request

from directory.search.regions import pain_map, regions_asked_for
from directory.search.params import SearchParams, parse_search_args
from directory.search.vocabulary import load_vocabulary
from directory.therapists.services import load_profile, profile_json_ld

bp = Blueprint("therapists", __name__, url_prefix="/therapists")


@bp.get("/<slug>")
def profile(slug: str):
    """Everything a client needs to decide whom to call; 404 unless published.

    Opened from search results, the address carries that search (parsed like /search's, never used raw):
    the page leads back to it, and its therapy and condition tags search around the same place. With regions
    ticked (?regions=), its checklist links carry them, so the interview marks what matters most.
    """
    profile = load_profile(slug)
    if profile is None:
        abort(404)
    search = parse_search_args(request.args, load_vocabulary(), pain_map())[0] if request.args else SearchParams()
    around = replace((search if search.near else SearchParams(near=profile.place)).without_filters(), page=1)
    return render_template(
        "therapists/profile.html", profile=profile, json_ld=profile_json_ld(profile),
        regions=regions_asked_for(request.args), back=search.query_args(), around=around,
    )
