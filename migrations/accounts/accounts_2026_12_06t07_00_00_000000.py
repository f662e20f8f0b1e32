"""An index on a person's organisation (issue 19, ``bench/README.md``): an organisation's
people (an evaluation's partnership clients, its survey's colleagues) were found by reading all
15,000 people of Flanders."""

from piccolo.apps.migrations.auto.migration_manager import MigrationManager

ID = "2026-12-06T07:00:00:000000"
VERSION = "1.38.0"
DESCRIPTION = "person index on organisation"

CREATE = ("CREATE INDEX IF NOT EXISTS person_organisation ON person (organisation)",)
DROP = ("DROP INDEX IF EXISTS person_organisation",)


async def forwards():
    manager = MigrationManager(migration_id=ID, app_name="accounts", description=DESCRIPTION)

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
