"""The live timeline served for real (``portal serve``; in-process transports buffer streams): each
reader's stream gets a new entry as their timeline would show it, streams end at a logout, a
deactivation and a consent withdrawal, ``portal serve`` stops at once with streams open, and with
Redis an entry written through one process reaches a stream served by another (on SQLite and on
PostgreSQL: this module runs in the SQLite pass only, as every process test, so it makes a
PostgreSQL database of its own for that case)."""

from __future__ import annotations

import json
import re
import shutil
import signal
import sys
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest

from portal.core import live
from portal.testing.processes import (
    ROOT,
    PortalServer,
    development_env,
    free_port,
    run_command,
    run_portal_ok,
)
from tests.conftest import WORKER, _recreate_postgres_database, csrf_from
from tests.support.live import WAIT, Event, EventReader
from tests.support.redis_server import OwnRedis

pytestmark = pytest.mark.slow

STOP_LIMIT = 10.0
HEARTBEAT = "1"
PG_BASE = "postgresql://postgres@127.0.0.1:5432"
WORLD_SCRIPT = """
import asyncio, json
from tests.support.factories import build_world
async def main():
    world = await build_world()
    print(json.dumps({"clients": world.clients, "people": world.people}))
asyncio.run(main())
"""


@pytest.fixture(scope="module")
def seeded(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, dict[str, dict[str, int]]]:
    """A migrated SQLite database holding the test world (``build_world``), and its ids."""
    folder = tmp_path_factory.mktemp("live-world")
    env = development_env(folder)
    run_portal_ok(env, "migrate")
    result = run_command([sys.executable, "-c", WORLD_SCRIPT], env, cwd=ROOT, timeout=300)
    assert result.returncode == 0, result.stderr
    return folder / "portal.sqlite3", json.loads(result.stdout.strip().splitlines()[-1])


def _env(folder: Path, database: Path, port: int, **extra: str) -> dict[str, str]:
    folder.mkdir(parents=True, exist_ok=True)
    copy = folder / "portal.sqlite3"
    if not copy.exists():
        shutil.copy(database, copy)
    return development_env(
        folder,
        PORTAL_BASE_URL=f"http://127.0.0.1:{port}",
        PORTAL_LIVE_HEARTBEAT=HEARTBEAT,
        **extra,
    )


@pytest.fixture
def served(
    tmp_path: Path, seeded: tuple[Path, dict[str, dict[str, int]]]
) -> Iterator[tuple[PortalServer, dict[str, dict[str, int]]]]:
    port = free_port()
    with PortalServer(_env(tmp_path, seeded[0], port), port) as server:
        server.wait_until_healthy()
        yield server, seeded[1]


@pytest.fixture
def opened() -> Iterator[list[httpx.Client]]:
    """The HTTP clients a test opens, closed after it."""
    clients: list[httpx.Client] = []
    yield clients
    for http in clients:
        http.close()


def _login(opened: list[httpx.Client], base_url: str, username: str) -> tuple[httpx.Client, str]:
    """A client logged in as ``username`` (development login) and its CSRF token."""
    http = httpx.Client(base_url=base_url, timeout=30)
    opened.append(http)
    page = http.get("/auth/dev-login")
    answer = http.post(
        "/auth/dev-login", data={"username": username, "csrf_token": csrf_from(page.text)}
    )
    assert answer.status_code == 303, answer.text
    return http, csrf_from(http.get("/").text)


def _stream(http: httpx.Client, url: str) -> EventReader:
    """A stream in a client of its own that shares ``http``'s session cookie."""
    own = httpx.Client(base_url=str(http.base_url), cookies=dict(http.cookies), timeout=30)
    return EventReader(own, url).start()


def _note(http: httpx.Client, csrf: str, client_id: int, text: str, **choice: str) -> None:
    form = {"text": text, "audience": "care_team", "sensitivity": "trajectory", **choice}
    answer = http.post(f"/clients/{client_id}/notes", data={**form, "csrf_token": csrf})
    assert answer.status_code == 303, answer.text


def test_a_new_entry_reaches_each_reader_as_their_timeline_shows_it(
    served: tuple[PortalServer, dict[str, dict[str, int]]], opened: list[httpx.Client]
) -> None:
    server, world = served
    client_x = world["clients"]["X"]
    holder, csrf = _login(opened, server.url, "sw.a")
    toeleider, _ = _login(opened, server.url, "toeleider")
    stranger, _ = _login(opened, server.url, "sw.b")
    assert stranger.get(f"/clients/{client_x}/live").status_code == 404
    page = holder.get(f"/clients/{client_x}")
    assert f'data-live-connect="/clients/{client_x}/live"' in page.text

    own, theirs = (
        _stream(holder, f"/clients/{client_x}/live"),
        _stream(toeleider, f"/clients/{client_x}/live"),
    )
    assert (own.status, theirs.status) == (200, 200)
    _note(holder, csrf, client_x, "LIVE-SHARED-note")
    for reader in (own, theirs):
        entry = reader.next_entry()
        assert "LIVE-SHARED-note" in entry.data
        assert entry.data.startswith('<li class="event" id="event-')

    _note(holder, csrf, client_x, "LIVE-SECRET-note", audience="own_org", sensitivity="social")
    assert "LIVE-SECRET-note" in own.next_entry().data
    placeholder = theirs.next_entry()
    assert 'class="event withheld"' in placeholder.data
    assert "LIVE-SECRET" not in placeholder.data
    assert "LIVE-SECRET" not in "".join(event.data for event in theirs.seen)


def test_streams_end_at_a_logout_a_deactivation_and_a_consent_withdrawal(
    served: tuple[PortalServer, dict[str, dict[str, int]]], opened: list[httpx.Client]
) -> None:
    server, world = served
    client_x = world["clients"]["X"]
    holder, csrf = _login(opened, server.url, "sw.a")
    colleague, _ = _login(opened, server.url, "sw.a2")
    toeleider, _ = _login(opened, server.url, "toeleider")
    admin, admin_csrf = _login(opened, server.url, "admin")
    leaving, _ = _login(opened, server.url, "sw.a")
    streams = {
        name: _stream(http, f"/clients/{client_x}/live")
        for name, http in (("colleague", colleague), ("toeleider", toeleider), ("leaving", leaving))
    }
    own = _stream(holder, "/live")

    answer = holder.post(
        f"/clients/{client_x}/consent",
        data={"organisation": "partner", "given": "no", "csrf_token": csrf},
    )
    assert answer.status_code == 303, answer.text
    streams["toeleider"].expect_end(with_end_event=True)
    assert not [event for event in streams["toeleider"].seen if event.name == ""]

    answer = admin.post(
        f"/admin/people/{world['people']['sw.a2']}/deactivate", data={"csrf_token": admin_csrf}
    )
    assert answer.status_code == 303, answer.text
    streams["colleague"].expect_end(with_end_event=True)

    leaving_csrf = csrf_from(leaving.get("/").text)
    assert leaving.post("/auth/logout", data={"csrf_token": leaving_csrf}).status_code == 303
    streams["leaving"].expect_end(with_end_event=True)

    assert own.heartbeats >= 0 and own.events.empty()
    assert holder.post("/auth/logout", data={"csrf_token": csrf}).status_code == 303
    own.expect_end(with_end_event=True)


def test_serve_stops_at_once_with_streams_open(
    served: tuple[PortalServer, dict[str, dict[str, int]]], opened: list[httpx.Client]
) -> None:
    server, world = served
    holder, _ = _login(opened, server.url, "sw.a")
    readers = [_stream(holder, f"/clients/{world['clients']['X']}/live") for _ in range(5)]
    readers.append(_stream(holder, "/live"))
    assert all(reader.status == 200 for reader in readers)
    server.send_signal(signal.SIGTERM)
    assert server.wait(STOP_LIMIT) == 0
    for reader in readers:
        reader.expect_end(with_end_event=False)
    assert "Application shutdown complete" in server.output


def _postgres_world(tmp_path: Path) -> tuple[str, dict[str, dict[str, int]]]:
    """A PostgreSQL database of this test's own holding the test world, and its ids."""
    url = f"{PG_BASE}/brug_live_served_{WORKER}"
    _recreate_postgres_database(url)
    env = development_env(tmp_path / "seed", PORTAL_DATABASE_URL=url)
    run_portal_ok(env, "migrate")
    result = run_command([sys.executable, "-c", WORLD_SCRIPT], env, cwd=ROOT, timeout=300)
    assert result.returncode == 0, result.stderr
    return url, json.loads(result.stdout.strip().splitlines()[-1])


@pytest.mark.parametrize("engine", ["sqlite", "postgresql"])
def test_an_entry_written_through_one_process_reaches_a_stream_of_another_via_redis(
    tmp_path: Path,
    seeded: tuple[Path, dict[str, dict[str, int]]],
    own_redis: OwnRedis,
    opened: list[httpx.Client],
    engine: str,
) -> None:
    database, world = seeded
    if engine == "sqlite":
        shutil.copy(database, tmp_path / "shared.sqlite3")
        shared = f"sqlite:///{tmp_path / 'shared.sqlite3'}"
    else:
        shared, world = _postgres_world(tmp_path)
    ports = free_port(), free_port()
    envs = [
        _env(
            tmp_path / name,
            database,
            port,
            PORTAL_DATABASE_URL=shared,
            PORTAL_REDIS_URL=own_redis.url,
        )
        for name, port in zip(("one", "two"), ports, strict=True)
    ]
    client_x = world["clients"]["X"]
    with PortalServer(envs[0], ports[0]) as one, PortalServer(envs[1], ports[1]) as two:
        one.wait_until_healthy()
        two.wait_until_healthy()
        writer, csrf = _login(opened, one.url, "sw.a")
        reader_http, _ = _login(opened, two.url, "toeleider")
        reader = _stream(reader_http, f"/clients/{client_x}/live")
        assert reader.status == 200
        _note(writer, csrf, client_x, "LIVE-ACROSS-processes")
        entry = reader.next_entry(WAIT)
        assert "LIVE-ACROSS-processes" in entry.data
        assert re.search(r"<time datetime=", entry.data)

        own = _stream(reader_http, "/live")
        assert own.status == 200
        channel = f"{live.namespace_for(shared)}:person:{world['people']['toeleider']}"
        for message in ("something else", "inbox"):
            own_redis.client.publish(channel, message)
        assert own.next() == Event("inbox", "")
        others = f"{live.namespace_for(shared)}:person:{world['people']['sw.a']}"
        own_redis.client.publish(others, "inbox")
        own_redis.client.publish(channel, "inbox")
        assert own.next() == Event("inbox", "")
        reader_csrf = csrf_from(reader_http.get("/").text)
        assert reader_http.post("/auth/logout", data={"csrf_token": reader_csrf}).status_code == 303
        own.expect_end(with_end_event=True)
        assert own.seen.count(Event("inbox", "")) == 2, own.seen
