"""An inbox item shows its reader what they may see now, and nothing more: every person of the
world gets an item about every record of every kind, and their inbox is checked against the
policy (the oracle), page after page."""

from __future__ import annotations

import datetime as dt
import re

import httpx
import pytest

from portal.accounts.services import load_viewer
from portal.notifications.tables import InboxItem
from portal.timeline.tables import TimelineEvent
from portal.visibility.policy import Access, Relation, Sensitivity, access, sees_record
from portal.visibility.scoping import unscoped
from tests.conftest import login
from tests.support.factories import PEOPLE, World, build_world
from tests.support.oracle import facts_for, relation_of
from tests.support.questions import add_questions, reads_question
from tests.support.signals import add_signals, reads_signal

NOW = dt.datetime(2026, 12, 1, 9, tzinfo=dt.UTC)


async def _seed_items(world: World) -> dict[str, list[tuple[str, int]]]:
    """For every person, an item about every record of the world; the (record, id) pairs."""
    with unscoped("test: every event of the world"):
        events = [row["id"] for row in await TimelineEvent.select(TimelineEvent.id)]
    records = {
        "client": list(world.clients.values()),
        "event": events,
        "training_request": list(world.requests.values()),
        "signal": [signal.id for signal in world.signals],
        "question": [question.id for question in world.questions],
        "person": list(world.people.values()),
    }
    kinds = {
        "client": "file.left_team",
        "event": "invitation.new",
        "training_request": "training_request.changed",
        "signal": "signal.changed",
        "question": "question.answered",
        "person": "person.joined",
    }
    rows = [
        InboxItem(
            person=person,
            kind=kinds[record],
            record=record,
            record_id=record_id,
            organisation=world.orgs["partner"],
            created_at=NOW,
        )
        for person in world.people.values()
        for record, ids in records.items()
        for record_id in ids
    ]
    await InboxItem.insert(*rows)
    return {record: [(record, i) for i in ids] for record, ids in records.items()}


async def _whole_inbox(client: httpx.AsyncClient) -> str:
    pages, page = [], 1
    while True:
        response = await client.get(f"/inbox?page={page}")
        assert response.status_code == 200
        pages.append(response.text)
        if 'rel="next"' not in response.text:
            return "\n".join(pages)
        page += 1


@pytest.mark.parametrize("username", list(PEOPLE))
async def test_an_inbox_shows_each_record_as_its_reader_may_see_it_now(
    client: httpx.AsyncClient, username: str
) -> None:
    world = await build_world()
    await add_signals(world)
    world.questions = await add_questions(world)
    await _seed_items(world)
    viewer = await load_viewer(world.people[username])
    assert viewer is not None
    relations = {cid: relation_of(viewer, f) for cid, f in (await facts_for(viewer)).items()}
    await login(client, username)
    inbox = await _whole_inbox(client)

    names = {tag: (f"First{tag}", f"Last{tag}") for tag in world.clients}
    for tag, client_id in world.clients.items():
        relation = relations.get(client_id, Relation.none)
        if not sees_record(viewer.roles, relation):
            for name in names[tag]:
                assert name not in inbox, (username, tag, "a client they may not see is named")
            assert f'href="/clients/{client_id}"' not in inbox
    for tag, cls, value in world.records:
        relation = relations.get(world.clients[tag], Relation.none)
        if access(viewer.roles, relation, cls) is not Access.shown:
            assert value not in inbox, (username, value)
    for tag, request_id in world.requests.items():
        relation = relations.get(world.clients[tag], Relation.none)
        readable = access(viewer.roles, relation, Sensitivity.trajectory) is Access.shown
        assert (f'href="/training-requests/{request_id}"' in inbox) is readable, (username, tag)
    org = next(code for code, org_id in world.orgs.items() if org_id == viewer.org_id)
    for signal in world.signals:
        relation = (
            relations.get(world.clients[signal.client], Relation.none)
            if signal.client
            else Relation.none
        )
        readable = reads_signal(viewer, org, signal, relation)
        assert (f'href="/signals/{signal.id}"' in inbox) is readable, (username, signal.id)
        if not readable:
            for value in signal.secrets:
                assert value not in inbox, (username, value)
    for question in world.questions:
        relation = relations.get(world.clients[question.client], Relation.none)
        readable = reads_question(viewer, question, relation)
        assert (f'href="/questions/{question.id}"' in inbox) is readable, (username, question.id)
        if not readable:
            for value in question.secrets:
                assert value not in inbox, (username, value)
    gone = len(re.findall(r"no longer shared with you|niet langer met jou gedeeld", inbox))
    assert gone > 0, "every person has items about records they may not see"
