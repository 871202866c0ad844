"""The OpenAPI 3.1 description of /api/v1, served at /api/v1/openapi.json."""
from __future__ import annotations

from typing import Any

from directory.listings.rules import SESSION_LENGTH_CHOICES
from directory.search.offers import MAX_PRICE, NMT_WORDS, load_languages
from directory.search.params import MAX_PLACE_LENGTH, MAX_TEXT_LENGTH, RADIUS_CHOICES


def _error_response(description: str) -> dict[str, Any]:
    return {"description": description, "content": {"application/json": {"schema": {"$ref": "#/components/schemas/Error"}}}}


def _query(name: str, description: str, schema: dict[str, Any], explode: bool = False) -> dict[str, Any]:
    parameter = {"name": name, "in": "query", "required": False, "description": description, "schema": schema}
    if explode:
        parameter |= {"style": "form", "explode": True}
    return parameter


# The longest value of each query parameter: the document states it and the API refuses longer ones.
PARAMETER_MAX_LENGTHS = {"near": MAX_PLACE_LENGTH, "q": MAX_TEXT_LENGTH}
PLACES_MAX_LENGTHS = {"q": MAX_PLACE_LENGTH}
PLACE_KINDS = ["zip", "city", "neighbourhood", "address", "place"]

_NULLABLE_STRING = {"type": ["string", "null"]}

SCHEMAS: dict[str, Any] = {
    "Error": {
        "type": "object",
        "required": ["error"],
        "properties": {
            "error": {
                "type": "object",
                "required": ["status", "message"],
                "properties": {
                    "status": {"type": "integer"},
                    "message": {"type": "string"},
                    "candidates": {
                        "type": "array",
                        "description": "For a place that matches several, or none: the places it may mean, "
                        "most likely first (\"Did you mean\"); for a state typed alone: its largest places.",
                        "items": {"$ref": "#/components/schemas/Place"},
                    },
                },
            }
        },
    },
    "Place": {
        "type": "object",
        "required": ["label", "latitude", "longitude", "kind"],
        "properties": {
            "label": {"type": "string", "description": "What the place is called, as the search shows it; "
                      "searching for it finds this place."},
            "latitude": {"type": "number", "minimum": -90, "maximum": 90},
            "longitude": {"type": "number", "minimum": -180, "maximum": 180},
            "kind": {"enum": PLACE_KINDS, "description": "place: from a network geocoder, which does not say."},
        },
    },
    "Location": {
        "type": "object",
        "required": ["city", "state", "latitude", "longitude"],
        "properties": {
            "street": {"type": "string"},
            "city": {"type": "string"},
            "state": {"type": "string"},
            "postal_code": {"type": "string"},
            "country": {"type": "string"},
            "latitude": {"type": "number", "minimum": -90, "maximum": 90},
            "longitude": {"type": "number", "minimum": -180, "maximum": 180},
        },
    },
    "TherapistSummary": {
        "type": "object",
        "required": ["slug", "name", "license_number", "license_state", "modalities", "locations", "url"],
        "properties": {
            "slug": {"type": "string"},
            "name": {"type": "string"},
            "practice_name": _NULLABLE_STRING,
            "credentials": {"type": "array", "items": {"type": "string"}},
            "license_number": {"type": "string"},
            "license_state": {"type": "string"},
            "accepting_new_clients": {"type": "boolean"},
            "mobile": {"type": "boolean"},
            "service_radius_mi": {"type": ["number", "null"]},
            "price_min": {"type": ["integer", "null"]},
            "price_max": {"type": ["integer", "null"]},
            "phone": _NULLABLE_STRING,
            "modalities": {"type": "array", "items": {"type": "string"}},
            "locations": {"type": "array", "items": {"$ref": "#/components/schemas/Location"}},
            "sample_listing": {"type": "boolean"},
            "url": {"type": "string", "format": "uri"},
        },
    },
    "SearchHit": {
        "allOf": [
            {"$ref": "#/components/schemas/TherapistSummary"},
            {
                "type": "object",
                "properties": {
                    "distance": {"type": "number", "minimum": 0, "description": "To the nearest location, in `unit`."},
                    "unit": {"enum": ["mi", "km"]},
                    "visits_your_area": {"type": "boolean"},
                },
            },
        ]
    },
    "TherapistDetail": {
        "allOf": [
            {"$ref": "#/components/schemas/TherapistSummary"},
            {
                "type": "object",
                "required": ["conditions", "updated_at"],
                "properties": {
                    "years_in_practice": {"type": ["integer", "null"]},
                    "training": {"type": "string"},
                    "certifications": {"type": "array", "items": {"type": "string"}},
                    "bio": {"type": "string"},
                    "email": _NULLABLE_STRING,
                    "website": _NULLABLE_STRING,
                    "session_lengths": {"type": "array", "items": {"type": "integer"}},
                    "languages": {"type": "array", "items": {"type": "string"}},
                    "conditions": {"type": "array", "items": {"type": "string"}},
                    "updated_at": {"type": "string", "format": "date-time"},
                },
            },
        ]
    },
    "SearchResults": {
        "type": "object",
        "required": ["total", "page", "pages", "links", "results", "unit", "notices"],
        "properties": {
            "place": {
                "type": ["object", "null"],
                "properties": {
                    "address": {"type": "string"},
                    "latitude": {"type": "number"},
                    "longitude": {"type": "number"},
                },
            },
            "radius": {"type": ["integer", "null"], "enum": [*RADIUS_CHOICES, None]},
            "unit": {"enum": ["mi", "km"]},
            "total": {"type": "integer", "minimum": 0},
            "page": {"type": "integer", "minimum": 1},
            "pages": {"type": "integer", "minimum": 1},
            "links": {
                "type": "object",
                "required": ["self", "first", "last"],
                "additionalProperties": {"type": "string", "format": "uri"},
            },
            "notices": {"type": "array", "items": {"type": "string"}},
            "results": {"type": "array", "maxItems": 20, "items": {"$ref": "#/components/schemas/SearchHit"}},
            "nearest_elsewhere": {"type": "array", "items": {"$ref": "#/components/schemas/SearchHit"}},
            "applied": {
                "type": ["object", "null"],
                "description": "For ticked `regions`: the regions, the filters they set that the search used, "
                "and why, in plain words. Null without regions.",
                "required": ["regions", "conditions", "therapies", "reasons"],
                "properties": {
                    "regions": {"type": "array", "items": {"type": "string"}},
                    "conditions": {"type": "array", "items": {"type": "string"}},
                    "therapies": {"type": "array", "items": {"type": "string"}},
                    "reasons": {"type": "array", "items": {"type": "string"}},
                },
            },
        },
    },
    "Region": {
        "type": "object",
        "required": ["slug", "area", "side", "label", "view"],
        "properties": {
            "slug": {"type": "string", "description": "The value for `regions`, e.g. neck-right."},
            "area": {"type": "string"},
            "side": {"enum": ["left", "right"], "description": "The person's own left or right."},
            "label": {"type": "string"},
            "view": {"enum": ["front", "back"], "description": "Where the site's drawing shows it."},
        },
    },
    "Vocabulary": {
        "type": "object",
        "required": ["slug", "name", "description"],
        "properties": {
            "slug": {"type": "string"},
            "name": {"type": "string"},
            "description": {"type": "string"},
            "parent": _NULLABLE_STRING,
        },
    },
}

SEARCH_PARAMETERS = [
    _query("near", "A ZIP code, \"City, ST\" or street address. Without it, all listings by state and name.",
           {"type": "string", "maxLength": PARAMETER_MAX_LENGTHS["near"]}),
    _query("radius", f"Search radius: one of {', '.join(map(str, RADIUS_CHOICES))}. Other values are corrected, "
           "with a notice.", {"type": "string"}),
    _query("unit", "mi (default) or km: for the radius and the distances.", {"type": "string"}),
    _query("modality", "A therapy slug; repeat for more. A therapist must offer all of them "
           "(of lineages of one therapy, such as nmt-st-john and nmt-american, any one).",
           {"type": "array", "items": {"type": "string"}}, explode=True),
    _query("condition", "A condition slug; repeat for more. A therapist must treat at least one.",
           {"type": "array", "items": {"type": "string"}}, explode=True),
    _query("accepting", "1 to list only therapists accepting new clients.", {"type": "string"}),
    _query("q", "Part of a name or practice name.", {"type": "string", "maxLength": PARAMETER_MAX_LENGTHS["q"]}),
    _query("page", "Page number, 20 results a page.", {"type": "string"}),
    _query("regions", "Where it hurts: a region slug from /regions; repeat for more. Adds the conditions and "
           "therapy those regions stand for (see `applied` in the answer); unknown slugs are left out with a notice.",
           {"type": "array", "items": {"type": "string"}}, explode=True),
    _query("applied", "Regions whose filters the request already holds (as the `links` carry them): their "
           "filters are not added again, so a filter taken off stays off.",
           {"type": "array", "items": {"type": "string"}}, explode=True),
]


def _offer_parameters() -> list[dict[str, Any]]:
    """The filters on what a listing offers (issue 17); bad values are left out or corrected, with a notice."""
    languages = ", ".join(f"{language.slug} ({language.name})" for language in load_languages())
    lengths = ", ".join(str(n) for n in SESSION_LENGTH_CHOICES)
    return [
        _query("max_price", "Highest price per session, in whole US dollars (1 to "
               f"{MAX_PRICE:,}): a listing's lowest price for one session must be at or under it; listings "
               "without a price are left out.", {"type": "string"}),
        _query("language", f"A language slug; repeat for more. A therapist must speak all of them. One of: {languages}.",
               {"type": "array", "items": {"type": "string"}}, explode=True),
        _query("session_length", f"Session length in minutes ({lengths}); repeat for more. A therapist must offer all "
               "of them.", {"type": "array", "items": {"type": "string"}}, explode=True),
        _query("home_visits", "1 to list only mobile therapists whose service area reaches the place "
               "(without `near`: every mobile therapist).", {"type": "string"}),
        _query("nmt_training", "1 to list only therapists with NMT training on file: their training or "
               f"certifications name {' or '.join(repr(w) for w in NMT_WORDS)} (any case; either NMT lineage).",
               {"type": "string"}),
    ]


def openapi_document(server_url: str) -> dict[str, Any]:
    """The API description, with `server_url` as its server."""
    return {
        "openapi": "3.1.0",
        "info": {
            "title": "KnotFree Directory API",
            "version": "1.0.0",
            "description": "Published massage therapist listings: search by place and filters, profiles and vocabularies. "
            "Read-only; CORS is open for GET.",
        },
        "servers": [{"url": server_url}],
        "externalDocs": {
            "description": "Every published listing as Open Referral HSDS 3.0 open data (CSV tables and JSON, zipped)",
            "url": server_url.rsplit("/api/", 1)[0] + "/open-data/hsds.zip",
        },
        "paths": {
            "/therapists": {
                "get": {
                    "operationId": "searchTherapists",
                    "summary": "Search published therapists, nearest first when a place is given",
                    "parameters": SEARCH_PARAMETERS + _offer_parameters(),
                    "responses": {
                        "200": {
                            "description": "A page of results",
                            "content": {"application/json": {"schema": {"$ref": "#/components/schemas/SearchResults"}}},
                            "links": {
                                "firstResult": {
                                    "operationId": "getTherapist",
                                    "description": "The first result's profile",
                                    "parameters": {"slug": "$response.body#/results/0/slug"},
                                }
                            },
                        },
                        "400": _error_response(
                            "A parameter is longer than its maxLength, or the place could not be found, matches "
                            "several places or is only a state (the places it may mean are listed as `candidates`)"
                        ),
                    },
                }
            },
            "/places": {
                "get": {
                    "operationId": "completePlace",
                    "summary": "Type-ahead: up to 10 places whose names (or ZIP codes) start with `q`, most populous first",
                    "parameters": [
                        _query("q", "The start of a place name (\"St. Pete\", \"Hyde Park, Chi\") or ZIP code. "
                               "Empty: no places.", {"type": "string", "maxLength": PLACES_MAX_LENGTHS["q"]}),
                    ],
                    "responses": {
                        "200": {
                            "description": "The places, best first",
                            "content": {"application/json": {"schema": {
                                "type": "object",
                                "required": ["places"],
                                "properties": {"places": {"type": "array", "maxItems": 10,
                                                          "items": {"$ref": "#/components/schemas/Place"}}},
                            }}},
                        },
                        "400": _error_response("`q` is longer than its maxLength"),
                    },
                }
            },
            "/therapists/{slug}": {
                "get": {
                    "operationId": "getTherapist",
                    "summary": "One published therapist",
                    "parameters": [{"name": "slug", "in": "path", "required": True, "schema": {"type": "string"}}],
                    "responses": {
                        "200": {
                            "description": "The therapist",
                            "content": {"application/json": {"schema": {"$ref": "#/components/schemas/TherapistDetail"}}},
                        },
                        "404": _error_response("No published therapist has that slug"),
                    },
                }
            },
            "/modalities": {
                "get": {
                    "operationId": "listModalities",
                    "summary": "Every therapy, parents before their lineages",
                    "responses": {"200": _list_response("modalities")},
                }
            },
            "/regions": {
                "get": {
                    "operationId": "listRegions",
                    "summary": "Every body region a search can tick as `regions`, in display order",
                    "responses": {"200": {
                        "description": "All regions",
                        "content": {"application/json": {"schema": {
                            "type": "object",
                            "required": ["regions"],
                            "properties": {"regions": {"type": "array",
                                                       "items": {"$ref": "#/components/schemas/Region"}}},
                        }}},
                    }},
                }
            },
            "/conditions": {
                "get": {
                    "operationId": "listConditions",
                    "summary": "Every condition",
                    "responses": {"200": _list_response("conditions")},
                }
            },
        },
        "components": {"schemas": SCHEMAS},
    }


def _list_response(key: str) -> dict[str, Any]:
    return {
        "description": f"All {key}",
        "content": {
            "application/json": {
                "schema": {
                    "type": "object",
                    "required": [key],
                    "properties": {key: {"type": "array", "items": {"$ref": "#/components/schemas/Vocabulary"}}},
                }
            }
        },
    }
