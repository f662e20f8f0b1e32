"""Signals in the test world: structural ones routed to each OCMW and ones about a client, each
with distinctive text, and who may read each by the policy (not by the portal's own rule)."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from portal.accounts.services import load_viewer
from portal.signals.services import capture
from portal.signals.tables import Signal, SignalRoute, SignalTheme
from portal.visibility.policy import Access, Relation, Sensitivity, access, sees_record
from portal.visibility.viewer import Viewer
from tests.support.factories import World


@dataclass(frozen=True)
class SeededSignal:
    id: int
    reporter: str
    reporter_org: str
    ocmw: str
    client: str | None
    """The client's tag, or ``None`` for a structural signal."""
    secrets: tuple[str, ...]


SEEDS = (
    ("toeleider", "partner", "ocmw-a", None, "Zottegem"),
    ("sw.b", "ocmw-b", "ocmw-b", None, "Gent"),
    ("sw.a", "ocmw-a", "ocmw-b", None, "Gent"),
    ("toeleider", "partner", "ocmw-a", "X", "Zottegem"),
    ("sw.b", "ocmw-b", "ocmw-b", "Z", "Gent"),
)


async def add_signals(world: World) -> None:
    route = SignalRoute(municipality="zottegem", name="Zottegem", ocmw=world.orgs["ocmw-a"])
    await route.save()
    await SignalRoute(municipality="gent", name="Gent", ocmw=world.orgs["ocmw-b"]).save()
    theme = await SignalTheme.select(SignalTheme.id).where(SignalTheme.code == "housing").first()
    assert theme is not None
    world.signal_setup = {"theme": theme["id"], "route": int(route.id)}
    for number, (username, org, ocmw, tag, place) in enumerate(SEEDS):
        reporter = await load_viewer(world.people[username])
        assert reporter is not None
        title = f"S3CRET-SIG-{number}-title"
        text = f"S3CRET-SIG-{number}-text"
        fields = {
            "theme": "housing",
            "title": title,
            "description": text,
            "municipality": place,
            "urgency": "normal",
            "confirm_no_personal_data": "1",
        }
        if tag is not None:
            fields["client"] = str(world.clients[tag])
        signal_id = await capture(reporter, fields)
        world.signals.append(SeededSignal(signal_id, username, org, ocmw, tag, (title, text)))


def reads_signal(
    viewer: Viewer, viewer_org: str, signal: SeededSignal, client_relation: Relation
) -> bool:
    """The policy's answer: a structural signal for the OCMW it is routed to and the reporter's
    organisation; one about a client as the client's trajectory."""
    if signal.client is None:
        if viewer_org == signal.ocmw:
            relation = Relation.same_org
        elif viewer_org == signal.reporter_org:
            relation = Relation.author_org
        else:
            return False
        return sees_record(viewer.roles, relation)
    return sees_record(viewer.roles, client_relation) and (
        access(viewer.roles, client_relation, Sensitivity.trajectory) is Access.shown
    )


def counts_figures(org: str, role: str) -> bool:
    """Who sees the signal figures, by the issue (not by the portal's own rule): the OCMW's
    handlers and coordinator; the coordinator of a partner organisation or a VDAB team. ``org`` is
    the world's organisation code (``ocmw-a``, ``partner``, ``vdab``)."""
    if org.startswith("ocmw"):
        return role in ("social_worker", "coordinator")
    return role == "coordinator"


async def make_signal(
    *,
    reporter: int,
    reporter_org: int,
    ocmw: int,
    created_at: dt.datetime,
    due_on: dt.date,
    theme: str = "housing",
    state: str = "new",
    handler: int | None = None,
    municipality: str = "Zottegem",
    client: int | None = None,
    urgency: str = "normal",
    title: str | None = None,
    responded_at: dt.datetime | None = None,
) -> int:
    """A signal row as the queue finds it, in any state (no service makes a signal of months
    ago); a state past ``new`` gets a first response (``responded_at``, else its creation)."""
    if state != "new" and responded_at is None:
        responded_at = created_at
    row = Signal(
        reporter=reporter,
        reporter_org=reporter_org,
        ocmw=ocmw,
        client=client,
        theme=theme,
        title=title or f"signal {theme} {state}",
        description="A seeded signal.",
        municipality=municipality,
        urgency=urgency,
        sensitivity=(Sensitivity.basic if client is None else Sensitivity.trajectory).value,
        state=state,
        handler=handler,
        created_at=created_at,
        due_on=due_on,
        first_response_at=responded_at,
        closed_at=created_at if state == "closed" else None,
    )
    await row.save()
    return int(row.id)
