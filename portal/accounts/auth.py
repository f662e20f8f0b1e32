"""Every route needs a logged-in, active person unless its handler says ``opt={"public": True}``."""

from __future__ import annotations

import dataclasses
import time

from litestar import Request
from litestar.connection import ASGIConnection
from litestar.exceptions import NotAuthorizedException
from litestar.handlers.base import BaseRouteHandler

from portal.accounts.services import load_viewer
from portal.core.sessions import session_of
from portal.visibility.viewer import Viewer

VIEWER_TTL = 5.0
_MAX_CACHED = 2048
_recent: dict[int, tuple[float, Viewer | None]] = {}


async def viewer_for(person_id: int) -> Viewer | None:
    """The person behind a session, re-read from the database at most every ``VIEWER_TTL`` s.

    A deactivation or role change therefore reaches every process within five seconds; the cache
    is a per-process shortcut that no other process needs.
    """
    now = time.monotonic()
    cached = _recent.get(person_id)
    if cached is not None and now - cached[0] < VIEWER_TTL:
        return cached[1]
    viewer = await load_viewer(person_id)
    if len(_recent) >= _MAX_CACHED:
        _recent.clear()
    _recent[person_id] = (now, viewer)
    return viewer


def forget_viewer(person_id: int) -> None:
    _recent.pop(person_id, None)


def forget_all_viewers() -> None:
    _recent.clear()


async def require_login(connection: ASGIConnection, handler: BaseRouteHandler) -> None:
    if handler.opt.get("public"):
        return
    session = session_of(connection.scope)
    person_id = session.person_id
    viewer = await viewer_for(person_id) if person_id is not None else None
    if viewer is None:
        if person_id is not None:
            session.logout()
        raise NotAuthorizedException("login required")
    unlocked = session.unlocked
    connection.state.viewer = dataclasses.replace(viewer, unlocked=unlocked) if unlocked else viewer


def provide_viewer(request: Request) -> Viewer:
    """The ``viewer`` dependency: the person ``require_login`` loaded for this request."""
    viewer = getattr(request.state, "viewer", None)
    if viewer is None:
        raise NotAuthorizedException("login required")
    return viewer
