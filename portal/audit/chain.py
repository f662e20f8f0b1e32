"""The access log's chains: append one entry, and verify every chain.

An entry belongs to the chain of its client (``client:<id>``), or, when it is about no one
client (a list of clients), to the chain of the person (``person:<id>``). Each entry carries its
position in the chain (``seq``, from 1), the previous entry's hash (``prev_hash``; the first
entry's is ``GENESIS``) and its own hash: SHA-256 over the previous hash and the entry's content
in a canonical form. A changed entry no longer matches its hash; a deleted one leaves a gap in
the positions and a broken link; an inserted one takes a position twice or breaks a link. The
head of each chain (``audit_chain``) holds its last position and hash, and is what a writer
locks: one chain per client keeps writers of different files from waiting on each other (see
``docs/adr/0008-access-log-chains.md``).
"""

from __future__ import annotations

import datetime as dt
import hashlib
import json
from collections.abc import AsyncIterator, Mapping
from dataclasses import dataclass
from typing import Any

from piccolo.querystring import QueryString

from portal.audit.tables import AccessLogEntry, AuditChain
from portal.core import db
from portal.core.db import unit_of_work
from portal.visibility.scoping import unscoped

GENESIS = "0" * 64
CONTENT = (
    "chain",
    "seq",
    "at",
    "person",
    "organisation",
    "roles",
    "client_id",
    "action",
    "revealed",
    "subject",
    "reason",
    "request_id",
    "cross_site",
)
"""The columns an entry's hash covers: everything but its id and its hashes."""


def chain_of(client_id: int | None, person_id: int | None) -> str:
    return f"client:{client_id}" if client_id is not None else f"person:{person_id}"


def _canonical(value: Any) -> Any:
    if isinstance(value, dt.datetime):
        moment = value if value.tzinfo else value.replace(tzinfo=dt.UTC)
        return moment.astimezone(dt.UTC).isoformat(timespec="microseconds")
    if isinstance(value, bool):
        return value
    return value


def digest(prev_hash: str, entry: Mapping[str, Any]) -> str:
    content = {name: _canonical(entry.get(name)) for name in CONTENT}
    if content["cross_site"] is not None:
        content["cross_site"] = bool(content["cross_site"])
    text = json.dumps(content, sort_keys=True, separators=(",", ":"), ensure_ascii=False)
    return hashlib.sha256(f"{prev_hash}\n{text}".encode()).hexdigest()


_LOCK_HEAD = (
    "INSERT INTO audit_chain (key, seq, head, pruned_seq, pruned_hash) VALUES ({}, 0, {}, 0, {})"
    " ON CONFLICT (key) DO UPDATE SET seq = audit_chain.seq RETURNING seq, head"
)


async def _lock_head(key: str) -> tuple[int, str]:
    """The chain's last position and hash, its head row made if need be and locked until the
    unit of work ends, in one statement (an upsert that changes nothing still locks the row on
    PostgreSQL; on SQLite the write transaction already excludes every other writer)."""
    rows = await db.DB.run_querystring(QueryString(_LOCK_HEAD, key, GENESIS, GENESIS))
    return int(rows[0]["seq"]), str(rows[0]["head"])


async def append(entry: dict[str, Any]) -> None:
    """Write one entry at the end of its chain (``entry`` holds ``CONTENT`` but its place)."""
    async with unit_of_work():
        key = chain_of(entry.get("client_id"), entry.get("person"))
        seq, head = await _lock_head(key)
        placed = {**entry, "chain": key, "seq": seq + 1}
        placed["at"] = _canonical_moment(placed["at"])
        hashed = digest(head, placed)
        await AccessLogEntry.insert(AccessLogEntry(**placed, prev_hash=head, hash=hashed))
        await AuditChain.update({AuditChain.seq: seq + 1, AuditChain.head: hashed}).where(
            AuditChain.key == key
        )


def _canonical_moment(moment: dt.datetime) -> dt.datetime:
    """Microseconds are what both databases keep."""
    return moment.astimezone(dt.UTC)


# --- verification -------------------------------------------------------------------------------


@dataclass(frozen=True)
class Broken:
    chain: str
    entry_id: int | None
    seq: int
    problem: str

    def __str__(self) -> str:
        where = f"entry {self.entry_id} (position {self.seq})" if self.entry_id else "its head"
        return f"chain {self.chain}, {where}: {self.problem}"


@dataclass
class Verification:
    chains: int = 0
    entries: int = 0
    broken: Broken | None = None


BATCH = 5000


async def _entries() -> AsyncIterator[dict[str, Any]]:
    """Every entry in (chain, seq) order, a batch at a time."""
    after: tuple[str, int, int] = ("", -1, -1)
    columns = [getattr(AccessLogEntry, name) for name in (*CONTENT, "id", "prev_hash", "hash")]
    while True:
        chain, seq, entry_id = after
        with unscoped("audit: verifying every chain reads every entry, shows none"):
            rows = await (
                AccessLogEntry.select(*columns)
                .where(
                    (AccessLogEntry.chain > chain)
                    | ((AccessLogEntry.chain == chain) & (AccessLogEntry.seq > seq))
                    | (
                        (AccessLogEntry.chain == chain)
                        & (AccessLogEntry.seq == seq)
                        & (AccessLogEntry.id > entry_id)
                    )
                )
                .order_by(AccessLogEntry.chain, AccessLogEntry.seq, AccessLogEntry.id)
                .limit(BATCH)
            )
        if not rows:
            return
        for row in rows:
            yield row
        last = rows[-1]
        after = (last["chain"], last["seq"], last["id"])


async def verify() -> Verification:
    """Walk every chain from its first kept entry to its head; stop at the first broken link."""
    heads = {row["key"]: row for row in await AuditChain.select().order_by(AuditChain.key)}
    result = Verification(chains=len(heads))
    current: str | None = None
    expect_seq, expect_prev = 0, GENESIS

    def close(chain: str | None) -> Broken | None:
        if chain is None:
            return None
        head = heads.get(chain)
        if head is None:
            return None
        if head["seq"] != expect_seq - 1 or head["head"] != expect_prev:
            return Broken(chain, None, head["seq"], "its last entries are missing or were changed")
        return None

    seen: set[str] = set()
    async for row in _entries():
        result.entries += 1
        if row["chain"] != current:
            if broken := close(current):
                result.broken = broken
                return result
            current = row["chain"]
            seen.add(current)
            head = heads.get(current)
            if head is None:
                result.broken = Broken(current, row["id"], row["seq"], "the chain has no head")
                return result
            expect_seq, expect_prev = head["pruned_seq"] + 1, head["pruned_hash"] or GENESIS
        problem = None
        if row["seq"] != expect_seq:
            problem = (
                f"position {expect_seq} is missing"
                if row["seq"] > expect_seq
                else f"position {row['seq']} is taken twice"
            )
        elif row["prev_hash"] != expect_prev:
            problem = "it does not follow the entry before it"
        elif digest(row["prev_hash"], row) != row["hash"]:
            problem = "its content does not match its hash"
        if problem:
            result.broken = Broken(row["chain"], row["id"], row["seq"], problem)
            return result
        expect_seq, expect_prev = row["seq"] + 1, row["hash"]
    if broken := close(current):
        result.broken = broken
        return result
    for chain, head in heads.items():
        if chain not in seen and head["seq"] != head["pruned_seq"]:
            result.broken = Broken(chain, None, head["seq"], "its entries are missing")
            return result
    return result


# --- chaining what was written before the chains ------------------------------------------------


async def chain_existing() -> int:
    """Give each unchained entry (``chain = ''``) its place, in the order of the ids, and each
    chain its head; returns how many were placed. Raw SQL: it runs in a migration, against the
    columns of that migration."""
    run = db.DB.run_querystring
    heads = {
        row["key"]: (int(row["seq"]), str(row["head"]))
        for row in await run(QueryString("SELECT key, seq, head FROM audit_chain"))
    }
    columns = ", ".join(name for name in CONTENT if name not in ("chain", "seq"))
    rows = await run(
        QueryString(f"SELECT id, {columns} FROM access_log WHERE chain = '' ORDER BY id")  # noqa: S608
    )
    for row in rows:
        entry = dict(row)
        if isinstance(entry["at"], str):
            entry["at"] = dt.datetime.fromisoformat(entry["at"])
        key = chain_of(entry["client_id"], entry["person"])
        seq, head = heads.get(key, (0, GENESIS))
        entry.update(chain=key, seq=seq + 1)
        hashed = digest(head, entry)
        await run(
            QueryString(
                "UPDATE access_log SET chain = {}, seq = {}, prev_hash = {}, hash = {}"
                " WHERE id = {}",
                key,
                seq + 1,
                head,
                hashed,
                entry["id"],
            )
        )
        heads[key] = (seq + 1, hashed)
    for key, (seq, head) in heads.items():
        await run(
            QueryString(
                "INSERT INTO audit_chain (key, seq, head, pruned_seq, pruned_hash)"
                " VALUES ({}, {}, {}, 0, {}) ON CONFLICT (key) DO UPDATE SET seq = {}, head = {}",
                key,
                seq,
                head,
                GENESIS,
                seq,
                head,
            )
        )
    return len(rows)
