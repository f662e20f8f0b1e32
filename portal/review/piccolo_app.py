from pathlib import Path

from piccolo.conf.apps import AppConfig

from portal.review.tables import ReviewItem, ReviewRound

APP_CONFIG = AppConfig(
    app_name="review",
    migrations_folder_path=str(Path(__file__).resolve().parents[2] / "migrations" / "review"),
    table_classes=[ReviewRound, ReviewItem],
    migration_dependencies=["portal.accounts.piccolo_app", "portal.clients.piccolo_app"],
    commands=[],
)
