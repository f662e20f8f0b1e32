"""For every kind of access, exactly one entry with the right fields: opening a file, a timeline
screen (the classes it showed, not those it might have), a sensitive section, a reason stated,
a refused attempt on an existing client (not on a missing one, and kept when the refused work is
rolled back), and a list or search (which clients were listed, never the search words)."""

from __future__ import annotations

from typing import Any

import httpx

from portal.audit.chain import verify
from portal.audit.tables import AccessLogEntry
from portal.visibility.scoping import unscoped
from tests.conftest import login
from tests.support.factories import World, build_world
from tests.support.questions import add_questions
from tests.support.signals import add_signals

MISSING = 999_999


async def _new_entries(since: int) -> list[dict[str, Any]]:
    with unscoped("test: the access log as written"):
        return list(
            await AccessLogEntry.select()
            .where(AccessLogEntry.id > since)
            .order_by(AccessLogEntry.id)
        )


async def _last_id() -> int:
    with unscoped("test: the access log as written"):
        rows = (
            await AccessLogEntry.select(AccessLogEntry.id)
            .order_by(AccessLogEntry.id, ascending=False)
            .limit(1)
        )
    return rows[0]["id"] if rows else 0


async def _one(client: httpx.AsyncClient, method: str, url: str, **kwargs: Any) -> list[dict]:
    before = await _last_id()
    response = await client.request(method, url, **kwargs)
    assert response.status_code < 500, (url, response.status_code)
    return await _new_entries(before)


def _summary(entries: list[dict]) -> list[tuple[Any, ...]]:
    return [(e["client_id"], e["action"], e["revealed"], e["subject"]) for e in entries]


async def test_every_kind_of_access_writes_exactly_one_entry(client: httpx.AsyncClient) -> None:
    world: World = await build_world()
    x, y, z = (world.clients[tag] for tag in ("X", "Y", "Z"))
    token = await login(client, "sw.a")

    assert _summary(await _one(client, "GET", f"/clients/{x}")) == [
        (x, "client.opened", "health,identity,social", "")
    ]
    # Y's timeline holds trajectory entries only: its page shows the identity fields, a screen
    # of its timeline shows none.
    assert _summary(await _one(client, "GET", f"/clients/{y}")) == [
        (y, "client.opened", "identity", "")
    ]
    fragment = await _one(client, "GET", f"/clients/{y}/timeline", headers={"HX-Request": "true"})
    assert _summary(fragment) == [(y, "client.timeline_read", "", "")]
    assert _summary(await _one(client, "GET", f"/clients/{x}/sensitive/social")) == [
        (x, "client.section_read", "social", "")
    ]
    assert _summary(await _one(client, "GET", f"/clients/{z}")) == [
        (z, "client.refused", "", "")
    ], "a refused attempt on an existing client"
    assert await _one(client, "GET", f"/clients/{MISSING}") == [], "no client, no entry"
    refused_write = await _one(
        client, "POST", f"/clients/{z}/notes", data={"csrf_token": token, "subject": "x"}
    )
    assert _summary(refused_write) == [(z, "client.refused", "", "")], "kept though rolled back"

    listed = await _one(client, "GET", "/clients", params={"mine": "0"})
    assert sorted(_summary(listed)) == sorted((c, "client.listed", "", "list") for c in (x, y)), (
        "every client on the page, once"
    )
    searched = await _one(client, "GET", "/clients", params={"q": "LastY", "mine": "0"})
    assert _summary(searched) == [(y, "client.listed", "", "search")]
    assert all("LastY" not in str(value) for value in searched[0].values()), "never the words"

    start = await _one(client, "GET", "/")
    assert sorted(_summary(start)) == sorted((c, "client.listed", "", "list") for c in (x, y)), (
        "the start page names the clients of the care teams the person is in"
    )

    roster = await _one(client, "GET", f"/courses/{world.courses['A']}")
    assert sorted(_summary(roster)) == sorted((c, "client.listed", "", "list") for c in (x, y)), (
        "a course's roster names its clients"
    )

    await login(client, "sw.a2")
    reason = await _one(
        client,
        "POST",
        f"/clients/{x}/reason",
        data={"csrf_token": await login(client, "sw.a2"), "reason": "Vervanging tijdens verlof"},
    )
    assert [(e["action"], e["reason"]) for e in reason] == [
        ("client.reason_stated", "Vervanging tijdens verlof")
    ]
    assert (await verify()).broken is None


async def test_the_question_lists_write_the_clients_they_name(client: httpx.AsyncClient) -> None:
    """The mediators' queue names the clients of their team's questions; an OCMW's list those of
    the questions it asked."""
    world = await build_world()
    seeded = await add_questions(world)
    await login(client, "mediator")
    queue = await _one(client, "GET", "/questions")
    named = {e["client_id"] for e in queue if e["action"] == "client.listed"}
    waiting = {world.clients[q.client] for q in seeded if q.team == world.orgs["vdab"]}
    assert named and named <= waiting, (named, waiting)
    await login(client, "sw.a")
    asked = await _one(client, "GET", "/questions")
    assert {e["client_id"] for e in asked} == {
        world.clients[q.client] for q in seeded if q.asker == "sw.a"
    }


async def test_a_signal_about_a_client_writes_its_reading(client: httpx.AsyncClient) -> None:
    """Its page names the client; a structural signal names no one and writes nothing."""
    world = await build_world()
    await add_signals(world)
    await login(client, "sw.a")
    about_x = next(s for s in world.signals if s.client == "X")
    read = await _one(client, "GET", f"/signals/{about_x.id}")
    assert _summary(read) == [(world.clients["X"], "signal.read", "", f"signal:{about_x.id}")]
    structural = next(s for s in world.signals if s.client is None and s.ocmw == "ocmw-a")
    assert await _one(client, "GET", f"/signals/{structural.id}") == []
