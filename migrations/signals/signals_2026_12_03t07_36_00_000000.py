"""The ten standard themes with the default deadline of ten working days. Their names are
translated in the portal (``signals/workflow.py``), so ``name`` stays empty."""

from piccolo.apps.migrations.auto.migration_manager import MigrationManager

ID = "2026-12-03T07:36:00:000000"
VERSION = "1.38.0"
DESCRIPTION = "the standard signal themes"

CODES = (
    "civil_affairs",
    "education",
    "housing",
    "health",
    "work",
    "language",
    "mobility",
    "digital",
    "money",
    "other",
)


async def forwards():
    manager = MigrationManager(migration_id=ID, app_name="signals", description=DESCRIPTION)

    async def insert():
        from portal.core.db import DB

        rows = ", ".join(
            f"('{code}', '', 10, {position}, TRUE)" for position, code in enumerate(CODES)
        )
        await DB.run_ddl(
            f"INSERT INTO signal_theme (code, name, deadline, position, active) VALUES {rows}"  # nosec B608  # the migration's own theme codes
        )

    async def delete():
        from portal.core.db import DB

        codes = ", ".join(f"'{code}'" for code in CODES)
        await DB.run_ddl(f"DELETE FROM signal_theme WHERE code IN ({codes})")  # nosec B608  # the migration's own theme codes

    manager.add_raw(insert)
    manager.add_raw_backwards(delete)
    return manager
