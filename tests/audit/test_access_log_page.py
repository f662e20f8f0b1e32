"""``GET /clients/{id}/access-log`` ("Wie heeft dit dossier bekeken?"): for the file holder and
their OCMW's coordinator only (404 for every other person of the world); who, their organisation
and roles, what and when, a stated reason highlighted, a cross-site access marked, never a value
of the file; filters, pages; and ``GET /access-log``, each person's own accesses."""

from __future__ import annotations

import re

import httpx

from portal.accounts.services import load_viewer
from portal.audit.services import record_access
from portal.clients.tables import Consent
from portal.visibility.policy import Sensitivity
from portal.visibility.viewer import Viewer
from tests.conftest import login
from tests.support.factories import PEOPLE, World, build_world, secret

READERS = {"X": {"sw.a", "coordinator.a"}, "Z": {"sw.b"}}
"""Who reads each file's log: its file holder, and the coordinator of its OCMW (OCMW B has
none)."""
REASON = "Vervanging tijdens verlof van de dossierhouder"


async def _viewer(world: World, username: str) -> Viewer:
    viewer = await load_viewer(world.people[username])
    assert viewer is not None
    return viewer


async def _accesses(world: World) -> None:
    x = world.clients["X"]
    await record_access(await _viewer(world, "mediator"), x, "client.opened", ())
    await record_access(await _viewer(world, "toeleider"), x, "client.opened", ())
    await record_access(await _viewer(world, "sw.a2"), x, "client.reason_stated", (), reason=REASON)
    await record_access(
        await _viewer(world, "sw.a2"), x, "client.section_read", {Sensitivity.social}
    )
    await record_access(
        await _viewer(world, "sw.a"), x, "document.download", (), subject="document:7"
    )


async def test_only_the_file_holder_and_their_coordinator_read_a_file_s_log(
    client: httpx.AsyncClient,
) -> None:
    world = await build_world()
    await _accesses(world)
    for tag, readers in READERS.items():
        url = f"/clients/{world.clients[tag]}/access-log"
        for username in PEOPLE:
            await login(client, username)
            response = await client.get(url)
            expected = 200 if username in readers else 404
            assert response.status_code == expected, (tag, username, response.status_code)
            file_page = await client.get(f"/clients/{world.clients[tag]}")
            shows_link = url in file_page.text
            assert shows_link == (username in readers), (tag, username)


async def test_the_log_shows_who_what_and_when_and_never_the_file(
    client: httpx.AsyncClient,
) -> None:
    world = await build_world()
    await _accesses(world)
    x = world.clients["X"]
    await login(client, "sw.a")
    await client.get(f"/clients/{x}", headers={"Sec-Fetch-Site": "cross-site"})
    page = (await client.get(f"/clients/{x}/access-log")).text
    for name in ("mediator", "toeleider", "sw.a2", "sw.a"):
        assert f"<strong>{name.replace('.', ' ').title()}</strong>" in page, name
    assert page.count('<li class="access access-reason">') == 1
    assert f"“{REASON}”" in page
    assert "bereikt vanaf een andere website" in page
    assert "getoond: sociaal" in page
    assert "document 7" in page
    assert "S3CRET" not in page, "no value of the file"
    for field in ("social_report", "national_number", "health_notes"):
        assert secret("X", field) not in page


async def test_filters_narrow_the_log_and_a_bad_date_keeps_the_input(
    client: httpx.AsyncClient,
) -> None:
    world = await build_world()
    await _accesses(world)
    x = world.clients["X"]
    await login(client, "sw.a")
    url = f"/clients/{x}/access-log"
    by_person = (await client.get(url, params={"person": world.people["sw.a2"]})).text
    assert by_person.count('<li class="access') == 2
    by_kind = (await client.get(url, params={"kind": "reason"})).text
    assert by_kind.count('<li class="access') == 1 and REASON in by_kind
    vdab = world.orgs["vdab"]
    by_org = (await client.get(url, params={"organisation": vdab})).text
    assert by_org.count('<li class="access') == 1
    future = (await client.get(url, params={"from": "2999-01-01"})).text
    assert '<li class="access' not in future and "Geen toegangen" in future
    bad = await client.get(url, params={"from": "31-02-2026"})
    assert bad.status_code == 422
    assert "Geef een datum" in bad.text and 'value="31-02-2026"' in bad.text


async def test_a_busy_file_s_log_comes_a_page_at_a_time(client: httpx.AsyncClient) -> None:
    world = await build_world()
    x = world.clients["X"]
    people = [await _viewer(world, "mediator"), await _viewer(world, "toeleider")]
    for number in range(62):  # taking turns: no two alike one after the other
        await record_access(people[number % 2], x, "client.opened", ())
    await login(client, "sw.a")
    first = (await client.get(f"/clients/{x}/access-log?kind=opened")).text
    assert first.count('<li class="access') == 50
    older = re.search(r'href="(/clients/\d+/access-log\?[^"]*before=[^"]+)" rel="next"', first)
    assert older is not None
    second = (await client.get(older.group(1).replace("&amp;", "&"))).text
    assert second.count('<li class="access') == 12
    assert 'rel="next"' not in second


async def test_the_same_access_over_and_over_reads_as_one_line_with_a_count(
    client: httpx.AsyncClient,
) -> None:
    """Each list the file holder opens names the client: one line a day, counted; what breaks
    the stretch (someone else, a stated reason) stays a line of its own."""
    world = await build_world()
    x = world.clients["X"]
    holder, colleague = await _viewer(world, "sw.a"), await _viewer(world, "sw.a2")
    await login(client, "sw.a")
    for _ in range(7):
        await record_access(holder, x, "client.opened", ())
    await record_access(colleague, x, "client.reason_stated", (), reason=REASON)
    await record_access(colleague, x, "client.reason_stated", (), reason=REASON + " (2)")
    for _ in range(3):
        await record_access(holder, x, "client.listed", ())
    page = (await client.get(f"/clients/{x}/access-log")).text
    lines = re.findall(r'<li class="access[^"]*">.*?</li>', page, flags=re.S)
    assert "3 keer sinds" in lines[0] and "zag de cliënt in een lijst" in lines[0]
    assert "keer sinds" not in lines[1] and "keer sinds" not in lines[2], "reasons never fold"
    assert "7 keer sinds" in lines[3] and "opende het dossier" in lines[3]
    assert len(lines) == 5, "the start page at login named X once, before the openings"
    assert "zag de cliënt in een lijst" in lines[4] and "keer sinds" not in lines[4]


async def test_each_person_reads_their_own_accesses_and_no_name_they_may_not_see(
    client: httpx.AsyncClient,
) -> None:
    world = await build_world()
    x = world.clients["X"]
    toeleider = await _viewer(world, "toeleider")
    await record_access(toeleider, x, "client.opened", ())
    await login(client, "toeleider")  # the start page lists X: an entry of its own
    mine = (await client.get("/access-log")).text
    assert "FirstX LastX" in mine and mine.count("opende het dossier") == 1
    await Consent.update({Consent.given: False}).where(
        (Consent.client == x) & (Consent.organisation == world.orgs["partner"])
    )
    await login(client, "toeleider")
    withdrawn = (await client.get("/access-log")).text
    assert withdrawn.count("opende het dossier") == 1
    assert "FirstX" not in withdrawn and "een dossier dat je nu niet kunt zien" in withdrawn
    await login(client, "mediator")
    assert "opende het dossier" not in (await client.get("/access-log")).text
