from pathlib import Path

from piccolo.conf.apps import AppConfig

from portal.transfers.tables import HandedOver, Transfer

APP_CONFIG = AppConfig(
    app_name="transfers",
    migrations_folder_path=str(Path(__file__).resolve().parents[2] / "migrations" / "transfers"),
    table_classes=[Transfer, HandedOver],
    migration_dependencies=["portal.accounts.piccolo_app", "portal.clients.piccolo_app"],
    commands=[],
)
