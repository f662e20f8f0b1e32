"""Pages that belong to no single domain: home, language choice, health."""

from __future__ import annotations

import logging

from litestar import Request, Response, get, post
from litestar.di import NamedDependency
from litestar.response import Redirect

from portal.admin.permissions import may_administer
from portal.clients import services as clients
from portal.core import db
from portal.core.forms import form_fields, local_path
from portal.core.i18n import LOCALE_COOKIE, LOCALES
from portal.core.storage import StorageUnavailable
from portal.core.templating import render
from portal.visibility.policy import relations_granting_sight
from portal.visibility.projection import Viewer

log = logging.getLogger("portal.health")


@get("/", name="home")
async def home(request: Request, viewer: NamedDependency[Viewer]) -> Response[str]:
    mine = await clients.my_clients(viewer)
    activity = await clients.recent_activity(viewer, mine)
    return render(
        request,
        "core/home.html",
        {
            "my_clients": mine,
            "activity": activity,
            "sees_clients": bool(relations_granting_sight(viewer.roles)),
            "administers": may_administer(viewer),
        },
    )


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
    """Whether the database and the document store answer; 503 when either does not."""
    status = {"database": "ok", "documents": "ok"}
    try:
        await db.ping()
    except Exception:
        log.exception("health: database unreachable")
        status["database"] = "unreachable"
    try:
        request.app.state.storage.check()
    except StorageUnavailable:
        log.exception("health: document store unreachable")
        status["documents"] = "unreachable"
    healthy = all(value == "ok" for value in status.values())
    return Response(
        {"status": "ok" if healthy else "unavailable", **status},
        status_code=200 if healthy else 503,
    )


route_handlers = [home, choose_language, health]
