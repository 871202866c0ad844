"""Security headers on every response, the stricter ones of pages behind a private link, and how the
secret tokens of those links are stored (only their hash)."""
from __future__ import annotations

import hashlib
from collections.abc import Callable, Iterable
from typing import TYPE_CHECKING

from flask import Flask, Request, Response, current_app, request
from flask.sessions import SecureCookieSession, SecureCookieSessionInterface, SessionMixin

from directory.extensions import csrf

if TYPE_CHECKING:
    from _typeshed.wsgi import StartResponse, WSGIApplication, WSGIEnvironment

CONTENT_SECURITY_POLICY = "; ".join(
    [
        "default-src 'self'",
        "script-src 'self'",
        "style-src 'self'",
        "img-src 'self' data:",
        "font-src 'self'",
        "connect-src 'self'",
        "object-src 'none'",
        "base-uri 'self'",
        "form-action 'self'",
        "frame-ancestors 'none'",
    ]
)

# Pages behind a private link carry its secret token in their URL. `strict-origin` keeps the path (and so
# the token) out of every Referer, to other sites and to our own, yet still names our origin on the forms
# these pages post to themselves: over HTTPS Flask-WTF's CSRF check (WTF_CSRF_SSL_STRICT) refuses a POST
# whose Referer is missing or from another origin, so `no-referrer` made every such form answer 400.
# `same-origin` would work too but sends the full URL, token included, with every request to this site.
PRIVATE_REFERRER_POLICY = "strict-origin"


def hash_token(token: str) -> str:
    """The SHA-256 hex digest stored in place of a secret token (or other value looked up but never kept)."""
    return hashlib.sha256(token.encode("utf-8")).hexdigest()


def no_store(response: Response) -> Response:
    """Keep a page with private data out of every cache (browser history, proxies)."""
    response.headers["Cache-Control"] = "no-store"
    return response


def private_page(response: Response) -> Response:
    """Keep a private page out of caches and search engines, and its link out of Referer headers."""
    no_store(response)
    response.headers["X-Robots-Tag"] = "noindex, nofollow"
    response.headers["Referrer-Policy"] = PRIVATE_REFERRER_POLICY
    return response


# On every response, unless the app set the header itself (a private page's Referrer-Policy, the public
# pages' Cache-Control from directory/caching.py).
SECURITY_HEADERS = (
    ("Content-Security-Policy", CONTENT_SECURITY_POLICY),
    ("X-Content-Type-Options", "nosniff"),
    ("Referrer-Policy", "strict-origin-when-cross-origin"),
    ("X-Frame-Options", "DENY"),
    # Unless a page says it is the same for everyone, no shared cache (a proxy, a CDN) may keep it: it may
    # carry a form's CSRF token, a flash message or a moderator's view.
    ("Cache-Control", "private"),
)
# Over HTTPS only: a browser told over plain HTTP to insist on HTTPS could be locked out of a site without it.
HTTPS_HEADERS = SECURITY_HEADERS + (("Strict-Transport-Security", "max-age=31536000; includeSubDomains"),)


class SecurityHeaders:
    """WSGI middleware adding the security headers to every response the app gives, from lists built once."""

    def __init__(self, app: WSGIApplication) -> None:
        self.app = app

    def __call__(self, environ: WSGIEnvironment, start_response: StartResponse) -> Iterable[bytes]:
        defaults = HTTPS_HEADERS if environ.get("wsgi.url_scheme") == "https" else SECURITY_HEADERS

        def start_with_headers(status: str, headers: list[tuple[str, str]], exc_info=None):
            present = {name.lower() for name, _ in headers}
            headers.extend(header for header in defaults if header[0].lower() not in present)
            return start_response(status, headers, exc_info)

        return self.app(environ, start_with_headers)


def sent_session_cookie(request: Request, cookie_name: str) -> bool:
    """Whether the request carries a session cookie (read without parsing the cookies when there are none)."""
    return "HTTP_COOKIE" in request.environ and bool(request.cookies.get(cookie_name))


def only_with_a_session(app: Flask, hook: Callable[[Response], Response]) -> None:
    """Run an after-request `hook` that works on the session (Flask-Login's remember-me cookie) only for a
    request that sent a session cookie: reading the session costs every other response a Vary header."""
    hooks = app.after_request_funcs[None]
    cookie_name = app.config["SESSION_COOKIE_NAME"]

    def with_a_session(response: Response) -> Response:
        return hook(response) if sent_session_cookie(request, cookie_name) else response

    hooks[hooks.index(hook)] = with_a_session


def vary_on_cookie(response: Response) -> None:
    """Add `Cookie` to the response's Vary header (a string test, cheaper than parsing the header)."""
    vary = response.headers.get("Vary")
    if not vary:
        response.headers["Vary"] = "Cookie"
    elif "cookie" not in vary.lower():
        response.headers["Vary"] = f"{vary}, Cookie"


class SessionOnlyWhenSent(SecureCookieSessionInterface):
    """Flask's signed-cookie session, without building its signer for a request that sent no session cookie
    (most of them: only forms and the moderators' pages start a session), nor parsing headers to answer
    a request whose session stayed empty."""

    def open_session(self, app: Flask, request: Request) -> SecureCookieSession | None:
        if app.secret_key and not sent_session_cookie(request, self.get_cookie_name(app)):
            return self.session_class()
        return super().open_session(app, request)

    def save_session(self, app: Flask, session: SessionMixin, response: Response) -> None:
        if session or session.modified:
            super().save_session(app, session, response)
        elif session.accessed:
            vary_on_cookie(response)


def register_security_headers(app: Flask) -> None:
    """Add CSP (no inline code), nosniff, referrer policy, no framing and, over HTTPS, HSTS; sessions only
    opened from a cookie that was sent; the CSRF check of every request that can change something."""
    app.wsgi_app = SecurityHeaders(app.wsgi_app)  # type: ignore[method-assign]
    app.session_interface = SessionOnlyWhenSent()
    unsafe_methods = frozenset(app.config["WTF_CSRF_METHODS"])

    @app.before_request
    def check_csrf() -> None:
        if request.method in unsafe_methods and current_app.config["WTF_CSRF_ENABLED"]:
            csrf.protect(apply_exemptions=True)
