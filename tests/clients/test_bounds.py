"""Out-of-range path and query values are refused as bad requests, never a server error."""

from __future__ import annotations

import httpx
import pytest

from tests.conftest import login
from tests.support.factories import build_world


@pytest.mark.parametrize(
    "url",
    [
        "/clients/9223372036854775808",
        "/clients/2147483648",
        "/clients/0",
        "/clients/9223372036854775808/timeline",
        "/clients/{X}?before=2026-11-20T09:00:00%2B00:00_12345678901234567890~0",
        "/clients/{X}/timeline?before=0001-01-01T00:30:00%2B05:00_1~0",
        "/clients/{X}/timeline?before=2026-11-20T09:00:00_1~-1",
        "/clients/{X}/timeline?before=not-a-cursor",
        "/clients?page=100001",
        "/admin/organisations/99999999999",
        "/static/%00",
        "/static/css/%00.css",
        "/clients?q=%00",
        "/clients?q=a%00b",
        "/signals?state=%00&municipality=%00",
    ],
)
async def test_out_of_range_values_are_bad_requests(client: httpx.AsyncClient, url: str) -> None:
    world = await build_world()
    await login(client, "sw.a")
    response = await client.get(url.replace("{X}", str(world.clients["X"])))
    assert response.status_code in (400, 404), response.status_code
    assert "Traceback" not in response.text


async def test_the_access_log_is_written_only_after_the_page_was_read(
    client: httpx.AsyncClient,
) -> None:
    from portal.audit.tables import AccessLogEntry
    from portal.visibility.scoping import unscoped

    world = await build_world()
    await login(client, "sw.a")
    bad = await client.get(f"/clients/{world.clients['X']}?before=not-a-cursor")
    assert bad.status_code == 400
    with unscoped("test: the access log as written"):
        assert await AccessLogEntry.count().where(AccessLogEntry.action != "client.listed") == 0
    assert (await client.get(f"/clients/{world.clients['X']}")).status_code == 200
    with unscoped("test: the access log as written"):
        assert await AccessLogEntry.count().where(AccessLogEntry.action != "client.listed") == 1


async def test_a_nul_character_in_a_form_is_a_bad_request_and_writes_nothing(
    client: httpx.AsyncClient,
) -> None:
    """PostgreSQL stores no NUL (a scan's payload made the note route answer 500 there)."""
    from portal.timeline.tables import TimelineEvent
    from portal.visibility.scoping import unscoped

    world = await build_world()
    x = world.clients["X"]
    token = await login(client, "sw.a")
    with unscoped("test: the timeline as written"):
        before = await TimelineEvent.count().where(TimelineEvent.client == x)
    response = await client.post(
        f"/clients/{x}/notes",
        data={"csrf_token": token, "text": "een\x00notitie", "audience": "care_team"},
    )
    assert response.status_code == 400
    with unscoped("test: the timeline as written"):
        assert await TimelineEvent.count().where(TimelineEvent.client == x) == before
    kept = await client.post(
        f"/clients/{x}/notes",
        data={"csrf_token": token, "text": "een notitie", "audience": "care_team"},
    )
    assert kept.status_code == 303
