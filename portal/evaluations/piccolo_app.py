from pathlib import Path

from piccolo.conf.apps import AppConfig

from portal.evaluations.tables import (
    ActionPoint,
    Evaluation,
    SurveyAnswer,
    SurveyInvitation,
    SurveyQuestion,
)

APP_CONFIG = AppConfig(
    app_name="evaluations",
    migrations_folder_path=str(Path(__file__).resolve().parents[2] / "migrations" / "evaluations"),
    table_classes=[Evaluation, SurveyQuestion, SurveyInvitation, SurveyAnswer, ActionPoint],
    migration_dependencies=["portal.accounts.piccolo_app"],
    commands=[],
)
