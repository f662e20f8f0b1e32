"""The admin pages as a whole: who reaches them, CSRF, query counts, and no client content."""

from __future__ import annotations

import re

import httpx
import pytest

from portal.accounts.auth import forget_viewer
from portal.accounts.tables import Organisation, Partnership, Person
from portal.clients.tables import Client
from portal.core.db import count_queries
from portal.timeline.tables import TimelineEvent
from portal.visibility.scoping import unscoped
from tests.admin.conftest import FILES, FILES_PLURAL, shown, shown_count
from tests.conftest import login
from tests.support.factories import PEOPLE, World, build_world, make_org, make_person

NON_ADMINS = [
    username for username, (_, role) in PEOPLE.items() if role not in ("admin", "platform_admin")
]


async def _platform_urls(world: World) -> tuple[list[str], list[str]]:
    """The organisation and partnership pages (GET) and actions (POST): platform admins only."""
    partnership = (await Partnership.select(Partnership.id).first())["id"]
    org = world.orgs["partner"]
    pages = [
        "/admin/organisations",
        "/admin/organisations/new",
        f"/admin/organisations/{org}",
        "/admin/partnerships",
        "/admin/partnerships/new",
        f"/admin/partnerships/{partnership}",
        f"/admin/partnerships/{partnership}/delete",
    ]
    actions = [
        "/admin/organisations/new",
        f"/admin/organisations/{org}",
        "/admin/partnerships/new",
        f"/admin/partnerships/{partnership}",
        f"/admin/partnerships/{partnership}/delete",
    ]
    return pages, actions


async def _people_urls(world: World) -> tuple[list[str], list[str]]:
    """The people pages and the admin log (GET) and the people actions (POST)."""
    person = world.people["sw.a2"]
    pages = ["/admin/people", f"/admin/people?organisation={world.orgs['ocmw-a']}", "/admin/log"]
    actions = [f"/admin/people/{person}/deactivate", f"/admin/people/{person}/reactivate"]
    return pages, actions


async def _urls(world: World) -> tuple[list[str], list[str]]:
    """Every admin page (GET) and every admin action (POST), with real ids from the world."""
    platform_pages, platform_actions = await _platform_urls(world)
    people_pages, people_actions = await _people_urls(world)
    return platform_pages + people_pages, platform_actions + people_actions


async def _state() -> tuple[list[dict], list[dict], list[dict]]:
    return (
        await Organisation.select().order_by(Organisation.id),
        await Partnership.select().order_by(Partnership.id),
        await Person.select(Person.id, Person.active).order_by(Person.id),
    )


@pytest.mark.parametrize("username", NON_ADMINS)
async def test_admin_urls_answer_404_to_every_other_role(
    client: httpx.AsyncClient, username: str
) -> None:
    world = await build_world()
    pages, actions = await _urls(world)
    before = await _state()
    token = await login(client, username)
    for url in pages:
        assert (await client.get(url)).status_code == 404, url
    form = {
        "csrf_token": token,
        "name": "Hijacked",
        "code": "hijacked",
        "kind": "vdab",
        "ocmw": str(world.orgs["ocmw-a"]),
        "vdab": str(world.orgs["vdab"]),
    }
    for url in actions:
        assert (await client.post(url, data=form)).status_code == 404, url
    assert await _state() == before
    home = await client.get("/")
    assert "/admin/" not in home.text


async def test_a_platform_admin_reaches_every_admin_page(client: httpx.AsyncClient) -> None:
    world = await build_world()
    pages, _ = await _urls(world)
    await login(client, "platform")
    for url in pages:
        response = await client.get(url)
        assert response.status_code == 200, url
        assert "<h1>" in response.text


async def test_an_admin_reaches_people_and_log_but_not_organisations_or_partnerships(
    client: httpx.AsyncClient,
) -> None:
    """Finding 1: only a platform administrator manages organisations and partnerships; an admin
    gets 404 there, for pages and actions alike, and nothing changes."""
    world = await build_world()
    pages, actions = await _platform_urls(world)
    before = await _state()
    token = await login(client, "admin")
    for url in pages:
        assert (await client.get(url)).status_code == 404, url
    form = {
        "csrf_token": token,
        "name": "Hijacked",
        "code": "hijacked",
        "kind": "ocmw",
        "ocmw": str(world.orgs["ocmw-a"]),
        "vdab": str(world.orgs["vdab"]),
    }
    for url in actions:
        assert (await client.post(url, data=form)).status_code == 404, url
    assert await _state() == before
    for url in (await _people_urls(world))[0]:
        assert (await client.get(url)).status_code == 200, url


async def test_anonymous_visitors_are_sent_to_login(client: httpx.AsyncClient) -> None:
    world = await build_world()
    pages, actions = await _urls(world)
    before = await _state()
    for url in pages:
        response = await client.get(url)
        assert response.status_code == 303 and response.headers["location"].startswith(
            "/auth/login"
        ), url
    for url in actions:  # the login guard answers before the CSRF check
        response = await client.post(url, data={"name": "x"})
        assert response.status_code == 303 and response.headers["location"] == "/auth/login", url
    assert await _state() == before


def _menu(html: str) -> str:
    return html[html.index("<nav aria-label") : html.index("</nav>")]


async def test_menu_and_home_lead_platform_admins_to_their_pages(
    client: httpx.AsyncClient,
) -> None:
    await build_world()
    await login(client, "platform")
    home = await client.get("/")
    for href in ("/admin/organisations", "/admin/partnerships", "/admin/people"):
        assert f'href="{href}"' in _menu(home.text)
        assert f'href="{href}"' in home.text[home.text.index("<main") :]
    assert 'href="/admin/log"' in _menu(home.text)
    page = await client.get("/admin/partnerships/new")
    assert 'href="/admin/partnerships" aria-current="page"' in page.text


async def test_an_admin_is_never_offered_a_refused_link(client: httpx.AsyncClient) -> None:
    await build_world()
    await login(client, "admin")
    home = await client.get("/")
    assert 'href="/admin/people"' in _menu(home.text) and 'href="/admin/log"' in _menu(home.text)
    links = re.findall(r'href="(/admin/[^"?]*)', home.text)
    assert links and not {"/admin/organisations", "/admin/partnerships"} & set(links)
    for href in set(links):
        assert (await client.get(href)).status_code == 200, href
    people = await client.get("/admin/people")
    assert 'href="/admin/people" aria-current="page"' in people.text
    for href in set(re.findall(r'href="(/admin/[^"]*)"', people.text)):
        assert (await client.get(href.replace("&amp;", "&"))).status_code == 200, href


async def test_actions_without_csrf_token_are_refused(client: httpx.AsyncClient) -> None:
    world = await build_world()
    _, actions = await _urls(world)
    before = await _state()
    await login(client, "platform")
    for url in actions:
        response = await client.post(url, data={"name": "No token", "code": "no-token"})
        assert response.status_code == 403, url
        wrong = await client.post(url, data={"csrf_token": "wrong", "name": "x"})
        assert wrong.status_code == 403, url
    assert await _state() == before


async def _queries_for(http: httpx.AsyncClient, url: str, person_id: int) -> int:
    forget_viewer(person_id)  # every measured request loads the viewer, like the first one
    with count_queries() as counter:
        response = await http.get(url)
    assert response.status_code == 200
    return counter[0]


@pytest.mark.parametrize("role", ["platform_admin", "admin"])
async def test_people_list_queries_do_not_grow_per_person(
    client: httpx.AsyncClient, role: str
) -> None:
    org = await make_org("ocmw-q", "ocmw")
    admin = await make_person("admin.q", org, role)
    await make_person("person.0", org, "social_worker")
    await login(client, "admin.q")
    two = await _queries_for(client, "/admin/people", admin)
    own = await _queries_for(client, f"/admin/people?organisation={org}", admin)
    other = await make_org("partner-q", "partner")
    for i in range(1, 29):
        await make_person(f"person.{i}", other if i % 2 else org, "toeleider")
    assert await Person.count() == 30
    thirty = await _queries_for(client, "/admin/people", admin)
    assert two == thirty
    if role == "platform_admin":
        filtered = await _queries_for(client, f"/admin/people?organisation={other}", admin)
        assert filtered == two
    assert await _queries_for(client, f"/admin/people?organisation={org}", admin) == own


async def test_organisation_list_queries_do_not_grow_per_organisation(
    client: httpx.AsyncClient,
) -> None:
    org = await make_org("ocmw-q", "ocmw")
    admin = await make_person("admin.q", org, "platform_admin")
    await make_org("partner-0", "partner")
    await login(client, "admin.q")
    two = await _queries_for(client, "/admin/organisations", admin)
    for i in range(1, 29):
        other = await make_org(f"partner-{i}", "partner")
        await make_person(f"person.{i}", other, "toeleider")
    thirty = await _queries_for(client, "/admin/organisations", admin)
    assert two == thirty


async def test_people_counts_per_organisation(client: httpx.AsyncClient) -> None:
    world = await build_world()
    await login(client, "platform")
    page = await client.get("/admin/organisations")
    people = {org: sum(1 for o, _ in PEOPLE.values() if o == org) for org in world.orgs}
    for org, org_id in world.orgs.items():
        link = f'href="/admin/people?organisation={org_id}">{people[org]}<'
        assert link in page.text, org


async def _client_values() -> list[str]:
    """Every stored value of every client and timeline event, as a page could write it."""
    values: list[str] = []
    with unscoped("test: every stored client value, to look for it on admin pages"):
        clients = await Client.select()
        events = await TimelineEvent.select(TimelineEvent.text, TimelineEvent.payload).output(
            load_json=True
        )
    for row in clients:
        for name, value in row.items():
            if name in ("id", "ocmw", "file_holder", "ladder_step", "created_at"):
                continue
            if name == "birth_date":
                values += [value.strftime("%d-%m-%Y"), value.isoformat()]
            elif value:
                values.append(str(value))
    for row in events:
        values += [row["text"], row["payload"]["subject"]]
    return values


async def test_admin_pages_show_no_client_content(client: httpx.AsyncClient) -> None:
    world = await build_world()
    pages, _ = await _urls(world)
    secrets = await _client_values()
    assert len(secrets) > 50
    bodies: list[str] = []
    # an admin deactivates the file holder of X and Y: the confirmation and the log count files
    token = await login(client, "admin")
    deactivated = await client.post(
        f"/admin/people/{world.people['sw.a']}/deactivate", data={"csrf_token": token}
    )
    confirmation = await client.get(deactivated.headers["location"])
    assert shown_count(FILES, FILES_PLURAL, 2) in (confirmation.text)
    bodies += [confirmation.text, (await client.get("/admin/log")).text]
    token = await login(client, "platform")
    bodies += [(await client.get(url)).text for url in pages]
    bodies += [
        (await client.get(f"/admin/organisations/{org}")).text for org in world.orgs.values()
    ]
    bodies += [
        (await client.get(f"/admin/people?organisation={org}")).text for org in world.orgs.values()
    ]
    refused = [
        await client.post("/admin/organisations/new", data={"csrf_token": token}),
        await client.post(
            f"/admin/organisations/{world.orgs['ocmw-a']}",
            data={"csrf_token": token, "name": "OCMW A", "code": "ocmw-a", "kind": "vdab"},
        ),
        await client.post("/admin/partnerships/new", data={"csrf_token": token}),
        await client.post(
            f"/admin/people/{world.people['platform']}/deactivate", data={"csrf_token": token}
        ),
    ]
    assert [response.status_code for response in refused] == [422] * 4
    assert shown("The kind cannot be changed: client files are linked to this organisation.") in (
        refused[1].text
    )
    bodies += [response.text for response in refused]
    bodies.append((await client.get("/admin/log")).text)
    for body in bodies:
        assert "S3CRET" not in body and "EVT-" not in body
        for value in secrets:
            assert value not in body, value
