"""The one named file holder; colleagues who state a reason (break the glass); the coordinator who
assigns file holders and sees the files that need one."""

from __future__ import annotations

import httpx

from portal.accounts.tables import Person
from portal.audit.tables import AccessLogEntry
from portal.clients.tables import Client
from portal.visibility.scoping import unscoped
from tests.conftest import login
from tests.support.factories import build_world, secret

REASON = "Dossierhouder met verlof; dringende vraag van de schuldbemiddelaar"


async def _log() -> list[dict]:
    with unscoped("test: the access log as written"):
        return await AccessLogEntry.select().order_by(AccessLogEntry.id)


async def test_a_colleague_sees_basic_and_trajectory_then_more_with_a_reason(
    client: httpx.AsyncClient,
) -> None:
    world = await build_world()
    x = world.clients["X"]
    token = await login(client, "sw.a2")
    page = (await client.get(f"/clients/{x}")).text
    assert "FirstX" in page and "statusX" in page
    for hidden in ("social_report", "finances", "health_notes", "national_number", "address"):
        assert secret("X", hidden) not in page
    assert f'action="/clients/{x}/reason"' in page

    short = await client.post(f"/clients/{x}/reason", data={"csrf_token": token, "reason": "nu"})
    assert short.status_code == 422
    assert 'id="f-reason-error"' in short.text and ">nu</textarea>" in short.text
    assert [e for e in await _log() if e["action"] == "client.reason_stated"] == []

    stated = await client.post(f"/clients/{x}/reason", data={"csrf_token": token, "reason": REASON})
    assert stated.status_code == 303
    opened = (await client.get(f"/clients/{x}")).text
    assert secret("X", "address") in opened
    assert f'href="/clients/{x}/sensitive/health"' in opened
    health = (await client.get(f"/clients/{x}/sensitive/health")).text
    social = (await client.get(f"/clients/{x}/sensitive/social")).text
    assert secret("X", "health_notes") in health and secret("X", "social_report") in social
    entries = await _log()
    assert [(e["action"], e["reason"]) for e in entries if e["reason"]] == [
        ("client.reason_stated", REASON)
    ]
    # The file's identity fields and its timeline's social and health entries; then the sections.
    assert [e["revealed"] for e in entries[-3:]] == ["health,identity,social", "health", "social"]

    await login(client, "sw.a2")  # a new session: the glass is whole again
    assert secret("X", "health_notes") not in (await client.get(f"/clients/{x}")).text

    await login(client, "sw.a")
    holder_page = (await client.get(f"/clients/{x}")).text
    assert (
        REASON in holder_page
        and "Sw A2 gaf een reden op om het volledige dossier te zien" in holder_page
    )
    for other in ("sw.a2", "toeleider", "mediator"):  # the timeline entry is the holder's alone
        await login(client, other)
        assert REASON not in (await client.get(f"/clients/{x}")).text


async def test_only_colleagues_of_the_ocmw_state_a_reason(client: httpx.AsyncClient) -> None:
    world = await build_world()
    for username, url, status in [
        ("toeleider", f"/clients/{world.clients['X']}/reason", 403),
        ("coordinator.a", f"/clients/{world.clients['X']}/reason", 403),
        ("sw.a2", f"/clients/{world.clients['Z']}/reason", 404),
        ("admin", f"/clients/{world.clients['X']}/reason", 404),
    ]:
        token = await login(client, username)
        response = await client.post(url, data={"csrf_token": token, "reason": REASON})
        assert response.status_code == status, username
    # No reason was stated; who asked for a file they cannot see was refused, and that is kept.
    refused = [
        (e["person"], e["client_id"], e["action"])
        for e in await _log()
        if e["action"] != "client.listed"
    ]
    assert refused == [
        (world.people["sw.a2"], world.clients["Z"], "client.refused"),
        (world.people["admin"], world.clients["X"], "client.refused"),
    ]


async def test_the_coordinator_assigns_the_file_holder(client: httpx.AsyncClient) -> None:
    world = await build_world()
    x = world.clients["X"]
    for username in ("sw.a", "sw.a2", "toeleider"):
        token = await login(client, username)
        refused = await client.post(
            f"/clients/{x}/file-holder", data={"csrf_token": token, "username": "sw.a2"}
        )
        assert refused.status_code == 403, username

    token = await login(client, "coordinator.a")
    bad = await client.post(
        f"/clients/{x}/file-holder", data={"csrf_token": token, "username": "sw.b"}
    )
    assert bad.status_code == 422 and 'id="f-username-error"' in bad.text
    moved = await client.post(
        f"/clients/{x}/file-holder", data={"csrf_token": token, "username": "sw.a2"}
    )
    assert moved.status_code == 303
    with unscoped("test: the stored file holder"):
        row = await Client.select(Client.file_holder).where(Client.id == x).first()
    assert row["file_holder"] == world.people["sw.a2"]

    await login(client, "sw.a2")
    page = (await client.get(f"/clients/{x}")).text
    assert "is nu dossierhouder" in page
    health = await client.get(f"/clients/{x}/sensitive/health")
    assert secret("X", "health_notes") in health.text
    await login(client, "sw.a")
    assert (await client.get(f"/clients/{x}/sensitive/health")).status_code == 404
    assert (await client.get(f"/clients/{x}/sensitive/health")).status_code == 404


async def test_files_without_an_active_holder_are_listed_for_the_coordinator(
    client: httpx.AsyncClient,
) -> None:
    world = await build_world()
    await Person.update({Person.active: False}).where(Person.id == world.people["sw.a"])
    await login(client, "coordinator.a")
    page = (await client.get("/team/files")).text
    assert "LastX, FirstX" in page and "LastY, FirstY" in page
    assert "LastZ" not in page, "another OCMW's files are not this coordinator's"
    for username in ("sw.a2", "toeleider", "admin", "coordinator.p"):
        await login(client, username)
        assert (await client.get("/team/files")).status_code == 404, username
