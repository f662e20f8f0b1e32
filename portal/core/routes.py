"""Pages that belong to no domain: the language choice and the health check."""

from __future__ import annotations

import logging

from litestar import Request, Response, get, post
from litestar.response import Redirect

from portal.core import db
from portal.core.forms import form_fields, local_path
from portal.core.i18n import LOCALE_COOKIE, LOCALES
from portal.core.storage import StorageUnavailable, in_thread

log = logging.getLogger("portal.health")


@post("/language", opt={"public": True}, status_code=303)
async def choose_language(request: Request) -> Redirect:
    fields = await form_fields(request)
    response = Redirect(local_path(fields.get("next")), status_code=303)
    lang = fields.get("lang")
    if lang in LOCALES:
        response.set_cookie(
            LOCALE_COOKIE,
            lang,
            max_age=365 * 24 * 3600,
            httponly=True,
            samesite="lax",
            secure=request.app.state.settings.secure_cookies,
        )
    return response


@get("/health", opt={"public": True}, name="health")
async def health(request: Request) -> Response[dict[str, str]]:
    """Whether the database and the document store answer; 503 when either does not. The store
    is asked from a worker thread: a slow S3 server holds up this request, not the others."""
    status = {"database": "ok", "documents": "ok"}
    try:
        await db.ping()
    except Exception:
        log.exception("health: database unreachable")
        status["database"] = "unreachable"
    try:
        await in_thread(request.app.state.storage.check)
    except StorageUnavailable:
        log.exception("health: document store unreachable")
        status["documents"] = "unreachable"
    healthy = all(value == "ok" for value in status.values())
    return Response(
        {"status": "ok" if healthy else "unavailable", **status},
        status_code=200 if healthy else 503,
    )


route_handlers = [choose_language, health]
