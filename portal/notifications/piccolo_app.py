from pathlib import Path

from piccolo.conf.apps import AppConfig

from portal.notifications.tables import DigestChoice, InboxItem

MIGRATIONS = Path(__file__).resolve().parents[2] / "migrations" / "notifications"

APP_CONFIG = AppConfig(
    app_name="notifications",
    migrations_folder_path=str(
        Path(__file__).resolve().parents[2] / "migrations" / "notifications"
    ),
    table_classes=[InboxItem, DigestChoice],
    migration_dependencies=["portal.accounts.piccolo_app"],
    commands=[],
)
