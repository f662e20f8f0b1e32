"""The database engine, chosen once from ``PORTAL_DATABASE_URL`` before any table is imported.

Piccolo binds tables to the engine of ``piccolo_conf`` when they are defined, so the engine is made
here at import time (see STACK-NOTES: re-pointing tables at run time misses Piccolo's own tables).
``create_app`` checks that its settings name the same database.
"""

from __future__ import annotations

import contextvars
import os
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

from piccolo.engine.postgres import PostgresEngine
from piccolo.engine.sqlite import SQLiteEngine
from piccolo.querystring import QueryString

from portal.settings import DEFAULT_DATABASE_URL

_query_count: contextvars.ContextVar[list[int] | None] = contextvars.ContextVar(
    "portal_query_count", default=None
)


def _count() -> None:
    counter = _query_count.get()
    if counter is not None:
        counter[0] += 1


class _Quiet:
    """Piccolo checks the server version while the engine is built, i.e. at import, printing to
    stderr and touching the network; ``portal check`` and ``/health`` reach the database instead."""

    async def check_version(self) -> None:
        return None


class CountingSQLiteEngine(_Quiet, SQLiteEngine):
    async def run_querystring(self, querystring: QueryString, in_pool: bool = False) -> Any:
        _count()
        return await super().run_querystring(querystring, in_pool)


class CountingPostgresEngine(_Quiet, PostgresEngine):
    async def run_querystring(self, querystring: QueryString, in_pool: bool = True) -> Any:
        _count()
        return await super().run_querystring(querystring, in_pool)


@contextmanager
def count_queries() -> Iterator[list[int]]:
    """Count the SQL statements run in this context (``counter[0]``); used by tests and benches."""
    counter = [0]
    token = _query_count.set(counter)
    try:
        yield counter
    finally:
        _query_count.reset(token)


def engine_for(url: str) -> SQLiteEngine | PostgresEngine:
    if url.startswith("sqlite:///"):
        path = Path(url.removeprefix("sqlite:///"))
        path.parent.mkdir(parents=True, exist_ok=True)
        return CountingSQLiteEngine(path=str(path), timeout=30)
    dsn = "postgresql://" + url.split("://", 1)[1]
    return CountingPostgresEngine(config={"dsn": dsn})


DATABASE_URL = os.environ.get("PORTAL_DATABASE_URL") or DEFAULT_DATABASE_URL
DB = engine_for(DATABASE_URL)


def is_sqlite() -> bool:
    return isinstance(DB, SQLiteEngine)


async def ping() -> None:
    await DB.run_querystring(QueryString("SELECT 1"))


async def _keep_session_state(_connection: Any) -> None:
    """Pool release hook. asyncpg still rolls back a stray transaction before calling it; its
    default (unlock advisory locks, close cursors, UNLISTEN, RESET ALL) costs a round trip per
    query and guards state the portal never sets."""


async def start() -> bool:
    """Open the PostgreSQL pool unless one is open; ``True`` when this call opened it."""
    if isinstance(DB, PostgresEngine) and DB.pool is None:
        await DB.start_connection_pool(min_size=1, max_size=10, reset=_keep_session_state)
        return True
    return False


async def stop() -> None:
    if isinstance(DB, PostgresEngine):
        await DB.close_connection_pool()


def icontains(column: Any, term: str) -> Any:
    """Case-insensitive substring match: ILIKE on PostgreSQL, LIKE (already so) on SQLite."""
    pattern = f"%{term}%"
    return column.like(pattern) if is_sqlite() else column.ilike(pattern)
