"""Server-side sessions over a Litestar store (Redis when configured, else files under ``var/``).

The cookie holds a random token; the store keys on its SHA-256, so the store never holds a usable
cookie. A token the server did not issue is ignored (never adopted), and ``login`` always issues a
fresh token: session fixation is closed here rather than trusted to the framework.
"""

from __future__ import annotations

import hashlib
import hmac
import json
import secrets
import time
from dataclasses import dataclass, field
from typing import Any

from litestar.datastructures import Cookie
from litestar.enums import ScopeType
from litestar.middleware import ASGIMiddleware
from litestar.stores.base import Store
from litestar.types import ASGIApp, Message, Receive, Scope, Send

from portal.settings import SessionSettings

SCOPE_KEY = "brug_session"
TOUCH_EVERY = 60
PENDING_TTL = 600
MAX_PENDING = 5


REDIS_NAMESPACE = "brug-session"


def store_key(token: str) -> str:
    """The store keys a session on its token's SHA-256, so the store never holds a usable cookie."""
    return hashlib.sha256(token.encode()).hexdigest()


@dataclass
class SessionData:
    """What the store keeps for one session; the only shape session state has.

    Stored as JSON with short keys (``pid``, ``csrf``, ``created``, ``seen``, ``idt``,
    ``pending``); ``from_json`` refuses anything else, so a malformed entry is no session.
    """

    csrf: str
    created: int
    seen: int
    person_id: int | None = None
    id_token: str | None = None
    """The provider's ID token, kept for the logout hint."""
    pending_logins: dict[str, dict[str, Any]] = field(default_factory=dict)
    """Provider logins started in this browser, by ``state``, until their callback."""

    @classmethod
    def fresh(cls, person_id: int | None = None, id_token: str | None = None) -> SessionData:
        now = int(time.time())
        return cls(secrets.token_urlsafe(32), now, now, person_id, id_token)

    def to_json(self) -> str:
        return json.dumps(
            {
                "pid": self.person_id,
                "csrf": self.csrf,
                "created": self.created,
                "seen": self.seen,
                "idt": self.id_token,
                "pending": self.pending_logins,
            }
        )

    @classmethod
    def from_json(cls, raw: str | bytes) -> SessionData | None:
        try:
            data = json.loads(raw)
            person_id = data.get("pid")
            return cls(
                csrf=str(data["csrf"]),
                created=int(data["created"]),
                seen=int(data["seen"]),
                person_id=int(person_id) if person_id is not None else None,
                id_token=data.get("idt"),
                pending_logins=dict(data.get("pending") or {}),
            )
        except (ValueError, TypeError, KeyError, AttributeError):
            return None


@dataclass
class Session:
    """One visitor's server-side session: the token in their cookie and the stored data."""

    token: str | None = None
    data: SessionData | None = None
    dirty: bool = False
    cookie_changed: bool = False
    discarded_token: str | None = None

    @property
    def person_id(self) -> int | None:
        return self.data.person_id if self.data else None

    @property
    def id_token(self) -> str | None:
        return self.data.id_token if self.data else None

    def csrf_token(self) -> str:
        """The CSRF token of this session, starting an anonymous session if there is none."""
        if self.data is None or not self.token:
            self._start(SessionData.fresh())
        assert self.data is not None
        return self.data.csrf

    def csrf_matches(self, candidate: str | None) -> bool:
        expected = self.data.csrf if self.data else None
        return bool(expected and candidate and hmac.compare_digest(expected, candidate))

    def login(self, person_id: int, *, id_token: str | None = None) -> None:
        """Start a new session for ``person_id``; the previous token stops working at once."""
        self._start(SessionData.fresh(person_id, id_token))

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
        self.discarded_token = self.token or self.discarded_token
        self.token = None
        self.data = None
        self.cookie_changed = True
        self.dirty = False

    def _start(self, data: SessionData) -> None:
        self.discarded_token = self.token or self.discarded_token
        self.token = secrets.token_urlsafe(32)
        self.data = data
        self.dirty = True
        self.cookie_changed = True


def session_of(scope: Scope) -> Session:
    return scope[SCOPE_KEY]  # type: ignore[literal-required]


class SessionMiddleware(ASGIMiddleware):
    scopes = (ScopeType.HTTP,)

    def __init__(self, store: Store, settings: SessionSettings, *, secure: bool) -> None:
        self.store = store
        self.settings = settings
        self.secure = secure

    async def _load(self, token: str | None) -> Session:
        if not token or len(token) > 128:
            return Session()
        raw = await self.store.get(store_key(token))
        if raw is None:
            return Session()
        data = SessionData.from_json(raw)
        now = time.time()
        if (
            data is None
            or now - data.created > self.settings.absolute_timeout
            or now - data.seen > self.settings.idle_timeout
        ):
            await self.store.delete(store_key(token))
            return Session(cookie_changed=True)
        session = Session(token=token, data=data)
        if now - data.seen > TOUCH_EVERY:
            data.seen = int(now)
            session.dirty = True
        return session

    async def _save(self, session: Session) -> None:
        if session.discarded_token and session.discarded_token != session.token:
            await self.store.delete(store_key(session.discarded_token))
        if session.token and session.data is not None and session.dirty:
            remaining = self.settings.absolute_timeout - (time.time() - session.data.created)
            ttl = max(1, int(min(self.settings.idle_timeout, remaining)))
            await self.store.set(store_key(session.token), session.data.to_json(), expires_in=ttl)

    def _cookie(self, session: Session) -> Cookie:
        return Cookie(
            key=self.settings.cookie_name,
            value=session.token or "",
            path="/",
            httponly=True,
            secure=self.secure,
            samesite="lax",
            max_age=None if session.token else 0,
        )

    async def handle(self, scope: Scope, receive: Receive, send: Send, next_app: ASGIApp) -> None:
        token = _cookie_value(scope, self.settings.cookie_name)
        session = await self._load(token)
        scope[SCOPE_KEY] = session  # type: ignore[literal-required]

        async def send_with_session(message: Message) -> None:
            if message["type"] == "http.response.start":
                await self._save(session)
                if session.cookie_changed:
                    header = self._cookie(session).to_header(header="")
                    message["headers"] = [
                        *message.get("headers", []),
                        (b"set-cookie", header.strip().encode("latin-1")),
                    ]
            await send(message)

        await next_app(scope, receive, send_with_session)


def _cookie_value(scope: Scope, name: str) -> str | None:
    for key, value in scope.get("headers", []):
        if key == b"cookie":
            for part in value.decode("latin-1").split(";"):
                cookie_name, _, cookie_value = part.strip().partition("=")
                if cookie_name == name:
                    return cookie_value
    return None
