from pathlib import Path

from piccolo.conf.apps import AppConfig

from portal.courses.tables import Attendance, Course, CourseSession, Enrolment

APP_CONFIG = AppConfig(
    app_name="courses",
    migrations_folder_path=str(Path(__file__).resolve().parents[2] / "migrations" / "courses"),
    table_classes=[Course, CourseSession, Enrolment, Attendance],
    migration_dependencies=["portal.accounts.piccolo_app", "portal.clients.piccolo_app"],
    commands=[],
)
