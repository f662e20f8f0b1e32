from pathlib import Path

from piccolo.conf.apps import AppConfig

from portal.signals.tables import Signal, SignalChange, SignalRoute, SignalTheme

APP_CONFIG = AppConfig(
    app_name="signals",
    migrations_folder_path=str(Path(__file__).resolve().parents[2] / "migrations" / "signals"),
    table_classes=[SignalTheme, SignalRoute, Signal, SignalChange],
    migration_dependencies=["portal.accounts.piccolo_app", "portal.clients.piccolo_app"],
    commands=[],
)
