"""Every page and fragment of the client slice, for every role: hidden values reach no response.

The world (tests/factories.py) holds a distinctive value in every field of every sensitivity class,
and an event for every audience, class and author organisation. The relations below are written out
by hand; what each relation may see comes from the policy, whose cells test_policy.py pins down.
"""

from __future__ import annotations

import logging
import re

import httpx
import pytest

from portal.clients.services import SECTIONS
from portal.clients.visibility import CLIENT_FIELDS
from portal.visibility.policy import (
    Access,
    Audience,
    Relation,
    Role,
    Sensitivity,
    access,
    may_read_audience,
    sees_withheld_placeholders,
)
from tests.conftest import login
from tests.support.factories import PEOPLE, World, build_world

R = Relation
RELATIONS: dict[str, dict[str, Relation]] = {
    "sw.a": {"X": R.file_holder, "Y": R.file_holder, "Z": R.none},
    "sw.a2": {"X": R.same_org, "Y": R.same_org, "Z": R.none},
    "sw.b": {"X": R.none, "Y": R.none, "Z": R.file_holder},
    "toeleider": {"X": R.care_team, "Y": R.none, "Z": R.none},
    "toeleider.out": {"X": R.partner_org, "Y": R.none, "Z": R.none},
    "mediator": {"X": R.care_team, "Y": R.none, "Z": R.care_team},
    "mediator.out": {"X": R.partner_org, "Y": R.none, "Z": R.partner_org},
    "coordinator.a": {"X": R.same_org, "Y": R.same_org, "Z": R.none},
    "coordinator.p": {"X": R.partner_org, "Y": R.none, "Z": R.none},
    "admin": {"X": R.same_org, "Y": R.same_org, "Z": R.none},
    "platform": {"X": R.none, "Y": R.none, "Z": R.same_org},
}
HTMX = {"HX-Request": "true"}
LOCKED_OUT = {("toeleider", "Y"), ("mediator", "Y")}
"""Care-team members without their organisation's consent: a page that says whom to ask (403)."""
DATE_FIELDS = ("birth_date", "living_wage_start", "agreement_note_on")
LOAD_MORE = re.compile(r'hx-get="(/clients/\d+/timeline\?before=[^"]+)"')


def _roles(username: str) -> frozenset[Role]:
    return frozenset({Role(PEOPLE[username][1])})


async def _client_rows(world: World) -> dict[str, dict[str, str]]:
    """Each client's stored values as a page writes them (dates as dd-mm-yyyy)."""
    from portal.clients.tables import Client
    from portal.visibility.scoping import unscoped

    with unscoped("test: the stored values the pages must not show"):
        rows = await Client.select().where(Client.id.is_in(list(world.clients.values())))
    by_id = {row["id"]: row for row in rows}
    return {
        tag: {
            spec.name: (
                by_id[cid][spec.name].strftime("%d-%m-%Y")
                if spec.name in DATE_FIELDS
                else str(by_id[cid][spec.name])
            )
            for spec in CLIENT_FIELDS
        }
        for tag, cid in world.clients.items()
    }


ADMIN_PAGES = (
    "/admin/organisations",
    "/admin/organisations/new",
    "/admin/partnerships",
    "/admin/partnerships/new",
    "/admin/people",
)


async def _get(http: httpx.AsyncClient, url: str, headers: dict[str, str] | None = None) -> str:
    response = await http.get(url, headers=headers or {})
    assert response.status_code in (200, 404), (url, response.status_code)
    return response.text


async def _whole_timeline(http: httpx.AsyncClient, first_page: str) -> list[str]:
    pages = [first_page]
    while match := LOAD_MORE.search(pages[-1]):
        pages.append(await _get(http, match.group(1).replace("&amp;", "&"), HTMX))
    return pages


@pytest.mark.parametrize("username", list(PEOPLE))
async def test_hidden_values_never_reach_a_response(
    client: httpx.AsyncClient, username: str, caplog: pytest.LogCaptureFixture
) -> None:
    world = await build_world()
    raw = await _client_rows(world)
    caplog.clear()
    caplog.set_level(logging.INFO)
    await login(client, username)
    roles = _roles(username)
    org_of_viewer = PEOPLE[username][0]

    responses: list[str] = [
        await _get(client, "/"),
        await _get(client, "/clients"),
        await _get(client, "/clients?q=Last", HTMX),
        await _get(client, "/who-sees-what"),
        *[await _get(client, url) for url in ADMIN_PAGES],
        await _get(client, "/auth/logged-out"),
    ]
    for tag, client_id in world.clients.items():
        relation = RELATIONS[username][tag]
        visible = (
            relation is not R.none
            and access(roles, relation, CLIENT_FIELDS[0].sensitivity) is Access.shown
        )
        detail = await client.get(f"/clients/{client_id}")
        fragment = await client.get(f"/clients/{client_id}/timeline", headers=HTMX)
        filtered = await client.get(f"/clients/{client_id}/timeline?kind=note", headers=HTMX)
        locked = (username, tag) in LOCKED_OUT
        for response in (detail, fragment, filtered):
            refused = 403 if locked and response is detail else 404
            assert response.status_code == (200 if visible else refused), (tag, response.url)
            responses.append(response.text)
        sections: dict[str, str] = {}
        for name, (cls, _fields) in SECTIONS.items():
            for headers in ({}, HTMX):
                section = await client.get(
                    f"/clients/{client_id}/sensitive/{name}", headers=headers
                )
                opens = visible and access(roles, relation, cls) is Access.shown
                assert section.status_code == (200 if opens else 404), (tag, name)
                responses.append(section.text)
                sections[name] = sections.get(name, "") + section.text
        if not visible:
            assert f"First{tag}" not in detail.text
            continue
        pages = await _whole_timeline(client, detail.text)
        responses.extend(pages)
        whole = "\n".join(pages)
        for spec in CLIENT_FIELDS:
            if spec.name == "ladder_step":
                continue
            level = access(roles, relation, spec.sensitivity)
            section = next((n for n, (_c, names) in SECTIONS.items() if spec.name in names), None)
            if level is Access.shown and section is not None:
                # A sensitive section is not in the page until asked for.
                assert raw[tag][spec.name] not in detail.text, (tag, spec.name)
                assert raw[tag][spec.name] in sections[section], (tag, spec.name)
            elif level is Access.shown:
                assert raw[tag][spec.name] in detail.text, (tag, spec.name)
            elif level is Access.masked:
                assert spec.mask(_parse(spec.name, raw[tag][spec.name])) in detail.text
        withheld = 0
        for audience, cls, author_org, label in world.events.get(tag, []):
            readable = (
                may_read_audience(
                    relation, audience, same_org_as_author=author_org == org_of_viewer
                )
                and access(roles, relation, cls) is Access.shown
            )
            if readable:
                assert f"{label}-title" in whole and f"{label}-body" in whole, label
            else:
                withheld += 1
        placeholders = whole.count('class="event withheld"')
        if sees_withheld_placeholders(relation):
            assert placeholders == withheld
        else:
            assert placeholders == 0

    log_text = "\n".join(record.getMessage() for record in caplog.records)
    for tag in world.clients:
        relation = RELATIONS[username][tag]
        for spec in CLIENT_FIELDS:
            if spec.name == "ladder_step":
                continue
            if access(roles, relation, spec.sensitivity) is not Access.shown:
                value = raw[tag][spec.name]
                for body in responses:
                    assert value not in body, (username, tag, spec.name)
            assert raw[tag][spec.name] not in log_text
        for audience, cls, author_org, label in world.events.get(tag, []):
            readable = relation is not R.none and (
                may_read_audience(
                    relation, audience, same_org_as_author=author_org == org_of_viewer
                )
                and access(roles, relation, cls) is Access.shown
            )
            if not readable:
                for body in responses:
                    assert label not in body, (username, label)


def _readable(
    roles: frozenset[Role], relation: Relation, audience: Audience, cls: Sensitivity, same_org: bool
) -> bool:
    return (
        may_read_audience(relation, audience, same_org_as_author=same_org)
        and access(roles, relation, cls) is Access.shown
    )


def _parse(name: str, value: str):
    import datetime as dt

    if name in DATE_FIELDS:
        return dt.datetime.strptime(value, "%d-%m-%Y").date()
    return value
