from pathlib import Path

from piccolo.conf.apps import AppConfig

from portal.questions.tables import Question, QuestionChange, QuestionDeadline

APP_CONFIG = AppConfig(
    app_name="questions",
    migrations_folder_path=str(Path(__file__).resolve().parents[2] / "migrations" / "questions"),
    table_classes=[QuestionDeadline, Question, QuestionChange],
    migration_dependencies=["portal.accounts.piccolo_app", "portal.clients.piccolo_app"],
    commands=[],
)
