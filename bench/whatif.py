"""What-if experiments: serve the portal with candidate speed-ups patched in, without editing it.

    BENCH_WHATIF=pool-reset,one-relation-query .venv/bin/python -m bench.whatif serve --port 8000

or, through the bench (the README is then left alone):

    .venv/bin/python -m bench.run --whatif pool-reset,one-relation-query,viewer-cache --rounds 1

These are sketches to size a fix before writing it properly in ``portal/``; they are not the fix.

- ``pool-reset``: asyncpg's pool runs ``SELECT pg_advisory_unlock_all(); CLOSE ALL; UNLISTEN *;
  RESET ALL`` on every release, i.e. one extra round trip per query. A custom ``reset`` keeps
  asyncpg's rollback of a stray transaction and skips that statement (the portal uses no advisory
  locks, cursors, LISTEN or session settings).
- ``one-relation-query``: the viewer's relation to ONE client in one query (three EXISTS) instead
  of three queries.
- ``viewer-cache``: the login guard's viewer kept for 5 s per person instead of one query per
  request (a deactivation then takes up to 5 s to bite).
"""

from __future__ import annotations

import os
import sys
import time
from collections.abc import Iterable
from typing import Any


def _pool_reset() -> None:
    from piccolo.engine.postgres import PostgresEngine

    from portal.core import db

    async def keep_session(_connection: Any) -> None:
        """asyncpg already rolled back any open transaction before calling this."""

    async def start() -> bool:
        if isinstance(db.DB, PostgresEngine) and db.DB.pool is None:
            await db.DB.start_connection_pool(min_size=1, max_size=10, reset=keep_session)
            return True
        return False

    db.start = start


def _one_relation_query() -> None:
    from portal.clients import services
    from portal.clients.tables import Client
    from portal.visibility import scope
    from portal.visibility.policy import Relation
    from portal.visibility.projection import RelationFacts, Viewer, relation_of

    many = scope.relation_facts
    sql = (
        "SELECT EXISTS (SELECT 1 FROM care_team_member WHERE client = {} AND person = {}) AS team, "
        "EXISTS (SELECT 1 FROM consent WHERE client = {} AND organisation = {} AND given) "
        "AS consent, EXISTS (SELECT 1 FROM partnership WHERE ocmw = {} "
        "AND (partner = {} OR vdab = {})) AS partner"
    )

    async def relation_facts(viewer: Viewer, clients: Iterable[dict[str, Any]]) -> dict[int, Any]:
        rows = list(clients)
        if len(rows) != 1:
            return await many(viewer, rows)
        row = rows[0]
        org = viewer.org_id
        facts = (
            await Client.raw(
                sql, row["id"], viewer.person_id, row["id"], org, row["ocmw"], org, org
            )
        )[0]
        relation: Relation = relation_of(
            viewer,
            RelationFacts(
                client_ocmw_id=row["ocmw"],
                in_care_team=facts["team"],
                consent_for_viewer_org=facts["consent"],
                partnered_with_ocmw=facts["partner"],
            ),
        )
        return {row["id"]: relation}

    services.relation_facts = relation_facts  # type: ignore[assignment]


def _viewer_cache() -> None:
    from portal.accounts import auth

    load = auth.load_viewer
    cache: dict[int, tuple[float, Any]] = {}

    async def load_viewer(person_id: int) -> Any:
        hit = cache.get(person_id)
        now = time.monotonic()
        if hit and now - hit[0] < 5:
            return hit[1]
        viewer = await load(person_id)
        cache[person_id] = (now, viewer)
        return viewer

    auth.load_viewer = load_viewer  # type: ignore[assignment]


PATCHES = {
    "pool-reset": _pool_reset,
    "one-relation-query": _one_relation_query,
    "viewer-cache": _viewer_cache,
}


def apply(names: Iterable[str]) -> list[str]:
    applied = []
    for name in names:
        if not name:
            continue
        if name not in PATCHES:
            raise SystemExit(
                f"bench.whatif: unknown experiment {name!r} (known: {', '.join(PATCHES)})"
            )
        PATCHES[name]()
        applied.append(name)
    return applied


def main() -> int:
    from portal import cli

    applied = apply(os.environ.get("BENCH_WHATIF", "").split(","))
    print(f"bench.whatif: serving with {applied or 'no patches'}", file=sys.stderr)
    return cli.main(sys.argv[1:])


if __name__ == "__main__":
    sys.exit(main())
