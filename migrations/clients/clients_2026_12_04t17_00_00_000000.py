"""An index for "recent activity": the clients a viewer may see, most recently active first (the
start page reads the timelines of a batch of them), without sorting every client."""

from piccolo.apps.migrations.auto.migration_manager import MigrationManager

ID = "2026-12-04T17:00:00:000000"
VERSION = "1.38.0"
DESCRIPTION = "client index on last activity"

CREATE = "CREATE INDEX IF NOT EXISTS client_last_activity ON client (last_activity_at, id)"
DROP = "DROP INDEX IF EXISTS client_last_activity"


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
