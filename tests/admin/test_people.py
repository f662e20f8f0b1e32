"""People: the list as last seen from the identity provider, and deactivation that bites at once."""

from __future__ import annotations

import datetime as dt
from collections.abc import AsyncIterator

import httpx
import pytest
from litestar import Litestar

from portal.accounts.tables import Person
from tests.admin.conftest import post_form, shown
from tests.conftest import csrf_from, login
from tests.support.factories import make_org, make_person


@pytest.fixture
async def other_browser(app: Litestar) -> AsyncIterator[httpx.AsyncClient]:
    """A second browser on the same app, with its own cookies."""
    transport = httpx.ASGITransport(app=app)
    async with httpx.AsyncClient(transport=transport, base_url="http://testserver") as http:
        yield http


async def _people() -> dict[str, int]:
    ocmw = await make_org("ocmw-aalst", "ocmw", "OCMW Aalst")
    pin = await make_org("pin", "partner", "PIN vzw")
    people = {
        "admin": await make_person("admin", ocmw, "admin"),
        "sw": await make_person("sw", ocmw, "social_worker", "coordinator"),
        "toeleider": await make_person("toeleider", pin, "toeleider"),
        "gone": await make_person("gone", pin, "toeleider", active=False),
    }
    await Person.update({Person.last_login: dt.datetime(2026, 11, 2, 8, 30, tzinfo=dt.UTC)}).where(
        Person.id == people["toeleider"]
    )
    return people


def _row(html: str, name: str) -> str:
    start = html.index(f'<th scope="row">{name}')
    return html[start : html.index("</tr>", start)]


async def test_people_list(client: httpx.AsyncClient) -> None:
    people = await _people()
    await login(client, "admin")
    page = await client.get("/admin/people")
    assert page.status_code == 200
    sw = _row(page.text, "Sw")
    assert "OCMW Aalst" in sw
    assert shown("social worker") in sw and shown("coordinator") in sw
    assert shown("never") in sw and f"<td>{shown('active')}</td>" in sw
    assert f'action="/admin/people/{people["sw"]}/deactivate"' in sw
    toeleider = _row(page.text, "Toeleider")
    assert "PIN vzw" in toeleider and "02-11-2026 09:30" in toeleider  # 08:30 UTC, Belgian time
    gone = _row(page.text, "Gone")
    assert shown("deactivated") in gone
    assert f'action="/admin/people/{people["gone"]}/reactivate"' in gone
    me = _row(page.text, "Admin")
    assert "/deactivate" not in me and shown("This is you") in me

    pin = await client.get(f"/admin/people?organisation={(await _org_of(people['gone']))}")
    assert "Gone" in pin.text and "Toeleider" in pin.text
    assert '<th scope="row">Sw' not in pin.text and '<th scope="row">Admin' not in pin.text
    assert (await client.get("/admin/people?organisation=abc")).status_code == 400


async def _org_of(person_id: int) -> int:
    row = await Person.select(Person.organisation).where(Person.id == person_id).first()
    return int(row["organisation"])


async def test_deactivated_person_loses_their_session_at_once(
    client: httpx.AsyncClient, other_browser: httpx.AsyncClient
) -> None:
    people = await _people()
    await login(other_browser, "toeleider")
    assert (await other_browser.get("/")).status_code == 200  # the viewer is now cached
    token = await login(client, "admin")

    response = await post_form(client, f"/admin/people/{people['toeleider']}/deactivate", token)
    assert response.status_code == 303
    assert response.headers["location"] == "/admin/people?done=deactivated"
    assert not (await Person.select(Person.active).where(Person.id == people["toeleider"]))[0][
        "active"
    ]
    refused = await other_browser.get("/who-sees-what")
    assert refused.status_code == 303
    assert refused.headers["location"].startswith("/auth/login")
    page = await other_browser.get("/auth/dev-login")
    again = await other_browser.post(
        "/auth/dev-login", data={"username": "toeleider", "csrf_token": csrf_from(page.text)}
    )
    assert again.status_code == 422
    listing = await client.get(response.headers["location"])
    assert shown("The person has been deactivated and can no longer use the portal.") in (
        listing.text
    )

    back = await post_form(client, f"/admin/people/{people['toeleider']}/reactivate", token)
    assert back.status_code == 303
    assert back.headers["location"] == "/admin/people?done=reactivated"
    await login(other_browser, "toeleider")
    assert (
        shown("The person has been reactivated.")
        in (await client.get(back.headers["location"])).text
    )


async def test_the_filter_survives_an_action(client: httpx.AsyncClient) -> None:
    people = await _people()
    token = await login(client, "admin")
    pin = await _org_of(people["toeleider"])
    page = await client.get(f"/admin/people?organisation={pin}")
    assert f'name="organisation" value="{pin}"' in page.text
    response = await post_form(
        client, f"/admin/people/{people['toeleider']}/deactivate", token, organisation=str(pin)
    )
    assert response.headers["location"] == f"/admin/people?organisation={pin}&done=deactivated"


async def test_an_admin_cannot_deactivate_themselves(client: httpx.AsyncClient) -> None:
    people = await _people()
    token = await login(client, "admin")
    response = await post_form(client, f"/admin/people/{people['admin']}/deactivate", token)
    assert response.status_code == 422
    assert shown("You cannot deactivate your own account.") in response.text
    assert 'role="alert"' in response.text
    row = await Person.select(Person.active).where(Person.id == people["admin"]).first()
    assert row["active"] is True
    assert (await client.get("/admin/people")).status_code == 200


async def test_unknown_person_is_404(client: httpx.AsyncClient) -> None:
    await _people()
    token = await login(client, "admin")
    for action in ("deactivate", "reactivate"):
        assert (await post_form(client, f"/admin/people/999999/{action}", token)).status_code == 404
