"""How ``portal serve`` runs uvicorn: limits on a request's head, an access log without query
strings, and live streams that end as soon as the server is told to stop (``ServeServer``).

uvicorn's protocols bound neither the time a client may take to send its request line and headers
(a client trickling header bytes holds a connection forever: slowloris) nor, with httptools, their
size. ``HeadLimitedProtocol`` (uvicorn's httptools protocol, the fast C parser) counts the head as
the parser reports it, answers 431 past ``MAX_HEAD_BYTES`` and closes a connection whose head is not
complete within ``HEAD_TIMEOUT``. The access log line of uvicorn carries the query string, where a
client search (``/clients?q=<name>``) would leave a name in the server's log;
``WithoutQueryString`` cuts it off.
"""

from __future__ import annotations

import asyncio
import copy
import logging
import socket
from typing import Any

from uvicorn.config import LOGGING_CONFIG, Config
from uvicorn.protocols.http.httptools_impl import HttpToolsProtocol
from uvicorn.server import Server, ServerState

from portal.core import live

HEAD_TIMEOUT = 10.0
"""Seconds a client has to send a request line and all headers, counted from the connection (or,
on a kept-alive connection, from the next request's first byte); then the connection is closed."""
MAX_HEAD_BYTES = 16 * 1024
"""Largest request line plus headers accepted; a larger head is answered 431 and closed."""
KEEP_ALIVE = 75.0
"""Seconds an idle kept-alive connection stays open (uvicorn's default is 5). Longer than the idle
timeout of the load balancers in front (60 s at most by default), so that the balancer, not the
portal, closes an idle connection: when the portal closes it first, a request sent on it at that
moment meets a reset (a 502 behind a balancer). ``make faults`` met such resets with people who
paused about 5 s between two clicks on a busy machine."""


class ServeServer(Server):
    """uvicorn's server, ending the live streams as soon as it starts to stop.

    uvicorn waits (up to its graceful timeout) for open connections before it runs the app's
    shutdown, so a stream waiting for its next event would hold the stop for that long; ending the
    streams first lets every response finish at once, and the browser reconnects elsewhere.
    """

    async def shutdown(self, sockets: list[socket.socket] | None = None) -> None:
        live.end_streams()
        await super().shutdown(sockets)


class HeadTooLarge(Exception):
    """Raised inside a parser callback: the parser stops, and the protocol answers 431."""


class ServeConfig(Config):
    """uvicorn's configuration with the portal's limits: the protocol below, the head size and
    deadline, and the access log without query strings."""

    def __init__(
        self,
        app: Any,
        *,
        head_timeout: float = HEAD_TIMEOUT,
        max_head_bytes: int = MAX_HEAD_BYTES,
        **options: Any,
    ) -> None:
        self.head_timeout = head_timeout
        self.max_head_bytes = max_head_bytes
        options.setdefault("http", HeadLimitedProtocol)
        options.setdefault("log_config", logging_config())
        options.setdefault("timeout_keep_alive", KEEP_ALIVE)
        super().__init__(app, **options)


class HeadLimitedProtocol(HttpToolsProtocol):
    """uvicorn's httptools protocol, closing a connection whose request head is not complete in
    time, and answering 431 to a head larger than the limit.

    The size is counted from the parser's callbacks (request target and each header as parsed),
    so it holds however the bytes arrive. The deadline runs from the connection, and on a
    kept-alive connection from the next request's first byte (before that, uvicorn's keep-alive
    timeout applies); it stops once the head is complete, so slow bodies and long responses
    (server-sent events) are not cut.
    """

    def __init__(
        self,
        config: Config,
        server_state: ServerState,
        app_state: dict[str, Any],
        _loop: asyncio.AbstractEventLoop | None = None,
    ) -> None:
        super().__init__(config, server_state, app_state, _loop)
        self.head_timeout = getattr(config, "head_timeout", HEAD_TIMEOUT)
        self.max_head_bytes = getattr(config, "max_head_bytes", MAX_HEAD_BYTES)
        self.head_deadline: asyncio.TimerHandle | None = None
        self.head_bytes = 0
        self.head_too_large = False

    def connection_made(self, transport: asyncio.Transport) -> None:  # type: ignore[override]
        super().connection_made(transport)
        self._arm_head_deadline()

    def connection_lost(self, exc: Exception | None) -> None:
        self._disarm_head_deadline()
        super().connection_lost(exc)

    def on_message_begin(self) -> None:
        super().on_message_begin()
        self.head_bytes = 0
        self._arm_head_deadline()

    def on_url(self, url: bytes) -> None:
        self._count(len(url))
        super().on_url(url)

    def on_header(self, name: bytes, value: bytes) -> None:
        self._count(len(name) + len(value) + 4)
        super().on_header(name, value)

    def on_headers_complete(self) -> None:
        self._disarm_head_deadline()
        super().on_headers_complete()

    def send_400_response(self, msg: str) -> None:
        if self.head_too_large:
            self._send_431()
        else:
            super().send_400_response(msg)

    def _count(self, size: int) -> None:
        self.head_bytes += size
        if self.head_bytes > self.max_head_bytes:
            self.head_too_large = True
            raise HeadTooLarge()

    def _send_431(self) -> None:
        body = b"Request header fields too large"
        self.transport.write(
            b"HTTP/1.1 431 Request Header Fields Too Large\r\n"
            b"content-type: text/plain; charset=utf-8\r\n"
            b"content-length: " + str(len(body)).encode() + b"\r\n"
            b"connection: close\r\n\r\n" + body
        )
        self.transport.close()

    def _arm_head_deadline(self) -> None:
        if self.head_deadline is None:
            self.head_deadline = self.loop.call_later(self.head_timeout, self._head_too_slow)

    def _disarm_head_deadline(self) -> None:
        if self.head_deadline is not None:
            self.head_deadline.cancel()
            self.head_deadline = None

    def _head_too_slow(self) -> None:
        self.head_deadline = None
        if not self.transport.is_closing():
            self.logger.debug(
                "closing a connection: no complete request head in %s s", self.head_timeout
            )
            self.transport.close()


class WithoutQueryString(logging.Filter):
    """Cuts the query string off the request target in uvicorn's access-log records.

    uvicorn logs ``'%s - "%s %s HTTP/%s" %d'`` with the target as ``path?query``; any string
    argument is cut at its first ``?`` (the client address, method and version hold none), so a
    change in the argument order cannot let a query through.
    """

    def filter(self, record: logging.LogRecord) -> bool:
        if isinstance(record.args, tuple):
            record.args = tuple(
                arg.partition("?")[0] if isinstance(arg, str) else arg for arg in record.args
            )
        return True


def logging_config() -> dict[str, Any]:
    """uvicorn's logging configuration with ``WithoutQueryString`` on the access logger."""
    config = copy.deepcopy(LOGGING_CONFIG)
    config.setdefault("filters", {})["without_query_string"] = {"()": WithoutQueryString}
    config["loggers"]["uvicorn.access"]["filters"] = ["without_query_string"]
    return config
