"""Run the ``portal`` command and servers in subprocesses, each with an environment of its own.

Used by the serving tests, the browser journeys and the benchmarks. A subprocess's environment is
built explicitly: the test suite puts its own database in ``os.environ`` at import, and no
``PORTAL_*`` value of this process may leak into a command or server under test.

Servers run in a session of their own, so a Ctrl-C in the terminal reaches this process only and
the caller stops its servers itself, in order, with SIGTERM (``stop``), as a process manager would.
"""

from __future__ import annotations

import json
import os
import secrets
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import threading
import time
from collections.abc import Callable, Mapping, Sequence
from pathlib import Path
from types import TracebackType
from typing import Self

import httpx
import urllib3
from minio import Minio
from minio.error import MinioException

ROOT = Path(__file__).resolve().parents[2]
"""The project folder (this package is installed in development mode)."""
BIN = Path(sys.executable).parent
"""The virtualenv's scripts: ``portal``, ``python``, ``uvicorn``."""
PORTAL = str(BIN / "portal")
START_TIMEOUT = 60.0
STOP_TIMEOUT = 20.0
COMMAND_TIMEOUT = 300.0


class ProcessError(RuntimeError):
    """A command failed, or a server did not start or answer; the message holds its output."""


def free_port() -> int:
    """A loopback TCP port nobody listens on right now."""
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def clean_env(**values: str) -> dict[str, str]:
    """This process's environment without any ``PORTAL_*`` variable, plus ``values``."""
    env = {key: value for key, value in os.environ.items() if not key.startswith("PORTAL_")}
    env.update(PICCOLO_CONF="portal.piccolo_conf", PYTHONUNBUFFERED="1")
    env.update(values)
    return env


def development_env(folder: Path, **overrides: str) -> dict[str, str]:
    """A development environment on a SQLite file in ``folder`` (made here); ``overrides`` win."""
    folder.mkdir(parents=True, exist_ok=True)
    development = {
        "PORTAL_ENV": "development",
        "PORTAL_DATABASE_URL": f"sqlite:///{folder}/portal.sqlite3",
        "PORTAL_VAR_DIR": str(folder / "var"),
    }
    return clean_env(**{**development, **overrides})


def _home(env: Mapping[str, str]) -> Path:
    """Where a portal process runs: the folder that holds its ``PORTAL_VAR_DIR``."""
    var_dir = env.get("PORTAL_VAR_DIR")
    return Path(var_dir).parent if var_dir else ROOT


def run_command(
    argv: Sequence[str],
    env: Mapping[str, str],
    *,
    cwd: Path | None = None,
    timeout: float = COMMAND_TIMEOUT,
) -> subprocess.CompletedProcess[str]:
    """``argv`` to completion; the timeout only keeps a hung command from hanging a run."""
    return subprocess.run(  # noqa: S603 (development tooling: argv comes from the caller's code)
        list(argv),
        env=dict(env),
        cwd=cwd or ROOT,
        capture_output=True,
        text=True,
        timeout=timeout,
        check=False,
    )


def checked(result: subprocess.CompletedProcess[str]) -> str:
    """The standard output of a command that succeeded; ``ProcessError`` otherwise."""
    if result.returncode != 0:
        command = " ".join(str(part) for part in result.args)
        raise ProcessError(
            f"{command} exited {result.returncode}:\n{result.stdout}\n{result.stderr}"
        )
    return result.stdout


def run_portal(
    env: Mapping[str, str], *args: str, cwd: Path | None = None
) -> subprocess.CompletedProcess[str]:
    """``portal <args>`` to completion, whatever its exit code."""
    return run_command([PORTAL, *args], env, cwd=cwd or _home(env))


def run_portal_ok(env: Mapping[str, str], *args: str, cwd: Path | None = None) -> str:
    """``portal <args>``, which must succeed; its standard output."""
    return checked(run_portal(env, *args, cwd=cwd))


class ServerProcess:
    """A server in a subprocess listening on ``port``; its output (stdout and stderr) is read line
    by line. A context manager: leaving the block stops it (``stop``)."""

    def __init__(
        self,
        argv: Sequence[str],
        env: Mapping[str, str],
        port: int,
        *,
        cwd: Path | None = None,
        name: str = "server",
    ) -> None:
        self.argv = list(argv)
        self.env = dict(env)
        self.port = port
        self.cwd = cwd or ROOT
        self.name = name
        self.url = f"http://127.0.0.1:{port}"
        self.lines: list[str] = []
        self._changed = threading.Condition()
        self._ended = False
        self.process: subprocess.Popen[str] | None = None
        self._reader: threading.Thread | None = None

    def start(self) -> ServerProcess:
        self.process = subprocess.Popen(  # noqa: S603 (as run_command)
            self.argv,
            env=self.env,
            cwd=self.cwd,
            stdout=subprocess.PIPE,
            stderr=subprocess.STDOUT,
            text=True,
            bufsize=1,
            start_new_session=True,
        )
        self._reader = threading.Thread(target=self._read, daemon=True)
        self._reader.start()
        return self

    def _read(self) -> None:
        assert self.process is not None and self.process.stdout is not None
        for line in self.process.stdout:
            with self._changed:
                self.lines.append(line.rstrip("\n"))
                self._changed.notify_all()
        with self._changed:
            self._ended = True
            self._changed.notify_all()

    @property
    def pid(self) -> int:
        assert self.process is not None, f"{self.name} was not started"
        return self.process.pid

    @property
    def output(self) -> str:
        with self._changed:
            return "\n".join(self.lines)

    def tail(self, lines: int = 30) -> str:
        with self._changed:
            return "\n".join(self.lines[-lines:]) or "(no output)"

    def wait_for_line(self, matches: Callable[[str], bool], timeout: float = START_TIMEOUT) -> str:
        """The first output line for which ``matches`` holds, waiting for it to be written."""

        def found() -> str | None:
            return next((line for line in self.lines if matches(line)), None)

        with self._changed:
            self._changed.wait_for(lambda: found() is not None or self._ended, timeout)
            line = found()
        if line is None:
            raise ProcessError(f"{self.name}: expected line never came; output:\n{self.output}")
        return line

    def wait_until_answers(
        self, path: str, *, status: int | None = 200, timeout: float = START_TIMEOUT
    ) -> None:
        """Wait until ``GET path`` answers (with ``status``, unless ``None``); ``ProcessError`` if
        the server exits or does not answer so within ``timeout`` seconds."""
        deadline = time.monotonic() + timeout
        with httpx.Client(base_url=self.url, timeout=10) as http:
            while True:
                if self.process is None or self.process.poll() is not None:
                    code = self.process.returncode if self.process else None
                    raise ProcessError(f"{self.name} exited with {code}:\n{self.tail()}")
                try:
                    answer = http.get(path)
                    if status is None or answer.status_code == status:
                        return
                except httpx.TransportError:
                    pass
                if time.monotonic() > deadline:
                    raise ProcessError(
                        f"{self.name}: GET {path} did not answer {status} within {timeout:.0f} s:"
                        f"\n{self.tail()}"
                    )
                with self._changed:  # poll again after new output or 50 ms
                    self._changed.wait(0.05)

    def send_signal(self, sig: signal.Signals) -> None:
        assert self.process is not None, f"{self.name} was not started"
        self.process.send_signal(sig)

    def wait(self, timeout: float) -> int:
        """The exit code; ``subprocess.TimeoutExpired`` if still running after ``timeout``."""
        assert self.process is not None, f"{self.name} was not started"
        code = self.process.wait(timeout=max(0.0, timeout))
        self._close()
        return code

    def stop(
        self, sig: signal.Signals = signal.SIGTERM, timeout: float = STOP_TIMEOUT
    ) -> int | None:
        """Signal the server and wait for it; kill it if it does not stop within ``timeout`` s.
        The exit code (negative: the signal that ended it); ``None`` if it never started."""
        if self.process is None:
            return None
        if self.process.poll() is None:
            self.process.send_signal(sig)
            try:
                self.process.wait(timeout=timeout)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait()
        self._close()
        return self.process.returncode

    def _close(self) -> None:
        if self._reader is not None:
            self._reader.join(timeout=10)
        if self.process is not None and self.process.stdout is not None:
            self.process.stdout.close()

    def __enter__(self) -> ServerProcess:
        return self.start()

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        traceback: TracebackType | None,
    ) -> None:
        self.stop()


class PortalServer(ServerProcess):
    """``portal serve`` on 127.0.0.1:``port``; ``extra`` are more ``serve`` options."""

    def __init__(
        self, env: Mapping[str, str], port: int, *extra: str, cwd: Path | None = None
    ) -> None:
        super().__init__(
            [PORTAL, "serve", "--host", "127.0.0.1", "--port", str(port), *extra],
            env,
            port,
            cwd=cwd or _home(env),
            name="portal serve",
        )
        self.extra = extra

    def start(self) -> PortalServer:
        super().start()
        return self

    def __enter__(self) -> PortalServer:
        return self.start()

    def wait_until_healthy(self, timeout: float = START_TIMEOUT) -> None:
        """Wait for ``GET /health`` to answer 200 (database and document store reached)."""
        self.wait_until_answers("/health", timeout=timeout)


WEED = str(BIN / "weed")
SEAWEED_PORT_FLAGS = (
    "master.port",
    "master.port.grpc",
    "volume.port",
    "volume.port.grpc",
    "filer.port",
    "filer.port.grpc",
    "s3.port",
    "s3.port.grpc",
    "s3.port.iceberg",
    "s3.port.lance",
    "s3.debug.port",
    "admin.port",
    "debug.port",
    "webdav.port",
)
GRPC_PORT_OFFSET = 10_000
"""``weed``'s admin worker dials the admin port plus this, whatever ``-admin.port.grpc`` says."""


def _port_free(port: int) -> bool:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        try:
            sock.bind(("127.0.0.1", port))
        except OSError:
            return False
    return True


def _seaweed_ports() -> dict[str, int]:
    """A distinct free port for each listener of ``weed mini``; the admin gRPC port is the admin
    port plus ``GRPC_PORT_OFFSET``, where the admin's own worker looks for it."""
    ports: dict[str, int] = {}
    for flag in SEAWEED_PORT_FLAGS:
        while True:
            port = free_port()
            if port in ports.values():
                continue
            if flag == "admin.port":
                grpc = port + GRPC_PORT_OFFSET
                if grpc > 65535 or grpc in ports.values() or not _port_free(grpc):
                    continue
            ports[flag] = port
            break
    ports["admin.port.grpc"] = ports["admin.port"] + GRPC_PORT_OFFSET
    return ports


class _RestartableServer:
    """A server process of its own that ``stop`` then ``start`` brings back on the same ports with
    its data, so a test can take a service away and give it back. A context manager: leaving the
    block stops it. Subclasses set ``_process`` in ``start``."""

    _process: ServerProcess | None = None

    @property
    def running(self) -> bool:
        return self._process is not None

    def start(self, timeout: float = START_TIMEOUT) -> Self:
        raise NotImplementedError

    def stop(self) -> None:
        """Stop the server (SIGTERM); its ports and data stay for ``start``."""
        if self._process is not None:
            self._process.stop()
            self._process = None

    def __enter__(self) -> Self:
        return self.start()

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        traceback: TracebackType | None,
    ) -> None:
        self.stop()


def quick_client(endpoint: str, access_key: str, secret_key: str) -> Minio:
    """A ``minio`` client of a plain-HTTP S3 server that gives up within seconds when it is
    down."""
    return Minio(
        endpoint,
        access_key=access_key,
        secret_key=secret_key,
        secure=False,
        http_client=urllib3.PoolManager(timeout=urllib3.Timeout(connect=2, read=10), retries=False),
    )


class SeaweedServer(_RestartableServer):
    """A real S3 server: SeaweedFS's ``weed mini`` (master, volume, filer and S3 gateway in one
    process) on loopback, its data under ``folder``, one identity with a generated key pair.

    ``stop`` then ``start`` keeps the ports, the keys and the data, so a test can take the storage
    away and give it back. A context manager: leaving the block stops it.
    """

    def __init__(self, folder: Path) -> None:
        self.folder = folder
        self.access_key = "brug-" + secrets.token_hex(8)
        self.secret_key = secrets.token_urlsafe(30)
        self.ports = _seaweed_ports()
        self.endpoint = f"127.0.0.1:{self.ports['s3.port']}"
        """``host:port`` of the S3 gateway (plain HTTP)."""
        self._process: ServerProcess | None = None

    def _argv(self, config: Path) -> list[str]:
        return [
            WEED,
            "mini",
            f"-dir={self.folder / 'data'}",
            f"-s3.config={config}",
            "-ip=127.0.0.1",
            "-ip.bind=127.0.0.1",
            "-master.telemetry=false",
            "-admin.ui=false",
            *(f"-{flag}={port}" for flag, port in self.ports.items()),
        ]

    def client(self) -> Minio:
        return quick_client(self.endpoint, self.access_key, self.secret_key)

    def start(self, timeout: float = START_TIMEOUT) -> Self:
        """Start the server (if it is not running) and wait until S3 accepts the key pair."""
        if self._process is not None:
            return self
        (self.folder / "data").mkdir(parents=True, exist_ok=True)
        config = self.folder / "s3.json"
        identity = {
            "name": "brug",
            "credentials": [{"accessKey": self.access_key, "secretKey": self.secret_key}],
            "actions": ["Admin", "Read", "Write", "List", "Tagging"],
        }
        config.write_text(json.dumps({"identities": [identity]}))
        config.chmod(0o600)
        self._process = ServerProcess(
            self._argv(config), clean_env(), self.ports["s3.port"], cwd=self.folder, name="weed"
        ).start()
        try:
            self._wait_until_ready(timeout)
        except BaseException:
            self.stop()
            raise
        return self

    @staticmethod
    def _serves_objects(client: Minio) -> bool:
        """S3 accepts the key pair and, after a restart with data, serves an object's bytes: the
        gateway answers listings before its volume server is back (object reads fail with 500 for
        a moment), so one object of each bucket is read."""
        for bucket in client.list_buckets():
            for item in client.list_objects(bucket.name, recursive=True):
                if item.object_name is None:
                    continue
                response = client.get_object(bucket.name, item.object_name, length=1)
                try:
                    response.read()
                finally:
                    response.close()
                    response.release_conn()
                break
        return True

    def _wait_until_ready(self, timeout: float) -> None:
        assert self._process is not None and self._process.process is not None
        client = self.client()
        deadline = time.monotonic() + timeout
        while True:
            if self._process.process.poll() is not None:
                raise ProcessError(
                    f"weed mini exited with {self._process.process.returncode}:"
                    f"\n{self._process.tail()}"
                )
            try:
                if self._serves_objects(client):
                    return
            except (MinioException, urllib3.exceptions.HTTPError):
                pass
            if time.monotonic() > deadline:
                raise ProcessError(
                    f"weed mini: S3 did not answer within {timeout:.0f} s:\n{self._process.tail()}"
                )
            time.sleep(0.1)


REDIS_SERVER = shutil.which("redis-server") or "/usr/bin/redis-server"


class RedisServer(_RestartableServer):
    """A Redis server of its own on a free loopback port, its data under ``folder``.

    With ``persistent`` (the default) it keeps an append-only file, as a production Redis with
    persistence does: ``stop`` (SIGTERM, which flushes the file) then ``start`` keeps the port and
    the keys. A context manager: leaving the block stops it.
    """

    def __init__(self, folder: Path, *, persistent: bool = True) -> None:
        self.folder = folder
        self.port = free_port()
        self.persistent = persistent
        self.url = f"redis://127.0.0.1:{self.port}/0"
        self._process: ServerProcess | None = None

    def _argv(self) -> list[str]:
        persistence = ["--appendonly", "yes", "--appendfsync", "always"] if self.persistent else []
        return [
            REDIS_SERVER,
            "--port",
            str(self.port),
            "--bind",
            "127.0.0.1",
            "--save",
            "",
            *persistence,
            "--dir",
            str(self.folder),
        ]

    def start(self, timeout: float = START_TIMEOUT) -> Self:
        """Start the server (if it is not running) and wait until it accepts commands."""
        if self._process is not None:
            return self
        self.folder.mkdir(parents=True, exist_ok=True)
        process = ServerProcess(self._argv(), clean_env(), self.port, name="redis-server")
        self._process = process.start()
        try:
            process.wait_for_line(lambda line: "Ready to accept connections" in line, timeout)
        except BaseException:
            self.stop()
            raise
        return self


def postgres_bin() -> Path:
    """The folder of PostgreSQL's server programs (``initdb``, ``pg_ctl``): the newest under
    ``/usr/lib/postgresql`` (Debian), else the one ``pg_config`` names."""
    found = sorted(
        Path("/usr/lib/postgresql").glob("*/bin"),
        key=lambda path: int(path.parent.name) if path.parent.name.isdigit() else 0,
    )
    if found:
        return found[-1]
    pg_config = shutil.which("pg_config")
    if pg_config:
        return Path(checked(run_command([pg_config, "--bindir"], clean_env())).strip())
    raise ProcessError("PostgreSQL's server programs (initdb, pg_ctl) are not installed")


class PostgresCluster:
    """A PostgreSQL cluster of its own: ``initdb`` into a fresh temporary folder, served by
    ``pg_ctl`` on a free loopback port (and a socket in that folder), never the machine's own
    server. Trust authentication for ``postgres``, on loopback only.

    PostgreSQL refuses to run as root: run as root, its programs run as the ``postgres`` user,
    which then owns the folder (made with ``tempfile``, so in a folder every user can enter).
    ``stop`` then ``start`` keeps the port and the data; ``remove`` stops it and deletes them. A
    context manager: the block gets a started cluster, removed afterwards.
    """

    def __init__(self) -> None:
        self.folder = Path(tempfile.mkdtemp(prefix="brug-pg-"))
        self.data = self.folder / "data"
        self.log = self.folder / "postgres.log"
        self.port = free_port()
        self.bin = postgres_bin()
        self.running = False

    def url(self, database: str = "postgres") -> str:
        return f"postgresql://postgres@127.0.0.1:{self.port}/{database}"

    def run_program(self, program: str, *args: str, timeout: float = COMMAND_TIMEOUT) -> str:
        """One of PostgreSQL's programs (``initdb``, ``pg_ctl``, ``pg_basebackup``), as
        ``postgres`` when run as root; what it printed."""
        account = "postgres" if os.geteuid() == 0 else None
        result = subprocess.run(  # noqa: S603 (as run_command)
            [str(self.bin / program), *args],
            env=clean_env(),
            cwd=self.folder,
            capture_output=True,
            text=True,
            timeout=timeout,
            check=False,
            user=account,
            group=account,
            start_new_session=True,
        )
        return checked(result)

    def init(self) -> PostgresCluster:
        """Make the cluster (``initdb``) unless its data folder exists."""
        if os.geteuid() == 0:
            shutil.chown(self.folder, "postgres", "postgres")
        if not (self.data / "PG_VERSION").exists():
            self.run_program(
                "initdb",
                "-D",
                str(self.data),
                "--auth=trust",
                "--username=postgres",
                "--encoding=UTF8",
                "--no-instructions",
            )
        return self

    def start(self, timeout: float = START_TIMEOUT) -> PostgresCluster:
        """Start the server and wait until it accepts connections (``pg_ctl -w``)."""
        if self.running:
            return self
        options = (
            f"-c port={self.port} -c listen_addresses=127.0.0.1"
            f" -c unix_socket_directories={self.folder}"
        )
        self.run_program(
            "pg_ctl",
            "-D",
            str(self.data),
            "-l",
            str(self.log),
            "-o",
            options,
            "-w",
            "-t",
            str(int(timeout)),
            "start",
            timeout=timeout + 10,
        )
        self.running = True
        return self

    def stop(self, mode: str = "fast") -> None:
        """Stop the server: ``fast`` (connections ended, a clean shutdown) or ``immediate`` (as
        a crash: no checkpoint, the next start replays the write-ahead log)."""
        if not self.running:
            return
        self.run_program("pg_ctl", "-D", str(self.data), "-m", mode, "-w", "stop")
        self.running = False

    def create_database(self, name: str) -> None:
        if not name.replace("_", "").isalnum():
            raise ProcessError(f"refusing odd database name {name!r}")
        self.run_program(
            "psql",
            "-h",
            "127.0.0.1",
            "-p",
            str(self.port),
            "-U",
            "postgres",
            "-d",
            "postgres",
            "-v",
            "ON_ERROR_STOP=1",
            "-c",
            f'CREATE DATABASE "{name}"',
        )

    def remove(self) -> None:
        """Stop the server (fast) and delete its folder."""
        try:
            self.stop()
        finally:
            shutil.rmtree(self.folder, ignore_errors=True)

    def __enter__(self) -> PostgresCluster:
        return self.init().start()

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        traceback: TracebackType | None,
    ) -> None:
        self.remove()
