"""One person per identity at a provider: issuer and subject together are unique."""

from piccolo.apps.migrations.auto.migration_manager import MigrationManager

ID = "2026-11-23T17:10:00:000000"
VERSION = "1.38.0"
DESCRIPTION = "unique provider identity per person"


async def forwards():
    manager = MigrationManager(migration_id=ID, app_name="accounts", description=DESCRIPTION)

    async def create_index():
        from portal.accounts.tables import Person

        await Person.raw(
            "CREATE UNIQUE INDEX IF NOT EXISTS person_oidc_identity "
            "ON person (oidc_issuer, oidc_subject)"
        )

    async def drop_index():
        from portal.accounts.tables import Person

        await Person.raw("DROP INDEX IF EXISTS person_oidc_identity")

    manager.add_raw(create_index)
    manager.add_raw_backwards(drop_index)
    return manager
