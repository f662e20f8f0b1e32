"""The client list: accent- and case-insensitive search, the national number only for who may see
it, "mine" on by default for who works files, sorting by last activity."""

from __future__ import annotations

import datetime as dt

import httpx

from portal.clients.tables import Client
from portal.visibility.scoping import unscoped
from tests.conftest import login
from tests.support.factories import build_world

HTMX = {"HX-Request": "true"}


async def _register(client: httpx.AsyncClient, token: str, **fields: str) -> int:
    response = await client.post("/clients", data={"csrf_token": token, **fields})
    assert response.status_code == 303, response.text
    return int(response.headers["location"].split("/")[2].split("?")[0])


async def test_search_ignores_accents_and_case(client: httpx.AsyncClient) -> None:
    await build_world()
    token = await login(client, "sw.a")
    await _register(
        client,
        token,
        first_name="Aïssatou",
        last_name="Ndiaye-Çelik",
        birth_date="1985-07-30",
        national_number="85073003328",
    )
    for query in ("aissatou", "AÏSSATOU", "celik", "aiss ndia", "Çelik"):
        page = (await client.get("/clients", params={"q": query}, headers=HTMX)).text
        assert "Ndiaye-Çelik, Aïssatou" in page, query
    none = (await client.get("/clients", params={"q": "aissatoux"}, headers=HTMX)).text
    assert "Ndiaye-Çelik" not in none and "Geen van uw dossiers komt overeen" in none


async def test_the_national_number_finds_a_file_only_for_who_may_see_it(
    client: httpx.AsyncClient,
) -> None:
    await build_world()
    token = await login(client, "sw.a")
    await _register(
        client,
        token,
        first_name="Nummer",
        last_name="Zoeker",
        birth_date="1990-01-15",
        national_number="90.01.15-123.63",
    )
    for query in ("90.01.15-123.63", "90011512363"):
        page = (await client.get("/clients", params={"q": query, "mine": "0"})).text
        assert "Zoeker, Nummer" in page, query
    # a colleague of the OCMW sees the file, but not its national number: no match by number
    await login(client, "sw.a2")
    page = (await client.get("/clients", params={"q": "90011512363", "mine": "0"})).text
    assert "Zoeker" not in page
    assert (
        "Zoeker, Nummer" in (await client.get("/clients", params={"q": "zoeker", "mine": "0"})).text
    )


async def test_mine_is_the_default_for_who_works_files(client: httpx.AsyncClient) -> None:
    world = await build_world()
    await login(client, "sw.a2")  # a colleague: sees X and Y, holds neither, in no care team
    mine = (await client.get("/clients")).text
    assert "LastX" not in mine and "U bent nog geen dossierhouder" in mine
    # the form sends a hidden mine=0 before the checkbox: a ticked box (mine=1) wins
    ticked = (await client.get("/clients?q=&mine=0&mine=1")).text
    assert "LastX" not in ticked and 'name="mine" value="1" checked' in ticked
    everything = (await client.get("/clients", params={"mine": "0"})).text
    assert "LastX" in everything and "LastY" in everything
    await login(client, "coordinator.a")  # works no files: all of them from the start
    assert "LastX" in (await client.get("/clients")).text
    await login(client, "sw.a")
    page = (await client.get("/clients")).text
    assert "LastX" in page and "LastY" in page and "LastZ" not in page
    assert f'href="/clients/{world.clients["X"]}"' in page


async def test_last_activity_orders_the_list(client: httpx.AsyncClient) -> None:
    world = await build_world()
    with unscoped("test: set the last activity"):
        await Client.update(
            {Client.last_activity_at: dt.datetime(2026, 1, 1, tzinfo=dt.UTC)}
        ).where(Client.id == world.clients["X"])
        await Client.update(
            {Client.last_activity_at: dt.datetime(2026, 6, 1, tzinfo=dt.UTC)}
        ).where(Client.id == world.clients["Y"])
    await login(client, "sw.a")
    by_activity = (await client.get("/clients")).text
    assert by_activity.index("LastY") < by_activity.index("LastX")
    assert "01-06-2026" in by_activity
    by_name = (await client.get("/clients", params={"sort": "name"})).text
    assert by_name.index("LastX") < by_name.index("LastY")
