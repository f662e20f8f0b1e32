"""The signal pages: capture with the personal-data warning and its confirmation, the lists of
the reporter and of the OCMW, and the follow-up through the forms."""

from __future__ import annotations

import httpx

from portal.signals.tables import Signal, SignalRoute
from portal.visibility.scoping import unscoped
from tests.courses.conftest import login_en
from tests.support.factories import build_world


def _form(token: str, **values: str) -> dict[str, str]:
    return {
        "csrf_token": token,
        "theme": "education",
        "title": "School weigert inschrijving",
        "description": "Een school vraagt een attest dat niemand kan leveren.",
        "municipality": "Zottegem",
        "urgency": "urgent",
        **values,
    }


async def _count() -> int:
    with unscoped("test: rows written"):
        return await Signal.count()


async def test_capture_warns_then_saves_with_the_confirmation(client: httpx.AsyncClient) -> None:
    world = await build_world()
    await SignalRoute(municipality="zottegem", name="Zottegem", ocmw=world.orgs["ocmw-a"]).save()
    token = await login_en(client, "toeleider")
    form = (await client.get("/signals/new")).text
    assert 'name="theme"' in form and "FirstX LastX" in form, "the reporter's clients are offered"
    warned = await client.post("/signals", data=_form(token, description="Bel 0470 12 34 56"))
    assert warned.status_code == 422
    assert 'name="confirm_no_personal_data"' in warned.text
    assert "0470 12 34 56" in warned.text, "what was found is shown, the input kept"
    assert await _count() == 0
    saved = await client.post(
        "/signals",
        data=_form(token, description="Bel 0470 12 34 56", confirm_no_personal_data="1"),
    )
    assert saved.status_code == 303
    page = await client.get(saved.headers["location"])
    assert page.status_code == 200 and "School weigert inschrijving" in page.text
    assert "Bel 0470 12 34 56" in page.text


async def test_the_queue_and_the_follow_up(client: httpx.AsyncClient) -> None:
    world = await build_world()
    token = await login_en(client, "toeleider")
    response = await client.post("/signals", data=_form(token))
    assert response.status_code == 303
    signal_id = int(response.headers["location"].split("/")[2].split("?")[0])
    mine = (await client.get("/signals")).text
    assert "School weigert inschrijving" in mine and "To follow up" not in mine
    refused = await client.post(
        f"/signals/{signal_id}/moves", data={"csrf_token": token, "move": "take_up"}
    )
    assert refused.status_code == 403

    token = await login_en(client, "sw.a")
    queue = (await client.get("/signals")).text
    assert "To follow up at your OCMW (1)" in queue
    taken = await client.post(
        f"/signals/{signal_id}/moves", data={"csrf_token": token, "move": "take_up"}
    )
    assert taken.status_code == 303
    assigned = await client.post(
        f"/signals/{signal_id}/assign",
        data={"csrf_token": token, "handler": str(world.people["sw.a"])},
    )
    assert assigned.status_code == 303
    empty = await client.post(
        f"/signals/{signal_id}/moves",
        data={"csrf_token": token, "move": "follow_up", "outcome": ""},
    )
    assert empty.status_code == 422 and 'id="f-outcome-error"' in empty.text
    done = await client.post(
        f"/signals/{signal_id}/moves",
        data={"csrf_token": token, "move": "follow_up", "outcome": "Overleg met de school."},
    )
    assert done.status_code == 303
    page = (await client.get(f"/signals/{signal_id}")).text
    assert "Overleg met de school." in page and "Followed up" in page

    token = await login_en(client, "sw.b")
    assert (await client.get(f"/signals/{signal_id}")).status_code == 404


async def test_a_partner_coordinator_who_reports_lands_on_the_list_not_a_404(
    client: httpx.AsyncClient,
) -> None:
    """A partner's coordinator counts structural signals in figures only: after reporting one
    they are told where it went instead of being sent to a page they may not open."""
    world = await build_world()
    await SignalRoute(municipality="zottegem", name="Zottegem", ocmw=world.orgs["ocmw-a"]).save()
    token = await login_en(client, "coordinator.p")
    response = await client.post("/signals", data=_form(token))
    assert response.status_code == 303
    assert response.headers["location"] == "/signals?done=reported_figures"
    assert await _count() == 1
    with unscoped("test: the new signal's id"):
        signal_id = (await Signal.select(Signal.id).first())["id"]
    assert (await client.get(f"/signals/{signal_id}")).status_code == 404
    landed = await client.get(response.headers["location"])
    assert landed.status_code == 200
    assert "You see it in the partnership's signal figures." in landed.text
    assert "School weigert inschrijving" not in landed.text
    assert "You have not reported a signal yet." not in landed.text, "they did report one"
    assert "you see them in the partnership's signal figures, not one by one" in landed.text
