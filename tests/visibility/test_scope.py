"""The SQL side of the policy says the same as the Python projection."""

from __future__ import annotations

import pytest

from portal.accounts.services import load_viewer
from portal.clients.tables import Client, TimelineEvent
from portal.visibility.projection import event_readable, project_client
from portal.visibility.scope import (
    client_with_relation,
    readable_events_condition,
    relation_facts,
    visible_clients_condition,
)
from tests.factories import PEOPLE, build_world


@pytest.mark.parametrize("username", list(PEOPLE))
async def test_sql_conditions_match_the_projection(username: str) -> None:
    world = await build_world()
    viewer = await load_viewer(world.people[username])
    assert viewer is not None
    rows = await Client.select()
    relations = await relation_facts(viewer, rows)
    projected = {row["id"] for row in rows if project_client(viewer, relations[row["id"]], row)}

    condition = visible_clients_condition(viewer)
    listed = (
        set()
        if condition is None
        else {r["id"] for r in await Client.select(Client.id).where(condition)}
    )
    assert listed == projected

    for client_id, relation in relations.items():
        events = await TimelineEvent.select().where(TimelineEvent.client == client_id)
        expected = {e["id"] for e in events if event_readable(viewer, relation, e)}
        readable = readable_events_condition(viewer, relation)
        found = (
            set()
            if readable is None
            else {
                e["id"]
                for e in await TimelineEvent.select(TimelineEvent.id).where(
                    (TimelineEvent.client == client_id) & readable
                )
            }
        )
        assert found == expected, (username, client_id, relation)


@pytest.mark.parametrize("username", list(PEOPLE))
async def test_single_client_relation_matches_the_batched_one(username: str) -> None:
    world = await build_world()
    viewer = await load_viewer(world.people[username])
    assert viewer is not None
    rows = await Client.select()
    batched = await relation_facts(viewer, rows)
    for row in rows:
        found = await client_with_relation(viewer, row["id"])
        assert found is not None
        single_row, relation = found
        assert relation is batched[row["id"]]
        assert single_row == row
    assert await client_with_relation(viewer, 999_999) is None
