"""``portal serve`` and ``portal check`` as real processes: start-up refusals, graceful stop,
sessions shared between two server processes through Redis, limits on a request's head,
trusted proxies and an access log without query strings."""

from __future__ import annotations

import asyncio
import itertools
import re
import signal
import socket
import sqlite3
import subprocess
import sys
import threading
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest
from uvicorn.server import ServerState

from portal.core.serving import HEAD_TIMEOUT, HeadLimitedProtocol, ServeConfig
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
from tests.support.redis_server import OwnRedis

pytestmark = pytest.mark.slow

STOP_LIMIT = 10.0


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
    "hostname-as-trusted-proxy": (
        {"PORTAL_TRUSTED_PROXIES": "lb.example.be"},
        "PORTAL_TRUSTED_PROXIES",
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
    tmp_path: Path, own_redis: OwnRedis
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
            PORTAL_REDIS_URL=own_redis.url,
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
        assert own_redis.client.keys("brug-session*"), "no session was written to Redis"

        with httpx.Client(base_url=two.url, timeout=30, cookies={"brug_session": cookie}) as other:
            home = other.get("/")
        assert home.status_code == 200, home.text
        assert "Roos Redisdottir" in home.text
        assert re.search(r'class="who">\s*Roos Redisdottir', home.text)

        with httpx.Client(base_url=two.url, timeout=30) as stranger:
            anonymous = stranger.get("/")
        assert anonymous.status_code == 303


# The request head: a deadline and a size limit (slowloris) ---------------------------------

CLOSE_DEADLINE = 3 * HEAD_TIMEOUT + 10
"""How long a test waits for the server to close a connection: generous, never a measurement."""


@pytest.fixture(scope="module")
def served(migrated: Path) -> Iterator[PortalServer]:
    """One portal with the default limits, serving the module's database."""
    with PortalServer(development_env(migrated), free_port()) as server:
        server.wait_until_healthy()
        yield server


def _closed_while_trickling(sock: socket.socket, trickle: Iterator[int]) -> bool:
    """Send one byte of ``trickle`` about every half second until the server closes the
    connection (``True``) or ``CLOSE_DEADLINE`` passes (``False``). Each byte comes long before
    any per-read timeout would fire: only a deadline on the whole head stops this client."""
    sock.settimeout(0.5)
    deadline = time.monotonic() + CLOSE_DEADLINE
    for byte in trickle:
        if time.monotonic() > deadline:
            return False
        try:
            sock.sendall(bytes([byte]))
            if sock.recv(4096) == b"":
                return True
        except TimeoutError:
            continue
        except (BrokenPipeError, ConnectionResetError):
            return True
    return False


def _read_answer(sock: socket.socket, timeout: float = 30) -> tuple[bytes, bool]:
    """What the server sends until it closes the connection, and whether it did close it."""
    sock.settimeout(timeout)
    answer = b""
    try:
        while chunk := sock.recv(65536):
            answer += chunk
    except TimeoutError:
        return answer, False
    except ConnectionResetError:
        pass
    return answer, True


def _one_response(sock: socket.socket) -> bytes:
    """One response with a Content-Length, leaving the connection open."""
    sock.settimeout(30)
    data = b""
    while b"\r\n\r\n" not in data:
        data += sock.recv(4096)
    head, _, body = data.partition(b"\r\n\r\n")
    length = re.search(rb"(?i)content-length: *(\d+)", head)
    assert length, head
    while len(body) < int(length.group(1)):
        body += sock.recv(4096)
    return head


def test_a_client_trickling_its_request_head_is_cut_off(served: PortalServer) -> None:
    rest = b"TP/1.1\r\nHost: 127.0.0.1\r\nX-Slow: "
    with socket.create_connection(("127.0.0.1", served.port)) as sock:
        sock.sendall(b"GET /health HT")
        trickle = itertools.chain(rest, itertools.repeat(ord("a")))
        assert _closed_while_trickling(sock, trickle), "the server kept the trickling client"


def test_a_trickled_second_request_on_a_kept_alive_connection_is_cut_off(
    served: PortalServer,
) -> None:
    with socket.create_connection(("127.0.0.1", served.port)) as sock:
        sock.sendall(b"GET /health HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n")
        assert _one_response(sock).startswith(b"HTTP/1.1 200 ")
        trickle = itertools.chain(b"GET /health HTTP/1.1\r\nX-Slow: ", itertools.repeat(ord("a")))
        assert _closed_while_trickling(sock, trickle), "the server kept the trickling client"


def test_a_kept_alive_connection_outlives_a_pause_between_two_clicks(
    served: PortalServer,
) -> None:
    """uvicorn's own default closes an idle connection after 5 s; a request sent on it just then
    meets a reset."""
    with socket.create_connection(("127.0.0.1", served.port)) as sock:
        sock.sendall(b"GET /health HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n")
        assert _one_response(sock).startswith(b"HTTP/1.1 200 ")
        time.sleep(7)
        sock.sendall(b"GET /health HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n")
        sock.settimeout(30)
        answer = sock.recv(4096)
    assert answer.startswith(b"HTTP/1.1 200 "), f"the idle connection was closed: {answer!r}"


def test_a_request_head_of_100_kb_is_refused(served: PortalServer) -> None:
    headers = b"".join(b"X-Big-%d: %s\r\n" % (i, b"b" * 1000) for i in range(100))
    with socket.create_connection(("127.0.0.1", served.port)) as sock:
        try:
            sock.sendall(b"GET /health HTTP/1.1\r\nHost: 127.0.0.1\r\n" + headers + b"\r\n")
            answer, closed = _read_answer(sock)
        except (BrokenPipeError, ConnectionResetError):
            answer, closed = b"", True
    assert closed, f"connection left open after {answer[:60]!r}"
    assert answer == b"" or answer.startswith(b"HTTP/1.1 431 "), answer[:200]


def test_ordinary_requests_still_work(served: PortalServer) -> None:
    with httpx.Client(base_url=served.url, timeout=30) as http:
        assert http.get("/health").status_code == 200
        assert http.get("/health", headers={"X-Large": "c" * 8000}).status_code == 200
        page = http.get("/auth/dev-login")
        assert page.status_code == 200
        # A form body after the head: read and answered (the unknown person is refused).
        form = {"username": "nobody", "csrf_token": csrf_from(page.text)}
        assert http.post("/auth/dev-login", data=form).status_code < 500


class _Transport(asyncio.Transport):
    """What the protocol needs of a connection; records what it writes and whether it closed."""

    def __init__(self) -> None:
        super().__init__()
        self.written = bytearray()
        self.closed = False
        self.closing = asyncio.Event()

    def get_extra_info(self, name: str, default: Any = None) -> Any:
        addresses = {"peername": ("127.0.0.1", 50000), "sockname": ("127.0.0.1", 8000)}
        return addresses.get(name, default)

    def write(self, data: bytes | bytearray | memoryview) -> None:
        self.written += data

    def close(self) -> None:
        self.closed = True
        self.closing.set()

    def is_closing(self) -> bool:
        return self.closed

    def pause_reading(self) -> None:
        pass

    def resume_reading(self) -> None:
        pass


async def test_the_head_deadline_spares_slow_bodies_and_long_responses() -> None:
    """The deadline ends with the head: a body sent slowly and a response that takes a while
    (server-sent events) run past it; the next request's head on the connection has its own."""
    timeout = 0.2
    release = asyncio.Event()

    async def app(scope: dict[str, Any], receive: Any, send: Any) -> None:
        if scope["type"] != "http":
            return
        body = b""
        while True:
            message = await receive()
            body += message.get("body", b"")
            if not message.get("more_body"):
                break
        if scope["path"] == "/slow":
            await release.wait()
        await send({"type": "http.response.start", "status": 200, "headers": []})
        await send({"type": "http.response.body", "body": b"got " + body})

    config = ServeConfig(app, head_timeout=timeout, log_config=None, proxy_headers=False)
    config.load()
    transport = _Transport()
    state = ServerState()
    protocol = HeadLimitedProtocol(config, state, {}, asyncio.get_running_loop())
    protocol.connection_made(transport)

    protocol.data_received(b"POST /slow HTTP/1.1\r\nHost: x\r\nContent-Length: 4\r\n\r\n")
    for byte in b"abcd":
        await asyncio.sleep(timeout)
        protocol.data_received(bytes([byte]))
    await asyncio.sleep(3 * timeout)
    assert not transport.closed, "a slow body or a long response was cut off"
    release.set()
    async with asyncio.timeout(10):
        await asyncio.gather(*state.tasks)
    assert transport.written.startswith(b"HTTP/1.1 200 ")
    assert b"got abcd" in transport.written
    assert not transport.closed

    protocol.data_received(b"GET /slow HT")
    try:
        async with asyncio.timeout(10):  # generous: the deadline is 0.2 s
            await transport.closing.wait()
    except TimeoutError:
        pytest.fail("the next request's head on the connection had no deadline")
    protocol.connection_lost(None)


def test_serve_refuses_a_bad_trusted_proxy_in_one_line(tmp_path: Path) -> None:
    env = development_env(tmp_path, PORTAL_TRUSTED_PROXIES="*")
    result = run_command(
        [PORTAL, "serve", "--host", "127.0.0.1", "--port", str(free_port())],
        env,
        cwd=tmp_path,
        timeout=120,
    )
    assert result.returncode == 2
    lines = result.stderr.splitlines()
    assert len(lines) == 1 and "PORTAL_TRUSTED_PROXIES" in lines[0], result.stderr


def test_the_old_forwarded_allow_ips_option_points_to_the_variable(tmp_path: Path) -> None:
    result = run_command(
        [PORTAL, "serve", "--forwarded-allow-ips", "10.0.0.1"],
        development_env(tmp_path),
        cwd=tmp_path,
        timeout=120,
    )
    assert result.returncode == 2
    lines = result.stderr.splitlines()
    assert len(lines) == 1 and "PORTAL_TRUSTED_PROXIES" in lines[0], result.stderr


# Trusted proxies and the access log ----------------------------------------------------------


@pytest.mark.parametrize(
    ("trusted", "logged_client"),
    [
        ("", "127.0.0.1:"),
        ("10.0.0.0/8, 192.168.1.1", "127.0.0.1:"),
        ("127.0.0.1", "6.6.6.6:"),
        ("10.0.0.0/8, 127.0.0.0/8", "6.6.6.6:"),
    ],
    ids=["none", "others", "loopback", "loopback-range"],
)
def test_x_forwarded_for_counts_only_from_trusted_proxies(
    migrated: Path, trusted: str, logged_client: str
) -> None:
    env = development_env(migrated, PORTAL_TRUSTED_PROXIES=trusted)
    with PortalServer(env, free_port()) as server:
        server.wait_until_healthy()
        httpx.get(
            f"{server.url}/forwarded-probe",
            headers={"X-Forwarded-For": "6.6.6.6", "X-Forwarded-Proto": "https"},
            timeout=30,
        )
        line = server.wait_for_line(lambda text: '"GET /forwarded-probe HTTP/1.1"' in text)
    assert f"{logged_client}" in line.split(' - "')[0], line
    if logged_client.startswith("127."):
        assert "6.6.6.6" not in server.output


def test_client_search_words_stay_out_of_the_server_log(tmp_path: Path) -> None:
    env = development_env(tmp_path)
    run_portal_ok(env, "migrate")
    _add_person(env, "sw.zoeker", "Zoë Zoeker")
    with PortalServer(env, free_port()) as server:
        server.wait_until_healthy()
        with httpx.Client(base_url=server.url, timeout=30) as http:
            assert http.get("/clients", params={"q": "SecretName"}).status_code == 303
            page = http.get("/auth/dev-login")
            login = http.post(
                "/auth/dev-login",
                data={"username": "sw.zoeker", "csrf_token": csrf_from(page.text)},
            )
            assert login.status_code == 303, login.text
            found = http.get("/clients", params={"q": "SecretName", "page": "1"})
            assert found.status_code == 200
            http.get("/clients/1", params={"before": "SecretCursor"})
        server.wait_for_line(lambda text: '"GET /clients HTTP/1.1" 200' in text)
        server.wait_for_line(lambda text: '"GET /clients/1 HTTP/1.1"' in text)
    assert '"GET /clients HTTP/1.1" 303' in server.output
    assert "SecretName" not in server.output
    assert "SecretCursor" not in server.output
