"""Organisations: create, edit, validation, and the kind frozen once clients or partnerships use it."""

from __future__ import annotations

import httpx
import pytest
from markupsafe import escape

from portal.accounts.tables import Organisation, Person
from portal.admin.tables import AdminAction
from tests.admin.conftest import field_error_is_tied, post_form, shown
from tests.conftest import login
from tests.support.factories import (
    add_event,
    make_client,
    make_org,
    make_partnership,
    make_person,
    set_consent,
)


async def _admin(http: httpx.AsyncClient) -> tuple[str, int]:
    """A platform administrator of "OCMW Aalst" (code ocmw-aalst), logged in; returns the CSRF
    token and org id."""
    org = await make_org("ocmw-aalst", "ocmw", "OCMW Aalst")
    await make_person("admin", org, "platform_admin")
    return await login(http, "admin"), org


async def _organisations() -> list[dict]:
    return await Organisation.select().order_by(Organisation.id)


async def test_create_an_organisation(client: httpx.AsyncClient) -> None:
    token, _ = await _admin(client)
    form = await client.get("/admin/organisations/new")
    assert form.status_code == 200
    assert '<label for="f-name">' in form.text and '<label for="f-code">' in form.text
    assert "<legend>" in form.text and 'type="radio" name="kind"' in form.text
    response = await post_form(
        client, "/admin/organisations/new", token, name="PIN vzw", code="pin-vzw", kind="partner"
    )
    assert response.status_code == 303
    assert response.headers["location"] == "/admin/organisations?done=organisation_saved"
    row = await Organisation.select().where(Organisation.code == "pin-vzw").first()
    assert (row["name"], row["kind"]) == ("PIN vzw", "partner")
    listing = await client.get(response.headers["location"])
    assert shown("The organisation has been saved.") in listing.text
    assert 'role="status"' in listing.text
    assert f'href="/admin/organisations/{row["id"]}">PIN vzw</a>' in listing.text


VALID = {"name": "PIN vzw", "code": "pin-vzw", "kind": "partner"}
CODE_RULE = "Enter a code of 2 to 64 lowercase letters, digits and hyphens."


@pytest.mark.parametrize(
    ("changes", "field", "message"),
    [
        ({"name": ""}, "name", "Enter the name of the organisation."),
        ({"name": "x" * 201}, "name", "The name can be at most 200 characters long."),
        ({"code": ""}, "code", CODE_RULE),
        ({"code": "PIN-vzw"}, "code", CODE_RULE),
        ({"code": "p"}, "code", CODE_RULE),
        ({"code": "pin vzw"}, "code", CODE_RULE),
        ({"code": "pin_vzw"}, "code", CODE_RULE),
        ({"code": "p" * 65}, "code", CODE_RULE),
        ({"code": "ocmw-aalst"}, "code", "Another organisation already uses this code."),
        ({"kind": ""}, "kind", "Choose the kind of organisation."),
        ({"kind": "bank"}, "kind", "Choose the kind of organisation."),
    ],
)
async def test_bad_organisation_input_is_refused_and_kept(
    client: httpx.AsyncClient, changes: dict[str, str], field: str, message: str
) -> None:
    token, _ = await _admin(client)
    before = await _organisations()
    typed = {**VALID, **changes}
    response = await post_form(client, "/admin/organisations/new", token, **typed)
    assert response.status_code == 422
    assert shown(message) in response.text
    assert field_error_is_tied(response.text, field)
    assert f'<a href="#f-{field}">' in response.text  # the error summary links to the field
    for name in ("name", "code"):
        assert f'value="{escape(typed[name])}"' in response.text
    kind = typed["kind"]
    if kind in ("ocmw", "vdab", "partner"):
        radio = "f-kind" if kind == "ocmw" else f"f-kind-{kind}"  # the first radio is "f-kind"
        assert f'value="{kind}" id="{radio}" checked' in response.text
    assert await _organisations() == before


async def test_several_errors_at_once(client: httpx.AsyncClient) -> None:
    token, _ = await _admin(client)
    response = await post_form(client, "/admin/organisations/new", token)
    assert response.status_code == 422
    for field in ("name", "code", "kind"):
        assert field_error_is_tied(response.text, field), field
    assert len(await _organisations()) == 1


async def test_edit_an_organisation(client: httpx.AsyncClient) -> None:
    token, _ = await _admin(client)
    org = await make_org("pin", "partner", "PIN")
    form = await client.get(f"/admin/organisations/{org}")
    assert 'value="PIN"' in form.text and 'value="pin"' in form.text
    assert 'value="partner" id="f-kind-partner" checked' in form.text
    unchanged = await post_form(
        client, f"/admin/organisations/{org}", token, name="PIN", code="pin", kind="partner"
    )
    assert unchanged.status_code == 303  # its own code is not "taken"
    response = await post_form(
        client,
        f"/admin/organisations/{org}",
        token,
        name="VDAB Gent",
        code="vdab-gent",
        kind="vdab",
    )
    assert response.status_code == 303
    row = await Organisation.select().where(Organisation.id == org).first()
    assert (row["name"], row["code"], row["kind"]) == ("VDAB Gent", "vdab-gent", "vdab")

    taken = await post_form(
        client, f"/admin/organisations/{org}", token, name="X", code="ocmw-aalst", kind="vdab"
    )
    assert taken.status_code == 422
    assert shown("Another organisation already uses this code.") in taken.text


async def test_renaming_ones_own_organisation_shows_at_once(client: httpx.AsyncClient) -> None:
    token, own = await _admin(client)
    assert "OCMW Aalst" in (await client.get("/")).text
    response = await post_form(
        client,
        f"/admin/organisations/{own}",
        token,
        name="OCMW Aalst-Oost",
        code="ocmw-aalst",
        kind="ocmw",
    )
    assert response.status_code == 303
    assert "· OCMW Aalst-Oost" in (await client.get("/")).text


FROZEN_BY_CLIENTS = "The kind cannot be changed: client files are linked to this organisation."
FROZEN_BY_PARTNERSHIP = (
    "The kind cannot be changed: this organisation takes part in a partnership."
    " Remove it from the partnership first."
)


@pytest.mark.parametrize("link", ["client", "consent", "partnership_ocmw", "partnership_partner"])
async def test_kind_cannot_change_once_used(client: httpx.AsyncClient, link: str) -> None:
    token, own = await _admin(client)
    partner = await make_org("pin", "partner", "PIN")
    if link == "client":
        org, kind = own, "ocmw"
        await make_client(own)
        message = FROZEN_BY_CLIENTS
    elif link == "consent":
        org, kind = partner, "partner"
        await set_consent(await make_client(own), partner, True)
        message = FROZEN_BY_CLIENTS
    elif link == "partnership_ocmw":
        org, kind = own, "ocmw"
        await make_partnership(own, partner, None)
        message = FROZEN_BY_PARTNERSHIP
    else:
        org, kind = partner, "partner"
        await make_partnership(own, partner, None)
        message = FROZEN_BY_PARTNERSHIP
    before = await _organisations()
    current = next(row for row in before if row["id"] == org)
    response = await post_form(
        client,
        f"/admin/organisations/{org}",
        token,
        name="Renamed",
        code=current["code"],
        kind="vdab",
    )
    assert response.status_code == 422
    assert shown(message) in response.text
    assert field_error_is_tied(response.text, "kind")
    assert 'value="Renamed"' in response.text and 'value="vdab" id="f-kind-vdab" checked' in (
        response.text
    )
    assert await _organisations() == before
    renamed = await post_form(
        client,
        f"/admin/organisations/{org}",
        token,
        name="Renamed",
        code=current["code"],
        kind=kind,
    )
    assert renamed.status_code == 303  # the name may still change


async def test_unknown_organisation_is_404(client: httpx.AsyncClient) -> None:
    token, _ = await _admin(client)
    assert (await client.get("/admin/organisations/999999")).status_code == 404
    missing = await post_form(
        client, "/admin/organisations/999999", token, name="X", code="xx", kind="vdab"
    )
    assert missing.status_code == 404
    assert len(await _organisations()) == 1


async def test_code_saved_at_the_same_moment_is_refused(
    client: httpx.AsyncClient, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The database's unique constraint catches what the check before the write could not."""
    from portal.admin import services

    token, _ = await _admin(client)

    async def not_taken(code: str, org_id: int | None) -> bool:
        return False

    monkeypatch.setattr(services, "_code_taken", not_taken)
    response = await post_form(
        client, "/admin/organisations/new", token, name="Copy", code="ocmw-aalst", kind="ocmw"
    )
    assert response.status_code == 422
    assert shown("Another organisation already uses this code.") in response.text
    assert len(await _organisations()) == 1


CODE_FIXED_HINT = (
    "This code is now fixed: people, client files or partnerships belong to this organisation,"
    " and logins are matched to it by this code."
)
CODE_FIXED = (
    "The code cannot be changed: people, client files or partnerships already belong to"
    " this organisation, and logins are matched to it by this code."
)


@pytest.mark.parametrize(
    "link",
    ["person", "client", "consent", "event", "partnership_ocmw", "partnership_partner"],
)
async def test_code_cannot_change_once_people_or_clients_belong(
    client: httpx.AsyncClient, link: str
) -> None:
    """Finding 1: the code is what the login's organisation claim maps to. Once anything belongs
    to the organisation, a new code would move its people (file-holder access included) to
    whoever logs in with it; so it is refused, next to the field, and nothing is written."""
    token, own = await _admin(client)
    admin = (await Person.select(Person.id).first())["id"]
    ocmw = await make_org("ocmw-gent", "ocmw", "OCMW Gent")
    partner = await make_org("pin", "partner", "PIN")
    org, kind = (
        (partner, "partner") if link in ("consent", "partnership_partner") else (ocmw, "ocmw")
    )
    if link == "person":
        await make_person("sw.gent", ocmw, "social_worker")
    elif link == "client":
        await make_client(ocmw, file_holder=None)
    elif link == "consent":
        await set_consent(await make_client(own, file_holder=None), partner, True)
    elif link == "event":
        await add_event(await make_client(own, file_holder=None), author=admin, author_org=ocmw)
    elif link == "partnership_ocmw":
        await make_partnership(ocmw, partner, None)
    else:
        await make_partnership(own, partner, None)
    before = await _organisations()
    current = next(row for row in before if row["id"] == org)
    form = await client.get(f"/admin/organisations/{org}")
    assert shown(CODE_FIXED_HINT) in form.text

    response = await post_form(
        client, f"/admin/organisations/{org}", token, name="Renamed", code="taken-over", kind=kind
    )
    assert response.status_code == 422
    assert shown(CODE_FIXED) in response.text and shown(CODE_FIXED_HINT) in response.text
    assert field_error_is_tied(response.text, "code")
    assert '<a href="#f-code">' in response.text
    assert 'value="taken-over"' in response.text  # the input is kept
    assert await _organisations() == before
    assert await AdminAction.count() == 0

    renamed = await post_form(
        client,
        f"/admin/organisations/{org}",
        token,
        name="Renamed",
        code=current["code"],
        kind=kind,
    )
    assert renamed.status_code == 303  # the name may still change


async def test_swapping_two_organisations_codes_is_refused(client: httpx.AsyncClient) -> None:
    """The attack of finding 1: swap the codes of two OCMWs (through a free code) so that each
    one's people land in the other at their next login."""
    token, aalst = await _admin(client)
    gent = await make_org("ocmw-gent", "ocmw", "OCMW Gent")
    await make_person("sw.gent", gent, "social_worker")
    before = await _organisations()
    for org, name, code in ((aalst, "OCMW Aalst", "free"), (gent, "OCMW Gent", "ocmw-aalst")):
        response = await post_form(
            client, f"/admin/organisations/{org}", token, name=name, code=code, kind="ocmw"
        )
        assert response.status_code == 422
    assert await _organisations() == before


async def test_a_code_may_change_while_nothing_belongs_to_the_organisation(
    client: httpx.AsyncClient,
) -> None:
    token, _ = await _admin(client)
    org = await make_org("pin-typo", "partner", "PIN")
    form = await client.get(f"/admin/organisations/{org}")
    assert shown(CODE_FIXED_HINT) not in form.text
    response = await post_form(
        client, f"/admin/organisations/{org}", token, name="PIN", code="pin", kind="partner"
    )
    assert response.status_code == 303
    row = await Organisation.select(Organisation.code).where(Organisation.id == org).first()
    assert row["code"] == "pin"
    logged = await AdminAction.select(AdminAction.action, AdminAction.changes).output(
        load_json=True
    )
    assert logged == [{"action": "organisation.updated", "changes": {"code": ["pin-typo", "pin"]}}]
