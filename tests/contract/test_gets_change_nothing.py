"""No GET changes state: the whole database before and after every GET of a crawl.

The crawl requests every URL that the leak matrix builds for a GET route (and its htmx variant
where the matrix has one), as one person of each role and as an anonymous visitor, on the leak
matrix's world; each answer has the status the matrix expects, so the crawl reaches the pages
themselves. After every GET each table of the database (as the database lists them, so a new
table is covered) must hold what it held before, and the document store the same objects. What
reading is meant to write is named here, with its reason:

- the access log and the heads of its chains (``access_log``, ``audit_chain``): every opened file,
  revealed field and download is logged, durably, before the answer is sent (DESIGN.md §3, §4);
- the viewer's own inbox items of the record they open, marked read (``inbox_item.read_at``, from
  empty to a time, nothing else): opening a question, a signal or an evaluation survey takes its
  news (``notifications.services.take``, docs/architecture.md), a read receipt by design.

The session store is not in the database (files or Redis); reads refresh it by design. Every
successful answer that comes back as JSON must be of a route that ``docs/openapi.json``
describes (the schemathesis test checks those).
"""

from __future__ import annotations

from collections.abc import AsyncIterator

import httpx
import pytest
from litestar import Litestar

from tests.conftest import login
from tests.contract.battery import (
    Row,
    Snapshot,
    Snapshots,
    changes,
    database_tables,
    described_json_routes,
    routes_of,
    seed_world,
    stored_objects,
)
from tests.contract.test_leak_matrix import HTMX, MATRIX, Case, Facts, _facts

READS_WRITE = frozenset({"access_log", "audit_chain"})
"""Tables that reads write by design: the access log and its chains' heads."""

CRAWLERS = ("sw.a", "toeleider", "mediator", "coordinator.a", "admin", "platform", None)
"""One person of each role of the world, and an anonymous visitor (``None``)."""


@pytest.fixture
async def streams_stopped(app: Litestar) -> AsyncIterator[None]:
    """Live streams never end in-process: with the hub stopped they answer 503 after their checks
    (as in the leak matrix)."""
    app.state.live.end_streams()
    try:
        yield
    finally:
        await app.state.live.start()


def _expected(case: Case, facts: Facts, url: str, anonymous: bool, headers: dict) -> int | None:
    """The leak matrix's status for a person; for a visitor, the way to the login (a public
    page answers as it will, checked only for not failing)."""
    if anonymous:
        if case.public:
            return None
        return 401 if headers else 303
    if case.expect is not None:
        return case.expect(facts, url)
    return case.ok if case.allowed(facts, url) else 404


def _read_receipts_only(gone: list[Row], came: list[Row], person_id: int | None) -> bool:
    """Whether the inbox changed only by the viewer's own unread items becoming read."""
    old = {dict(row)["id"]: dict(row) for row in gone}
    new = {dict(row)["id"]: dict(row) for row in came}
    if person_id is None or old.keys() != new.keys():
        return False
    for item_id, before in old.items():
        after = new[item_id]
        if before["person"] != person_id or before["read_at"] is not None:
            return False
        if after["read_at"] is None or {**after, "read_at": None} != before:
            return False
    return True


def _unexpected(
    before: Snapshot, after: Snapshot, person_id: int | None
) -> dict[str, dict[str, list[Row]]]:
    found = changes(before, after)
    inbox = found.get("inbox_item")
    if inbox and _read_receipts_only(inbox["gone"], inbox["came"], person_id):
        del found["inbox_item"]
    return found


def test_every_get_route_is_crawled(app: Litestar) -> None:
    missing = [key for key in routes_of(app, safe=True) if key not in MATRIX]
    assert not missing, f"GET routes without a way to build their URLs (leak matrix): {missing}"


@pytest.mark.parametrize("username", CRAWLERS, ids=lambda name: name or "anonymous")
@pytest.mark.usefixtures("streams_stopped")
async def test_no_get_changes_state(
    app: Litestar, client: httpx.AsyncClient, username: str | None
) -> None:
    world = await seed_world(app)
    facts = await _facts(world, username or "sw.a")
    person_id = world.people[username] if username else None
    if username:
        await login(client, username)
    tables = await database_tables()
    assert READS_WRITE | {"inbox_item"} <= set(tables)
    objects, crawled, json_routes = stored_objects(app), 0, described_json_routes()
    async with Snapshots.of(set(tables) - READS_WRITE) as snapshots:
        state = await snapshots.take()
        for key in routes_of(app, safe=True):
            case = MATRIX.get(key)
            if case is None:
                continue  # test_every_get_route_is_crawled names it
            for url in case.urls(facts):
                for headers in [{}, HTMX] if case.htmx else [{}]:
                    response = await client.get(url, headers=headers)
                    expected = _expected(case, facts, url, username is None, headers)
                    status = response.status_code
                    if expected is None:
                        assert status < 500, (username, url, headers, status)
                    else:
                        assert status == expected, (username, url, headers, status)
                    if status < 300 and "json" in response.headers.get("content-type", ""):
                        assert key in json_routes, (
                            f"{key} answers JSON: describe it in docs/openapi.json"
                        )
                    after = await snapshots.take()
                    unexpected = _unexpected(state, after, person_id)
                    assert not unexpected, (username, "GET", url, headers, unexpected)
                    assert stored_objects(app) == objects, (username, "GET", url, headers)
                    state = after
                    crawled += 1
    assert crawled > len(routes_of(app, safe=True))
