"""``make topology``: Brug as production runs it on several machines, started here with several
processes of each kind, and one journey that passes through all of them (issue 19).

- HAProxy in front of two ``portal serve`` processes (round robin, each checked on ``/health``);
- PostgreSQL: a primary that archives its WAL and a standby that streams from it, synchronously
  (``synchronous_standby_names``: a commit is acknowledged once the standby has it); the portal's
  URL names both (``target_session_attrs=read-write``), so after a failover it finds the new
  primary by itself;
- Redis (append-only) for the sessions and the live updates of both portal processes, with a
  replica;
- SeaweedFS: a master, two volume servers (replication ``001``: every object on both), a filer
  and the S3 gateway;
- the identity provider (``oidc-provider-mock`` over TLS).

Every server is the run's own, on private ports and folders, never the machine's. The journey, as a
social worker of the demo world: log in through the provider via HAProxy; write a note and add a
document (HAProxy sends the requests to both portal processes in turn, one session in Redis); a note
written through one process arrives on a live stream held open on the other; the standby has the
rows; the document's object lies on both volume servers and is still downloaded with one of them
stopped; deleted behind the portal's back, it comes back from the bucket's versioning. Then the
backup: a base backup taken after ``portal demo``, before the journey, and the archived WAL are
restored into a new cluster, which must hold the same number of rows in every table as the primary.
Last the failover: the primary is killed (``pg_ctl stop -m immediate``) and the standby promoted;
the same portal processes and session go on, the journey's writes are all there and a new note is
written on the new primary. Figures go to ``bench/results/`` and "## Latest topology run" in
``bench/README.md``.

Options: ``--no-readme``.
"""

from __future__ import annotations

import argparse
import asyncio
import base64
import json
import os
import queue
import re
import secrets
import shutil
import subprocess
import sys
import tempfile
import threading
import time
from collections import Counter
from collections.abc import Callable
from contextlib import ExitStack
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import asyncpg
import httpx
import urllib3
from minio import Minio
from minio.versioningconfig import ENABLED, VersioningConfig
from redis import Redis

from bench.faults.provider import Provider, enrol, log_in
from bench.loadtest.report import commit_of, iso, now, rewrite_readme
from bench.loadtest.world import RunFailed, load_demo, new_secret, portal_env
from bench.run import RESULTS_DIR, machine
from portal.testing.processes import (
    WEED,
    PortalServer,
    PostgresCluster,
    ProcessError,
    RedisServer,
    ServerProcess,
    clean_env,
    free_port,
    quick_client,
)

README_HEADING = "## Latest topology run"
STANDBY_NAME = "standby"
PERSON = "sw.zottegem"
CSRF = re.compile(r'name="csrf_token" value="([^"]+)"')
BACKEND = "x-brug-backend"
RECOVERY_LIMIT = 60.0
WAIT = 60.0


def say(message: str) -> None:
    print(f"[topology] {message}", flush=True)


def own(path: Path) -> Path:
    """``path`` given to ``postgres`` when run as root (PostgreSQL refuses to run as root)."""
    if os.geteuid() == 0:
        shutil.chown(path, "postgres", "postgres")
    return path


# --- PostgreSQL: primary, standby, backup ---------------------------------------------------------


def primary_cluster() -> tuple[PostgresCluster, Path]:
    """A cluster archiving each WAL segment into its folder's ``wal-archive`` (returned) and
    committing only once the standby named ``STANDBY_NAME`` has flushed the commit."""
    cluster = PostgresCluster().init()
    archive = cluster.folder / "wal-archive"
    archive.mkdir()
    own(archive)
    settings = (
        "archive_mode = on\n"
        f"archive_command = 'test ! -f {archive}/%f && cp %p {archive}/%f'\n"
        "archive_timeout = 60\n"
        f"synchronous_standby_names = '{STANDBY_NAME}'\n"
        "wal_keep_size = '256MB'\n"
    )
    with (cluster.data / "postgresql.conf").open("a") as conf:
        conf.write(settings)
    return cluster, archive


def copy_cluster(primary: PostgresCluster, *args: str) -> PostgresCluster:
    """A new cluster made by ``pg_basebackup`` from ``primary`` with ``args``, not started."""
    made = PostgresCluster()
    own(made.folder)
    made.run_program(
        "pg_basebackup",
        "-h",
        "127.0.0.1",
        "-p",
        str(primary.port),
        "-U",
        "postgres",
        "-D",
        str(made.data),
        "--checkpoint=fast",
        *args,
    )
    return made


def start_standby(primary: PostgresCluster) -> PostgresCluster:
    standby = copy_cluster(primary, "--wal-method=stream", "--write-recovery-conf")
    with (standby.data / "postgresql.auto.conf").open("a") as conf:
        conf.write(
            f"primary_conninfo = 'host=127.0.0.1 port={primary.port} user=postgres"
            f" application_name={STANDBY_NAME}'\n"
            # Promoted, it has no standby of its own to wait for (until one is attached again).
            "synchronous_standby_names = ''\n"
        )
    return standby.start()


def restore(backup: PostgresCluster, archive: Path) -> PostgresCluster:
    """The base backup in ``backup``'s folder started in recovery from ``archive`` to the end of
    the archived WAL, then promoted: a cluster of its own (no archiving, no standby)."""
    with (backup.data / "postgresql.auto.conf").open("a") as conf:
        conf.write(
            f"restore_command = 'cp {archive}/%f %p'\n"
            "recovery_target_action = 'promote'\n"
            "archive_mode = off\n"
            "synchronous_standby_names = ''\n"
        )
    (backup.data / "recovery.signal").touch()
    own(backup.data / "recovery.signal")
    return backup.start()


async def fetch(url: str, sql: str, *args: Any) -> list[asyncpg.Record]:
    connection = await asyncpg.connect(url)
    try:
        return await connection.fetch(sql, *args)
    finally:
        await connection.close()


async def row_counts(url: str) -> dict[str, int]:
    """The exact number of rows of every table of the portal's schema."""
    connection = await asyncpg.connect(url)
    try:
        tables = await connection.fetch(
            "SELECT tablename FROM pg_tables WHERE schemaname = 'public' ORDER BY tablename"
        )
        return {
            row["tablename"]: await connection.fetchval(
                f'SELECT count(*) FROM "{row["tablename"]}"'  # noqa: S608  # nosec B608  # catalog names
            )
            for row in tables
        }
    finally:
        await connection.close()


async def archived_to_here(url: str) -> str:
    """Switch to a new WAL segment and wait until the one holding everything so far is
    archived; its name."""
    connection = await asyncpg.connect(url)
    try:
        segment = await connection.fetchval("SELECT pg_walfile_name(pg_switch_wal())")
        deadline = time.monotonic() + WAIT
        while time.monotonic() < deadline:
            last = await connection.fetchval("SELECT last_archived_wal FROM pg_stat_archiver")
            if last is not None and last >= segment:
                return str(segment)
            await asyncio.sleep(0.2)
    finally:
        await connection.close()
    raise RunFailed(f"WAL segment {segment} was not archived within {WAIT:.0f} s")


async def wait_until_primary(url: str) -> None:
    deadline = time.monotonic() + WAIT
    while time.monotonic() < deadline:
        try:
            if not (await fetch(url, "SELECT pg_is_in_recovery() AS r"))[0]["r"]:
                return
        except (OSError, asyncpg.PostgresError):
            pass
        await asyncio.sleep(0.2)
    raise RunFailed(f"{url} still in recovery after {WAIT:.0f} s")


# --- Redis: a primary and its replica -------------------------------------------------------------


class RedisReplica(RedisServer):
    """A replica of ``primary`` (``--replicaof``), as Sentinel or a managed Redis keeps one to
    promote; the portal speaks to the primary only."""

    def __init__(self, folder: Path, primary: RedisServer) -> None:
        super().__init__(folder)
        self.primary = primary

    def _argv(self) -> list[str]:
        return [*super()._argv(), "--replicaof", "127.0.0.1", str(self.primary.port)]


def replicated(primary: RedisServer, replica: RedisReplica) -> dict[str, Any]:
    """The replica's link and keys, once it holds as many keys as the primary."""
    source, copy = Redis.from_url(primary.url), Redis.from_url(replica.url)
    try:
        deadline = time.monotonic() + WAIT
        while time.monotonic() < deadline:
            link = copy.info("replication").get("master_link_status")
            keys = int(source.dbsize())
            if link == "up" and keys and int(copy.dbsize()) == keys:
                return {"link": link, "keys": keys}
            time.sleep(0.2)
    finally:
        source.close()
        copy.close()
    raise RunFailed("the Redis replica did not catch up with the primary")


# --- SeaweedFS: master, two volume servers, filer, S3 gateway ------------------------------------


class SeaweedCluster:
    """``weed master`` (default replication ``001``), two ``weed volume``, ``weed filer`` and
    ``weed s3``, each its own process; the S3 gateway is where the portal keeps its documents."""

    def __init__(self, folder: Path) -> None:
        self.folder = folder
        self.access_key = "brug-" + secrets.token_hex(8)
        self.secret_key = secrets.token_urlsafe(30)
        self.master_port, self.master_grpc = free_port(), free_port()
        self.volume_ports = [(free_port(), free_port()) for _ in range(2)]
        self.filer_port, self.s3_port = free_port(), free_port()
        self.endpoint = f"127.0.0.1:{self.s3_port}"
        self.master = f"127.0.0.1:{self.master_port}.{self.master_grpc}"
        self.volumes: list[ServerProcess] = []
        self.processes: list[ServerProcess] = []

    def _start(self, name: str, port: int, *args: str) -> ServerProcess:
        where = (
            ["-ip.bind=127.0.0.1"] if args[0] == "s3" else ["-ip=127.0.0.1", "-ip.bind=127.0.0.1"]
        )
        argv = [WEED, *args, *where, f"-debug.port={free_port()}"]
        process = ServerProcess(argv, clean_env(), port, cwd=self.folder, name=name).start()
        self.processes.append(process)
        return process

    def volume(self, number: int) -> ServerProcess:
        port, grpc = self.volume_ports[number]
        folder = self.folder / f"volume-{number}"
        folder.mkdir(parents=True, exist_ok=True)
        process = self._start(
            f"weed volume {number}",
            port,
            "volume",
            f"-port={port}",
            f"-port.grpc={grpc}",
            f"-dir={folder}",
            f"-master={self.master}",
            "-max=20",
        )
        process.wait_until_answers("/status", timeout=60)
        return process

    def start(self) -> SeaweedCluster:
        (self.folder / "master").mkdir(parents=True, exist_ok=True)
        config = self.folder / "s3.json"
        identity = {
            "name": "brug",
            "credentials": [{"accessKey": self.access_key, "secretKey": self.secret_key}],
            "actions": ["Admin", "Read", "Write", "List", "Tagging"],
        }
        config.write_text(json.dumps({"identities": [identity]}))
        config.chmod(0o600)
        master = self._start(
            "weed master",
            self.master_port,
            "master",
            f"-port={self.master_port}",
            f"-port.grpc={self.master_grpc}",
            f"-mdir={self.folder / 'master'}",
            "-defaultReplication=001",
            "-volumeSizeLimitMB=64",
            "-peers=none",
            "-telemetry=false",
        )
        master.wait_until_answers("/cluster/status", timeout=60)
        self.volumes = [self.volume(0), self.volume(1)]
        self._wait(lambda: len(self.data_nodes()) == 2, "both volume servers to join the master")
        (self.folder / "filer").mkdir(exist_ok=True)
        filer_grpc = free_port()
        self._start(
            "weed filer",
            self.filer_port,
            "filer",
            f"-port={self.filer_port}",
            f"-port.grpc={filer_grpc}",
            f"-master={self.master}",
            f"-defaultStoreDir={self.folder / 'filer'}",
        ).wait_until_answers("/", status=None, timeout=60)
        self._start(
            "weed s3",
            self.s3_port,
            "s3",
            f"-port={self.s3_port}",
            f"-port.grpc={free_port()}",
            f"-port.iceberg={free_port()}",
            f"-port.lance={free_port()}",
            f"-filer=127.0.0.1:{self.filer_port}.{filer_grpc}",
            f"-config={config}",
        )
        self._wait(self._s3_answers, "the S3 gateway to accept the key pair")
        return self

    def _wait(self, ready: Callable[[], bool], what: str, timeout: float = 60.0) -> None:
        deadline = time.monotonic() + timeout
        last: Exception | None = None
        while time.monotonic() < deadline:
            try:
                if ready():
                    return
            except (httpx.HTTPError, urllib3.exceptions.HTTPError, OSError, ValueError) as error:
                last = error
            time.sleep(0.25)
        tails = "\n".join(f"--- {p.name}\n{p.tail(10)}" for p in self.processes)
        raise ProcessError(f"SeaweedFS: waited {timeout:.0f} s for {what} ({last!r})\n{tails}")

    def _s3_answers(self) -> bool:
        self.client().list_buckets()
        return True

    def client(self) -> Minio:
        return quick_client(self.endpoint, self.access_key, self.secret_key)

    def versioned_bucket(self, bucket: str) -> None:
        """The bucket, made with versioning on: an overwritten or deleted object keeps its
        earlier versions (until a lifecycle rule expires them)."""
        client = self.client()
        client.make_bucket(bucket)
        client.set_bucket_versioning(bucket, VersioningConfig(ENABLED))

    def data_nodes(self) -> list[str]:
        """The volume servers the master counts as alive."""
        status = httpx.get(f"http://127.0.0.1:{self.master_port}/dir/status", timeout=5).json()
        return [
            node["Url"]
            for centre in status["Topology"]["DataCenters"] or ()
            for rack in centre["Racks"] or ()
            for node in rack["DataNodes"] or ()
        ]

    def _entry(self, path: str) -> httpx.Response:
        return httpx.get(
            f"http://127.0.0.1:{self.filer_port}{path}", params={"metadata": "true"}, timeout=10
        )

    def replicas_of(self, bucket: str, key: str) -> list[str]:
        """The volume servers holding each chunk of an object's current version (its entry from
        the filer, where a versioned bucket keeps it under ``<key>.versions/``, then each chunk's
        volume from the master)."""
        entry = self._entry(f"/buckets/{bucket}/{key}")
        if entry.status_code == 404:
            versions = self._entry(f"/buckets/{bucket}/{key}.versions/").json()
            latest = versions["Extended"]["Seaweed-X-Amz-Latest-Version-File-Name"]
            name = base64.b64decode(latest).decode()
            entry = self._entry(f"/buckets/{bucket}/{key}.versions/{name}")
        places: list[str] = []
        for chunk in entry.json().get("chunks") or ():
            volume = str(chunk.get("file_id") or chunk["fileId"]).split(",")[0]
            found = httpx.get(
                f"http://127.0.0.1:{self.master_port}/dir/lookup",
                params={"volumeId": volume},
                timeout=10,
            ).json()
            places.extend(location["url"] for location in found.get("locations", ()))
        return sorted(set(places))

    def stop(self) -> None:
        for process in reversed(self.processes):
            process.stop()


# --- HAProxy ------------------------------------------------------------------------------------


def start_haproxy(folder: Path, portals: list[PortalServer]) -> tuple[ServerProcess, str]:
    """HAProxy on a free port, round robin over ``portals``, each checked on ``/health``; every
    answer names the process that gave it in ``X-Brug-Backend``."""
    haproxy = shutil.which("haproxy")
    if haproxy is None:
        raise RunFailed("haproxy is not installed (make topology installs it)")
    port = free_port()
    servers = "\n".join(
        f"  server portal-{number} 127.0.0.1:{server.port} check inter 1s fall 2 rise 2"
        for number, server in enumerate(portals, 1)
    )
    config = folder / "haproxy.cfg"
    config.write_text(
        "defaults\n  mode http\n  timeout connect 5s\n  timeout client 120s\n"
        "  timeout server 120s\n  retries 2\n  option redispatch\n"
        f"frontend brug\n  bind 127.0.0.1:{port}\n  default_backend portals\n"
        "backend portals\n  balance roundrobin\n  option httpchk GET /health\n"
        "  http-check expect status 200\n"
        f"  http-response set-header X-Brug-Backend %[srv_name]\n{servers}\n"
    )
    process = ServerProcess(
        [haproxy, "-db", "-f", str(config)], clean_env(), port, cwd=folder, name="haproxy"
    ).start()
    process.wait_until_answers("/health", timeout=30)
    return process, f"http://127.0.0.1:{port}"


# --- the journey --------------------------------------------------------------------------------


class Journey:
    """One social worker's session, through the load balancer unless a process is named."""

    def __init__(self, base: str, token: str, marker: str) -> None:
        self.base = base
        self.cookie = f"brug_session={token}"
        self.http = httpx.Client(base_url=base, timeout=30, headers={"Cookie": self.cookie})
        self.marker = marker
        self.served_by: Counter[str] = Counter()
        self.steps: list[dict[str, Any]] = []
        self.client_id = 0
        self.csrf = ""

    def request(
        self, step: str, method: str, path: str, expect: int, base: str | None = None, **kw: Any
    ) -> httpx.Response:
        url = (base or self.base) + path
        answer = self.http.request(method, url, **kw)
        backend = answer.headers.get(BACKEND, "direct")
        self.served_by[backend] += 1
        self.steps.append(
            {"step": step, "request": f"{method} {path}", "status": answer.status_code,
             "served_by": backend}
        )  # fmt: skip
        if answer.status_code != expect:
            raise RunFailed(f"{step}: {method} {path} answered {answer.status_code}, not {expect}")
        return answer

    def start(self) -> None:
        home = self.request("start page", "GET", "/", 200)
        found = re.findall(r'href="/clients/(\d+)"', home.text)
        match = CSRF.search(home.text)
        if not found or not match:
            raise RunFailed("the start page shows no client or no CSRF token")
        self.client_id, self.csrf = int(found[0]), match.group(1)

    def note(self, step: str, text: str, base: str | None = None) -> None:
        self.request(
            step,
            "POST",
            f"/clients/{self.client_id}/notes",
            303,
            base,
            data={
                "csrf_token": self.csrf,
                "text": text,
                "audience": "care_team",
                "sensitivity": "trajectory",
            },
        )

    def upload(self, name: str, content: bytes) -> None:
        self.request(
            "add a document",
            "POST",
            f"/clients/{self.client_id}/documents",
            303,
            data={"csrf_token": self.csrf, "category": "cv", "audience": "care_team"},
            files={"file": (name, content, "application/pdf")},
        )

    def close(self) -> None:
        self.http.close()


class LiveStream:
    """The client's live timeline held open on one process, read in a thread: each entry that
    arrives (an event's lines)."""

    def __init__(self, url: str, cookie: str) -> None:
        self.url, self.cookie = url, cookie
        self.entries: queue.Queue[str] = queue.Queue()
        self.opened = threading.Event()
        self._thread = threading.Thread(target=self._read, daemon=True)
        self._stop = False

    def _read(self) -> None:
        headers = {"Cookie": self.cookie, "Accept": "text/event-stream", "HX-Request": "true"}
        timeout = httpx.Timeout(10, read=120)  # a heartbeat comes every 15 s
        with httpx.stream("GET", self.url, headers=headers, timeout=timeout) as answer:
            self.opened.set()
            event: list[str] = []
            for line in answer.iter_lines():
                if self._stop:
                    return
                if line:
                    event.append(line)
                    continue
                if any(part.startswith("data: <li") for part in event):
                    self.entries.put("\n".join(event))
                event = []

    def open(self) -> LiveStream:
        self._thread.start()
        if not self.opened.wait(15):
            raise RunFailed(f"the live stream {self.url} did not open")
        return self

    def wait_for(self, text: str, timeout: float = 15.0) -> float:
        began = time.monotonic()
        while time.monotonic() - began < timeout:
            try:
                if text in self.entries.get(timeout=0.5):
                    return time.monotonic() - began
            except queue.Empty:
                continue
        raise RunFailed(f"{text!r} did not arrive on {self.url} within {timeout:.0f} s")

    def close(self) -> None:
        self._stop = True


def download(journey: Journey, step: str, document_id: int) -> httpx.Response:
    """The portal's answer (a redirect to a presigned URL), then the store's."""
    redirect = journey.request(step, "GET", f"/documents/{document_id}", 303)
    return httpx.get(redirect.headers["location"], timeout=30)


def undelete(
    journey: Journey, store: SeaweedCluster, bucket: str, key: str, document_id: int, content: bytes
) -> dict[str, Any]:
    """The document's object deleted behind the portal's back (a delete marker on the versioned
    bucket), then brought back by removing the marker: the same bytes download again."""
    client = store.client()
    client.remove_object(bucket, key)
    deleted = download(journey, "download after the object was deleted", document_id)
    markers = [
        item.version_id
        for item in client.list_objects(bucket, prefix=key, include_version=True)
        if item.is_delete_marker and item.object_name == key
    ]
    if len(markers) != 1:
        raise RunFailed(f"no single delete marker for the deleted object: {markers}")
    client.remove_object(bucket, key, version_id=markers[0])
    back = download(journey, "download after the delete marker was removed", document_id)
    outcome = {
        "after_delete": deleted.status_code,
        "after_undelete": back.status_code,
        "intact": back.content == content,
    }
    if deleted.status_code != 404 or back.status_code != 200 or not outcome["intact"]:
        raise RunFailed(f"versioning did not bring the object back: {outcome}")
    return outcome


def wait_until(works: Callable[[], bool], timeout: float = RECOVERY_LIMIT) -> float:
    began = time.monotonic()
    while time.monotonic() - began < timeout:
        try:
            if works():
                return round(time.monotonic() - began, 2)
        except httpx.HTTPError:
            pass
        time.sleep(0.25)
    raise RunFailed(f"not working again within {timeout:.0f} s")


@dataclass
class Topology:
    """The run's servers, started."""

    primary: PostgresCluster
    archive: Path
    standby: PostgresCluster
    redis: RedisServer
    redis_replica: RedisReplica
    store: SeaweedCluster
    provider: Provider
    env: dict[str, str]
    backup: PostgresCluster
    rows_at_backup: dict[str, int]
    portals: list[PortalServer]
    balancer: ServerProcess
    base: str

    @property
    def bucket(self) -> str:
        return self.env["PORTAL_S3_BUCKET"]


def start(stack: ExitStack, folder: Path) -> Topology:
    """Every server, the demo world loaded through the portal's multi-host URL into a versioned
    bucket, its people known to the provider, a base backup taken, the portals behind HAProxy."""
    say("PostgreSQL primary (archiving its WAL) and a synchronous streaming standby")
    primary, archive = primary_cluster()
    stack.callback(primary.remove)
    primary.start()
    standby = start_standby(primary)
    stack.callback(standby.remove)
    both = (
        f"postgresql://postgres@127.0.0.1:{primary.port},127.0.0.1:{standby.port}/brug"
        "?target_session_attrs=read-write"
    )
    asyncio.run(fetch(primary.url(), "CREATE DATABASE brug"))
    say("Redis with a replica, SeaweedFS (master, two volume servers, filer, S3 gateway), provider")
    redis = stack.enter_context(RedisServer(folder / "redis"))
    redis_replica = stack.enter_context(RedisReplica(folder / "redis-replica", redis))
    store = SeaweedCluster(folder / "seaweed").start()
    stack.callback(store.stop)
    provider = Provider(folder / "provider").start()
    stack.callback(provider.stop)
    env = portal_env(
        var_dir=folder / "var",
        database_url=both,
        redis_url=redis.url,
        s3=store,
        oidc=provider.portal_env(),
        secret_key=new_secret(),
    )
    say("portal migrate and portal demo (through the multi-host URL), into a versioned bucket")
    store.versioned_bucket(env["PORTAL_S3_BUCKET"])
    load_demo(env)
    primary_url = primary.url("brug")
    enrol(provider, primary_url)
    say("base backup of the demo database (pg_basebackup, the WAL from the archive)")
    backup = copy_cluster(primary, "--wal-method=none")
    stack.callback(backup.remove)
    rows_at_backup = asyncio.run(row_counts(primary_url))
    portals = []
    for _ in range(2):
        server = PortalServer(env, free_port(), "--no-access-log", "--log-level", "warning")
        stack.enter_context(server)
        portals.append(server)
    for server in portals:
        server.wait_until_healthy()
    balancer, base = start_haproxy(folder, portals)
    stack.callback(balancer.stop)
    return Topology(
        primary=primary,
        archive=archive,
        standby=standby,
        redis=redis,
        redis_replica=redis_replica,
        store=store,
        provider=provider,
        env=env,
        backup=backup,
        rows_at_backup=rows_at_backup,
        portals=portals,
        balancer=balancer,
        base=base,
    )


async def notes_in(url: str, marker: str) -> int:
    """The journey's notes in the database at ``url``."""
    rows = await fetch(
        url, "SELECT count(*) AS n FROM timeline_event WHERE text LIKE $1", f"%[{marker}-note-%"
    )
    return int(rows[0]["n"])


def write_and_replicate(top: Topology, journey: Journey, stack: ExitStack) -> dict[str, Any]:
    """Notes through both processes, one arriving live on the other; the standby and the Redis
    replica have what was written."""
    marker = journey.marker
    journey.note("write a note", f"Gesprek over werk. [{marker}-note-1]")
    page = journey.request("open the file", "GET", f"/clients/{journey.client_id}", 200)
    if f"{marker}-note-1" not in page.text:
        raise RunFailed("the note is not on the client page")
    stream = LiveStream(
        f"{top.portals[0].url}/clients/{journey.client_id}/live", journey.cookie
    ).open()
    stack.callback(stream.close)
    journey.note("a note through process 2", f"Live. [{marker}-note-2]", top.portals[1].url)
    live = round(stream.wait_for(f"{marker}-note-2"), 3)
    say(f"  a note written through process 2 arrived on process 1's stream in {live} s")
    replication = [
        dict(row)
        for row in asyncio.run(
            fetch(
                top.primary.url("brug"),
                "SELECT application_name, state, sync_state FROM pg_stat_replication",
            )
        )
    ]
    on_standby = asyncio.run(notes_in(top.standby.url("brug"), marker))
    if on_standby != 2 or not any(row["sync_state"] == "sync" for row in replication):
        raise RunFailed(f"standby: {replication}, {on_standby} notes")
    say(f"  standby: {replication}; the journey's 2 notes are on it")
    return {
        "live_seconds": live,
        "replication": replication,
        "notes_on_standby": on_standby,
        "redis_replica": replicated(top.redis, top.redis_replica),
    }


def documents_kept(top: Topology, journey: Journey) -> dict[str, Any]:
    """A document added through HAProxy: on both volume servers, downloaded with one stopped,
    brought back from its version after a deletion behind the portal's back."""
    content = b"%PDF-1.4\n" + secrets.token_bytes(200_000) + b"\n%%EOF\n"
    name = f"{journey.marker}-cv.pdf"
    journey.upload(name, content)
    document = asyncio.run(
        fetch(top.primary.url("brug"), "SELECT id, object_key FROM document WHERE name = $1", name)
    )[0]
    replicas = top.store.replicas_of(top.bucket, document["object_key"])
    if len(replicas) != 2:
        raise RunFailed(f"the document is on {replicas}, not on both")
    say(f"  the document's object is on {replicas}; volume server 1 stops")
    top.store.volumes[0].stop()
    fetched = download(journey, "download with one volume server down", document["id"])
    if fetched.status_code != 200 or fetched.content != content:
        raise RunFailed(f"with a volume server down the download answered {fetched.status_code}")
    top.store.volumes[0] = top.store.volume(0)
    versioning = undelete(
        journey, top.store, top.bucket, document["object_key"], document["id"], content
    )
    say("  an object deleted by mistake came back from its previous version")
    return {"document_replicas": replicas, "download_intact": True, "versioning": versioning}


def restored_from_backup(top: Topology) -> dict[str, Any]:
    """The base backup and the archived WAL into a new cluster: each table's rows as on the
    primary once everything written is archived."""
    say("restore: the base backup and the archived WAL into a new cluster")
    primary_url = top.primary.url("brug")
    before = asyncio.run(row_counts(primary_url))
    archived_to = asyncio.run(archived_to_here(top.primary.url()))
    on_primary = asyncio.run(row_counts(primary_url))
    if on_primary != before:
        raise RunFailed("rows were written while the WAL was being archived; run again")
    restored = restore(top.backup, top.archive)
    asyncio.run(wait_until_primary(restored.url("brug")))
    on_restored = asyncio.run(row_counts(restored.url("brug")))
    restored.stop()
    outcome = {
        "archived_to": archived_to,
        "tables": len(on_primary),
        "rows": sum(on_primary.values()),
        "rows_after_backup": sum(on_primary.values()) - sum(top.rows_at_backup.values()),
        "differing": {
            table: [count, on_restored.get(table)]
            for table, count in on_primary.items()
            if on_restored.get(table) != count
        },
        "archived_segments": len(list(top.archive.iterdir())),
    }
    if outcome["differing"]:
        raise RunFailed(f"restored rows differ: {outcome['differing']}")
    say(
        f"  restored: {outcome['tables']} tables, {outcome['rows']:,} rows, each table's count "
        "as on the primary"
    )
    return outcome


def failed_over(top: Topology, journey: Journey) -> dict[str, Any]:
    """The primary killed, the standby promoted: the same processes and session carry on."""
    say("failover: the primary is killed, the standby promoted")
    marker = journey.marker
    top.primary.stop("immediate")
    promoted_at = time.monotonic()
    top.standby.run_program("pg_ctl", "-D", str(top.standby.data), "-w", "promote")
    promote_seconds = round(time.monotonic() - promoted_at, 2)
    path = f"/clients/{journey.client_id}"
    answers: list[int] = []

    def file_opens() -> bool:
        answers.append(journey.http.get(path).status_code)
        return answers[-1] == 200

    working_again = wait_until(file_opens)
    page = journey.request("open the file after the failover", "GET", path, 200)
    kept = [f"{marker}-note-{n}" for n in (1, 2) if f"{marker}-note-{n}" in page.text]
    if len(kept) != 2:
        raise RunFailed(f"after the failover the file shows {kept}")
    token = CSRF.search(page.text)
    journey.csrf = token.group(1) if token else journey.csrf
    journey.note("write on the new primary", f"Na de failover. [{marker}-note-3]")
    on_new = asyncio.run(notes_in(top.standby.url("brug"), marker))
    if on_new != 3:
        raise RunFailed(f"{on_new} of the journey's 3 notes on the new primary")
    say(f"  working again {working_again} s after the promotion; the 3 notes are on it")
    return {
        "promote_seconds": promote_seconds,
        "working_again_seconds": working_again,
        "answers_after_promotion": answers,
        "kept_after_failover": kept,
        "notes_on_new_primary": on_new,
    }


def run() -> dict[str, Any]:
    started = time.monotonic()
    marker = "tp" + secrets.token_hex(4)
    result: dict[str, Any] = {"marker": marker}
    with ExitStack() as stack:
        folder = Path(
            stack.enter_context(
                tempfile.TemporaryDirectory(prefix="brug-topology-", ignore_cleanup_errors=True)
            )
        )
        top = start(stack, folder)
        say(f"the journey of {PERSON} through HAProxy")
        journey = Journey(top.base, log_in(top.base, top.provider, PERSON), marker)
        stack.callback(journey.close)
        journey.start()
        result |= write_and_replicate(top, journey, stack)
        result |= documents_kept(top, journey)
        result["restore"] = restored_from_backup(top)
        result |= failed_over(top, journey)
        result["served_by"] = dict(journey.served_by)
        result["steps"] = journey.steps
        if len([name for name in journey.served_by if name.startswith("portal-")]) != 2:
            raise RunFailed(f"HAProxy did not use both processes: {journey.served_by}")
        result["versions"] = versions(top.primary)
        result["portal_rss_mib"] = [resident_mib(server.pid) for server in top.portals]
    result["elapsed_s"] = round(time.monotonic() - started, 1)
    return result


def resident_mib(pid: int) -> float:
    """A process's resident memory, from ``/proc``."""
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return round(int(line.split()[1]) / 1024, 1)
    return 0.0


def versions(cluster: PostgresCluster) -> dict[str, str]:
    def first_line(*argv: str) -> str:
        said = subprocess.run(argv, capture_output=True, text=True, check=False)
        return (said.stdout or said.stderr).strip().splitlines()[0]

    return {
        "postgres": first_line(str(cluster.bin / "postgres"), "--version"),
        "haproxy": first_line(shutil.which("haproxy") or "haproxy", "-v"),
        "seaweedfs": first_line(WEED, "version"),
    }


def section(result: dict[str, Any], info: dict[str, Any], heading: str) -> str:
    restore_ = result["restore"]
    served = ", ".join(f"{name} {count}" for name, count in sorted(result["served_by"].items()))
    lines = [
        heading,
        "",
        f"`make topology` on {result['date']} at {commit_of(info)}, `nproc` = {info['nproc']} "
        f"({info['cpu'] or 'unknown CPU'}), {result['elapsed_s']} s in all; "
        f"{result['versions']['postgres']}, {result['versions']['haproxy'].split(' - ')[0]}, "
        f"SeaweedFS {result['versions']['seaweedfs']}. "
        f"Results: `bench/results/{result['results_file']}`.",
        "",
        f"- Requests of the journey through HAProxy by process: {served}; the portal processes' "
        f"resident memory at the end: {', '.join(f'{m} MiB' for m in result['portal_rss_mib'])}.",
        f"- Live update from process 2 to a stream on process 1: {result['live_seconds']} s. "
        f"Redis replica: link {result['redis_replica']['link']}, the same "
        f"{result['redis_replica']['keys']} keys (sessions, login states) as the primary.",
        "- Standby: "
        + ", ".join(
            f"`{r['application_name']}` {r['state']}, {r['sync_state']}"
            for r in result["replication"]
        )
        + f"; the journey's notes on it before any failover: {result['notes_on_standby']} of 2.",
        f"- The document's object on {len(result['document_replicas'])} volume servers; downloaded "
        f"intact with one of them stopped: {result['download_intact']}.",
        f"- Versioned bucket: the object deleted behind the portal's back, download "
        f"{result['versioning']['after_delete']}; its delete marker removed, download "
        f"{result['versioning']['after_undelete']}, intact: {result['versioning']['intact']}.",
        f"- Restore from the base backup and {restore_['archived_segments']} archived WAL "
        f"segments: {restore_['tables']} tables, {restore_['rows']:,} rows (of which "
        f"{restore_['rows_after_backup']:,} written after the base backup, from the WAL); tables "
        f"whose count differs from the primary's: {len(restore_['differing'])}.",
        f"- Failover: promotion {result['promote_seconds']} s; the same portal processes and "
        f"session working again {result['working_again_seconds']} s after it (answers until "
        f"then: {result['answers_after_promotion']}); the journey's "
        f"notes kept: {len(result['kept_after_failover'])} of 2; notes on the new primary after a "
        f"new one: {result['notes_on_new_primary']} of 3.",
        "",
    ]
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        prog="python -m bench.topology", description=__doc__.split("\n")[0]
    )
    parser.add_argument("--no-readme", action="store_true")
    args = parser.parse_args(argv)
    date = now()
    try:
        result = run()
    except (ProcessError, RunFailed) as error:
        print(f"topology: FAILED: {error}", file=sys.stderr)
        return 1
    info = machine()
    name = f"topology-{date.strftime('%Y%m%dT%H%M%SZ')}.json"
    result |= {"date": iso(date), "results_file": name}
    RESULTS_DIR.mkdir(exist_ok=True)
    (RESULTS_DIR / name).write_text(json.dumps({**result, "machine": info}, indent=2, default=str))
    text = section(result, info, README_HEADING)
    print(text)
    if not args.no_readme:
        rewrite_readme(README_HEADING, text)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
