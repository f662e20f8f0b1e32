"""The client file as a working place: the agreement note's dates, a folded name for searching,
the time of the last entry, and the statuses of ``clients.workflow``.

The next migration fills the new columns and renames the old status. The status column's
new default (``intake``) is recorded in Piccolo's snapshot only: Piccolo writes defaults itself on
every insert, and SQLite cannot alter a column's default.
"""

from piccolo.apps.migrations.auto.migration_manager import MigrationManager
from piccolo.columns.column_types import Date, Timestamptz, Varchar
from piccolo.columns.indexes import IndexMethod

ID = "2026-12-02T12:00:00:000000"
VERSION = "1.38.0"
DESCRIPTION = "client: agreement note, search name, last activity, statuses"


class _RecordOnly(MigrationManager):
    """Records the altered default in Piccolo's snapshot; the database keeps its old default."""

    async def _run_alter_columns(self, backwards: bool = False) -> None:
        return None


async def forwards():
    manager = _RecordOnly(migration_id=ID, app_name="clients", description=DESCRIPTION)

    manager.add_column(
        table_class_name="Client",
        tablename="client",
        column_name="agreement_note_on",
        db_column_name="agreement_note_on",
        column_class_name="Date",
        column_class=Date,
        params={
            "default": None,
            "null": True,
            "primary_key": False,
            "unique": False,
            "index": False,
            "index_method": IndexMethod.btree,
            "choices": None,
            "db_column_name": None,
            "secret": False,
        },
        schema=None,
    )

    manager.add_column(
        table_class_name="Client",
        tablename="client",
        column_name="last_activity_at",
        db_column_name="last_activity_at",
        column_class_name="Timestamptz",
        column_class=Timestamptz,
        params={
            "default": None,
            "null": True,
            "primary_key": False,
            "unique": False,
            "index": False,
            "index_method": IndexMethod.btree,
            "choices": None,
            "db_column_name": None,
            "secret": False,
        },
        schema=None,
    )

    manager.add_column(
        table_class_name="Client",
        tablename="client",
        column_name="living_wage_start",
        db_column_name="living_wage_start",
        column_class_name="Date",
        column_class=Date,
        params={
            "default": None,
            "null": True,
            "primary_key": False,
            "unique": False,
            "index": False,
            "index_method": IndexMethod.btree,
            "choices": None,
            "db_column_name": None,
            "secret": False,
        },
        schema=None,
    )

    manager.add_column(
        table_class_name="Client",
        tablename="client",
        column_name="search_name",
        db_column_name="search_name",
        column_class_name="Varchar",
        column_class=Varchar,
        params={
            "length": 250,
            "default": "",
            "null": False,
            "primary_key": False,
            "unique": False,
            "index": True,
            "index_method": IndexMethod.btree,
            "choices": None,
            "db_column_name": None,
            "secret": False,
        },
        schema=None,
    )

    manager.alter_column(
        table_class_name="Client",
        tablename="client",
        column_name="status",
        db_column_name="status",
        params={"default": "intake"},
        old_params={"default": "active"},
        column_class=Varchar,
        old_column_class=Varchar,
        schema=None,
    )

    return manager
