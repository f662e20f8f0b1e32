from __future__ import annotations

import hashlib
import json
import re
import time
from pathlib import Path

import httpx
import pytest

from portal.app import create_app
from portal.testing.processes import free_port
from tests.conftest import csrf_from, login, make_settings, running
from tests.support.factories import build_world
from tests.support.statements import STATEMENTS

COOKIE = "brug_session"


def _set_cookie(response: httpx.Response) -> str:
    return "\n".join(response.headers.get_list("set-cookie"))


async def test_unsafe_requests_need_the_session_token(client: httpx.AsyncClient) -> None:
    await build_world()
    token = await login(client, "sw.a")
    assert (await client.post("/auth/logout")).status_code == 403
    assert (await client.post("/auth/logout", data={"csrf_token": "wrong"})).status_code == 403
    assert (await client.post("/auth/logout", headers={"X-CSRF-Token": "wrong"})).status_code == 403
    assert (await client.get("/")).status_code == 200
    htmx_logout = await client.post(
        "/auth/logout", headers={"X-CSRF-Token": token, "HX-Request": "true"}
    )
    assert htmx_logout.status_code == 303
    assert (await client.get("/")).status_code == 303


async def test_cross_site_requests_are_refused_even_with_a_token(client: httpx.AsyncClient) -> None:
    await build_world()
    token = await login(client, "sw.a")
    refused = await client.post(
        "/auth/logout", data={"csrf_token": token}, headers={"Sec-Fetch-Site": "cross-site"}
    )
    assert refused.status_code == 403
    assert (await client.get("/")).status_code == 200


async def test_login_form_itself_needs_a_token(client: httpx.AsyncClient) -> None:
    await build_world()
    response = await client.post("/auth/dev-login", data={"username": "sw.a"})
    assert response.status_code == 403
    assert (await client.get("/")).status_code == 303


def _token_in(response: httpx.Response) -> str | None:
    match = re.search(COOKIE + r"=([^;]*)", _set_cookie(response))
    return match.group(1) if match else None


async def test_session_id_is_rotated_at_login_and_a_chosen_id_is_never_adopted(
    client: httpx.AsyncClient,
) -> None:
    await build_world()
    chosen = "attacker-chosen-session-id"
    client.cookies.set(COOKIE, chosen)
    page = await client.get("/auth/dev-login")
    assert _token_in(page) in (None, '""'), "a chosen id is never adopted, at most cleared"
    client.cookies.set(COOKIE, chosen)
    response = await client.post(
        "/auth/dev-login", data={"username": "sw.a", "csrf_token": csrf_from(page.text)}
    )
    logged_in = _token_in(response)
    assert logged_in and logged_in not in ('""', chosen)
    client.cookies.clear()
    assert (await client.get("/", headers={"Cookie": f"{COOKIE}={logged_in}"})).status_code == 200
    assert (await client.get("/", headers={"Cookie": f"{COOKIE}={chosen}"})).status_code == 303


async def test_logout_ends_the_server_side_session(client: httpx.AsyncClient) -> None:
    await build_world()
    token = await login(client, "sw.a")
    cookie = client.cookies.get(COOKIE)
    response = await client.post("/auth/logout", data={"csrf_token": token})
    assert response.status_code == 303
    assert "Max-Age=0" in _set_cookie(response) or "max-age=0" in _set_cookie(response).lower()
    client.cookies.set(COOKIE, cookie)
    assert (await client.get("/")).status_code == 303


async def test_idle_and_absolute_timeouts(client: httpx.AsyncClient, app) -> None:
    await build_world()
    await login(client, "sw.a")
    store = app.state.session_store
    key = hashlib.sha256(client.cookies.get(COOKIE).encode()).hexdigest()
    settings = app.state.settings.session

    data = json.loads(await store.get(key))
    data["seen"] = time.time() - settings.idle_timeout - 5
    await store.set(key, json.dumps(data), expires_in=60)
    assert (await client.get("/")).status_code == 303

    await login(client, "sw.a")
    key = hashlib.sha256(client.cookies.get(COOKIE).encode()).hexdigest()
    data = json.loads(await store.get(key))
    data["created"] = time.time() - settings.absolute_timeout - 5
    await store.set(key, json.dumps(data), expires_in=60)
    assert (await client.get("/")).status_code == 303


async def test_cookie_flags_in_development(client: httpx.AsyncClient) -> None:
    response = await client.get("/auth/dev-login")
    cookie = _set_cookie(response)
    assert "HttpOnly" in cookie and "SameSite=lax" in cookie.replace("Lax", "lax")
    assert "Secure" not in cookie


@pytest.mark.parametrize("path", ["/", "/auth/login", "/no-such-page", "/health"])
async def test_security_headers_everywhere(client: httpx.AsyncClient, path: str) -> None:
    response = await client.get(path)
    csp = response.headers["content-security-policy"]
    assert "default-src 'self'" in csp and "frame-ancestors 'none'" in csp
    assert "unsafe-inline" not in csp and "unsafe-eval" not in csp
    assert response.headers["x-content-type-options"] == "nosniff"
    assert response.headers["referrer-policy"]
    assert response.headers["cache-control"] == "no-store"
    assert "strict-transport-security" not in response.headers


async def test_static_files_are_cacheable_and_have_headers(client: httpx.AsyncClient) -> None:
    response = await client.get("/static/css/portal.css")
    assert response.status_code == 200
    assert "no-store" not in response.headers.get("cache-control", "")
    assert "content-security-policy" in response.headers


def test_templates_have_no_inline_script_or_style() -> None:
    for template in Path("templates").rglob("*.html"):
        text = template.read_text()
        assert not re.search(r"<script(?![^>]*\bsrc=)", text), template
        assert "<style" not in text and " style=" not in text, template
        assert "hx-on" not in text, template


@pytest.fixture
async def production(tmp_path: Path):
    settings = make_settings(
        tmp_path,
        PORTAL_ENV="production",
        PORTAL_SECRET_KEY="x" * 48,
        PORTAL_BASE_URL="https://brug.example",
        PORTAL_OIDC_ISSUER=f"https://127.0.0.1:{free_port()}/realms/brug",
        PORTAL_OIDC_CLIENT_ID="brug",
        PORTAL_OIDC_CLIENT_SECRET="not-used-here",
        **STATEMENTS,
    )
    async with running(create_app(settings)) as application:
        transport = httpx.ASGITransport(app=application)
        async with httpx.AsyncClient(transport=transport, base_url="https://brug.example") as http:
            yield http


async def test_production_has_no_development_login(production: httpx.AsyncClient) -> None:
    await build_world()
    assert (await production.get("/auth/dev-login")).status_code == 404
    assert (await production.post("/auth/dev-login", data={"username": "admin"})).status_code in (
        403,
        404,
        405,
    )
    login_page = await production.get("/auth/login")
    assert login_page.status_code == 503, (
        "production goes straight to the (here unreachable) provider"
    )
    assert "dev-login" not in login_page.text
    assert "strict-transport-security" in login_page.headers
    assert "Secure" in _set_cookie(login_page) or not _set_cookie(login_page)


async def test_production_errors_show_no_stack_trace(
    production: httpx.AsyncClient, monkeypatch: pytest.MonkeyPatch
) -> None:
    from portal.accounts import routes

    def broken(_target: str | None) -> str:
        raise RuntimeError("secret internals 42")

    monkeypatch.setattr(routes, "local_path", broken)
    response = await production.get("/auth/login")
    assert response.status_code == 500
    assert "secret internals" not in response.text and "Traceback" not in response.text
    assert "<h1>" in response.text
    missing = await production.get("/no/such/page")
    assert missing.status_code == 404
    assert "Traceback" not in missing.text


async def test_a_deactivated_person_loses_access(
    client: httpx.AsyncClient, monkeypatch: pytest.MonkeyPatch
) -> None:
    from portal.accounts import auth
    from portal.accounts.tables import Person

    world = await build_world()
    await login(client, "toeleider")
    assert (await client.get("/")).status_code == 200
    await Person.update({Person.active: False}).where(Person.id == world.people["toeleider"])
    monkeypatch.setattr(auth, "VIEWER_TTL", 0.0)
    assert (await client.get("/")).status_code == 303
    assert (await client.get(f"/clients/{world.clients['X']}")).status_code == 303


async def test_expired_file_sessions_are_removed_at_start_up(tmp_path: Path) -> None:
    from litestar.stores.file import FileStore

    settings = make_settings(tmp_path)
    folder = settings.var_dir / "sessions"
    store = FileStore(folder, create_directories=True)
    await store.set("stale", b"{}", expires_in=-1)
    await store.set("fresh", b"{}", expires_in=3600)
    assert len(list(folder.iterdir())) == 2
    async with running(create_app(settings)):
        assert len(list(folder.iterdir())) == 1
        assert await store.exists("fresh")


async def test_a_refused_session_is_removed_from_the_store(client: httpx.AsyncClient, app) -> None:
    from portal.accounts import auth
    from portal.accounts.tables import Person

    world = await build_world()
    await login(client, "toeleider")
    key = hashlib.sha256(client.cookies.get("brug_session").encode()).hexdigest()
    assert await app.state.session_store.exists(key)
    await Person.update({Person.active: False}).where(Person.id == world.people["toeleider"])
    auth.forget_all_viewers()
    response = await client.get("/")
    assert response.status_code == 303
    assert not await app.state.session_store.exists(key)
    assert "brug_session=" in response.headers.get("set-cookie", "")
