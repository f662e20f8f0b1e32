from pathlib import Path

from piccolo.conf.apps import AppConfig

from portal.accounts.tables import Organisation, Partnership, Person

APP_CONFIG = AppConfig(
    app_name="accounts",
    migrations_folder_path=str(Path(__file__).resolve().parents[2] / "migrations" / "accounts"),
    table_classes=[Organisation, Partnership, Person],
    migration_dependencies=[],
    commands=[],
)
