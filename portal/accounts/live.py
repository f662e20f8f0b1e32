"""Who reads a live stream, checked again at every message and heartbeat; the person's own stream.

A stream outlives the request that opened it, so the login guard's word holds only at its start.
``Reader.check`` asks again, each time: the session must still be stored under its token (a logout
or a deactivation deletes it), neither idle nor older than its limits, and its person active; then
the stream goes on with the person as they are now (their roles, organisation, and the records
they unlocked in this session). Otherwise it ends (``EndStream``). A provider login due for its
re-validation ends the stream without ``end`` (``Reconnect``): the browser connects again, and the
login guard asks the provider.
"""

from __future__ import annotations

import dataclasses
import time

from litestar import Request, get
from litestar.di import NamedDependency
from litestar.response import Stream

from portal.accounts.oidc import RECHECK_EVERY
from portal.accounts.services import load_viewer
from portal.core import live
from portal.core.sessions import SessionStore, session_of
from portal.settings import SessionSettings
from portal.visibility.viewer import Viewer

INBOX_EVENT = "inbox"
"""The event ``GET /live`` forwards for ``publish(f"person:{id}", "inbox")``, without data."""


def person_topic(person_id: int) -> str:
    """The topic of one person's own updates (their inbox)."""
    return f"person:{person_id}"


@dataclasses.dataclass
class Reader:
    """The session a stream was opened in, and its person as last checked."""

    store: SessionStore
    settings: SessionSettings
    token: str
    viewer: Viewer
    recheck_every: float = RECHECK_EVERY

    @classmethod
    def of(cls, request: Request, viewer: Viewer) -> Reader:
        session = session_of(request.scope)
        assert session.token is not None, "the login guard let a request without a session in"
        oidc = request.app.state.oidc
        return cls(
            store=request.app.state.session_store,
            settings=request.app.state.settings.session,
            token=session.token,
            viewer=viewer,
            recheck_every=oidc.recheck_every if oidc is not None else RECHECK_EVERY,
        )

    async def check(self) -> None:
        """Re-read the session and the person; ``EndStream`` when either is gone or expired."""
        data = await self.store.load(self.token)
        now = time.time()
        if (
            data is None
            or data.person_id != self.viewer.person_id
            or now - data.created > self.settings.absolute_timeout
            or now - data.seen > self.settings.idle_timeout
        ):
            raise live.EndStream()
        if data.provider_checked is not None and now - data.provider_checked >= self.recheck_every:
            raise live.Reconnect()
        viewer = await load_viewer(self.viewer.person_id)
        if viewer is None:
            raise live.EndStream()
        self.viewer = dataclasses.replace(viewer, unlocked=frozenset(data.unlocked))


def stream_for(request: Request, reader: Reader, topic: str, render: live.Render) -> Stream:
    """A live stream on ``topic`` for the signed-in reader of ``request``."""
    return live.stream_response(
        request.app.state.live,
        topic,
        heartbeat=request.app.state.settings.live_heartbeat,
        check=reader.check,
        render=render,
    )


async def own_message(message: str) -> bytes | None:
    """A message on the person's topic as their stream sends it: ``inbox`` as a named event with
    no data (the page asks for what changed itself); anything else, nothing."""
    return live.event(name=INBOX_EVENT) if message == INBOX_EVENT else None


@get("/live", name="live")
async def own_stream(request: Request, viewer: NamedDependency[Viewer]) -> Stream:
    """The signed-in person's own updates: an ``inbox`` event whenever their inbox changed."""
    reader = Reader.of(request, viewer)
    return stream_for(request, reader, person_topic(viewer.person_id), own_message)
