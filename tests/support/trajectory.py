"""What the trajectory tests share: the small world with two more VDAB mediators, the people of it
as the services see them, requests put straight into a state, and the rows and events as written.

The people and what each is to client X are stated here by hand, from issue 10 and the policy
table of DESIGN.md (not from ``portal.trajectory``), so the tests compare the portal with an
independent expectation.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import json
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from typing import Any

from portal.accounts.services import load_viewer
from portal.clients.tables import Client
from portal.core.i18n import current_locale, set_locale
from portal.timeline.tables import TimelineEvent
from portal.trajectory.tables import Intake, IntakeAnswer, Invitation, Placement, TrainingRequest
from portal.visibility.scoping import unscoped
from portal.visibility.viewer import Viewer
from tests.support.factories import (
    NOW,
    World,
    add_to_team,
    build_world,
    make_org,
    make_partnership,
    make_person,
    set_consent,
)

HOLDER = "holder"
"""May agree for the OCMW: the client's file holder."""
VDAB = "vdab"
"""May approve for VDAB: a mediator of the VDAB team of the client's OCMW's partnership who sees
the client (through the care team or the client's consent for VDAB)."""
REQUESTER = "requester"
"""May ask for a training: the file holder, a toeleider or mediator of the care team."""


@dataclass(frozen=True)
class Someone:
    """Someone of the world, and what they are to client X's trajectory."""

    label: str
    username: str
    sees_client: bool
    sees_trajectory: bool
    capacities: frozenset[str] = frozenset()
    reason_stated: bool = False
    """A colleague who stated a reason to see more of X (break the glass) in this session."""


PEOPLE: tuple[Someone, ...] = (
    Someone("file holder", "sw.a", True, True, frozenset({HOLDER, REQUESTER})),
    Someone("colleague of the OCMW", "sw.a2", True, True),
    Someone("colleague who stated a reason", "sw.a2", True, True, reason_stated=True),
    Someone("toeleider in the care team", "toeleider", True, True, frozenset({REQUESTER})),
    Someone("toeleider of the partner, not in the team", "toeleider.out", False, False),
    Someone("VDAB mediator in the care team", "mediator", True, True, frozenset({VDAB, REQUESTER})),
    Someone(
        "VDAB mediator with the client's consent", "mediator.out", True, True, frozenset({VDAB})
    ),
    Someone("mediator of another VDAB team", "mediator.other", False, False),
    Someone(
        "mediator of another VDAB team in the care team",
        "mediator.other.team",
        True,
        True,
        frozenset({REQUESTER}),
    ),
    Someone("social worker of another OCMW", "sw.b", False, False),
    Someone("coordinator of the OCMW", "coordinator.a", True, False),
    Someone("coordinator of the partner", "coordinator.p", False, False),
    Someone("administrator of the OCMW", "admin", False, False),
)
PERSON = {person.label: person for person in PEOPLE}


async def trajectory_world() -> World:
    """``build_world()`` and a second VDAB team (partnered with OCMW B only) whose mediator
    ``mediator.other.team`` is in X's care team with consent, and ``mediator.other`` is not."""
    world = await build_world()
    world.orgs["vdab-2"] = await make_org("vdab-2", "vdab")
    await make_partnership(world.orgs["ocmw-b"], None, world.orgs["vdab-2"])
    for username in ("mediator.other", "mediator.other.team"):
        world.people[username] = await make_person(username, world.orgs["vdab-2"], "mediator")
    await add_to_team(world.clients["X"], world.people["mediator.other.team"])
    await set_consent(world.clients["X"], world.orgs["vdab-2"], True)
    return world


async def viewer_of(world: World, person: Someone | str, *, unlocked: str | None = None) -> Viewer:
    """The person as the services see them (with client ``unlocked`` after a stated reason)."""
    username = person if isinstance(person, str) else person.username
    viewer = await load_viewer(world.people[username])
    assert viewer is not None, username
    if isinstance(person, Someone) and person.reason_stated:
        unlocked = "X"
    if unlocked:
        viewer = dataclasses.replace(viewer, unlocked=frozenset({world.clients[unlocked]}))
    return viewer


@contextmanager
def english() -> Iterator[None]:
    """Messages in English (their ids): the Dutch catalog may or may not have them yet."""
    before = current_locale()
    set_locale("en")
    try:
        yield
    finally:
        set_locale(before)


START = dt.date(2027, 1, 11)
STATE_FIELDS: dict[str, dict[str, Any]] = {
    "scheduled": {"start_date": START},
    "started": {"start_date": START},
    "completed": {"start_date": START},
    "stopped": {"start_date": START, "reason": "Ziek geworden"},
    "refused": {"reason": "Geen plaats meer"},
}
"""What a request in each state carries besides its state."""


async def request_in(
    world: World, state: str, *, tag: str = "X", course: str = "Heftruckchauffeur"
) -> int:
    """A training request on client ``tag`` asked by its file holder, put straight into ``state``."""
    with unscoped("test: the client's file holder"):
        holder = await Client.select(Client.file_holder).where(Client.id == world.clients[tag])
    person = holder[0]["file_holder"]
    row = TrainingRequest(
        client=world.clients[tag],
        course=course,
        provider="Syntra",
        state=state,
        requested_by=person,
        requested_at=NOW,
        changed_by=person,
        changed_at=NOW,
        **STATE_FIELDS.get(state, {}),
    )
    await row.save()
    return int(row.id)


async def request_row(request_id: int) -> dict[str, Any]:
    with unscoped("test: the request as stored"):
        row = await TrainingRequest.select().where(TrainingRequest.id == request_id).first()
    assert row is not None
    return row


async def rows_of(table: Any) -> list[dict[str, Any]]:
    """Every row of a trajectory table, in id order."""
    with unscoped("test: the rows as stored"):
        return list(await table.select().order_by(table.id))


async def trajectory_rows() -> dict[str, list[dict[str, Any]]]:
    """Every trajectory row, to compare before and after a refused write."""
    tables = (TrainingRequest, Invitation, Intake, IntakeAnswer, Placement)
    return {table._meta.tablename: await rows_of(table) for table in tables}


async def events_of(client_id: int) -> list[dict[str, Any]]:
    """The client's timeline as written, oldest first, with the payload read as JSON."""
    with unscoped("test: the timeline as written"):
        rows = list(
            await TimelineEvent.select()
            .where(TimelineEvent.client == client_id)
            .order_by(TimelineEvent.id)
        )
    for row in rows:
        if isinstance(row["payload"], str):
            row["payload"] = json.loads(row["payload"])
    return rows


async def client_row(client_id: int) -> dict[str, Any]:
    with unscoped("test: the client as stored"):
        row = await Client.select().where(Client.id == client_id).first()
    assert row is not None
    return row


@contextmanager
def case(label: str) -> Iterator[None]:
    """Name the case in a failure of the loop it is part of."""
    try:
        yield
    except BaseException as error:
        error.add_note(f"case: {label}")
        raise
