from pathlib import Path

from piccolo.conf.apps import AppConfig

from portal.clients.tables import CareTeamMember, Client, Consent
from portal.timeline.tables import TimelineEvent

APP_CONFIG = AppConfig(
    app_name="clients",
    migrations_folder_path=str(Path(__file__).resolve().parents[2] / "migrations" / "clients"),
    table_classes=[CareTeamMember, Client, Consent, TimelineEvent],
    migration_dependencies=["portal.accounts.piccolo_app"],
    commands=[],
)
"""``timeline_event`` was created by this app's migrations and keeps them here."""
