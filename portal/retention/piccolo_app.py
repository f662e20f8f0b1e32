from pathlib import Path

from piccolo.conf.apps import AppConfig

from portal.retention.tables import RetentionDeletion, RetentionObject

APP_CONFIG = AppConfig(
    app_name="retention",
    migrations_folder_path=str(Path(__file__).resolve().parents[2] / "migrations" / "retention"),
    table_classes=[RetentionDeletion, RetentionObject],
    migration_dependencies=["portal.clients.piccolo_app"],
    commands=[],
)
