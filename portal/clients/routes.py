from __future__ import annotations

from typing import Annotated

from litestar import Request, Response, get
from litestar.di import NamedDependency
from litestar.exceptions import ClientException
from litestar.params import QueryParameter

from portal.clients import services
from portal.clients.labels import FIELD_LABELS
from portal.clients.visibility import CLIENT_FIELDS
from portal.core.params import RecordId
from portal.core.templating import is_htmx, render
from portal.timeline import kinds
from portal.timeline.services import BadCursor, Cursor
from portal.visibility.fields import field_groups
from portal.visibility.viewer import Viewer

Query = Annotated[str | None, QueryParameter(name="q")]
Page = Annotated[int, QueryParameter(name="page", ge=1, le=100_000)]
Kind = Annotated[str | None, QueryParameter(name="kind")]
Before = Annotated[str | None, QueryParameter(name="before")]
GROUPS = field_groups(CLIENT_FIELDS)


@get("/clients", name="clients")
async def client_list(
    request: Request, viewer: NamedDependency[Viewer], q: Query = None, page: Page = 1
) -> Response[str]:
    result = await services.list_clients(viewer, query=q or "", page=page)
    return render(
        request,
        "clients/list.html",
        {"result": result},
        fragment="clients/_results.html",
        headers={"Vary": "HX-Request"},
    )


def _known_kind(kind: str | None) -> str | None:
    return kind if kind in kinds.installed() else None


async def _client_screen(
    request: Request,
    viewer: Viewer,
    client_id: int,
    kind: str | None,
    before: str | None,
    *,
    fragment: bool,
) -> Response[str]:
    try:
        cursor = Cursor.decode(before)
    except BadCursor:
        raise ClientException("not a cursor of this portal") from None
    client, page = await services.open_file(
        viewer,
        client_id,
        kind=_known_kind(kind),
        before=cursor,
        action="client.timeline_read" if fragment else "client.opened",
    )
    context = {"client": client, "timeline": page, "kinds": kinds.kind_labels()}
    if fragment:
        template = "clients/_timeline_items.html"
    else:
        template = "clients/detail.html"
        context |= {"field_labels": FIELD_LABELS, "field_groups": GROUPS}
    return render(request, template, context, headers={"Vary": "HX-Request"})


@get("/clients/{client_id:int}", name="client")
async def client_page(
    request: Request,
    viewer: NamedDependency[Viewer],
    client_id: RecordId,
    kind: Kind = None,
    before: Before = None,
) -> Response[str]:
    return await _client_screen(request, viewer, client_id, kind, before, fragment=False)


@get("/clients/{client_id:int}/timeline", name="client_timeline")
async def client_timeline(
    request: Request,
    viewer: NamedDependency[Viewer],
    client_id: RecordId,
    kind: Kind = None,
    before: Before = None,
) -> Response[str]:
    """The next screen of the timeline: items for htmx, the whole client page otherwise."""
    fragment = is_htmx(request)
    return await _client_screen(request, viewer, client_id, kind, before, fragment=fragment)


route_handlers = [client_list, client_page, client_timeline]
