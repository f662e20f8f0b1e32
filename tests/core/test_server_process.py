"""``portal serve`` and ``portal check`` as real processes: start-up refusals, graceful stop,
and sessions shared between two server processes through Redis."""

from __future__ import annotations

import re
import signal
import sqlite3
import subprocess
import sys
import threading
import time
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest
import redis

from portal.testing.processes import (
    PORTAL,
    ROOT,
    PortalServer,
    development_env,
    free_port,
    run_command,
    run_portal,
    run_portal_ok,
)
from tests.conftest import csrf_from

pytestmark = pytest.mark.slow

STOP_LIMIT = 10.0
REDIS_URL = "redis://127.0.0.1:6379/15"


@pytest.fixture(scope="module")
def migrated(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A migrated SQLite database (``portal.sqlite3``) in a folder of its own."""
    folder = tmp_path_factory.mktemp("served")
    run_portal_ok(development_env(folder), "migrate")
    return folder


def _database_file(folder: Path) -> Path:
    return folder / "portal.sqlite3"


# Graceful stop -----------------------------------------------------------------------------


@pytest.mark.parametrize("sig", [signal.SIGTERM, signal.SIGINT], ids=["SIGTERM", "SIGINT"])
def test_serve_finishes_the_request_in_flight_and_exits_0(
    migrated: Path, sig: signal.Signals
) -> None:
    """A request the app is working on when the signal comes still gets its 200; then exit 0.

    To hold the request in flight without a slow endpoint, this process takes an exclusive lock
    on the SQLite file: the development login page's query waits for it (busy timeout 30 s).
    ``--log-level trace`` makes uvicorn log when the app receives the request, so the signal is
    sent only once the request is in the app, and the lock is released only once uvicorn is
    waiting for open connections during its shutdown.
    """
    server = PortalServer(development_env(migrated), free_port(), "--log-level", "trace").start()
    try:
        server.wait_until_healthy()
        lock = sqlite3.connect(_database_file(migrated), isolation_level=None)
        try:
            lock.execute("BEGIN EXCLUSIVE")
            answers: list[httpx.Response | BaseException] = []

            def request() -> None:
                try:
                    answers.append(httpx.get(f"{server.url}/auth/dev-login", timeout=60))
                except BaseException as error:
                    answers.append(error)

            in_flight = threading.Thread(target=request)
            in_flight.start()
            server.wait_for_line(
                lambda line: "Started scope=" in line and "'path': '/auth/dev-login'" in line
            )
            server.send_signal(sig)
            signalled = time.monotonic()
            server.wait_for_line(lambda line: "Waiting for connections to close" in line)
        finally:
            if lock.in_transaction:
                lock.execute("ROLLBACK")
            lock.close()
        in_flight.join(timeout=STOP_LIMIT)
        assert len(answers) == 1, "the in-flight request did not finish"
        answer = answers[0]
        assert isinstance(answer, httpx.Response), repr(answer)
        assert answer.status_code == 200
        assert 'name="csrf_token"' in answer.text

        try:
            code = server.wait(timeout=signalled + STOP_LIMIT - time.monotonic())
        except subprocess.TimeoutExpired:
            pytest.fail(f"portal serve still running {STOP_LIMIT} s after {sig.name}")
        assert "Application shutdown complete" in server.output
        assert code == 0, f"portal serve exited {code} after {sig.name}:\n{server.output}"
    finally:
        server.stop(signal.SIGKILL)


# Refusing a bad configuration --------------------------------------------------------------


BAD_CONFIGURATIONS = {
    "unknown-env": ({"PORTAL_ENV": "staging"}, "PORTAL_ENV"),
    "mysql": ({"PORTAL_DATABASE_URL": "mysql://x"}, "PORTAL_DATABASE_URL"),
    "production-without-secret": (
        {"PORTAL_ENV": "production", "PORTAL_BASE_URL": "https://brug.example.be"},
        "PORTAL_SECRET_KEY",
    ),
    "unreachable-postgres": (
        {"PORTAL_DATABASE_URL": "postgresql://postgres@127.0.0.1:1/nothing"},
        "PORTAL_DATABASE_URL",
    ),
}


@pytest.mark.parametrize(
    ("overrides", "variable"), list(BAD_CONFIGURATIONS.values()), ids=list(BAD_CONFIGURATIONS)
)
def test_check_names_the_bad_variable_in_one_line(
    tmp_path: Path, overrides: dict[str, str], variable: str
) -> None:
    (tmp_path / "var" / "documents").mkdir(parents=True)
    result = run_portal(development_env(tmp_path, **overrides), "check")
    assert result.returncode != 0
    lines = result.stderr.splitlines()
    assert len(lines) == 1, f"expected one line on stderr, got:\n{result.stderr}"
    assert variable in lines[0]


def test_check_passes_on_a_good_sqlite_configuration(migrated: Path) -> None:
    (migrated / "var" / "documents").mkdir(parents=True, exist_ok=True)
    result = run_portal(development_env(migrated), "check")
    assert result.returncode == 0, result.stderr


def test_add_organisation_bootstraps_a_new_installation(migrated: Path) -> None:
    env = development_env(migrated)
    added = run_portal(env, "add-organisation", "ocmw-aalst", "ocmw", "OCMW Aalst")
    assert added.returncode == 0, added.stderr
    assert "ocmw-aalst" in added.stdout
    again = run_portal(env, "add-organisation", "ocmw-aalst", "ocmw", "OCMW Aalst bis")
    assert again.returncode == 1
    assert again.stderr.count("\n") == 1 and "code:" in again.stderr
    with sqlite3.connect(_database_file(migrated)) as connection:
        rows = connection.execute("SELECT name, kind FROM organisation WHERE code = 'ocmw-aalst'")
        assert rows.fetchall() == [("OCMW Aalst", "ocmw")]


def test_serve_in_production_without_secret_key_refuses_to_start(tmp_path: Path) -> None:
    env = development_env(
        tmp_path, PORTAL_ENV="production", PORTAL_BASE_URL="https://brug.example.be"
    )
    result = run_command(
        [PORTAL, "serve", "--host", "127.0.0.1", "--port", str(free_port())],
        env,
        cwd=tmp_path,
        timeout=120,
    )
    assert result.returncode != 0
    lines = result.stderr.splitlines()
    assert len(lines) == 1, f"expected one line on stderr, got:\n{result.stderr}"
    assert "PORTAL_SECRET_KEY" in lines[0]


# Sessions shared through Redis -------------------------------------------------------------


@pytest.fixture
def redis_db15() -> Iterator[redis.Redis]:
    client = redis.Redis.from_url(REDIS_URL)
    client.ping()
    client.flushdb()
    try:
        yield client
    finally:
        client.flushdb()
        client.close()


def _add_person(env: dict[str, str], username: str, display_name: str) -> None:
    """One organisation and one social worker in the served database, via the test factories."""
    script = (
        "import asyncio\n"
        "from tests.support.factories import make_org, make_person\n"
        "from portal.accounts.tables import Person\n"
        "async def main():\n"
        "    org = await make_org('ocmw-redis', 'ocmw', 'OCMW Redis')\n"
        f"    person = await make_person({username!r}, org, 'social_worker')\n"
        f"    await Person.update({{Person.display_name: {display_name!r}}})"
        ".where(Person.id == person)\n"
        "asyncio.run(main())\n"
    )
    result = run_command([sys.executable, "-c", script], env, cwd=ROOT, timeout=120)
    assert result.returncode == 0, result.stderr


def test_a_session_started_on_one_process_works_on_another_through_redis(
    tmp_path: Path, redis_db15: redis.Redis
) -> None:
    database = f"sqlite:///{tmp_path}/shared.sqlite3"
    first_env = development_env(tmp_path / "one", PORTAL_DATABASE_URL=database)
    run_portal_ok(first_env, "migrate")
    _add_person(first_env, "sw.redis", "Roos Redisdottir")
    # Separate var folders: a session can only cross over through Redis, not a shared file store.
    first, second = free_port(), free_port()
    envs = [
        development_env(
            tmp_path / name,
            PORTAL_DATABASE_URL=database,
            PORTAL_REDIS_URL=REDIS_URL,
            PORTAL_BASE_URL=f"http://127.0.0.1:{port}",
        )
        for name, port in (("one", first), ("two", second))
    ]
    for env in envs:
        Path(env["PORTAL_VAR_DIR"]).mkdir(parents=True, exist_ok=True)
    with PortalServer(envs[0], first) as one, PortalServer(envs[1], second) as two:
        one.wait_until_healthy()
        two.wait_until_healthy()
        with httpx.Client(base_url=one.url, timeout=30) as http:
            page = http.get("/auth/dev-login")
            assert page.status_code == 200
            response = http.post(
                "/auth/dev-login",
                data={"username": "sw.redis", "csrf_token": csrf_from(page.text)},
            )
            assert response.status_code == 303, response.text
            cookie = http.cookies.get("brug_session")
        assert cookie
        assert redis_db15.keys("brug-session*"), "no session was written to Redis db 15"

        with httpx.Client(base_url=two.url, timeout=30, cookies={"brug_session": cookie}) as other:
            home = other.get("/")
        assert home.status_code == 200, home.text
        assert "Roos Redisdottir" in home.text
        assert re.search(r'class="who">\s*Roos Redisdottir', home.text)

        with httpx.Client(base_url=two.url, timeout=30) as stranger:
            anonymous = stranger.get("/")
        assert anonymous.status_code == 303
