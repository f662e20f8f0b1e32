"""The trajectory in a client file's header: open training requests with what the viewer may do,
invitations still to come, the latest intake and the art. 60 placement."""

from __future__ import annotations

from dataclasses import dataclass
from typing import ClassVar

from portal.clients.panels import FilePanel
from portal.clients.visibility import ClientView
from portal.core.i18n import N_
from portal.trajectory.intake import holds_intakes
from portal.trajectory.services import (
    RequestLine,
    actors_of,
    current_placement,
    follows_trajectory,
    invitations_from,
    latest_intake,
    may_request,
    open_requests,
    panel_reads,
    request_line,
    upcoming_invitations,
)
from portal.trajectory.visibility import IntakeView, InvitationView, PlacementView
from portal.trajectory.workflow import OUTFLOWS, PRE_KINDS, STATE_BY_CODE, Actor
from portal.visibility.policy import Relation
from portal.visibility.viewer import Viewer


@dataclass(frozen=True)
class TrajectoryPanel:
    requests: list[RequestLine]
    invitations: list[InvitationView]
    intake: IntakeView | None
    placement: PlacementView | None
    may_request: bool
    may_invite: bool
    holds_intakes: bool
    holds_file: bool
    states: ClassVar = STATE_BY_CODE
    pre_kinds: ClassVar = PRE_KINDS
    outflows: ClassVar = OUTFLOWS

    @property
    def waiting_for_viewer(self) -> int:
        return sum(1 for line in self.requests if line.waits_for_viewer)

    @property
    def confirms_intake(self) -> bool:
        intake = self.intake
        return bool(
            self.holds_file
            and intake is not None
            and intake.proposed_step is not None
            and intake.confirmed_at is None
        )


async def trajectory_panel(viewer: Viewer, client: ClientView) -> TrajectoryPanel | None:
    if not follows_trajectory(viewer, client):
        return None
    actors = await actors_of(viewer, client)
    requests = [request_line(r, actors) for r in await open_requests(viewer, client)]
    return TrajectoryPanel(
        requests=requests,
        invitations=await upcoming_invitations(viewer, client, now=invitations_from()),
        intake=await latest_intake(viewer, client),
        placement=await current_placement(viewer, client),
        may_request=may_request(actors),
        may_invite=Actor.vdab in actors,
        holds_intakes=holds_intakes(viewer, client),
        holds_file=client.relation is Relation.file_holder,
    )


NOTICES = {
    "training": N_("The training request is on the timeline. The file holder is asked to agree."),
    "training-moved": N_("The training request has been updated."),
    "invitation": N_("The invitation is in the file's header and on the timeline."),
    "intake": N_("The intake has been recorded."),
    "intake-confirmed": N_("The proposed ladder step has been confirmed."),
    "placement": N_("The art. 60 placement has been recorded."),
}

PANEL = FilePanel(
    "trajectory",
    "trajectory/_panel.html",
    trajectory_panel,
    order=10,
    notices=NOTICES,
    reads=panel_reads,
)
