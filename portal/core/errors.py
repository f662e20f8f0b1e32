"""Friendly error pages in the visitor's language; a stack trace only ever reaches the log."""

from __future__ import annotations

import logging

from litestar import Request, Response
from litestar.exceptions import HTTPException, NotAuthorizedException
from litestar.response import Redirect

from portal.core import i18n
from portal.core.i18n import N_
from portal.core.templating import is_htmx, render
from portal.core.unavailable import unavailable

log = logging.getLogger("portal.errors")

MESSAGES = {
    400: (N_("Something in the request was not right"), N_("Please go back and try again.")),
    403: (
        N_("You cannot do this"),
        N_(
            "The request was refused. Reload the page and try again, or contact your administrator."
        ),
    ),
    404: (
        N_("Page not found"),
        N_("This page does not exist, or you do not have access to it."),
    ),
    405: (N_("This action is not possible here"), N_("Please go back and try again.")),
    409: (
        N_("This file cannot change now"),
        N_(
            "The file was closed or handed over to another OCMW in the meantime. Open it again"
            " to see where it stands."
        ),
    ),
    413: (N_("The upload is too large"), N_("Please choose a smaller file.")),
    500: (
        N_("Something went wrong on our side"),
        N_("The error has been logged. Please try again later."),
    ),
    503: (
        N_("The portal is not available right now"),
        N_(
            "A part of the portal cannot be reached right now. Please try again in a few minutes;"
            " if you were saving something, first check whether it was saved."
        ),
    ),
}
RETRY_AFTER = 30
"""Seconds a 503 page asks the browser to wait before trying again."""


def error_page(request: Request, status_code: int) -> Response[str]:
    i18n.use_locale_of(request.cookies)
    title, text = MESSAGES.get(status_code, MESSAGES[500 if status_code >= 500 else 400])
    return render(
        request,
        "core/error.html",
        {"status_code": status_code, "title": title, "text": text},
        status_code=status_code,
        headers={"Retry-After": str(RETRY_AFTER)} if status_code == 503 else None,
    )


def http_error(request: Request, exc: HTTPException) -> Response:
    if isinstance(exc, NotAuthorizedException):
        return login_redirect(request)
    if exc.status_code >= 500:
        log.error(
            "HTTP %s on %s %s: %s", exc.status_code, request.method, request.url.path, exc.detail
        )
    return error_page(request, exc.status_code)


def login_redirect(request: Request) -> Response:
    target = "/auth/login"
    if request.method == "GET" and request.url.path not in ("/", "/auth/login"):
        target += "?next=" + request.url.path
    if is_htmx(request):
        return Response("", status_code=401, headers={"HX-Redirect": target})
    return Redirect(target, status_code=303)


def server_error(request: Request, exc: Exception) -> Response[str]:
    """500 for a bug; 503 when a server the portal depends on cannot be reached (logged in one
    line: an outage is no bug, and every request meets it until the server is back)."""
    server = unavailable(exc)
    if server is not None:
        log.error(
            "%s unavailable on %s %s: %s: %s",
            server,
            request.method,
            request.url.path,
            type(exc).__name__,
            exc,
        )
        return error_page(request, 503)
    log.exception("unhandled error on %s %s", request.method, request.url.path, exc_info=exc)
    return error_page(request, 500)
