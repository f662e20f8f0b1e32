"""The entries written before the access log was chained take their place in the chains, in the
order they were written, and each chain gets its head; then no two entries can hold one place."""

from piccolo.apps.migrations.auto.migration_manager import MigrationManager

ID = "2026-12-04T18:00:01:000000"
VERSION = "1.38.0"
DESCRIPTION = "chain the access log written so far"

UNIQUE = "CREATE UNIQUE INDEX IF NOT EXISTS access_log_chain_seq ON access_log (chain, seq)"
DROP = "DROP INDEX IF EXISTS access_log_chain_seq"


async def forwards():
    manager = MigrationManager(migration_id=ID, app_name="audit", description=DESCRIPTION)

    async def chain_what_was_written():
        from portal.audit.chain import chain_existing
        from portal.core.db import DB

        await chain_existing()
        await DB.run_ddl(UNIQUE)

    async def drop_index():
        from portal.core.db import DB

        await DB.run_ddl(DROP)

    manager.add_raw(chain_what_was_written)
    manager.add_raw_backwards(drop_index)
    return manager
