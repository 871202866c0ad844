"""The HSDS 3.0.0 tables this directory writes and reads: their columns, file names and stable ids.

The columns before the `x_` ones are HSDS's own, in the order of HSDS's datapackage.json (a test checks
them against the official schema). `x_` columns hold what HSDS has no field for. `programs` and
`contacts` stay empty: they are written because phones and services may refer to them.
"""
from __future__ import annotations

import uuid
from typing import Any

COLUMNS: dict[str, tuple[str, ...]] = {
    "organizations": (
        "id", "name", "alternate_name", "description", "email", "website", "tax_status", "tax_id",
        "year_incorporated", "legal_status", "logo", "uri", "parent_organization_id",
    ),
    "programs": ("id", "organization_id", "name", "alternate_name", "description"),
    "services": (
        "id", "organization_id", "program_id", "name", "alternate_name", "description", "url", "email", "status",
        "interpretation_services", "application_process", "fees_description", "wait_time", "fees",
        "accreditations", "eligibility_description", "minimum_age", "maximum_age", "assured_date",
        "assurer_email", "licenses", "alert", "last_modified",
        "x_slug", "x_therapist_name", "x_practice_name", "x_credentials", "x_license_number",
        "x_license_state", "x_years_in_practice", "x_certifications", "x_price_min", "x_price_max",
        "x_session_lengths", "x_accepting_new_clients", "x_mobile", "x_service_radius_mi", "x_sample",
    ),
    "locations": (
        "id", "location_type", "url", "organization_id", "name", "alternate_name", "description",
        "transportation", "latitude", "longitude", "external_identifier", "external_identifier_type",
        "x_position", "x_partial_address",
    ),
    "addresses": (
        "id", "location_id", "attention", "address_1", "address_2", "city", "region", "state_province",
        "postal_code", "country", "address_type",
    ),
    "service_at_location": ("id", "service_id", "location_id", "description"),
    "phones": (
        "id", "location_id", "service_id", "organization_id", "contact_id", "service_at_location_id", "number",
        "extension", "type", "description",
    ),
    "contacts": (
        "id", "organization_id", "service_id", "service_at_location_id", "location_id", "name", "title",
        "department", "email",
    ),
    "languages": ("id", "service_id", "location_id", "phone_id", "name", "code", "note"),
    "taxonomies": ("id", "name", "description", "uri", "version"),
    "taxonomy_terms": (
        "id", "code", "name", "description", "parent_id", "taxonomy", "language", "taxonomy_id", "term_uri",
    ),
    "attributes": ("id", "link_id", "taxonomy_term_id", "link_type", "link_entity", "value"),
}
TABLES = tuple(COLUMNS)
# Our two vocabularies, as HSDS taxonomies whose terms are attached to services by attribute records.
VOCABULARIES = {
    "modalities": "Massage therapies and techniques offered (KnotFree Directory)",
    "conditions": "Conditions a therapist says they treat (KnotFree Directory)",
}

# Stable ids: the same therapist always exports with the same HSDS ids.
_NAMESPACE = uuid.UUID("6f1c3c56-8d0e-4c57-9a55-2b7f3b1d9e11")


def filename(table: str) -> str:
    """The CSV file a table is written to."""
    return f"{table}.csv"


def hsds_id(kind: str, *parts: Any) -> str:
    """A UUID that is the same for the same thing in every export."""
    return str(uuid.uuid5(_NAMESPACE, "/".join([kind, *map(str, parts)])))
