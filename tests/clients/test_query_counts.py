"""The client list and the client page read a fixed number of statements, however many clients,
care-team members, consents or entries there are."""

from __future__ import annotations

import httpx

from portal.accounts.auth import forget_viewer
from portal.core.db import count_queries, is_sqlite
from tests.conftest import login
from tests.support.factories import add_event, add_to_team, build_world, make_client, set_consent


async def _queries(http: httpx.AsyncClient, url: str, person_id: int) -> int:
    forget_viewer(person_id)
    with count_queries() as counter:
        response = await http.get(url)
    assert response.status_code == 200, url
    return counter[0]


async def test_the_list_does_not_grow_a_query_per_client(client: httpx.AsyncClient) -> None:
    world = await build_world()
    await login(client, "sw.a")
    person = world.people["sw.a"]
    few = await _queries(client, "/clients?mine=0", person)
    for number in range(25):
        await make_client(world.orgs["ocmw-a"], f"q{number}")
    assert await _queries(client, "/clients?mine=0", person) == few
    assert await _queries(client, "/clients?mine=0&sort=name&q=last", person) == few


async def test_the_client_page_does_not_grow_with_the_file(client: httpx.AsyncClient) -> None:
    world = await build_world()
    await login(client, "sw.a")
    person = world.people["sw.a"]
    client_id = await make_client(world.orgs["ocmw-a"], "Q", file_holder=person)
    url = f"/clients/{client_id}"
    # The file's first opening starts its access-log chain; every later one writes one entry.
    await _queries(client, url, person)
    small = await _queries(client, url, person)
    if not is_sqlite():
        # The viewer (re-read here), the client, its timeline screen with the header's and the
        # panels' reads in one statement, the access-log entry.
        assert small == 4
    for username in ("toeleider", "mediator", "sw.a2"):
        await add_to_team(client_id, world.people[username])
    for org in ("partner", "vdab"):
        await set_consent(client_id, world.orgs[org], True)
    for number in range(40):
        await add_event(
            client_id,
            author=person,
            author_org=world.orgs["ocmw-a"],
            subject=f"entry {number}",
        )
    assert await _queries(client, url, person) == small
