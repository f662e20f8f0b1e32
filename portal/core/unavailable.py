"""Which server the portal depends on a failure says is down: the database, Redis (sessions and
live updates) or the document store.

Such a failure is no bug of the portal: the request gets a 503 page with ``Retry-After``
(``portal.core.errors``), and the next request tries the server again, so the portal recovers by
itself once it is back. A bug, or an error the server answers while it is up (a constraint, a
syntax error, a missing object), stays a 500.
"""

from __future__ import annotations

import errno
import sqlite3
import traceback

import asyncpg
import redis.exceptions

from portal.core.storage import StorageUnavailable

DATABASE = "database"
SESSIONS = "Redis"
DOCUMENTS = "document store"
NETWORK = "a server"
"""A socket error raised from no client library the portal knows."""

_POSTGRES_DOWN = (
    asyncpg.exceptions.PostgresConnectionError,
    asyncpg.exceptions.CannotConnectNowError,
    asyncpg.exceptions.AdminShutdownError,
    asyncpg.exceptions.CrashShutdownError,
    asyncpg.exceptions.TooManyConnectionsError,
)
_SQLITE_DOWN = (
    "database is locked",
    "database table is locked",
    "unable to open database file",
    "disk i/o error",
)
_SOCKET_DOWN = {
    errno.ECONNREFUSED,
    errno.ECONNRESET,
    errno.ECONNABORTED,
    errno.EHOSTUNREACH,
    errno.ENETUNREACH,
    errno.ETIMEDOUT,
    errno.EPIPE,
}
_CHAIN_DEPTH = 5
_LIBRARIES = (
    ("asyncpg", DATABASE),
    ("piccolo", DATABASE),
    ("aiosqlite", DATABASE),
    ("redis", SESSIONS),
    ("minio", DOCUMENTS),
    ("urllib3", DOCUMENTS),
)
"""Whose code a bare socket error was raised in: the database pool opens its connections with
the standard library's sockets, which raise ``ConnectionRefusedError`` unwrapped."""


def _raised_in(error: BaseException) -> str:
    server = NETWORK
    for frame, _line in traceback.walk_tb(error.__traceback__):
        module = str(frame.f_globals.get("__name__", ""))
        for library, named in _LIBRARIES:
            if module == library or module.startswith(library + "."):
                server = named
    return server


def _which(error: BaseException) -> str | None:
    if isinstance(error, StorageUnavailable):
        return DOCUMENTS
    if isinstance(error, redis.exceptions.ConnectionError | redis.exceptions.TimeoutError):
        return SESSIONS
    if isinstance(error, _POSTGRES_DOWN):
        return DATABASE
    if isinstance(error, asyncpg.exceptions.InterfaceError) and "connection is closed" in str(
        error
    ):
        return DATABASE
    if isinstance(error, sqlite3.OperationalError) and str(error).lower() in _SQLITE_DOWN:
        return DATABASE
    if isinstance(error, ConnectionError) or (
        isinstance(error, OSError)
        and (error.errno in _SOCKET_DOWN or "Connect call failed" in str(error))
    ):
        return _raised_in(error)
    return None


def unavailable(error: BaseException) -> str | None:
    """The server ``error`` says cannot be reached (``DATABASE``, ``SESSIONS``, ``DOCUMENTS`` or
    ``NETWORK``), or ``None`` for any other failure. An error raised while handling such a
    failure (a rollback on a closed connection) counts as that failure, unless it was raised
    ``from None``."""
    seen: BaseException | None = error
    for _ in range(_CHAIN_DEPTH):
        if seen is None:
            return None
        if (server := _which(seen)) is not None:
            return server
        explicit = seen.__cause__ is not None or seen.__suppress_context__
        seen = seen.__cause__ if explicit else seen.__context__
    return None
