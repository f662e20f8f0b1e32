"""An index for the reasons a file holder reads on every client page: the access records of one
client and one action, newest first. Without it each page view scanned every access record of the
client (one per view)."""

from piccolo.apps.migrations.auto.migration_manager import MigrationManager

ID = "2026-12-02T11:00:00:000000"
VERSION = "1.38.0"
DESCRIPTION = "access_log index on client, action and time"

CREATE = (
    "CREATE INDEX IF NOT EXISTS access_log_client_action_at ON access_log (client_id, action, at)"
)
DROP = "DROP INDEX IF EXISTS access_log_client_action_at"


async def forwards():
    manager = MigrationManager(migration_id=ID, app_name="audit", description=DESCRIPTION)

    async def create_index():
        from portal.core.db import DB

        await DB.run_ddl(CREATE)

    async def drop_index():
        from portal.core.db import DB

        await DB.run_ddl(DROP)

    manager.add_raw(create_index)
    manager.add_raw_backwards(drop_index)
    return manager
