"""Existing files get a named file holder: the first social worker of their OCMW in the care team."""

from piccolo.apps.migrations.auto.migration_manager import MigrationManager
from piccolo.querystring import QueryString

ID = "2026-12-02T08:00:01:000000"
VERSION = "1.38.0"
DESCRIPTION = "file holders of existing files"

FIRST_SOCIAL_WORKER = """UPDATE client SET file_holder = (
    SELECT m.person FROM care_team_member m JOIN person p ON p.id = m.person
    WHERE m.client = client.id AND p.organisation = client.ocmw AND {is_social_worker}
    ORDER BY m.added_at, m.id LIMIT 1) WHERE file_holder IS NULL"""
POSTGRES = FIRST_SOCIAL_WORKER.format(is_social_worker="'social_worker' = ANY(p.roles)")
SQLITE = FIRST_SOCIAL_WORKER.format(is_social_worker="""p.roles LIKE '%"social_worker"%'""")


async def forwards():
    manager = MigrationManager(migration_id=ID, app_name="clients", description=DESCRIPTION)

    async def assign():
        from portal.core.db import DB, is_sqlite

        await DB.run_querystring(QueryString(SQLITE if is_sqlite() else POSTGRES))

    manager.add_raw(assign)
    return manager
