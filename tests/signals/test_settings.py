"""The platform administrator's signal settings: themes with their deadlines and the routes by
municipality, each change checked, kept on a refusal, and written with its admin-log line."""

from __future__ import annotations

import json

import httpx

from portal.admin.tables import AdminAction
from portal.signals.tables import SignalRoute, SignalTheme
from tests.conftest import login
from tests.courses.conftest import login_en
from tests.support.factories import build_world


async def _theme(code: str) -> dict:
    row = await SignalTheme.select().where(SignalTheme.code == code).first()
    assert row is not None
    return row


async def test_only_a_platform_administrator_reaches_the_settings(
    client: httpx.AsyncClient,
) -> None:
    await build_world()
    await login_en(client, "admin")
    assert (await client.get("/admin/signals")).status_code == 404
    await login_en(client, "platform")
    page = await client.get("/admin/signals")
    assert page.status_code == 200
    assert page.text.count('href="/admin/signals/themes/') == 11, "ten themes and the new link"
    assert 'href="/admin/signals" aria-current="page">Signal settings</a>' in page.text, "menu"


async def test_a_standard_theme_gets_another_deadline_and_leaves_the_form(
    client: httpx.AsyncClient,
) -> None:
    await build_world()
    token = await login_en(client, "platform")
    money = await _theme("money")
    refused = await client.post(
        f"/admin/signals/themes/{money['id']}",
        data={"csrf_token": token, "deadline": "0", "position": "8", "active": "1"},
    )
    assert refused.status_code == 422 and "from 1 to 60" in refused.text
    assert 'value="0"' in refused.text, "the input is kept"
    assert (await _theme("money"))["deadline"] == 10
    saved = await client.post(
        f"/admin/signals/themes/{money['id']}",
        data={"csrf_token": token, "deadline": "5", "position": "8", "name": "Ignored"},
    )
    assert saved.status_code == 303
    after = await _theme("money")
    assert (after["deadline"], after["active"], after["name"]) == (5, False, "")
    line = await AdminAction.select().where(AdminAction.action == "signal_theme.updated").first()
    assert line is not None and json.loads(line["changes"])["deadline"] == [10, 5]
    assert 'value="money"' not in (await client.get("/signals/new")).text


async def test_a_new_theme_needs_a_free_code_and_a_name(client: httpx.AsyncClient) -> None:
    await build_world()
    token = await login(client, "platform")
    form = {"csrf_token": token, "code": "housing", "name": "", "deadline": "7", "position": "50"}
    refused = await client.post("/admin/signals/themes/new", data=form)
    assert refused.status_code == 422
    assert "Een ander thema heeft deze code al." in refused.text, "in Dutch"
    assert "Geef het thema een naam" in refused.text
    form |= {"code": "energy", "name": "Energiearmoede", "active": "1"}
    assert (await client.post("/admin/signals/themes/new", data=form)).status_code == 303
    energy = await _theme("energy")
    assert (energy["name"], energy["deadline"], energy["active"]) == ("Energiearmoede", 7, True)
    assert "Energiearmoede" in (await client.get("/admin/signals")).text


async def test_routes_are_added_changed_and_removed(client: httpx.AsyncClient) -> None:
    world = await build_world()
    token = await login_en(client, "platform")
    ocmw_a, ocmw_b = world.orgs["ocmw-a"], world.orgs["ocmw-b"]
    form = {"csrf_token": token, "municipality": " Sint-Lievens-Houtem ", "ocmw": str(ocmw_a)}
    assert (await client.post("/admin/signals/routes/new", data=form)).status_code == 303
    route = await SignalRoute.select().first()
    assert route is not None
    assert (route["municipality"], route["name"], route["ocmw"]) == (
        "sint-lievens-houtem",
        "Sint-Lievens-Houtem",
        ocmw_a,
    )
    twice = await client.post(
        "/admin/signals/routes/new", data=form | {"municipality": "SINT-LIEVENS-HOUTEM"}
    )
    assert twice.status_code == 422 and "already has a route" in twice.text
    not_an_ocmw = await client.post(
        f"/admin/signals/routes/{route['id']}", data=form | {"ocmw": str(world.orgs["partner"])}
    )
    assert not_an_ocmw.status_code == 422 and "Choose the OCMW" in not_an_ocmw.text
    moved = await client.post(
        f"/admin/signals/routes/{route['id']}", data=form | {"ocmw": str(ocmw_b)}
    )
    assert moved.status_code == 303
    assert await SignalRoute.select(SignalRoute.ocmw).first() == {"ocmw": ocmw_b}
    removed = await client.post(
        f"/admin/signals/routes/{route['id']}/delete", data={"csrf_token": token}
    )
    assert removed.status_code == 303 and await SignalRoute.count() == 0
    actions = [row["action"] for row in await AdminAction.select(AdminAction.action)]
    assert actions == ["signal_route.created", "signal_route.updated", "signal_route.deleted"]
