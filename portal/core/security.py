"""Security headers on every response; CSRF and cross-site checks on every unsafe request."""

from __future__ import annotations

from collections.abc import Sequence

from litestar import Request
from litestar.datastructures import MutableScopeHeaders
from litestar.exceptions import PermissionDeniedException
from litestar.types import Message, Scope

from portal.core.forms import is_form, read_form
from portal.core.sessions import session_of

SAFE_METHODS = frozenset({"GET", "HEAD", "OPTIONS"})
CSRF_HEADER = "x-csrf-token"
CSRF_FIELD = "csrf_token"
CSRF_FROM_STREAM = "csrf_from_stream"
"""Route ``opt`` key: the token comes from the header or the stream (see ``check_csrf``)."""
CSRF_PENDING = "brug_csrf_pending"
"""Scope key set while a streamed route has not yet verified its token."""


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
    """``before_request`` hook: an unsafe request needs its CSRF token.

    The token is the session's once logged in, else the one bound to the visitor's anonymous CSRF
    cookie (``sessions.SessionKeys``), sent in the ``X-CSRF-Token`` header or the ``csrf_token``
    form field. In this order, and the body is only read in the last step:

    1. ``Sec-Fetch-Site: cross-site``: refused.
    2. No logged-in session and no valid anonymous cookie, so no token could match: refused.
    3. The header, when sent, decides; the body is left to the handler.
    4. Otherwise the form's field, read within the route's limits (``forms.read_form``: 64 KiB and
       200 fields unless the route's ``opt`` says otherwise; 413 past them, without parsing).

    **Streamed bodies** (a document upload): a route with ``opt={CSRF_FROM_STREAM: True}`` is
    not read here. With the header, the header decides as above. Without it, the handler reads
    the token from a ``csrf_token`` part sent before the file and must call
    ``verify_csrf(request, token)`` before it reads any further (and before acting); such a route
    sets its own size limit (``request_max_body_size``) and reads ``request.stream()`` itself.
    """
    if request.method in SAFE_METHODS:
        return
    if request.headers.get("sec-fetch-site") == "cross-site":
        raise CsrfRefused("cross-site request refused")
    session = session_of(request.scope)
    if not session.can_carry_csrf():
        raise CsrfRefused("no session token and no anonymous CSRF cookie")
    candidate = request.headers.get(CSRF_HEADER)
    if candidate is None:
        if request.route_handler.opt.get(CSRF_FROM_STREAM):
            request.scope[CSRF_PENDING] = True  # type: ignore[literal-required]
            return
        if is_form(request):
            value = (await read_form(request)).get(CSRF_FIELD)
            candidate = value if isinstance(value, str) else None
    verify_csrf(request, candidate)


def verify_csrf(request: Request, candidate: str | None) -> None:
    """Refuse unless ``candidate`` is the token of this request's session or anonymous cookie.

    ``check_csrf`` calls it for every unsafe request; a streamed route (``CSRF_FROM_STREAM``) calls
    it with the token it read from the stream.
    """
    if not session_of(request.scope).csrf_matches(candidate):
        raise CsrfRefused("missing or wrong CSRF token")
    request.scope.pop(CSRF_PENDING, None)  # type: ignore[misc]
