"""Import an HSDS 3.0.0 export (this directory's CSV tables) again: validate every row, then upsert by slug.

Vocabulary terms the database lacks are created from taxonomy_terms.csv, so an import works on a
fresh database. A listing whose stored values already match is left alone and counted as unchanged.
"""
from __future__ import annotations

import csv
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Callable

from sqlalchemy import select

from directory.extensions import db
from directory.opendata import fields as f
from directory.opendata.tables import COLUMNS, VOCABULARIES, filename
from directory.spreadsheet import unescape_cell
from directory.listings import rules
from directory.listings.data import SCALAR_FIELDS, ListingData, ProposedLocation, VocabularyTerms, write_listing
from directory.listings.rules import ListingRuleError
from directory.therapists.models import Condition, ListingStatus, Modality, Therapist
from directory.therapists.sync import assign, free_search_bits, take_search_bit, tally

IMPORTED = ("organizations", "services", "locations", "addresses", "service_at_location", "phones", "languages",
            "taxonomies", "taxonomy_terms", "attributes")


@dataclass
class RowError:
    """A row that failed validation: which file, which line, what is wrong."""

    table: str
    line: int
    message: str

    def __str__(self) -> str:
        return f"{filename(self.table)} line {self.line}: {self.message}"


@dataclass
class ImportReport:
    """What an import did, or would have done."""

    errors: list[RowError] = field(default_factory=list)
    created: int = 0
    updated: int = 0
    unchanged: int = 0
    skipped: int = 0
    terms_created: int = 0
    imported: bool = False

    def __str__(self) -> str:
        terms = f"; {self.terms_created} vocabulary term(s) created" if self.terms_created else ""
        return f"{self.created} created, {self.updated} updated, {self.unchanged} unchanged, {self.skipped} skipped{terms}"


@dataclass
class _Row:
    line: int
    values: dict[str, str]

    def get(self, column: str, parse: Callable[[str], Any], problems: list[str]) -> Any:
        try:
            return parse(self.values[column])
        except ListingRuleError as error:
            problems.append(f"{column}: {error}")
        except ValueError as error:
            problems.append(f"{column} {error}")
        return None


def _read(source: Path, table: str, errors: list[RowError]) -> list[_Row]:
    path = source / filename(table)
    if not path.exists():
        errors.append(RowError(table, 0, f"{path.name} is missing"))
        return []
    with open(path, newline="", encoding="utf-8") as handle:
        reader = csv.DictReader(handle)
        missing = [c for c in COLUMNS[table] if c not in (reader.fieldnames or [])]
        if missing:
            errors.append(RowError(table, 1, f"missing columns: {', '.join(missing)}"))
            return []
        # Line numbers as a spreadsheet shows them: the header is line 1.
        return [_Row(reader.line_num, {k: unescape_cell(v or "") for k, v in row.items() if k}) for row in reader]


@dataclass
class _Batch:
    """The rows of one import and what has been made of them so far."""

    rows: dict[str, list[_Row]]
    report: ImportReport
    terms: dict[str, dict[str, Any]] = field(default_factory=dict)
    listings: dict[str, dict[str, Any]] = field(default_factory=dict)
    bad: set[str] = field(default_factory=set)

    def error(self, table: str, row: _Row, problems: list[str], service_id: str | None = None) -> None:
        """Report a bad row; a listing with a bad row is not imported."""
        self.report.errors.append(RowError(table, row.line, "; ".join(problems)))
        if service_id is not None:
            self.bad.add(service_id)

    def listing_of(self, table: str, row: _Row, service_id: str) -> dict[str, Any] | None:
        """The listing a row belongs to, or None (reported if no service has that id)."""
        if service_id not in self.listings and service_id not in self.bad:
            self.error(table, row, ["service_id does not match any service"])
        return None if service_id in self.bad else self.listings.get(service_id)


def _read_terms(batch: _Batch) -> None:
    vocabularies = {}
    for row in batch.rows["taxonomies"]:
        if row.values["name"] not in VOCABULARIES:
            batch.error("taxonomies", row, [f"name must be one of {', '.join(VOCABULARIES)}"])
        vocabularies[row.values["id"]] = row.values["name"]
    for position, row in enumerate(batch.rows["taxonomy_terms"]):
        problems: list[str] = []
        vocabulary = vocabularies.get(row.values["taxonomy_id"])
        if vocabulary not in VOCABULARIES:
            problems.append("taxonomy_id does not match a known taxonomy")
        term = {"vocabulary": vocabulary, "slug": row.get("code", f.slug, problems),
                "name": row.get("name", f.text(120, required=True), problems),
                "description": row.get("description", f.text(5000), problems),
                "parent_id": row.values["parent_id"], "position": position}
        if problems:
            batch.error("taxonomy_terms", row, problems)
        else:
            batch.terms[row.values["id"]] = term


def _listing_from(service: _Row, problems: list[str]) -> dict[str, Any]:
    def get(column: str, parse: Callable[[str], Any]) -> Any:
        return service.get(column, parse, problems)

    return {
        "slug": get("x_slug", f.slug), "name": get("x_therapist_name", f.text(rules.NAME_MAX, required=True)),
        "practice_name": get("x_practice_name", f.text(rules.PRACTICE_MAX)) or None,
        "credentials": get("x_credentials", f.written_list(", ", rules.SHORT_LIST_MAX)) or [],
        "license_number": get("x_license_number", f.text(rules.LICENSE_MAX, required=True)),
        "license_state": get("x_license_state", rules.state),
        "years_in_practice": get("x_years_in_practice", f.optional_int(*rules.YEARS_IN_PRACTICE)),
        "training": get("description", f.text(rules.LONG_TEXT_MAX)),
        "certifications": get("x_certifications", f.written_list("\n", rules.CERTIFICATIONS_MAX)) or [],
        "price_min": get("x_price_min", f.optional_int(*rules.PRICES)),
        "price_max": get("x_price_max", f.optional_int(*rules.PRICES)),
        "session_lengths": get("x_session_lengths", f.session_lengths) or [],
        "accepting_new_clients": get("x_accepting_new_clients", f.boolean), "mobile": get("x_mobile", f.boolean),
        # Imported distances keep their decimals: the form's whole miles are how it asks, not a rule.
        "service_radius_mi": get("x_service_radius_mi", f.optional_float_in(0.1, rules.SERVICE_RADIUS_MI[1])),
        "is_sample": get("x_sample", f.boolean), "email": get("email", f.optional(rules.email)),
        "website": get("url", f.optional(rules.website)),
    }


def _bio(organization: _Row, problems: list[str]) -> str:
    description = organization.get("description", f.text(rules.LONG_TEXT_MAX), problems) or ""
    # The export describes a listing without a bio by its name, as HSDS requires a description.
    return "" if description == organization.values["name"] else description


def _read_services(batch: _Batch) -> None:
    organizations = {row.values["id"]: row for row in batch.rows["organizations"]}
    seen_slugs: set[str] = set()
    for row in batch.rows["services"]:
        problems: list[str] = []
        organization = organizations.get(row.values["organization_id"])
        if organization is None:
            problems.append("organization_id does not match any organization")
        listing = _listing_from(row, problems)
        if listing["slug"] in seen_slugs:
            problems.append(f"x_slug {listing['slug']} appears twice")
        seen_slugs.add(listing["slug"])
        if organization is not None:
            listing["bio"] = _bio(organization, problems)
        if problems:
            batch.error("services", row, problems, row.values["id"])
            continue
        batch.listings[row.values["id"]] = listing | {
            "locations": [], "phone": None, "languages": [], "modalities": [], "conditions": [], "line": row.line,
        }


def _address(row: _Row, addresses: dict[str, _Row], problems: list[str]) -> dict[str, Any]:
    """The location's address, from addresses.csv or else its x_partial_address, checked by the listing rules."""
    address = addresses.get(row.values["id"])
    if address is None:
        parts = row.get("x_partial_address", f.partial_address, problems)
        if parts is None and not problems:
            problems.append("has no address in addresses.csv nor x_partial_address")
        cells, prefix = _Row(row.line, parts or {}), "x_partial_address "
        columns = {"street": "street", "city": "city", "state": "state", "postal_code": "postal_code",
                   "country": "country"}
    else:
        cells, prefix = address, "address "
        columns = {"street": "address_1", "city": "city", "state": "state_province", "postal_code": "postal_code",
                   "country": "country"}
    if not cells.values:
        return {}
    found: list[str] = []
    checks = {"street": f.text(rules.STREET_MAX), "city": f.text(rules.CITY_MAX, True), "state": rules.state,
              "postal_code": rules.postal_code, "country": rules.country}
    parts = {part: cells.get(column, checks[part], found) for part, column in columns.items()}
    problems.extend(prefix + problem for problem in found)
    return parts


def _read_locations(batch: _Batch) -> dict[str, dict[str, Any] | None]:
    """Each location by id, None for a bad one."""
    addresses = {row.values["location_id"]: row for row in batch.rows["addresses"]}
    locations: dict[str, dict[str, Any] | None] = {}
    for row in batch.rows["locations"]:
        problems: list[str] = []
        location = {"latitude": row.get("latitude", f.float_in(-90, 90), problems),
                    "longitude": row.get("longitude", f.float_in(-180, 180), problems),
                    "position": row.get("x_position", f.optional_int(0, 99), problems) or 0,
                    **_address(row, addresses, problems)}
        if problems:
            batch.error("locations", row, problems)
        locations[row.values["id"]] = None if problems else location
    return locations


def _link_locations(batch: _Batch) -> None:
    locations = _read_locations(batch)
    for row in batch.rows["service_at_location"]:
        service_id, location_id = row.values["service_id"], row.values["location_id"]
        if location_id not in locations:
            batch.error("service_at_location", row, ["location_id does not match any location"], service_id)
        elif locations[location_id] is None:
            batch.bad.add(service_id)
        elif (listing := batch.listing_of("service_at_location", row, service_id)) is not None:
            listing["locations"].append(locations[location_id])


def _read_details(batch: _Batch) -> None:
    for row in batch.rows["phones"]:
        problems: list[str] = []
        number = row.get("number", rules.phone, problems)
        if problems:
            batch.error("phones", row, problems, row.values["service_id"])
        elif (listing := batch.listing_of("phones", row, row.values["service_id"])) is not None:
            listing["phone"] = number
    for row in batch.rows["languages"]:
        problems = []
        name = row.get("name", f.text(60, required=True), problems)
        if problems:
            batch.error("languages", row, problems, row.values["service_id"])
        elif (listing := batch.listing_of("languages", row, row.values["service_id"])) is not None:
            listing["languages"].append(name)
    for row in batch.rows["attributes"]:
        term = batch.terms.get(row.values["taxonomy_term_id"])
        if term is None:
            batch.error("attributes", row, ["taxonomy_term_id does not match any taxonomy term"], row.values["link_id"])
        elif (listing := batch.listing_of("attributes", row, row.values["link_id"])) is not None:
            listing[term["vocabulary"]].append(term["slug"])


def _check_complete(batch: _Batch) -> None:
    """The rules across a listing's rows: a location at least, prices in order, a way to reach them..."""
    for service_id, listing in batch.listings.items():
        if service_id in batch.bad:
            continue
        listing["locations"].sort(key=lambda location: location["position"])
        problems = [message for _, message in rules.listing_problems(_listing_data(listing))]
        try:
            rules.written_list(listing["languages"], ", ", rules.SHORT_LIST_MAX)
        except ValueError as error:
            problems.append(f"languages: {error}")
        if problems:
            batch.report.errors.append(RowError("services", listing["line"], "; ".join(problems)))
            batch.bad.add(service_id)


def _listing_data(listing: dict[str, Any], known: Therapist | None = None) -> ListingData:
    """The listing as the one write path takes it; an address placed as before keeps what the geocoder called it."""
    geocoded = {(loc.street, loc.city, loc.state, loc.postal_code, loc.latitude, loc.longitude): loc.geocoded_as
                for loc in (known.locations if known else [])}
    locations = []
    for location in listing["locations"]:
        where = {key: location[key] for key in ("street", "city", "state", "postal_code", "latitude", "longitude")}
        locations.append(ProposedLocation(**where, geocoded_as=geocoded.get(tuple(where.values()), "")))
    return ListingData(**{name: listing[name] for name in SCALAR_FIELDS}, modalities=listing["modalities"],
                       conditions=listing["conditions"], locations=locations)


def import_directory(source: str | Path, skip_bad: bool = False, publish: bool = False) -> ImportReport:
    """Validate every row of an HSDS export, then upsert the listings by slug in one transaction.

    With errors and without `skip_bad`, nothing is imported. Imported listings wait for moderation
    unless `publish` is set (for a trusted source such as this directory's own export).
    """
    source = Path(source)
    report = ImportReport()
    batch = _Batch({table: _read(source, table, report.errors) for table in IMPORTED}, report)
    if any(error.line <= 1 for error in report.errors):
        return report
    _read_terms(batch)
    _read_services(batch)
    _link_locations(batch)
    _read_details(batch)
    _check_complete(batch)
    if report.errors and not skip_bad:
        return report
    good = [listing for service_id, listing in batch.listings.items() if service_id not in batch.bad]
    report.skipped = len(batch.rows["services"]) - len(good)
    _create_missing_terms(batch.terms, report)
    _upsert(good, ListingStatus.PUBLISHED if publish else ListingStatus.PENDING, report)
    db.session.commit()
    report.imported = True
    return report


def _create_missing_terms(terms: dict[str, dict[str, Any]], report: ImportReport) -> None:
    modalities = {m.slug: m for m in db.session.scalars(select(Modality))}
    conditions = {c.slug: c for c in db.session.scalars(select(Condition))}
    free_bits = free_search_bits(m.search_bit for m in modalities.values())
    created: dict[str, Modality] = {}
    for term_id, term in terms.items():
        stored: dict[str, Any] = modalities if term["vocabulary"] == "modalities" else conditions
        if term["slug"] in stored:
            continue
        values = {"slug": term["slug"], "name": term["name"], "position": term["position"],
                  "description": "" if term["description"] == term["name"] else term["description"]}
        if term["vocabulary"] == "modalities":
            stored[term["slug"]] = created[term_id] = Modality(search_bit=take_search_bit(free_bits, term["slug"]), **values)
        else:
            stored[term["slug"]] = Condition(**values)
        db.session.add(stored[term["slug"]])
        report.terms_created += 1
    for term_id, modality in created.items():
        parent = terms.get(terms[term_id]["parent_id"])
        modality.parent = modalities.get(parent["slug"]) if parent else None
    db.session.flush()


def _upsert(listings: list[dict[str, Any]], status: ListingStatus, report: ImportReport) -> None:
    terms = VocabularyTerms()
    slugs = [listing["slug"] for listing in listings]
    existing = {t.slug: t for t in db.session.scalars(select(Therapist).where(Therapist.slug.in_(slugs)))}
    for listing in listings:
        therapist = existing.get(listing["slug"])
        if therapist is None:
            therapist = Therapist(slug=listing["slug"], status=status.value)
            db.session.add(therapist)
        changed = assign(therapist, {"is_sample": listing["is_sample"]})
        changed |= write_listing(therapist, _listing_data(listing, existing.get(listing["slug"])), terms)
        tally(report, listing["slug"] not in existing, changed)
