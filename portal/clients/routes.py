from __future__ import annotations

from collections.abc import Awaitable, Callable
from typing import Annotated, Any

from litestar import Request, Response, get, post
from litestar.di import NamedDependency
from litestar.exceptions import ClientException, NotFoundException, PermissionDeniedException
from litestar.params import PathParameter, QueryParameter
from litestar.response import Redirect

from portal.audit.services import record_listing
from portal.clients import changes, closing, panels, services
from portal.clients.labels import FIELD_LABELS
from portal.clients.summary import summary_of, summary_reads, with_change_choices
from portal.clients.visibility import CLIENT_FIELDS, ClientView
from portal.clients.workflow import (
    CLOSE_REASON_BY_CODE,
    CLOSE_REASONS,
    LADDER,
    STATUS_BY_CODE,
    STATUSES,
)
from portal.core import prepared
from portal.core.forms import form_fields, local_path
from portal.core.i18n import N_
from portal.core.i18n import gettext_ as _
from portal.core.params import RecordId
from portal.core.sessions import session_of
from portal.core.templating import is_htmx, render
from portal.timeline import kinds, notes
from portal.timeline.services import BadCursor, Cursor
from portal.visibility.fields import field_groups
from portal.visibility.viewer import Viewer

Query = Annotated[str | None, QueryParameter(name="q")]
Page = Annotated[int, QueryParameter(name="page", ge=1, le=100_000)]
Kind = Annotated[str | None, QueryParameter(name="kind")]
Before = Annotated[str | None, QueryParameter(name="before")]
SectionName = Annotated[str, PathParameter(max_length=20)]
Mine = Annotated[str | None, QueryParameter(name="mine", max_length=1)]
Sort = Annotated[str | None, QueryParameter(name="sort", max_length=20)]
Closed = Annotated[str | None, QueryParameter(name="closed", max_length=1)]
GROUPS = field_groups(CLIENT_FIELDS)


@get("/clients", name="clients")
async def client_list(
    request: Request,
    viewer: NamedDependency[Viewer],
    q: Query = None,
    page: Page = 1,
    mine: Mine = None,
    sort: Sort = None,
    closed: Closed = None,
) -> Response[str]:
    """The clients this viewer may see; ``mine=0`` for all of them, ``sort=name`` by name,
    ``closed=1`` with the closed files."""
    own = services.mine_by_default(viewer) if mine is None else mine == "1"
    result = await services.list_clients(
        viewer, query=q or "", page=page, mine=own, sort=sort or "activity", closed=closed == "1"
    )
    return render(
        request,
        "clients/list.html",
        {
            "result": result,
            "registers": changes.registers_clients(viewer),
            "statuses": STATUS_BY_CODE,
            "close_reasons": CLOSE_REASON_BY_CODE,
        },
        fragment="clients/_results.html",
        headers={"Vary": "HX-Request"},
    )


def _known_kind(kind: str | None) -> str | None:
    return kind if kind in kinds.installed() else None


async def client_screen(
    request: Request,
    viewer: Viewer,
    client_id: int,
    kind: str | None,
    before: str | None,
    *,
    fragment: bool,
    errors: dict[str, str] | None = None,
    typed: dict[str, str] | None = None,
    edit: bool = False,
) -> Response[str]:
    """The client page (or its timeline fragment); ``edit`` includes the file holder's change
    forms, which are otherwise loaded on request (``/clients/{id}/edit``)."""
    try:
        cursor = Cursor.decode(before)
    except BadCursor:
        raise ClientException("not a cursor of this portal") from None
    with prepared.sharing():
        return await _client_screen(
            request, viewer, client_id, kind, cursor, fragment, errors, typed, edit
        )


async def _client_screen(
    request: Request,
    viewer: Viewer,
    client_id: int,
    kind: str | None,
    cursor: Cursor | None,
    fragment: bool,
    errors: dict[str, str] | None,
    typed: dict[str, str] | None,
    edit: bool,
) -> Response[str]:
    def page_reads(client: ClientView) -> list[prepared.Bound]:
        return [*summary_reads(viewer, client), *panels.reads_for(viewer, client)]

    client, page = await services.open_file(
        viewer,
        client_id,
        kind=_known_kind(kind),
        before=cursor,
        action="client.timeline_read" if fragment else "client.opened",
        also=None if fragment else page_reads,
    )
    context = {
        "client": client,
        "timeline": page,
        "kinds": services.readable_kinds(viewer, client),
        "writes_notes": bool(notes.note_choices(viewer, client.relation)[0]),
        "viewer_id": viewer.person_id,
    }
    if fragment:
        template = "clients/_timeline_items.html"
    else:
        template = "clients/detail.html"
        summary = await summary_of(viewer, client)
        if edit:
            summary = await with_change_choices(summary, client)
        context |= {
            "field_labels": FIELD_LABELS,
            "field_groups": GROUPS,
            "actions": await services.file_actions(viewer, client),
            "summary": summary,
            "panels": await panels.panels_for(viewer, client),
            "edit": edit,
            "live": cursor is None,
            "statuses": STATUSES,
            "close_reasons": CLOSE_REASONS,
            "close_reason_names": CLOSE_REASON_BY_CODE,
            "ladder": LADDER,
            "errors": errors or {},
            "typed": typed or {"corrects": request.query_params.get("corrects", "")[:10]},
            "notice": _notice(request.query_params.get("done") or ""),
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
    try:
        return await client_screen(request, viewer, client_id, kind, before, fragment=False)
    except NotFoundException:
        locked = await services.locked_out(viewer, client_id)
        if locked is None:
            raise
        return render(request, "clients/locked_out.html", {"locked": locked}, status_code=403)


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
    return await client_screen(request, viewer, client_id, kind, before, fragment=fragment)


NOTICES = {
    "registered": N_("The client is registered. You hold the file."),
    "team": N_("The care team has been changed."),
    "consent": N_("The consent has been recorded."),
    "note": N_("Your note is on the timeline."),
    "ladder": N_("The ladder step has been changed."),
    "status": N_("The status has been changed."),
    "agreement": N_("The agreement note has been recorded."),
    "reason": N_(
        "You can now see the whole file for this session. Your reason is in the access log, and "
        "the file holder sees it."
    ),
    "holder": N_("The file holder has been changed."),
    "close": N_("The file is closed. It is read-only until you reopen it."),
    "reopen": N_("The file is open again."),
}


def _notice(done: str) -> str | None:
    return NOTICES.get(done) or panels.notice(done)


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
        return await client_screen(
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
        return await client_screen(
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


@get("/clients/new", name="client_new")
async def new_client(request: Request, viewer: NamedDependency[Viewer]) -> Response[str]:
    if not changes.registers_clients(viewer):
        raise PermissionDeniedException()
    return render(request, "clients/new.html", {"errors": {}, "typed": {}, "existing": None})


@post("/clients", status_code=303)
async def register_client(
    request: Request, viewer: NamedDependency[Viewer]
) -> Response[str] | Redirect:
    """Registration (aanmelding) by a social worker of an OCMW, who then holds the file."""
    if not changes.registers_clients(viewer):
        raise PermissionDeniedException()
    fields = await form_fields(request)
    try:
        client_id = await changes.register_client(viewer, changes.registration_from(fields))
    except changes.Invalid as invalid:
        context = {"errors": invalid.errors, "typed": fields, "existing": invalid.existing}
        return render(request, "clients/new.html", context, status_code=422)
    return Redirect(f"/clients/{client_id}?done=registered", status_code=303)


Change = Callable[[Viewer, int, dict[str, str]], Awaitable[Any]]


async def _change(
    request: Request, viewer: Viewer, client_id: int, done: str, change: Change
) -> Response[str] | Redirect:
    """One change to a file from its form: 303 back to the file, or the file again with the
    messages next to the fields (422); 403 for who sees the file but may not make the change."""
    fields = await form_fields(request)
    try:
        await change(viewer, client_id, fields)
    except changes.NotAllowed:
        raise PermissionDeniedException() from None
    except changes.Invalid as invalid:
        return await client_screen(
            request,
            viewer,
            client_id,
            None,
            None,
            fragment=False,
            errors=invalid.errors,
            typed=fields | {"form": done},
            edit=done not in ("note", "close", "reopen"),
        )
    return Redirect(f"/clients/{client_id}?done={done}#summary", status_code=303)


@get("/clients/{client_id:int}/edit", name="client_edit")
async def edit_client(
    request: Request, viewer: NamedDependency[Viewer], client_id: RecordId
) -> Response[str]:
    """The file holder's change forms: a page, or the fragment the client page loads into place."""
    client = await services.find_client(viewer, client_id)
    summary = await summary_of(viewer, client)
    if not summary.holds_file:
        raise PermissionDeniedException()
    context = {
        "client": client,
        "summary": await with_change_choices(summary, client),
        "statuses": STATUSES,
        "ladder": LADDER,
        "errors": {},
        "typed": {},
    }
    return render(
        request,
        "clients/edit.html",
        context,
        fragment="clients/_changes.html",
        headers={"Vary": "HX-Request"},
    )


@post("/clients/{client_id:int}/team", status_code=303)
async def change_team(
    request: Request, viewer: NamedDependency[Viewer], client_id: RecordId
) -> Response[str] | Redirect:
    return await _change(
        request,
        viewer,
        client_id,
        "team",
        lambda v, c, f: changes.change_care_team(v, c, f.get("username", ""), f.get("action", "")),
    )


@post("/clients/{client_id:int}/consent", status_code=303)
async def record_consent(
    request: Request, viewer: NamedDependency[Viewer], client_id: RecordId
) -> Response[str] | Redirect:
    return await _change(request, viewer, client_id, "consent", changes.record_consent_from)


@post("/clients/{client_id:int}/notes", status_code=303)
async def add_note(
    request: Request, viewer: NamedDependency[Viewer], client_id: RecordId
) -> Response[str] | Redirect:
    return await _change(request, viewer, client_id, "note", notes.add_note_from)


@post("/clients/{client_id:int}/ladder", status_code=303)
async def set_ladder_step(
    request: Request, viewer: NamedDependency[Viewer], client_id: RecordId
) -> Response[str] | Redirect:
    return await _change(
        request,
        viewer,
        client_id,
        "ladder",
        lambda v, c, f: changes.set_ladder_step(v, c, f.get("step", ""), f.get("reason", "")),
    )


@post("/clients/{client_id:int}/status", status_code=303)
async def set_status(
    request: Request, viewer: NamedDependency[Viewer], client_id: RecordId
) -> Response[str] | Redirect:
    return await _change(
        request,
        viewer,
        client_id,
        "status",
        lambda v, c, f: changes.set_status(v, c, f.get("status", ""), f.get("reason", "")),
    )


@post("/clients/{client_id:int}/close", status_code=303)
async def close_file(
    request: Request, viewer: NamedDependency[Viewer], client_id: RecordId
) -> Response[str] | Redirect:
    """The file holder closes the file: ``reason`` (a code of ``CLOSE_REASONS``), ``note``."""
    return await _change(request, viewer, client_id, "close", closing.close_file)


@post("/clients/{client_id:int}/reopen", status_code=303)
async def reopen_file(
    request: Request, viewer: NamedDependency[Viewer], client_id: RecordId
) -> Response[str] | Redirect:
    return await _change(request, viewer, client_id, "reopen", closing.reopen_file)


@post("/clients/{client_id:int}/agreement", status_code=303)
async def record_agreement(
    request: Request, viewer: NamedDependency[Viewer], client_id: RecordId
) -> Response[str] | Redirect:
    return await _change(request, viewer, client_id, "agreement", changes.record_agreement)


@get("/clients/{client_id:int}/sensitive/{section:str}", name="client_sensitive")
async def sensitive_section(
    request: Request, viewer: NamedDependency[Viewer], client_id: RecordId, section: SectionName
) -> Response[str]:
    """A collapsed sensitive section (``social`` or ``health``), for whoever is shown that class;
    reading it writes the reveal to the access log. 404 for anyone else."""
    shown = await services.reveal_section(viewer, client_id, section)
    return render(
        request,
        "clients/sensitive.html",
        {"section": shown, "field_labels": FIELD_LABELS},
        fragment="clients/_sensitive.html",
        headers={"Vary": "HX-Request"},
    )


@get("/team/files", name="team_files")
async def team_files(request: Request, viewer: NamedDependency[Viewer]) -> Response[str]:
    """Who holds which file of the coordinator's OCMW, and the files that need a holder."""
    team = await services.team_files(viewer)
    await record_listing(viewer, [held.client.id for held in team.unheld], search=False)
    return render(request, "clients/team_files.html", {"team": team})


route_handlers = [
    client_list,
    new_client,
    register_client,
    edit_client,
    change_team,
    record_consent,
    add_note,
    set_ladder_step,
    set_status,
    record_agreement,
    close_file,
    reopen_file,
    sensitive_section,
    client_page,
    client_timeline,
    state_reason,
    assign_file_holder,
    team_files,
]
