"""Partnerships: create, edit, delete with a confirmation, and the kinds of their organisations."""

from __future__ import annotations

import httpx
import pytest

from portal.accounts.tables import Partnership
from tests.admin.conftest import field_error_is_tied, post_form, shown
from tests.conftest import login
from tests.support.factories import make_org, make_partnership, make_person


async def _orgs() -> dict[str, int]:
    return {
        "ocmw": await make_org("ocmw-aalst", "ocmw", "OCMW Aalst"),
        "ocmw2": await make_org("ocmw-gent", "ocmw", "OCMW Gent"),
        "partner": await make_org("pin", "partner", "PIN vzw"),
        "vdab": await make_org("vdab-oost", "vdab", "VDAB Oost"),
    }


async def _admin(http: httpx.AsyncClient) -> tuple[str, dict[str, int]]:
    orgs = await _orgs()
    await make_person("admin", orgs["ocmw"], "platform_admin")
    return await login(http, "admin"), orgs


async def _partnerships() -> list[dict]:
    return await Partnership.select().order_by(Partnership.id)


async def test_create_a_partnership(client: httpx.AsyncClient) -> None:
    token, orgs = await _admin(client)
    form = await client.get("/admin/partnerships/new")
    ocmw_menu = form.text[form.text.index('id="f-ocmw"') : form.text.index("</select>")]
    assert "OCMW Aalst" in ocmw_menu and "PIN vzw" not in ocmw_menu  # each menu one kind
    response = await post_form(
        client,
        "/admin/partnerships/new",
        token,
        name="OCMW Aalst × PIN vzw",
        ocmw=str(orgs["ocmw"]),
        partner=str(orgs["partner"]),
        vdab=str(orgs["vdab"]),
    )
    assert response.status_code == 303
    assert response.headers["location"] == "/admin/partnerships?done=partnership_saved"
    rows = await _partnerships()
    assert [(r["name"], r["ocmw"], r["partner"], r["vdab"]) for r in rows] == [
        ("OCMW Aalst × PIN vzw", orgs["ocmw"], orgs["partner"], orgs["vdab"])
    ]
    listing = await client.get(response.headers["location"])
    assert shown("The partnership has been saved.") in listing.text
    for name in ("OCMW Aalst × PIN vzw", "OCMW Aalst", "PIN vzw", "VDAB Oost"):
        assert name in listing.text


async def test_either_side_may_be_absent(client: httpx.AsyncClient) -> None:
    token, orgs = await _admin(client)
    only_vdab = await post_form(
        client,
        "/admin/partnerships/new",
        token,
        name="A",
        ocmw=str(orgs["ocmw"]),
        vdab=str(orgs["vdab"]),
        partner="",
    )
    only_partner = await post_form(
        client,
        "/admin/partnerships/new",
        token,
        name="B",
        ocmw=str(orgs["ocmw"]),
        partner=str(orgs["partner"]),
    )
    assert only_vdab.status_code == only_partner.status_code == 303
    rows = await _partnerships()
    assert [(r["partner"], r["vdab"]) for r in rows] == [
        (None, orgs["vdab"]),
        (orgs["partner"], None),
    ]
    listing = await client.get("/admin/partnerships")
    assert listing.text.count(shown("none")) >= 2


CASES = [
    ({"name": ""}, "name", "Enter the name of the partnership."),
    ({"name": "x" * 201}, "name", "The name can be at most 200 characters long."),
    ({"ocmw": ""}, "ocmw", "Choose the OCMW of this partnership from the list."),
    ({"ocmw": "partner"}, "ocmw", "Choose the OCMW of this partnership from the list."),
    ({"ocmw": "vdab"}, "ocmw", "Choose the OCMW of this partnership from the list."),
    ({"ocmw": "999999"}, "ocmw", "Choose the OCMW of this partnership from the list."),
    ({"ocmw": "abc"}, "ocmw", "Choose the OCMW of this partnership from the list."),
    ({"partner": "vdab"}, "partner", "Choose a partner organisation from the list, or none."),
    ({"partner": "ocmw2"}, "partner", "Choose a partner organisation from the list, or none."),
    ({"partner": "-1"}, "partner", "Choose a partner organisation from the list, or none."),
    ({"vdab": "partner"}, "vdab", "Choose a VDAB team from the list, or none."),
    ({"vdab": "999999"}, "vdab", "Choose a VDAB team from the list, or none."),
    ({"partner": "", "vdab": ""}, "partner", "Choose a partner organisation, a VDAB team or both."),
]


def _typed(orgs: dict[str, int], changes: dict[str, str]) -> dict[str, str]:
    """The form as typed: org keys in ``changes`` stand for that organisation's id."""
    fields = {"name": "Samenwerking", "ocmw": "ocmw", "partner": "partner", "vdab": "vdab"}
    fields.update(changes)
    return {
        key: str(orgs[value]) if key != "name" and value in orgs else value
        for key, value in fields.items()
    }


@pytest.mark.parametrize(("changes", "field", "message"), CASES)
async def test_bad_partnership_input_is_refused_and_kept(
    client: httpx.AsyncClient, changes: dict[str, str], field: str, message: str
) -> None:
    token, orgs = await _admin(client)
    typed = _typed(orgs, changes)
    response = await post_form(client, "/admin/partnerships/new", token, **typed)
    assert response.status_code == 422
    assert shown(message) in response.text
    assert field_error_is_tied(response.text, field)
    assert f'value="{typed["name"]}"' in response.text
    for side in ("ocmw", "partner", "vdab"):
        # a choice of the right kind stays selected
        if field != side and typed[side]:
            assert f'<option value="{typed[side]}" selected>' in response.text, side
    assert await _partnerships() == []


async def test_edit_a_partnership(client: httpx.AsyncClient) -> None:
    token, orgs = await _admin(client)
    pid = await make_partnership(orgs["ocmw"], orgs["partner"], None)
    form = await client.get(f"/admin/partnerships/{pid}")
    assert f'<option value="{orgs["partner"]}" selected>' in form.text
    assert 'value="partnership"' in form.text
    response = await post_form(
        client,
        f"/admin/partnerships/{pid}",
        token,
        name="Gent × VDAB",
        ocmw=str(orgs["ocmw2"]),
        partner="",
        vdab=str(orgs["vdab"]),
    )
    assert response.status_code == 303
    row = (await _partnerships())[0]
    assert (row["name"], row["ocmw"], row["partner"], row["vdab"]) == (
        "Gent × VDAB",
        orgs["ocmw2"],
        None,
        orgs["vdab"],
    )
    before = await _partnerships()
    wrong = await post_form(
        client,
        f"/admin/partnerships/{pid}",
        token,
        name="Gent × VDAB",
        ocmw=str(orgs["ocmw2"]),
        partner="",
        vdab=str(orgs["partner"]),
    )
    assert wrong.status_code == 422
    assert await _partnerships() == before


async def test_delete_a_partnership_after_confirmation(client: httpx.AsyncClient) -> None:
    token, orgs = await _admin(client)
    keep = await make_partnership(orgs["ocmw2"], None, orgs["vdab"])
    pid = await make_partnership(orgs["ocmw"], orgs["partner"], orgs["vdab"])
    confirm = await client.get(f"/admin/partnerships/{pid}/delete")
    assert confirm.status_code == 200
    assert f'action="/admin/partnerships/{pid}/delete"' in confirm.text
    assert 'name="csrf_token"' in confirm.text and "PIN vzw" in confirm.text
    assert len(await _partnerships()) == 2  # looking at the confirmation deletes nothing
    response = await post_form(client, f"/admin/partnerships/{pid}/delete", token)
    assert response.status_code == 303
    assert response.headers["location"] == "/admin/partnerships?done=partnership_deleted"
    assert [row["id"] for row in await _partnerships()] == [keep]
    listing = await client.get(response.headers["location"])
    assert shown("The partnership has been deleted.") in listing.text
    again = await post_form(client, f"/admin/partnerships/{pid}/delete", token)
    assert again.status_code == 404
    assert (await client.get(f"/admin/partnerships/{pid}/delete")).status_code == 404


async def test_unknown_partnership_is_404(client: httpx.AsyncClient) -> None:
    token, orgs = await _admin(client)
    assert (await client.get("/admin/partnerships/999999")).status_code == 404
    missing = await post_form(
        client,
        "/admin/partnerships/999999",
        token,
        name="X",
        ocmw=str(orgs["ocmw"]),
        vdab=str(orgs["vdab"]),
    )
    assert missing.status_code == 404
    assert await _partnerships() == []
