"""Seed the bench database (run as ``python -m bench.seed`` with ``PORTAL_DATABASE_URL`` set).

Everything is written through the portal's own services, as the demo world is: organisations and
the partnership through the admin services, people through ``add_person``, the clients, their care
team and consent by their social worker (``register_client``, ``add_to_care_team``,
``record_consent``), and the timeline through ``timeline.services.append``, its only writer.

Piccolo binds its engine from ``PORTAL_DATABASE_URL`` when ``portal.core.db`` is imported, so this
runs in its own process with the environment already set. Prints one JSON line with the ids:
``{"person_id": …, "clients": {"200": {"id", "events", "full_name"}, "10k": {…}}}``.

``--uploads`` seeds the upload bench's world instead (``bench.upload``): the same organisations,
social worker and mediator, and one client file of that social worker with only its own three
events; prints ``{"person_id": …, "client": {"id", "events", "full_name"}}``.
"""

from __future__ import annotations

import asyncio
import datetime as dt
import json
import os
import sys
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from portal.visibility.policy import Role
    from portal.visibility.viewer import Viewer

EVENTS_SMALL = 200
EVENTS_LARGE = 10_000
EVENTS_PER_UNIT = 2_500
ACCESS_HISTORY = 5_000
"""Earlier openings of each bench file in the access log, so that the planner's statistics see the
log a portal in use has (this machine runs PostgreSQL without autovacuum: a log that only grows
during the run would keep the plans made for an empty table)."""
NOW = dt.datetime(2026, 11, 20, 9, 0, tzinfo=dt.UTC)
"""The newest note; note ``i`` is ``i`` minutes older, the file's own events older still."""
OPENED = NOW - dt.timedelta(days=30)
"""When the files were opened: before the oldest note (10,000 minutes is about seven days)."""

OCMW, PARTNER, VDAB = "ocmw-bench", "partner-bench", "vdab-bench"
SOCIAL_WORKER, MEDIATOR = "sw.bench", "mediator.bench"


class SeedRefused(RuntimeError):
    """A service refused part of the bench world."""


async def _organisations() -> dict[str, int]:
    from portal.accounts.tables import Organisation, OrgKind
    from portal.admin.forms import OrganisationForm, PartnershipForm
    from portal.admin.services import save_organisation, save_partnership

    for code, name, kind in (
        (OCMW, "OCMW Benchstad", OrgKind.ocmw),
        (PARTNER, "Partner Benchstad", OrgKind.partner),
        (VDAB, "VDAB Benchstad", OrgKind.vdab),
    ):
        form = OrganisationForm(name=name, code=code, kind=kind.value)
        if errors := await save_organisation(form):
            raise SeedRefused(f"organisation {code}: {errors}")
    rows = await Organisation.select(Organisation.code, Organisation.id)
    ids = {row["code"]: int(row["id"]) for row in rows}
    partnership = PartnershipForm(
        name="OCMW Benchstad × Partner Benchstad × VDAB Benchstad",
        ocmw=str(ids[OCMW]),
        partner=str(ids[PARTNER]),
        vdab=str(ids[VDAB]),
    )
    if errors := await save_partnership(partnership):
        raise SeedRefused(f"partnership: {errors}")
    return ids


async def _actor(username: str, name: str, org_id: int, role: Role) -> Viewer:
    from portal.accounts.services import add_person, load_viewer

    person_id = await add_person(username, name, f"{username}@bench.example", org_id, [role])
    viewer = await load_viewer(person_id)
    if viewer is None:
        raise SeedRefused(f"{username} cannot act")
    return viewer


async def _client(social_worker: Viewer, tag: str, number: int) -> int:
    """A client file as its social worker opens it: registration, the mediator in the care team,
    consent for VDAB."""
    from portal.clients.changes import (
        Registration,
        add_to_care_team,
        record_consent,
        register_client,
    )

    registration = Registration(
        first_name=f"First{tag}",
        last_name=f"Last{tag}",
        birth_date=dt.date(1985, 7, number),
        national_number=f"85.07.{number:02d}-{100 + number:03d}.{number * 7 % 100:02d}",
        language="Nederlands",
        municipality="Benchstad",
        phone=f"+32 470 00 00 {number:02d}",
        address=f"Benchstraat {number}, 9620 Benchstad",
        ladder_step=3,
        social_report=f"Social report of {tag}: housing found, looking for a first job.",
        finances=f"Finances of {tag}: budget guidance, no open debts.",
        health_notes=f"Health notes of {tag}: none that affect work.",
    )
    client_id = await register_client(social_worker, registration, at=OPENED)
    await add_to_care_team(social_worker, client_id, MEDIATOR, at=OPENED + dt.timedelta(minutes=1))
    await record_consent(social_worker, client_id, VDAB, given=True, on=OPENED.date())
    return client_id


async def _notes(author: Viewer, client_id: int, count: int) -> None:
    """``count`` care-team notes ``note 0`` (newest) … one minute apart, a few thousand per unit
    of work."""
    from portal.core.db import unit_of_work
    from portal.timeline.events import NOTE
    from portal.timeline.services import append

    for start in range(0, count, EVENTS_PER_UNIT):
        async with unit_of_work():
            for i in range(start, min(count, start + EVENTS_PER_UNIT)):
                await append(
                    client_id,
                    NOTE,
                    actor=author,
                    payload={"subject": f"note {i}"},
                    occurred_at=NOW - dt.timedelta(minutes=i),
                )


async def _access_history(viewer: Viewer, client_id: int) -> None:
    from portal.audit.services import record_access
    from portal.clients.services import FILE_OPENED
    from portal.core.db import unit_of_work

    async with unit_of_work():
        for _ in range(ACCESS_HISTORY):
            await record_access(viewer, client_id, FILE_OPENED, ())


async def _events_of(client_id: int) -> int:
    from portal.timeline.tables import TimelineEvent
    from portal.visibility.scoping import unscoped

    with unscoped("bench seed: counting what it wrote"):
        return int(await TimelineEvent.count().where(TimelineEvent.client == client_id))


async def seed() -> dict[str, object]:
    import portal.domains  # noqa: F401 (installs event kinds and record policies)
    from portal.core import db
    from portal.visibility.policy import Role

    await db.start()
    try:
        orgs = await _organisations()
        social_worker = await _actor(SOCIAL_WORKER, "Sam Bench", orgs[OCMW], Role.social_worker)
        await _actor(MEDIATOR, "Mia Bench", orgs[VDAB], Role.mediator)
        clients: dict[str, dict[str, object]] = {}
        for number, (label, tag, total) in enumerate(
            (("200", "Small", EVENTS_SMALL), ("10k", "Large", EVENTS_LARGE)), start=1
        ):
            client_id = await _client(social_worker, tag, number)
            # The file's own events (registration, care team, consent) count towards the total.
            await _notes(social_worker, client_id, total - await _events_of(client_id))
            await _access_history(social_worker, client_id)
            clients[label] = {
                "id": client_id,
                "events": await _events_of(client_id),
                "full_name": f"First{tag} Last{tag}",
            }
        await db.DB.run_ddl("ANALYZE")
    finally:
        await db.stop()
    return {"person_id": social_worker.person_id, "clients": clients}


async def seed_uploads() -> dict[str, object]:
    """One social worker and one client file of theirs, to upload documents to."""
    import portal.domains  # noqa: F401 (installs event kinds and record policies)
    from portal.core import db
    from portal.visibility.policy import Role

    await db.start()
    try:
        orgs = await _organisations()
        social_worker = await _actor(SOCIAL_WORKER, "Sam Bench", orgs[OCMW], Role.social_worker)
        await _actor(MEDIATOR, "Mia Bench", orgs[VDAB], Role.mediator)
        client_id = await _client(social_worker, "Upload", 1)
        client = {
            "id": client_id,
            "events": await _events_of(client_id),
            "full_name": "FirstUpload LastUpload",
        }
        await db.DB.run_ddl("ANALYZE")
    finally:
        await db.stop()
    return {"person_id": social_worker.person_id, "client": client}


def main(argv: list[str] | None = None) -> int:
    args = sys.argv[1:] if argv is None else argv
    if args not in ([], ["--uploads"]):
        print("usage: python -m bench.seed [--uploads]", file=sys.stderr)
        return 2
    if not os.environ.get("PORTAL_DATABASE_URL", "").startswith("postgresql://"):
        print(
            "bench.seed: PORTAL_DATABASE_URL must name the PostgreSQL bench database",
            file=sys.stderr,
        )
        return 2
    print(json.dumps(asyncio.run(seed_uploads() if args else seed())))
    return 0


if __name__ == "__main__":
    sys.exit(main())
