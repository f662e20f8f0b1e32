"""The access log becomes complete and chained: who the person was (organisation, roles), the
request and whether it came from another site, and each entry's place in its chain; the chains'
heads in a table of their own (``audit_chain``)."""

from piccolo.apps.migrations.auto.migration_manager import MigrationManager
from piccolo.columns.column_types import Boolean, Integer, Varchar
from piccolo.columns.indexes import IndexMethod

ID = "2026-12-04T18:00:00:000000"
VERSION = "1.38.0"
DESCRIPTION = "access_log chains and the person's organisation and roles"


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
    ("organisation", Integer, _params(default=None, null=True)),
    ("roles", Varchar, _params(length=200, default="")),
    ("request_id", Varchar, _params(length=64, default="")),
    ("cross_site", Boolean, _params(default=False)),
    ("chain", Varchar, _params(length=40, default="")),
    ("seq", Integer, _params(default=0)),
    ("prev_hash", Varchar, _params(length=64, default="")),
    ("hash", Varchar, _params(length=64, default="")),
)


async def forwards():
    manager = MigrationManager(migration_id=ID, app_name="audit", description=DESCRIPTION)
    manager.add_table(class_name="AuditChain", tablename="audit_chain", schema=None, columns=None)
    for name, column_class, params in (
        ("key", Varchar, _params(length=40, default="", unique=True)),
        ("seq", Integer, _params(default=0)),
        ("head", Varchar, _params(length=64, default="")),
        ("pruned_seq", Integer, _params(default=0)),
        ("pruned_hash", Varchar, _params(length=64, default="")),
    ):
        manager.add_column(
            table_class_name="AuditChain",
            tablename="audit_chain",
            column_name=name,
            db_column_name=name,
            column_class_name=column_class.__name__,
            column_class=column_class,
            params=params,
            schema=None,
        )
    for name, column_class, params in NEW_COLUMNS:
        manager.add_column(
            table_class_name="AccessLogEntry",
            tablename="access_log",
            column_name=name,
            db_column_name=name,
            column_class_name=column_class.__name__,
            column_class=column_class,
            params=params,
            schema=None,
        )
    return manager
