"""Home page and search results."""
from flask import Blueprint, current_app, render_template, request

from directory.geo.geocoders import offline_geocoder
from directory.search.forms import SearchForm
from directory.search.refine import active_filters, relaxations
from directory.search.regions import pain_map
from directory.search.params import SearchParams, parse_search_args
from directory.search.services import PAGE_SIZE, Found, find
from directory.search.vocabulary import load_vocabulary
from directory.templating import query_string

bp = Blueprint("search", __name__)


@bp.get("/")
def home():
    """The search box, quick links and why to look for NMT and interview first."""
    vocabulary = load_vocabulary()
    pains = pain_map()
    form = SearchForm.for_search(SearchParams(), vocabulary, pains=pains)
    return render_template("search/home.html", form=form, vocabulary=vocabulary, pains=pains)


@bp.get("/search")
def results():
    """Therapists near a place (nearest first), or all of them by state when no place is given."""
    vocabulary = load_vocabulary()
    pains = pain_map()
    params, notices = parse_search_args(request.args, vocabulary, pains)
    # Close spellings come from the bundled place data, whichever geocoder is configured.
    outcome = find(params, vocabulary, current_app.extensions["geocoder"], offline_geocoder())
    found = outcome if isinstance(outcome, Found) else None
    return render_template(
        "search/results.html",
        form=SearchForm.for_search(params, vocabulary, found.results if found else None, pains=pains),
        params=params,
        pains=pains,
        guide=pains.guide(params.regions),
        vocabulary=vocabulary,
        located=found.located if found else None,
        failure=None if found else outcome,
        results=found.results if found else None,
        notices=notices + (found.results.notices if found else []),
        page_size=PAGE_SIZE,
        active=active_filters(params, vocabulary),
        relaxations=relaxations(params, vocabulary, found) if found else [],
        # Result links carry the search, so that a profile can lead back to it.
        search_query=query_string(params.query_args()),
    )
