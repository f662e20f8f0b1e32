from __future__ import annotations

import re

import httpx
import pytest

from portal.clients.events import LADDER_CHANGED
from portal.clients.services import CLIENT_PAGE_SIZE
from portal.core.db import count_queries
from portal.timeline.services import TIMELINE_PAGE_SIZE
from tests.conftest import login
from tests.support.factories import (
    NOW,
    add_event,
    add_events,
    add_to_team,
    build_world,
    make_client,
    make_org,
    make_person,
)

HTMX = {"HX-Request": "true"}
EVENT_TITLES = re.compile(r"<h3>(note \d+)</h3>")


async def _one_client_world(events: int) -> tuple[int, int]:
    ocmw = await make_org("ocmw-q", "ocmw")
    worker = await make_person("sw.q", ocmw, "social_worker")
    client_id = await make_client(ocmw, "Q")
    await add_to_team(client_id, worker)
    await add_events(client_id, events, author=worker, author_org=ocmw)
    return client_id, worker


async def _queries_for(http: httpx.AsyncClient, url: str) -> int:
    with count_queries() as counter:
        response = await http.get(url)
    assert response.status_code == 200
    return counter[0]


async def test_client_page_queries_do_not_grow_with_history(client: httpx.AsyncClient) -> None:
    small, _ = await _one_client_world(10)
    ocmw_id = await make_org("ocmw-r", "ocmw")
    person_r = await make_person("sw.r", ocmw_id, "social_worker")
    large = await make_client(ocmw_id, "R")
    await add_to_team(large, person_r)
    await add_events(large, 1000, author=person_r, author_org=ocmw_id)

    await login(client, "sw.q")
    small_count = await _queries_for(client, f"/clients/{small}")
    await login(client, "sw.r")
    large_count = await _queries_for(client, f"/clients/{large}")
    assert small_count == large_count
    # The page's own statements and a fixed few per header panel (documents and referral
    # questions added one each, a transfer waiting one); the chained access-log entry takes
    # three (lock the chain's head, the entry, the new head).
    assert small_count <= 17, "the file page and its header panels: a fixed number of statements"


async def test_client_list_queries_do_not_grow_per_row(client: httpx.AsyncClient) -> None:
    ocmw = await make_org("ocmw-l", "ocmw")
    await make_person("sw.l", ocmw, "social_worker")
    await make_client(ocmw, "L0")
    await login(client, "sw.l")
    one = await _queries_for(client, "/clients")
    for i in range(1, 30):
        await make_client(ocmw, f"L{i}")
    many = await _queries_for(client, "/clients")
    assert one == many


async def test_timeline_pages_follow_each_other_without_gaps(client: httpx.AsyncClient) -> None:
    client_id, _ = await _one_client_world(45)
    await login(client, "sw.q")
    page = await client.get(f"/clients/{client_id}")
    seen = EVENT_TITLES.findall(page.text)
    assert len(seen) == TIMELINE_PAGE_SIZE
    kind_label = re.search(r'<p class="kind">([^<]+)</p>', page.text).group(1)
    assert kind_label == "Notitie"
    while match := re.search(r'hx-get="(/clients/\d+/timeline\?before=[^"]+)"', page.text):
        page = await client.get(match.group(1).replace("&amp;", "&"), headers=HTMX)
        assert page.status_code == 200
        assert "<html" not in page.text
        assert set(re.findall(r'<p class="kind">([^<]+)</p>', page.text)) == {kind_label}
        seen += EVENT_TITLES.findall(page.text)
    assert seen == [f"note {i}" for i in range(45)]


async def test_load_more_without_javascript_renders_the_whole_page(
    client: httpx.AsyncClient,
) -> None:
    client_id, _ = await _one_client_world(30)
    await login(client, "sw.q")
    first = await client.get(f"/clients/{client_id}")
    link = re.search(r'<a href="(/clients/\d+\?before=[^"#]+)', first.text)
    assert link
    older = await client.get(link.group(1).replace("&amp;", "&"))
    assert "<html" in older.text
    assert EVENT_TITLES.findall(older.text) == [f"note {i}" for i in range(20, 30)]
    fragment_url = link.group(1).replace("&amp;", "&").replace("?", "/timeline?", 1)
    as_page = await client.get(fragment_url)
    assert "<html" in as_page.text
    assert EVENT_TITLES.findall(as_page.text) == [f"note {i}" for i in range(20, 30)]


async def test_filter_by_kind(client: httpx.AsyncClient) -> None:
    client_id, worker = await _one_client_world(3)
    ocmw = await make_org("ocmw-f", "ocmw")
    await add_event(
        client_id,
        author=worker,
        author_org=ocmw,
        kind=LADDER_CHANGED,
        payload={"step_from": 2, "step_to": 3},
        text="Started volunteering",
        occurred_at=NOW,
    )
    await login(client, "sw.q")
    filtered = await client.get(
        f"/clients/{client_id}/timeline?kind={LADDER_CHANGED}", headers=HTMX
    )
    assert "Started volunteering" in filtered.text
    assert "Participatieladder: trede 2 → 3" in filtered.text
    assert not EVENT_TITLES.findall(filtered.text)
    unknown = await client.get(f"/clients/{client_id}?kind=nonsense")
    assert unknown.status_code == 200
    assert "Started volunteering" in unknown.text


async def test_the_kind_filter_offers_each_name_once_and_shows_all_kinds_of_it(
    client: httpx.AsyncClient,
) -> None:
    """Consent given and withdrawn are both "Consent": one choice, both entries."""
    client_id, worker = await _one_client_world(2)
    ocmw = await make_org("ocmw-f", "ocmw")
    for kind, text in (("consent.given", "yes at first"), ("consent.withdrawn", "then no")):
        await add_event(client_id, author=worker, author_org=ocmw, kind=kind, text=text)
    await login(client, "sw.q")
    page = (await client.get(f"/clients/{client_id}")).text
    select = page[
        page.index('<select id="kind"') : page.index("</select>", page.index('id="kind"'))
    ]
    names = re.findall(r"<option value=\"[^\"]+\"[^>]*>([^<]+)</option>", select)
    assert names and len(names) == len(set(names)), names
    assert 'value="consent.given"' in select and 'value="consent.withdrawn"' not in select
    for chosen in ("consent.given", "consent.withdrawn"):
        shown = await client.get(f"/clients/{client_id}/timeline?kind={chosen}", headers=HTMX)
        assert "yes at first" in shown.text and "then no" in shown.text
        assert not EVENT_TITLES.findall(shown.text), "notes are another kind"
    whole = (await client.get(f"/clients/{client_id}?kind=consent.withdrawn")).text
    assert '<option value="consent.given" selected>' in whole


async def test_search_and_pagination(client: httpx.AsyncClient) -> None:
    ocmw = await make_org("ocmw-s", "ocmw")
    await make_person("sw.s", ocmw, "social_worker")
    for i in range(CLIENT_PAGE_SIZE + 5):
        await make_client(ocmw, f"P{i:02d}")
    await make_client(ocmw, "Zed", first_name="Marie", last_name="Van Damme")
    await login(client, "sw.s")
    first = await client.get("/clients")
    assert "Page 1 of 2" in first.text or "Pagina 1 van 2" in first.text
    second = await client.get("/clients?page=2")
    assert "Van Damme" in second.text
    found = await client.get("/clients?q=van dam", headers=HTMX)
    assert found.status_code == 200
    assert "Van Damme" in found.text and "LastP00" not in found.text
    assert "<html" not in found.text
    beyond = await client.get("/clients?page=99")
    assert beyond.status_code == 200


@pytest.mark.parametrize("path", ["/clients/{id}", "/clients/{id}/timeline"])
async def test_invisible_clients_answer_404(client: httpx.AsyncClient, path: str) -> None:
    world = await build_world()
    await login(client, "sw.a")
    other_ocmw = await client.get(path.format(id=world.clients["Z"]))
    missing = await client.get(path.format(id=999_999))
    assert other_ocmw.status_code == 404
    assert missing.status_code == 404
    assert _main(other_ocmw.text) == _main(missing.text)


def _main(html: str) -> str:
    return html[html.index("<main") : html.index("</main>")]


async def test_opening_a_file_writes_the_access_log(client: httpx.AsyncClient) -> None:
    from portal.audit.tables import AccessLogEntry
    from portal.visibility.scoping import unscoped

    world = await build_world()
    await login(client, "toeleider")
    await client.get(f"/clients/{world.clients['X']}")
    with unscoped("test: the access log as written"):
        entries = await AccessLogEntry.select().where(
            (AccessLogEntry.client_id == world.clients["X"])
            & (AccessLogEntry.action != "client.listed")
        )
    assert [(e["person"], e["action"], e["revealed"]) for e in entries] == [
        (world.people["toeleider"], "client.opened", "")
    ]
    await login(client, "sw.a")
    await client.get(f"/clients/{world.clients['X']}")
    for section in ("social", "health"):
        await client.get(f"/clients/{world.clients['X']}/sensitive/{section}")
    with unscoped("test: the access log as written"):
        entries = await AccessLogEntry.select().where(
            (AccessLogEntry.person == world.people["sw.a"])
            & (AccessLogEntry.action != "client.listed")
        )
    # The file's identity fields, and the social and health entries of its timeline's first screen.
    assert [(e["action"], e["revealed"]) for e in entries] == [
        ("client.opened", "health,identity,social"),
        ("client.section_read", "social"),
        ("client.section_read", "health"),
    ]
