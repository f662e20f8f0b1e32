"""Retention: ``prune`` removes the entries older than the cut from the start of each chain and
keeps a signed checkpoint of where the chain now starts; the rest still verifies, new entries go
on from there, and a forged start (a checkpoint changed or missing, a chain shortened further)
is found. ``portal audit prune`` does it for ``PORTAL_AUDIT_RETENTION_DAYS``."""

from __future__ import annotations

import asyncio
import datetime as dt
import subprocess
import sys
from pathlib import Path
from typing import Any

import httpx
from piccolo.querystring import QueryString

from portal.audit.chain import append, prune, verify
from portal.audit.tables import AccessLogEntry, AuditCheckpoint
from portal.core import db
from portal.testing.processes import clean_env
from portal.visibility.scoping import unscoped
from tests.conftest import TEST_DATABASE_URL
from tests.support.factories import World, build_world

KEY = "k" * 40
NOW = dt.datetime.now(dt.UTC)
OLD, RECENT = NOW - dt.timedelta(days=400), NOW - dt.timedelta(days=2)
CUT = NOW - dt.timedelta(days=365)


async def _sql(sql: str, *values: Any) -> list[dict[str, Any]]:
    return [dict(row) for row in await db.DB.run_querystring(QueryString(sql, *values))]


async def _write(world: World, tag: str, at: dt.datetime, count: int) -> None:
    for number in range(count):
        await append(
            {
                "at": at + dt.timedelta(minutes=number),
                "person": world.people["sw.a"],
                "client_id": world.clients[tag],
                "action": "client.opened",
            }
        )


async def _seqs(client_id: int) -> list[int]:
    with unscoped("test: the access log as stored"):
        rows = await AccessLogEntry.select(AccessLogEntry.seq).where(
            AccessLogEntry.client_id == client_id
        )
    return sorted(row["seq"] for row in rows)


async def _world() -> World:
    world = await build_world()
    await _write(world, "X", OLD, 5)
    await _write(world, "X", RECENT, 3)
    await _write(world, "Z", OLD, 4)
    assert (await verify(KEY)).broken is None
    return world


async def test_pruning_keeps_every_chain_verifiable(client: httpx.AsyncClient) -> None:
    world = await _world()
    result = await prune(KEY, CUT)
    assert (result.chains, result.entries) == (2, 9)
    assert await _seqs(world.clients["X"]) == [6, 7, 8]
    assert await _seqs(world.clients["Z"]) == []
    assert (await verify(KEY)).broken is None
    checkpoints = await AuditCheckpoint.select().order_by(AuditCheckpoint.chain)
    assert [(c["chain"], c["through_seq"], c["removed"]) for c in checkpoints] == [
        (f"client:{world.clients['X']}", 5, 5),
        (f"client:{world.clients['Z']}", 4, 4),
    ]
    assert (await prune(KEY, CUT)).entries == 0, "nothing more to remove"
    await _write(world, "Z", NOW, 2)
    assert await _seqs(world.clients["Z"]) == [5, 6], "the chain goes on where it was"
    assert (await verify(KEY)).broken is None
    assert (await verify("another key " * 4)).broken is not None, "the key signs"


async def test_a_forged_start_is_found(client: httpx.AsyncClient) -> None:
    world = await _world()
    await prune(KEY, CUT)
    x = f"client:{world.clients['X']}"
    await _sql("DELETE FROM access_log WHERE chain = {} AND seq = 6", x)
    broken = (await verify(KEY)).broken
    assert broken is not None and broken.chain == x, "one more entry gone from the start"
    await _sql(
        "UPDATE audit_chain SET pruned_seq = 6, pruned_hash = ("
        "SELECT hash FROM access_log WHERE chain = {} AND seq = 7) WHERE key = {}",
        x,
        x,
    )
    broken = (await verify(KEY)).broken
    assert broken is not None and "checkpoint" in broken.problem, broken
    await _sql(
        "UPDATE audit_checkpoint SET through_seq = 6, through_hash = "
        "(SELECT pruned_hash FROM audit_chain WHERE key = {}) WHERE chain = {}",
        x,
        x,
    )
    broken = (await verify(KEY)).broken
    assert broken is not None and "signature" in broken.problem, broken
    await _sql("DELETE FROM audit_checkpoint WHERE chain = {}", x)
    broken = (await verify(KEY)).broken
    assert broken is not None and "without a checkpoint" in broken.problem, broken


async def test_portal_audit_prune_uses_the_retention_days(
    client: httpx.AsyncClient, tmp_path: Path
) -> None:
    world = await _world()
    env = clean_env(
        PORTAL_DATABASE_URL=TEST_DATABASE_URL,
        PORTAL_VAR_DIR=str(tmp_path / "var"),
        PORTAL_AUDIT_KEY=KEY,
        PORTAL_AUDIT_RETENTION_DAYS="30",
    )
    portal = str(Path(sys.executable).with_name("portal"))
    done = await asyncio.to_thread(_run, [portal, "audit", "prune"], env)
    assert done.returncode == 0, done.stderr
    assert "removed 9 access-log entries older than 30 days" in done.stdout
    assert await _seqs(world.clients["X"]) == [6, 7, 8]
    held = await asyncio.to_thread(_run, [portal, "audit", "verify"], env)
    assert held.returncode == 0, held.stderr
    other_key = {**env, "PORTAL_AUDIT_KEY": "z" * 40}
    refused = await asyncio.to_thread(_run, [portal, "audit", "verify"], other_key)
    assert refused.returncode == 1 and "signature" in refused.stderr
    bad = await asyncio.to_thread(
        _run, [portal, "audit", "prune"], {**env, "PORTAL_AUDIT_RETENTION_DAYS": "0"}
    )
    assert bad.returncode != 0 and "PORTAL_AUDIT_RETENTION_DAYS" in bad.stderr


def _run(argv: list[str], env: dict[str, str]) -> subprocess.CompletedProcess[str]:
    return subprocess.run(argv, env=env, capture_output=True, text=True, timeout=120, check=False)
