"""Checks for the values of an imported HSDS cell: each parses the text or raises ValueError saying why not.

These read the CSV's formats (JSON lists, true/false, numbers); what a listing may hold is the listing rules'
(directory.listings.rules), which raise ListingRuleError, a ValueError, in words for the person who fixes it.
"""
from __future__ import annotations

import json
import math
import re
from typing import Any, Callable

from directory.forms import is_storable
from directory.listings import rules

SLUG = re.compile(r"[a-z0-9]+(?:-[a-z0-9]+)*")


def text(limit: int, required: bool = False) -> Callable[[str], str]:
    """Text of at most `limit` characters, without control characters."""
    def check(value: str) -> str:
        if required and not value.strip():
            raise ValueError("is required")
        if len(value) > limit:
            raise ValueError(f"is longer than {limit} characters")
        if not is_storable(value):
            raise ValueError("contains control characters")
        return value

    return check


def slug(value: str) -> str:
    """A slug: lower-case letters, digits and single hyphens."""
    if not SLUG.fullmatch(value):
        raise ValueError("must be lower-case letters, digits and hyphens")
    return value


def optional_int(low: int, high: int) -> Callable[[str], int | None]:
    """A whole number in a range, or nothing."""
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


def float_in(low: float, high: float) -> Callable[[str], float]:
    """A finite number in a range."""
    def check(value: str) -> float:
        try:
            number = float(value)
        except ValueError:
            raise ValueError(f"must be a number between {low} and {high}") from None
        if not math.isfinite(number) or not low <= number <= high:
            raise ValueError(f"must be a number between {low} and {high}")
        return number

    return check


def optional_float_in(low: float, high: float) -> Callable[[str], float | None]:
    """A finite number in a range, or nothing."""
    return lambda value: None if value == "" else float_in(low, high)(value)


def boolean(value: str) -> bool:
    """true or false."""
    if value not in ("true", "false"):
        raise ValueError("must be true or false")
    return value == "true"


def json_list(item_type: type, limit: int) -> Callable[[str], list[Any]]:
    """A JSON array of `item_type` values, at most `limit` characters long."""
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


def session_lengths(value: str) -> list[int]:
    """Session lengths in minutes, as a JSON array."""
    return rules.session_lengths(json_list(int, 100)(value))


def written_list(separator: str, limit: int) -> Callable[[str], list[str]]:
    """A JSON array of text that, written out with `separator`, fits `limit` (credentials, certifications)."""
    return lambda value: rules.written_list(json_list(str, 4 * limit)(value), separator, limit)


def optional(check: Callable[[str], str]) -> Callable[[str], str | None]:
    """A listing rule's value, or nothing for an empty cell."""
    return lambda value: check(value) if value else None


def partial_address(value: str) -> dict[str, str] | None:
    """An address kept on a location (a JSON object of text parts), or nothing."""
    if not value:
        return None
    try:
        parts = json.loads(value)
    except ValueError:
        raise ValueError("must be a JSON object") from None
    keys = {"street", "city", "state", "postal_code", "country"}
    if not isinstance(parts, dict) or set(parts) != keys or not all(isinstance(v, str) for v in parts.values()):
        raise ValueError(f"must be a JSON object with the text fields {', '.join(sorted(keys))}")
    return parts
