"""Seed the bench database (run as ``python -m bench.seed`` with ``PORTAL_DATABASE_URL`` set).

Piccolo binds its engine from ``PORTAL_DATABASE_URL`` when ``portal.core.db`` is imported, so this
runs in its own process with the environment already set. Prints one JSON line with the ids.
"""

from __future__ import annotations

import asyncio
import json
import os
import sys

EVENTS_SMALL = 200
EVENTS_LARGE = 10_000


async def seed() -> dict[str, object]:
    from portal.core import db
    from tests.factories import (
        add_events,
        add_to_team,
        make_client,
        make_org,
        make_partnership,
        make_person,
        set_consent,
    )

    await db.start()
    try:
        ocmw = await make_org("ocmw-bench", "ocmw", "OCMW Benchstad")
        partner = await make_org("partner-bench", "partner", "Partner Benchstad")
        vdab = await make_org("vdab-bench", "vdab", "VDAB Benchstad")
        await make_partnership(ocmw, partner, vdab)
        social_worker = await make_person("sw.bench", ocmw, "social_worker")
        mediator = await make_person("mediator.bench", vdab, "mediator")
        clients: dict[str, dict[str, object]] = {}
        for label, tag, count in (("200", "Small", EVENTS_SMALL), ("10k", "Large", EVENTS_LARGE)):
            client_id = await make_client(ocmw, tag)
            await add_to_team(client_id, social_worker)
            await add_to_team(client_id, mediator)
            await set_consent(client_id, vdab, True)
            await add_events(client_id, count, author=social_worker, author_org=ocmw)
            clients[label] = {
                "id": client_id,
                "events": count,
                "full_name": f"First{tag} Last{tag}",
            }
        await db.DB.run_ddl("ANALYZE")
    finally:
        await db.stop()
    return {"person_id": social_worker, "clients": clients}


def main() -> int:
    if not os.environ.get("PORTAL_DATABASE_URL", "").startswith("postgresql://"):
        print(
            "bench.seed: PORTAL_DATABASE_URL must name the PostgreSQL bench database",
            file=sys.stderr,
        )
        return 2
    print(json.dumps(asyncio.run(seed())))
    return 0


if __name__ == "__main__":
    sys.exit(main())
