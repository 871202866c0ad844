"""Export published listings as HSDS 3.0.0 CSV tables and as HSDS service objects in JSON.

Each therapist is an organization offering one service at one or more locations, with one phone;
languages are language records, modalities and conditions are taxonomy terms attached by attributes.
"""
from __future__ import annotations

import csv
import io
import json
from pathlib import Path
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import selectinload

from directory.extensions import db
from directory.opendata.tables import COLUMNS, TABLES, VOCABULARIES, filename, hsds_id
from directory.spreadsheet import escape_cell
from directory.therapists.models import Condition, ListingStatus, Location, Modality, Therapist

Row = dict[str, Any]
Tables = dict[str, list[Row]]
JSON_FILE = "hsds.json"


def _published() -> list[Therapist]:
    return list(
        db.session.scalars(
            select(Therapist)
            .where(Therapist.status == ListingStatus.PUBLISHED.value)
            .order_by(Therapist.slug)
            .options(
                selectinload(Therapist.locations),
                selectinload(Therapist.modalities),
                selectinload(Therapist.conditions),
            )
        )
    )


def term_id(vocabulary: str, slug: str) -> str:
    """The HSDS id of a modality's or condition's taxonomy term."""
    return hsds_id("taxonomy_term", vocabulary, slug)


def _vocabulary_rows(tables: Tables) -> None:
    for vocabulary, description in VOCABULARIES.items():
        tables["taxonomies"].append(
            {"id": hsds_id("taxonomy", vocabulary), "name": vocabulary, "description": description}
        )
    modalities = db.session.scalars(select(Modality).options(selectinload(Modality.parent)).order_by(Modality.position))
    conditions = db.session.scalars(select(Condition).order_by(Condition.position))
    for vocabulary, terms in (("modalities", list(modalities)), ("conditions", list(conditions))):
        for term in terms:
            parent = getattr(term, "parent", None)
            tables["taxonomy_terms"].append(
                {"id": term_id(vocabulary, term.slug), "code": term.slug, "name": term.name,
                 # HSDS requires a description; a term without one is described by its name.
                 "description": term.description or term.name,
                 "parent_id": term_id(vocabulary, parent.slug) if parent else None,
                 "taxonomy": vocabulary, "taxonomy_id": hsds_id("taxonomy", vocabulary)}
            )


def _service_row(t: Therapist, organization_id: str, service_id: str) -> Row:
    fees = f"${t.price_min}–${t.price_max} per session" if t.price_min and t.price_max else None
    return {
        "id": service_id, "organization_id": organization_id, "name": f"Massage therapy with {t.name}",
        "description": t.training, "url": t.website, "email": t.email, "status": "active",
        "fees_description": fees, "accreditations": "; ".join(t.credentials) or None,
        "licenses": f"{t.license_state} {t.license_number}",
        "x_slug": t.slug, "x_therapist_name": t.name, "x_practice_name": t.practice_name,
        "x_credentials": t.credentials, "x_license_number": t.license_number, "x_license_state": t.license_state,
        "x_years_in_practice": t.years_in_practice, "x_certifications": t.certifications,
        "x_price_min": t.price_min, "x_price_max": t.price_max, "x_session_lengths": t.session_lengths,
        "x_accepting_new_clients": t.accepting_new_clients, "x_mobile": t.mobile,
        "x_service_radius_mi": t.service_radius_mi, "x_sample": t.is_sample,
    }


def _location_rows(t: Therapist, location: Location, organization_id: str, service_id: str, tables: Tables) -> None:
    location_id = hsds_id("location", t.slug, location.position)
    parts = {"street": location.street, "city": location.city, "state": location.state,
             "postal_code": location.postal_code, "country": location.country}
    # HSDS requires a street and a postal code in an address; an address without them stays on the location.
    complete = bool(location.street and location.postal_code)
    tables["locations"].append(
        {"id": location_id, "location_type": "physical", "organization_id": organization_id,
         "name": t.practice_name or t.name, "latitude": location.latitude, "longitude": location.longitude,
         "x_position": location.position, "x_partial_address": None if complete else parts}
    )
    if complete:
        tables["addresses"].append(
            {"id": hsds_id("address", t.slug, location.position), "location_id": location_id,
             "address_1": location.street, "city": location.city, "state_province": location.state,
             "postal_code": location.postal_code, "country": location.country, "address_type": "physical"}
        )
    tables["service_at_location"].append(
        {"id": hsds_id("service_at_location", t.slug, location.position), "service_id": service_id,
         "location_id": location_id}
    )


def _listing_rows(t: Therapist, tables: Tables) -> None:
    organization_id, service_id = hsds_id("organization", t.slug), hsds_id("service", t.slug)
    name = t.practice_name or t.name
    tables["organizations"].append(
        # HSDS requires a description; a listing without a bio is described by its name.
        {"id": organization_id, "name": name, "alternate_name": t.name, "description": t.bio or name,
         "email": t.email, "website": t.website}
    )
    tables["services"].append(_service_row(t, organization_id, service_id))
    for location in t.locations:
        _location_rows(t, location, organization_id, service_id, tables)
    if t.phone:
        tables["phones"].append({"id": hsds_id("phone", t.slug), "service_id": service_id, "number": t.phone,
                                 "type": "voice"})
    for index, language in enumerate(t.languages):
        tables["languages"].append({"id": hsds_id("language", t.slug, index), "service_id": service_id,
                                    "name": language})
    for vocabulary, terms in (("modalities", t.modalities), ("conditions", t.conditions)):
        for term in terms:
            tables["attributes"].append(
                {"id": hsds_id("attribute", t.slug, vocabulary, term.slug), "link_id": service_id,
                 "taxonomy_term_id": term_id(vocabulary, term.slug), "link_type": vocabulary,
                 "link_entity": "service"}
            )


def export_tables() -> Tables:
    """Every published listing, and the vocabularies, as rows of the HSDS tables (values as Python values)."""
    tables: Tables = {name: [] for name in TABLES}
    _vocabulary_rows(tables)
    for therapist in _published():
        _listing_rows(therapist, tables)
    return tables


def _cell(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, bool):
        return str(value).lower()
    if isinstance(value, (int, float)):
        return repr(value)
    if isinstance(value, (list, dict)):
        return json.dumps(value, ensure_ascii=False)
    return escape_cell(value)


def _csv(table: str, rows: list[Row]) -> str:
    buffer = io.StringIO()
    writer = csv.writer(buffer)
    writer.writerow(COLUMNS[table])
    writer.writerows([_cell(row.get(column)) for column in COLUMNS[table]] for row in rows)
    return buffer.getvalue()


def _present(row: Row) -> Row:
    # JSON leaves out what is empty: HSDS types "" as a bad email or uri, not as missing.
    return {key: value for key, value in row.items() if value is not None and value != ""}


def _by(rows: list[Row], key: str) -> dict[str, list[Row]]:
    grouped: dict[str, list[Row]] = {}
    for row in rows:
        grouped.setdefault(row[key], []).append(_present(row))
    return grouped


def service_documents(tables: Tables) -> list[Row]:
    """Each service as an HSDS service object with its organization, locations, phones, languages and attributes."""
    organizations = {row["id"]: _present(row) for row in tables["organizations"]}
    locations = {row["id"]: _present(row) for row in tables["locations"]}
    terms = {row["id"]: _present(row) for row in tables["taxonomy_terms"]}
    addresses, phones = _by(tables["addresses"], "location_id"), _by(tables["phones"], "service_id")
    languages, attributes = _by(tables["languages"], "service_id"), _by(tables["attributes"], "link_id")
    at_locations = _by(tables["service_at_location"], "service_id")
    return [
        {**_present(service), "organization": organizations[service["organization_id"]],
         "service_at_locations": [
             {**link, "location": {**locations[link["location_id"]],
                                   "addresses": addresses.get(link["location_id"], [])}}
             for link in at_locations.get(service["id"], [])
         ],
         "phones": phones.get(service["id"], []), "languages": languages.get(service["id"], []),
         "attributes": [{**attribute, "taxonomy_term": terms[attribute["taxonomy_term_id"]]}
                        for attribute in attributes.get(service["id"], [])]}
        for service in tables["services"]
    ]


def export_files() -> tuple[dict[str, str], dict[str, int]]:
    """The export's files (name to text), and how many rows each table has."""
    tables = export_tables()
    files = {filename(name): _csv(name, rows) for name, rows in tables.items()}
    files[JSON_FILE] = json.dumps(service_documents(tables), ensure_ascii=False, indent=1)
    return files, {name: len(rows) for name, rows in tables.items()}


def export_directory(target: str | Path) -> dict[str, int]:
    """Write the HSDS CSV tables and hsds.json into `target`; answer the row count of each table."""
    target = Path(target)
    target.mkdir(parents=True, exist_ok=True)
    files, counts = export_files()
    for name, text in files.items():
        (target / name).write_text(text, encoding="utf-8", newline="")
    return counts
