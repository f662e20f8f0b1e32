"""CSRF: anonymous forms carry a token bound to a signed cookie; refusals come before the body.

Findings 4 and 5 of issue 8: anonymous pages store nothing on the server, and an unsafe request is
refused before its body is read when it cannot carry a valid token (no session, no anonymous
cookie) or says it is cross-site; a form is read within its route's limits (413 past them).
"""

from __future__ import annotations

import asyncio
import contextlib
import re
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import httpx
import pytest
import uvicorn
from litestar import Litestar, Request, get, post

from portal.app import create_app
from portal.core.forms import FORM_MAX_BYTES_OPT, form_fields
from portal.core.security import CSRF_FROM_STREAM, CSRF_PENDING, check_csrf, verify_csrf
from portal.core.sessions import FileSessionStore, SessionMiddleware, session_of
from portal.testing.processes import free_port
from tests.conftest import csrf_from, login, make_settings, running
from tests.support.factories import build_world

SESSION_COOKIE = "brug_session"
CSRF_COOKIE = "brug_session_csrf"
FORM = {"Content-Type": "application/x-www-form-urlencoded"}


def _set_cookies(response: httpx.Response) -> str:
    return "\n".join(response.headers.get_list("set-cookie"))


async def _anonymous_token(client: httpx.AsyncClient, path: str = "/auth/dev-login") -> str:
    page = await client.get(path)
    assert page.status_code == 200
    return csrf_from(page.text)


# The anonymous token ---------------------------------------------------------------------------


async def test_anonymous_forms_carry_a_token_bound_to_a_signed_cookie(
    client: httpx.AsyncClient,
) -> None:
    await build_world()
    page = await client.get("/auth/dev-login")
    cookies = _set_cookies(page)
    assert f"{CSRF_COOKIE}=" in cookies and f"{SESSION_COOKIE}=" not in cookies
    assert "HttpOnly" in cookies and "samesite=lax" in cookies.lower()
    assert "Secure" not in cookies
    token = csrf_from(page.text)
    assert token not in client.cookies[CSRF_COOKIE], "the form token is not the cookie's value"

    again = await client.get("/auth/login")
    assert csrf_from(again.text) == token, "one cookie, one token, on every anonymous page"
    assert CSRF_COOKIE not in _set_cookies(again)

    language = await client.post("/language", data={"lang": "en", "next": "/", "csrf_token": token})
    assert language.status_code == 303
    assert "brug_lang=en" in _set_cookies(language)
    logged_in = await client.post("/auth/dev-login", data={"username": "sw.a", "csrf_token": token})
    assert logged_in.status_code == 303
    assert (await client.get("/")).status_code == 200


async def test_anonymous_posts_without_the_cookie_or_with_another_token_are_refused(
    client: httpx.AsyncClient, app: Litestar
) -> None:
    await build_world()
    token = await _anonymous_token(client)
    cookie = client.cookies[CSRF_COOKIE]
    nonce = cookie.partition(".")[0]

    client.cookies.clear()
    refused = await client.post("/auth/dev-login", data={"username": "sw.a", "csrf_token": token})
    assert refused.status_code == 403

    other = httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url="http://testserver")
    async with other:
        other_token = await _anonymous_token(other)
    client.cookies.set(CSRF_COOKIE, cookie)
    wrong = await client.post("/language", data={"lang": "en", "csrf_token": other_token})
    assert wrong.status_code == 403, "a token is bound to its own cookie"
    assert (await client.post("/language", data={"lang": "en"})).status_code == 403

    client.cookies.set(CSRF_COOKIE, f"{nonce}.forged-signature")
    forged = await client.post("/language", data={"lang": "en", "csrf_token": token})
    assert forged.status_code == 403, "a cookie the server did not sign carries no token"
    assert (await client.get("/")).status_code == 303


async def test_a_logged_in_session_uses_its_server_side_token(client: httpx.AsyncClient) -> None:
    await build_world()
    anonymous = await _anonymous_token(client)
    session_token = await login(client, "sw.a")
    assert session_token != anonymous
    refused = await client.post("/auth/logout", data={"csrf_token": anonymous})
    assert refused.status_code == 403, "once logged in, only the session's token counts"
    assert (await client.get("/")).status_code == 200
    logout = await client.post("/auth/logout", data={"csrf_token": session_token})
    assert logout.status_code == 303
    assert (await client.get("/")).status_code == 303


# Refused before the body -----------------------------------------------------------------------


class _Exchange:
    """One request sent straight to the app's ASGI interface, counting how often it reads."""

    def __init__(self, *, body_chunk: bytes = b"lang=en&" * 1000) -> None:
        self.reads = 0
        self.body_chunk = body_chunk
        self.messages: list[dict[str, Any]] = []

    async def receive(self) -> dict[str, Any]:
        self.reads += 1
        if self.reads > 100_000:
            return {"type": "http.disconnect"}
        return {"type": "http.request", "body": self.body_chunk, "more_body": True}

    async def send(self, message: Any) -> None:
        self.messages.append(message)

    @property
    def status(self) -> int:
        return int(self.messages[0]["status"])

    async def post(self, app: Litestar, path: str, headers: dict[str, str]) -> int:
        scope = {
            "type": "http",
            "asgi": {"version": "3.0"},
            "http_version": "1.1",
            "method": "POST",
            "scheme": "http",
            "path": path,
            "raw_path": path.encode(),
            "root_path": "",
            "query_string": b"",
            "headers": [(k.lower().encode(), v.encode()) for k, v in headers.items()],
            "client": ("127.0.0.1", 50000),
            "server": ("testserver", 80),
            "state": {},
        }
        await app(scope, self.receive, self.send)  # type: ignore[arg-type]
        return self.status


@pytest.mark.parametrize(
    ("case", "expected"),
    [
        ("no cookie at all", 403),
        ("a cookie the server did not sign", 403),
        ("cross-site, with a valid cookie and token", 403),
        ("announced body over the limit", 413),
    ],
)
async def test_refusals_come_before_the_body_is_read(
    client: httpx.AsyncClient, app: Litestar, case: str, expected: int
) -> None:
    token = await _anonymous_token(client, "/auth/login")
    cookie = f"{CSRF_COOKIE}={client.cookies[CSRF_COOKIE]}"
    headers = {**FORM, "Content-Length": str(1024 * 1024), "X-Probe": case}
    if case == "a cookie the server did not sign":
        headers["Cookie"] = f"{CSRF_COOKIE}=made-up.value"
    elif case == "cross-site, with a valid cookie and token":
        headers |= {"Cookie": cookie, "Sec-Fetch-Site": "cross-site", "X-CSRF-Token": token}
    elif case == "announced body over the limit":
        headers["Cookie"] = cookie
    exchange = _Exchange()
    assert await exchange.post(app, "/language", headers) == expected
    assert exchange.reads == 0, "the body was read before the refusal"
    body = b"".join(m.get("body", b"") for m in exchange.messages[1:]).decode()
    assert "<h1>" in body, "the refusal is the portal's error page"


async def test_forms_over_the_size_or_field_limit_get_413(client: httpx.AsyncClient) -> None:
    token = await _anonymous_token(client)
    too_big = await client.post(
        "/language", data={"lang": "en", "csrf_token": token, "padding": "x" * 70_000}
    )
    assert too_big.status_code == 413
    assert "<h1>" in too_big.text
    many = {f"f{i}": "1" for i in range(250)} | {"lang": "en", "csrf_token": token}
    assert (await client.post("/language", data=many)).status_code == 413
    with_header = await client.post(
        "/language",
        data={"lang": "en", "padding": "x" * 70_000},
        headers={"X-CSRF-Token": token},
    )
    assert with_header.status_code == 413, "the handler reads its form within the limits too"
    within = await client.post("/language", data={"lang": "en", "csrf_token": token})
    assert within.status_code == 303


# Over real HTTP: a large upload does not hold up the server -------------------------------------


@contextlib.asynccontextmanager
async def served(tmp_path: Path) -> AsyncIterator[str]:
    """The portal served by uvicorn in this event loop (as tests/accounts/provider.py does)."""
    port = free_port()
    url = f"http://127.0.0.1:{port}"
    settings = make_settings(tmp_path, PORTAL_BASE_URL=url)
    config = uvicorn.Config(
        create_app(settings), host="127.0.0.1", port=port, log_level="warning", lifespan="on"
    )
    server = uvicorn.Server(config)
    task = asyncio.create_task(server.serve())
    while not server.started:
        if task.done():
            task.result()
            raise RuntimeError("the portal stopped before it started")
        await asyncio.sleep(0.01)
    try:
        yield url
    finally:
        server.should_exit = True
        await task


@pytest.mark.parametrize(("with_cookie", "expected"), [(False, 403), (True, 413)])
async def test_a_large_post_is_refused_while_it_is_sent_and_health_answers_meanwhile(
    tmp_path: Path, with_cookie: bool, expected: int
) -> None:
    """A form of many megabytes in 64 KiB chunks: the portal answers it while it is still being
    sent (without a cookie before the body, with one after the first 64 KiB), and ``/health``
    answers in between.

    The upload goes over a plain HTTP/1.1 connection: httpx reads an answer only once it has sent
    the whole body, and here the body is never finished (a reader that waited for it would wait
    until the safety timeout and fail)."""
    chunk = b"&".join([b"f=1"] * 16_384)  # 64 KiB of fields
    async with served(tmp_path) as url, httpx.AsyncClient(base_url=url, timeout=10) as http:
        cookie = ""
        if with_cookie:
            await _anonymous_token(http)
            cookie = f"Cookie: {CSRF_COOKIE}={http.cookies[CSRF_COOKIE]}\r\n"
        port = int(url.rsplit(":", 1)[1])
        reader, writer = await asyncio.open_connection("127.0.0.1", port)
        try:
            writer.write(
                (
                    "POST /language HTTP/1.1\r\n"
                    f"Host: 127.0.0.1:{port}\r\n"
                    "Content-Type: application/x-www-form-urlencoded\r\n"
                    "Transfer-Encoding: chunked\r\n"
                    f"{cookie}\r\n"
                ).encode()
            )
            for _ in range(4):
                writer.write(b"%x\r\n%s\r\n" % (len(chunk), chunk))
                await writer.drain()
            health = await http.get("/health")
            assert health.status_code == 200, "/health answers while the upload is under way"
            status_line = await asyncio.wait_for(reader.readline(), timeout=30)
            head = await asyncio.wait_for(reader.readuntil(b"\r\n\r\n"), timeout=30)
            length = re.search(rb"content-length: (\d+)", head.lower())
            assert length is not None
            page = await asyncio.wait_for(reader.readexactly(int(length.group(1))), timeout=30)
        finally:
            writer.close()
    assert status_line.split()[1] == str(expected).encode(), status_line
    assert b"<h1>" in page, "the refusal is the portal's error page"


# The hook for streamed bodies and larger limits ------------------------------------------------


@get("/token", opt={"public": True})
async def _token_page(request: Request) -> str:
    return session_of(request.scope).csrf_token()


@post("/upload", opt={"public": True, CSRF_FROM_STREAM: True}, status_code=200)
async def _upload(request: Request) -> str:
    """Stands in for the document upload: its token arrives with the stream (here a header of
    its own, for brevity), and it verifies before reading."""
    pending = bool(request.scope.get(CSRF_PENDING))  # type: ignore[misc]
    verify_csrf(request, request.headers.get("x-first-part-token"))
    received = len(await request.body())
    return f"pending={pending} received={received}"


@post("/large-form", opt={"public": True, FORM_MAX_BYTES_OPT: 256 * 1024}, status_code=200)
async def _large_form(request: Request) -> str:
    return str(len((await form_fields(request))["text"]))


@pytest.fixture
async def hook_app(tmp_path: Path) -> AsyncIterator[httpx.AsyncClient]:
    settings = make_settings(tmp_path)
    store = FileSessionStore(tmp_path / "sessions")
    application = Litestar(
        route_handlers=[_token_page, _upload, _large_form],
        middleware=[SessionMiddleware(store, settings.session, secret_key="k" * 40, secure=False)],
        before_request=check_csrf,
        exception_handlers={},
        debug=False,
    )
    application.state.update(
        {"settings": settings, "jinja": None, "navigation": None, "context_check": None}
    )
    async with running(application):
        transport = httpx.ASGITransport(app=application)
        async with httpx.AsyncClient(transport=transport, base_url="http://testserver") as http:
            yield http


async def test_a_streamed_route_verifies_the_token_it_reads_itself(
    hook_app: httpx.AsyncClient,
) -> None:
    token = (await hook_app.get("/token")).text
    file = {"Content-Type": "application/octet-stream"}
    accepted = await hook_app.post(
        "/upload", content=b"x" * 100_000, headers={**file, "X-First-Part-Token": token}
    )
    assert accepted.status_code == 200
    assert accepted.text == "pending=True received=100000"
    refused = await hook_app.post(
        "/upload", content=b"x", headers={**file, "X-First-Part-Token": "wrong"}
    )
    assert refused.status_code == 403
    by_header = await hook_app.post(
        "/upload",
        content=b"x",
        headers={**file, "X-CSRF-Token": token, "X-First-Part-Token": token},
    )
    assert by_header.text.startswith("pending=False")
    hook_app.cookies.clear()
    no_cookie = await hook_app.post(
        "/upload", content=b"x", headers={**file, "X-First-Part-Token": token}
    )
    assert no_cookie.status_code == 403, "without a cookie, refused before the handler runs"


async def test_a_route_may_declare_a_larger_form_limit(hook_app: httpx.AsyncClient) -> None:
    token = (await hook_app.get("/token")).text
    text = "x" * 100_000
    response = await hook_app.post("/large-form", data={"text": text, "csrf_token": token})
    assert response.status_code == 200 and response.text == "100000"
    too_big = await hook_app.post("/large-form", data={"text": text * 3, "csrf_token": token})
    assert too_big.status_code == 413
