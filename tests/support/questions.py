"""Referral questions in the test world: asked and moved through ``portal.questions.services`` (as
the pages do), each with distinctive secret texts (the question, the answer's reason, a message of
each side), and who may read each by the policy (not by the portal's own rule).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

from portal.clients.tables import Consent
from portal.notifications.tables import InboxItem
from portal.questions import services
from portal.questions.tables import Question, QuestionChange
from portal.timeline.tables import TimelineEvent
from portal.trajectory.tables import Invitation
from portal.visibility.policy import (
    Access,
    Audience,
    Relation,
    Sensitivity,
    access,
    may_read_audience,
)
from portal.visibility.scoping import unscoped
from portal.visibility.viewer import Viewer
from tests.support.factories import World, add_to_team, make_person
from tests.support.trajectory import trajectory_world, viewer_of

STATES_IN_ORDER = ("open", "claimed", "answered", "closed")


@dataclass(frozen=True)
class SeededQuestion:
    id: int
    label: str
    client: str
    """The client's tag."""
    asker: str
    ocmw: int
    """The asking OCMW's id."""
    team: int
    """The addressed VDAB team's id."""
    state: str
    assignee: str | None
    secrets: tuple[str, ...]
    """Its text, the answer's reason and the messages: for nobody who may not read it."""
    extra: dict[str, Any] = field(default_factory=dict)


async def question_world() -> World:
    """The trajectory world (a second VDAB team, partnered with OCMW B, whose mediator
    ``mediator.other.team`` is in X's care team) and two more social workers of OCMW A in X's
    care team: ``sw.asker`` (who asks, not the file holder) and ``sw.team``."""
    world = await trajectory_world()
    for username in ("sw.asker", "sw.team"):
        world.people[username] = await make_person(username, world.orgs["ocmw-a"], "social_worker")
        await add_to_team(world.clients["X"], world.people[username])
    return world


def secret_texts(label: str) -> dict[str, str]:
    return {
        name: f"QSECRET-{label}-{name}"
        for name in ("text", "message-ocmw", "message-vdab", "reason")
    }


async def set_consent_given(world: World, tag: str, org: str, given: bool) -> None:
    """The client's current consent row for ``org`` (a code of the world), changed in place (a
    withdrawal counts at once)."""
    client, organisation = world.clients[tag], world.orgs[org]
    with unscoped("test: the consent as the file holder would record it"):
        exists = await Consent.exists().where(
            (Consent.client == client) & (Consent.organisation == organisation)
        )
        if exists:
            await Consent.update({Consent.given: given}).where(
                (Consent.client == client) & (Consent.organisation == organisation)
            )
        else:
            await Consent(
                client=client, organisation=organisation, given=given, decided_on=dt.date.today()
            ).save()


async def ask(
    world: World,
    *,
    asker: str = "sw.a",
    tag: str = "X",
    type: str = "trajectory",
    text: str = "Is a trajectory possible?",
    team: str | None = None,
    share_fields: Sequence[str] = (),
    share_documents: Sequence[int] = (),
    now: dt.datetime | None = None,
) -> int:
    viewer = await viewer_of(world, asker)
    fields = {"type": type, "text": text}
    if team is not None:
        fields["team"] = str(world.orgs[team])
    return await services.ask(
        viewer,
        world.clients[tag],
        fields,
        share_fields=share_fields,
        share_documents=[str(d) for d in share_documents],
        now=now,
    )


async def question_in(
    world: World,
    state: str,
    *,
    label: str,
    asker: str = "sw.a",
    tag: str = "X",
    mediator: str = "mediator",
    team: str | None = None,
    type: str = "trajectory",
    share_fields: Sequence[str] = (),
    share_documents: Sequence[int] = (),
    consent_after: bool | None = None,
    now: dt.datetime | None = None,
) -> SeededQuestion:
    """A question asked by ``asker`` on client ``tag`` and moved to ``state`` through the
    services: a message from each side; claimed by ``mediator``; answered (yes) with a
    reason; closed by the asker. ``consent_after=False``: asked while the client consented to
    the team, the consent withdrawn afterwards (a question on Y)."""
    secrets = secret_texts(label)
    team_code = team or "vdab"
    if consent_after is not None:
        await set_consent_given(world, tag, team_code, True)
    question_id = await ask(
        world,
        asker=asker,
        tag=tag,
        type=type,
        text=secrets["text"],
        team=team,
        share_fields=share_fields,
        share_documents=share_documents,
        now=now,
    )
    asking = await viewer_of(world, asker)
    answering = await viewer_of(world, mediator)
    await services.write_message(asking, question_id, secrets["message-ocmw"], now=now)
    await services.write_message(answering, question_id, secrets["message-vdab"], now=now)
    assignee = None
    target = STATES_IN_ORDER.index(state)
    if target >= 1:
        await services.move(answering, question_id, "claim", {}, now=now)
        assignee = mediator
    if target >= 2:
        await services.move(
            answering,
            question_id,
            "answer",
            {"answer": "yes", "reason": secrets["reason"]},
            now=now,
        )
    if target >= 3:
        await services.move(asking, question_id, "close", {}, now=now)
    if consent_after is not None:
        await set_consent_given(world, tag, team_code, consent_after)
    return SeededQuestion(
        id=question_id,
        label=label,
        client=tag,
        asker=asker,
        ocmw=asking.org_id,
        team=world.orgs[team_code],
        state=state,
        assignee=assignee,
        secrets=tuple(secrets.values()),
    )


def reads_question(viewer: Viewer, question: SeededQuestion, client_relation: Relation) -> bool:
    """The policy's answer: a ``trajectory`` record with the audience ``addressed_org`` (the
    asking OCMW and the addressed team), at the viewer's relation to the question's client."""
    admitted = may_read_audience(
        client_relation,
        Audience.addressed_org,
        same_org_as_author=viewer.org_id == question.ocmw,
        addressed_to_viewer_org=viewer.org_id == question.team,
    )
    return (
        admitted and access(viewer.roles, client_relation, Sensitivity.trajectory) is Access.shown
    )


async def add_questions(world: World) -> list[SeededQuestion]:
    """The world's questions: on X one open (asked by the file holder, sharing the identity
    fields) and one answered; on Y one asked before its consent for VDAB was withdrawn; on Z one
    claimed. Each with its own secret texts."""
    seeded = [
        await question_in(
            world,
            "open",
            label="X-open",
            share_fields=("national_number", "birth_date", "phone"),
        ),
        await question_in(world, "answered", label="X-answered", mediator="mediator.out"),
        await question_in(world, "claimed", label="Y-claimed", tag="Y", consent_after=False),
        await question_in(world, "claimed", label="Z-claimed", asker="sw.b", tag="Z"),
    ]
    world.questions.extend(seeded)
    return seeded


async def question_row(question_id: int) -> dict[str, Any]:
    with unscoped("test: the question as stored"):
        row = await Question.select().where(Question.id == question_id).first()
    assert row is not None
    return row


async def written() -> dict[str, Any]:
    """Everything a question's change writes, to compare before and after a refused one."""
    with unscoped("test: what the questions wrote"):
        return {
            "questions": list(await Question.select().order_by(Question.id)),
            "changes": list(await QuestionChange.select().order_by(QuestionChange.id)),
            "notices": list(await InboxItem.select().order_by(InboxItem.id)),
            "events": list(await TimelineEvent.select(TimelineEvent.id).order_by(TimelineEvent.id)),
            "invitations": list(await Invitation.select(Invitation.id).order_by(Invitation.id)),
        }


async def changes_of(question_id: int) -> list[dict[str, Any]]:
    with unscoped("test: the thread as stored"):
        return list(
            await QuestionChange.select()
            .where(QuestionChange.question == question_id)
            .order_by(QuestionChange.id)
        )


async def notices_of(question_id: int) -> list[tuple[int, int]]:
    """(person, change) of the unread inbox items about a question."""
    rows = await InboxItem.select(InboxItem.person, InboxItem.detail).where(
        (InboxItem.record == "question")
        & (InboxItem.record_id == question_id)
        & InboxItem.read_at.is_null()
    )
    return sorted((row["person"], row["detail"]) for row in rows)
