"""Recent activity, read client by client (``timeline.services.recent_activity``), holds exactly
what the plain query would: every event the viewer may read in full, over every client, newest
first; page by page, whatever the batches and windows it took to find them."""

from __future__ import annotations

import datetime as dt
import random
import re

import httpx

from portal.accounts.services import load_viewer
from portal.clients.services import reads_client_files
from portal.timeline.services import EVENT_COLUMNS, Cursor, recent_activity
from portal.timeline.tables import TimelineEvent
from portal.visibility.policy import Audience, Sensitivity
from portal.visibility.records import visible_to
from portal.visibility.viewer import Viewer
from tests.conftest import login
from tests.support.factories import (
    NOW,
    PEOPLE,
    World,
    add_event,
    add_to_team,
    build_world,
    make_client,
    set_consent,
)

EXTRA_CLIENTS = 24


async def _more_history(world: World) -> None:
    """More files on both OCMWs, with two years of events of every audience and class by
    authors of every organisation: the newest files often hold entries a given viewer may not
    read, so batches of clients and windows of time must grow to fill a page."""
    rng = random.Random(14)
    authors = {
        "ocmw-a": [("sw.a", "ocmw-a"), ("sw.a2", "ocmw-a"), ("toeleider", "partner")],
        "ocmw-b": [("sw.b", "ocmw-b"), ("mediator", "vdab")],
    }
    for number in range(EXTRA_CLIENTS):
        ocmw = "ocmw-a" if number % 3 else "ocmw-b"
        client_id = await make_client(world.orgs[ocmw], f"R{number:02d}")
        for username, _org in authors[ocmw]:
            if rng.random() < 0.6:
                await add_to_team(client_id, world.people[username])
        for org in ("partner", "vdab"):
            if rng.random() < 0.7:
                await set_consent(client_id, world.orgs[org], rng.random() < 0.8)
        for _ in range(rng.randint(0, 9)):
            username, org = rng.choice(authors[ocmw])
            await add_event(
                client_id,
                author=world.people[username],
                author_org=world.orgs[org],
                audience=rng.choice(list(Audience)),
                sensitivity=rng.choice(list(Sensitivity)),
                subject=f"R{number:02d}-{rng.randrange(10**6)}",
                occurred_at=NOW - dt.timedelta(minutes=rng.randrange(2 * 365 * 24 * 60)),
            )


async def _plain(viewer: Viewer) -> list[int]:
    """The oracle: one query over every event with the viewer's scope as its condition."""
    scope = visible_to(viewer, TimelineEvent, readable_only=True)
    rows = await scope.select(*EVENT_COLUMNS).order_by(
        TimelineEvent.occurred_at, TimelineEvent.id, ascending=False
    )
    views = [scope.project(row) for row in rows]
    return [view.id for view in views if view is not None and not view.withheld]


async def _paged(viewer: Viewer, limit: int) -> list[int]:
    found: list[int] = []
    cursor: Cursor | None = None
    while True:
        page = await recent_activity(viewer, limit=limit, before=cursor)
        assert len(page.items) <= limit
        found.extend(item.event.id for item in page.items)
        if page.next_cursor is None:
            return found
        assert len(page.items) == limit
        cursor = Cursor.decode(page.next_cursor)


async def test_pages_hold_what_the_plain_query_holds_for_every_person(
    client: httpx.AsyncClient,
) -> None:
    world = await build_world()
    await _more_history(world)
    seeing = set()
    for username in PEOPLE:
        viewer = await load_viewer(world.people[username])
        assert viewer is not None
        expected = await _plain(viewer)
        if expected:
            seeing.add(username)
            assert reads_client_files(viewer), username
        for limit in (3, 10):
            assert await _paged(viewer, limit) == expected, (username, limit)
    assert {"sw.a", "sw.a2", "sw.b", "toeleider", "mediator", "coordinator.a"} <= seeing


async def test_the_activity_page_goes_back_page_by_page(client: httpx.AsyncClient) -> None:
    world = await build_world()
    await _more_history(world)
    viewer = await load_viewer(world.people["sw.a"])
    assert viewer is not None
    expected = await _plain(viewer)
    assert len(expected) > 25, "enough history for a second page"
    await login(client, "sw.a")
    first = await client.get("/activity")
    assert first.status_code == 200
    shown = re.findall(r'<li>\s*<time datetime="([^"]+)"', first.text)
    assert len(shown) == 25
    older = re.search(r'href="/activity\?before=([^"]+)" rel="next"', first.text)
    assert older is not None
    second = await client.get(f"/activity?before={older.group(1)}")
    assert second.status_code == 200
    assert len(re.findall(r"<li>\s*<time datetime=", second.text)) == min(25, len(expected) - 25)
    home = (await client.get("/")).text
    assert 'href="/activity"' in home, "the start page links to the rest"
    assert (await client.get("/activity?before=nonsense")).status_code == 400

    await login(client, "coordinator.p")
    assert (await client.get("/activity")).status_code == 404
