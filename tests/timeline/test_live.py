"""The live timeline's content, in-process on SQLite and PostgreSQL: what a stream sends each
reader for each new event (the entry the timeline screen would show, its placeholder, or nothing),
and that it stops once the reader may no longer see the client (a consent withdrawal, a removal
from the care team). The transport (real streams, two processes, shutdown) is in
``test_live_served.py``."""

from __future__ import annotations

import pytest
from litestar import Litestar

from portal.accounts.services import load_viewer
from portal.audit.services import LOGGED_CLASSES
from portal.audit.tables import AccessLogEntry
from portal.clients import changes
from portal.clients.services import find_client
from portal.core import live
from portal.timeline import services
from portal.timeline.live import client_topic, entry_message, event_id_of
from portal.timeline.tables import TimelineEvent
from portal.visibility.policy import (
    Access,
    Audience,
    Relation,
    Role,
    Sensitivity,
    access,
    may_read_audience,
    sees_record,
)
from portal.visibility.scoping import unscoped
from portal.visibility.viewer import Viewer
from tests.support.factories import PEOPLE, World, add_event, build_world
from tests.support.oracle import facts_for, relation_of


def _fragment(app: Litestar):  # type: ignore[no-untyped-def]
    def render(template: str, context: dict[str, object]) -> str:
        return app.state.jinja.get_template(template).render(context)

    return render


async def _viewer(world: World, username: str) -> Viewer:
    viewer = await load_viewer(world.people[username])
    assert viewer is not None
    return viewer


async def _relations(viewer: Viewer) -> dict[int, Relation]:
    return {
        client_id: relation_of(viewer, client_facts)
        for client_id, client_facts in (await facts_for(viewer)).items()
    }


async def _event_ids(client_id: int) -> dict[str, int]:
    """The world's events of a client by their label (``EVT-…``)."""
    with unscoped("test: the ids of the world's events"):
        rows = (
            await TimelineEvent.select(TimelineEvent.id, TimelineEvent.payload)
            .where(TimelineEvent.client == client_id)
            .output(load_json=True)
        )
    found = {}
    for row in rows:
        subject = (row["payload"] or {}).get("subject", "")
        if subject.startswith("EVT-"):
            found[subject.removesuffix("-title")] = row["id"]
    return found


def _readable(
    username: str, relation: Relation, audience: Audience, cls: Sensitivity, author_org: str
) -> bool:
    roles = frozenset({Role(PEOPLE[username][1])})
    same_org = author_org == PEOPLE[username][0]
    return (
        may_read_audience(relation, audience, same_org_as_author=same_org)
        and access(roles, relation, cls) is Access.shown
    )


async def _expect_stream(app: Litestar, world: World, username: str) -> None:
    """Every event of every client, as ``username``'s stream would send it now: the whole entry
    when the policy lets them read it, never its words otherwise, and the end of the stream when
    the client does not exist for them; entries and placeholders as the timeline screen has them."""
    viewer = await _viewer(world, username)
    relations = await _relations(viewer)
    roles = frozenset({Role(PEOPLE[username][1])})
    for tag, client_id in world.clients.items():
        relation = relations[client_id]
        ids = await _event_ids(client_id)
        events = world.events.get(tag, [])
        if not sees_record(roles, relation):
            for label in ids or {"none": 1}:
                with pytest.raises(live.EndStream):
                    await entry_message(viewer, client_id, str(ids.get(label, 1)), _fragment(app))
            continue
        sent: list[bytes] = []
        logged: list[str] = []
        for audience, cls, author_org, label in events:
            message = await entry_message(viewer, client_id, str(ids[label]), _fragment(app))
            text = (message or b"").decode()
            assert "S3CRET" not in text, (username, tag, label)
            if _readable(username, relation, audience, cls, author_org):
                if cls in LOGGED_CLASSES:
                    logged.append(cls.value)
                assert f"{label}-body" in text, (username, tag, label)
                assert text.startswith(f'data: <li class="event" id="event-{ids[label]}">'), text
            else:
                assert label not in text, (username, tag, label)
            if message is not None:
                sent.append(message)
        client = await find_client(viewer, client_id)
        screen = await services.screen(viewer, client, limit=500)
        in_world = [e for e in screen.events if e.withheld or (e.text or "").startswith("EVT-")]
        assert len(sent) == len(in_world), (username, tag)
        placeholders = sum(1 for m in sent if b'class="event withheld"' in m)
        assert placeholders == sum(1 for e in in_world if e.withheld), (username, tag)
        with unscoped("test: what the streams wrote to the access log"):
            entries = await AccessLogEntry.select(AccessLogEntry.revealed).where(
                (AccessLogEntry.person == viewer.person_id)
                & (AccessLogEntry.client_id == client_id)
                & (AccessLogEntry.action == "client.live_entry")
            )
        assert sorted(e["revealed"] for e in entries) == sorted(logged), (username, tag)


@pytest.mark.parametrize("username", list(PEOPLE))
async def test_each_reader_is_sent_what_their_timeline_shows_and_nothing_hidden(
    app: Litestar, username: str
) -> None:
    world = await build_world()
    await _expect_stream(app, world, username)


async def test_a_new_event_is_published_with_its_id_only_after_the_commit(app: Litestar) -> None:
    world = await build_world()
    client_id = world.clients["X"]
    hub: live.Hub = app.state.live
    async with hub.subscribe(client_topic(client_id)) as subscription:
        event_id = await add_event(
            client_id,
            author=world.people["sw.a"],
            author_org=world.orgs["ocmw-a"],
            subject="LIVE-new",
            text="LIVE-new-body",
        )
        message = await subscription.receive(within=5)
    assert message == str(event_id)


async def _withdrawn_and_told(app: Litestar, world: World, change: object) -> int:
    """Run ``change`` (a coroutine) while subscribed to client X; the id it published."""
    hub: live.Hub = app.state.live
    async with hub.subscribe(client_topic(world.clients["X"])) as subscription:
        await change  # type: ignore[misc]
        message = await subscription.receive(within=5)
    assert message is not None
    event_id = event_id_of(message)
    assert event_id is not None
    return event_id


async def test_a_toeleiders_stream_ends_when_the_client_withdraws_consent(app: Litestar) -> None:
    world = await build_world()
    client_id = world.clients["X"]
    toeleider = await _viewer(world, "toeleider")
    readable = (await _event_ids(client_id))["EVT-X-sw.a-care_team-basic"]
    before = await entry_message(toeleider, client_id, str(readable), _fragment(app))
    assert before is not None and b"EVT-X-sw.a-care_team-basic-body" in before

    holder = await _viewer(world, "sw.a")
    withdrawal = changes.record_consent(holder, client_id, "partner", given=False)
    told = await _withdrawn_and_told(app, world, withdrawal)
    with pytest.raises(live.EndStream):
        await entry_message(toeleider, client_id, str(told), _fragment(app))
    with pytest.raises(live.EndStream):
        await entry_message(toeleider, client_id, str(readable), _fragment(app))
    await _expect_stream(app, world, "toeleider")


@pytest.mark.parametrize("member", ["toeleider", "mediator"])
async def test_a_removed_care_team_member_is_sent_nothing_more_of_the_team(
    app: Litestar, member: str
) -> None:
    world = await build_world()
    client_id = world.clients["X"]
    label = "EVT-X-sw.a-care_team-trajectory"
    readable = (await _event_ids(client_id))[label]
    reader = await _viewer(world, member)
    before = await entry_message(reader, client_id, str(readable), _fragment(app))
    assert before is not None and f"{label}-body".encode() in before

    holder = await _viewer(world, "sw.a")
    removal = changes.change_care_team(holder, client_id, member, "remove")
    told = await _withdrawn_and_told(app, world, removal)
    relation = (await _relations(reader))[client_id]
    assert relation is not Relation.care_team
    for event_id in (told, readable):
        try:
            after = await entry_message(reader, client_id, str(event_id), _fragment(app))
        except live.EndStream:
            continue
        assert after is None or f"{label}-body".encode() not in after
    await _expect_stream(app, world, member)


async def test_messages_that_name_no_event_of_the_client_send_nothing(app: Litestar) -> None:
    world = await build_world()
    holder = await _viewer(world, "sw.a")
    other = next(iter((await _event_ids(world.clients["Z"])).values()))
    for message in ("", "x", "-1", "0", "99999999999", "1e3", "٣", str(other)):
        assert await entry_message(holder, world.clients["X"], message, _fragment(app)) is None


async def test_publishing_without_a_running_hub_does_nothing() -> None:
    running = list(live._running)
    live._running.clear()
    try:
        await live.publish("client:1", "1")
    finally:
        live._running.extend(running)
