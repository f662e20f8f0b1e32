"""Indexes Piccolo cannot declare: the timeline order, and one row per client and member/organisation."""

from piccolo.apps.migrations.auto.migration_manager import MigrationManager

ID = "2026-11-23T11:59:00:000000"
VERSION = "1.38.0"
DESCRIPTION = "timeline order and uniqueness indexes"

CREATE = (
    "CREATE INDEX IF NOT EXISTS timeline_event_client_time "
    "ON timeline_event (client, occurred_at, id)",
    "CREATE UNIQUE INDEX IF NOT EXISTS care_team_member_client_person "
    "ON care_team_member (client, person)",
    "CREATE UNIQUE INDEX IF NOT EXISTS consent_client_organisation "
    "ON consent (client, organisation)",
)
DROP = (
    "DROP INDEX IF EXISTS timeline_event_client_time",
    "DROP INDEX IF EXISTS care_team_member_client_person",
    "DROP INDEX IF EXISTS consent_client_organisation",
)


async def forwards():
    manager = MigrationManager(migration_id=ID, app_name="clients", description=DESCRIPTION)

    async def create_index():
        from portal.core.db import DB

        for statement in CREATE:
            await DB.run_ddl(statement)

    async def drop_index():
        from portal.core.db import DB

        for statement in DROP:
            await DB.run_ddl(statement)

    manager.add_raw(create_index)
    manager.add_raw_backwards(drop_index)
    return manager
