"""The access log's chains: each entry holds who, their organisation and roles, the request and
whether it came from another site; ``verify`` (and ``portal audit verify``) finds a changed, a
deleted and an inserted entry and names the first broken link; two processes writing the same
chains at once keep every chain whole; a failed write fails the request and shows nothing."""

from __future__ import annotations

import asyncio
import datetime as dt
import json
import subprocess
import sys
import textwrap
from pathlib import Path
from typing import Any

import httpx
from piccolo.querystring import QueryString

from portal.accounts.services import load_viewer
from portal.audit import chain
from portal.audit.chain import GENESIS, digest, verify
from portal.audit.services import record_access
from portal.audit.tables import AccessLogEntry
from portal.core import db
from portal.testing.processes import clean_env
from portal.visibility.policy import Sensitivity
from portal.visibility.scoping import unscoped
from portal.visibility.viewer import Viewer
from tests.conftest import TEST_DATABASE_URL, login
from tests.support.factories import World, build_world

ROOT = Path(__file__).resolve().parents[2]


async def _sql(sql: str, *values: Any) -> list[dict[str, Any]]:
    return [dict(row) for row in await db.DB.run_querystring(QueryString(sql, *values))]


async def _entries(client_id: int | None = None) -> list[dict[str, Any]]:
    with unscoped("test: the access log as stored"):
        query = AccessLogEntry.select().order_by(AccessLogEntry.id)
        if client_id is not None:
            query = query.where(AccessLogEntry.client_id == client_id)
        return list(await query)


async def _viewer(world: World, username: str) -> Viewer:
    viewer = await load_viewer(world.people[username])
    assert viewer is not None
    return viewer


async def test_an_entry_holds_who_where_from_and_its_place(client: httpx.AsyncClient) -> None:
    world = await build_world()
    x = world.clients["X"]
    await login(client, "sw.a")
    before = len(await _entries(x))
    assert (await client.get(f"/clients/{x}")).status_code == 200
    assert (
        await client.get(f"/clients/{x}", headers={"Sec-Fetch-Site": "cross-site"})
    ).status_code == 200
    same, cross = (await _entries(x))[before:]
    for entry in (same, cross):
        assert entry["person"] == world.people["sw.a"]
        assert entry["organisation"] == world.orgs["ocmw-a"]
        assert entry["roles"] == "social_worker"
        assert entry["action"] == "client.opened"
        assert entry["chain"] == f"client:{x}"
        assert len(entry["request_id"]) == 16
        assert entry["hash"] == digest(entry["prev_hash"], entry)
    assert same["request_id"] != cross["request_id"]
    assert (same["cross_site"], cross["cross_site"]) == (False, True)
    assert cross["seq"] == same["seq"] + 1 and cross["prev_hash"] == same["hash"]
    assert (await verify()).broken is None


async def _two_chains(world: World) -> tuple[int, int]:
    """Five entries on X's chain and three on Z's, by two people."""
    sw_a, sw_b = await _viewer(world, "sw.a"), await _viewer(world, "sw.b")
    x, z = world.clients["X"], world.clients["Z"]
    for number in range(5):
        await record_access(sw_a, x, "client.opened", {Sensitivity.identity}, subject=f"s{number}")
    for _ in range(3):
        await record_access(sw_b, z, "client.opened", ())
    result = await verify()
    assert result.broken is None
    assert result.entries == 8 and result.chains == 2
    return x, z


async def test_the_next_entry_of_a_chain_is_one_statement_hashed_as_python_would(
    client: httpx.AsyncClient,
) -> None:
    """On PostgreSQL the database moves the head and hashes the entry with the position it
    assigns: the same hash as ``digest``, also for quotes, a newline, non-ASCII and the key's
    own pattern inside a value (SQLite keeps the three statements)."""
    world = await build_world()
    sw_a = await _viewer(world, "sw.a")
    x = world.clients["X"]
    await record_access(sw_a, x, "client.opened", ())
    awkward = 'Zoë\'s "seq":0, reden\n\u2014 \\ \U0001f600 "seq":12,'
    with db.count_queries() as counter:
        await record_access(sw_a, x, "client.reason_stated", {Sensitivity.social}, reason=awkward)
    assert counter[0] == (3 if db.is_sqlite() else 1)
    first, second = (await _entries(x))[-2:]
    assert second["reason"] == awkward
    assert (second["seq"], second["prev_hash"]) == (first["seq"] + 1, first["hash"])
    assert second["hash"] == digest(first["hash"], second)
    assert (await verify()).broken is None


async def _at(client_id: int, seq: int) -> dict[str, Any]:
    entry = next(e for e in await _entries(client_id) if e["seq"] == seq)
    return entry


async def test_a_changed_entry_breaks_its_chain(client: httpx.AsyncClient) -> None:
    x, _z = await _two_chains(await build_world())
    third = await _at(x, 3)
    await _sql("UPDATE access_log SET revealed = '' WHERE id = {}", third["id"])
    broken = (await verify()).broken
    assert broken is not None
    assert (broken.chain, broken.entry_id, broken.seq) == (f"client:{x}", third["id"], 3)
    assert "content" in broken.problem


async def test_a_deleted_entry_breaks_its_chain(client: httpx.AsyncClient) -> None:
    x, z = await _two_chains(await build_world())
    second = await _at(z, 2)
    await _sql("DELETE FROM access_log WHERE id = {}", second["id"])
    broken = (await verify()).broken
    assert broken is not None
    assert (broken.chain, broken.seq) == (f"client:{z}", 3)
    assert "position 2 is missing" in broken.problem
    assert x != z


async def test_a_deleted_last_entry_breaks_its_chain(client: httpx.AsyncClient) -> None:
    """The chain's head still names it."""
    x, _z = await _two_chains(await build_world())
    last = await _at(x, 5)
    await _sql("DELETE FROM access_log WHERE id = {}", last["id"])
    broken = (await verify()).broken
    assert broken is not None
    assert (broken.chain, broken.entry_id) == (f"client:{x}", None)


async def test_an_inserted_entry_breaks_its_chain(client: httpx.AsyncClient) -> None:
    """Inserted well-formed (its hash computed as the portal would) at the end, and in the
    middle with every later entry moved one place on: still found."""
    x, z = await _two_chains(await build_world())
    last = await _at(x, 5)
    forged = {**last, "seq": 6, "action": "client.opened", "subject": "forged"}
    forged["prev_hash"], forged["hash"] = last["hash"], digest(last["hash"], forged)
    await _insert(forged)
    broken = (await verify()).broken
    assert broken is not None
    assert (broken.chain, broken.entry_id) == (f"client:{x}", None), broken

    await _sql("DELETE FROM access_log WHERE subject = 'forged'")
    assert (await verify()).broken is None
    first = await _at(z, 1)
    for seq in (3, 2):
        entry = await _at(z, seq)
        await _sql("UPDATE access_log SET seq = {} WHERE id = {}", seq + 1, entry["id"])
    forged = {**first, "seq": 2, "subject": "forged"}
    forged["prev_hash"], forged["hash"] = first["hash"], digest(first["hash"], forged)
    await _insert(forged)
    broken = (await verify()).broken
    assert broken is not None
    assert broken.chain == f"client:{z}" and broken.seq == 3, broken


async def _insert(entry: dict[str, Any]) -> None:
    row = {key: value for key, value in entry.items() if key != "id"}
    with unscoped("test: forging an entry"):
        await AccessLogEntry.insert(AccessLogEntry(**row))


async def test_portal_audit_verify_exits_1_and_names_the_first_broken_link(
    client: httpx.AsyncClient, tmp_path: Path
) -> None:
    x, _z = await _two_chains(await build_world())
    env = clean_env(PORTAL_DATABASE_URL=TEST_DATABASE_URL, PORTAL_VAR_DIR=str(tmp_path / "var"))
    portal = Path(sys.executable).with_name("portal")
    held = await asyncio.to_thread(_run, [str(portal), "audit", "verify"], env)
    assert held.returncode == 0, held.stderr
    assert "2 chain(s), 8 entries" in held.stdout
    fourth = await _at(x, 4)
    await _sql("UPDATE access_log SET person = NULL WHERE id = {}", fourth["id"])
    broken = await asyncio.to_thread(_run, [str(portal), "audit", "verify"], env)
    assert broken.returncode == 1
    assert f"chain client:{x}, entry {fourth['id']} (position 4)" in broken.stderr


def _run(argv: list[str], env: dict[str, str]) -> subprocess.CompletedProcess[str]:
    return subprocess.run(argv, env=env, capture_output=True, text=True, timeout=120, check=False)


WRITER = textwrap.dedent(
    """
    import asyncio, json, sys
    import portal.domains
    from portal.accounts.services import load_viewer
    from portal.audit.services import record_access
    from portal.core import db

    async def main(person, clients, rounds):
        await db.start()
        viewer = await load_viewer(person)
        try:
            for number in range(rounds):
                await asyncio.gather(
                    *(record_access(viewer, c, "client.opened", ()) for c in clients)
                )
        finally:
            await db.stop()

    asyncio.run(main(*json.loads(sys.argv[1])))
    """
)


async def test_two_processes_writing_the_same_chains_keep_them_whole(
    client: httpx.AsyncClient, tmp_path: Path
) -> None:
    world = await build_world()
    clients = [world.clients["X"], world.clients["Y"], None]
    rounds = 15
    env = clean_env(PORTAL_DATABASE_URL=TEST_DATABASE_URL, PORTAL_VAR_DIR=str(tmp_path / "var"))
    argv = [sys.executable, "-c", WRITER]
    people = [world.people[name] for name in ("sw.a", "sw.a2")]
    processes = [
        await asyncio.create_subprocess_exec(
            *argv,
            json.dumps([person, clients, rounds]),
            env=env,
            cwd=ROOT,
            stderr=asyncio.subprocess.PIPE,
        )
        for person in people
    ]
    for process in processes:
        _out, err = await process.communicate()
        assert process.returncode == 0, err.decode()
    result = await verify()
    assert result.broken is None, result.broken
    per_client = {c: len(await _entries(c)) for c in clients if c is not None}
    assert per_client == {c: 2 * rounds for c in per_client}
    assert result.entries == 2 * rounds * len(clients)
    assert result.chains == len(clients) + 1, "one chain per client and per person listing"


async def test_a_failed_entry_fails_the_request_and_shows_nothing(
    client: httpx.AsyncClient,
) -> None:
    world = await build_world()
    x = world.clients["X"]
    await login(client, "sw.a")
    opened = await client.get(f"/clients/{x}")
    assert opened.status_code == 200 and "FirstX" in opened.text
    before = await _entries(x)
    await _refuse_entries()
    try:
        refused = await client.get(f"/clients/{x}")
    finally:
        await _accept_entries()
    assert refused.status_code == 500
    assert "FirstX" not in refused.text and "S3CRET" not in refused.text
    assert await _entries(x) == before
    assert (await verify()).broken is None


async def _refuse_entries() -> None:
    """A real fault: the database refuses every new entry (a trigger)."""
    if db.is_sqlite():
        await db.DB.run_ddl(
            "CREATE TRIGGER refuse_entries BEFORE INSERT ON access_log "
            "BEGIN SELECT RAISE(ABORT, 'the access log is read-only'); END"
        )
    else:
        await db.DB.run_ddl(
            "CREATE FUNCTION refuse_entries() RETURNS trigger AS $$ BEGIN "
            "RAISE EXCEPTION 'the access log is read-only'; END $$ LANGUAGE plpgsql"
        )
        await db.DB.run_ddl(
            "CREATE TRIGGER refuse_entries BEFORE INSERT ON access_log "
            "FOR EACH ROW EXECUTE FUNCTION refuse_entries()"
        )


async def _accept_entries() -> None:
    await db.DB.run_ddl(
        "DROP TRIGGER IF EXISTS refuse_entries" + ("" if db.is_sqlite() else " ON access_log")
    )
    if not db.is_sqlite():
        await db.DB.run_ddl("DROP FUNCTION IF EXISTS refuse_entries()")


def test_genesis_is_the_first_entry_s_previous_hash() -> None:
    assert GENESIS == "0" * 64
    entry = {"at": dt.datetime(2026, 12, 4, tzinfo=dt.UTC), "chain": "client:1", "seq": 1}
    assert digest(GENESIS, entry) != digest(GENESIS, {**entry, "seq": 2})
    assert chain.chain_of(None, 7) == "person:7" and chain.chain_of(3, 7) == "client:3"
