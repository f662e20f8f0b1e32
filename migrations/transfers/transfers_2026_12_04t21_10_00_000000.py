"""Transfers of a file between OCMWs, and the entries handed over with one."""

from piccolo.apps.migrations.auto.migration_manager import MigrationManager
from piccolo.columns.base import OnDelete, OnUpdate
from piccolo.columns.column_types import (
    JSON,
    ForeignKey,
    Integer,
    Serial,
    Text,
    Timestamptz,
    Varchar,
)
from piccolo.columns.defaults.timestamptz import TimestamptzNow
from piccolo.columns.indexes import IndexMethod
from piccolo.table import Table

ID = "2026-12-04T21:10:00:000000"
VERSION = "1.38.0"
DESCRIPTION = "transfers and handed-over entries"


class Organisation(Table, tablename="organisation", schema=None):
    id = Serial(primary_key=True)


class Person(Table, tablename="person", schema=None):
    id = Serial(primary_key=True)


class Client(Table, tablename="client", schema=None):
    id = Serial(primary_key=True)


class Transfer(Table, tablename="transfer", schema=None):
    id = Serial(primary_key=True)


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


def _fk(references, **values):
    return _params(
        references=references,
        on_delete=OnDelete.restrict,
        on_update=OnUpdate.cascade,
        target_column=None,
        **values,
    )


TRANSFER = (
    ("client", ForeignKey, _fk(Client, index=True)),
    ("from_ocmw", ForeignKey, _fk(Organisation, index=True)),
    ("to_ocmw", ForeignKey, _fk(Organisation, index=True)),
    ("proposed_by", ForeignKey, _fk(Person)),
    ("proposed_at", Timestamptz, _params(default=TimestamptzNow())),
    ("note", Text, _params(default="")),
    ("state", Varchar, _params(length=16, default="pending", index=True)),
    ("decided_by", ForeignKey, _fk(Person, null=True, default=None)),
    ("decided_at", Timestamptz, _params(default=None, null=True)),
    ("reason", Text, _params(default="")),
    ("summary", JSON, _params(default="{}")),
)
HANDED_OVER = (
    ("transfer", ForeignKey, _fk(Transfer, index=True)),
    ("kind", Varchar, _params(length=16, default="")),
    ("record", Integer, _params(default=0)),
    ("audience", Varchar, _params(length=32, default="")),
)


async def forwards():
    manager = MigrationManager(migration_id=ID, app_name="transfers", description=DESCRIPTION)
    for class_name, tablename, columns in (
        ("Transfer", "transfer", TRANSFER),
        ("HandedOver", "transfer_handover", HANDED_OVER),
    ):
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
