"""Reads of a client's trajectory, through the viewer's scope, and who a person is to it."""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from litestar.exceptions import NotFoundException
from piccolo.query import OrderByRaw

from portal.accounts.tables import Partnership
from portal.clients.inbox import resolve_about_clients
from portal.clients.services import find_client
from portal.clients.visibility import ClientView, client_of_row
from portal.core.prepared import Bound, prepared
from portal.notifications.kinds import Target
from portal.trajectory.tables import Intake, IntakeAnswer, Invitation, Placement, TrainingRequest
from portal.trajectory.visibility import (
    AnswerView,
    IntakeView,
    InvitationView,
    PlacementView,
    TrainingRequestView,
)
from portal.trajectory.workflow import (
    OPEN_STATES,
    REQUESTERS,
    Actor,
    Transition,
    moves_from,
)
from portal.visibility.policy import Access, Relation, Role, Sensitivity, access
from portal.visibility.records import visible_to
from portal.visibility.viewer import Viewer

_T = Sensitivity.trajectory


def follows_trajectory(viewer: Viewer, client: ClientView) -> bool:
    """Whether the viewer is shown this client's trajectory (its records exist for them)."""
    return access(viewer.roles, client.relation, _T) is Access.shown


async def _vdab_team_of(ocmw: int, org_id: int) -> bool:
    return bool(
        await Partnership.exists().where((Partnership.ocmw == ocmw) & (Partnership.vdab == org_id))
    )


async def actors_of(viewer: Viewer, client: ClientView) -> frozenset[Actor]:
    """What the viewer is to this client's trajectory: the file holder, a toeleider or mediator
    of the care team, a mediator of the VDAB team of the OCMW's partnership (who sees the client
    through the care team or the client's consent)."""
    if not follows_trajectory(viewer, client):
        return frozenset()
    actors: set[Actor] = set()
    if client.relation is Relation.file_holder:
        actors.add(Actor.file_holder)
    if client.relation is Relation.care_team and {Role.toeleider, Role.mediator} & set(
        viewer.roles
    ):
        actors.add(Actor.team_partner)
    if (
        Role.mediator in viewer.roles
        and client.relation in (Relation.care_team, Relation.partner_org)
        and await _vdab_team_of(client.ocmw, viewer.org_id)
    ):
        actors.add(Actor.vdab)
    return frozenset(actors)


def may_request(actors: frozenset[Actor]) -> bool:
    return bool(actors & REQUESTERS)


# Training requests ----------------------------------------------------------------------------

_REQUEST_COLUMNS = (
    TrainingRequest.id,
    TrainingRequest.client,
    TrainingRequest.course,
    TrainingRequest.provider,
    TrainingRequest.note,
    TrainingRequest.state,
    TrainingRequest.start_date,
    TrainingRequest.reason,
    TrainingRequest.requested_at,
    TrainingRequest.changed_at,
    TrainingRequest.requested_by.display_name,
)


@dataclass(frozen=True)
class RequestLine:
    request: TrainingRequestView
    moves: tuple[Transition, ...]
    """What this viewer may do with it now."""
    waits_for_viewer: bool
    """The next step is the viewer's: the file holder's agreement, VDAB's approval."""


def request_line(request: TrainingRequestView, actors: frozenset[Actor]) -> RequestLine:
    moves = moves_from(request.state, actors)
    waits = (request.state == "requested" and Actor.file_holder in actors) or (
        request.state == "ocmw_agreed" and Actor.vdab in actors
    )
    return RequestLine(request, moves, waits)


@prepared(values={})
def _open_request_rows(viewer: Viewer, client: ClientView) -> Any:
    return (
        visible_to(viewer, TrainingRequest, client=client)
        .select(*_REQUEST_COLUMNS)
        .where(TrainingRequest.state.is_in(list(OPEN_STATES)))
        .order_by(TrainingRequest.requested_at)
    )


async def open_requests(viewer: Viewer, client: ClientView) -> list[TrainingRequestView]:
    rows = await _open_request_rows(viewer, client)
    return visible_to(viewer, TrainingRequest, client=client).project_all(rows)


async def find_request(viewer: Viewer, request_id: int) -> tuple[TrainingRequestView, ClientView]:
    """One request and its client, as the viewer may see them; 404 otherwise."""
    scope = visible_to(viewer, TrainingRequest)
    row = await scope.get(request_id, *_REQUEST_COLUMNS)
    request = scope.project(row) if row is not None else None
    if request is None:
        raise NotFoundException()
    return request, await find_client(viewer, request.client)


# Invitations, intake, placement -------------------------------------------------------------


INVITATION_COLUMNS = (
    Invitation.id,
    Invitation.client,
    Invitation.at,
    Invitation.place,
    Invitation.invited_by.display_name,
    Invitation.organisation.name,
)


@prepared(values={"moment": ()})
def _invitation_rows(viewer: Viewer, client: ClientView, moment: dt.datetime) -> Any:
    return (
        visible_to(viewer, Invitation, client=client)
        .select(*INVITATION_COLUMNS)
        .where(Invitation.at >= moment)
        .order_by(Invitation.at)
    )


def invitations_from() -> dt.datetime:
    """From when invitations count as still to come: this minute (the panel's read and the
    page's read of it together take the same moment)."""
    return dt.datetime.now(dt.UTC).replace(second=0, microsecond=0)


def panel_reads(viewer: Viewer, client: ClientView) -> list[Bound]:
    """The reads of the trajectory panel, for running with the page's others."""
    if not follows_trajectory(viewer, client):
        return []
    return [
        _open_request_rows.bind(viewer, client),
        _invitation_rows.bind(viewer, client, invitations_from()),
        _latest_intake_row.bind(viewer, client),
        _placement_row.bind(viewer, client),
    ]


async def upcoming_invitations(
    viewer: Viewer, client: ClientView, *, now: dt.datetime | None = None
) -> list[InvitationView]:
    """Invitations that have not passed yet, soonest first."""
    rows = await _invitation_rows(viewer, client, now or dt.datetime.now(dt.UTC))
    return visible_to(viewer, Invitation, client=client).project_all(rows)


@prepared(values={})
def _latest_intake_row(viewer: Viewer, client: ClientView) -> Any:
    return (
        visible_to(viewer, Intake, client=client)
        .select(
            Intake.id,
            Intake.client,
            Intake.held_on,
            Intake.proposed_step,
            Intake.confirmed_at,
            Intake.held_by.display_name,
        )
        .order_by(Intake.held_on, Intake.id, ascending=False)
        .first()
    )


async def latest_intake(viewer: Viewer, client: ClientView) -> IntakeView | None:
    row = await _latest_intake_row(viewer, client)
    return visible_to(viewer, Intake, client=client).project(row) if row is not None else None


async def answers_of(viewer: Viewer, client: ClientView, intake_id: int) -> list[AnswerView]:
    """The intake's answers whose class is shown to the viewer."""
    scope = visible_to(viewer, IntakeAnswer, client=client)
    rows = await scope.select(
        IntakeAnswer.id,
        IntakeAnswer.intake,
        IntakeAnswer.client,
        IntakeAnswer.topic,
        IntakeAnswer.text,
        IntakeAnswer.sensitivity,
    ).where(IntakeAnswer.intake == intake_id)
    return scope.project_all(rows)


async def current_placement(viewer: Viewer, client: ClientView) -> PlacementView | None:
    """The art. 60 placement that runs, or else the latest one that ended."""
    row = await _placement_row(viewer, client)
    return visible_to(viewer, Placement, client=client).project(row) if row is not None else None


@prepared(values={})
def _placement_row(viewer: Viewer, client: ClientView) -> Any:
    running_first = OrderByRaw('CASE WHEN "placement"."outflow" = \'\' THEN 0 ELSE 1 END')
    return (
        visible_to(viewer, Placement, client=client)
        .select(*Placement.all_columns())
        .order_by(running_first)
        .order_by(Placement.start, Placement.id, ascending=False)
        .first()
    )


@dataclass(frozen=True)
class TrajectoryRecords:
    """Every record of one client's trajectory a viewer reads, oldest first."""

    requests: list[TrainingRequestView]
    invitations: list[InvitationView]
    intakes: list[tuple[IntakeView, list[AnswerView]]]
    """Each intake with the answers whose class is shown to the viewer."""
    placements: list[PlacementView]


async def records_of(viewer: Viewer, client: ClientView) -> TrajectoryRecords:
    """The whole trajectory of a client as the viewer may see it (the subject-access export):
    every training request, invitation, intake with its answers and placement, past ones too."""
    requests = visible_to(viewer, TrainingRequest, client=client)
    invitations = visible_to(viewer, Invitation, client=client)
    intakes = visible_to(viewer, Intake, client=client)
    answers = visible_to(viewer, IntakeAnswer, client=client)
    placements = visible_to(viewer, Placement, client=client)
    answer_rows = await answers.select(
        IntakeAnswer.id,
        IntakeAnswer.intake,
        IntakeAnswer.client,
        IntakeAnswer.topic,
        IntakeAnswer.text,
        IntakeAnswer.sensitivity,
    ).order_by(IntakeAnswer.id)
    by_intake: dict[int, list[AnswerView]] = {}
    for answer in answers.project_all(answer_rows):
        by_intake.setdefault(answer.intake, []).append(answer)
    intake_views: list[IntakeView] = intakes.project_all(
        await intakes.select(
            Intake.id,
            Intake.client,
            Intake.held_on,
            Intake.proposed_step,
            Intake.confirmed_at,
            Intake.held_by.display_name,
        ).order_by(Intake.held_on, Intake.id)
    )
    return TrajectoryRecords(
        requests=requests.project_all(
            await requests.select(*_REQUEST_COLUMNS).order_by(
                TrainingRequest.requested_at, TrainingRequest.id
            )
        ),
        invitations=invitations.project_all(
            await invitations.select(*INVITATION_COLUMNS).order_by(Invitation.at, Invitation.id)
        ),
        intakes=[(intake, by_intake.get(intake.id, [])) for intake in intake_views],
        placements=placements.project_all(
            await placements.select(*Placement.all_columns()).order_by(
                Placement.start, Placement.id
            )
        ),
    )


# What waits for the viewer ----------------------------------------------------------------


@dataclass(frozen=True)
class Waiting:
    request: TrainingRequestView
    client_id: int
    client_name: str


@prepared(values={})
def _waiting_rows(viewer: Viewer, states: tuple[str, ...], limit: int) -> Any:
    return (
        visible_to(viewer, TrainingRequest)
        .select(
            *_REQUEST_COLUMNS,
            TrainingRequest.client.first_name,
            TrainingRequest.client.last_name,
            TrainingRequest.client.ocmw,
        )
        .where(TrainingRequest.state.is_in(list(states)))
        .order_by(TrainingRequest.requested_at)
        .limit(limit)
    )


async def waiting_for(viewer: Viewer, *, limit: int = 20) -> list[Waiting]:
    """Training requests whose next step is the viewer's, oldest first: the file holder's
    agreement, or the approval of the VDAB team of the client's OCMW's partnership."""
    states = []
    if Role.social_worker in viewer.roles:
        states.append("requested")
    vdab_of: set[int] = set()
    if Role.mediator in viewer.roles:
        rows = await Partnership.select(Partnership.ocmw).where(Partnership.vdab == viewer.org_id)
        vdab_of = {row["ocmw"] for row in rows}
        if vdab_of:
            states.append("ocmw_agreed")
    if not states:
        return []
    scope = visible_to(viewer, TrainingRequest)
    rows = await _waiting_rows(viewer, tuple(states), limit * 2)
    waiting = []
    for row in rows:
        relation = Relation(row["relation"])
        mine = (row["state"] == "requested" and relation is Relation.file_holder) or (
            row["state"] == "ocmw_agreed"
            and relation in (Relation.care_team, Relation.partner_org)
            and row["client.ocmw"] in vdab_of
        )
        request = scope.project(row) if mine else None
        client = client_of_row(viewer, row)
        if request is not None and client is not None:
            waiting.append(Waiting(request, client.id, client.full_name))
    return waiting[:limit]


async def inbox_targets(viewer: Viewer, ids: Sequence[int]) -> dict[int, Target]:
    """The training requests an inbox points at, as the reader may see them now."""
    return await resolve_about_clients(
        viewer,
        TrainingRequest,
        ids,
        (*_REQUEST_COLUMNS, TrainingRequest.client.first_name, TrainingRequest.client.last_name),
        lambda request: request.course,
        lambda request: f"/training-requests/{request.id}",
    )
