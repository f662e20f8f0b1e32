"""The access-log page of the demo world, for each of its people: a file's log opens for its
file holder and for the coordinator of the OCMW that holds it, and is 404 for everyone else;
where it opens, it shows who and what, never a value of the file."""

from __future__ import annotations

import httpx

from portal.accounts.tables import Person
from portal.clients.tables import Client
from portal.visibility.scoping import unscoped
from tests.conftest import login

PER_OCMW = 5


async def check_access_logs(client: httpx.AsyncClient) -> None:
    people = await Person.select(
        Person.id, Person.username, Person.organisation, Person.roles
    ).where(Person.active == True)  # noqa: E712
    with unscoped("test: the demo's files, their holders and their values"):
        files = await Client.select(
            Client.id,
            Client.ocmw,
            Client.file_holder,
            Client.social_report,
            Client.health_notes,
            Client.national_number,
        ).order_by(Client.id)
    sample: list[dict] = []
    for ocmw in sorted({row["ocmw"] for row in files}):
        sample += [row for row in files if row["ocmw"] == ocmw][:PER_OCMW]
    opened = 0
    for person in people:
        await login(client, person["username"])
        coordinator = "coordinator" in (person["roles"] or [])
        for row in sample:
            reads = row["file_holder"] == person["id"] or (
                coordinator and row["ocmw"] == person["organisation"]
            )
            response = await client.get(f"/clients/{row['id']}/access-log")
            assert response.status_code == (200 if reads else 404), (person["username"], row["id"])
            if reads:
                opened += 1
                assert "Wie heeft dit dossier bekeken?" in response.text
                for field in ("social_report", "health_notes", "national_number"):
                    if row[field]:
                        assert row[field] not in response.text, (person["username"], field)
    assert opened >= 2 * PER_OCMW, "each sampled file opens for its holder and a coordinator"
