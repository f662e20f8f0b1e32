"""Indexes for the inbox: a person's items newest first (the inbox page), and their unread ones
(the header's count on every page, and "mark all read")."""

from piccolo.apps.migrations.auto.migration_manager import MigrationManager

ID = "2026-12-03T16:50:00:000000"
VERSION = "1.38.0"
DESCRIPTION = "inbox indexes for a person's items and their unread count"

INDEXES = {
    "inbox_item_person_created": "inbox_item (person, created_at)",
    "inbox_item_unread": "inbox_item (person, record, record_id) WHERE read_at IS NULL",
}


async def forwards():
    manager = MigrationManager(migration_id=ID, app_name="notifications", description=DESCRIPTION)

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
