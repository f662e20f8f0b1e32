"""The signed checkpoints of what ``portal audit prune`` removed from each chain."""

from piccolo.apps.migrations.auto.migration_manager import MigrationManager
from piccolo.columns.column_types import Integer, Timestamptz, Varchar
from piccolo.columns.defaults.timestamptz import TimestamptzNow
from piccolo.columns.indexes import IndexMethod

ID = "2026-12-04T18:00:02:000000"
VERSION = "1.38.0"
DESCRIPTION = "audit_checkpoint"


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


async def forwards():
    manager = MigrationManager(migration_id=ID, app_name="audit", description=DESCRIPTION)
    manager.add_table(
        class_name="AuditCheckpoint", tablename="audit_checkpoint", schema=None, columns=None
    )
    for name, column_class, params in (
        ("chain", Varchar, _params(length=40, default="", index=True)),
        ("through_seq", Integer, _params(default=0)),
        ("through_hash", Varchar, _params(length=64, default="")),
        ("removed", Integer, _params(default=0)),
        ("before", Timestamptz, _params(default=TimestamptzNow())),
        ("at", Timestamptz, _params(default=TimestamptzNow())),
        ("signature", Varchar, _params(length=64, default="")),
    ):
        manager.add_column(
            table_class_name="AuditCheckpoint",
            tablename="audit_checkpoint",
            column_name=name,
            db_column_name=name,
            column_class_name=column_class.__name__,
            column_class=column_class,
            params=params,
            schema=None,
        )
    return manager
