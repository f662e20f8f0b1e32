"""Closing a file and reopening it: only its file holder, with a reason from the list (and a few
words for "other"); a closed file is read-only for everyone, left out of the client list unless
asked for, and reopened with a reason."""

from __future__ import annotations

import datetime as dt

import httpx
import pytest

from portal.accounts.services import load_viewer
from portal.clients.closing import close_file
from portal.clients.tables import Client
from portal.core.db import unit_of_work
from portal.timeline.events import NOTE
from portal.timeline.services import FileReadOnly, append
from portal.timeline.tables import TimelineEvent
from portal.visibility.scoping import unscoped
from tests.conftest import login
from tests.support.factories import PEOPLE, build_world


async def _closed(client_id: int) -> tuple[dt.datetime | None, str]:
    with unscoped("test: a file's closing"):
        row = (
            await Client.select(Client.closed_at, Client.closed_reason)
            .where(Client.id == client_id)
            .first()
        )
    return row["closed_at"], row["closed_reason"]


async def test_only_the_file_holder_closes_and_bad_input_is_kept(
    client: httpx.AsyncClient,
) -> None:
    world = await build_world()
    x = world.clients["X"]
    for username in PEOPLE:
        token = await login(client, username)
        sees = (await client.get(f"/clients/{x}")).status_code == 200
        response = await client.post(
            f"/clients/{x}/close", data={"csrf_token": token, "reason": "other", "note": ""}
        )
        expected = 422 if username == "sw.a" else 403 if sees else 404
        assert response.status_code == expected, (username, response.status_code)
    token = await login(client, "sw.a")
    refused = await client.post(
        f"/clients/{x}/close", data={"csrf_token": token, "reason": "other", "note": "x"}
    )
    assert refused.status_code == 422
    assert 'value="other" selected' in refused.text, "the reason chosen is kept"
    assert (await _closed(x)) == (None, "")
    wrong = await client.post(f"/clients/{x}/close", data={"csrf_token": token, "reason": "gone"})
    assert wrong.status_code == 422
    assert (await _closed(x))[0] is None


async def test_a_closed_file_is_read_only_listed_on_request_and_reopened(
    client: httpx.AsyncClient,
) -> None:
    world = await build_world()
    x = world.clients["X"]
    token = await login(client, "sw.a")
    closed = await client.post(
        f"/clients/{x}/close",
        data={"csrf_token": token, "reason": "outflow_work", "note": "Vast contract bij De Lijn"},
    )
    assert closed.status_code == 303
    closed_at, reason = await _closed(x)
    assert closed_at is not None and reason == "outflow_work"
    page = (await client.get(f"/clients/{x}")).text
    assert "Vast contract bij De Lijn" in page
    assert f'action="/clients/{x}/reopen"' in page
    assert f'action="/clients/{x}/notes"' not in page, "no note form on a closed file"
    listed = (await client.get("/clients?mine=0")).text
    assert f'/clients/{x}"' not in listed, "a closed file is not listed by default"
    assert f'/clients/{x}"' in (await client.get("/clients?mine=0&closed=1")).text
    for form, data in (
        ("notes", {"text": "Nog een notitie", "audience": "care_team"}),
        ("ladder", {"step": "5", "reason": "Werkt nu"}),
        ("close", {"reason": "deceased"}),
    ):
        response = await client.post(f"/clients/{x}/{form}", data={"csrf_token": token, **data})
        assert response.status_code in (409, 422), (form, response.status_code)
    with unscoped("test: nothing was written on the closed file"):
        kinds = [
            row["kind"]
            for row in await TimelineEvent.select(TimelineEvent.kind)
            .where(TimelineEvent.client == x)
            .order_by(TimelineEvent.id, ascending=False)
            .limit(2)
        ]
    assert kinds[0] == "file.closed"
    mediator = await load_viewer(world.people["mediator"])
    assert mediator is not None
    with pytest.raises(FileReadOnly):
        async with unit_of_work():
            await append(x, NOTE, actor=mediator, text="Na sluiting")
    short = await client.post(f"/clients/{x}/reopen", data={"csrf_token": token, "reason": ""})
    assert short.status_code == 422
    reopened = await client.post(
        f"/clients/{x}/reopen",
        data={"csrf_token": token, "reason": "Contract na proefperiode stopgezet"},
    )
    assert reopened.status_code == 303
    assert (await _closed(x)) == (None, "")
    note = await client.post(
        f"/clients/{x}/notes",
        data={"csrf_token": token, "text": "Terug in begeleiding", "audience": "care_team"},
    )
    assert note.status_code == 303


async def test_a_write_that_read_the_file_open_is_refused_once_it_closed() -> None:
    """The check is made under the client's row lock when the write lands, not when the writer
    read the file."""
    world = await build_world()
    x = world.clients["X"]
    holder = await load_viewer(world.people["sw.a"])
    assert holder is not None
    await close_file(holder, x, {"reason": "moved"})
    with pytest.raises(FileReadOnly):
        async with unit_of_work():
            await append(x, NOTE, actor=holder, text="Geschreven vóór de sluiting gelezen werd")
