from __future__ import annotations

from typing import Annotated

from litestar import Request, Response, get, post
from litestar.di import NamedDependency
from litestar.exceptions import ClientException, PermissionDeniedException
from litestar.params import QueryParameter
from litestar.response import Redirect

from portal.clients import services
from portal.clients.labels import FIELD_LABELS
from portal.clients.visibility import CLIENT_FIELDS
from portal.core.forms import form_fields, local_path
from portal.core.i18n import N_
from portal.core.i18n import gettext_ as _
from portal.core.params import RecordId
from portal.core.sessions import session_of
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
    errors: dict[str, str] | None = None,
    typed: dict[str, str] | None = None,
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
        context |= {
            "field_labels": FIELD_LABELS,
            "field_groups": GROUPS,
            "actions": await services.file_actions(viewer, client),
            "errors": errors or {},
            "typed": typed or {},
            "notice": NOTICES.get(request.query_params.get("done") or ""),
        }
    return render(
        request,
        template,
        context,
        status_code=422 if errors else 200,
        headers={"Vary": "HX-Request"},
    )


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


NOTICES = {
    "reason": N_(
        "You can now see the whole file for this session. Your reason is in the access log, and "
        "the file holder sees it."
    ),
    "holder": N_("The file holder has been changed."),
}


@post("/clients/{client_id:int}/reason", status_code=303)
async def state_reason(
    request: Request, viewer: NamedDependency[Viewer], client_id: RecordId
) -> Response[str] | Redirect:
    """Break the glass: a colleague states why they need the rest of the file, for this session."""
    reason = (await form_fields(request)).get("reason", "")
    try:
        await services.state_reason(viewer, client_id, reason)
    except services.NotAllowed:
        raise PermissionDeniedException() from None
    except services.ReasonTooShort:
        message = _("Write in a few words why you need to see more of this file.")
        return await _client_screen(
            request,
            viewer,
            client_id,
            None,
            None,
            fragment=False,
            errors={"reason": message},
            typed={"reason": reason},
        )
    session_of(request.scope).unlock(client_id)
    return Redirect(f"/clients/{client_id}?done=reason", status_code=303)


@post("/clients/{client_id:int}/file-holder", status_code=303)
async def assign_file_holder(
    request: Request, viewer: NamedDependency[Viewer], client_id: RecordId
) -> Response[str] | Redirect:
    """The OCMW's coordinator names the file holder (``username`` of a social worker)."""
    fields = await form_fields(request)
    try:
        await services.assign_file_holder(viewer, client_id, fields.get("username", ""))
    except services.NotAllowed:
        raise PermissionDeniedException() from None
    except services.NoSuchSocialWorker:
        message = _("Choose an active social worker of this OCMW.")
        return await _client_screen(
            request,
            viewer,
            client_id,
            None,
            None,
            fragment=False,
            errors={"username": message},
            typed=fields,
        )
    target = local_path(fields.get("next"), f"/clients/{client_id}?done=holder")
    return Redirect(target, status_code=303)


@get("/team/files", name="team_files")
async def team_files(request: Request, viewer: NamedDependency[Viewer]) -> Response[str]:
    """Who holds which file of the coordinator's OCMW, and the files that need a holder."""
    return render(request, "clients/team_files.html", {"team": await services.team_files(viewer)})


route_handlers = [
    client_list,
    client_page,
    client_timeline,
    state_reason,
    assign_file_holder,
    team_files,
]
