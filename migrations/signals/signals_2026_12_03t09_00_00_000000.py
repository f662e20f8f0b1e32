"""Indexes for the lists of ``GET /signals`` (``signals/queue.py``), so that the queue of an
OCMW with 100,000 signals, most of them closed, reads little more than one with 1,000:

- the queue: the OCMW's signals in one state (or the open ones) of one theme, by due date; its
  counts per theme and per state, and the closed ones counted up to the cap;
- the signals still waiting for a first response (few: the new ones), by handler and due date:
  the handler's own overdue signals, and the overdue ones of the OCMW;
- the signals a person reported, newest first.
"""

from piccolo.apps.migrations.auto.migration_manager import MigrationManager

ID = "2026-12-03T09:00:00:000000"
VERSION = "1.38.0"
DESCRIPTION = "signal indexes for the queue, the handler's overdue signals and the reporter's list"

INDEXES = {
    "signal_queue": "signal (ocmw, state, theme, due_on)",
    "signal_waiting": (
        "signal (ocmw, handler, due_on) WHERE first_response_at IS NULL"
        " AND state IN ('new', 'in_progress', 'followed_up')"
    ),
    "signal_reporter_created": "signal (reporter, created_at)",
}


async def forwards():
    manager = MigrationManager(migration_id=ID, app_name="signals", description=DESCRIPTION)

    async def create_indexes():
        from portal.core.db import DB

        for name, target in INDEXES.items():
            await DB.run_ddl(f"CREATE INDEX IF NOT EXISTS {name} ON {target}")

    async def drop_indexes():
        from portal.core.db import DB

        for name in INDEXES:
            await DB.run_ddl(f"DROP INDEX IF EXISTS {name}")

    manager.add_raw(create_indexes)
    manager.add_raw_backwards(drop_indexes)
    return manager
