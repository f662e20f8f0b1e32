from piccolo.apps.migrations.auto.migration_manager import MigrationManager

ID = "2026-12-03T16:33:40:139504"
VERSION = "1.38.0"
DESCRIPTION = ""


async def forwards():
    manager = MigrationManager(
        migration_id=ID, app_name="signals", description=DESCRIPTION
    )

    manager.drop_table(
        class_name="SignalNotice", tablename="signal_notice", schema=None
    )

    return manager
