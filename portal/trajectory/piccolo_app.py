from pathlib import Path

from piccolo.conf.apps import AppConfig

from portal.trajectory.tables import Intake, IntakeAnswer, Invitation, Placement, TrainingRequest

APP_CONFIG = AppConfig(
    app_name="trajectory",
    migrations_folder_path=str(Path(__file__).resolve().parents[2] / "migrations" / "trajectory"),
    table_classes=[TrainingRequest, Invitation, Intake, IntakeAnswer, Placement],
    migration_dependencies=["portal.clients.piccolo_app"],
    commands=[],
)
