"""Nothing erases history: the access log's foreign key to the person becomes RESTRICT.

Piccolo gave every foreign key ``ON DELETE CASCADE``, and its SQLite connections enforce foreign
keys, so deleting a person deleted the record of every client file they opened. From here on
deleting a person who has access records is refused: ``ON DELETE RESTRICT ON UPDATE CASCADE``.
Every row is kept. The accounts and clients apps change their own tables in migrations of their
own; each carries the same code, so that every migration stands on its own. How it is done on each
engine, and why so on SQLite, is explained in the accounts migration of 2026-12-02T10:00:00 and
summed up here:

- PostgreSQL: the constraint is found in ``pg_constraint`` (its name is read, never guessed), then
  dropped and added again under the same name in one ``ALTER TABLE``.
- SQLite cannot alter a constraint, and a table rebuild inside Piccolo's transaction (where
  ``PRAGMA foreign_keys`` stays on) would delete the rows referring to the rebuilt table when the
  old one is dropped. So this uses SQLite's documented procedure for constraint-only changes
  (sqlite.org/lang_altertable.html): with ``PRAGMA writable_schema=ON`` the words
  ``ON DELETE CASCADE`` of the column become ``ON DELETE RESTRICT`` in the table's
  ``CREATE TABLE`` text in ``sqlite_schema``, ``PRAGMA schema_version`` goes up by one, and
  ``pragma_foreign_key_list`` and ``PRAGMA integrity_check`` must confirm the result before the
  transaction commits. No row and no index is touched; an unexpected table text stops the
  migration.

Piccolo's migration snapshot records the change (``alter_column``, ``on_delete`` cascade to
restrict), so later auto migrations propose nothing for this column; Piccolo's own execution of
that step is switched off (``_RecordOnly``: it raises on SQLite, and the raw step did it on
PostgreSQL). Backwards puts ``ON DELETE CASCADE`` back the same way.
"""

import re

from piccolo.apps.migrations.auto.migration_manager import MigrationManager
from piccolo.columns.base import OnDelete
from piccolo.columns.column_types import ForeignKey
from piccolo.querystring import QueryString

ID = "2026-12-02T10:00:02:000000"
VERSION = "1.38.0"
DESCRIPTION = "foreign key of access_log ON DELETE RESTRICT"

# (table class, table, column, referenced table)
FOREIGN_KEYS = (("AccessLogEntry", "access_log", "person", "person"),)

# --- the same in the accounts, clients and audit migrations of 2026-12-02T10 ---------------------

PG_ACTION = {"RESTRICT": "r", "CASCADE": "c"}
PG_FIND = """SELECT c.conname, c.confdeltype::text AS on_delete, c.confupdtype::text AS on_update,
ra.attname AS target
FROM pg_constraint c
JOIN pg_class t ON t.oid = c.conrelid
JOIN pg_namespace n ON n.oid = t.relnamespace
JOIN pg_class r ON r.oid = c.confrelid
JOIN pg_attribute a ON a.attrelid = c.conrelid AND a.attnum = c.conkey[1]
JOIN pg_attribute ra ON ra.attrelid = c.confrelid AND ra.attnum = c.confkey[1]
WHERE c.contype = 'f' AND n.nspname = current_schema() AND cardinality(c.conkey) = 1
AND t.relname = {} AND a.attname = {} AND r.relname = {}"""


def _quote(name: str) -> str:
    return '"' + name.replace('"', '""') + '"'


async def _postgres(db, action: str) -> None:
    for _class, table, column, referenced in FOREIGN_KEYS:
        found = await db.run_querystring(QueryString(PG_FIND, table, column, referenced))
        if len(found) != 1:
            names = [row["conname"] for row in found]
            raise RuntimeError(f"{table}.{column}: expected one foreign key, found {names}")
        key = found[0]
        if key["on_delete"] == PG_ACTION[action] and key["on_update"] == "c":
            continue
        name = _quote(key["conname"])
        await db.run_ddl(
            f"ALTER TABLE {_quote(table)} DROP CONSTRAINT {name}, ADD CONSTRAINT {name} "
            f"FOREIGN KEY ({_quote(column)}) REFERENCES {_quote(referenced)} "
            f"({_quote(key['target'])}) ON DELETE {action} ON UPDATE CASCADE"
        )


def _sqlite_text(sql: str, table: str, column: str, referenced: str, action: str) -> str:
    """``sql`` (a ``CREATE TABLE``) with ``column``'s delete action set to ``action``."""
    clause = re.compile(
        rf'("{re.escape(column)}" INTEGER (?:NOT NULL )?REFERENCES "{re.escape(referenced)}" '
        rf'\("id"\) ON DELETE )(CASCADE|RESTRICT)( ON UPDATE CASCADE)'
    )
    found = clause.findall(sql)
    if len(found) != 1:
        raise RuntimeError(f"{table}.{column}: unexpected table definition, not changed: {sql}")
    return clause.sub(lambda match: match[1] + action + match[3], sql)


async def _sqlite(db, action: str) -> None:
    async def run(sql: str, *values: object) -> list[dict]:
        return await db.run_querystring(QueryString(sql, *values))

    texts: dict[str, tuple[str, str]] = {}  # table: (text now, text wanted)
    for _class, table, column, referenced in FOREIGN_KEYS:
        if table not in texts:
            rows = await run(
                "SELECT sql FROM sqlite_schema WHERE type = 'table' AND name = {}", table
            )
            if len(rows) != 1:
                raise RuntimeError(f"table {table} not found")
            texts[table] = (rows[0]["sql"], rows[0]["sql"])
        now, wanted = texts[table]
        texts[table] = (now, _sqlite_text(wanted, table, column, referenced, action))
    changed = {table: wanted for table, (now, wanted) in texts.items() if wanted != now}
    if changed:
        version = (await run("PRAGMA schema_version"))[0]["schema_version"]
        await run("PRAGMA writable_schema = ON")
        try:
            for table, sql in changed.items():
                await run(
                    "UPDATE sqlite_schema SET sql = {} WHERE type = 'table' AND name = {}",
                    sql,
                    table,
                )
            await run(f"PRAGMA schema_version = {int(version) + 1}")
        finally:
            await run("PRAGMA writable_schema = OFF")
    for _class, table, column, referenced in FOREIGN_KEYS:
        keys = await run(
            'SELECT "table", on_delete, on_update FROM pragma_foreign_key_list({}) '
            'WHERE "from" = {}',
            table,
            column,
        )
        if [(k["table"], k["on_delete"], k["on_update"]) for k in keys] != [
            (referenced, action, "CASCADE")
        ]:
            raise RuntimeError(f"{table}.{column}: foreign key reads {keys} after the change")
    check = [row["integrity_check"] for row in await run("PRAGMA integrity_check")]
    if check != ["ok"]:
        raise RuntimeError(f"integrity check after the change: {check}")


async def set_delete_action(action: str) -> None:
    from portal.core.db import DB, is_sqlite

    await (_sqlite(DB, action) if is_sqlite() else _postgres(DB, action))


class _RecordOnly(MigrationManager):
    """Records the altered columns in Piccolo's snapshot; the raw step changes the database."""

    async def _run_alter_columns(self, backwards: bool = False) -> None:
        return None


async def forwards():
    manager = _RecordOnly(migration_id=ID, app_name="audit", description=DESCRIPTION)

    async def restrict():
        await set_delete_action("RESTRICT")

    async def cascade():
        await set_delete_action("CASCADE")

    manager.add_raw(restrict)
    manager.add_raw_backwards(cascade)
    for table_class, table, column, _referenced in FOREIGN_KEYS:
        manager.alter_column(
            table_class_name=table_class,
            tablename=table,
            column_name=column,
            db_column_name=column,
            params={"on_delete": OnDelete.restrict},
            old_params={"on_delete": OnDelete.cascade},
            column_class=ForeignKey,
            old_column_class=ForeignKey,
            schema=None,
        )
    return manager
