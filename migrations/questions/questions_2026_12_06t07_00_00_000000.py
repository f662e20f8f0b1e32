"""An index for an evaluation's question figures (issue 19, ``bench/README.md``): the questions
one OCMW asked one VDAB team in a period, read through ``(ocmw, team, created_at)`` instead of
every question of the OCMW and every question of the team, other OCMWs' included."""

from piccolo.apps.migrations.auto.migration_manager import MigrationManager

ID = "2026-12-06T07:00:00:000000"
VERSION = "1.38.0"
DESCRIPTION = "question index on OCMW, team and time"

CREATE = (
    "CREATE INDEX IF NOT EXISTS question_ocmw_team_created ON question (ocmw, team, created_at)",
)
DROP = ("DROP INDEX IF EXISTS question_ocmw_team_created",)


async def forwards():
    manager = MigrationManager(migration_id=ID, app_name="questions", description=DESCRIPTION)

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
