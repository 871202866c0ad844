"""What every page's template needs beyond its own data: the links of the page shell (templates/base.html),
built once per script root instead of a `url_for` per link per page, and the signed-in moderator, looked up
only by the templates that show one."""
from __future__ import annotations

from flask import Flask, request, url_for
from flask_login import current_user

# Name in base.html: (endpoint, values) of each link of the shell.
SHELL_LINKS: dict[str, tuple[str, dict[str, str]]] = {
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
}


def register_templating(app: Flask) -> None:
    """`shell_links()` and `current_user` for every template."""
    built: dict[str, dict[str, str]] = {}

    def shell_links() -> dict[str, str]:
        """The shell's links under this request's script root (where the app is mounted)."""
        links = built.get(request.script_root)
        if links is None:
            links = built[request.script_root] = {
                name: url_for(endpoint, **values) for name, (endpoint, values) in SHELL_LINKS.items()
            }
        return links

    app.jinja_env.globals["shell_links"] = shell_links
    # A proxy, resolved (from the session) only where a template reads it: the moderators' pages.
    app.jinja_env.globals["current_user"] = current_user
