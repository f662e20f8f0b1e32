"""An index for an evaluation's signal figures (issue 19, ``bench/README.md``): the signals one
organisation reported to one OCMW in a period, read through ``(ocmw, reporter_org, created_at)``
instead of every signal of the OCMW and every signal of the reporter, other partnerships'
included."""

from piccolo.apps.migrations.auto.migration_manager import MigrationManager

ID = "2026-12-06T07:00:00:000000"
VERSION = "1.38.0"
DESCRIPTION = "signal index on OCMW, reporter and time"

CREATE = (
    "CREATE INDEX IF NOT EXISTS signal_ocmw_reporter_created"
    " ON signal (ocmw, reporter_org, created_at)",
)
DROP = ("DROP INDEX IF EXISTS signal_ocmw_reporter_created",)


async def forwards():
    manager = MigrationManager(migration_id=ID, app_name="signals", description=DESCRIPTION)

    async def create_indexes():
        from portal.core.db import DB

        for statement in CREATE:
            await DB.run_ddl(statement)

    async def drop_indexes():
        from portal.core.db import DB

        for statement in DROP:
            await DB.run_ddl(statement)

    manager.add_raw(create_indexes)
    manager.add_raw_backwards(drop_indexes)
    return manager
