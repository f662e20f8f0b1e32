"""A transfer in the test world: X proposed by OCMW A (sw.a) to OCMW B, waiting. Written as a
row, with its own distinctive texts, so that what it shows is the transfer's and not X's own
fields (the leak matrix knows who may read which of X's fields; the transfer is its own record)."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from portal.transfers.tables import Transfer
from tests.support.factories import NOW, PEOPLE, World

READERS = frozenset({"sw.a", "sw.a2", "coordinator.a", "sw.b"})
"""The social workers and coordinators of the two OCMWs."""


@dataclass(frozen=True)
class SeededTransfer:
    id: int
    secrets: tuple[str, ...]


async def add_transfer(world: World) -> SeededTransfer:
    secrets = ("TRANSFER-NOTE-S3CRET", "TRANSFER-NAME-S3CRET", "TRANSFER-PHONE-S3CRET")
    row = Transfer(
        client=world.clients["X"],
        from_ocmw=world.orgs["ocmw-a"],
        to_ocmw=world.orgs["ocmw-b"],
        proposed_by=world.people["sw.a"],
        proposed_at=NOW - dt.timedelta(days=1),
        note=secrets[0],
        state="pending",
        summary={"name": secrets[1], "phone": secrets[2], "language": "", "municipality": ""},
    )
    await row.save()
    seeded = SeededTransfer(int(row.id), secrets)
    world.transfers.append(seeded)
    return seeded


def reads_transfer(username: str) -> bool:
    return username in READERS and PEOPLE[username][0].startswith("ocmw")
