"""Retention of closed files: the deletion log (``retention_deletion``, counts only) and the
document objects still to be deleted from the store (``retention_object``)."""

from piccolo.apps.migrations.auto.migration_manager import MigrationManager
from piccolo.columns.base import OnDelete, OnUpdate
from piccolo.columns.column_types import (
    JSON,
    BigInt,
    ForeignKey,
    Integer,
    Serial,
    Timestamptz,
    Varchar,
)
from piccolo.columns.defaults.timestamptz import TimestamptzNow
from piccolo.columns.indexes import IndexMethod
from piccolo.table import Table

ID = "2026-12-05T09:00:00:000000"
VERSION = "1.38.0"
DESCRIPTION = "retention_deletion and retention_object"


class Client(Table, tablename="client", schema=None):
    id = Serial(db_column_name="id")


class RetentionDeletion(Table, tablename="retention_deletion", schema=None):
    id = Serial(db_column_name="id")


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


def _reference(table, **values):
    return _params(
        references=table,
        on_delete=OnDelete.restrict,
        on_update=OnUpdate.cascade,
        target_column=None,
        **values,
    )


TABLES = (
    (
        "RetentionDeletion",
        "retention_deletion",
        (
            ("file", ForeignKey, _reference(Client, index=True)),
            ("at", Timestamptz, _params(default=TimestamptzNow())),
            ("closed_at", Timestamptz, _params(default=TimestamptzNow())),
            ("cutoff", Timestamptz, _params(default=TimestamptzNow())),
            ("years", Integer, _params(default=0)),
            ("removed", JSON, _params(default="{}")),
        ),
    ),
    (
        "RetentionObject",
        "retention_object",
        (
            ("deletion", ForeignKey, _reference(RetentionDeletion, index=True)),
            ("document", Integer, _params(default=0)),
            ("object_key", Varchar, _params(length=100, default="", unique=True)),
            ("size", BigInt, _params(default=0)),
            ("attempts", Integer, _params(default=0)),
            ("last_error", Varchar, _params(length=300, default="")),
        ),
    ),
)


async def forwards():
    manager = MigrationManager(migration_id=ID, app_name="retention", description=DESCRIPTION)
    for class_name, tablename, columns in TABLES:
        manager.add_table(class_name=class_name, tablename=tablename, schema=None, columns=None)
        for name, column_class, params in columns:
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
