"""Live updates: topics that writes publish to, and server-sent event streams that follow them.

**Publishing.** ``await publish(topic, data)`` after a commit (a ``unit.after_commit`` effect or a
``timeline.on_appended`` listener) tells every stream subscribed to ``topic``, in every process.
Topics name what changed, not what it is: ``client:42`` carries an event id, ``person:7`` a word
(``inbox``). A message is a *hint*: a stream re-reads whatever it sends for its own reader at send
time, so nothing a reader may not see travels in a message, and a lost message costs a reload.
Publishing never fails a write: an unreachable Redis is logged, the write stands.

**Fan-out.** Without ``PORTAL_REDIS_URL`` the hub of the process delivers to its own streams
(``Hub``: one ``portal serve`` process). With it, a message goes through Redis pub/sub and every
process delivers it to its streams (``RedisHub``): each process holds one Redis connection with one
pattern subscription on its namespace, whatever the number of its streams.

**Streams.** ``event_stream`` turns a subscription into the bytes of ``text/event-stream``: it
re-checks its reader (``check``) at every message and every ``heartbeat`` seconds, renders each
message for them (``render``), and ends on ``EndStream`` (with an ``end`` event, so that htmx's
SSE extension does not reconnect: ``hx-sse:close="end"``), on ``Reconnect`` (without it: the
browser connects again through the login guard), and when the hub stops (``end_streams``).
``portal serve`` calls ``end_streams`` as soon as it is told to stop, because uvicorn waits for open
connections before it runs the app's shutdown.
"""

from __future__ import annotations

import asyncio
import contextlib
import hashlib
import logging
from collections.abc import AsyncIterator, Awaitable, Callable
from typing import Any

from litestar.exceptions import ServiceUnavailableException
from litestar.response import Stream
from litestar.response.sse import ServerSentEventMessage
from redis.asyncio import Redis
from redis.exceptions import RedisError

from portal.core.redis_client import redis_client

log = logging.getLogger("portal.live")

MAX_PENDING = 64
"""Messages a stream may have waiting; a stream that falls further behind ends (and reconnects)."""
RECONNECT_DELAY = 1.0
"""Seconds between two attempts to reach Redis again after the subscription broke."""
END_EVENT = "end"
"""The event that tells htmx's SSE extension to stop (``hx-sse:close="end"``)."""

_ENDED = object()


class HubClosed(RuntimeError):
    """The hub is stopping: no new stream may start (503)."""


class StreamEnded(Exception):
    """The subscription ended: its hub stopped or the stream fell too far behind."""


class EndStream(Exception):
    """Raised by a stream's ``check`` or ``render``: its reader may see no more (logged out,
    expired, deactivated, the record is gone for them). The stream sends ``end`` and stops."""


class Reconnect(Exception):
    """Raised by a stream's ``check``: stop without ``end``; the browser connects again and the
    request passes the login guard anew (a provider login due for its re-validation)."""


class Subscription:
    """One stream's place on a topic: the messages published to it since it subscribed."""

    def __init__(self, topic: str) -> None:
        self.topic = topic
        self._queue: asyncio.Queue[object] = asyncio.Queue(maxsize=MAX_PENDING + 1)
        self._ended = False

    def _put(self, data: str) -> None:
        if self._ended:
            return
        if self._queue.qsize() >= MAX_PENDING:
            log.warning("live stream on %s fell behind; it ends and reconnects", self.topic)
            self._end()
            return
        self._queue.put_nowait(data)

    def _end(self) -> None:
        if not self._ended:
            self._ended = True
            self._queue.put_nowait(_ENDED)

    async def receive(self, within: float) -> str | None:
        """The next message; ``None`` when none came within ``within`` seconds;
        ``StreamEnded`` once the subscription has ended."""
        try:
            item = await asyncio.wait_for(self._queue.get(), within)
        except TimeoutError:
            return None
        if item is _ENDED:
            raise StreamEnded()
        assert isinstance(item, str)
        return item


class Hub:
    """The in-process hub: delivers messages to the streams of this process only."""

    def __init__(self) -> None:
        self._topics: dict[str, set[Subscription]] = {}
        self._closing = False

    @property
    def closing(self) -> bool:
        return self._closing

    @property
    def stream_count(self) -> int:
        return sum(len(subscriptions) for subscriptions in self._topics.values())

    async def start(self) -> None:
        self._closing = False
        if self not in _running:
            _running.append(self)

    async def stop(self) -> None:
        self.end_streams()
        if self in _running:
            _running.remove(self)

    def end_streams(self) -> None:
        """End every stream now and refuse new ones (the process is stopping)."""
        self._closing = True
        for subscriptions in self._topics.values():
            for subscription in subscriptions:
                subscription._end()

    async def publish(self, topic: str, data: str) -> None:
        self._deliver(topic, data)

    def _deliver(self, topic: str, data: str) -> None:
        for subscription in tuple(self._topics.get(topic, ())):
            subscription._put(data)

    @contextlib.asynccontextmanager
    async def subscribe(self, topic: str) -> AsyncIterator[Subscription]:
        """A subscription to ``topic`` for the block; ``HubClosed`` while the hub stops."""
        if self._closing:
            raise HubClosed()
        subscription = Subscription(topic)
        self._topics.setdefault(topic, set()).add(subscription)
        try:
            yield subscription
        finally:
            subscriptions = self._topics.get(topic)
            if subscriptions is not None:
                subscriptions.discard(subscription)
                if not subscriptions:
                    del self._topics[topic]


class RedisHub(Hub):
    """Publishes through Redis; one pattern subscription per process delivers every message of
    the namespace (this process's own included) to the local streams of its topic."""

    def __init__(self, redis: Redis, namespace: str) -> None:
        super().__init__()
        self.redis = redis
        self.prefix = f"{namespace}:"
        self._pubsub: Any = None
        self._listener: asyncio.Task[None] | None = None

    async def start(self) -> None:
        """Subscribe before serving: a Redis that cannot be reached stops the start-up."""
        self._pubsub = self.redis.pubsub(ignore_subscribe_messages=True)
        await self._pubsub.psubscribe(self.prefix + "*")
        self._listener = asyncio.create_task(self._listen(), name="live-redis-listener")
        await super().start()

    async def stop(self) -> None:
        await super().stop()
        if self._listener is not None:
            self._listener.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._listener
        if self._pubsub is not None:
            await self._pubsub.aclose()
        await self.redis.aclose()

    async def publish(self, topic: str, data: str) -> None:
        await self.redis.publish(self.prefix + topic, data)

    async def _listen(self) -> None:
        while True:
            try:
                async for message in self._pubsub.listen():
                    if message.get("type") != "pmessage":
                        continue
                    channel, data = message["channel"], message["data"]
                    topic = channel.decode() if isinstance(channel, bytes) else str(channel)
                    text = data.decode() if isinstance(data, bytes) else str(data)
                    self._deliver(topic.removeprefix(self.prefix), text)
            except (RedisError, OSError) as error:
                log.warning("live updates: Redis subscription broke (%r); trying again", error)
                await asyncio.sleep(RECONNECT_DELAY)


_running: list[Hub] = []


def namespace_for(database_url: str) -> str:
    """Processes on one database share live updates; other installations on the same Redis (pub/sub
    channels are not per Redis database) do not hear them."""
    return "brug-live:" + hashlib.sha256(database_url.encode()).hexdigest()[:12]


def hub_for(redis_url: str | None, namespace: str) -> Hub:
    """The Redis hub when ``PORTAL_REDIS_URL`` is set, else the in-process one."""
    if redis_url:
        return RedisHub(redis_client(redis_url), namespace)
    return Hub()


async def publish(topic: str, data: str) -> None:
    """Tell the streams on ``topic`` (in every process) that something changed; after a commit.

    ``data`` is a hint (an id, a word), never content: streams re-read for their own reader. A
    failure is logged and swallowed, so that a committed write never looks failed.
    """
    for hub in tuple(_running):
        try:
            await hub.publish(topic, data)
        except (RedisError, OSError):
            log.exception("live update on %s not published", topic)


def end_streams() -> None:
    """End every stream of this process (``portal serve`` calls it when told to stop)."""
    for hub in tuple(_running):
        hub.end_streams()


# The stream -------------------------------------------------------------------------------------

Check = Callable[[], Awaitable[None]]
Render = Callable[[str], Awaitable[bytes | None]]

CONNECTED = b": connected\n\n"
HEARTBEAT = b": heartbeat\n\n"
"""A comment line: the browser and htmx ignore it (an empty ``data`` would fire an empty event)."""
END = ServerSentEventMessage(data="", event=END_EVENT, sep="\n").encode()


def event(data: str = "", *, name: str | None = None, event_id: str | None = None) -> bytes:
    """One server-sent event; ``data`` may span lines. Unnamed events are what htmx swaps in."""
    return ServerSentEventMessage(data=data, event=name, id=event_id, sep="\n").encode()


async def event_stream(
    subscription: Subscription, *, heartbeat: float, check: Check, render: Render
) -> AsyncIterator[bytes]:
    """The bytes of one stream: ``check`` before every message and heartbeat (it raises
    ``EndStream`` or ``Reconnect``), ``render`` for each message (``None``: nothing to send)."""
    yield CONNECTED
    while True:
        try:
            message = await subscription.receive(heartbeat)
        except StreamEnded:
            return
        try:
            await check()
            chunk = HEARTBEAT if message is None else await render(message)
        except EndStream:
            yield END
            return
        except Reconnect:
            return
        if chunk is not None:
            yield chunk


def stream_response(
    hub: Hub, topic: str, *, heartbeat: float, check: Check, render: Render
) -> Stream:
    """The ``text/event-stream`` response following ``topic`` (see ``event_stream``); 503 while
    the process stops (the browser tries again, and reaches another process)."""
    if hub.closing:
        raise ServiceUnavailableException("stopping")

    async def body() -> AsyncIterator[bytes]:
        try:
            async with hub.subscribe(topic) as subscription:
                async for chunk in event_stream(
                    subscription, heartbeat=heartbeat, check=check, render=render
                ):
                    yield chunk
        except HubClosed:
            return

    return Stream(
        body(),
        media_type="text/event-stream",
        headers={"Cache-Control": "no-store", "X-Accel-Buffering": "no"},
    )
