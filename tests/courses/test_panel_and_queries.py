"""The courses panel in a client file's header, and the number of statements the course page and
the panel read, however many clients are enrolled."""

from __future__ import annotations

import datetime as dt

import httpx
import pytest

from portal.accounts.auth import forget_viewer
from portal.core.db import count_queries
from tests.courses.conftest import login_en
from tests.support.factories import (
    add_to_team,
    build_world,
    enrol_client,
    make_client,
    make_course,
    make_session,
    mark_attendance,
    set_consent,
)

PANEL = {
    "sw.a": True,
    "sw.a2": True,
    "toeleider": True,
    "mediator": True,
    "mediator.out": True,
    "coordinator.a": False,
}
"""Who reads X's trajectory (and so the panel) on X's file."""


@pytest.mark.parametrize(("username", "shown"), list(PANEL.items()))
async def test_the_panel_on_the_client_file(
    client: httpx.AsyncClient, username: str, shown: bool
) -> None:
    world = await build_world()
    await login_en(client, username)
    page = (await client.get(f"/clients/{world.clients['X']}")).text
    assert ("COURSE-A" in page) is shown
    assert "COURSE-B" not in page
    if shown:
        panel = page.split("Group courses</h3>")[1].split("</ul>")[0]
        assert "Next session:" in panel and "TOPIC" not in panel
        assert "1 present" in panel and "1 not recorded" in panel and "(2 sessions held)" in panel
        assert (f'href="/courses/{world.courses["A"]}"' in panel) is True


async def _queries(http: httpx.AsyncClient, url: str, person_id: int) -> int:
    forget_viewer(person_id)
    with count_queries() as counter:
        response = await http.get(url)
    assert response.status_code == 200, url
    return counter[0]


@pytest.mark.parametrize("username", ["sw.a", "toeleider", "coordinator.a"])
async def test_the_course_page_does_not_grow_with_the_roster(
    client: httpx.AsyncClient, username: str
) -> None:
    world = await build_world()
    await login_en(client, username)
    course = world.courses["A"]
    url = f"/courses/{course}"
    person = world.people[username]
    few = await _queries(client, url, person)
    session = f"/courses/{course}/sessions/{world.sessions['A1']}"
    records = username != "coordinator.a"
    few_session = await _queries(client, session, person) if records else 0
    for number in range(25):
        client_id = await make_client(world.orgs["ocmw-a"], f"r{number}")
        await enrol_client(course, client_id, world.people["sw.a"])
        if number % 2:
            await set_consent(client_id, world.orgs["partner"], True)
            await add_to_team(client_id, world.people["toeleider"])
        await mark_attendance(world.sessions["A1"], client_id, "present", world.people["sw.a"])
    assert await _queries(client, url, person) == few
    if records:
        assert await _queries(client, session, person) == few_session


async def test_the_client_page_does_not_grow_with_the_courses(client: httpx.AsyncClient) -> None:
    world = await build_world()
    await login_en(client, "sw.a")
    person = world.people["sw.a"]
    url = f"/clients/{world.clients['X']}"
    one = await _queries(client, url, person)
    for number in range(5):
        course = await make_course(world.orgs["ocmw-a"], person, world.orgs["ocmw-a"], f"C{number}")
        session = await make_session(course, dt.date.today())
        await enrol_client(course, world.clients["X"], person)
        await mark_attendance(session, world.clients["X"], "absent", person)
    assert await _queries(client, url, person) == one
