"""What each person of the world sees of a course and its roster: full names for the OCMW's own
people, first names of the clients they accompany for someone of another organisation, a count
for everyone else, and 404 for who may not see the course."""

from __future__ import annotations

import re

import httpx
import pytest

from portal.accounts.services import load_viewer
from portal.courses.tables import Course
from portal.visibility.policy import sees_record
from portal.visibility.records import policy_for, visible_to
from portal.visibility.scoping import unscoped
from tests.courses.conftest import login_en
from tests.support.factories import (
    PEOPLE,
    add_to_team,
    build_world,
    enrol_client,
    make_client,
    set_consent,
)
from tests.support.oracle import course_facts_for, course_relation

FULL, FIRST, COUNTED = "full", "first", "counted"
ROSTER_A: dict[str, dict[str, str] | None] = {
    # X: toeleider and mediator in the care team, consent for both; Y: both in the team, consent
    # withdrawn; W: no one from outside the OCMW in the team, consent for the partner.
    "sw.a": {"X": FULL, "Y": FULL, "W": FULL},
    "sw.a2": {"X": FULL, "Y": FULL, "W": FULL},
    "toeleider": {"X": FIRST, "Y": COUNTED, "W": COUNTED},
    "toeleider.out": {"X": COUNTED, "Y": COUNTED, "W": COUNTED},
    "mediator": {"X": FIRST, "Y": COUNTED, "W": COUNTED},
    "mediator.out": {"X": COUNTED, "Y": COUNTED, "W": COUNTED},
    "coordinator.a": {"X": COUNTED, "Y": COUNTED, "W": COUNTED},
    "sw.b": None,
    "coordinator.p": None,
    "admin": None,
    "platform": None,
}
"""Course A runs for OCMW A and is organised by the partner's toeleider; ``None``: 404."""


async def _world_with_w() -> tuple:
    world = await build_world()
    w = await make_client(world.orgs["ocmw-a"], "W")
    await set_consent(w, world.orgs["partner"], True)
    await add_to_team(w, world.people["sw.a"])
    await enrol_client(world.courses["A"], w, world.people["sw.a"])
    world.clients["W"] = w
    return world


@pytest.mark.parametrize("username", list(PEOPLE))
async def test_the_roster_of_course_a_for_every_person(
    client: httpx.AsyncClient, username: str
) -> None:
    world = await _world_with_w()
    expected = ROSTER_A[username]
    await login_en(client, username)
    response = await client.get(f"/courses/{world.courses['A']}")
    if expected is None:
        assert response.status_code == 404
        assert "COURSE-A" not in (await client.get("/courses")).text
        return
    assert response.status_code == 200
    page = response.text
    assert "COURSE-A" in page and "TOPIC-A1" in page
    for tag, seen in expected.items():
        first, last = f"First{tag}", f"Last{tag}"
        assert (first in page) is (seen in (FULL, FIRST)), (tag, seen)
        assert (last in page) is (seen == FULL), (tag, seen)
    assert "S3CRET-" not in page, "a roster shows names only"
    counted = sum(1 for seen in expected.values() if seen == COUNTED)
    named = len(expected) - counted
    if counted and named:
        assert f"And {counted} other enrolled client" in page
    elif counted:
        assert f"{counted} clients are enrolled." in page
    else:
        assert "other enrolled" not in page
    assert "COURSE-B" not in (await client.get("/courses")).text or username in (
        "mediator",
        "mediator.out",
    )


async def test_a_course_of_another_ocmw_never_shows_its_clients(client: httpx.AsyncClient) -> None:
    """Course B (OCMW B, Z enrolled): VDAB's mediators may see the course (a partner of OCMW B);
    the one in Z's care team reads Z's first name, the other a count; OCMW A's people and the
    partner's toeleiders get 404."""
    world = await build_world()
    url = f"/courses/{world.courses['B']}"
    for username, status in (
        ("sw.a", 404),
        ("toeleider", 404),
        ("coordinator.a", 404),
        ("mediator", 200),
        ("mediator.out", 200),
        ("sw.b", 200),
    ):
        await login_en(client, username)
        response = await client.get(url)
        assert response.status_code == status, username
        if status == 200:
            assert ("FirstZ" in response.text) is (username != "mediator.out"), username
            assert ("LastZ" in response.text) is (username == "sw.b"), username


async def test_the_attendance_grid_shows_each_mark_only_to_who_sees_the_client(
    client: httpx.AsyncClient,
) -> None:
    world = await build_world()
    url = f"/courses/{world.courses['A']}"
    await login_en(client, "sw.a")
    page = (await client.get(url)).text
    row = re.search(r"FirstX LastX.*?</tr>", page, re.S)
    assert row and "present" in row.group(0)
    row = re.search(r"FirstY LastY.*?</tr>", page, re.S)
    assert row and "absent" in row.group(0)
    await login_en(client, "toeleider")
    page = (await client.get(url)).text
    assert "absent</span>" not in page.split("<tbody>")[1].split("</tbody>")[0]


@pytest.mark.parametrize("username", list(PEOPLE))
async def test_the_course_scope_matches_the_oracle(username: str) -> None:
    world = await build_world()
    viewer = await load_viewer(world.people[username])
    assert viewer is not None
    expected = {
        course_id: course_relation(viewer, facts)
        for course_id, facts in (await course_facts_for(viewer)).items()
    }
    relation = policy_for(Course).relation(viewer).as_alias("relation")
    with unscoped("test: the relation of every course, visible or not"):
        rows = await Course.select(Course.id, relation)
    assert {row["id"]: row["relation"] for row in rows} == expected
    scope = visible_to(viewer, Course)
    listed = {row["id"] for row in await scope.select(Course.id)}
    assert listed == {cid for cid, rel in expected.items() if sees_record(viewer.roles, rel)}
