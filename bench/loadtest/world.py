"""What ``make loadtest`` and ``make faults`` share: the portal's production environment, the demo
world on PostgreSQL with its documents in S3, the plan handed to locust, locust itself, and the
checks after a run: the writes locust saw acknowledged against the rows in the database, the
documents' rows against the bucket's objects, and the access log's chains.
"""

from __future__ import annotations

import asyncio
import csv
import datetime as dt
import json
import secrets
import subprocess
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Protocol

import asyncpg
import urllib3
from minio import Minio

from bench.run import STATEMENTS_ENV, base_env
from portal.core.sessions import RedisSessionStore, SessionData
from portal.testing.processes import BIN, run_portal, run_portal_ok

ROOT = Path(__file__).resolve().parents[2]
LOCUSTFILE = ROOT / "bench" / "loadtest" / "locustfile.py"
BUCKET = "brug-documents"
ROLES = ("social_worker", "toeleider", "mediator", "coordinator")
WRITE_KINDS = ("note", "signal", "question", "answer", "message", "document", "inbox_read")
"""The writes whose rows are counted afterwards; claims are counted by locust only (a claim is a
state change that carries no text of the run's own)."""
SESSION_TTL = 3600


class S3Store(Protocol):
    """Where the documents are: ``weed mini`` (``SeaweedServer``) or a distributed SeaweedFS."""

    endpoint: str
    access_key: str
    secret_key: str


class RunFailed(RuntimeError):
    """The run could not be made or its checks could not be read."""


def say(message: str) -> None:
    print(f"[load] {message}", flush=True)


def portal_env(
    *,
    var_dir: Path,
    database_url: str,
    redis_url: str,
    s3: S3Store,
    oidc: Mapping[str, str],
    secret_key: str,
    **extra: str,
) -> dict[str, str]:
    """``portal serve`` as in production; every process of a run gets the same one (the same
    secret key, so that each can read what another signed)."""
    var_dir.mkdir(parents=True, exist_ok=True)
    return base_env(
        PORTAL_ENV="production",
        PORTAL_SECRET_KEY=secret_key,
        PORTAL_BASE_URL="https://127.0.0.1",
        PORTAL_DATABASE_URL=database_url,
        PORTAL_VAR_DIR=str(var_dir),
        PORTAL_REDIS_URL=redis_url,
        PORTAL_S3_ENDPOINT=s3.endpoint,
        PORTAL_S3_ACCESS_KEY=s3.access_key,
        PORTAL_S3_SECRET_KEY=s3.secret_key,
        PORTAL_S3_BUCKET=BUCKET,
        PORTAL_S3_SECURE="false",
        **STATEMENTS_ENV,
        **oidc,
        **extra,
    )


def new_secret() -> str:
    return secrets.token_urlsafe(36)  # 48 characters


def load_demo(env: Mapping[str, str]) -> str:
    """``portal migrate`` and ``portal demo``: the demo world, its documents into the bucket."""
    run_portal_ok(env, "migrate", cwd=ROOT)
    return run_portal_ok(env, "demo", cwd=ROOT).strip().splitlines()[-1]


# --- people and sessions ----------------------------------------------------------------------


@dataclass(frozen=True)
class Person:
    id: int
    username: str
    role: str
    organisation: str


async def people(database_url: str) -> list[Person]:
    """The demo's active people with one role of ``ROLES``, by id."""
    connection = await asyncpg.connect(database_url)
    try:
        rows = await connection.fetch(
            "SELECT p.id, p.username, p.roles, o.code FROM person p"
            " JOIN organisation o ON o.id = p.organisation WHERE p.active ORDER BY p.id"
        )
    finally:
        await connection.close()
    return [
        Person(row["id"], row["username"], row["roles"][0], row["code"])
        for row in rows
        if len(row["roles"]) == 1 and row["roles"][0] in ROLES
    ]


def seats(everyone: list[Person], counts: Mapping[str, int]) -> dict[str, list[Person]]:
    """For each role, ``counts[role]`` seats given round-robin to the people of that role: one
    session per simulated user, several sessions per person where users outnumber people."""
    by_role: dict[str, list[Person]] = {}
    for role, count in counts.items():
        mine = [person for person in everyone if person.role == role]
        if count and not mine:
            raise RunFailed(f"the demo world has no {role}")
        by_role[role] = [mine[i % len(mine)] for i in range(count)]
    return by_role


async def write_sessions(redis_url: str, persons: list[Person]) -> list[str]:
    """A logged-in session for each person in the session store (as the portal's login writes
    it: the session and the person's index); their cookie tokens."""
    store = RedisSessionStore.from_url(redis_url)
    tokens = []
    try:
        for person in persons:
            token = secrets.token_urlsafe(32)
            await store.save(token, SessionData.fresh(person.id), SESSION_TTL, new=True)
            tokens.append(token)
    finally:
        await store.close()
    return tokens


async def end_sessions(redis_url: str, tokens: list[tuple[str, int]]) -> None:
    store = RedisSessionStore.from_url(redis_url)
    try:
        for token, person_id in tokens:
            await store.end(token, person_id)
    finally:
        await store.close()


# --- locust ---------------------------------------------------------------------------------


def write_plan(
    folder: Path,
    *,
    hosts: list[str],
    marker: str,
    counts: Mapping[str, int],
    sessions: Mapping[str, list[str]],
) -> Path:
    plan = folder / "plan.json"
    plan.write_text(
        json.dumps(
            {
                "hosts": hosts,
                "marker": marker,
                "counts": dict(counts),
                "sessions": dict(sessions),
                "results": str(folder / "locust-results.json"),
            }
        )
    )
    plan.chmod(0o600)
    return plan


def locust_argv(folder: Path, users: int, seconds: int, spawn_rate: int) -> list[str]:
    return [
        str(BIN / "locust"),
        "-f",
        str(LOCUSTFILE),
        "--headless",
        "--users",
        str(users),
        "--spawn-rate",
        str(spawn_rate),
        "--run-time",
        f"{seconds}s",
        "--stop-timeout",
        "60",
        "--csv",
        str(folder / "locust"),
        "--only-summary",
        "--loglevel",
        "WARNING",
    ]


def start_locust(
    folder: Path, plan: Path, users: int, seconds: int, spawn_rate: int
) -> subprocess.Popen[str]:
    """locust in its own process (gevent patches everything it imports); its output in a file."""
    if not (BIN / "locust").exists():
        raise RunFailed("locust is not installed: `make loadtest` installs the `bench` extra")
    log = (folder / "locust.log").open("w")
    return subprocess.Popen(
        locust_argv(folder, users, seconds, spawn_rate),
        cwd=ROOT,
        env={**base_env(), "BRUG_LOAD_PLAN": str(plan)},
        stdout=log,
        stderr=subprocess.STDOUT,
        text=True,
        start_new_session=True,
    )


def locust_results(folder: Path) -> dict[str, Any]:
    """What the locustfile wrote when it quit, and locust's own statistics (its CSV)."""
    path = folder / "locust-results.json"
    log = (folder / "locust.log").read_text()
    if not path.exists():
        raise RunFailed(f"locust wrote no results:\n{log[-3000:]}")
    if "Traceback" in log:
        raise RunFailed(f"the locustfile failed:\n{log[-3000:]}")
    results: dict[str, Any] = json.loads(path.read_text())
    with (folder / "locust_stats.csv").open() as stats:
        results["stats"] = list(csv.DictReader(stats))
    return results


# --- checks ---------------------------------------------------------------------------------

_ROWS = {
    "note": "SELECT count(*) FROM timeline_event WHERE kind = 'note.added' AND text LIKE $1",
    "signal": "SELECT count(*) FROM signal WHERE description LIKE $1",
    "question": "SELECT count(*) FROM question WHERE text LIKE $1",
    "answer": "SELECT count(*) FROM question_change WHERE kind = 'answer' AND text LIKE $1",
    "message": "SELECT count(*) FROM question_change WHERE kind = 'message' AND text LIKE $1",
    "document": "SELECT count(*) FROM document WHERE name LIKE $1",
}


async def rows_written(database_url: str, marker: str, read_items: list[int]) -> dict[str, int]:
    """The rows this run left, per kind (each carries ``[<marker>-<kind>-<n>]``; a document's
    file name ``<marker>-document-<n>.pdf``), and how many of the inbox items locust saw marked
    read are read."""
    connection = await asyncpg.connect(database_url)
    try:
        found = {}
        for kind, sql in _ROWS.items():
            pattern = f"{marker}-{kind}-%" if kind == "document" else f"%[{marker}-{kind}-%"
            found[kind] = int(await connection.fetchval(sql, pattern))
        found["inbox_read"] = int(
            await connection.fetchval(
                "SELECT count(*) FROM inbox_item WHERE id = ANY($1::int[]) AND read_at IS NOT NULL",
                sorted(set(read_items)),
            )
        )
    finally:
        await connection.close()
    return found


@dataclass
class DocumentCheck:
    """Every document row against the bucket: no row without its object (of the row's size), no
    object that no row names (an unfinished multipart upload counts as an object)."""

    rows: int = 0
    objects: int = 0
    rows_of_run: int = 0
    objects_of_run: int = 0
    rows_without_object: list[str] = field(default_factory=list)
    wrong_size: list[str] = field(default_factory=list)
    objects_without_row: list[str] = field(default_factory=list)

    @property
    def consistent(self) -> bool:
        return not (self.rows_without_object or self.wrong_size or self.objects_without_row)


def bucket_client(s3: S3Store) -> Minio:
    return Minio(
        s3.endpoint,
        access_key=s3.access_key,
        secret_key=s3.secret_key,
        secure=False,
        http_client=urllib3.PoolManager(timeout=urllib3.Timeout(connect=5, read=30)),
    )


def bucket_objects(s3: S3Store) -> dict[str, int]:
    client = bucket_client(s3)
    objects = {
        item.object_name: item.size or 0
        for item in client.list_objects(BUCKET, recursive=True)
        if item.object_name is not None and not item.is_dir
    }
    for upload in client._list_multipart_uploads(BUCKET).uploads:
        objects.setdefault(upload.object_name, 0)
    return objects


async def document_rows(database_url: str, marker: str) -> tuple[dict[str, int], set[str]]:
    """Every document row's object key and size; the keys of this run's documents."""
    connection = await asyncpg.connect(database_url)
    try:
        rows = await connection.fetch("SELECT object_key, size, name FROM document")
    finally:
        await connection.close()
    keys = {row["object_key"]: int(row["size"]) for row in rows}
    mine = {row["object_key"] for row in rows if row["name"].startswith(f"{marker}-document-")}
    return keys, mine


def check_documents(s3: S3Store, database_url: str, marker: str) -> DocumentCheck:
    rows, mine = asyncio.run(document_rows(database_url, marker))
    objects = bucket_objects(s3)
    return DocumentCheck(
        rows=len(rows),
        objects=len(objects),
        rows_of_run=len(mine),
        objects_of_run=len(mine & set(objects)),
        rows_without_object=sorted(key for key in rows if key not in objects),
        wrong_size=sorted(
            key for key, size in rows.items() if key in objects and objects[key] != size
        ),
        objects_without_row=sorted(key for key in objects if key not in rows),
    )


def verify_access_log(env: Mapping[str, str]) -> tuple[bool, str]:
    """``portal audit verify``: whether every chain holds, and what it said."""
    result = run_portal(env, "audit", "verify", cwd=ROOT)
    return result.returncode == 0, (result.stdout + result.stderr).strip().splitlines()[-1]


def write_verdicts(
    outcome: Mapping[str, Mapping[str, int]],
    found: Mapping[str, int],
    read_items: list[int],
) -> dict[str, dict[str, Any]]:
    """Per kind: the rows found against the writes acknowledged. A write whose answer never came
    or was a server error (``failed``) may or may not have committed, so the rows must lie
    between the acknowledged writes and those plus the failed ones (exactly the acknowledged
    ones when none failed). Marking an inbox item read is idempotent: every item acknowledged
    read must be read."""
    verdicts: dict[str, dict[str, Any]] = {}
    for kind in WRITE_KINDS:
        acknowledged = outcome["acknowledged"].get(kind, 0)
        failed = outcome["failed"].get(kind, 0)
        rows = found.get(kind, 0)
        if kind == "inbox_read":
            acknowledged = len(set(read_items))
            held = rows == acknowledged
        else:
            held = acknowledged <= rows <= acknowledged + failed
        verdicts[kind] = {
            "attempted": outcome["attempted"].get(kind, 0),
            "acknowledged": acknowledged,
            "refused": outcome["refused"].get(kind, 0),
            "failed": failed,
            "rows": rows,
            "held": held,
        }
    return verdicts


def timestamp() -> dt.datetime:
    return dt.datetime.now(dt.UTC).replace(microsecond=0)
