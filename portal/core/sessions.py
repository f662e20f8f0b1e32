"""Server-side sessions over a Litestar store (Redis when configured, else files under ``var/``).

The cookie holds a random token; the store keys on its SHA-256, so the store never holds a usable
cookie. A token the server did not issue is ignored (never adopted), and ``login`` always issues a
fresh token: session fixation is closed here rather than trusted to the framework.

**Anonymous visitors have no stored session.** The CSRF token of their forms (language choice, the
login pages) is bound to a signed cookie of their own (``SessionKeys``): a random value and its
HMAC under a key derived from ``settings.secret_key``; the form token is another HMAC of that
value. A crawler can therefore fill no store. The only state kept before login is a started
provider login (``remember_pending_login``: its ``state``, nonce and PKCE verifier, at most
``MAX_PENDING`` per browser, for ``PENDING_TTL`` seconds).

**Sessions are indexed by person** (``SessionStore.end_sessions_of``), so that a deactivation ends
all of a person's sessions at once; ending deletes them, so nothing can bring one back. Expired
sessions leave the store while the app runs: Redis expires its keys itself, the file store is
pruned every ``PRUNE_EVERY`` seconds by a task of the app's lifespan (``SessionStore.pruning``).

**The provider's ID token** (kept for the logout hint) is stored sealed with AES-GCM under another
key derived from the secret key: the store never holds it in plain text. So is the provider's
**refresh token**, with which the login guard re-validates a provider login every few minutes
(``Session.provider_checked``, ``Session.record_provider_check``).
"""

from __future__ import annotations

import abc
import asyncio
import base64
import contextlib
import hashlib
import hmac
import json
import logging
import re
import secrets
import time
from collections.abc import AsyncIterator
from dataclasses import dataclass, field
from datetime import timedelta
from pathlib import Path
from typing import Any

from cryptography.exceptions import InvalidTag
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.ciphers.aead import AESGCM
from cryptography.hazmat.primitives.kdf.hkdf import HKDF
from litestar.datastructures import Cookie
from litestar.enums import ScopeType
from litestar.middleware import ASGIMiddleware
from litestar.stores.base import StorageObject, Store
from litestar.stores.file import FileStore
from litestar.stores.redis import RedisStore
from litestar.types import ASGIApp, Message, Receive, Scope, Send
from redis.asyncio import Redis

from portal.core.redis_client import redis_client
from portal.settings import SessionSettings

log = logging.getLogger("portal.sessions")

SCOPE_KEY = "brug_session"
TOUCH_EVERY = 60
PENDING_TTL = 600
MAX_PENDING = 5
MAX_UNLOCKED = 50
PRUNE_EVERY = 300.0
"""Seconds between two prunings of the file store while the app runs."""

REDIS_NAMESPACE = "brug-session"
_STORE_KEY = re.compile(r"[0-9a-f]{64}")


def store_key(token: str) -> str:
    """The store keys a session on its token's SHA-256, so the store never holds a usable cookie."""
    return hashlib.sha256(token.encode()).hexdigest()


def _b64(raw: bytes) -> str:
    return base64.urlsafe_b64encode(raw).rstrip(b"=").decode()


def _unb64(text: str) -> bytes:
    return base64.urlsafe_b64decode(text + "=" * (-len(text) % 4))


def _derive(secret_key: str, purpose: bytes) -> bytes:
    """A 256-bit key for one purpose only, derived from the portal's secret key (HKDF-SHA256)."""
    return HKDF(algorithm=hashes.SHA256(), length=32, salt=None, info=purpose).derive(
        secret_key.encode()
    )


class SessionKeys:
    """What sessions sign and seal, each with its own key derived from ``settings.secret_key``."""

    SEALED_PREFIX = "v1."

    def __init__(self, secret_key: str) -> None:
        self._csrf_key = _derive(secret_key, b"brug/anonymous-csrf")
        self._id_token = AESGCM(_derive(secret_key, b"brug/session-id-token"))

    def _mac(self, label: bytes, nonce: str) -> str:
        return _b64(hmac.digest(self._csrf_key, label + b"\0" + nonce.encode(), "sha256"))

    def new_anonymous_cookie(self) -> tuple[str, str]:
        """A fresh anonymous CSRF cookie value (``nonce.signature``) and its nonce."""
        nonce = secrets.token_urlsafe(24)
        return f"{nonce}.{self._mac(b'cookie', nonce)}", nonce

    def nonce_of_cookie(self, value: str | None) -> str | None:
        """The nonce of an anonymous CSRF cookie this server signed, else ``None``."""
        if not value or len(value) > 128:
            return None
        nonce, _, signature = value.partition(".")
        if not nonce or not hmac.compare_digest(signature, self._mac(b"cookie", nonce)):
            return None
        return nonce

    def anonymous_csrf(self, nonce: str) -> str:
        """The form token bound to an anonymous cookie's nonce."""
        return self._mac(b"form", nonce)

    def seal(self, plain: str, person_id: int) -> str:
        """``plain`` encrypted and authenticated (AES-GCM), bound to ``person_id``."""
        nonce = secrets.token_bytes(12)
        sealed = self._id_token.encrypt(nonce, plain.encode(), self._bound_to(person_id))
        return self.SEALED_PREFIX + _b64(nonce + sealed)

    def unseal(self, sealed: str | None, person_id: int | None) -> str | None:
        """The sealed text, or ``None`` when it is missing or was not sealed with this key for
        this person."""
        if not sealed or person_id is None or not sealed.startswith(self.SEALED_PREFIX):
            return None
        try:
            raw = _unb64(sealed.removeprefix(self.SEALED_PREFIX))
            plain = self._id_token.decrypt(raw[:12], raw[12:], self._bound_to(person_id))
        except (InvalidTag, ValueError):
            return None
        return plain.decode()

    @staticmethod
    def _bound_to(person_id: int) -> bytes:
        return f"brug id token of person {person_id}".encode()


@dataclass
class SessionData:
    """What the store keeps for one session; the only shape session state has.

    Stored as JSON with short keys (``pid``, ``csrf``, ``created``, ``seen``, ``idts``, ``rts``,
    ``checked``, ``pending``, ``unlocked``); ``from_json`` refuses anything else, so a malformed
    entry is no session.
    """

    csrf: str
    created: int
    seen: int
    person_id: int | None = None
    sealed_id_token: str | None = None
    """The provider's ID token for the logout hint, sealed (``SessionKeys.seal``)."""
    sealed_refresh_token: str | None = None
    """The provider's refresh token, sealed like the ID token; ``None`` if it issued none."""
    provider_checked: int | None = None
    """When the provider last vouched for this person (the login, then each re-validation);
    ``None`` for a session that did not log in through the provider."""
    pending_logins: dict[str, dict[str, Any]] = field(default_factory=dict)
    """Provider logins started in this browser, by ``state``, until their callback."""
    unlocked: list[int] = field(default_factory=list)
    """Records this person stated a reason to see more of, for this session only."""

    @classmethod
    def fresh(cls, person_id: int | None = None) -> SessionData:
        now = int(time.time())
        return cls(secrets.token_urlsafe(32), now, now, person_id)

    def to_json(self) -> str:
        return json.dumps(
            {
                "pid": self.person_id,
                "csrf": self.csrf,
                "created": self.created,
                "seen": self.seen,
                "idts": self.sealed_id_token,
                "rts": self.sealed_refresh_token,
                "checked": self.provider_checked,
                "pending": self.pending_logins,
                "unlocked": self.unlocked,
            }
        )

    @classmethod
    def from_json(cls, raw: str | bytes) -> SessionData | None:
        try:
            data = json.loads(raw)
            person_id = data.get("pid")
            sealed = data.get("idts")
            sealed_refresh = data.get("rts")
            checked = data.get("checked")
            return cls(
                csrf=str(data["csrf"]),
                created=int(data["created"]),
                seen=int(data["seen"]),
                person_id=int(person_id) if person_id is not None else None,
                sealed_id_token=str(sealed) if sealed is not None else None,
                sealed_refresh_token=str(sealed_refresh) if sealed_refresh is not None else None,
                provider_checked=int(checked) if checked is not None else None,
                pending_logins=dict(data.get("pending") or {}),
                unlocked=[int(record) for record in data.get("unlocked") or []],
            )
        except (ValueError, TypeError, KeyError, AttributeError):
            return None


@dataclass
class Session:
    """One visitor's session: the token in their cookie and the stored data, if any.

    A visitor without stored data is anonymous; their CSRF token comes from their anonymous
    cookie (``anonymous_nonce`` when the request brought a valid one).
    """

    keys: SessionKeys
    token: str | None = None
    data: SessionData | None = None
    dirty: bool = False
    new: bool = False
    """The token was issued during this request (not yet in the store)."""
    cookie_changed: bool = False
    ended: list[tuple[str, int | None]] = field(default_factory=list)
    """Tokens (and their person) this request ended; the middleware deletes them."""
    anonymous_nonce: str | None = None
    issued_anonymous_cookie: str | None = None
    _issued_nonce: str | None = None

    @property
    def person_id(self) -> int | None:
        return self.data.person_id if self.data else None

    @property
    def id_token(self) -> str | None:
        if self.data is None:
            return None
        return self.keys.unseal(self.data.sealed_id_token, self.data.person_id)

    @property
    def refresh_token(self) -> str | None:
        if self.data is None:
            return None
        return self.keys.unseal(self.data.sealed_refresh_token, self.data.person_id)

    @property
    def provider_checked(self) -> int | None:
        """When the provider last vouched for this session; ``None`` unless a provider login."""
        return self.data.provider_checked if self.data and self.data.person_id else None

    def record_provider_check(self, at: int, refresh_token: str | None) -> None:
        """The provider vouched for this person again at ``at``; keep its newest refresh token."""
        if self.data is None or self.data.person_id is None:
            raise ValueError("only a logged-in session is checked with the provider")
        if refresh_token is not None:
            self.data.sealed_refresh_token = self.keys.seal(refresh_token, self.data.person_id)
        self.data.provider_checked = at
        self.dirty = True

    def csrf_token(self) -> str:
        """The token forms send back: the session's once logged in, else the anonymous one.

        An anonymous visitor gets their anonymous cookie here if they have none yet; nothing is
        stored on the server.
        """
        if self.data is not None and self.data.person_id is not None:
            return self.data.csrf
        nonce = self.anonymous_nonce or self._issued_nonce
        if nonce is None:
            self.issued_anonymous_cookie, nonce = self.keys.new_anonymous_cookie()
            self._issued_nonce = nonce
        return self.keys.anonymous_csrf(nonce)

    def can_carry_csrf(self) -> bool:
        """Whether this request could carry a valid token at all (checked before its body)."""
        return self.person_id is not None or self.anonymous_nonce is not None

    def csrf_matches(self, candidate: str | None) -> bool:
        if not candidate:
            return False
        if self.data is not None and self.data.person_id is not None:
            expected: str | None = self.data.csrf
        elif self.anonymous_nonce is not None:
            expected = self.keys.anonymous_csrf(self.anonymous_nonce)
        else:
            expected = None
        return bool(expected and hmac.compare_digest(expected, candidate))

    def login(
        self, person_id: int, *, id_token: str | None = None, refresh_token: str | None = None
    ) -> None:
        """Start a new session for ``person_id``; the previous token stops working at once.

        A provider login (``id_token``) is vouched for now; its ``refresh_token`` is kept sealed.
        """
        data = SessionData.fresh(person_id)
        data.sealed_id_token = self.keys.seal(id_token, person_id) if id_token else None
        if id_token:
            data.provider_checked = data.created
            if refresh_token:
                data.sealed_refresh_token = self.keys.seal(refresh_token, person_id)
        self._start(data)

    @property
    def unlocked(self) -> frozenset[int]:
        return frozenset(self.data.unlocked) if self.data else frozenset()

    def unlock(self, record_id: int) -> None:
        """Open a record for the rest of this session only (after a stated reason)."""
        if self.data is None or self.data.person_id is None:
            raise ValueError("only a logged-in session unlocks a record")
        if record_id not in self.data.unlocked:
            self.data.unlocked = [*self.data.unlocked, record_id][-MAX_UNLOCKED:]
            self.dirty = True

    def remember_pending_login(self, state: str, values: dict[str, str]) -> None:
        """Keep a started provider login until its callback; a few may run in parallel tabs."""
        if self.data is None or not self.token:
            self._start(SessionData.fresh())
        assert self.data is not None
        now = int(time.time())
        pending = {
            key: value
            for key, value in self.data.pending_logins.items()
            if now - value["at"] < PENDING_TTL
        }
        pending[state] = {**values, "at": now}
        newest = sorted(pending, key=lambda key: pending[key]["at"])[-MAX_PENDING:]
        self.data.pending_logins = {key: pending[key] for key in newest}
        self.dirty = True

    def take_pending_login(self, state: str) -> dict[str, Any] | None:
        """The pending login started with ``state``, removed so that it can be used only once."""
        if self.data is None:
            return None
        values = self.data.pending_logins.pop(state, None)
        if values is None:
            return None
        self.dirty = True
        if int(time.time()) - values["at"] >= PENDING_TTL:
            return None
        return dict(values)

    def logout(self) -> None:
        """End this session only (the person's other sessions stay)."""
        self._end_current()
        self.token = None
        self.data = None
        self.cookie_changed = True
        self.dirty = False
        self.new = False

    def _end_current(self) -> None:
        if self.token:
            self.ended.append((self.token, self.person_id))

    def _start(self, data: SessionData) -> None:
        self._end_current()
        self.token = secrets.token_urlsafe(32)
        self.data = data
        self.dirty = True
        self.new = True
        self.cookie_changed = True


def session_of(scope: Scope) -> Session:
    return scope[SCOPE_KEY]  # type: ignore[literal-required]


# The stores ------------------------------------------------------------------------------------


class SessionStore(abc.ABC):
    """Where sessions live: a Litestar store for the entries, and an index of each person's.

    The middleware only talks to this class; the app keeps it as ``app.state.session_store``,
    where the administration calls ``end_sessions_of`` at a deactivation. ``get``/``set``/
    ``delete``/``exists`` reach the raw entries by store key, for tools and tests.
    """

    prunes: bool = False
    """Whether expired entries stay until pruned (files) rather than expiring by themselves."""

    def __init__(self, store: Store, *, prune_every: float = PRUNE_EVERY) -> None:
        self.store = store
        self.prune_every = prune_every

    async def get(self, key: str) -> bytes | None:
        return await self.store.get(key)

    async def set(
        self, key: str, value: str | bytes, expires_in: int | timedelta | None = None
    ) -> None:
        await self.store.set(key, value, expires_in=expires_in)

    async def delete(self, key: str) -> None:
        await self.store.delete(key)

    async def exists(self, key: str) -> bool:
        return await self.store.exists(key)

    async def load(self, token: str) -> SessionData | None:
        """The session of ``token``; a malformed entry is deleted and is no session."""
        key = store_key(token)
        raw = await self.store.get(key)
        if raw is None:
            return None
        data = SessionData.from_json(raw)
        if data is None:
            await self.store.delete(key)
        return data

    @abc.abstractmethod
    async def save(self, token: str, data: SessionData, ttl: int, *, new: bool) -> bool:
        """Write a session for ``ttl`` seconds and index it under its person.

        An existing session (``new=False``) is only rewritten while it is still stored: a session
        ended meanwhile (``end_sessions_of`` during this request) is not brought back. Returns
        whether the session is stored.
        """
        raise NotImplementedError

    @abc.abstractmethod
    async def end(self, token: str, person_id: int | None) -> None:
        """Delete one session and its index entry."""
        raise NotImplementedError

    @abc.abstractmethod
    async def end_sessions_of(self, person_id: int) -> int:
        """Delete every session of ``person_id``; returns how many there were."""
        raise NotImplementedError

    @abc.abstractmethod
    async def prune(self) -> None:
        """Remove expired sessions and index entries of sessions that are gone."""

    @abc.abstractmethod
    async def close(self) -> None:
        """Release connections (end of the app's lifespan)."""

    @contextlib.asynccontextmanager
    async def pruning(self) -> AsyncIterator[None]:
        """Prune now, then every ``prune_every`` seconds while the block runs (the lifespan)."""
        await self.prune()
        if not self.prunes:
            yield
            return
        task = asyncio.create_task(self._prune_periodically(), name="session-pruning")
        try:
            yield
        finally:
            task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await task

    async def _prune_periodically(self) -> None:
        while True:
            await asyncio.sleep(self.prune_every)
            try:
                await self.prune()
            except Exception:
                log.exception("pruning expired sessions failed")


_SAVE_SCRIPT = b"""
-- KEYS[1] the session, KEYS[2] its person's index (absent without a person)
-- ARGV[1] the entry, ARGV[2] seconds to live, ARGV[3] "new" or "existing",
-- ARGV[4] the session's store key (the index member), ARGV[5] the namespace prefix
if ARGV[3] == "new" then
  redis.call("SET", KEYS[1], ARGV[1], "EX", ARGV[2])
elseif not redis.call("SET", KEYS[1], ARGV[1], "EX", ARGV[2], "XX") then
  return 0
end
if KEYS[2] then
  if ARGV[3] == "new" then
    for _, member in ipairs(redis.call("SMEMBERS", KEYS[2])) do
      if redis.call("EXISTS", ARGV[5] .. member) == 0 then
        redis.call("SREM", KEYS[2], member)
      end
    end
  end
  redis.call("SADD", KEYS[2], ARGV[4])
  if redis.call("TTL", KEYS[2]) < tonumber(ARGV[2]) then
    redis.call("EXPIRE", KEYS[2], ARGV[2])
  end
end
return 1
"""

_END_ALL_SCRIPT = b"""
-- KEYS[1] the person's index; ARGV[1] the namespace prefix
local ended = 0
for _, member in ipairs(redis.call("SMEMBERS", KEYS[1])) do
  ended = ended + redis.call("DEL", ARGV[1] .. member)
end
redis.call("DEL", KEYS[1])
return ended
"""


class RedisSessionStore(SessionStore):
    """Sessions in Redis: keys ``<namespace>:<store key>`` expire by themselves.

    A person's index is a set ``<namespace>:person:<id>`` of store keys, living as long as the
    longest of its sessions. Saving and ending all run as scripts, so a deactivation cannot
    interleave with a login or a touch. The scripts name the session keys they derive from the
    index, which a Redis Cluster would refuse: the portal uses one Redis server.
    """

    def __init__(self, redis: Redis, *, namespace: str = REDIS_NAMESPACE) -> None:
        super().__init__(RedisStore(redis, namespace=namespace))
        self.redis = redis
        self.namespace = namespace
        self._save_script = redis.register_script(_SAVE_SCRIPT)
        self._end_all_script = redis.register_script(_END_ALL_SCRIPT)

    @classmethod
    def from_url(cls, url: str, *, namespace: str = REDIS_NAMESPACE) -> RedisSessionStore:
        return cls(redis_client(url), namespace=namespace)

    def _key(self, key: str) -> str:
        return f"{self.namespace}:{key}"

    def _index(self, person_id: int) -> str:
        return self._key(f"person:{person_id}")

    async def save(self, token: str, data: SessionData, ttl: int, *, new: bool) -> bool:
        key = store_key(token)
        keys = [self._key(key)]
        if data.person_id is not None:
            keys.append(self._index(data.person_id))
        stored = await self._save_script(
            keys=keys,
            args=[data.to_json(), ttl, "new" if new else "existing", key, self._key("")],
        )
        return bool(stored)

    async def end(self, token: str, person_id: int | None) -> None:
        key = store_key(token)
        async with self.redis.pipeline(transaction=True) as pipe:
            pipe.delete(self._key(key))
            if person_id is not None:
                pipe.srem(self._index(person_id), key)
            await pipe.execute()

    async def end_sessions_of(self, person_id: int) -> int:
        ended = await self._end_all_script(keys=[self._index(person_id)], args=[self._key("")])
        return int(ended)

    async def prune(self) -> None:
        """Nothing to do: Redis expires sessions and indexes itself (stale index members go at
        the person's next login, or with the index)."""

    async def close(self) -> None:
        await self.redis.aclose()


MARKER_GRACE = 60.0
"""Seconds a session's index entry may exist before the session it announces is written."""


def _older_than(path: Path, moment: float) -> bool:
    try:
        return path.stat().st_mtime < moment
    except FileNotFoundError:
        return False


class FileSessionStore(SessionStore):
    """Sessions as files (Litestar's ``FileStore``), for a single server without Redis.

    A person's index is a folder ``<index>/<person id>/`` with one empty file per session, named
    by its store key: adding and removing are single file operations, safe between processes.
    Expired files stay until read or pruned, so the app prunes them every ``prune_every`` s.

    Ending races with a request that touches the same session are closed by order: ending removes
    the index entry first and the session second; a touch rewrites only a stored session and then
    checks that its index entry is still there, deleting the session again if it is not.
    """

    prunes = True

    def __init__(
        self, folder: Path, *, index_folder: Path | None = None, prune_every: float = PRUNE_EVERY
    ) -> None:
        folder.mkdir(parents=True, exist_ok=True)
        super().__init__(FileStore(folder, create_directories=True), prune_every=prune_every)
        self.folder = folder
        self.index_folder = index_folder or folder.with_name(folder.name + "-by-person")
        self.index_folder.mkdir(parents=True, exist_ok=True)

    def _marker(self, person_id: int, key: str) -> Path:
        return self.index_folder / str(person_id) / key

    def _entry_path(self, key: str) -> Path:
        """Where ``FileStore`` keeps ``key`` (it names files by the key's BLAKE2s)."""
        return self.folder / hashlib.blake2s(key.encode()).hexdigest()

    def _add_marker(self, person_id: int, key: str) -> None:
        marker = self._marker(person_id, key)
        for _attempt in range(3):
            marker.parent.mkdir(parents=True, exist_ok=True)
            try:
                marker.touch()
                return
            except FileNotFoundError:  # the folder was pruned in between: make it again
                continue
        raise OSError(f"cannot index a session under {marker.parent}")

    def _take_markers(self, person_id: int) -> list[str]:
        """Remove the person's index and return the store keys it held."""
        folder = self.index_folder / str(person_id)
        if not folder.is_dir():
            return []
        keys = []
        for marker in folder.iterdir():
            marker.unlink(missing_ok=True)
            if _STORE_KEY.fullmatch(marker.name):
                keys.append(marker.name)
        with contextlib.suppress(OSError):
            folder.rmdir()
        return keys

    async def save(self, token: str, data: SessionData, ttl: int, *, new: bool) -> bool:
        key = store_key(token)
        person_id = data.person_id
        if new:
            if person_id is not None:
                await asyncio.to_thread(self._add_marker, person_id, key)
            await self.store.set(key, data.to_json(), expires_in=ttl)
            return True
        if not await self.store.exists(key):
            return False
        await self.store.set(key, data.to_json(), expires_in=ttl)
        if person_id is not None and not await asyncio.to_thread(
            self._marker(person_id, key).exists
        ):
            await self.store.delete(key)
            return False
        return True

    async def end(self, token: str, person_id: int | None) -> None:
        key = store_key(token)
        if person_id is not None:
            await asyncio.to_thread(self._marker(person_id, key).unlink, missing_ok=True)
        await self.store.delete(key)

    async def end_sessions_of(self, person_id: int) -> int:
        ended = 0
        for key in await asyncio.to_thread(self._take_markers, person_id):
            if await self.store.get(key) is not None:
                ended += 1
            await self.store.delete(key)
        return ended

    async def prune(self) -> None:
        await asyncio.to_thread(self._prune)

    async def close(self) -> None:
        """Nothing to release."""

    def _prune(self) -> None:
        """Expired sessions go, with their index entries, and index entries whose session is gone.
        A new session's entry is written before the session itself, so an entry younger than
        ``MARKER_GRACE`` without a session is a login in progress and stays."""
        grace = time.time() - MARKER_GRACE
        removed: set[Path] = set()
        for path in self.folder.iterdir():
            if ".tmp" in path.name or not path.is_file():
                continue  # a write in progress (FileStore writes a temporary file, then renames)
            try:
                entry = StorageObject.from_bytes(path.read_bytes())
            except FileNotFoundError:
                continue
            except Exception as error:  # not an entry of this store: leave it alone
                log.warning("session store: unreadable file %s (%r)", path.name, error)
                continue
            if entry.expired:
                path.unlink(missing_ok=True)
                removed.add(path)
        for person_folder in self.index_folder.iterdir():
            if not person_folder.is_dir():
                continue
            for marker in person_folder.iterdir():
                entry_path = self._entry_path(marker.name)
                if entry_path in removed or (
                    not entry_path.exists() and _older_than(marker, grace)
                ):
                    marker.unlink(missing_ok=True)
            with contextlib.suppress(OSError):
                person_folder.rmdir()


# The middleware -------------------------------------------------------------------------------


class SessionMiddleware(ASGIMiddleware):
    scopes = (ScopeType.HTTP,)

    def __init__(
        self, store: SessionStore, settings: SessionSettings, *, secret_key: str, secure: bool
    ) -> None:
        self.store = store
        self.settings = settings
        self.secure = secure
        self.keys = SessionKeys(secret_key)
        self.csrf_cookie_name = settings.cookie_name + "_csrf"

    async def _load(self, token: str | None) -> Session:
        if not token:
            return Session(self.keys)
        data = await self.store.load(token) if len(token) <= 128 else None
        if data is None:  # unknown, ended or malformed: never adopted, and the cookie is cleared
            return Session(self.keys, cookie_changed=True)
        now = time.time()
        if (
            now - data.created > self.settings.absolute_timeout
            or now - data.seen > self.settings.idle_timeout
        ):
            await self.store.end(token, data.person_id)
            return Session(self.keys, cookie_changed=True)
        session = Session(self.keys, token=token, data=data)
        if now - data.seen > TOUCH_EVERY:
            data.seen = int(now)
            session.dirty = True
        return session

    async def _save(self, session: Session) -> None:
        for token, person_id in session.ended:
            if token != session.token:
                await self.store.end(token, person_id)
        if session.token and session.data is not None and session.dirty:
            remaining = self.settings.absolute_timeout - (time.time() - session.data.created)
            ttl = max(1, int(min(self.settings.idle_timeout, remaining)))
            if session.data.person_id is None:  # only pending logins, useless after PENDING_TTL
                ttl = min(ttl, PENDING_TTL)
            if not await self.store.save(session.token, session.data, ttl, new=session.new):
                session.token = None  # ended meanwhile (a deactivation): forget the cookie too
                session.data = None
                session.cookie_changed = True

    def _cookie(self, name: str, value: str | None) -> bytes:
        cookie = Cookie(
            key=name,
            value=value or "",
            path="/",
            httponly=True,
            secure=self.secure,
            samesite="lax",
            max_age=None if value else 0,
        )
        return cookie.to_header(header="").strip().encode("latin-1")

    async def handle(self, scope: Scope, receive: Receive, send: Send, next_app: ASGIApp) -> None:
        cookies = _cookie_values(scope, {self.settings.cookie_name, self.csrf_cookie_name})
        session = await self._load(cookies.get(self.settings.cookie_name))
        session.anonymous_nonce = self.keys.nonce_of_cookie(cookies.get(self.csrf_cookie_name))
        scope[SCOPE_KEY] = session  # type: ignore[literal-required]

        async def send_with_session(message: Message) -> None:
            if message["type"] == "http.response.start":
                await self._save(session)
                headers = list(message.get("headers", []))
                if session.cookie_changed:
                    headers.append(
                        (b"set-cookie", self._cookie(self.settings.cookie_name, session.token))
                    )
                if session.issued_anonymous_cookie:
                    headers.append(
                        (
                            b"set-cookie",
                            self._cookie(self.csrf_cookie_name, session.issued_anonymous_cookie),
                        )
                    )
                message["headers"] = headers
            await send(message)

        await next_app(scope, receive, send_with_session)


def _cookie_values(scope: Scope, names: set[str]) -> dict[str, str]:
    found: dict[str, str] = {}
    for key, value in scope.get("headers", []):
        if key == b"cookie":
            for part in value.decode("latin-1").split(";"):
                cookie_name, _, cookie_value = part.strip().partition("=")
                if cookie_name in names and cookie_name not in found:
                    found[cookie_name] = cookie_value
    return found
