"""The quarterly activation review: opening a round, marking clients, who reads which reason,
progress and the reminder. Pages are read in English (``brug_lang=en``) so the assertions hold
whatever the Dutch catalog says."""

from __future__ import annotations

import datetime as dt

import httpx
import pytest

from portal.accounts.services import load_viewer
from portal.clients.changes import Invalid
from portal.clients.services import NotAllowed
from portal.review import services
from portal.review.tables import ReviewItem, ReviewRound
from portal.review.workflow import Quarter, reminds
from portal.timeline.tables import TimelineEvent
from portal.visibility.scoping import unscoped
from tests.conftest import login
from tests.support.factories import (
    REVIEW_REASONS,
    World,
    add_review_rounds,
    build_world,
    make_client,
)

HEALTH = REVIEW_REASONS["Y"][2]
DUTCH = REVIEW_REASONS["X"][2]


async def _viewer(world: World, username: str):
    viewer = await load_viewer(world.people[username])
    assert viewer is not None
    return viewer


async def _items(round_id: int) -> list[dict]:
    with unscoped("test: the items as written"):
        return list(
            await ReviewItem.select().where(ReviewItem.round == round_id).order_by(ReviewItem.id)
        )


async def _events(client_id: int) -> list[dict]:
    with unscoped("test: the timeline as written"):
        return list(
            await TimelineEvent.select()
            .where(TimelineEvent.client == client_id)
            .where(TimelineEvent.kind.like("review.%"))
            .order_by(TimelineEvent.id)
        )


async def _english(client: httpx.AsyncClient, username: str) -> str:
    client.cookies.set("brug_lang", "en")
    return await login(client, username)


# Opening a round -------------------------------------------------------------------------------


async def test_a_round_lists_the_ocmws_open_living_wage_files_once_per_quarter() -> None:
    world = await build_world()
    ocmw = world.orgs["ocmw-a"]
    closed = await make_client(ocmw, "CLOSED", status="closed")
    no_wage = await make_client(ocmw, "NOWAGE", living_wage_start=None)
    actor = await _viewer(world, "sw.a2")
    today = dt.date(2026, 11, 20)
    round_id = await services.open_round(actor, today=today)
    listed = {row["client"] for row in await _items(round_id)}
    assert listed == {world.clients["X"], world.clients["Y"]}
    assert closed not in listed and no_wage not in listed
    with unscoped("test: the round"):
        stored = await ReviewRound.select().where(ReviewRound.id == round_id).first()
    assert stored["period"] == "2026-Q4" and stored["due_on"] == dt.date(2026, 12, 31)
    with pytest.raises(services.RoundExists) as exists:
        await services.open_round(await _viewer(world, "sw.a"), today=today)
    assert exists.value.existing == round_id
    other = await services.open_round(await _viewer(world, "sw.b"), today=today)
    assert {row["client"] for row in await _items(other)} == {world.clients["Z"]}


@pytest.mark.parametrize("username", ["coordinator.a", "toeleider", "mediator", "admin"])
async def test_only_an_ocmws_social_workers_open_a_round(username: str) -> None:
    world = await build_world()
    with pytest.raises((NotAllowed, services.NotFoundException)):
        await services.open_round(await _viewer(world, username), today=dt.date(2026, 11, 20))


def test_quarters_and_the_reminder() -> None:
    q4 = Quarter.of(dt.date(2026, 11, 20))
    assert q4.code == "2026-Q4" and q4.first_day == dt.date(2026, 10, 1)
    assert Quarter.of(dt.date(2026, 2, 28)).last_day == dt.date(2026, 3, 31)
    assert Quarter.parse("2026-Q2") == Quarter(2026, 2) and Quarter.parse("2026-Q5") is None
    assert reminds(q4, dt.date(2026, 10, 2), has_round=False, unmarked=0)
    assert not reminds(q4, dt.date(2026, 10, 2), has_round=True, unmarked=5)
    assert reminds(q4, dt.date(2026, 12, 20), has_round=True, unmarked=1)
    assert not reminds(q4, dt.date(2026, 12, 20), has_round=True, unmarked=0)


# Marking ---------------------------------------------------------------------------------------


async def test_marking_writes_the_item_and_an_event_for_the_ocmw(client: httpx.AsyncClient) -> None:
    world = await build_world()
    items = await add_review_rounds(world, "2025-Q1")
    token = await _english(client, "sw.a2")
    item = items["X"]
    response = await client.post(
        f"/review/items/{item}",
        data={"csrf_token": token, "decision": "ready", "show": "unmarked"},
    )
    assert response.status_code == 303
    assert response.headers["location"].endswith(f"show=unmarked&done=marked#item-{item}")
    stored = (await _items(await _items_round(item)))[0]
    assert stored["decision"] == "ready" and stored["reason"] == "" and stored["reason_kind"] == ""
    assert stored["decided_by"] == world.people["sw.a2"]
    event = (await _events(world.clients["X"]))[-1]
    assert event["kind"] == "review.ready" and event["audience"] == "own_org"
    assert event["sensitivity"] == "trajectory"

    response = await client.post(
        f"/review/items/{item}",
        data={
            "csrf_token": token,
            "decision": "not_yet",
            "reason_kind": "dutch",
            "reason": "Volgt NT2 niveau 1.2 tot juni",
        },
    )
    assert response.status_code == 303
    event = (await _events(world.clients["X"]))[-1]
    assert event["kind"] == "review.not_yet" and event["text"] == "Volgt NT2 niveau 1.2 tot juni"
    page = (await client.get(f"/clients/{world.clients['X']}")).text
    assert "Activation review 2025-Q1: not yet (Dutch classes)" in page


async def _items_round(item_id: int) -> int:
    with unscoped("test: the item's round"):
        row = await ReviewItem.select(ReviewItem.round).where(ReviewItem.id == item_id).first()
    return row["round"]


async def test_a_mark_without_a_reason_is_refused_with_the_input_kept(
    client: httpx.AsyncClient,
) -> None:
    world = await build_world()
    items = await add_review_rounds(world, "2025-Q1")
    token = await _english(client, "sw.a")
    response = await client.post(
        f"/review/items/{items['X']}",
        data={"csrf_token": token, "decision": "not_yet", "reason_kind": "", "reason": "ok?"},
    )
    assert response.status_code == 422
    assert "Choose why not yet" in response.text
    assert f'href="#f-{items["X"]}-reason_kind"' in response.text
    assert ">ok?</textarea>" in response.text
    unknown = await client.post(
        f"/review/items/{items['X']}", data={"csrf_token": token, "decision": "maybe"}
    )
    assert unknown.status_code == 422
    assert (await _items(await _items_round(items["X"])))[0]["reason"] == DUTCH, "nothing written"


async def test_a_health_reason_reaches_only_who_is_shown_health(
    client: httpx.AsyncClient,
) -> None:
    world = await build_world()
    items = await add_review_rounds(world, "2025-Q1")
    round_id = await _items_round(items["Y"])
    await _english(client, "sw.a")
    holder = await client.get(f"/review/rounds/{round_id}")
    assert holder.status_code == 200 and HEALTH in holder.text and DUTCH in holder.text

    token = await _english(client, "sw.a2")
    colleague = await client.get(f"/review/rounds/{round_id}")
    assert colleague.status_code == 200
    assert HEALTH not in colleague.text and DUTCH in colleague.text
    assert "Reason withheld" in colleague.text
    refused = await client.post(
        f"/review/items/{items['Y']}", data={"csrf_token": token, "decision": "ready"}
    )
    assert refused.status_code == 403, "a withheld reason is not the colleague's to overwrite"
    health = await client.post(
        f"/review/items/{items['X']}",
        data={
            "csrf_token": token,
            "decision": "not_yet",
            "reason_kind": "health",
            "reason": "x y z",
        },
    )
    assert health.status_code == 422 and "health information" in health.text

    await _english(client, "coordinator.a")
    lead = await client.get(f"/review/rounds/{round_id}")
    assert lead.status_code == 200
    assert HEALTH not in lead.text and DUTCH not in lead.text
    assert "FirstX" not in lead.text, "the coordinator sees counts, not the list"

    for username in ("sw.b", "toeleider", "mediator", "admin"):
        await _english(client, username)
        assert (await client.get(f"/review/rounds/{round_id}")).status_code == 404, username


async def test_a_health_mark_goes_on_the_timeline_as_health(client: httpx.AsyncClient) -> None:
    world = await build_world()
    items = await add_review_rounds(world, "2025-Q1")
    token = await _english(client, "sw.a")
    reason = "Wacht op opname ontwenningskliniek"
    response = await client.post(
        f"/review/items/{items['X']}",
        data={
            "csrf_token": token,
            "decision": "not_yet",
            "reason_kind": "health",
            "reason": reason,
        },
    )
    assert response.status_code == 303
    event = (await _events(world.clients["X"]))[-1]
    assert event["kind"] == "review.not_yet_health" and event["sensitivity"] == "health"
    assert reason in (await client.get(f"/clients/{world.clients['X']}")).text
    for username in ("sw.a2", "mediator", "toeleider"):
        await _english(client, username)
        page = await client.get(f"/clients/{world.clients['X']}")
        assert page.status_code == 200 and reason not in page.text, username


async def test_progress_counts_for_the_team_and_suppressed_for_the_coordinator() -> None:
    world = await build_world()
    ocmw = world.orgs["ocmw-a"]
    for index in range(6):
        await make_client(ocmw, f"P{index}")
    actor = await _viewer(world, "sw.a")
    today = dt.date(2026, 12, 20)
    round_id = await services.open_round(actor, today=today)
    rows = await _items(round_id)
    assert len(rows) == 8
    await services.mark_item(actor, rows[0]["id"], {"decision": "ready"})
    await services.mark_item(
        actor, rows[1]["id"], {"decision": "not_yet", "reason_kind": "other", "reason": "verhuist"}
    )
    team = await services.overview(actor, today=today)
    assert team.current is not None
    assert team.current.progress.marked == "2 van 8 beoordeeld"
    assert dict(team.current.progress.counts) == {"ready": "1", "not_yet": "1", "": "6"}
    assert team.reminder is not None and team.reminder.unmarked == 6, "six left, the quarter ends"
    lead = await services.overview(await _viewer(world, "coordinator.a"), today=today)
    assert lead.current is not None and lead.current.progress.marked is None
    assert dict(lead.current.progress.counts) == {"ready": "< 5", "not_yet": "< 5", "": "•"}
    page = await services.round_page(await _viewer(world, "coordinator.a"), round_id)
    assert page.rows == []


async def test_the_review_page_reminds_and_offers_the_round(client: httpx.AsyncClient) -> None:
    await build_world()
    await _english(client, "sw.a")
    page = await client.get("/review")
    assert page.status_code == 200
    assert "is due" in page.text and 'action="/review/rounds"' in page.text
    assert 'href="/review"' in page.text, "the menu offers the review"
    await _english(client, "coordinator.a")
    lead = await client.get("/review")
    assert lead.status_code == 200 and 'action="/review/rounds"' not in lead.text
    for username in ("toeleider", "mediator", "admin", "coordinator.p"):
        await _english(client, username)
        home = await client.get("/")
        assert 'href="/review"' not in home.text, username
        assert (await client.get("/review")).status_code == 404, username


async def test_marking_is_refused_outside_the_team() -> None:
    world = await build_world()
    items = await add_review_rounds(world, "2025-Q1")
    for username in ("coordinator.a", "toeleider", "mediator", "sw.b"):
        with pytest.raises(services.NotFoundException):
            await services.mark_item(
                await _viewer(world, username), items["X"], {"decision": "ready"}
            )
    with pytest.raises(Invalid):
        await services.mark_item(await _viewer(world, "sw.a"), items["X"], {"decision": ""})


async def test_the_file_header_shows_the_latest_decision_to_the_team(
    client: httpx.AsyncClient,
) -> None:
    world = await build_world()
    await add_review_rounds(world, "2025-Q1")
    y = world.clients["Y"]
    await _english(client, "sw.a")
    page = (await client.get(f"/clients/{y}")).text
    assert "Activation review 2025-Q1" in page and HEALTH in page
    await _english(client, "sw.a2")
    page = (await client.get(f"/clients/{y}")).text
    assert "Activation review 2025-Q1" in page and HEALTH not in page
    assert "Reason withheld" in page
    for username in ("mediator", "toeleider", "coordinator.a"):
        await _english(client, username)
        page = (await client.get(f"/clients/{world.clients['X']}")).text
        assert "Activation review 2025-Q1" not in page and DUTCH not in page, username


async def test_reading_a_health_reason_is_in_the_access_log(client: httpx.AsyncClient) -> None:
    from portal.audit.tables import AccessLogEntry

    world = await build_world()
    items = await add_review_rounds(world, "2025-Q1")
    round_id = await _items_round(items["Y"])
    for username in ("sw.a2", "sw.a"):
        await _english(client, username)
        assert (await client.get(f"/review/rounds/{round_id}")).status_code == 200
    with unscoped("test: the access log as written"):
        rows = await AccessLogEntry.select().where(AccessLogEntry.action == "review.read")
    assert [(r["person"], r["client_id"], r["revealed"]) for r in rows] == [
        (world.people["sw.a"], world.clients["Y"], "health")
    ]
