"""Who may administer: people with the ``admin`` role. Everyone else gets 404 on these pages."""

from __future__ import annotations

from litestar.connection import ASGIConnection
from litestar.exceptions import NotFoundException
from litestar.handlers.base import BaseRouteHandler

from portal.visibility.policy import Role
from portal.visibility.viewer import Viewer


def may_administer(viewer: Viewer | None) -> bool:
    return viewer is not None and Role.admin in viewer.roles


async def require_admin(connection: ASGIConnection, handler: BaseRouteHandler) -> None:
    """Router guard; runs after the app's login guard has put the viewer on the connection."""
    if not may_administer(getattr(connection.state, "viewer", None)):
        raise NotFoundException()
