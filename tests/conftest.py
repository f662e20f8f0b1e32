"""Test database and app wiring.

The suite runs against the database named by ``PORTAL_TEST_DATABASE_URL`` (SQLite in a temporary
folder by default; ``make test`` runs it once more on PostgreSQL). Each pytest-xdist worker has a
database of its own (``<name>_<worker>`` on PostgreSQL, its own file on SQLite). Piccolo binds
tables to the engine at import, so the URL is put in the environment before anything from
``portal`` is imported. Each test starts from empty tables; which tables comes from the registry.
"""

from __future__ import annotations

import asyncio
import contextlib
import os
import re
import sqlite3
import tempfile
from collections.abc import AsyncIterator, Iterator
from contextlib import asynccontextmanager
from pathlib import Path
from urllib.parse import urlparse

import pytest

_TMP = Path(tempfile.mkdtemp(prefix="brug-tests-"))
WORKER = os.environ.get("PYTEST_XDIST_WORKER", "main")
_BASE_URL = os.environ.get("PORTAL_TEST_DATABASE_URL")


def _worker_url(base: str | None) -> str:
    if not base or base.startswith("sqlite"):
        return f"sqlite:///{_TMP}/test-{WORKER}.sqlite3"
    parsed = urlparse(base)
    return parsed._replace(path=f"{parsed.path}_{WORKER}").geturl()


TEST_DATABASE_URL = _worker_url(_BASE_URL)


def _recreate_postgres_database(url: str) -> None:
    import asyncio

    import asyncpg

    parsed = urlparse(url)
    name = parsed.path.lstrip("/")
    if not re.fullmatch(r"[a-z0-9_]+", name):
        raise RuntimeError(f"refusing odd test database name {name!r}")
    admin_dsn = url.replace(f"/{name}", "/postgres", 1)

    async def recreate() -> None:
        conn = await asyncpg.connect(admin_dsn)
        try:
            await conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
            await conn.execute(f'CREATE DATABASE "{name}"')
            # A throwaway database: a commit need not wait for the disk (nothing is lost but
            # durability after a crash, which a test database does not need).
            await conn.execute(f'ALTER DATABASE "{name}" SET synchronous_commit = off')
        finally:
            await conn.close()

    asyncio.run(recreate())


if TEST_DATABASE_URL.startswith("postgres"):
    _recreate_postgres_database(TEST_DATABASE_URL)
os.environ["PORTAL_DATABASE_URL"] = TEST_DATABASE_URL
os.environ["PICCOLO_CONF"] = "portal.piccolo_conf"

import httpx  # noqa: E402
from litestar import Litestar  # noqa: E402

from portal import domains  # noqa: E402
from portal.accounts.auth import forget_all_viewers  # noqa: E402
from portal.app import create_app  # noqa: E402
from portal.core import db, prepared  # noqa: E402
from portal.core.storage.local import LocalDocumentStore  # noqa: E402
from portal.settings import Settings, load_settings  # noqa: E402
from portal.signals.workflow import THEMES  # noqa: E402
from portal.testing.processes import SeaweedServer  # noqa: E402
from tests.support.redis_server import OwnRedis, own_redis_server  # noqa: E402
from tests.support.s3 import S3Bucket, fresh_bucket  # noqa: E402

TABLES = tuple(table._meta.tablename for table in domains.tables())
STANDING_DATA = (
    "INSERT INTO signal_theme (code, name, deadline, position, active) VALUES "
    + ", ".join(
        f"('{theme.code}', '', {theme.deadline}, {position}, TRUE)"
        for position, theme in enumerate(THEMES)
    )
)
"""What the migrations write besides tables (the standard signal themes), written again after
each test empties the tables."""


@pytest.fixture(scope="session", autouse=True)
async def migrated_database() -> AsyncIterator[None]:
    from piccolo.apps.migrations.commands.forwards import run_forwards

    await db.start()
    result = await run_forwards(app_name="all")
    assert result.success, result.message
    yield
    await db.stop()


def _empty_sqlite() -> None:
    """Every table emptied in one script on one connection (Piccolo's SQLite engine opens a
    connection and a thread per statement, which made emptying a noticeable part of each test)."""
    path = urlparse(TEST_DATABASE_URL).path
    with contextlib.closing(sqlite3.connect(path)) as connection:
        connection.executescript(
            "BEGIN; "
            + " ".join(f'DELETE FROM "{table}";' for table in TABLES)
            + f" {STANDING_DATA}; COMMIT;"
        )


@pytest.fixture(autouse=True)
async def empty_tables(migrated_database: None) -> AsyncIterator[None]:
    prepared.configure(verify=True)  # an app made for production switched it off
    yield
    forget_all_viewers()
    if db.is_sqlite():
        _empty_sqlite()
    else:
        await db.DB.run_ddl("TRUNCATE " + ", ".join(f'"{t}"' for t in TABLES) + " RESTART IDENTITY")
        await db.DB.run_ddl(STANDING_DATA)


def make_settings(tmp_path: Path, **overrides: str) -> Settings:
    env = {
        "PORTAL_DATABASE_URL": TEST_DATABASE_URL,
        "PORTAL_VAR_DIR": str(tmp_path / "var"),
        **overrides,
    }
    return load_settings(env)


@pytest.fixture(scope="session")
def shared_settings(tmp_path_factory: pytest.TempPathFactory) -> Settings:
    return make_settings(tmp_path_factory.mktemp("shared"))


@pytest.fixture
def settings(shared_settings: Settings) -> Settings:
    """The settings of this worker's shared app. A test that needs others overrides this
    fixture (or calls ``make_settings`` and ``create_app`` itself) and gets an app of its own."""
    return shared_settings


@pytest.fixture(scope="session")
def seaweed(tmp_path_factory: pytest.TempPathFactory) -> Iterator[SeaweedServer]:
    """This worker's S3 server (SeaweedFS), started when a test first asks for it."""
    with SeaweedServer(tmp_path_factory.mktemp("seaweed")) as server:
        yield server


@pytest.fixture
def s3_bucket(seaweed: SeaweedServer) -> Iterator[S3Bucket]:
    """A fresh bucket for this test. An app on it: ``create_app(make_settings(tmp_path,
    **s3_bucket.env))``, or override ``settings`` with those to have ``app`` and ``client`` on it.
    The test may stop the server; it is started again afterwards and the bucket removed."""
    seaweed.start()
    bucket = fresh_bucket(seaweed)
    yield bucket
    seaweed.start()
    if bucket.client.bucket_exists(bucket.name):
        bucket.remove()


async def _serve_lifespan(application: Litestar, ready: asyncio.Event, stop: asyncio.Event) -> None:
    async with application.lifespan():
        ready.set()
        await stop.wait()


@asynccontextmanager
async def running(application: Litestar) -> AsyncIterator[Litestar]:
    """Run the app's lifespan in one task of its own: its task group must start and end there."""
    ready, stop = asyncio.Event(), asyncio.Event()
    task = asyncio.create_task(_serve_lifespan(application, ready, stop))
    waiter = asyncio.create_task(ready.wait())
    await asyncio.wait({task, waiter}, return_when=asyncio.FIRST_COMPLETED)
    if task.done():
        waiter.cancel()
        task.result()
    try:
        yield application
    finally:
        stop.set()
        await task


@pytest.fixture(scope="session")
async def shared_app(shared_settings: Settings) -> AsyncIterator[Litestar]:
    """One app per worker for the tests on the default settings: building an app registers
    every route again (about half a second), most of a short test. Tests share no state through
    it: the tables are emptied, the viewers forgotten and each test's HTTP client has its own
    cookies."""
    async with running(create_app(shared_settings)) as application:
        yield application


@pytest.fixture
async def app(
    settings: Settings, shared_settings: Settings, shared_app: Litestar, tmp_path: Path
) -> AsyncIterator[Litestar]:
    """This worker's shared app with a document folder of this test's own, or, for a test
    that overrides ``settings``, an app of its own."""
    if settings is shared_settings:
        store = LocalDocumentStore(tmp_path / "documents")
        store.prepare()
        kept = shared_app.state.storage
        shared_app.state.storage = store
        try:
            yield shared_app
        finally:
            shared_app.state.storage = kept
        return
    async with running(create_app(settings)) as application:
        yield application


@pytest.fixture
async def client(app: Litestar) -> AsyncIterator[httpx.AsyncClient]:
    """An HTTP client driving the app in the test's own event loop (see STACK-NOTES)."""
    transport = httpx.ASGITransport(app=app)
    async with httpx.AsyncClient(transport=transport, base_url="http://testserver") as http:
        yield http


CSRF_RE = re.compile(r'name="csrf_token" value="([^"]+)"')


def csrf_from(html: str) -> str:
    match = CSRF_RE.search(html)
    assert match, "page has no CSRF token"
    return match.group(1)


async def login(http: httpx.AsyncClient, username: str) -> str:
    """Log in through the development login; returns the session's CSRF token."""
    page = await http.get("/auth/dev-login")
    assert page.status_code == 200
    response = await http.post(
        "/auth/dev-login", data={"username": username, "csrf_token": csrf_from(page.text)}
    )
    assert response.status_code == 303, response.text
    home = await http.get("/")
    assert home.status_code == 200
    return csrf_from(home.text)


BROWSER_GROUPS = {
    "test_accessibility": "browser-a",
    "test_question_journey": "browser-a",
    "test_document_journey": "browser-a",
    "test_oidc_journey": "browser-a",
    "test_journeys": "browser-a",
}
"""Browser journeys share a served portal and a Chromium per worker, in two groups (the rest are
``browser-b``) so that the two workers of a pass each drive one browser."""


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    for item in items:
        if item.get_closest_marker("e2e"):
            group = BROWSER_GROUPS.get(item.module.__name__.rsplit(".", 1)[-1], "browser-b")
            item.add_marker(pytest.mark.xdist_group(group))


@pytest.fixture
def own_redis(tmp_path_factory: pytest.TempPathFactory) -> Iterator[OwnRedis]:
    """A Redis server of this test's own (``tests/support/redis_server.py``)."""
    with own_redis_server(tmp_path_factory.mktemp("redis")) as server:
        yield server
