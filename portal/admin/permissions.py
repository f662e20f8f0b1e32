"""Who may administer what. Everyone else gets 404 on these pages, as for anything not theirs.

- A **platform administrator** (``platform_admin``) manages the organisations (whose codes the
  identity provider's organisation claim maps to) and the partnerships, and administers the people
  of every organisation; their log shows every action.
- An **administrator** (``admin``) administers the people of their own organisation only, and their
  log shows the actions concerning it.

Neither sees client content. The menu and the guards below read these same functions.
"""

from __future__ import annotations

from litestar.connection import ASGIConnection
from litestar.exceptions import NotFoundException
from litestar.handlers.base import BaseRouteHandler

from portal.visibility.policy import Role
from portal.visibility.viewer import Viewer


def manages_organisations(viewer: Viewer | None) -> bool:
    """Organisations and partnerships: platform administrators only."""
    return viewer is not None and Role.platform_admin in viewer.roles


def administers_people(viewer: Viewer | None) -> bool:
    """The people pages and the admin log: administrators and platform administrators."""
    return viewer is not None and bool({Role.admin, Role.platform_admin} & viewer.roles)


def administers_all_people(viewer: Viewer) -> bool:
    """A platform administrator administers everyone; an administrator their organisation's."""
    return manages_organisations(viewer)


def _viewer_of(connection: ASGIConnection) -> Viewer | None:
    return getattr(connection.state, "viewer", None)


async def require_people_admin(connection: ASGIConnection, handler: BaseRouteHandler) -> None:
    """Router guard of ``/admin``; runs after the app's login guard has put the viewer there."""
    if not administers_people(_viewer_of(connection)):
        raise NotFoundException()


async def require_platform_admin(connection: ASGIConnection, handler: BaseRouteHandler) -> None:
    """Guard of the organisation and partnership pages."""
    if not manages_organisations(_viewer_of(connection)):
        raise NotFoundException()
