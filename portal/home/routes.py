"""The start page: what waits for the viewer ("Te doen"), their clients, and the latest activity
across everything they may see."""

from __future__ import annotations

from typing import Annotated

from litestar import Request, Response, get
from litestar.di import NamedDependency
from litestar.exceptions import ClientException, NotFoundException
from litestar.params import QueryParameter

from portal.admin.permissions import administers_people, manages_organisations
from portal.audit.services import record_listing
from portal.clients.services import (
    assigns_file_holders,
    my_clients,
    reads_client_files,
    team_files,
)
from portal.core.templating import is_htmx, render
from portal.home.todo import to_do
from portal.notifications.services import unread_count
from portal.timeline.services import BadCursor, Cursor, recent_activity
from portal.visibility.viewer import Viewer


@get("/", name="home")
async def home(request: Request, viewer: NamedDependency[Viewer]) -> Response[str]:
    """The whole page; for htmx (the live refresh when the inbox gets an item) what waits,
    recent activity and the header's count."""
    sees_clients = reads_client_files(viewer)
    todo = await to_do(viewer)
    activity = await recent_activity(viewer) if sees_clients else None
    live_refresh = is_htmx(request)
    clients = await my_clients(viewer) if sees_clients and not live_refresh else []
    named = [task.client_id for task in todo.tasks if task.client_id is not None]
    named += [item.client_id for item in activity.items] if activity else []
    named += [client.id for client in clients]
    await record_listing(viewer, sorted(set(named)), search=False)
    if live_refresh:
        live = {
            "todo": todo,
            "activity": activity,
            "sees_clients": sees_clients,
            "unread": await unread_count(viewer),
            "live": True,
        }
        return render(request, "home/_live.html", live)
    return render(
        request,
        "home/home.html",
        {
            "my_clients": clients,
            "activity": activity,
            "todo": todo,
            "sees_clients": sees_clients,
            "live": True,
            "manages_organisations": manages_organisations(viewer),
            "administers_people": administers_people(viewer),
            "unheld": len((await team_files(viewer)).unheld) if assigns_file_holders(viewer) else 0,
            "assigns_file_holders": assigns_file_holders(viewer),
        },
    )


ACTIVITY_PAGE = 25


@get("/activity", name="activity")
async def activity(
    request: Request,
    viewer: NamedDependency[Viewer],
    before: Annotated[str | None, QueryParameter(name="before")] = None,
) -> Response[str]:
    """All recent activity, newest first, a page at a time."""
    if not reads_client_files(viewer):
        raise NotFoundException()
    try:
        cursor = Cursor.decode(before)
    except BadCursor:
        raise ClientException("not a cursor of this portal") from None
    page = await recent_activity(viewer, limit=ACTIVITY_PAGE, before=cursor)
    await record_listing(viewer, sorted({item.client_id for item in page.items}), search=False)
    return render(request, "home/activity.html", {"activity": page, "older": before is not None})


route_handlers = [home, activity]
