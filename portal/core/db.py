"""The database engine, chosen once from ``PORTAL_DATABASE_URL`` before any table is imported.

Piccolo binds tables to the engine of ``piccolo_conf`` when they are defined, so the engine is made
here at import time (see STACK-NOTES: re-pointing tables at run time misses Piccolo's own tables).
``create_app`` checks that its settings name the same database.
"""

from __future__ import annotations

import contextvars
import inspect
import logging
import os
from collections.abc import AsyncIterator, Awaitable, Callable, Iterator
from contextlib import asynccontextmanager, contextmanager
from pathlib import Path
from typing import Any

import aiosqlite
from piccolo.engine.postgres import PostgresEngine
from piccolo.engine.sqlite import SQLiteEngine, TransactionType, dict_factory
from piccolo.querystring import QueryString

from portal.settings import DEFAULT_DATABASE_URL

log = logging.getLogger("portal.db")

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
    """Piccolo opens a connection, and a thread, for every statement outside a transaction (about
    a millisecond each); here those statements share one connection in autocommit mode, with
    foreign keys switched on before each as Piccolo does. Transactions keep their own."""

    _shared: aiosqlite.Connection | None = None

    async def _shared_connection(self) -> aiosqlite.Connection:
        if self._shared is None:
            connection = aiosqlite.connect(**(self.connection_kwargs | {"isolation_level": None}))
            connection._thread.daemon = True  # an unclosed connection must not keep a process alive
            await connection
            connection.row_factory = dict_factory  # type: ignore[assignment]
            if self._shared is None:
                self._shared = connection
            else:
                await connection.close()
        return self._shared

    async def close_shared(self) -> None:
        connection, self._shared = self._shared, None
        if connection is not None:
            await connection.close()

    async def run_querystring(self, querystring: QueryString, in_pool: bool = False) -> Any:
        _count()
        if self.current_transaction.get() is not None or self.log_queries or self.log_responses:
            return await super().run_querystring(querystring, in_pool)
        query, args = querystring.compile_string(engine_type=self.engine_type)
        connection = await self._shared_connection()
        await connection.execute("PRAGMA foreign_keys = 1")
        async with connection.execute(query, args) as cursor:
            return await cursor.fetchall()


class CountingPostgresEngine(_Quiet, PostgresEngine):
    async def run_querystring(self, querystring: QueryString, in_pool: bool = True) -> Any:
        _count()
        return await super().run_querystring(querystring, in_pool)


@contextmanager
def not_counted() -> Iterator[None]:
    """Statements a check runs beside a page's own (development and tests) stay out of its
    count."""
    token = _query_count.set(None)
    try:
        yield
    finally:
        _query_count.reset(token)


KNOWN_ARRAYS = ("varchar[]", "int4[]")
"""The array types of the portal's columns (people's roles, an admin change's organisations),
met by every pooled connection when it opens, so that asyncpg can decode them inside a record."""


async def _meet_array_types(connection: Any) -> None:
    columns = ", ".join(f"NULL::{name} AS a{index}" for index, name in enumerate(KNOWN_ARRAYS))
    await connection.fetch(f"SELECT {columns}")  # nosec B608  # the names above


async def result_columns(sql: str) -> list[tuple[str, bool]]:
    """A PostgreSQL statement's result columns, from the server's description of it (prepared,
    not run): each name, and whether asyncpg decodes its type inside a record on every pooled
    connection: PostgreSQL's own scalars, and the arrays every pooled connection met when it
    opened (``KNOWN_ARRAYS``; another array's decoder is only known to a connection that has met
    it as a column)."""
    assert isinstance(DB, PostgresEngine)
    transaction = DB.current_transaction.get()
    if transaction is not None:
        statement = await transaction.connection.prepare(sql)
        attributes = statement.get_attributes()
    else:
        assert DB.pool is not None
        async with DB.pool.acquire() as connection:
            statement = await connection.prepare(sql)
            attributes = statement.get_attributes()
    return [
        (
            a.name,
            a.type.schema == "pg_catalog"
            and (a.type.kind == "scalar" or a.type.name in KNOWN_ARRAYS),
        )
        for a in attributes
    ]


@contextmanager
def count_queries() -> Iterator[list[int]]:
    """Count the SQL statements run in this context (``counter[0]``); used by tests and benches."""
    counter = [0]
    token = _query_count.set(counter)
    try:
        yield counter
    finally:
        _query_count.reset(token)


SERVER_SETTINGS = {"jit": "off"}
"""PostgreSQL compiles a statement whose estimated cost passes ``jit_above_cost`` on every run;
the pages' scoped statements pass it once a few thousand files exist and took 0.1-0.8 s each to
compile (``bench/README.md``), far more than they take to run."""


def engine_for(url: str) -> SQLiteEngine | PostgresEngine:
    if url.startswith("sqlite:///"):
        path = Path(url.removeprefix("sqlite:///"))
        path.parent.mkdir(parents=True, exist_ok=True)
        return CountingSQLiteEngine(path=str(path), timeout=30)
    dsn = "postgresql://" + url.split("://", 1)[1]
    return CountingPostgresEngine(config={"dsn": dsn, "server_settings": SERVER_SETTINGS})


DATABASE_URL = os.environ.get("PORTAL_DATABASE_URL") or DEFAULT_DATABASE_URL
DB = engine_for(DATABASE_URL)


def is_sqlite() -> bool:
    return isinstance(DB, SQLiteEngine)


def pooled() -> bool:
    """PostgreSQL with the portal's pool open (its connections met ``KNOWN_ARRAYS``)."""
    return isinstance(DB, PostgresEngine) and DB.pool is not None


async def run_sql(sql: str, *args: Any) -> list[dict[str, Any]]:
    """One statement as written (``{}`` for each argument), below the query builder: for a claim
    with ``RETURNING``, an insert that may meet its twin, or a read the builder cannot say."""
    return list(await DB.run_querystring(QueryString(sql, *args)))


async def ping() -> None:
    await DB.run_querystring(QueryString("SELECT 1"))


async def _keep_session_state(_connection: Any) -> None:
    """Pool release hook. asyncpg still rolls back a stray transaction before calling it; its
    default (unlock advisory locks, close cursors, UNLISTEN, RESET ALL) costs a round trip per
    query and guards state the portal never sets."""


async def start() -> bool:
    """Open the PostgreSQL pool unless one is open; ``True`` when this call opened it."""
    if isinstance(DB, PostgresEngine) and DB.pool is None:
        await DB.start_connection_pool(
            min_size=1, max_size=10, reset=_keep_session_state, init=_meet_array_types
        )
        return True
    return False


async def stop() -> None:
    if isinstance(DB, PostgresEngine):
        await DB.close_connection_pool()
    elif isinstance(DB, CountingSQLiteEngine):
        await DB.close_shared()


Effect = Callable[[], Awaitable[None] | None]


class NoUnitOfWork(RuntimeError):
    """A write that must be part of a unit of work was attempted outside one."""


class UnitOfWork:
    """One database transaction and the side effects that may only happen once it has committed."""

    def __init__(self) -> None:
        self._effects: list[Effect] = []
        self._at_end: list[Effect] = []

    def after_commit(self, effect: Effect) -> None:
        """Run ``effect`` (a function or coroutine function) after a successful commit only."""
        self._effects.append(effect)

    def at_end(self, effect: Effect) -> None:
        """Run ``effect`` once the transaction has ended, committed or rolled back, before the
        caller goes on: a write that must stand even when the work it belongs to is refused (an
        access-log entry of a refusal). Unlike ``after_commit`` effects, a failure propagates."""
        self._at_end.append(effect)

    async def _run_at_end(self) -> None:
        for effect in self._at_end:
            result = effect()
            if inspect.isawaitable(result):
                await result

    async def _run_effects(self) -> None:
        for effect in self._effects:
            try:
                result = effect()
                if inspect.isawaitable(result):
                    await result
            except Exception:
                log.exception("after-commit effect %r failed; the write itself stands", effect)


_current_unit: contextvars.ContextVar[UnitOfWork | None] = contextvars.ContextVar(
    "portal_unit_of_work", default=None
)


def _transaction() -> Any:
    if isinstance(DB, SQLiteEngine):
        return DB.transaction(transaction_type=TransactionType.immediate)
    return DB.transaction()


@asynccontextmanager
async def unit_of_work() -> AsyncIterator[UnitOfWork]:
    """``async with unit_of_work() as uow:`` runs its writes in one transaction.

    Leaving the block normally commits and then runs the ``after_commit`` effects; an exception
    rolls everything back and no effect runs. A unit of work opened inside another joins it, so
    services compose: the outermost block decides.
    """
    outer = _current_unit.get()
    if outer is not None:
        yield outer
        return
    unit = UnitOfWork()
    token = _current_unit.set(unit)
    try:
        async with _transaction():
            yield unit
    finally:
        _current_unit.reset(token)
        await unit._run_at_end()
    await unit._run_effects()


def unit_in_progress() -> UnitOfWork | None:
    return _current_unit.get()


def current_unit_of_work() -> UnitOfWork:
    """The unit of work this code runs in; writers that must not run alone call this first."""
    unit = _current_unit.get()
    if unit is None:
        raise NoUnitOfWork("this write must run inside `async with unit_of_work()`")
    return unit
