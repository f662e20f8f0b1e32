"""The mediators' queue (``GET /questions``): the waiting questions of their team, oldest first,
the overdue ones marked by their Belgian deadline, each filter, pages of 25, the asker's own
list, and a number of statements that does not grow with the questions."""

from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass
from zoneinfo import ZoneInfo

import httpx
import pytest

from portal.accounts.auth import forget_viewer
from portal.core.db import count_queries, is_sqlite
from portal.core.templating import LOCAL_TIME
from portal.questions import queue, services
from portal.questions.tables import Question
from portal.visibility.scoping import unscoped
from tests.courses.conftest import login_en
from tests.support.factories import World
from tests.support.questions import ask, question_in, set_consent_given
from tests.support.trajectory import trajectory_world

TODAY = services.today_in_belgium()


def _at(days_ago: int) -> dt.datetime:
    """Noon (Belgian time) ``days_ago`` days before today, in UTC."""
    day = TODAY - dt.timedelta(days=days_ago)
    return dt.datetime.combine(day, dt.time(12), tzinfo=LOCAL_TIME).astimezone(dt.UTC)


# name: client, type, state, who claimed or answered, asked (days ago)
SEED = {
    "q1": ("X", "trajectory", "open", "mediator", 40),
    "q2": ("X", "training_advice", "claimed", "mediator", 30),
    "q3": ("Z", "invitation", "open", "mediator", 3),
    "q4": ("Z", "trajectory", "claimed", "mediator.out", 1),
    "q5": ("X", "other", "answered", "mediator", 45),
    "q6": ("X", "trajectory", "closed", "mediator", 50),
}
"""VDAB's questions; q1 and q2 waited far beyond ten working days (overdue), q3 and q4 not;
q5 and q6 wait no more."""


@dataclass
class Seeded:
    world: World
    ids: dict[str, int]

    def names(self, html: str) -> list[str]:
        """The seeded questions linked in ``html``, in order."""
        by_id = {str(qid): name for name, qid in self.ids.items()}
        return [by_id[q] for q in re.findall(r'<a href="/questions/(\d+)">', html) if q in by_id]

    def overdue(self, html: str) -> list[str]:
        by_id = {str(qid): name for name, qid in self.ids.items()}
        found = re.findall(r'<li class="is-overdue">\s*<a href="/questions/(\d+)">', html)
        return [by_id[q] for q in found if q in by_id]


async def _seed() -> Seeded:
    """The seeded questions, and one on Z to OCMW B's second VDAB team (never in VDAB's queue)."""
    world = await trajectory_world()
    await set_consent_given(world, "Z", "vdab-2", True)
    ids: dict[str, int] = {}
    for name, (tag, kind, state, mediator, days) in SEED.items():
        asker = "sw.b" if tag == "Z" else "sw.a"
        question = await question_in(
            world,
            state,
            label=name,
            asker=asker,
            tag=tag,
            type=kind,
            mediator=mediator,
            team="vdab" if tag == "Z" else None,
            now=_at(days),
        )
        ids[name] = question.id
    other_team = await question_in(
        world,
        "open",
        label="other-team",
        asker="sw.b",
        tag="Z",
        team="vdab-2",
        mediator="mediator.other",
        now=_at(60),
    )
    ids["other-team"] = other_team.id
    return Seeded(world, ids)


async def test_the_queue_waits_oldest_first_and_marks_the_overdue(
    client: httpx.AsyncClient,
) -> None:
    seeded = await _seed()
    await login_en(client, "mediator")
    html = (await client.get("/questions")).text
    assert "Queue of Vdab (4)" in html
    assert seeded.names(html) == ["q1", "q2", "q3", "q4"]
    assert seeded.overdue(html) == ["q1", "q2"]
    assert html.count("deadline passed") == 2
    every = (await client.get("/questions", params={"state": "all"})).text
    assert seeded.names(every) == ["q4", "q3", "q2", "q1", "q5", "q6"], "all states: newest first"
    assert seeded.overdue(every) == ["q2", "q1"], "an answered or closed question is never late"
    await login_en(client, "mediator.other")
    other = (await client.get("/questions", params={"state": "all"})).text
    assert seeded.names(other) == ["other-team"]


async def test_overdue_is_the_day_after_the_belgian_deadline(client: httpx.AsyncClient) -> None:
    today = services.today_in_belgium()  # when the test runs: a run may cross midnight
    assert dt.datetime.now(ZoneInfo("Europe/Brussels")).date() == today
    seeded = await _seed()
    with unscoped("test: a deadline put on today and on yesterday"):
        await Question.update({Question.due_on: today}).where(Question.id == seeded.ids["q3"])
        await Question.update({Question.due_on: today - dt.timedelta(days=1)}).where(
            Question.id == seeded.ids["q4"]
        )
    await login_en(client, "mediator")
    html = (await client.get("/questions")).text
    assert seeded.overdue(html) == ["q1", "q2", "q4"], "due today is not late yet"
    late = (await client.get("/questions", params={"overdue": "1"})).text
    assert seeded.names(late) == ["q1", "q2", "q4"]
    page = await client.get(f"/questions/{seeded.ids['q4']}")
    assert "deadline passed" in page.text
    page = await client.get(f"/questions/{seeded.ids['q3']}")
    assert "deadline passed" not in page.text


FILTERS = {
    "type": ({"type": "trajectory"}, ["q1", "q4"]),
    "type, all states": ({"type": "trajectory", "state": "all"}, ["q4", "q1", "q6"]),
    "ocmw": ({"ocmw": "ocmw-b"}, ["q3", "q4"]),
    "open": ({"state": "open"}, ["q1", "q3"]),
    "claimed": ({"state": "claimed"}, ["q2", "q4"]),
    "answered": ({"state": "answered"}, ["q5"]),
    "closed": ({"state": "closed"}, ["q6"]),
    "overdue": ({"overdue": "1"}, ["q1", "q2"]),
    "overdue, all states": ({"overdue": "1", "state": "all"}, ["q2", "q1"]),
    "mine": ({"mine": "1"}, ["q2"]),
    "mine, all states": ({"mine": "1", "state": "all"}, ["q2", "q5", "q6"]),
    "ocmw and type": ({"ocmw": "ocmw-a", "type": "training_advice"}, ["q2"]),
    "not understood": (
        {"type": "nonsense", "state": "'; DROP", "ocmw": "-1", "page": "x"},
        ["q1", "q2", "q3", "q4"],
    ),
}


@pytest.mark.parametrize("name", list(FILTERS))
async def test_each_filter(client: httpx.AsyncClient, name: str) -> None:
    seeded = await _seed()
    params, expected = FILTERS[name]
    if "ocmw" in params and params["ocmw"] in seeded.world.orgs:
        params = params | {"ocmw": str(seeded.world.orgs[params["ocmw"]])}
    await login_en(client, "mediator")
    response = await client.get("/questions", params=params)
    assert response.status_code == 200
    assert seeded.names(response.text) == expected
    assert f"Queue of Vdab ({len(expected)})" in response.text


async def test_mine_is_the_viewers_own(client: httpx.AsyncClient) -> None:
    seeded = await _seed()
    await login_en(client, "mediator.out")
    html = (await client.get("/questions", params={"mine": "1"})).text
    assert seeded.names(html) == ["q4"]


async def _waiting(world: World, count: int) -> list[int]:
    """``count`` open questions on X, asked a day apart, the oldest first."""
    return [
        await ask(world, text=f"Vraag {number}", now=_at(count - number)) for number in range(count)
    ]


async def test_pages_of_25(client: httpx.AsyncClient) -> None:
    world = await trajectory_world()
    ids = await _waiting(world, 30)
    await login_en(client, "mediator")
    first = (await client.get("/questions")).text
    linked = [int(q) for q in re.findall(r'<a href="/questions/(\d+)">', first)]
    assert linked == ids[:25]
    assert "Page 1 of 2" in first and 'href="/questions?page=2"' in first
    second = (await client.get("/questions", params={"page": "2"})).text
    assert [int(q) for q in re.findall(r'<a href="/questions/(\d+)">', second)] == ids[25:]
    assert "Page 2 of 2" in second and 'href="/questions"' in second
    beyond = (await client.get("/questions", params={"page": "9"})).text
    assert "Page 2 of 2" in beyond, "a page beyond the last shows the last"


async def test_the_askers_list(client: httpx.AsyncClient) -> None:
    seeded = await _seed()
    await login_en(client, "sw.a")
    html = (await client.get("/questions")).text
    assert "Queue of" not in html
    assert "Questions you asked or about your clients (4)" in html
    assert seeded.names(html) == ["q2", "q1", "q5", "q6"], "newest first, whatever the state"
    await login_en(client, "sw.b")
    html = (await client.get("/questions")).text
    assert seeded.names(html) == ["q4", "q3", "other-team"]
    for username in ("toeleider", "coordinator.a", "admin", "sw.a2"):
        await login_en(client, username)
        response = await client.get("/questions", params={"state": "all"})
        assert response.status_code == 200
        assert seeded.names(response.text) == [], username


# Statements --------------------------------------------------------------------------------------


async def _statements(http: httpx.AsyncClient, person_id: int, params: dict[str, str]) -> int:
    forget_viewer(person_id)
    with count_queries() as counter:
        response = await http.get("/questions", params=params)
    assert response.status_code == 200
    return counter[0]


async def test_a_page_reads_a_fixed_number_of_statements(client: httpx.AsyncClient) -> None:
    seeded = await _seed()
    world = seeded.world
    filters = {"type": "trajectory", "state": "all", "mine": "1"}
    few = {}
    for username in ("mediator", "sw.a"):
        await login_en(client, username)
        person = world.people[username]
        few[username] = (
            await _statements(client, person, {}),
            await _statements(client, person, filters),
        )
    await _waiting(world, 40)
    for number in range(6):
        await question_in(world, "claimed", label=f"more-{number}", now=_at(number))
    for username in ("mediator", "sw.a"):
        await login_en(client, username)
        person = world.people[username]
        many = (
            await _statements(client, person, {}),
            await _statements(client, person, filters),
        )
        assert many == few[username], username
    # The person; the team's OCMWs, the count and the rows of the queue (or the count and the
    # rows of the asker's list), in one statement on PostgreSQL; what is new to the person; the
    # access log's three statements for the clients the page names (the chains' heads, the
    # entries, the new heads).
    queue_reads, asker_reads = (3, 2) if is_sqlite() else (1, 1)
    assert few["mediator"] == (1 + queue_reads + 1 + 3,) * 2, few
    assert few["sw.a"] == (1 + asker_reads + 1 + 3,) * 2, few
    assert queue.READS == 3 + 2
