"""Session storage (issue 8, findings 2 and 4, and the ID token): both stores, the file store and
Redis, behave the same.

Anonymous visits store nothing; expired sessions leave the store while the app runs; a person's
sessions are indexed so that all of them can be ended at once (a deactivation), and an ended
session is deleted, so nothing brings it back; the ID token kept for logout is sealed.
"""

from __future__ import annotations

import asyncio
import contextlib
import hashlib
import json
import os
import secrets
import time
from collections.abc import AsyncIterator, Awaitable, Callable
from dataclasses import dataclass
from pathlib import Path

import httpx
import pytest
import redis
from litestar import Litestar
from litestar.stores.base import StorageObject

from portal.accounts.auth import forget_all_viewers
from portal.accounts.tables import Person
from portal.app import create_app
from portal.core.sessions import (
    MARKER_GRACE,
    PENDING_TTL,
    FileSessionStore,
    RedisSessionStore,
    Session,
    SessionData,
    SessionKeys,
    SessionStore,
    store_key,
)
from tests.accounts.provider import portal, provider, query_of
from tests.conftest import csrf_from, login, make_settings, running
from tests.support.factories import build_world, make_org

REDIS_URL = "redis://127.0.0.1:6379/12"
COOKIE = "brug_session"


@dataclass
class Stack:
    """The portal on one of the two session stores, and a way to open more browsers on it."""

    kind: str
    app: Litestar
    store: SessionStore
    client: httpx.AsyncClient
    browsers: list[httpx.AsyncClient]

    async def browser(self) -> httpx.AsyncClient:
        http = httpx.AsyncClient(
            transport=httpx.ASGITransport(app=self.app), base_url="http://testserver"
        )
        self.browsers.append(http)
        return http

    async def stored(self) -> list[str]:
        """Everything the store holds: session entries and index entries."""
        if isinstance(self.store, RedisSessionStore):
            keys = await self.store.redis.keys(f"{self.store.namespace}:*")
            return sorted(key.decode() for key in keys)
        assert isinstance(self.store, FileSessionStore)
        return sorted(
            str(path.relative_to(self.store.folder.parent))
            for folder in (self.store.folder, self.store.index_folder)
            for path in folder.rglob("*")
            if path.is_file()
        )

    async def indexed(self, person_id: int) -> set[str]:
        """The store keys indexed under ``person_id``."""
        if isinstance(self.store, RedisSessionStore):
            members = await self.store.redis.smembers(f"{self.store.namespace}:person:{person_id}")
            return {member.decode() for member in members}
        assert isinstance(self.store, FileSessionStore)
        folder = self.store.index_folder / str(person_id)
        return {path.name for path in folder.iterdir()} if folder.exists() else set()


def _key_of(http: httpx.AsyncClient) -> str:
    return hashlib.sha256(http.cookies[COOKIE].encode()).hexdigest()


@contextlib.asynccontextmanager
async def serving(kind: str, tmp_path: Path, *, prune_every: float = 300.0) -> AsyncIterator[Stack]:
    """The portal on a session store of ``kind``; Redis in a namespace of this test's own."""
    settings = make_settings(tmp_path)
    namespace = f"brug-test-{secrets.token_hex(6)}"
    store: SessionStore
    if kind == "redis":
        store = RedisSessionStore.from_url(REDIS_URL, namespace=namespace)
    else:
        store = FileSessionStore(settings.var_dir / "sessions", prune_every=prune_every)
    application = create_app(settings, sessions=store)
    try:
        async with running(application):
            transport = httpx.ASGITransport(app=application)
            async with httpx.AsyncClient(transport=transport, base_url="http://testserver") as http:
                result = Stack(kind, application, store, http, [])
                try:
                    yield result
                finally:
                    for browser in result.browsers:
                        await browser.aclose()
    finally:
        if kind == "redis":
            cleanup = redis.Redis.from_url(REDIS_URL)
            for key in cleanup.scan_iter(f"{namespace}:*"):
                cleanup.delete(key)
            cleanup.close()


@pytest.fixture(params=["files", "redis"])
async def stack(request: pytest.FixtureRequest, tmp_path: Path) -> AsyncIterator[Stack]:
    async with serving(request.param, tmp_path) as running_stack:
        yield running_stack


# Finding 4: anonymous visits store nothing ------------------------------------------------------


async def test_anonymous_visits_store_nothing(stack: Stack) -> None:
    await build_world()
    http = stack.client
    for _ in range(10):
        assert (await http.get("/auth/login")).status_code == 200
        assert (await http.get("/")).status_code == 303
        assert (await http.get("/auth/dev-login")).status_code == 200
        assert (await http.get("/no-such-page")).status_code == 404
    crawler = await stack.browser()
    for _ in range(10):
        assert (await crawler.get("/auth/login")).status_code == 200
        crawler.cookies.clear()
    assert await stack.stored() == []

    token = csrf_from((await http.get("/auth/login")).text)
    language = await http.post("/language", data={"lang": "en", "next": "/", "csrf_token": token})
    assert language.status_code == 303
    crawler.cookies.clear()
    refused = await crawler.post("/language", data={"lang": "en", "csrf_token": token})
    assert refused.status_code == 403
    assert await stack.stored() == []

    logged_in = await http.post("/auth/dev-login", data={"username": "sw.a", "csrf_token": token})
    assert logged_in.status_code == 303
    sessions = [entry for entry in await stack.stored() if "person" not in entry]
    assert len(sessions) == 1, "a login stores exactly one session"


# Finding 4: expired sessions leave the store while running --------------------------------------


async def _eventually(check: Callable[[], Awaitable[bool]], seconds: float = 10.0) -> bool:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if await check():
            return True
        await asyncio.sleep(0.02)
    return False


async def test_the_file_store_prunes_expired_sessions_while_running(tmp_path: Path) -> None:
    async with serving("files", tmp_path, prune_every=0.05) as stack:
        store = stack.store
        assert isinstance(store, FileSessionStore)
        world = await build_world()
        expiring, staying = stack.client, await stack.browser()
        await login(expiring, "sw.a")
        await login(staying, "toeleider")
        expired_key, live_key = _key_of(expiring), _key_of(staying)
        entry = await store.get(expired_key)
        assert entry is not None
        sw_index = store.index_folder / str(world.people["sw.a"])
        # Checked before the entry expires: the pruner runs every 50 ms and may remove it at once.
        assert (sw_index / expired_key).exists()
        await store.set(expired_key, entry, expires_in=-1)  # as if its time ran out
        await store.set("stale", b"{}", expires_in=-1)

        async def pruned() -> bool:
            return len(list(store.folder.iterdir())) == 1 and not sw_index.exists()

        assert await _eventually(pruned), "the expired entries were not pruned while running"
        assert await store.exists(live_key)
        assert await stack.indexed(world.people["toeleider"]) == {live_key}
        assert (await staying.get("/")).status_code == 200


async def test_redis_sessions_and_their_index_expire_by_themselves(tmp_path: Path) -> None:
    async with serving("redis", tmp_path) as stack:
        assert isinstance(stack.store, RedisSessionStore)
        world = await build_world()
        await login(stack.client, "sw.a")
        keys = await stack.stored()
        assert f"{stack.store.namespace}:person:{world.people['sw.a']}" in keys
        idle = stack.app.state.settings.session.idle_timeout
        for key in keys:
            ttl = await stack.store.redis.ttl(key)
            assert 0 < ttl <= idle, f"{key} does not expire by itself (ttl {ttl})"


async def test_a_timed_out_session_leaves_the_index(stack: Stack) -> None:
    world = await build_world()
    person = world.people["sw.a"]
    await login(stack.client, "sw.a")
    key = _key_of(stack.client)
    assert await stack.indexed(person) == {key}
    data = json.loads(await stack.store.get(key) or b"")
    data["seen"] = time.time() - stack.app.state.settings.session.idle_timeout - 5
    await stack.store.set(key, json.dumps(data), expires_in=60)
    assert (await stack.client.get("/")).status_code == 303
    assert not await stack.store.exists(key)
    assert await stack.indexed(person) == set()


# Finding 2: all sessions of a person end at once ------------------------------------------------


async def test_ending_the_sessions_of_a_person_ends_all_of_them_and_only_theirs(
    stack: Stack,
) -> None:
    world = await build_world()
    person = world.people["sw.a"]
    laptop, phone, colleague = stack.client, await stack.browser(), await stack.browser()
    await login(laptop, "sw.a")
    await login(phone, "sw.a")
    await login(colleague, "toeleider")
    cookies = {"laptop": laptop.cookies[COOKIE], "phone": phone.cookies[COOKIE]}
    assert await stack.indexed(person) == {_key_of(laptop), _key_of(phone)}

    await Person.update({Person.active: False}).where(Person.id == person)
    store = stack.app.state.session_store
    assert store is stack.store
    assert await store.end_sessions_of(person) == 2
    assert await stack.indexed(person) == set()
    for token in cookies.values():
        assert not await store.exists(store_key(token))
    assert (await colleague.get("/")).status_code == 200, "another person's session survives"

    await Person.update({Person.active: True}).where(Person.id == person)
    forget_all_viewers()
    for name, http in (("laptop", laptop), ("phone", phone)):
        http.cookies.set(COOKIE, cookies[name])
        assert (await http.get("/")).status_code == 303, f"reactivation revived the {name}"
    assert await store.end_sessions_of(person) == 0


async def test_logout_ends_that_session_only(stack: Stack) -> None:
    world = await build_world()
    person = world.people["sw.a"]
    laptop, phone = stack.client, await stack.browser()
    token = await login(laptop, "sw.a")
    await login(phone, "sw.a")
    phone_key = _key_of(phone)
    assert (await laptop.post("/auth/logout", data={"csrf_token": token})).status_code == 303
    assert (await laptop.get("/")).status_code == 303
    assert (await phone.get("/")).status_code == 200
    assert await stack.indexed(person) == {phone_key}
    assert await stack.store.end_sessions_of(person) == 1


async def test_a_session_ended_meanwhile_is_not_written_back(stack: Stack) -> None:
    """A request that loaded a session before a deactivation ended it must not store it again
    when it touches it at the end (the middleware saves existing sessions with ``new=False``)."""
    store = stack.store
    person = 4242
    token = secrets.token_urlsafe(32)
    data = SessionData.fresh(person)
    assert await store.save(token, data, 60, new=True)
    assert await store.end_sessions_of(person) == 1
    assert not await store.save(token, data, 60, new=False)
    assert not await store.exists(store_key(token))
    assert await stack.indexed(person) == set()

    if isinstance(store, FileSessionStore):
        # The touch checked that the session existed just before the ending deleted it, and
        # writes afterwards: the missing index entry makes it delete the session again.
        await store.set(store_key(token), data.to_json(), expires_in=60)
        assert not await store.save(token, data, 60, new=False)
        assert not await store.exists(store_key(token))


# The ID token is sealed -------------------------------------------------------------------------

ID_TOKEN = "eyJhbGciOiJSUzI1NiJ9.eyJzdWIiOiJzdWItc2VhbGVkIiwibmFtZSI6IlNlYWxlZCJ9.c2lnbmF0dXJl"


def test_the_id_token_is_stored_sealed() -> None:
    keys = SessionKeys("a" * 48)
    session = Session(keys)
    session.login(7, id_token=ID_TOKEN)
    assert session.data is not None
    stored = session.data.to_json()
    for part in ID_TOKEN.split("."):
        assert part not in stored
    assert session.id_token == ID_TOKEN
    loaded = SessionData.from_json(stored)
    assert loaded is not None
    assert Session(keys, data=loaded).id_token == ID_TOKEN
    assert Session(SessionKeys("b" * 48), data=loaded).id_token is None, "another key opens nothing"
    loaded.person_id = 8
    assert Session(keys, data=loaded).id_token is None, "sealed for one person only"


async def test_the_stored_session_of_a_provider_login_holds_no_id_token(tmp_path: Path) -> None:
    await make_org("ocmw-zottegem", "ocmw", "OCMW Zottegem")
    with provider() as idp:
        await idp.set_user(
            "sub-sealed",
            {"name": "Sealed", "roles": ["social_worker"], "org": "ocmw-zottegem"},
        )
        async with portal(tmp_path, idp.issuer) as site:
            folder = tmp_path / "var" / "sessions"
            authorize_url = await site.start_login()
            (pending,) = [StorageObject.from_bytes(p.read_bytes()) for p in folder.iterdir()]
            assert 0 < pending.expires_in <= PENDING_TTL, "a pending login is kept no longer"
            landed = await site.http.get(await idp.authorize(authorize_url, "sub-sealed"))
            assert landed.status_code == 303
            raw = b"".join(path.read_bytes() for path in folder.iterdir() if path.is_file())
            assert raw, "the session is stored"
            home = await site.http.get("/")
            response = await site.http.post(
                "/auth/logout", data={"csrf_token": csrf_from(home.text)}
            )
            hint = query_of(response.headers["location"])["id_token_hint"]
    _header, payload, signature = hint.split(".")
    for part in (payload, signature):
        assert part.encode() not in raw, "the ID token is in the store in plain text"


async def test_pruning_keeps_the_index_entry_of_a_login_in_progress(tmp_path: Path) -> None:
    """A new session's index entry is written just before the session: a prune pass in between
    must not drop it, or the person's deactivation would miss that session."""
    store = FileSessionStore(tmp_path / "sessions")
    key = store_key("a-new-session-token")
    await asyncio.to_thread(store._add_marker, 7, key)
    await store.prune()
    marker = store.index_folder / "7" / key
    assert marker.exists(), "the entry of a session being written survives a prune pass"
    long_ago = time.time() - 2 * MARKER_GRACE
    os.utime(marker, (long_ago, long_ago))
    await store.prune()
    assert not marker.exists(), "an old entry without its session is pruned"
