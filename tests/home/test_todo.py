""" "Te doen" on the start page: across all of a person's clients and queues, with status tags in
words, each source read through its scope; roles without client access see what they can do."""

from __future__ import annotations

import datetime as dt
import re

import httpx

from portal.clients.tables import Client
from portal.core.periods import today_in_belgium
from portal.notifications.tables import InboxItem
from portal.trajectory import invitations
from portal.trajectory.tables import TrainingRequest
from portal.visibility.scoping import unscoped
from tests.conftest import login
from tests.support.factories import World, build_world, make_client
from tests.support.questions import question_in
from tests.support.signals import make_signal
from tests.support.trajectory import viewer_of

NOW = dt.datetime.now(dt.UTC)


async def _login_en(http: httpx.AsyncClient, username: str) -> str:
    http.cookies.set("brug_lang", "en")
    await login(http, username)
    page = (await http.get("/")).text
    start = page.index('id="todo"')
    return re.sub(r"\s+", " ", page[start : page.index("</section>", start)])


async def _seed(world: World) -> dict[str, int]:
    """One thing of each kind waiting for sw.a (OCMW A), the team's mediator and coordinator."""
    today = today_in_belgium()
    with unscoped("test: the world's requests"):
        await TrainingRequest.update({TrainingRequest.course: "COURSE-X"}).where(
            TrainingRequest.id == world.requests["X"]
        )
        await TrainingRequest.update({TrainingRequest.state: "ocmw_agreed"}).where(
            TrainingRequest.id == world.requests["Z"]
        )
        await Client.update({Client.agreement_note_on: None}).where(Client.id == world.clients["X"])
    late = await make_client(
        world.orgs["ocmw-a"],
        "LATE",
        living_wage_start=today - dt.timedelta(days=200),
        agreement_note_on=None,
    )
    question = await question_in(world, "open", label="TODO-Q", tag="X")
    signal = await make_signal(
        reporter=world.people["toeleider"],
        reporter_org=world.orgs["partner"],
        ocmw=world.orgs["ocmw-a"],
        created_at=NOW - dt.timedelta(days=30),
        due_on=today - dt.timedelta(days=10),
        handler=world.people["sw.a"],
        title="SIGNAL-FOR-SW-A",
    )
    unassigned = await make_signal(
        reporter=world.people["toeleider"],
        reporter_org=world.orgs["partner"],
        ocmw=world.orgs["ocmw-a"],
        created_at=NOW - dt.timedelta(days=1),
        due_on=today + dt.timedelta(days=5),
        title="SIGNAL-WITHOUT-HANDLER",
    )
    mediator = await viewer_of(world, "mediator")
    at = (NOW + dt.timedelta(days=3)).strftime("%Y-%m-%dT10:00")
    await invitations.invite(mediator, world.clients["X"], {"at": at, "place": "Gent"})
    return {"late": late, "question": question.id, "signal": signal, "unassigned": unassigned}


async def test_the_social_worker_sees_everything_that_waits_for_them(
    client: httpx.AsyncClient,
) -> None:
    world = await build_world()
    ids = await _seed(world)
    todo = await _login_en(client, "sw.a")
    assert f'href="/training-requests/{world.requests["X"]}"' in todo
    assert "COURSE-X · FirstX LastX" in todo and "Waiting for your agreement" in todo
    assert f'href="/clients/{ids["late"]}"' in todo and "due since" in todo, "agreement note"
    assert f'href="/questions/{ids["question"]}"' in todo
    assert f'href="/signals/{ids["signal"]}"' in todo and "deadline passed" in todo
    assert "SIGNAL-WITHOUT-HANDLER" not in todo, "handing out signals is the coordinator's"
    assert "interview on" in todo and f'href="/clients/{world.clients["X"]}"' in todo
    assert "FirstZ" not in todo, "nothing of another OCMW's client"


async def test_the_mediator_sees_the_team_queue_and_approvals(client: httpx.AsyncClient) -> None:
    world = await build_world()
    ids = await _seed(world)
    todo = await _login_en(client, "mediator")
    assert f'href="/questions/{ids["question"]}"' in todo
    assert re.search(r"Open</span>.{0,80}\d+ days?</span>", todo), "waiting time in words"
    assert f'href="/training-requests/{world.requests["Z"]}"' in todo
    assert "Waiting for your approval" in todo
    assert "SIGNAL-FOR-SW-A" not in todo and "COURSE-X" not in todo


async def test_the_ocmw_coordinator_hands_out_new_signals(client: httpx.AsyncClient) -> None:
    world = await build_world()
    ids = await _seed(world)
    todo = await _login_en(client, "coordinator.a")
    assert f'href="/signals/{ids["unassigned"]}"' in todo and "no handler yet" in todo
    assert "COURSE-X" not in todo and "/questions/" not in todo


async def test_a_role_without_client_files_sees_what_it_can_do(client: httpx.AsyncClient) -> None:
    world = await build_world()
    await _seed(world)
    client.cookies.set("brug_lang", "en")
    await login(client, "coordinator.p")
    page = (await client.get("/")).text
    assert "My clients" not in page and "Recent activity" not in page
    assert "What you can do here:" in page
    assert (
        'href="/signals/figures"' in page
        or 'href="/questions"' in page
        or 'href="/signals"' in page
    )
    for value in ("FirstX", "COURSE-X", "SIGNAL-"):
        assert value not in page


async def test_the_live_refresh_brings_what_waits_and_the_count_as_they_are_now(
    client: httpx.AsyncClient,
) -> None:
    world = await build_world()
    await _login_en(client, "sw.a")
    before = (await client.get("/", headers={"HX-Request": "true"})).text
    assert 'id="todo-section"' in before and "<html" not in before
    assert 'id="inbox-link" href="/inbox" hx-swap-oob="true"' in before
    assert 'class="count"' not in before
    ids = await _seed(world)
    after = (await client.get("/", headers={"HX-Request": "true"})).text
    assert f'href="/signals/{ids["signal"]}"' in after
    unread = await InboxItem.count().where(InboxItem.person == world.people["sw.a"])
    assert unread > 0
    assert f'<span class="count">{unread}</span>' in after, "counted now, not as cached"
    assert 'id="recent-section" hx-swap-oob="true"' in after
