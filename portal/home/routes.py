"""The start page: the viewer's clients and the latest activity across everything they may see."""

from __future__ import annotations

from litestar import Request, Response, get
from litestar.di import NamedDependency

from portal.admin.permissions import administers_people, manages_organisations
from portal.clients.services import assigns_file_holders, my_clients, team_files
from portal.core.templating import render
from portal.timeline.services import recent_activity
from portal.trajectory.services import waiting_for
from portal.visibility.policy import relations_granting_sight
from portal.visibility.viewer import Viewer


@get("/", name="home")
async def home(request: Request, viewer: NamedDependency[Viewer]) -> Response[str]:
    return render(
        request,
        "home/home.html",
        {
            "my_clients": await my_clients(viewer),
            "activity": await recent_activity(viewer),
            "waiting": await waiting_for(viewer),
            "sees_clients": bool(relations_granting_sight(viewer.roles)),
            "manages_organisations": manages_organisations(viewer),
            "administers_people": administers_people(viewer),
            "unheld": len((await team_files(viewer)).unheld) if assigns_file_holders(viewer) else 0,
            "assigns_file_holders": assigns_file_holders(viewer),
        },
    )


route_handlers = [home]
