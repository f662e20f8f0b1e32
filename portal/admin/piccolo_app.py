from pathlib import Path

from piccolo.conf.apps import AppConfig

from portal.admin.tables import AdminAction

APP_CONFIG = AppConfig(
    app_name="admin",
    migrations_folder_path=str(Path(__file__).resolve().parents[2] / "migrations" / "admin"),
    table_classes=[AdminAction],
    migration_dependencies=["portal.accounts.piccolo_app"],
    commands=[],
)
