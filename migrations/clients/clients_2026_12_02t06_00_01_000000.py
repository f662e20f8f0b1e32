"""Timeline events stop storing ready-made Dutch lines: code and payload make the line when shown.

What a person typed (the old ``body``) moves to ``text``; the old ``title`` is kept in the payload as
``subject`` (a note's subject was typed; for other kinds the line is made from the code, and the
subject only serves codes no domain declares any more). Codes of what exists get their namespaced
name. Backwards restores the columns but not their contents.
"""

from piccolo.apps.migrations.auto.migration_manager import MigrationManager
from piccolo.querystring import QueryString

ID = "2026-12-02T06:00:01:000000"
VERSION = "1.38.0"
DESCRIPTION = "timeline lines made when shown"

RENAMED_KINDS = """CASE kind
    WHEN 'registration' THEN 'client.registered'
    WHEN 'note' THEN 'note.added'
    WHEN 'health.noted' THEN 'note.added'
    WHEN 'social_report.updated' THEN 'note.added'
    ELSE kind END"""
POSTGRES = (
    "UPDATE timeline_event SET text = body, kind = " + RENAMED_KINDS + ", payload = "  # nosec B608  # constant SQL of the migration
    "(COALESCE(payload::jsonb, '{{}}'::jsonb) || jsonb_build_object('subject', title))::json"
)
# QueryString templates: literal braces are doubled.
SQLITE = (
    "UPDATE timeline_event SET text = body, kind = " + RENAMED_KINDS + ", payload = "  # nosec B608  # constant SQL of the migration
    "json_set(COALESCE(NULLIF(payload, ''), '{{}}'), '$.subject', title)"
)


async def forwards():
    manager = MigrationManager(migration_id=ID, app_name="clients", description=DESCRIPTION)

    async def move_lines():
        from portal.core.db import DB, is_sqlite

        await DB.run_querystring(QueryString(SQLITE if is_sqlite() else POSTGRES))

    manager.add_raw(move_lines)
    for column in ("title", "body"):
        manager.drop_column(
            table_class_name="TimelineEvent",
            tablename="timeline_event",
            column_name=column,
            db_column_name=column,
        )
    return manager
