"""A file's life: when a file was closed and why, when retention anonymised it, and which
timeline entries stayed with a former OCMW when the file moved."""

from piccolo.apps.migrations.auto.migration_manager import MigrationManager
from piccolo.columns.column_types import Boolean, Timestamptz, Varchar
from piccolo.columns.indexes import IndexMethod

ID = "2026-12-04T21:00:00:000000"
VERSION = "1.38.0"
DESCRIPTION = "closed files, anonymised files, entries left behind on a transfer"


def _params(**values):
    return {
        "null": False,
        "primary_key": False,
        "unique": False,
        "index": False,
        "index_method": IndexMethod.btree,
        "choices": None,
        "db_column_name": None,
        "secret": False,
        **values,
    }


NEW_COLUMNS = (
    ("Client", "client", "closed_at", Timestamptz, _params(default=None, null=True, index=True)),
    ("Client", "client", "closed_reason", Varchar, _params(length=32, default="")),
    ("Client", "client", "anonymised_at", Timestamptz, _params(default=None, null=True)),
    ("TimelineEvent", "timeline_event", "left_behind", Boolean, _params(default=False)),
)


async def forwards():
    manager = MigrationManager(migration_id=ID, app_name="clients", description=DESCRIPTION)
    for class_name, tablename, name, column_class, params in NEW_COLUMNS:
        manager.add_column(
            table_class_name=class_name,
            tablename=tablename,
            column_name=name,
            db_column_name=name,
            column_class_name=column_class.__name__,
            column_class=column_class,
            params=params,
            schema=None,
        )
    return manager
