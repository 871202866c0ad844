"""HTTP caching of the public pages: a strong ETag from the data version, so browsers and a reverse proxy or
CDN in front can keep a page and ask again cheaply.

The data version is one counter that triggers (migration 0011) raise with every committed change to a listing,
its locations, therapies or conditions, or the vocabularies: whatever a public page shows. A public page
answered to an anonymous request carries `ETag: "<build>.<version>"` (the build: a digest of the code and
templates, so a deploy changes it too; pages that show no data carry the build's alone) and
`Cache-Control: public, max-age=60, stale-while-revalidate=300`; a request whose If-None-Match names the
current ETag gets 304 before the view runs. The version is read before the page, so a page built while a
change commits carries the older version: at worst it is sent again, never kept past the change.

Only the endpoints in PUBLIC_ENDPOINTS, only GET and HEAD, and only without a session cookie: a session
carries flash messages, a moderator's sign-in and the CSRF token of the forms, so such a request gets
its own page and `Cache-Control: private`. No public page embeds a CSRF token or anything per person.
"""
from __future__ import annotations

import functools
import hashlib
from pathlib import Path

from flask import Flask, Response, g, request
from sqlalchemy import BigInteger, CheckConstraint, text
from sqlalchemy.orm import Mapped, mapped_column

from directory.extensions import Model, db
from directory.security import sent_session_cookie, vary_on_cookie

PUBLIC_CACHE_CONTROL = "public, max-age=60, stale-while-revalidate=300"
# The pages that show only published listings and the vocabularies, the same to everyone.
DATA_PAGES = frozenset({
    "search.home",
    "search.results",
    "therapists.profile",
    "api.therapists",
    "api.therapist",
    "api.modalities",
    "api.conditions",
})
# Pages that look up the place typed in: with a network geocoder (GEOCODER other than "offline") they also
# depend on its answers, and on whether it answered at all, which no data version counts.
GEOCODED_PAGES = frozenset({"search.results", "api.therapists"})
# The pages that show no data at all: their ETag is the build's alone (no database needed).
CODE_PAGES = frozenset({"about.index", "api.openapi"})
PUBLIC_ENDPOINTS = DATA_PAGES | CODE_PAGES
_CURRENT_VERSION = text("SELECT version FROM data_version WHERE id = 1")


class DataVersion(Model):
    """The one row counting committed changes to what public pages show; only triggers write it."""

    __tablename__ = "data_version"
    __table_args__ = (CheckConstraint("id = 1", name="single_row"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    version: Mapped[int] = mapped_column(BigInteger, default=0)


def data_version() -> int:
    """The current data version (0 before the first change)."""
    return db.session.execute(_CURRENT_VERSION).scalar() or 0


@functools.lru_cache(maxsize=1)
def build_digest(*folders: Path) -> str:
    """A short digest of the files under `folders` (the code and the templates): a new deploy, new ETags."""
    digest = hashlib.sha256()
    for folder in folders:
        for path in sorted(folder.rglob("*")):
            if path.is_file() and path.suffix in (".py", ".html"):
                digest.update(str(path.relative_to(folder)).encode())
                digest.update(path.read_bytes())
    return digest.hexdigest()[:12]


def register_caching(app: Flask, build: str) -> None:
    """ETags and 304s for public pages (`build`: the digest of the deployed code); `private` for the rest."""
    session_cookie = app.config["SESSION_COOKIE_NAME"]
    data_pages = DATA_PAGES if app.config["GEOCODER"] == "offline" else DATA_PAGES - GEOCODED_PAGES
    public_pages = data_pages | CODE_PAGES

    @app.before_request
    def answer_unchanged() -> Response | None:
        """For an anonymous GET of a public page, the ETag; 304 (the view never runs) if the client has it."""
        g.etag = None
        if (
            request.endpoint not in public_pages
            or request.method not in ("GET", "HEAD")
            or sent_session_cookie(request, session_cookie)
        ):
            return None
        g.etag = f"{build}.{data_version()}" if request.endpoint in data_pages else build
        # If-None-Match compares weakly (RFC 9110): a proxy that compresses may have weakened our tag.
        if request.if_none_match.contains_weak(g.etag):
            return _public(Response(status=304), g.etag)
        return None

    @app.after_request
    def mark_cacheable(response: Response) -> Response:
        """Public with its ETag when answered in full (anything else is `private`: directory/security.py)."""
        etag = g.get("etag")
        if etag and response.status_code == 200:
            return _public(response, etag)
        return response


def _public(response: Response, etag: str) -> Response:
    response.set_etag(etag)
    response.headers["Cache-Control"] = PUBLIC_CACHE_CONTROL
    # A request with cookies may have a session: a cache must not answer it with the anonymous page.
    vary_on_cookie(response)
    return response
