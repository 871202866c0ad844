"""What every template can use besides Flask's own: the `date` filter, so each date reads the same everywhere."""
from __future__ import annotations

from datetime import date, datetime, timezone

from flask import Flask

from directory.database import aware


def format_date(moment: date | datetime | None, style: str = "day") -> str:
    """A date as the pages write it, in UTC: "day" is December 7, 2026; "time" adds 17:09 UTC;
    "short" is Dec 7, 2026 (for narrow table columns); "table" is 2026-12-07 17:09 (under a "(UTC)" heading)."""
    if moment is None:
        return ""
    if isinstance(moment, datetime):
        moment = aware(moment).astimezone(timezone.utc)
    day = f"{moment:%B} {moment.day}, {moment.year}"
    if style == "day":
        return day
    if style == "time":
        return f"{day} {moment:%H:%M} UTC"
    if style == "short":
        return f"{moment:%b} {moment.day}, {moment.year}"
    if style == "table":
        return f"{moment:%Y-%m-%d %H:%M}"
    raise ValueError(f"Unknown date style {style!r}")


def register_template_helpers(app: Flask) -> None:
    """Add the template filters."""
    app.add_template_filter(format_date, "date")
