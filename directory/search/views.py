"""Home page and search results."""
from flask import Blueprint, current_app, render_template, request

from directory.geo.geocoders import offline_geocoder
from directory.search.forms import SearchForm
from directory.search.services import (
    PAGE_SIZE,
    SearchParams,
    load_vocabulary,
    parse_search_args,
    resolve_place,
    search_therapists,
)

bp = Blueprint("search", __name__)


def place_lookup(near: str):
    """Resolve `near` with the configured geocoder; close spellings come from the bundled data."""
    return resolve_place(current_app.extensions["geocoder"], near, offline_geocoder())


@bp.get("/")
def home():
    """The search box, quick links and why to look for NMT and interview first."""
    vocabulary = load_vocabulary()
    form = SearchForm.for_search(SearchParams(), vocabulary)
    return render_template("search/home.html", form=form, vocabulary=vocabulary)


@bp.get("/search")
def results():
    """Therapists near a place (nearest first), or all of them by state when no place is given."""
    vocabulary = load_vocabulary()
    params, notices = parse_search_args(request.args, vocabulary)
    lookup = place_lookup(params.near) if params.near else None
    found = None
    if lookup is None or lookup.place is not None:
        point = (lookup.place.latitude, lookup.place.longitude) if lookup else None
        found = search_therapists(params, vocabulary, point)
        notices += found.notices
    return render_template(
        "search/results.html",
        form=SearchForm.for_search(params, vocabulary),
        params=params,
        vocabulary=vocabulary,
        lookup=lookup,
        results=found,
        notices=notices,
        page_size=PAGE_SIZE,
    )
