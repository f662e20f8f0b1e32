from __future__ import annotations

from collections.abc import Awaitable, Callable
from typing import Any

from litestar import Request, Response, get, post
from litestar.di import NamedDependency
from litestar.exceptions import PermissionDeniedException
from litestar.response import Redirect

from portal.audit.services import record_access
from portal.clients.changes import Invalid
from portal.clients.services import find_client
from portal.clients.workflow import LADDER
from portal.core.forms import form_fields
from portal.core.params import RecordId
from portal.core.templating import render
from portal.trajectory import intake, invitations, placements, training
from portal.trajectory.panel import trajectory_panel
from portal.trajectory.services import (
    actors_of,
    answers_of,
    current_placement,
    find_request,
    follows_trajectory,
    latest_intake,
    may_request,
    request_line,
)
from portal.trajectory.workflow import (
    INTAKE_TOPICS,
    OUTFLOWS,
    PRE_KINDS,
    STATE_BY_CODE,
    TOPIC_BY_CODE,
    Actor,
)
from portal.visibility.viewer import Viewer

INTAKE_READ = "intake.read"
Write = Callable[[Viewer, int, dict[str, str]], Awaitable[Any]]


def _back(client_id: int, done: str) -> Redirect:
    return Redirect(f"/clients/{client_id}?done={done}#trajectory", status_code=303)


async def _form_page(
    request: Request,
    viewer: Viewer,
    client_id: int,
    template: str,
    *,
    allowed: Callable[[Viewer, Any, frozenset[Actor]], bool],
    errors: dict[str, str] | None = None,
    typed: dict[str, str] | None = None,
    extra: dict[str, Any] | None = None,
) -> Response[str]:
    """A trajectory form on a page of its own: for who may use it (403 for others who see the
    client); again with the messages and the typed input when it was refused (422)."""
    client = await find_client(viewer, client_id)
    if not errors and not allowed(viewer, client, await actors_of(viewer, client)):
        raise PermissionDeniedException()
    context = {"client": client, "errors": errors or {}, "typed": typed or {}} | (extra or {})
    return render(request, template, context, status_code=422 if errors else 200)


def _again(
    request: Request,
    viewer: Viewer,
    client_id: int,
    template: str,
    allowed: Callable[[Viewer, Any, frozenset[Actor]], bool],
) -> Callable[[dict[str, str], dict[str, str]], Awaitable[Response[str]]]:
    """The form page shown again with the messages and the typed input."""

    async def page(errors: dict[str, str], typed: dict[str, str]) -> Response[str]:
        return await _form_page(
            request, viewer, client_id, template, allowed=allowed, errors=errors, typed=typed
        )

    return page


async def _write(
    request: Request,
    viewer: Viewer,
    client_id: int,
    write: Write,
    done: str,
    page: Callable[[dict[str, str], dict[str, str]], Awaitable[Response[str]]],
) -> Response[str] | Redirect:
    fields = await form_fields(request)
    try:
        await write(viewer, client_id, fields)
    except Invalid as invalid:
        return await page(invalid.errors, fields)
    return _back(client_id, done)


# Training requests ---------------------------------------------------------------------------


def _requests(_viewer: Viewer, _client: Any, actors: frozenset[Actor]) -> bool:
    return may_request(actors)


@get("/clients/{client_id:int}/training-requests/new", name="training_new")
async def new_training_request(
    request: Request, viewer: NamedDependency[Viewer], client_id: RecordId
) -> Response[str]:
    return await _form_page(
        request, viewer, client_id, "trajectory/training_new.html", allowed=_requests
    )


@post("/clients/{client_id:int}/training-requests", status_code=303)
async def request_training(
    request: Request, viewer: NamedDependency[Viewer], client_id: RecordId
) -> Response[str] | Redirect:
    """A new request (``course``, ``provider``, ``note``) in state ``requested``."""

    page = _again(request, viewer, client_id, "trajectory/training_new.html", _requests)
    return await _write(request, viewer, client_id, training.request_training, "training", page)


async def _request_page(
    request: Request,
    viewer: Viewer,
    request_id: int,
    errors: dict[str, str] | None = None,
    typed: dict[str, str] | None = None,
) -> Response[str]:
    found, client = await find_request(viewer, request_id)
    line = request_line(found, await actors_of(viewer, client))
    context = {
        "client": client,
        "line": line,
        "states": STATE_BY_CODE,
        "errors": errors or {},
        "typed": typed or {},
    }
    return render(request, "trajectory/training.html", context, status_code=422 if errors else 200)


@get("/training-requests/{request_id:int}", name="training_request")
async def training_request(
    request: Request, viewer: NamedDependency[Viewer], request_id: RecordId
) -> Response[str]:
    return await _request_page(request, viewer, request_id)


@post("/training-requests/{request_id:int}/transition", status_code=303)
async def move_training_request(
    request: Request, viewer: NamedDependency[Viewer], request_id: RecordId
) -> Response[str] | Redirect:
    """``to`` a state of ``workflow.TARGETS``, with ``reason`` or ``start_date`` as needed."""
    fields = await form_fields(request)
    try:
        client_id = await training.move_training(viewer, request_id, fields)
    except Invalid as invalid:
        return await _request_page(request, viewer, request_id, invalid.errors, fields)
    return _back(client_id, "training-moved")


# Invitations ---------------------------------------------------------------------------------


def _invites(_viewer: Viewer, _client: Any, actors: frozenset[Actor]) -> bool:
    return Actor.vdab in actors


@get("/clients/{client_id:int}/invitations/new", name="invitation_new")
async def new_invitation(
    request: Request, viewer: NamedDependency[Viewer], client_id: RecordId
) -> Response[str]:
    return await _form_page(
        request, viewer, client_id, "trajectory/invitation_new.html", allowed=_invites
    )


@post("/clients/{client_id:int}/invitations", status_code=303)
async def invite(
    request: Request, viewer: NamedDependency[Viewer], client_id: RecordId
) -> Response[str] | Redirect:
    """``at`` (``YYYY-MM-DDTHH:MM``, Belgian time) and ``place``."""

    page = _again(request, viewer, client_id, "trajectory/invitation_new.html", _invites)
    return await _write(request, viewer, client_id, invitations.invite, "invitation", page)


# Intake --------------------------------------------------------------------------------------


async def _intake_page(
    request: Request,
    viewer: Viewer,
    client_id: int,
    errors: dict[str, str] | None = None,
    typed: dict[str, str] | None = None,
) -> Response[str]:
    """The latest intake as the viewer may read it (reading a ``health`` answer is logged) and,
    for the activation team, the form for a new one."""
    client = await find_client(viewer, client_id)
    if not errors and not follows_trajectory(viewer, client):
        raise PermissionDeniedException()
    latest = await latest_intake(viewer, client)
    answers = await answers_of(viewer, client, latest.id) if latest else []
    await record_access(viewer, client.id, INTAKE_READ, {answer.sensitivity for answer in answers})
    panel = await trajectory_panel(viewer, client)
    context = {
        "client": client,
        "intake": latest,
        "answers": answers,
        "topics": TOPIC_BY_CODE,
        "all_topics": INTAKE_TOPICS,
        "writable": intake.topics_for(viewer, client)
        if intake.holds_intakes(viewer, client)
        else (),
        "confirms": panel.confirms_intake if panel else False,
        "ladder": LADDER,
        "errors": errors or {},
        "typed": typed or {},
    }
    return render(request, "trajectory/intake.html", context, status_code=422 if errors else 200)


@get("/clients/{client_id:int}/intake", name="intake")
async def intake_page(
    request: Request, viewer: NamedDependency[Viewer], client_id: RecordId
) -> Response[str]:
    return await _intake_page(request, viewer, client_id)


@post("/clients/{client_id:int}/intake", status_code=303)
async def record_intake(
    request: Request, viewer: NamedDependency[Viewer], client_id: RecordId
) -> Response[str] | Redirect:
    async def page(errors: dict[str, str], typed: dict[str, str]) -> Response[str]:
        return await _intake_page(request, viewer, client_id, errors, typed)

    return await _write(request, viewer, client_id, intake.record_intake, "intake", page)


@post("/clients/{client_id:int}/intake/confirm", status_code=303)
async def confirm_intake(
    request: Request, viewer: NamedDependency[Viewer], client_id: RecordId
) -> Response[str] | Redirect:
    async def page(errors: dict[str, str], typed: dict[str, str]) -> Response[str]:
        return await _intake_page(request, viewer, client_id, errors, typed)

    return await _write(request, viewer, client_id, intake.confirm_intake, "intake-confirmed", page)


# Art. 60 placement ---------------------------------------------------------------------------


def _holds(_viewer: Viewer, _client: Any, actors: frozenset[Actor]) -> bool:
    return Actor.file_holder in actors


async def _placement_page(
    request: Request,
    viewer: Viewer,
    client_id: int,
    errors: dict[str, str] | None = None,
    typed: dict[str, str] | None = None,
) -> Response[str]:
    client = await find_client(viewer, client_id)
    running = await current_placement(viewer, client)
    return await _form_page(
        request,
        viewer,
        client_id,
        "trajectory/placement.html",
        allowed=_holds,
        errors=errors,
        typed=typed,
        extra={
            "placement": running if running and running.running else None,
            "pre_kinds": PRE_KINDS,
            "outflows": OUTFLOWS,
        },
    )


@get("/clients/{client_id:int}/placement", name="placement")
async def placement_page(
    request: Request, viewer: NamedDependency[Viewer], client_id: RecordId
) -> Response[str]:
    return await _placement_page(request, viewer, client_id)


@post("/clients/{client_id:int}/placement", status_code=303)
async def record_placement(
    request: Request, viewer: NamedDependency[Viewer], client_id: RecordId
) -> Response[str] | Redirect:
    async def page(errors: dict[str, str], typed: dict[str, str]) -> Response[str]:
        return await _placement_page(request, viewer, client_id, errors, typed)

    return await _write(request, viewer, client_id, placements.record_placement, "placement", page)


route_handlers = [
    new_training_request,
    request_training,
    training_request,
    move_training_request,
    new_invitation,
    invite,
    intake_page,
    record_intake,
    confirm_intake,
    placement_page,
    record_placement,
]
