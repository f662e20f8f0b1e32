"""Fills what the previous migration added: the old status ``active`` becomes ``activation``,
``search_name`` gets the folded names and ``last_activity_at`` the time of each client's newest
timeline event."""

from piccolo.apps.migrations.auto.migration_manager import MigrationManager
from piccolo.querystring import QueryString

ID = "2026-12-02T12:00:01:000000"
VERSION = "1.38.0"
DESCRIPTION = "client: fill search name and last activity, rename status active"


async def _fill() -> None:
    import unicodedata

    from portal.core.db import DB

    def fold(text: str) -> str:
        decomposed = unicodedata.normalize("NFKD", text)
        stripped = "".join(char for char in decomposed if not unicodedata.combining(char))
        return " ".join(stripped.casefold().split())

    await DB.run_querystring(
        QueryString("UPDATE client SET status = {} WHERE status = {}", "activation", "active")
    )
    rows = await DB.run_querystring(QueryString("SELECT id, first_name, last_name FROM client"))
    for row in rows:
        name = fold(f"{row['first_name']} {row['last_name']}")
        await DB.run_querystring(
            QueryString("UPDATE client SET search_name = {} WHERE id = {}", name, row["id"])
        )
    await DB.run_querystring(
        QueryString(
            "UPDATE client SET last_activity_at = (SELECT max(e.occurred_at) FROM timeline_event e"
            " WHERE e.client = client.id)"
        )
    )


async def _unfill() -> None:
    from portal.core.db import DB

    await DB.run_querystring(
        QueryString("UPDATE client SET status = {} WHERE status = {}", "active", "activation")
    )


async def forwards():
    manager = MigrationManager(migration_id=ID, app_name="clients", description=DESCRIPTION)
    manager.add_raw(_fill)
    manager.add_raw_backwards(_unfill)
    return manager
