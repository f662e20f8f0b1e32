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
import hmac
import json
from collections.abc import AsyncIterator, Mapping
from dataclasses import dataclass
from typing import Any

from piccolo.querystring import QueryString

from portal.audit.tables import AccessLogEntry, AuditChain, AuditCheckpoint
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
DEFAULTS: dict[str, Any] = {
    "person": None,
    "organisation": None,
    "roles": "",
    "client_id": None,
    "revealed": "",
    "subject": "",
    "reason": "",
    "request_id": "",
    "cross_site": False,
}
"""What an entry holds where its writer gave nothing: hashed as it will be read back."""
_INSERT_COLUMNS = ", ".join(f'"{name}"' for name in (*CONTENT, "prev_hash", "hash"))


def chain_of(client_id: int | None, person_id: int | None) -> str:
    return f"client:{client_id}" if client_id is not None else f"person:{person_id}"


def _canonical(value: Any) -> Any:
    if isinstance(value, dt.datetime):
        moment = value if value.tzinfo else value.replace(tzinfo=dt.UTC)
        return moment.astimezone(dt.UTC).isoformat(timespec="microseconds")
    return value


def _canonical_text(entry: Mapping[str, Any]) -> str:
    content = {name: _canonical(entry.get(name)) for name in CONTENT}
    if content["cross_site"] is not None:
        content["cross_site"] = bool(content["cross_site"])
    return json.dumps(content, sort_keys=True, separators=(",", ":"), ensure_ascii=False)


def digest(prev_hash: str, entry: Mapping[str, Any]) -> str:
    return hashlib.sha256(f"{prev_hash}\n{_canonical_text(entry)}".encode()).hexdigest()


def _lock_heads_sql(count: int) -> str:
    values = ", ".join("({}, 0, {}, 0, {})" for _ in range(count))
    return (
        f"INSERT INTO audit_chain (key, seq, head, pruned_seq, pruned_hash) VALUES {values}"  # noqa: S608  # nosec B608  # placeholders only
        " ON CONFLICT (key) DO UPDATE SET seq = audit_chain.seq RETURNING key, seq, head"
    )


async def _lock_heads(keys: list[str]) -> dict[str, tuple[int, str]]:
    """Each chain's last position and hash, its head row made if need be and locked until the
    unit of work ends, in one statement: an upsert that changes nothing still locks its rows on
    PostgreSQL (taken in the order of the keys, so two writers never wait on each other in a
    circle); on SQLite the write transaction already excludes every other writer."""
    args: list[Any] = []
    for key in keys:
        args += [key, GENESIS, GENESIS]
    rows = await db.DB.run_querystring(QueryString(_lock_heads_sql(len(keys)), *args))
    return {str(row["key"]): (int(row["seq"]), str(row["head"])) for row in rows}


async def append(entry: dict[str, Any]) -> None:
    """Write one entry at the end of its chain (``entry`` holds ``CONTENT`` but its place): on
    PostgreSQL in one statement once the chain has a head, else as ``append_many`` does."""
    if db.is_sqlite() or not await _append_in_one_statement(entry):
        await append_many([entry])


def _split_at_seq(placed: dict[str, Any]) -> tuple[str, str]:
    """The canonical text of an entry as the part before its position's digits and the part
    after, so that the database can hash it with the position it assigns (as ``digest`` would:
    a quote inside a value is escaped, so the key's pattern occurs once)."""
    before, after = _canonical_text({**placed, "seq": 0}).split('"seq":0,', 1)
    return before + '"seq":', "," + after


_TYPES = {
    "at": "TIMESTAMPTZ",
    "person": "INTEGER",
    "organisation": "INTEGER",
    "client_id": "INTEGER",
    "cross_site": "BOOLEAN",
}
_MOVE_HEAD = (
    "WITH moved AS (UPDATE audit_chain SET prev_head = head, seq = seq + 1,"
    " head = encode(sha256(convert_to("
    "head || chr(10) || {} || CAST(seq + 1 AS TEXT) || {}, 'UTF8')), 'hex')"
    " WHERE key = {} RETURNING seq, head, prev_head)"
)
_PLACED = ", ".join(
    "moved.seq" if name == "seq" else f"CAST({{}} AS {_TYPES.get(name, 'TEXT')})"
    for name in CONTENT
)
_ONE_STATEMENT = " ".join(
    (
        _MOVE_HEAD,
        f"INSERT INTO access_log ({_INSERT_COLUMNS})",
        f"SELECT {_PLACED}, moved.prev_head, moved.head FROM moved RETURNING seq",  # noqa: S608  # nosec B608  # names from CONTENT
    )
)


async def _append_in_one_statement(entry: dict[str, Any]) -> bool:
    """Move the chain's head and write the entry linked to the old one, in one statement that
    commits on its own (or with the caller's unit of work): the UPDATE takes the head's row lock
    and computes the position and hash from the head it locked, so concurrent writers of one
    chain queue as they do in ``append_many``. ``False`` when the chain has no head yet."""
    key = chain_of(entry.get("client_id"), entry.get("person"))
    placed = {**DEFAULTS, **entry, "chain": key, "seq": 0}
    placed["at"] = _canonical_moment(placed["at"])
    before, after = _split_at_seq(placed)
    values = [placed[name] for name in CONTENT if name != "seq"]
    rows = await db.run_sql(_ONE_STATEMENT, before, after, key, *values)
    return bool(rows)


async def append_many(entries: list[dict[str, Any]]) -> None:
    """Write entries at the end of their chains (several entries of one chain in their order),
    in three statements whatever their number: lock the heads, the entries, the new heads."""
    if not entries:
        return
    async with unit_of_work():
        keys = [chain_of(entry.get("client_id"), entry.get("person")) for entry in entries]
        heads = await _lock_heads(sorted(set(keys)))
        rows = []
        for key, entry in zip(keys, entries, strict=True):
            seq, head = heads[key]
            placed = {**DEFAULTS, **entry, "chain": key, "seq": seq + 1}
            placed["at"] = _canonical_moment(placed["at"])
            hashed = digest(head, placed)
            rows.append([placed[name] for name in CONTENT] + [head, hashed])
            heads[key] = (seq + 1, hashed)
        await _insert(rows)
        moved = sorted(set(keys))
        seqs = " ".join("WHEN {} THEN CAST({} AS INTEGER)" for _ in moved)
        hashes = " ".join("WHEN {} THEN {}" for _ in moved)
        args: list[Any] = []
        for key in moved:
            args += [key, heads[key][0]]
        for key in moved:
            args += [key, heads[key][1]]
        names = ", ".join("{}" for _ in moved)
        await db.DB.run_querystring(
            QueryString(
                f"UPDATE audit_chain SET seq = CASE key {seqs} END,"  # noqa: S608  # nosec B608  # placeholders only
                f" head = CASE key {hashes} END WHERE key IN ({names})",
                *args,
                *moved,
            )
        )


_ROW = "(" + ", ".join("{}" for _ in range(len(CONTENT) + 2)) + ")"


async def _insert(rows: list[list[Any]]) -> None:
    """One multi-row INSERT (Piccolo's own builds each row's SQL anew: most of the cost)."""
    values = ", ".join(_ROW for _ in rows)
    args = [value for row in rows for value in row]
    await db.DB.run_querystring(
        QueryString(f"INSERT INTO access_log ({_INSERT_COLUMNS}) VALUES {values}", *args)  # noqa: S608  # nosec B608  # column names from CONTENT
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


async def _checkpoints_hold(
    heads: Mapping[str, Mapping[str, Any]], key: str | None
) -> Broken | None:
    """A chain that starts later than its first position was pruned: the latest checkpoint of
    that chain must name the same entry, and carry the audit key's signature."""
    latest: dict[str, Mapping[str, Any]] = {}
    for row in await AuditCheckpoint.select().order_by(AuditCheckpoint.id):
        latest[row["chain"]] = row
    for chain, head in heads.items():
        checkpoint = latest.get(chain)
        if head["pruned_seq"] == 0 and checkpoint is None:
            continue
        if checkpoint is None:
            return Broken(chain, None, head["pruned_seq"], "it starts late without a checkpoint")
        if (checkpoint["through_seq"], checkpoint["through_hash"]) != (
            head["pruned_seq"],
            head["pruned_hash"],
        ):
            return Broken(chain, None, head["pruned_seq"], "its start differs from its checkpoint")
        signed = sign(key, checkpoint) if key is not None else checkpoint["signature"]
        if not hmac.compare_digest(signed, checkpoint["signature"]):
            return Broken(chain, None, head["pruned_seq"], "its checkpoint's signature is wrong")
    return None


async def verify(key: str | None = None) -> Verification:
    """Walk every chain from its first kept entry to its head; stop at the first broken link.
    With the audit ``key``, also check the signatures of the prune checkpoints."""
    heads = {row["key"]: row for row in await AuditChain.select().order_by(AuditChain.key)}
    result = Verification(chains=len(heads))
    if broken := await _checkpoints_hold(heads, key):
        result.broken = broken
        return result
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
        QueryString(f"SELECT id, {columns} FROM access_log WHERE chain = '' ORDER BY id")  # noqa: S608  # nosec B608  # column names from CONTENT
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


# --- retention ----------------------------------------------------------------------------------


def _checkpoint_text(row: Mapping[str, Any]) -> str:
    content = {
        "chain": row["chain"],
        "through_seq": int(row["through_seq"]),
        "through_hash": row["through_hash"],
        "removed": int(row["removed"]),
        "before": _canonical(row["before"]),
        "at": _canonical(row["at"]),
    }
    return json.dumps(content, sort_keys=True, separators=(",", ":"))


def sign(key: str, row: Mapping[str, Any]) -> str:
    return hmac.new(key.encode(), _checkpoint_text(row).encode(), hashlib.sha256).hexdigest()


@dataclass
class Pruned:
    chains: int = 0
    entries: int = 0


async def prune(key: str, before: dt.datetime, *, now: dt.datetime | None = None) -> Pruned:
    """Remove, chain by chain, the entries older than ``before`` from the start of the chain (up
    to the first entry that is not older), and keep a signed checkpoint of the last one removed:
    the rest of the chain still verifies from there."""
    moment = now or dt.datetime.now(dt.UTC)
    with unscoped("audit: retention looks at every entry's age, shows none"):
        old = await (
            AccessLogEntry.select(AccessLogEntry.chain).where(AccessLogEntry.at < before).distinct()
        )
    result = Pruned()
    for key_row in old:
        chain = key_row["chain"]
        removed = await _prune_chain(key, chain, before, moment)
        if removed:
            result.chains += 1
            result.entries += removed
    return result


async def _prune_chain(key: str, chain: str, before: dt.datetime, moment: dt.datetime) -> int:
    async with unit_of_work():
        await _lock_heads([chain])
        with unscoped("audit: retention of one chain"):
            newer = await (
                AccessLogEntry.select(AccessLogEntry.seq)
                .where((AccessLogEntry.chain == chain) & (AccessLogEntry.at >= before))
                .order_by(AccessLogEntry.seq)
                .first()
            )
            query = AccessLogEntry.select(AccessLogEntry.seq, AccessLogEntry.hash).where(
                AccessLogEntry.chain == chain
            )
            if newer is not None:
                query = query.where(AccessLogEntry.seq < newer["seq"])
            last = await query.order_by(AccessLogEntry.seq, ascending=False).first()
        if last is None:
            return 0
        removed = (
            await AccessLogEntry.delete()
            .where((AccessLogEntry.chain == chain) & (AccessLogEntry.seq <= last["seq"]))
            .returning(AccessLogEntry.id)
        )
        checkpoint = {
            "chain": chain,
            "through_seq": last["seq"],
            "through_hash": last["hash"],
            "removed": len(removed),
            "before": before,
            "at": moment,
        }
        await AuditCheckpoint.insert(AuditCheckpoint(**checkpoint, signature=sign(key, checkpoint)))
        await AuditChain.update(
            {AuditChain.pruned_seq: last["seq"], AuditChain.pruned_hash: last["hash"]}
        ).where(AuditChain.key == chain)
        return len(removed)
