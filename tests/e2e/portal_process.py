"""Run the ``portal`` command in subprocesses, each against a database and folder of its own.

Shared by the browser journeys (``tests/e2e``) and the serving tests
(``tests/core/test_server_process.py``). The environment of a subprocess is built explicitly:
``tests/conftest.py`` puts the suite's own database in ``os.environ`` at import, and no
``PORTAL_*`` value of this process may leak into a server under test.
"""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import threading
import time
from collections.abc import Callable
from pathlib import Path
from types import TracebackType

import httpx

ROOT = Path(__file__).resolve().parents[2]
PORTAL = str(ROOT / ".venv" / "bin" / "portal")
START_TIMEOUT = 60.0


def free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def portal_env(folder: Path, **overrides: str) -> dict[str, str]:
    """A development environment on a SQLite file in ``folder`` (made here); ``overrides`` win."""
    folder.mkdir(parents=True, exist_ok=True)
    env = {key: value for key, value in os.environ.items() if not key.startswith("PORTAL_")}
    env.update(
        PICCOLO_CONF="portal.piccolo_conf",
        PYTHONUNBUFFERED="1",
        PORTAL_ENV="development",
        PORTAL_DATABASE_URL=f"sqlite:///{folder}/portal.sqlite3",
        PORTAL_VAR_DIR=str(folder / "var"),
    )
    env.update(overrides)
    return env


def run_portal(env: dict[str, str], *args: str, cwd: Path | None = None):
    """``portal <args>`` to completion; the timeout only keeps a hung command from hanging CI."""
    return subprocess.run(
        [PORTAL, *args],
        env=env,
        cwd=cwd or Path(env["PORTAL_VAR_DIR"]).parent,
        capture_output=True,
        text=True,
        timeout=300,
        check=False,
    )


def run_portal_ok(env: dict[str, str], *args: str) -> str:
    result = run_portal(env, *args)
    assert result.returncode == 0, (
        f"portal {' '.join(args)} exited {result.returncode}:\n{result.stdout}\n{result.stderr}"
    )
    return result.stdout


class PortalServer:
    """``portal serve`` in a subprocess; its output (stdout and stderr) is read line by line."""

    def __init__(self, env: dict[str, str], port: int, *extra: str) -> None:
        self.env = env
        self.port = port
        self.extra = extra
        self.url = f"http://127.0.0.1:{port}"
        self.lines: list[str] = []
        self._changed = threading.Condition()
        self._ended = False
        self.process: subprocess.Popen[str] | None = None
        self._reader: threading.Thread | None = None

    def start(self) -> PortalServer:
        self.process = subprocess.Popen(
            [PORTAL, "serve", "--host", "127.0.0.1", "--port", str(self.port), *self.extra],
            env=self.env,
            cwd=Path(self.env["PORTAL_VAR_DIR"]).parent,
            stdout=subprocess.PIPE,
            stderr=subprocess.STDOUT,
            text=True,
            bufsize=1,
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
    def output(self) -> str:
        with self._changed:
            return "\n".join(self.lines)

    def wait_for_line(self, matches: Callable[[str], bool], timeout: float = START_TIMEOUT) -> str:
        """The first output line for which ``matches`` holds, waiting for it to be written."""

        def found() -> str | None:
            return next((line for line in self.lines if matches(line)), None)

        with self._changed:
            self._changed.wait_for(lambda: found() is not None or self._ended, timeout)
            line = found()
        assert line is not None, f"expected line never came; server output:\n{self.output}"
        return line

    def wait_until_healthy(self) -> None:
        """Wait for uvicorn to listen, then for ``GET /health`` to answer 200."""
        self.wait_for_line(lambda line: "Uvicorn running on" in line)
        deadline = time.monotonic() + START_TIMEOUT
        with httpx.Client(base_url=self.url, timeout=10) as http:
            while True:
                assert self.process is not None and self.process.poll() is None, self.output
                try:
                    if http.get("/health").status_code == 200:
                        return
                except httpx.TransportError:
                    pass
                assert time.monotonic() < deadline, f"/health never answered 200:\n{self.output}"
                with self._changed:  # poll again after new output or 50 ms
                    self._changed.wait(0.05)

    def send_signal(self, sig: signal.Signals) -> None:
        assert self.process is not None
        self.process.send_signal(sig)

    def wait(self, timeout: float) -> int:
        """The exit code; ``subprocess.TimeoutExpired`` if still running after ``timeout``."""
        assert self.process is not None
        code = self.process.wait(timeout=max(0.0, timeout))
        self._close()
        return code

    def stop(self, sig: signal.Signals = signal.SIGTERM) -> int | None:
        """Signal the server and wait for it; kill it if it does not stop within 20 s."""
        if self.process is None:
            return None
        if self.process.poll() is None:
            self.process.send_signal(sig)
            try:
                self.process.wait(timeout=20)
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

    def __enter__(self) -> PortalServer:
        return self.start()

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        traceback: TracebackType | None,
    ) -> None:
        self.stop()
