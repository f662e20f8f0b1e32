"""The file at a glance: who, where on the ladder, which team and consent, and what this viewer
may change. Everything here is read through the viewer's scope; the forms offered follow the same
rules the writes check."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field, replace
from typing import Any

from portal.clients import changes, services
from portal.clients.events import LADDER_CHANGED
from portal.clients.visibility import ClientView, ConsentView, TeamMemberView
from portal.clients.workflow import LADDER, Status, agreement_note_due, status_of
from portal.core.prepared import Bound
from portal.timeline.notes import note_choices
from portal.timeline.services import screen, screen_read
from portal.visibility.policy import Audience, Relation, Sensitivity
from portal.visibility.viewer import Viewer


@dataclass(frozen=True)
class Summary:
    team: list[TeamMemberView]
    consents: list[ConsentView]
    status: Status | None
    ladder_name: str | None
    agreement_due: dt.date | None
    agreement_overdue: bool
    sections: tuple[str, ...]
    note_audiences: tuple[Audience, ...]
    note_classes: tuple[Sensitivity, ...]
    holds_file: bool
    team_candidates: list[dict[str, Any]] = field(default_factory=list)
    organisations: list[dict[str, Any]] = field(default_factory=list)
    without_consent: frozenset[int] = frozenset()
    """Care-team members' organisations without the client's consent: they cannot open the file."""
    ladder_history: tuple[tuple[dt.date, int], ...] = ()
    """The steps the client was on, oldest first, with the day each began (as far as known)."""


LADDER_POINTS = 12
"""How many ladder moves the header's small chart shows at most."""


async def ladder_history(viewer: Viewer, client: ClientView) -> tuple[tuple[dt.date, int], ...]:
    """From the readable ladder moves on the timeline: where the client started and each step
    since."""
    if not client.shows("ladder_step"):
        return ()
    page = await screen(viewer, client, kind=LADDER_CHANGED, limit=LADDER_POINTS)
    points: list[tuple[dt.date, int]] = []
    for event in reversed(page.events):
        payload = event.payload or {}
        step_from, step_to = payload.get("step_from"), payload.get("step_to")
        if not points and isinstance(step_from, int):
            points.append((event.day, step_from))
        if isinstance(step_to, int):
            points.append((event.day, step_to))
    return tuple(points)


def summary_reads(viewer: Viewer, client: ClientView) -> list[Bound]:
    """The reads ``summary_of`` makes, for running with the page's others."""
    reads = services.header_reads(viewer, client)
    if client.shows("ladder_step"):
        reads.append(screen_read(viewer, client, kind=LADDER_CHANGED, limit=LADDER_POINTS))
    return reads


async def summary_of(viewer: Viewer, client: ClientView) -> Summary:
    team = await services.team_of(viewer, client)
    consents = await services.consents(viewer, client)
    holds_file = client.relation is Relation.file_holder
    start = client.values.get("living_wage_start")
    due = agreement_note_due(start)
    overdue = bool(due and not client.values.get("agreement_note_on") and due < dt.date.today())
    step = client.values.get("ladder_step")
    audiences, classes = note_choices(viewer, client.relation)
    given = {consent.organisation for consent in consents if consent.given}
    without = frozenset(
        member.organisation
        for member in team
        if member.organisation not in (None, client.ocmw) and member.organisation not in given
    )
    summary = Summary(
        team=team,
        consents=consents,
        status=status_of(client.values.get("status")),
        ladder_name=LADDER.get(step) if isinstance(step, int) else None,
        agreement_due=due,
        agreement_overdue=overdue,
        sections=services.sections_shown(viewer, client),
        note_audiences=audiences,
        note_classes=classes,
        holds_file=holds_file,
        without_consent=without if client.relation is Relation.file_holder else frozenset(),
        ladder_history=await ladder_history(viewer, client),
    )
    return summary


async def with_change_choices(summary: Summary, client: ClientView) -> Summary:
    """The summary with what the file holder's change forms offer: the partnership's toeleiders
    and mediators not yet in the team, and its organisations (for consent)."""
    if not summary.holds_file:
        return summary
    members = {member.username for member in summary.team}
    partners = await changes.partner_organisations(client.ocmw)
    candidates = [
        person
        for person in await changes.team_candidates(client.ocmw, partners)
        if person["username"] not in members
    ]
    return replace(summary, team_candidates=candidates, organisations=partners)
