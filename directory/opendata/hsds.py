"""Export published listings as Open Referral HSDS-style tables (CSV and JSON) and import them again.

Each therapist is an organization offering one service at one or more locations, with one phone.
Fields HSDS has no column for are kept in `x_`-prefixed extension columns (lists as JSON arrays),
so a round trip is exact.
"""
from __future__ import annotations

import csv
import json
import math
import re
import uuid
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Callable

from email_validator import EmailNotValidError, validate_email
from sqlalchemy import select
from sqlalchemy.orm import selectinload

from directory.extensions import db
from directory.therapists.models import (
    MAX_SERVICE_RADIUS_MI,
    Condition,
    ListingStatus,
    Location,
    Modality,
    Therapist,
)

# Stable ids: the same therapist always exports with the same HSDS ids.
_NAMESPACE = uuid.UUID("6f1c3c56-8d0e-4c57-9a55-2b7f3b1d9e11")
TABLES = ("organizations", "services", "locations", "phones")
COLUMNS = {
    "organizations": ("id", "name", "alternate_name", "description", "email", "website"),
    "services": (
        "id", "organization_id", "name", "description", "url", "email", "status", "fees_description",
        "accreditations", "licenses", "languages", "x_slug", "x_therapist_name", "x_practice_name",
        "x_credentials", "x_license_number", "x_license_state", "x_years_in_practice", "x_certifications",
        "x_price_min", "x_price_max", "x_session_lengths", "x_accepting_new_clients", "x_mobile",
        "x_service_radius_mi", "x_languages", "x_modalities", "x_conditions",
    ),
    "locations": (
        "id", "organization_id", "service_id", "name", "address_1", "city", "state_province", "postal_code",
        "country", "latitude", "longitude", "x_position",
    ),
    "phones": ("id", "organization_id", "service_id", "number", "type"),
}
LIST_SEPARATOR = ";"


def _id(kind: str, *parts: Any) -> str:
    return str(uuid.uuid5(_NAMESPACE, "/".join([kind, *map(str, parts)])))


def _join(values: list[Any]) -> str:
    return LIST_SEPARATOR.join(str(v) for v in values)


def _json(values: Any) -> str:
    return json.dumps(list(values), ensure_ascii=False)


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


def export_tables() -> dict[str, list[dict[str, Any]]]:
    """Every published listing as rows of the four HSDS tables."""
    tables: dict[str, list[dict[str, Any]]] = {name: [] for name in TABLES}
    for t in _published():
        organization_id, service_id = _id("organization", t.slug), _id("service", t.slug)
        tables["organizations"].append(
            {"id": organization_id, "name": t.practice_name or t.name, "alternate_name": t.name,
             "description": t.bio, "email": t.email or "", "website": t.website or ""}
        )
        fees = f"${t.price_min}–${t.price_max} per session" if t.price_min and t.price_max else ""
        tables["services"].append(
            {
                "id": service_id, "organization_id": organization_id, "name": f"Massage therapy with {t.name}",
                "description": t.training, "url": t.website or "", "email": t.email or "",
                "status": "active", "fees_description": fees, "accreditations": _join(t.credentials),
                "licenses": f"{t.license_state} {t.license_number}", "languages": _join(t.languages),
                "x_slug": t.slug, "x_therapist_name": t.name, "x_practice_name": t.practice_name or "",
                "x_credentials": _json(t.credentials), "x_license_number": t.license_number,
                "x_license_state": t.license_state,
                "x_years_in_practice": "" if t.years_in_practice is None else t.years_in_practice,
                "x_certifications": _json(t.certifications),
                "x_price_min": t.price_min or "", "x_price_max": t.price_max or "",
                "x_session_lengths": _json(t.session_lengths),
                "x_accepting_new_clients": str(t.accepting_new_clients).lower(),
                "x_mobile": str(t.mobile).lower(),
                "x_service_radius_mi": "" if t.service_radius_mi is None else repr(t.service_radius_mi),
                "x_languages": _json(t.languages),
                "x_modalities": _json(m.slug for m in t.modalities),
                "x_conditions": _json(c.slug for c in t.conditions),
            }
        )
        for location in t.locations:
            tables["locations"].append(
                {"id": _id("location", t.slug, location.position), "organization_id": organization_id,
                 "service_id": service_id, "name": t.practice_name or t.name, "address_1": location.street,
                 "city": location.city, "state_province": location.state, "postal_code": location.postal_code,
                 "country": location.country, "latitude": repr(location.latitude),
                 "longitude": repr(location.longitude), "x_position": location.position}
            )
        if t.phone:
            tables["phones"].append(
                {"id": _id("phone", t.slug), "organization_id": organization_id, "service_id": service_id,
                 "number": t.phone, "type": "voice"}
            )
    return tables


def export_directory(target: str | Path) -> dict[str, int]:
    """Write organizations/services/locations/phones as CSV files and all of them as hsds.json."""
    target = Path(target)
    target.mkdir(parents=True, exist_ok=True)
    tables = export_tables()
    for name, rows in tables.items():
        with open(target / f"{name}.csv", "w", newline="", encoding="utf-8") as handle:
            writer = csv.DictWriter(handle, fieldnames=COLUMNS[name])
            writer.writeheader()
            writer.writerows(rows)
    with open(target / "hsds.json", "w", encoding="utf-8") as handle:
        json.dump(tables, handle, ensure_ascii=False, indent=1)
    return {name: len(rows) for name, rows in tables.items()}


# Import


@dataclass
class RowError:
    """A row that failed validation: which file, which line, what is wrong."""

    table: str
    line: int
    message: str

    def __str__(self) -> str:
        return f"{self.table}.csv line {self.line}: {self.message}"


@dataclass
class ImportReport:
    """What an import did, or would have done."""

    errors: list[RowError] = field(default_factory=list)
    created: int = 0
    updated: int = 0
    skipped: int = 0
    imported: bool = False


@dataclass
class _Row:
    line: int
    values: dict[str, str]


def _read(source: Path, table: str, errors: list[RowError]) -> list[_Row]:
    path = source / f"{table}.csv"
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
        return [_Row(reader.line_num, dict(row)) for row in reader]


def _text(limit: int, required: bool = False) -> Callable[[str], str]:
    def check(value: str) -> str:
        if required and not value.strip():
            raise ValueError("is required")
        if len(value) > limit:
            raise ValueError(f"is longer than {limit} characters")
        if re.search(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f]", value):
            raise ValueError("contains control characters")
        return value

    return check


def _optional_int(low: int, high: int) -> Callable[[str], int | None]:
    def check(value: str) -> int | None:
        if value == "":
            return None
        try:
            number = int(value)
        except ValueError:
            raise ValueError("must be a whole number") from None
        if not low <= number <= high:
            raise ValueError(f"must be between {low} and {high}")
        return number

    return check


def _float_in(low: float, high: float) -> Callable[[str], float]:
    def check(value: str) -> float:
        try:
            number = float(value)
        except ValueError:
            raise ValueError(f"must be a number between {low} and {high}") from None
        if not math.isfinite(number) or not low <= number <= high:
            raise ValueError(f"must be a number between {low} and {high}")
        return number

    return check


def _boolean(value: str) -> bool:
    if value not in ("true", "false"):
        raise ValueError("must be true or false")
    return value == "true"


def _email(value: str) -> str | None:
    if not value:
        return None
    try:
        validate_email(value, check_deliverability=False)
    except EmailNotValidError:
        raise ValueError("is not a valid email address") from None
    return value


def _url(value: str) -> str | None:
    if not value:
        return None
    if not re.match(r"^https?://[^\s/$.?#].[^\s]*$", value):
        raise ValueError("must be an http:// or https:// address")
    return value


def _json_list(item_type: type, limit: int) -> Callable[[str], list[Any]]:
    def check(value: str) -> list[Any]:
        try:
            items = json.loads(value or "[]")
        except ValueError:
            raise ValueError("must be a JSON array, e.g. [\"a\", \"b\"]") from None
        if not isinstance(items, list) or not all(type(item) is item_type for item in items):
            raise ValueError(f"must be a JSON array of {item_type.__name__} values")
        if len(value) > limit:
            raise ValueError(f"is longer than {limit} characters")
        return items

    return check


def _minutes(value: str) -> list[int]:
    minutes = _json_list(int, 100)(value)
    if not all(0 < m <= 600 for m in minutes):
        raise ValueError("must be session lengths in minutes, e.g. [60, 90]")
    return minutes


def _field(row: _Row, column: str, parse: Callable[[str], Any], problems: list[str]) -> Any:
    try:
        return parse(row.values[column] or "")
    except ValueError as error:
        problems.append(f"{column} {error}")
        return None


def _listing_from(service: _Row, known: dict[str, set[str]], problems: list[str]) -> dict[str, Any]:
    def get(column: str, parse: Callable[[str], Any]) -> Any:
        return _field(service, column, parse, problems)
    listing = {
        "slug": get("x_slug", _text(120, required=True)),
        "name": get("x_therapist_name", _text(120, required=True)),
        "practice_name": get("x_practice_name", _text(160)) or None,
        "credentials": get("x_credentials", _json_list(str, 300)) or [],
        "license_number": get("x_license_number", _text(40, required=True)),
        "license_state": get("x_license_state", _text(64, required=True)),
        "years_in_practice": get("x_years_in_practice", _optional_int(0, 80)),
        "training": get("description", _text(5000)),
        "certifications": get("x_certifications", _json_list(str, 3000)) or [],
        "price_min": get("x_price_min", _optional_int(1, 10_000)),
        "price_max": get("x_price_max", _optional_int(1, 10_000)),
        "session_lengths": get("x_session_lengths", _minutes) or [],
        "accepting_new_clients": get("x_accepting_new_clients", _boolean),
        "mobile": get("x_mobile", _boolean),
        "service_radius_mi": get("x_service_radius_mi",
                                 lambda v: None if v == "" else _float_in(0.1, MAX_SERVICE_RADIUS_MI)(v)),
        "languages": get("x_languages", _json_list(str, 500)) or [],
        "email": get("email", _email),
        "website": get("url", _url),
    }
    if listing["slug"] and not re.fullmatch(r"[a-z0-9]+(?:-[a-z0-9]+)*", listing["slug"]):
        problems.append("x_slug must be lower-case letters, digits and hyphens")
    if listing["price_min"] and listing["price_max"] and listing["price_min"] > listing["price_max"]:
        problems.append("x_price_min is more than x_price_max")
    if listing["mobile"] is False and listing["service_radius_mi"] is not None:
        problems.append("x_service_radius_mi is only for mobile therapists")
    if listing["mobile"] and listing["service_radius_mi"] is None:
        problems.append("x_service_radius_mi is required for mobile therapists")
    for column, kind in (("x_modalities", "modalities"), ("x_conditions", "conditions")):
        listing[kind] = get(column, _json_list(str, 2000)) or []
        unknown = [slug for slug in listing[kind] if slug not in known[kind]]
        if unknown:
            problems.append(f"{column} has unknown {kind}: {', '.join(unknown)}")
    return listing


def import_directory(source: str | Path, skip_bad: bool = False, publish: bool = False) -> ImportReport:
    """Validate every row of an HSDS export, then upsert the listings by slug in one transaction.

    With errors and without `skip_bad`, nothing is imported. Imported listings wait for moderation
    unless `publish` is set (for a trusted source such as this directory's own export).
    """
    source = Path(source)
    report = ImportReport()
    rows = {table: _read(source, table, report.errors) for table in TABLES}
    if any(error.line <= 1 for error in report.errors):
        return report
    known = {
        "modalities": set(db.session.scalars(select(Modality.slug))),
        "conditions": set(db.session.scalars(select(Condition.slug))),
    }
    organizations = {row.values["id"]: row for row in rows["organizations"]}
    listings: dict[str, dict[str, Any]] = {}
    bad_services: set[str] = set()
    seen_slugs: set[str] = set()
    for row in rows["services"]:
        problems: list[str] = []
        if row.values["organization_id"] not in organizations:
            problems.append("organization_id does not match any organization")
        listing = _listing_from(row, known, problems)
        if listing["slug"] in seen_slugs:
            problems.append(f"x_slug {listing['slug']} appears twice")
        seen_slugs.add(listing["slug"])
        if problems:
            report.errors.append(RowError("services", row.line, "; ".join(problems)))
            bad_services.add(row.values["id"])
            continue
        listing["bio"] = organizations[row.values["organization_id"]].values["description"]
        listing["locations"] = []
        listing["phone"] = None
        listings[row.values["id"]] = listing

    for row in rows["locations"]:
        problems = []
        service_id = row.values["service_id"]
        if service_id not in listings and service_id not in bad_services:
            problems.append("service_id does not match any service")
        location = {
            "street": _field(row, "address_1", _text(200), problems),
            "city": _field(row, "city", _text(120, required=True), problems),
            "state": _field(row, "state_province", _text(64, required=True), problems),
            "postal_code": _field(row, "postal_code", _text(16), problems),
            "country": _field(row, "country", _text(2, required=True), problems),
            "latitude": _field(row, "latitude", _float_in(-90, 90), problems),
            "longitude": _field(row, "longitude", _float_in(-180, 180), problems),
            "position": _field(row, "x_position", _optional_int(0, 99), problems) or 0,
        }
        if problems:
            report.errors.append(RowError("locations", row.line, "; ".join(problems)))
            bad_services.add(service_id)
        elif service_id in listings:
            listings[service_id]["locations"].append(location)

    for row in rows["phones"]:
        number = row.values["number"]
        service_id = row.values["service_id"]
        if service_id not in listings and service_id not in bad_services:
            report.errors.append(RowError("phones", row.line, "service_id does not match any service"))
        elif not re.fullmatch(r"[0-9()+.\- ]{7,32}", number):
            report.errors.append(RowError("phones", row.line, "number is not a phone number"))
            bad_services.add(service_id)
        elif service_id in listings:
            listings[service_id]["phone"] = number

    for service_id, listing in listings.items():
        if service_id not in bad_services and not listing["locations"]:
            report.errors.append(RowError("services", _line_of(rows["services"], service_id),
                                          "has no location"))
            bad_services.add(service_id)
    if report.errors and not skip_bad:
        return report

    good = [listing for service_id, listing in listings.items() if service_id not in bad_services]
    report.skipped = len(rows["services"]) - len(good)
    _upsert(good, ListingStatus.PUBLISHED if publish else ListingStatus.PENDING, report)
    db.session.commit()
    report.imported = True
    return report


def _line_of(rows: list[_Row], row_id: str) -> int:
    return next(row.line for row in rows if row.values["id"] == row_id)


def _upsert(listings: list[dict[str, Any]], status: ListingStatus, report: ImportReport) -> None:
    modalities = {m.slug: m for m in db.session.scalars(select(Modality))}
    conditions = {c.slug: c for c in db.session.scalars(select(Condition))}
    existing = {
        t.slug: t
        for t in db.session.scalars(
            select(Therapist).where(Therapist.slug.in_([listing["slug"] for listing in listings]))
        )
    }
    for listing in listings:
        therapist = existing.get(listing["slug"])
        if therapist is None:
            therapist = Therapist(slug=listing["slug"], status=status.value)
            db.session.add(therapist)
            report.created += 1
        else:
            report.updated += 1
        for key, value in listing.items():
            if key not in ("locations", "modalities", "conditions", "slug"):
                setattr(therapist, key, value)
        therapist.modalities = [modalities[slug] for slug in listing["modalities"]]
        therapist.conditions = [conditions[slug] for slug in listing["conditions"]]
        therapist.locations = [
            Location(**location) for location in sorted(listing["locations"], key=lambda loc: loc["position"])
        ]
