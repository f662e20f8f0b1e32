"""A server the portal depends on goes away: the portal answers a clear 503 page in Dutch with
``Retry-After`` (no stack trace), logs one line, and works again by itself once the server is
back, without a restart. The faults are real where they can be caused here (a Redis server, the
S3 server, a PostgreSQL cluster and an identity provider of the test's own, stopped and started
again); a locked SQLite database is simulated, as its busy timeout is half a minute."""

from __future__ import annotations

import asyncio
import logging
import sqlite3
from collections.abc import AsyncIterator, Iterator
from contextlib import asynccontextmanager
from pathlib import Path

import asyncpg
import httpx
import pytest
import redis.exceptions
from litestar import Litestar

from portal.accounts.services import load_viewer
from portal.app import create_app
from portal.core.errors import RETRY_AFTER
from portal.core.sessions import RedisSessionStore, SessionData
from portal.core.storage import StorageUnavailable
from portal.core.unavailable import DATABASE, DOCUMENTS, NETWORK, SESSIONS, unavailable
from portal.documents.services import Limits, add_file, client_target
from portal.testing.processes import (
    PortalServer,
    PostgresCluster,
    RedisServer,
    development_env,
    free_port,
    run_portal_ok,
)
from tests.accounts.provider import CLIENT_ID, CLIENT_SECRET, provider
from tests.conftest import login, make_settings, running
from tests.support.factories import make_client, make_org, make_person
from tests.support.s3 import S3Bucket

UNAVAILABLE_TITLE = "Het portaal is momenteel niet beschikbaar"


def assert_clear_503(answer: httpx.Response) -> None:
    assert answer.status_code == 503
    assert answer.headers["retry-after"] == str(RETRY_AFTER)
    assert answer.headers["content-type"].startswith("text/html")
    assert UNAVAILABLE_TITLE in answer.text
    assert "Traceback" not in answer.text and "Exception" not in answer.text


@asynccontextmanager
async def served(app: Litestar) -> AsyncIterator[httpx.AsyncClient]:
    async with running(app):
        transport = httpx.ASGITransport(app=app)
        async with httpx.AsyncClient(transport=transport, base_url="http://testserver") as http:
            yield http


# What counts as a server being down ------------------------------------------------------------


@pytest.mark.parametrize(
    ("error", "server"),
    [
        (asyncpg.exceptions.ConnectionDoesNotExistError("closed in the middle"), DATABASE),
        (asyncpg.exceptions.CannotConnectNowError("the database system is starting up"), DATABASE),
        (asyncpg.exceptions.AdminShutdownError("terminating connection"), DATABASE),
        (sqlite3.OperationalError("database is locked"), DATABASE),
        (redis.exceptions.ConnectionError("Error 111 connecting"), SESSIONS),
        (redis.exceptions.BusyLoadingError("Redis is loading the dataset"), SESSIONS),
        (StorageUnavailable("S3: connection refused"), DOCUMENTS),
        (ConnectionRefusedError(111, "Connection refused"), NETWORK),
    ],
)
def test_a_server_that_cannot_be_reached_is_named(error: Exception, server: str) -> None:
    assert unavailable(error) == server


@pytest.mark.parametrize(
    "error",
    [
        ValueError("a bug"),
        asyncpg.exceptions.UniqueViolationError("duplicate key"),
        asyncpg.exceptions.QueryCanceledError("canceling statement"),
        sqlite3.OperationalError("no such table: client"),
        redis.exceptions.ResponseError("WRONGTYPE"),
        FileNotFoundError(2, "No such file or directory"),
    ],
)
def test_any_other_failure_is_no_outage(error: Exception) -> None:
    assert unavailable(error) is None


async def test_a_refused_connection_is_named_by_the_library_that_made_it() -> None:
    """The database pool connects with plain sockets: the error is the standard library's."""
    with pytest.raises(OSError) as refused:
        await asyncpg.connect(f"postgresql://postgres@127.0.0.1:{free_port()}/none", timeout=5)
    assert unavailable(refused.value) == DATABASE


def test_a_failure_while_handling_an_outage_counts_as_the_outage() -> None:
    try:
        try:
            raise asyncpg.exceptions.ConnectionDoesNotExistError("closed in the middle")
        except asyncpg.exceptions.PostgresError:
            raise RuntimeError("rollback failed") from None
    except RuntimeError as error:
        assert unavailable(error) is None, "`from None` hides the cause"
    try:
        try:
            raise asyncpg.exceptions.ConnectionDoesNotExistError("closed in the middle")
        except asyncpg.exceptions.PostgresError:
            raise RuntimeError("rollback failed")  # noqa: B904 (the point of the test)
    except RuntimeError as error:
        assert unavailable(error) == DATABASE


# Redis: sessions ---------------------------------------------------------------------------------


@pytest.fixture
def own_redis(tmp_path: Path) -> Iterator[RedisServer]:
    with RedisServer(tmp_path / "redis") as server:
        yield server


@pytest.fixture
async def on_redis(tmp_path: Path, own_redis: RedisServer) -> AsyncIterator[httpx.AsyncClient]:
    """A client of an app whose sessions are in ``own_redis``, logged in as a social worker.
    Made before the test: starting an app configures logging, which ``caplog`` must follow."""
    org = await make_org("ocmw-r", "ocmw")
    await make_person("sw.r", org, "social_worker")
    async with served(create_app(make_settings(tmp_path, PORTAL_REDIS_URL=own_redis.url))) as http:
        await login(http, "sw.r")
        yield http


@pytest.mark.slow
async def test_redis_down_gets_a_503_page_and_the_session_works_again_once_it_is_back(
    on_redis: httpx.AsyncClient, own_redis: RedisServer, caplog: pytest.LogCaptureFixture
) -> None:
    own_redis.stop()
    with caplog.at_level(logging.ERROR, logger="portal.errors"):
        down = await on_redis.get("/")
        refused_write = await on_redis.post("/inbox/read", data={"csrf_token": "x"})
    assert_clear_503(down)
    assert_clear_503(refused_write)
    lines = [record.getMessage() for record in caplog.records]
    assert any(line.startswith(f"{SESSIONS} unavailable on GET /:") for line in lines), lines
    assert all(record.exc_info is None for record in caplog.records), "no stack trace"

    own_redis.start()
    back = await on_redis.get("/")
    assert back.status_code == 200, "the same session, kept by Redis, in the same app"
    assert "<title>Start" in back.text


@pytest.mark.slow
async def test_connections_kept_from_before_a_redis_restart_cost_no_request(
    own_redis: RedisServer,
) -> None:
    """Every connection the pool kept is closed by the restart; each is replaced on its first
    use instead of failing that request."""
    store = RedisSessionStore.from_url(own_redis.url, namespace="brug-restart-test")
    try:
        token = "t" * 43
        await store.save(token, SessionData.fresh(7), 60, new=True)
        assert all(await asyncio.gather(*(store.load(token) for _ in range(8))))
        own_redis.stop()
        own_redis.start()
        loaded = await asyncio.gather(*(store.load(token) for _ in range(8)))
        assert [data.person_id if data else None for data in loaded] == [7] * 8
    finally:
        await store.close()


# The document store ------------------------------------------------------------------------------


@pytest.mark.slow
async def test_the_document_store_down_gets_a_503_page_and_works_again_once_it_is_back(
    tmp_path: Path, s3_bucket: S3Bucket
) -> None:
    org = await make_org("ocmw-s", "ocmw")
    holder = await make_person("sw.s", org, "social_worker")
    client_id = await make_client(org, "S", file_holder=holder)
    app = create_app(make_settings(tmp_path, **s3_bucket.env))
    async with served(app) as http:
        viewer = await load_viewer(holder)
        assert viewer is not None
        limits = Limits(store=app.state.storage, max_bytes=1024 * 1024)
        target = await client_target(viewer, client_id)
        cv = b"%PDF-1.4\nCV\n%%EOF\n"
        await add_file(viewer, target, "cv.pdf", [cv], category="cv", limits=limits)
        await login(http, "sw.s")

        s3_bucket.server.stop()
        assert_clear_503(await http.get(f"/clients/{client_id}/export"))
        assert (await http.get(f"/clients/{client_id}")).status_code == 200, "reads without it"

        s3_bucket.server.start()
        export = await http.get(f"/clients/{client_id}/export")
        assert export.status_code == 200
        assert export.content.startswith(b"PK")


# The database ------------------------------------------------------------------------------------


@pytest.fixture
def cluster() -> Iterator[PostgresCluster]:
    with PostgresCluster() as running_cluster:
        running_cluster.create_database("brug")
        yield running_cluster


async def _person_in(url: str) -> None:
    connection = await asyncpg.connect(url)
    try:
        org = await connection.fetchval(
            "INSERT INTO organisation (code, name, kind) VALUES ('ocmw-d', 'OCMW D', 'ocmw')"
            " RETURNING id"
        )
        await connection.execute(
            "INSERT INTO person (username, display_name, email, organisation, roles, active)"
            " VALUES ('sw.d', 'Sam D', 'sw.d@example.org', $1, '{social_worker}', TRUE)",
            org,
        )
    finally:
        await connection.close()


@pytest.mark.slow
def test_postgresql_down_gets_a_503_page_and_the_same_process_works_again_once_it_is_back(
    tmp_path: Path, cluster: PostgresCluster
) -> None:
    env = development_env(tmp_path / "portal", PORTAL_DATABASE_URL=cluster.url("brug"))
    run_portal_ok(env, "migrate")
    asyncio.run(_person_in(cluster.url("brug")))
    with PortalServer(env, free_port()) as server:
        server.wait_until_healthy()
        with httpx.Client(base_url=server.url, timeout=30) as http:
            page = http.get("/auth/dev-login")
            csrf = page.text.split('name="csrf_token" value="', 1)[1].split('"', 1)[0]
            assert http.post(
                "/auth/dev-login", data={"username": "sw.d", "csrf_token": csrf}
            ).is_redirect
            assert http.get("/").status_code == 200

            cluster.stop("immediate")
            assert_clear_503(http.get("/"))
            assert_clear_503(http.get("/clients"))
            assert http.get("/health").status_code == 503

            cluster.start()
            assert http.get("/").status_code == 200
            assert http.get("/clients").status_code == 200
        assert server.process is not None and server.process.poll() is None, "never restarted"
        log = server.output
    assert f"{DATABASE} unavailable on GET /" in log or f"{NETWORK} unavailable on GET /" in log
    assert "Traceback" not in log.split("unavailable on GET /", 1)[1].split("\n", 2)[1]


async def test_a_locked_sqlite_database_gets_a_503_page(
    client: httpx.AsyncClient, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Simulated: SQLite gives up on a lock only after its busy timeout (30 s)."""
    org = await make_org("ocmw-l", "ocmw")
    await make_person("sw.l", org, "social_worker")
    await login(client, "sw.l")

    async def locked(_person_id: int) -> None:
        raise sqlite3.OperationalError("database is locked")

    import portal.accounts.auth as auth

    auth.forget_all_viewers()
    monkeypatch.setattr(auth, "load_viewer", locked)
    assert_clear_503(await client.get("/"))
    monkeypatch.undo()
    assert (await client.get("/")).status_code == 200


# The identity provider ---------------------------------------------------------------------------


async def test_a_login_while_the_provider_is_down_gets_a_clear_page(tmp_path: Path) -> None:
    with provider() as idp:
        app = create_app(
            make_settings(
                tmp_path,
                PORTAL_OIDC_ISSUER=idp.issuer,
                PORTAL_OIDC_CLIENT_ID=CLIENT_ID,
                PORTAL_OIDC_CLIENT_SECRET=CLIENT_SECRET,
            )
        )
        async with served(app) as http:
            start = await http.get("/auth/login", params={"via": "oidc"})
            assert start.status_code == 302
            assert start.headers["location"].startswith(idp.issuer)

            idp.stop()
            again = await http.get("/auth/login", params={"via": "oidc"})
    assert again.status_code == 503, "not a redirect to a provider that is not there"
    assert "Aanmelden lukt nu niet" in again.text
    assert "Traceback" not in again.text
