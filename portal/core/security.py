"""Security headers on every response; CSRF and cross-site checks on every unsafe request."""

from __future__ import annotations

from collections.abc import Sequence

from litestar import Request
from litestar.datastructures import MutableScopeHeaders
from litestar.exceptions import PermissionDeniedException
from litestar.types import Message, Scope

from portal.core.sessions import session_of

SAFE_METHODS = frozenset({"GET", "HEAD", "OPTIONS"})
CSRF_HEADER = "x-csrf-token"
CSRF_FIELD = "csrf_token"


def content_security_policy(form_targets: Sequence[str] = ()) -> str:
    """No inline script or style anywhere; forms post to this site, or to ``form_targets``.

    The logout form's answer redirects to the identity provider (RP-initiated logout), and
    ``form-action`` also governs where a form submission may be redirected.
    """
    return "; ".join(
        [
            "default-src 'self'",
            "script-src 'self'",
            "style-src 'self'",
            "img-src 'self' data:",
            "connect-src 'self'",
            " ".join(["form-action 'self'", *form_targets]),
            "frame-ancestors 'none'",
            "base-uri 'none'",
            "object-src 'none'",
        ]
    )


class CsrfRefused(PermissionDeniedException):
    """An unsafe request without a valid token, or sent from another site."""


def security_headers(*, production: bool, form_targets: Sequence[str] = ()):
    """A ``before_send`` hook adding the headers; ``no-store`` on everything but static files."""
    csp = content_security_policy(form_targets)

    async def add_headers(message: Message, scope: Scope) -> None:
        if message["type"] != "http.response.start":
            return
        headers = MutableScopeHeaders.from_message(message)
        headers["Content-Security-Policy"] = csp
        headers["X-Content-Type-Options"] = "nosniff"
        headers["Referrer-Policy"] = "same-origin"
        headers["X-Frame-Options"] = "DENY"
        headers["Cross-Origin-Opener-Policy"] = "same-origin"
        headers["Permissions-Policy"] = "camera=(), microphone=(), geolocation=()"
        if production:
            headers["Strict-Transport-Security"] = "max-age=31536000; includeSubDomains"
        if not scope.get("path", "").startswith("/static/"):
            headers["Cache-Control"] = "no-store"

    return add_headers


async def check_csrf(request: Request) -> None:
    """``before_request`` hook: unsafe methods need the session's token (header or form field)."""
    if request.method in SAFE_METHODS:
        return
    if request.headers.get("sec-fetch-site") == "cross-site":
        raise CsrfRefused("cross-site request refused")
    session = session_of(request.scope)
    candidate = request.headers.get(CSRF_HEADER)
    if candidate is None and request.content_type[0] in (
        "application/x-www-form-urlencoded",
        "multipart/form-data",
    ):
        form = await request.form()
        value = form.get(CSRF_FIELD)
        candidate = value if isinstance(value, str) else None
    if not session.csrf_matches(candidate):
        raise CsrfRefused("missing or wrong CSRF token")
