"""The head of each chain keeps the hash it replaced (``prev_head``), so that one statement can
move the head and write the entry that links to the old one (``portal/audit/chain.py``)."""

from piccolo.apps.migrations.auto.migration_manager import MigrationManager
from piccolo.columns.column_types import Varchar
from piccolo.columns.indexes import IndexMethod

ID = "2026-12-05T21:00:00:000000"
VERSION = "1.38.0"
DESCRIPTION = "audit_chain.prev_head"


async def forwards():
    manager = MigrationManager(migration_id=ID, app_name="audit", description=DESCRIPTION)
    manager.add_column(
        table_class_name="AuditChain",
        tablename="audit_chain",
        column_name="prev_head",
        db_column_name="prev_head",
        column_class_name="Varchar",
        column_class=Varchar,
        params={
            "length": 64,
            "default": "",
            "null": False,
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
    return manager
