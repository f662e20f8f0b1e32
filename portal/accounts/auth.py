"""Every route needs a logged-in, active person unless its handler says ``opt={"public": True}``."""

from __future__ import annotations

from litestar import Request
from litestar.connection import ASGIConnection
from litestar.exceptions import NotAuthorizedException
from litestar.handlers.base import BaseRouteHandler

from portal.accounts.services import load_viewer
from portal.core.sessions import session_of
from portal.visibility.projection import Viewer


async def require_login(connection: ASGIConnection, handler: BaseRouteHandler) -> None:
    if handler.opt.get("public"):
        return
    session = session_of(connection.scope)
    person_id = session.person_id
    viewer = await load_viewer(person_id) if person_id is not None else None
    if viewer is None:
        if person_id is not None:
            session.logout()
        raise NotAuthorizedException("login required")
    connection.state.viewer = viewer


def provide_viewer(request: Request) -> Viewer:
    """The ``viewer`` dependency: the person ``require_login`` loaded for this request."""
    viewer = getattr(request.state, "viewer", None)
    if viewer is None:
        raise NotAuthorizedException("login required")
    return viewer
