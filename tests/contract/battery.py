"""What the security battery's tests share: the leak matrix's world, the app's routes and a
snapshot of the whole database.

The routes come from the app itself and each is looked up in the leak matrix (``MATRIX``), which
knows how to build its URLs and forms for every person of the world: a new route is covered by the
battery as soon as the matrix has it, and the matrix fails until it does.
"""

from __future__ import annotations

import contextlib
import datetime as dt
import json
import sqlite3
from collections.abc import AsyncIterator, Iterable
from contextlib import asynccontextmanager
from pathlib import Path
from typing import Any

from litestar import Litestar
from litestar.handlers import HTTPRouteHandler
from piccolo.engine.sqlite import SQLiteEngine

from portal import domains
from portal.core import db
from portal.review.workflow import Quarter
from tests.support.documents import add_documents, add_signal_attachments
from tests.support.evaluations import add_evaluations
from tests.support.factories import World, add_review_rounds, build_world
from tests.support.questions import add_questions
from tests.support.signals import add_signals
from tests.support.transfers import add_transfer

SAFE_METHODS = frozenset({"GET", "HEAD", "OPTIONS"})
OPENAPI = Path(__file__).resolve().parents[2] / "docs" / "openapi.json"
"""The portal's JSON endpoints, described by hand (``test_json_endpoints``)."""

Row = tuple[tuple[str, Any], ...]
"""A row as its (column, value) pairs."""
Snapshot = dict[str, str]
"""Each table's rows, as one JSON text."""


async def seed_world(app: Litestar) -> World:
    """The leak matrix's world: every kind of record, of several organisations."""
    world = await build_world()
    now = Quarter.of(dt.date.today())
    await add_review_rounds(world, f"{now.year - 1}-Q{now.number}")
    await add_documents(world, app.state.storage)
    await add_signals(world)
    await add_signal_attachments(world, app.state.storage)
    await add_questions(world)
    await add_transfer(world)
    await add_evaluations(world)
    return world


def handlers_of(app: Litestar, *, safe: bool) -> dict[tuple[str, str], HTTPRouteHandler]:
    """The handler of each (method, path) of the app but static files: the safe (GET) routes or
    the unsafe ones."""
    found: dict[tuple[str, str], HTTPRouteHandler] = {}
    for route in app.routes:
        if route.path.startswith("/static"):
            continue
        for method, (handler, _) in getattr(route, "route_handler_map", {}).items():
            if method not in ("HEAD", "OPTIONS") and (method in SAFE_METHODS) is safe:
                found[(method, route.path)] = handler
    return dict(sorted(found.items()))


def routes_of(app: Litestar, *, safe: bool) -> list[tuple[str, str]]:
    return list(handlers_of(app, safe=safe))


def described_json_routes() -> set[tuple[str, str]]:
    """(method, path) of every operation of ``docs/openapi.json``."""
    paths = json.loads(OPENAPI.read_text())["paths"]
    return {(method.upper(), path) for path, operations in paths.items() for method in operations}


async def database_tables() -> list[str]:
    """Every table in the database, as its catalogue lists them (so a table that a migration
    made is there whether or not a domain registers it)."""
    if db.is_sqlite():
        rows = await db.run_sql(
            "SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite_%'"
        )
        names = [row["name"] for row in rows]
    else:
        rows = await db.run_sql(
            "SELECT tablename FROM pg_tables WHERE schemaname = current_schema()"
        )
        names = [row["tablename"] for row in rows]
    registered = {table._meta.tablename for table in domains.tables()}
    missing = registered - set(names)
    assert not missing, f"registered tables the database lacks: {sorted(missing)}"
    return sorted(names)


class Snapshots:
    """Takes every row of some tables, each table as one JSON text in the order of its rows, in
    one statement (a crawl takes hundreds); only the tables that differ are parsed.

    On SQLite a connection of its own watches ``PRAGMA data_version``, which changes whenever
    another connection commits a change to the file: while it stands still the last snapshot is
    still the database's, and the statement is not run again.
    """

    def __init__(self, sql: str, watcher: sqlite3.Connection | None) -> None:
        self.sql = sql
        self.watcher = watcher
        self.last: tuple[int, Snapshot] | None = None

    @classmethod
    @asynccontextmanager
    async def of(cls, tables: Iterable[str]) -> AsyncIterator[Snapshots]:
        tables = sorted(tables)
        if not db.is_sqlite():
            yield cls(
                " UNION ALL ".join(
                    f"SELECT '{table}' AS t, (SELECT coalesce(json_agg(x ORDER BY x.ctid), '[]')"
                    f'::text FROM "{table}" x) AS r'
                    for table in tables
                ),
                None,
            )
            return
        rows = await db.run_sql(
            "SELECT m.name AS t, p.name AS c FROM sqlite_master m"
            " JOIN pragma_table_info(m.name) p WHERE m.type = 'table' ORDER BY p.cid"
        )
        columns: dict[str, list[str]] = {}
        for row in rows:
            columns.setdefault(row["t"], []).append(row["c"])
        sql = " UNION ALL ".join(
            f"SELECT '{table}' AS t, (SELECT json_group_array(json_object("
            + ", ".join(f"'{column}', \"{column}\"" for column in columns[table])
            + f')) FROM (SELECT * FROM "{table}" ORDER BY rowid)) AS r'
            for table in tables
        )
        assert isinstance(db.DB, SQLiteEngine)
        with contextlib.closing(sqlite3.connect(db.DB.path)) as watcher:
            yield cls(sql, watcher)

    async def take(self) -> Snapshot:
        if self.watcher is None:
            return await self._read()
        version = int(self.watcher.execute("PRAGMA data_version").fetchone()[0])
        if self.last is None or self.last[0] != version:
            self.last = (version, await self._read())
        return self.last[1]

    async def _read(self) -> Snapshot:
        return {row["t"]: row["r"] for row in await db.run_sql(self.sql)}


def changes(before: Snapshot, after: Snapshot) -> dict[str, dict[str, list[Row]]]:
    """Per changed table, the rows that went and the rows that came."""
    found: dict[str, dict[str, list[Row]]] = {}
    for table in sorted(set(before) | set(after)):
        if before.get(table) == after.get(table):
            continue
        old, new = _rows(before.get(table)), _rows(after.get(table))
        if old == new:
            continue  # the same rows in another physical order
        found[table] = {
            "gone": [row for row in old if row not in new],
            "came": [row for row in new if row not in old],
        }
    return found


def _rows(text: str | None) -> list[Row]:
    return sorted((tuple(sorted(item.items())) for item in json.loads(text or "[]")), key=repr)


def stored_objects(app: Litestar) -> set[tuple[str, int]]:
    """The document store's objects, by key and size."""
    return {(item.key, item.size) for item in app.state.storage.objects()}
