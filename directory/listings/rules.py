"""What a listing may hold, for every way one is written (the listing form, the HSDS import, the seeds):
the limits, how text, phone numbers, web addresses, emails and addresses are checked and normalised, and
the rules across fields.

Plain functions with no request in them. A check returns the value as it is stored, or raises
ListingRuleError with a message for the person who typed it.
"""
from __future__ import annotations

import re
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, Iterable
from urllib.parse import urlsplit

import phonenumbers
from email_validator import EmailNotValidError, validate_email

from directory.forms import UNSTORABLE_MESSAGE, is_storable, too_long_message
from directory.geo.names import STATE_NAMES
from directory.search.places import Ambiguous, GeocoderDown, Located, NotFound, locate
from directory.therapists.models import MAX_SERVICE_RADIUS_MI

if TYPE_CHECKING:
    from directory.listings.data import ListingData

NAME_MAX = 120
PRACTICE_MAX = 160
LICENSE_MAX = 40
# Credentials and languages, as written: separated by commas.
SHORT_LIST_MAX = 200
# Training and bio.
LONG_TEXT_MAX = 2000
# As written: one per line.
CERTIFICATIONS_MAX = 1000
EMAIL_MAX = 254
WEBSITE_MAX = 500
STREET_MAX = 200
CITY_MAX = 120
YEARS_IN_PRACTICE = (0, 80)
PRICES = (1, 10_000)
SERVICE_RADIUS_MI = (1, MAX_SERVICE_RADIUS_MI)
SESSION_LENGTH_CHOICES = (30, 45, 60, 75, 90, 120)
MAX_LOCATIONS = 3
COUNTRY = "US"
_ZIP_RE = re.compile(r"^\d{5}(-\d{4})?$")


class ListingRuleError(ValueError):
    """A value a listing cannot hold; the message says what to do instead."""


def text(value: str, limit: int, what: str = "this") -> str:
    """Text that can be stored, of at most `limit` characters."""
    if not is_storable(value):
        raise ListingRuleError(UNSTORABLE_MESSAGE)
    if len(value) > limit:
        raise ListingRuleError(too_long_message(limit, len(value), what))
    return value


def written_list(items: Iterable[str], separator: str, limit: int) -> list[str]:
    """A list (credentials, languages, certifications) whose items, written out with `separator`, fit `limit`."""
    items = list(items)
    text(separator.join(items), limit)
    return items


def split_list(written: str | None, separator: str = ",") -> list[str]:
    """Items of a comma- (or line-) separated list, trimmed, empty ones dropped."""
    return [item.strip() for item in (written or "").split(separator) if item.strip()]


def phone(value: str) -> str:
    """A real phone number (US unless it starts with +), in its usual written form."""
    try:
        number = phonenumbers.parse(value, "US")
    except phonenumbers.NumberParseException as error:
        raise ListingRuleError("Enter a phone number with its area code, like (727) 555-0123.") from error
    if not phonenumbers.is_valid_number(number):
        raise ListingRuleError("That is not a valid phone number; include the area code, like (727) 555-0123.")
    style = phonenumbers.PhoneNumberFormat.NATIONAL if number.country_code == 1 else \
        phonenumbers.PhoneNumberFormat.INTERNATIONAL
    return phonenumbers.format_number(number, style)


def email(value: str) -> str:
    """A syntactically valid address (no DNS lookup), as email-validator normalises it."""
    if len(value) > EMAIL_MAX:
        raise ListingRuleError(too_long_message(EMAIL_MAX, len(value)))
    try:
        return validate_email(value.strip(), check_deliverability=False).normalized
    except EmailNotValidError as error:
        raise ListingRuleError(f"Enter a valid email address, like name@example.com ({error}).") from error


def normalize_email(address: str) -> str:
    """How contact (and moderator) emails are stored and matched: trimmed, in lower case."""
    return address.strip().lower()


def website(value: str) -> str:
    """A web address starting with http:// or https://, nothing else (no javascript: links)."""
    value = value.strip()
    if len(value) > WEBSITE_MAX:
        raise ListingRuleError(too_long_message(WEBSITE_MAX, len(value)))
    try:
        parts = urlsplit(value)
        parts.port  # noqa: B018  (reading it checks the port)
    except ValueError:
        parts = urlsplit("")
    if parts.scheme.lower() not in ("http", "https") or not parts.netloc or any(c.isspace() for c in value):
        raise ListingRuleError("Enter the full web address, starting with https:// (or http://).")
    return value


def state(value: str) -> str:
    """A US state (or territory) by its two-letter code."""
    if value not in STATE_NAMES:
        raise ListingRuleError("Choose the state by its two-letter code, like FL.")
    return value


def country(value: str) -> str:
    """The directory lists practices in the US only."""
    if value != COUNTRY:
        raise ListingRuleError(f"The directory lists practices in the US only (country {COUNTRY}).")
    return value


def postal_code(value: str) -> str:
    """Empty, or a 5-digit ZIP code (or ZIP+4)."""
    value = value.strip()
    if value and not _ZIP_RE.match(value):
        raise ListingRuleError("Enter a 5-digit ZIP code, like 33701.")
    return value


def session_lengths(minutes: Iterable[int]) -> list[int]:
    """Session lengths offered, from SESSION_LENGTH_CHOICES, shortest first."""
    lengths = sorted(set(minutes))
    if any(length not in SESSION_LENGTH_CHOICES for length in lengths):
        offered = ", ".join(str(n) for n in SESSION_LENGTH_CHOICES)
        raise ListingRuleError(f"Session lengths can be {offered} minutes.")
    return lengths


def price_problem(price_min: int | None, price_max: int | None) -> tuple[str, str] | None:
    """A highest price needs a lowest one at most as high: the field at fault and why, or None."""
    if price_max is None:
        return None
    if price_min is None:
        return "price_min", "Give your lowest price too (the same as the highest if there is one price)."
    if price_max < price_min:
        return "price_max", "The highest price must be at least the lowest price."
    return None


def travel_problem(mobile: bool, service_radius_mi: float | None) -> tuple[str, str] | None:
    """Home visits need a distance, and only home visits have one."""
    if mobile and service_radius_mi is None:
        return "service_radius_mi", "Say how many miles you travel for home visits (1 to 100)."
    if not mobile and service_radius_mi is not None:
        return "service_radius_mi", "Leave the travel distance empty unless you visit clients at home."
    return None


def contact_problem(phone_number: str | None, public_email: str | None, site: str | None) -> tuple[str, str] | None:
    """Clients need at least one way to reach the therapist."""
    if not (phone_number or public_email or site):
        return "phone", "Give clients at least one way to reach you: a phone number, an email or a website."
    return None


def locations_problem(count: int) -> tuple[str, str] | None:
    """One to MAX_LOCATIONS practice locations."""
    if count == 0:
        return "locations", "Enter the city and state of at least one practice location."
    if count > MAX_LOCATIONS:
        return "locations", f"List at most {MAX_LOCATIONS} practice locations."
    return None


def listing_problems(data: ListingData) -> list[tuple[str, str]]:
    """Every rule across fields that `data` breaks, as (field, message)."""
    problems = [
        price_problem(data.price_min, data.price_max),
        travel_problem(data.mobile, data.service_radius_mi),
        contact_problem(data.phone, data.email, data.website),
        locations_problem(len(data.locations)),
    ]
    return [problem for problem in problems if problem is not None]


@dataclass
class GeocodedAddress:
    """Where the configured geocoder placed an address, or why it could not."""

    label: str = ""
    latitude: float | None = None
    longitude: float | None = None
    problem: str | None = None


def address_query(street: str, city: str, state: str, postal_code: str) -> str:
    """The address as one line for the geocoder."""
    parts = [street.strip(), city.strip(), f"{state.strip()} {postal_code.strip()}".strip()]
    return ", ".join(p for p in parts if p)


def geocode_address(geocoder: Any, street: str, city: str, state: str, postal_code: str) -> GeocodedAddress:
    """Place a practice address with the configured geocoder; an ambiguous or unknown one is a problem."""
    query = address_query(street, city, state, postal_code)
    outcome = locate(geocoder, query)
    if isinstance(outcome, NotFound) and street.strip():
        # A street the geocoder cannot read (new, rural, a suite name) should not block a listing whose
        # town it knows: the listing is then placed, and labelled, at the town.
        query = address_query("", city, state, postal_code)
        outcome = locate(geocoder, query)
    if isinstance(outcome, Located):
        return GeocodedAddress(outcome.place.label, outcome.place.latitude, outcome.place.longitude)
    if isinstance(outcome, Ambiguous):
        names = "; ".join(c.label for c in outcome.candidates[:4])
        return GeocodedAddress(problem=f"“{query}” matches several places ({names}). Add the ZIP code.")
    if isinstance(outcome, GeocoderDown):
        return GeocodedAddress(problem="The map service did not answer. Please try again in a moment.")
    return GeocodedAddress(problem=f"We couldn't find “{query}” on the map. Check the city and state, "
                                   "or add the ZIP code.")
