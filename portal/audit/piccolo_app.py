from pathlib import Path

from piccolo.conf.apps import AppConfig

from portal.audit.tables import AccessLogEntry, AuditChain, AuditCheckpoint

APP_CONFIG = AppConfig(
    app_name="audit",
    migrations_folder_path=str(Path(__file__).resolve().parents[2] / "migrations" / "audit"),
    table_classes=[AccessLogEntry, AuditChain, AuditCheckpoint],
    migration_dependencies=["portal.accounts.piccolo_app"],
    commands=[],
)
