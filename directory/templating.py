"""What every template can use besides Flask's own: the `date` filter, so each date reads the same everywhere;
the `names` filter (the names of therapies, conditions... in a row: one call where map and join cost two);
the links of the page shell (templates/base.html), built once per script root instead of a `url_for` per
link per page; the signed-in moderator, looked up only by the templates that show one; and templates read
without their indentation, which was a fifth of the search page's bytes."""
from __future__ import annotations

import re
from datetime import date, datetime, timezone
from typing import Any, Iterable, Mapping
from urllib.parse import urlencode

from flask import Flask, request, url_for
from flask_login import current_user
from jinja2.ext import Extension

from directory.database import aware

# Name in the templates: (endpoint, values) of each link of the shell, and of the search form's.
SHELL_LINKS: dict[str, tuple[str, dict[str, Any]]] = {
    "favicon": ("static", {"filename": "favicon.svg"}),
    "stylesheet": ("static", {"filename": "css/site.css"}),
    "script": ("static", {"filename": "js/site.js"}),
    "home": ("search.home", {}),
    "search": ("search.results", {}),
    "checklist": ("checklists.about", {}),
    "my_checklists": ("checklists.mine", {}),
    "list_your_practice": ("listings.submit", {}),
    "about": ("about.index", {}),
    "open_data": ("about.index", {"_anchor": "open-data"}),
    "places_api": ("api.places", {}),
    "places_script": ("static", {"filename": "js/places.js"}),
    "pain_area_script": ("static", {"filename": "js/pain-area.js"}),
}
# What url_for leaves unescaped in a query string (werkzeug's choice: the WHATWG's percent-encode set).
_QUERY_SAFE = "!$'()*,/:;?@"


# Spaces and tabs that start or end a line of a template.
_LINE_EDGES = re.compile(r"^[ \t]+|[ \t]+$", re.M)
# The line break after a line of nothing but tags ({% ... %}, {# ... #}) that control no whitespace, unless the
# line before ends in a tag that strips whitespace after it (then that line's break is already gone).
_TAG_LINE_BREAK = re.compile(
    r"(?<=\n)(?<!-%}\n)(?<!-}}\n)(?<!-#}\n)((?:\{%(?!-)(?:[^%\n]|%(?!}))*(?<!-)%}|\{#(?:[^#\n]|#(?!}))*#})+)\n"
)


class CompactTemplates(Extension):
    """Reads each template without its indentation and the line breaks after its tag-only lines. In HTML a run
    of whitespace holding a line break reads as one space, and every run keeps its line break: the page reads
    the same, only shorter. (No template holds <pre> or <textarea>, where whitespace would count.)"""

    def preprocess(self, source: str, name: str | None, filename: str | None = None) -> str:
        """The template's source, compacted."""
        return _TAG_LINE_BREAK.sub(r"\1", _LINE_EDGES.sub("", source))


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


def join_names(items: Iterable[Any], separator: str = " · ") -> str:
    """The `name` of each item, in order, joined by `separator`."""
    return separator.join(item.name for item in items)


def query_string(args: Mapping[str, Any]) -> str:
    """`args` (list values repeat their key) as url_for writes them after the "?"."""
    return urlencode(args, doseq=True, safe=_QUERY_SAFE)


def register_template_helpers(app: Flask) -> None:
    """Add the `date` and `names` filters, `shell_links()`, `search_url()` and `current_user`, and read templates
    compacted."""
    app.jinja_env.add_extension(CompactTemplates)
    app.add_template_filter(format_date, "date")
    app.add_template_filter(join_names, "names")
    built: dict[str, dict[str, str]] = {}

    def shell_links() -> dict[str, str]:
        """The shell's links under this request's script root (where the app is mounted)."""
        links = built.get(request.script_root)
        if links is None:
            links = built[request.script_root] = {
                name: url_for(endpoint, **values) for name, (endpoint, values) in SHELL_LINKS.items()
            }
        return links

    def search_url(args: Mapping[str, Any]) -> str:
        """The search page with `args` (a SearchParams.query_args()): url_for's address, without a url_for per link."""
        return f"{shell_links()['search']}?{query_string(args)}" if args else shell_links()["search"]

    app.jinja_env.globals["shell_links"] = shell_links
    app.jinja_env.globals["search_url"] = search_url
    # A proxy, resolved (from the session) only where a template reads it: the moderators' pages.
    app.jinja_env.globals["current_user"] = current_user
