"""The admin log ("Beheerlog"): every admin action with its actor, written in the unit of work of
the change, and shown to administrators (all of it to a platform admin, what concerns their own
organisation to an admin)."""

from __future__ import annotations

from typing import Any

import httpx
import pytest

from portal.accounts.services import load_viewer
from portal.accounts.tables import Organisation, Partnership, Person
from portal.admin import actions, services
from portal.admin.actions import Target
from portal.admin.forms import OrganisationForm, PartnershipForm
from portal.admin.tables import AdminAction
from portal.core.db import NoUnitOfWork, count_queries
from portal.visibility.viewer import Viewer
from tests.admin.conftest import main_of, post_form, shown
from tests.conftest import login
from tests.support.factories import make_org, make_person


async def _world() -> dict[str, int]:
    """OCMWs A and B and partner P, each with an admin and a worker; a platform admin in P."""
    ids = {
        "A": await make_org("ocmw-a", "ocmw", "OCMW A"),
        "B": await make_org("ocmw-b", "ocmw", "OCMW B"),
        "P": await make_org("pin", "partner", "PIN vzw"),
    }
    for org in ("A", "B", "P"):
        ids[f"admin.{org}"] = await make_person(f"admin.{org.lower()}", ids[org], "admin")
    ids["sw.A"] = await make_person("sw.a", ids["A"], "social_worker")
    ids["sw.B"] = await make_person("sw.b", ids["B"], "social_worker")
    ids["platform"] = await make_person("platform", ids["P"], "platform_admin")
    return ids


async def _log() -> list[dict[str, Any]]:
    return await (
        AdminAction.select(
            AdminAction.actor,
            AdminAction.actor_org,
            AdminAction.action,
            AdminAction.target_kind,
            AdminAction.target_id,
            AdminAction.summary,
            AdminAction.changes,
            AdminAction.organisations,
        )
        .order_by(AdminAction.id)
        .output(load_json=True)
    )


async def _partnership_id(name: str) -> int:
    row = await Partnership.select(Partnership.id).where(Partnership.name == name).first()
    return int(row["id"])


async def test_every_admin_action_is_recorded_with_its_actor(client: httpx.AsyncClient) -> None:
    """Finding 1: who created, changed or deleted which organisation or partnership, and who
    (de)activated whom, with what changed; one line per action."""
    ids = await _world()
    token = await login(client, "platform")
    steps = [
        ("/admin/organisations/new", {"name": "VDAB Oost", "code": "vdab-oost", "kind": "vdab"}),
        (
            f"/admin/organisations/{ids['A']}",
            {"name": "OCMW Aalst", "code": "ocmw-a", "kind": "ocmw"},
        ),
        (
            "/admin/partnerships/new",
            {"name": "A × PIN", "ocmw": str(ids["A"]), "partner": str(ids["P"]), "vdab": ""},
        ),
    ]
    for url, form in steps:
        assert (await post_form(client, url, token, **form)).status_code == 303, url
    vdab = (await Organisation.select().where(Organisation.code == "vdab-oost").first())["id"]
    pid = await _partnership_id("A × PIN")
    more = [
        (
            f"/admin/partnerships/{pid}",
            {"name": "A × VDAB", "ocmw": str(ids["A"]), "vdab": str(vdab)},
        ),
        (f"/admin/partnerships/{pid}/delete", {}),
        (f"/admin/people/{ids['sw.B']}/deactivate", {}),
    ]
    for url, form in more:
        assert (await post_form(client, url, token, **form)).status_code == 303, url
    token = await login(client, "admin.a")
    assert (
        await post_form(client, f"/admin/people/{ids['sw.A']}/deactivate", token)
    ).status_code == 303
    assert (
        await post_form(client, f"/admin/people/{ids['sw.A']}/reactivate", token)
    ).status_code == 303

    platform = (ids["platform"], ids["P"])
    admin_a = (ids["admin.A"], ids["A"])
    assert [
        (row["actor"], row["actor_org"], row["action"], row["target_kind"], row["target_id"])
        for row in await _log()
    ] == [
        (*platform, "organisation.created", "organisation", vdab),
        (*platform, "organisation.updated", "organisation", ids["A"]),
        (*platform, "partnership.created", "partnership", pid),
        (*platform, "partnership.updated", "partnership", pid),
        (*platform, "partnership.deleted", "partnership", pid),
        (*platform, "person.deactivated", "person", ids["sw.B"]),
        (*admin_a, "person.deactivated", "person", ids["sw.A"]),
        (*admin_a, "person.reactivated", "person", ids["sw.A"]),
    ]
    log = await _log()
    assert log[0]["summary"] == "VDAB Oost (vdab-oost)"
    assert log[0]["changes"] == {
        "name": [None, "VDAB Oost"],
        "code": [None, "vdab-oost"],
        "kind": [None, "vdab"],
    }
    assert log[1]["changes"] == {"name": ["OCMW A", "OCMW Aalst"]}
    assert log[1]["organisations"] == [ids["A"]]
    assert log[3]["changes"] == {
        "name": ["A × PIN", "A × VDAB"],
        "partner": ["PIN vzw", None],
        "vdab": [None, "VDAB Oost"],
    }
    assert sorted(log[3]["organisations"]) == sorted([ids["A"], ids["P"], vdab])
    assert log[4]["summary"] == "A × VDAB" and sorted(log[4]["organisations"]) == sorted(
        [ids["A"], vdab]
    )
    assert log[5]["summary"] == "Sw B (sw.b)" and log[5]["organisations"] == [ids["B"]]


async def test_saving_without_a_change_records_nothing(client: httpx.AsyncClient) -> None:
    ids = await _world()
    token = await login(client, "platform")
    same = {"name": "OCMW A", "code": "ocmw-a", "kind": "ocmw"}
    assert (
        await post_form(client, f"/admin/organisations/{ids['A']}", token, **same)
    ).status_code == 303
    assert await _log() == []


async def _viewer(person_id: int) -> Viewer:
    viewer = await load_viewer(person_id)
    assert viewer is not None
    return viewer


class Refused(RuntimeError):
    pass


async def test_the_change_and_its_log_line_commit_together(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """The log line is written in the unit of work of the change: when it cannot be written, the
    change is not made either (and a log line cannot be written on its own)."""
    ids = await _world()
    platform = await _viewer(ids["platform"])
    before = {
        "orgs": await Organisation.select().order_by(Organisation.id),
        "partnerships": await Partnership.select(),
        "people": await Person.select(Person.id, Person.active).order_by(Person.id),
    }

    async def failing(*_args: object, **_kwargs: object) -> None:
        raise Refused

    monkeypatch.setattr(actions.AdminAction, "save", lambda self: failing())
    writes = [
        services.save_organisation(OrganisationForm("New", "new-org", "vdab"), actor=platform),
        services.save_organisation(
            OrganisationForm("OCMW Aalst", "ocmw-a", "ocmw"), ids["A"], actor=platform
        ),
        services.save_partnership(
            PartnershipForm("A × PIN", str(ids["A"]), str(ids["P"]), ""), actor=platform
        ),
        services.set_active(platform, ids["sw.A"], active=False, end_sessions=_never),
    ]
    for write in writes:
        with pytest.raises(Refused):
            await write
    assert {
        "orgs": await Organisation.select().order_by(Organisation.id),
        "partnerships": await Partnership.select(),
        "people": await Person.select(Person.id, Person.active).order_by(Person.id),
    } == before
    monkeypatch.undo()
    with pytest.raises(NoUnitOfWork):
        await actions.record(
            platform, actions.PERSON_DEACTIVATED, Target("person", ids["sw.A"], "x", (ids["A"],))
        )
    assert await _log() == []


async def _never(_person_id: int) -> int:
    raise AssertionError("sessions ended although nothing was committed")


def _lines(html: str) -> list[str]:
    """The log's table rows."""
    if "<tbody>" not in html:
        return []
    return html[html.index("<tbody>") : html.index("</tbody>")].split("<tr>")[1:]


async def test_the_log_page_shows_a_platform_admin_everything_and_an_admin_their_own(
    client: httpx.AsyncClient,
) -> None:
    ids = await _world()
    platform = await _viewer(ids["platform"])
    await services.save_organisation(
        OrganisationForm("OCMW Aalst", "ocmw-a", "ocmw"), ids["A"], actor=platform
    )
    await services.save_organisation(
        OrganisationForm("OCMW Brakel", "ocmw-b", "ocmw"), ids["B"], actor=platform
    )
    for ocmw in ("A", "B"):
        form = PartnershipForm(f"{ocmw} × PIN", str(ids[ocmw]), str(ids["P"]), "")
        await services.save_partnership(form, actor=platform)
    for person in ("sw.A", "sw.B"):
        admin = await _viewer(ids[f"admin.{person[-1]}"])
        await services.set_active(admin, ids[person], active=False, end_sessions=_none)

    await login(client, "platform")
    everything = await client.get("/admin/log")
    assert everything.status_code == 200
    assert len(_lines(everything.text)) == 6
    page = main_of(everything.text)
    assert shown("Organisation changed") in page and shown("Person deactivated") in page
    assert "OCMW A → OCMW Aalst" in page and "Sw A (sw.a)" in page
    assert "Platform (platform)" in page and "PIN vzw" in page

    seen = {}
    for org in ("a", "b", "p"):
        await login(client, f"admin.{org}")
        response = await client.get("/admin/log")
        assert response.status_code == 200
        seen[org] = main_of(response.text)
    assert "OCMW Aalst" in seen["a"] and "A × PIN" in seen["a"] and "Sw A (sw.a)" in seen["a"]
    assert "OCMW Brakel" not in seen["a"] and "B × PIN" not in seen["a"] and "sw.b" not in seen["a"]
    assert len(_lines(seen["a"])) == 3 and len(_lines(seen["b"])) == 3
    assert "A × PIN" in seen["p"] and "B × PIN" in seen["p"] and len(_lines(seen["p"])) == 2
    assert "Admin A (admin.a)" in seen["a"]  # the actor


async def _none(_person_id: int) -> int:
    return 0


async def test_the_log_comes_in_pages_and_its_queries_do_not_grow(
    client: httpx.AsyncClient,
) -> None:
    ids = await _world()
    platform = await _viewer(ids["platform"])
    for i in range(services.LOG_PAGE + 5):
        name = f"OCMW B {i}"
        await services.save_organisation(
            OrganisationForm(name, "ocmw-b", "ocmw"), ids["B"], actor=platform
        )
    await login(client, "platform")
    with count_queries() as first:
        page = await client.get("/admin/log")
    assert len(_lines(page.text)) == services.LOG_PAGE
    older = page.text.index('href="/admin/log?before=')
    link = page.text[older + 6 : page.text.index('"', older + 6)]
    with count_queries() as second:
        rest = await client.get(link)
    assert len(_lines(rest.text)) == 5 and "/admin/log?before=" not in rest.text
    assert first[0] == second[0]
    assert "OCMW B 0" in rest.text and "OCMW B 54" in page.text


async def test_an_empty_log_says_so(client: httpx.AsyncClient) -> None:
    await _world()
    await login(client, "admin.a")
    page = await client.get("/admin/log")
    assert shown("No actions have been recorded yet.") in page.text
