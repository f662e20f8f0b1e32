from pathlib import Path

from piccolo.conf.apps import AppConfig

from portal.documents.tables import Document

APP_CONFIG = AppConfig(
    app_name="documents",
    migrations_folder_path=str(Path(__file__).resolve().parents[2] / "migrations" / "documents"),
    table_classes=[Document],
    migration_dependencies=["portal.accounts.piccolo_app", "portal.clients.piccolo_app"],
    commands=[],
)
