"""/api/v1: the search and the vocabularies as JSON."""
from typing import Any

from flask import Blueprint, Response, abort, current_app, jsonify, request, url_for

from directory.api.openapi import PARAMETER_MAX_LENGTHS, PLACES_MAX_LENGTHS, openapi_document
from directory.api.serializers import (
    applied_json,
    hit_json,
    modality_json,
    place_json,
    region_json,
    therapist_json,
    vocabulary_json,
)
from directory.geo.geocoders import offline_geocoder
from directory.search.places import Ambiguous, NotFound, PlaceFailure, WholeState, place_from
from directory.search.regions import pain_map
from directory.search.params import MAX_PLACE_LENGTH, SearchParams, clean_text, parse_search_args
from directory.search.services import Found, SearchResults, find
from directory.search.vocabulary import load_vocabulary
from directory.therapists.services import get_published

bp = Blueprint("api", __name__, url_prefix="/api/v1")


@bp.after_request
def allow_cross_origin_reads(response: Response) -> Response:
    """Anyone may read the API from a browser (GET only, no credentials)."""
    response.headers["Access-Control-Allow-Origin"] = "*"
    response.headers["Access-Control-Allow-Methods"] = "GET, OPTIONS"
    response.headers["Access-Control-Allow-Headers"] = "Content-Type"
    response.headers["Access-Control-Max-Age"] = "86400"
    return response


@bp.get("/openapi.json")
def openapi():
    """The OpenAPI 3.1 description of this API."""
    return jsonify(openapi_document(url_for("api.openapi", _external=True).rsplit("/", 1)[0]))


def _too_long(args: Any, limits: dict[str, int]) -> Response | None:
    """A 400 for a parameter longer than the document allows (the page's form cuts instead)."""
    for name, limit in limits.items():
        if any(len(value) > limit for value in args.getlist(name)):
            message = f"“{name}” can be at most {limit} characters long."
            return _error(400, message)
    return None


def _error(status: int, message: str, **details: Any) -> Response:
    response = jsonify(error={"status": status, "message": message, **details})
    response.status_code = status
    return response


def _place_error(failure: PlaceFailure) -> Response:
    """The 400 for a place that is unknown, ambiguous or a whole state, with the places it may mean as `candidates`."""
    details: dict[str, Any] = {}
    if isinstance(failure, (NotFound, Ambiguous, WholeState)) and failure.candidates:
        details["candidates"] = [place_json(candidate) for candidate in failure.candidates]
    return _error(400, failure.message, **details)


def _page_links(params: SearchParams, results: SearchResults) -> dict[str, str]:
    def link(page: int) -> str:
        return url_for("api.therapists", _external=True, **params.query_args(page=page))

    links = {"self": link(results.page), "first": link(1), "last": link(results.pages)}
    if results.page > 1:
        links["prev"] = link(min(results.page - 1, results.pages))
    if results.page < results.pages:
        links["next"] = link(results.page + 1)
    return links


@bp.get("/therapists")
def therapists():
    """The same search as /search, as JSON with paging links."""
    refused = _too_long(request.args, PARAMETER_MAX_LENGTHS)
    if refused is not None:
        return refused
    vocabulary = load_vocabulary()
    pains = pain_map()
    params, notices = parse_search_args(request.args, vocabulary, pains)
    # Close spellings come from the bundled place data, whichever geocoder is configured. The answer shows no
    # counts beside the total, so none are taken.
    found = find(params, vocabulary, current_app.extensions["geocoder"], offline_geocoder(), counted=False)
    if not isinstance(found, Found):
        return _place_error(found)
    results, place = found.results, found.located.place if found.located else None
    return jsonify(
        place={"address": place.label, "latitude": place.latitude, "longitude": place.longitude} if place else None,
        radius=params.radius if place else None,
        unit=params.unit,
        total=results.total,
        total_is_at_least=results.capped,
        page=results.page,
        pages=results.pages,
        links=_page_links(params, results),
        notices=notices + results.notices,
        results=[hit_json(hit, params.unit) for hit in results.hits],
        nearest_elsewhere=[hit_json(hit, params.unit) for hit in results.nearest_elsewhere],
        applied=applied_json(params, pains),
    )


@bp.get("/places")
def places():
    """Type-ahead: up to 10 places whose names start with `q`, most populous first."""
    refused = _too_long(request.args, PLACES_MAX_LENGTHS)
    if refused is not None:
        return refused
    prefix, _ = clean_text(request.args.get("q"), MAX_PLACE_LENGTH)
    response = jsonify(places=[place_json(place_from(found)) for found in offline_geocoder().complete(prefix)])
    # The places change only with a new release; a browser may keep each answer for a while.
    response.headers["Cache-Control"] = "public, max-age=3600"
    return response


@bp.get("/therapists/<slug>")
def therapist(slug: str):
    """One published therapist."""
    found = get_published(slug)
    if found is None:
        abort(404, description="No published therapist has that address.")
    return jsonify(therapist_json(found, detail=True))


@bp.get("/modalities")
def modalities():
    """Every modality, parents before their lineages."""
    return jsonify(modalities=[modality_json(m) for m in load_vocabulary().modalities])


@bp.get("/regions")
def regions():
    """Every body region a search can tick, in display order."""
    return jsonify(regions=[region_json(region) for region in pain_map().regions])


@bp.get("/conditions")
def conditions():
    """Every condition."""
    return jsonify(conditions=[vocabulary_json(c) for c in load_vocabulary().conditions])
