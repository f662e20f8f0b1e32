"""An index for reading one kind of a client's entries (the kind filter, the ladder history in the
file's header): without it, a file with a long history is scanned to its first entry."""

from piccolo.apps.migrations.auto.migration_manager import MigrationManager

ID = "2026-12-02T12:00:02:000000"
VERSION = "1.38.0"
DESCRIPTION = "timeline_event index on client, kind and time"

CREATE = (
    "CREATE INDEX IF NOT EXISTS timeline_event_client_kind_time "
    "ON timeline_event (client, kind, occurred_at, id)"
)
DROP = "DROP INDEX IF EXISTS timeline_event_client_kind_time"


async def forwards():
    manager = MigrationManager(migration_id=ID, app_name="clients", description=DESCRIPTION)

    async def create_index():
        from portal.core.db import DB

        await DB.run_ddl(CREATE)

    async def drop_index():
        from portal.core.db import DB

        await DB.run_ddl(DROP)

    manager.add_raw(create_index)
    manager.add_raw_backwards(drop_index)
    return manager
