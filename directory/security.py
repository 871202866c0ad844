"""Security headers on every response, the stricter ones of pages behind a private link, and how the
secret tokens of those links are stored (only their hash)."""
import hashlib

from flask import Flask, Response, request

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


def register_security_headers(app: Flask) -> None:
    """Add CSP (no inline code), nosniff, referrer policy and, over HTTPS, HSTS."""

    @app.after_request
    def add_security_headers(response: Response) -> Response:
        response.headers.setdefault("Content-Security-Policy", CONTENT_SECURITY_POLICY)
        response.headers.setdefault("X-Content-Type-Options", "nosniff")
        response.headers.setdefault("Referrer-Policy", "strict-origin-when-cross-origin")
        response.headers.setdefault("X-Frame-Options", "DENY")
        if request.is_secure:
            response.headers.setdefault("Strict-Transport-Security", "max-age=31536000; includeSubDomains")
        return response
