"""``make bench``: the client page under wrk, against a bare baseline measured in the same run.

Steps: recreate the PostgreSQL database ``brug_bench``; ``portal migrate``; seed one OCMW social
worker and two clients of that OCMW (200 and 10,000 timeline events) through the portal's services
(``bench.seed``); write a session for the social worker straight into the session store (Redis, as
in production: there is no development login in production); serve the portal as in production
(``portal serve``, ``PORTAL_ENV=production``) and the baseline (``bench.baseline`` under uvicorn),
one worker each; check every endpoint answers 200 with the expected content; warm up; measure with
wrk; print a table, save the raw figures under ``bench/results/`` and rewrite "## Latest results"
in ``bench/README.md``.

Options: ``--duration`` (seconds per measurement), ``--rounds``, ``--no-readme``.
"""

from __future__ import annotations

import argparse
import asyncio
import datetime as dt
import importlib.metadata
import json
import os
import platform
import re
import resource
import secrets
import shutil
import signal
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import asyncpg
import httpx

from portal.core.sessions import REDIS_NAMESPACE, SessionData, store_key
from portal.testing.processes import (
    BIN,
    PortalServer,
    ProcessError,
    ServerProcess,
    checked,
    clean_env,
    free_port,
    run_command,
    run_portal_ok,
)

ROOT = Path(__file__).resolve().parents[1]
BENCH_DIR = ROOT / "bench"
RESULTS_DIR = BENCH_DIR / "results"
README = BENCH_DIR / "README.md"
STATUS_SCRIPT = BENCH_DIR / "status.lua"

DB_NAME = "brug_bench"
ADMIN_DSN = "postgresql://postgres@127.0.0.1:5432/postgres"
DATABASE_URL = f"postgresql://postgres@127.0.0.1:5432/{DB_NAME}"
REDIS_URL = "redis://127.0.0.1:6379/0"
# Production needs an identity provider configured; the bench logs in by writing the session itself.
OIDC_ENV = {
    "PORTAL_OIDC_ISSUER": "https://127.0.0.1:9/bench",
    "PORTAL_OIDC_CLIENT_ID": "bench",
    "PORTAL_OIDC_CLIENT_SECRET": "bench",
}
STATEMENTS_ENV = {
    "PORTAL_CONTROLLER_NAME": "OCMW Bench",
    "PORTAL_CONTROLLER_ADDRESS": "Markt 1, 9999 Bench",
    "PORTAL_DPO_EMAIL": "dpo@bench.example",
    "PORTAL_ACCESSIBILITY_EMAIL": "toegankelijkheid@bench.example",
}
"""What production requires for the privacy and accessibility statements."""
STOP_TIMEOUT = 15  # uvicorn drains for up to 8 s (``portal serve``, the baseline)

THREADS = 2
CONNECTIONS = 16
DURATION = 15
WARMUP = 3
ROUNDS = 3
TARGET_PAGE_RATIO = 0.33  # client page req/s ÷ baseline req/s, at least
TARGET_GROWTH_RATIO = 1.3  # time per request, 10k-event client ÷ 200-event client, at most
PAGE_EVENTS = 20
TARGETS = ("baseline", "page-200", "page-10k")

LATEST_HEADING = "## Latest results"


class BenchError(RuntimeError):
    """The bench could not produce valid figures."""


def say(message: str) -> None:
    print(f"[bench] {message}", flush=True)


# --- database and session ----------------------------------------------------------------------


async def _recreate_database(name: str = DB_NAME) -> str:
    if not name.startswith("brug_bench"):
        raise BenchError(f"not a bench database: {name}")
    conn = await asyncpg.connect(ADMIN_DSN)
    try:
        await conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        await conn.execute(f'CREATE DATABASE "{name}"')
        return str(await conn.fetchval("SHOW server_version"))
    finally:
        await conn.close()


def session_key(token: str) -> str:
    """The store key of a session token, as the portal computes it."""
    return store_key(token)


async def _write_session(token: str, person_id: int) -> SessionData:
    """A logged-in session for ``person_id`` under ``token``; its data (the CSRF token)."""
    from litestar.stores.redis import RedisStore

    store = RedisStore.with_client(url=REDIS_URL, namespace=REDIS_NAMESPACE)
    try:
        data = SessionData.fresh(person_id)
        await store.set(session_key(token), data.to_json(), expires_in=3600)
        return data
    finally:
        await store._redis.aclose()


async def _delete_session(token: str) -> None:
    from litestar.stores.redis import RedisStore

    store = RedisStore.with_client(url=REDIS_URL, namespace=REDIS_NAMESPACE)
    try:
        await store.delete(session_key(token))
    finally:
        await store._redis.aclose()


# --- checks and wrk ----------------------------------------------------------------------------


def check_page(url: str, cookie: str, must_contain: list[str]) -> int:
    """The first screen answers 200 with the newest 20 events; returns the body size."""
    response = httpx.get(url, headers={"Cookie": cookie}, timeout=10, follow_redirects=False)
    if response.status_code != 200:
        raise BenchError(f"GET {url} answered {response.status_code}, not 200")
    html = response.text
    expected = [*must_contain, "<h3>note 0</h3>", f"<h3>note {PAGE_EVENTS - 1}</h3>"]
    missing = [text for text in expected if text not in html]
    if missing:
        raise BenchError(f"GET {url}: page lacks {missing}")
    shown = len(re.findall(r'<li class="event"[ >]', html))
    if shown != PAGE_EVENTS or f"<h3>note {PAGE_EVENTS}</h3>" in html:
        raise BenchError(f"GET {url}: {shown} events on the first screen, not {PAGE_EVENTS}")
    return len(response.content)


_UNITS_MS = {"us": 0.001, "ms": 1.0, "s": 1000.0, "m": 60_000.0, "h": 3_600_000.0}


def _ms(text: str) -> float:
    match = re.fullmatch(r"([\d.]+)(us|ms|s|m|h)", text)
    if not match:
        raise BenchError(f"cannot read wrk duration {text!r}")
    return round(float(match.group(1)) * _UNITS_MS[match.group(2)], 3)


def parse_wrk(output: str) -> dict[str, Any]:
    def find(pattern: str) -> re.Match[str]:
        match = re.search(pattern, output, re.MULTILINE)
        if not match:
            raise BenchError(f"wrk output lacks {pattern!r}:\n{output}")
        return match

    latency = find(r"^\s+Latency\s+(\S+)\s+(\S+)\s+(\S+)")
    requests = find(r"^\s+(\d+) requests in ([\d.]+)(\w+),")
    percentiles = {
        f"p{pct}": _ms(value)
        for pct, value in re.findall(r"^\s+(\d+)%\s+(\S+)\s*$", output, re.MULTILINE)
    }
    for needed in ("p50", "p90", "p99"):
        if needed not in percentiles:
            raise BenchError(f"wrk output lacks the {needed} latency:\n{output}")
    non_2xx = re.search(r"Non-2xx or 3xx responses:\s+(\d+)", output)
    sockets = re.search(
        r"Socket errors: connect (\d+), read (\d+), write (\d+), timeout (\d+)", output
    )
    not_200 = find(r"^brug-not-200: (\d+)")
    return {
        "requests_per_s": float(find(r"^Requests/sec:\s+([\d.]+)").group(1)),
        "requests": int(requests.group(1)),
        "seconds": _ms(requests.group(2) + requests.group(3)) / 1000,
        "latency_ms": {
            "avg": _ms(latency.group(1)),
            "stdev": _ms(latency.group(2)),
            "max": _ms(latency.group(3)),
            **percentiles,
        },
        "non_2xx_3xx": int(non_2xx.group(1)) if non_2xx else 0,
        "not_200": int(not_200.group(1)),
        "socket_errors": dict(
            zip(
                ("connect", "read", "write", "timeout"),
                (int(n) for n in sockets.groups()) if sockets else (0, 0, 0, 0),
                strict=True,
            )
        ),
    }


def wrk_argv(url: str, cookie: str, seconds: int) -> list[str]:
    return [
        "wrk",
        f"-t{THREADS}",
        f"-c{CONNECTIONS}",
        f"-d{seconds}s",
        "--latency",
        "-s",
        str(STATUS_SCRIPT.relative_to(ROOT)),
        "-H",
        f"Cookie: {cookie}",
        url,
    ]


CLK_TCK = os.sysconf("SC_CLK_TCK")


def process_cpu_s(pid: int) -> float:
    """User + system CPU seconds of one process (0 if it is gone)."""
    try:
        fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    except OSError:
        return 0.0
    return (int(fields[11]) + int(fields[12])) / CLK_TCK


def machine_cpu_s() -> tuple[float, float]:
    """Busy and total CPU seconds of the whole machine, all cores, since boot."""
    values = [int(v) for v in Path("/proc/stat").read_text().splitlines()[0].split()[1:9]]
    total = sum(values)
    return (total - values[3] - values[4]) / CLK_TCK, total / CLK_TCK


async def _db_backends(database: str = DB_NAME) -> list[int]:
    conn = await asyncpg.connect(ADMIN_DSN)
    try:
        rows = await conn.fetch(
            "SELECT pid FROM pg_stat_activity WHERE datname = $1 "
            "AND backend_type = 'client backend' AND pid <> pg_backend_pid()",
            database,
        )
        return [int(r["pid"]) for r in rows]
    finally:
        await conn.close()


@dataclass
class CpuSnapshot:
    wall: float
    server: float
    db: dict[int, float]
    children: float
    busy: float
    total: float


def cpu_snapshot(server_pid: int, database: str = DB_NAME) -> CpuSnapshot:
    backends = asyncio.run(_db_backends(database))
    children = resource.getrusage(resource.RUSAGE_CHILDREN)
    busy, total = machine_cpu_s()
    return CpuSnapshot(
        wall=time.monotonic(),
        server=process_cpu_s(server_pid),
        db={pid: process_cpu_s(pid) for pid in backends},
        children=children.ru_utime + children.ru_stime,
        busy=busy,
        total=total,
    )


def cpu_figures(before: CpuSnapshot, after: CpuSnapshot, requests: int) -> dict[str, float]:
    """CPU per request of the server, its PostgreSQL backends and wrk; the machine's other load.

    Less sensitive to other work on the machine than requests/s (but not immune to it: shared
    caches and frequency scaling still move it).
    """
    server = after.server - before.server
    db = sum(cpu - before.db.get(pid, 0.0) for pid, cpu in after.db.items())
    wrk = after.children - before.children
    busy, capacity = after.busy - before.busy, after.total - before.total
    per_request = 1000 / max(1, requests)
    return {
        "server_ms_per_request": round(server * per_request, 3),
        "postgres_ms_per_request": round(db * per_request, 3),
        "wrk_ms_per_request": round(wrk * per_request, 3),
        "machine_busy_pct": round(100 * busy / capacity, 1) if capacity else 0.0,
        "other_load_pct": round(100 * max(0.0, busy - server - db - wrk) / capacity, 1)
        if capacity
        else 0.0,
        "loadavg_1min_after": round(os.getloadavg()[0], 2),
    }


def run_wrk(
    url: str,
    cookie: str,
    seconds: int,
    server_pid: int | None = None,
    database: str = DB_NAME,
) -> dict[str, Any]:
    """wrk against ``url``; with ``server_pid``, the CPU per request of that server and of its
    PostgreSQL backends (those connected to ``database``)."""
    before = cpu_snapshot(server_pid, database) if server_pid else None
    result = subprocess.run(
        wrk_argv(url, cookie, seconds),
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=seconds + 60,
        check=False,
    )
    if result.returncode != 0:
        raise BenchError(f"wrk failed ({result.returncode}):\n{result.stdout}\n{result.stderr}")
    after = cpu_snapshot(server_pid, database) if server_pid else None
    figures = parse_wrk(result.stdout)
    if before and after:
        figures["cpu"] = cpu_figures(before, after, figures["requests"])
    figures["raw"] = result.stdout
    if figures["non_2xx_3xx"] or figures["not_200"]:
        raise BenchError(
            f"{url}: {figures['non_2xx_3xx']} non-2xx/3xx and {figures['not_200']} "
            f"non-200 responses under load:\n{result.stdout}"
        )
    return figures


# --- the run -----------------------------------------------------------------------------------


@dataclass
class Measurement:
    target: str
    round: int
    url: str
    figures: dict[str, Any]


@dataclass
class Context:
    var_dir: Path
    token: str | None = None
    servers: list[ServerProcess] = field(default_factory=list)


def stop(server: ServerProcess) -> None:
    """SIGTERM, then wait; killed only if it does not stop within ``STOP_TIMEOUT`` s."""
    code = server.stop(timeout=STOP_TIMEOUT)
    if code not in (None, 0, -signal.SIGTERM):
        say(f"{server.name} stopped with exit code {code}; output tail:\n{server.tail()}")


@contextmanager
def bench_context() -> Iterator[Context]:
    """Temporary folder, servers and the session key; all cleaned up, even on failure."""
    ctx = Context(Path(tempfile.mkdtemp(prefix="brug-bench-")))

    def on_sigterm(_signum: int, _frame: Any) -> None:
        raise SystemExit(143)

    previous = signal.signal(signal.SIGTERM, on_sigterm)
    try:
        yield ctx
    except BenchError:
        for server in ctx.servers:
            say(f"{server.name}'s output tail:\n{server.tail()}")
        raise
    finally:
        for server in reversed(ctx.servers):
            stop(server)
        if ctx.token:
            try:
                asyncio.run(_delete_session(ctx.token))
            except Exception as error:
                say(f"could not delete the bench session from Redis: {error}")
        shutil.rmtree(ctx.var_dir, ignore_errors=True)
        signal.signal(signal.SIGTERM, previous)


def base_env(**values: str) -> dict[str, str]:
    """No ``PORTAL_*`` or ``BENCH_*`` value of this process reaches a child; ``bench`` imports."""
    env = {k: v for k, v in clean_env().items() if not k.startswith("BENCH_")}
    return {**env, "PYTHONPATH": str(ROOT), **values}


def portal_env(var_dir: Path, database_url: str = DATABASE_URL, **extra: str) -> dict[str, str]:
    return base_env(
        PORTAL_ENV="production",
        PORTAL_SECRET_KEY=secrets.token_urlsafe(36),  # 48 characters
        PORTAL_BASE_URL="https://127.0.0.1",
        PORTAL_DATABASE_URL=database_url,
        PORTAL_VAR_DIR=str(var_dir),
        PORTAL_REDIS_URL=REDIS_URL,
        **OIDC_ENV,
        **STATEMENTS_ENV,
        **extra,
    )


def baseline_server(
    port: int, app: str = "bench.baseline:app", database_url: str = DATABASE_URL
) -> ServerProcess:
    """A baseline app under uvicorn, served as the portal is (one worker, no access log)."""
    argv = [
        str(BIN / "uvicorn"),
        app,
        "--host",
        "127.0.0.1",
        "--port",
        str(port),
        "--no-access-log",
        "--log-level",
        "warning",
        "--no-server-header",
        "--proxy-headers",
        "--forwarded-allow-ips",
        "127.0.0.1",
        "--timeout-graceful-shutdown",
        "8",
        "--lifespan",
        "on",
    ]
    env = base_env(BENCH_DATABASE_URL=database_url)
    return ServerProcess(argv, env, port, cwd=ROOT, name="baseline")


def run(duration: int, rounds: int) -> dict[str, Any]:
    started = time.monotonic()
    with bench_context() as ctx:
        say(f"recreating database {DB_NAME}")
        pg_version = asyncio.run(_recreate_database())
        env = portal_env(ctx.var_dir / "portal")
        Path(env["PORTAL_VAR_DIR"]).mkdir(parents=True)
        run_portal_ok(env, "migrate", cwd=ROOT)
        say("seeding through the services: one social worker; clients of 200 and 10,000 events")
        t0 = time.monotonic()
        seed_out = checked(run_command([str(BIN / "python"), "-m", "bench.seed"], env, cwd=ROOT))
        seed = json.loads(seed_out.strip().splitlines()[-1])
        say(f"seeded in {time.monotonic() - t0:.1f} s")
        clients = seed["clients"]

        token = secrets.token_urlsafe(32)
        ctx.token = token
        asyncio.run(_write_session(token, seed["person_id"]))
        cookie = f"brug_session={token}"

        portal = PortalServer(
            env, free_port(), "--no-access-log", "--log-level", "warning", cwd=ROOT
        )
        ctx.servers.append(portal.start())
        baseline = baseline_server(free_port())
        ctx.servers.append(baseline.start())
        portal.wait_until_healthy()
        baseline.wait_until_answers(f"/clients/{clients['200']['id']}")

        urls = {
            "baseline": f"{baseline.url}/clients/{clients['200']['id']}",
            "page-200": f"{portal.url}/clients/{clients['200']['id']}",
            "page-10k": f"{portal.url}/clients/{clients['10k']['id']}",
        }
        sizes = {
            "baseline": check_page(urls["baseline"], cookie, []),
            "page-200": check_page(urls["page-200"], cookie, [clients["200"]["full_name"]]),
            "page-10k": check_page(urls["page-10k"], cookie, [clients["10k"]["full_name"]]),
        }
        anonymous = httpx.get(urls["page-200"], timeout=10, follow_redirects=False)
        if anonymous.status_code != 303:
            raise BenchError(f"the page without a session answered {anonymous.status_code}")
        say("every endpoint answers 200 with its 20 events; without the session: 303 to login")

        for target in TARGETS:
            say(f"warming up {target} ({WARMUP} s)")
            run_wrk(urls[target], cookie, WARMUP)

        measurements: list[Measurement] = []
        for round_no in range(1, rounds + 1):
            # Even rounds run in reverse order: each pair stays adjacent, and a drift over the
            # run (other load, the growing access log) does not always favour the same target.
            for target in TARGETS if round_no % 2 else reversed(TARGETS):
                # Rewritten before every run, in case something else cleared Redis meanwhile.
                asyncio.run(_write_session(token, seed["person_id"]))
                say(f"round {round_no}: {target} ({duration} s)")
                server = baseline if target == "baseline" else portal
                figures = run_wrk(urls[target], cookie, duration, server.pid)
                measurements.append(Measurement(target, round_no, urls[target], figures))
                cpu = figures["cpu"]
                say(
                    f"  {figures['requests_per_s']:.1f} req/s, "
                    f"p50 {figures['latency_ms']['p50']:.2f} ms, "
                    f"CPU/request {cpu['server_ms_per_request']:.2f} ms server + "
                    f"{cpu['postgres_ms_per_request']:.2f} ms PostgreSQL, "
                    f"other load {cpu['other_load_pct']:.0f} %"
                )
        for target in ("page-200", "page-10k"):
            check_page(urls[target], cookie, [clients[target.removeprefix("page-")]["full_name"]])

    return {
        "pg_version": pg_version,
        "seed": seed,
        "sizes": sizes,
        "measurements": measurements,
        "elapsed_s": round(time.monotonic() - started, 1),
    }


# --- summarising -------------------------------------------------------------------------------


def summarise(measurements: list[Measurement], rounds: int) -> dict[str, Any]:
    """Ratios per round (targets measured a minute apart) and their median over the rounds."""

    def figure(target: str, round_no: int, read: Callable[[dict[str, Any]], float]) -> float:
        return next(
            read(m.figures) for m in measurements if (m.target, m.round) == (target, round_no)
        )

    def rps(f: dict[str, Any]) -> float:
        return float(f["requests_per_s"])

    def cpu(f: dict[str, Any]) -> float:
        return float(f["cpu"]["server_ms_per_request"] + f["cpu"]["postgres_ms_per_request"])

    def p50(f: dict[str, Any]) -> float:
        return float(f["latency_ms"]["p50"])

    numbers = range(1, rounds + 1)
    page_rounds = [figure("page-200", r, rps) / figure("baseline", r, rps) for r in numbers]
    page_cpu = [figure("baseline", r, cpu) / figure("page-200", r, cpu) for r in numbers]
    growth_rounds = [figure("page-200", r, rps) / figure("page-10k", r, rps) for r in numbers]
    growth_p50 = [figure("page-10k", r, p50) / figure("page-200", r, p50) for r in numbers]
    page = {
        "per_round": page_rounds,
        "median": statistics.median(page_rounds),
        "by_cpu_per_round": page_cpu,
        "by_cpu_median": statistics.median(page_cpu),
        "target": TARGET_PAGE_RATIO,
    }
    page["met"] = page["median"] >= TARGET_PAGE_RATIO
    growth = {
        "per_round": growth_rounds,
        "median": statistics.median(growth_rounds),
        "p50_per_round": growth_p50,
        "p50_median": statistics.median(growth_p50),
        "target": TARGET_GROWTH_RATIO,
    }
    growth["met"] = growth["median"] <= TARGET_GROWTH_RATIO
    return {
        "median_requests_per_s": {
            t: statistics.median(figure(t, r, rps) for r in numbers) for t in TARGETS
        },
        "page_over_baseline": page,
        "growth_10k_over_200": growth,
    }


def machine() -> dict[str, Any]:
    def out(argv: list[str]) -> str:
        try:
            return subprocess.run(
                argv, cwd=ROOT, capture_output=True, text=True, check=False, timeout=10
            ).stdout.strip()
        except OSError:
            return ""

    cpu = ""
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                cpu = line.split(":", 1)[1].strip()
                break
    except OSError:
        pass
    # Read-only git commands only (no index refresh).
    dirty = out(["git", "--no-optional-locks", "status", "--porcelain", "--untracked-files=no"])
    mem_line = next((ln for ln in out(["free", "-h"]).splitlines() if ln.startswith("Mem:")), "")
    return {
        "nproc": out(["nproc"]),
        "cpu": cpu,
        "memory_total": mem_line.split()[1] if mem_line else "",
        "free_h": out(["free", "-h"]),
        "python": platform.python_version(),
        "packages": {
            name: importlib.metadata.version(name)
            for name in (
                "litestar",
                "uvicorn",
                "uvloop",
                "httptools",
                "piccolo",
                "asyncpg",
                "jinja2",
            )
        },
        "wrk": next(iter(out(["wrk", "--version"]).splitlines()), ""),
        "commit": out(["git", "rev-parse", "--short", "HEAD"]),
        "uncommitted_changes": bool(dirty),
        "kernel": platform.release(),
    }


def table(measurements: list[Measurement]) -> list[str]:
    lines = [
        "| Target | Round | Requests/s | p50 ms | p90 ms | p99 ms | Requests | Non-2xx/3xx "
        "| Not 200 | CPU ms/req server | CPU ms/req PostgreSQL | Other load |",
        "|---|--:|--:|--:|--:|--:|--:|--:|--:|--:|--:|--:|",
    ]
    for m in measurements:
        f, lat, cpu = m.figures, m.figures["latency_ms"], m.figures["cpu"]
        lines.append(
            f"| {m.target} | {m.round} | {f['requests_per_s']:.1f} | {lat['p50']:.2f} | "
            f"{lat['p90']:.2f} | {lat['p99']:.2f} | {f['requests']} | {f['non_2xx_3xx']} | "
            f"{f['not_200']} | {cpu['server_ms_per_request']:.2f} | "
            f"{cpu['postgres_ms_per_request']:.2f} | {cpu['other_load_pct']:.0f} % |"
        )
    return lines


def ratio_lines(summary: dict[str, Any]) -> list[str]:
    page, growth = summary["page_over_baseline"], summary["growth_10k_over_200"]

    def rounds(values: list[float]) -> str:
        return ", ".join(f"{v:.2f}" for v in values)

    def met(flag: bool) -> str:
        return "**yes**" if flag else "**no**"

    return [
        "| Ratio | Per round | Median | Target | Met |",
        "|---|---|--:|---|---|",
        f"| Client page ÷ baseline, requests/s (200-event client) | {rounds(page['per_round'])} "
        f"| {page['median']:.2f} | ≥ {page['target']} | {met(page['met'])} |",
        f"| 10k-event ÷ 200-event client, time per request (inverse requests/s) "
        f"| {rounds(growth['per_round'])} | {growth['median']:.2f} | ≤ {growth['target']} "
        f"| {met(growth['met'])} |",
        f"| *For information:* client page ÷ baseline by CPU per request (server + PostgreSQL; "
        f"baseline's ÷ page's) | {rounds(page['by_cpu_per_round'])} "
        f"| {page['by_cpu_median']:.2f} | | |",
        f"| *For information:* 10k-event ÷ 200-event client, p50 latency "
        f"| {rounds(growth['p50_per_round'])} | {growth['p50_median']:.2f} | | |",
    ]


def latest_section(result: dict[str, Any], summary: dict[str, Any], info: dict[str, Any]) -> str:
    pkgs = info["packages"]
    when = result["date"]
    wrk_cmd = " ".join(
        "'" + part + "'" if " " in part else part
        for part in wrk_argv(
            "http://127.0.0.1:<port>/clients/<id>", "brug_session=<token>", result["duration"]
        )
    )
    commit = info["commit"] + (" (plus uncommitted changes)" if info["uncommitted_changes"] else "")
    sizes = result["sizes"]
    return "\n".join(
        [
            LATEST_HEADING,
            "",
            f"Written by `make bench` on {when}, commit `{commit}`; raw figures in "
            f"`bench/results/{result['results_file']}` (not in git). The whole run took "
            f"{result['elapsed_s']:.0f} s.",
            "",
            f"- Machine: `nproc` = {info['nproc']} ({info['cpu'] or 'unknown CPU'}), "
            f"`free -h` total memory {info['memory_total']}, Linux {info['kernel']}; "
            f"wrk, PostgreSQL and both servers on the same machine.",
            f"- Software: Python {info['python']}, PostgreSQL {result['pg_version']}, "
            f"Litestar {pkgs['litestar']}, Piccolo {pkgs['piccolo']}, asyncpg {pkgs['asyncpg']}, "
            f"Jinja2 {pkgs['jinja2']}, uvicorn {pkgs['uvicorn']} (uvloop {pkgs['uvloop']}, "
            f"httptools {pkgs['httptools']}), one worker process per server; sessions in Redis.",
            f"- Responses: baseline {sizes['baseline']} bytes, client page {sizes['page-200']} "
            f"bytes (200 events) and {sizes['page-10k']} bytes (10,000 events).",
            f"- Order: {WARMUP} s warm-up of each target, then {result['rounds']} rounds of "
            f"baseline, page-200, page-10k (even rounds in reverse order), "
            f"{result['duration']} s each, with:",
            "",
            f"      {wrk_cmd}",
            "",
            *table(result["measurements_objects"]),
            "",
            "CPU ms/req: CPU time of the server process and of its PostgreSQL backends, divided by "
            "the requests served. Other load: CPU used meanwhile by everything else on the "
            "machine (not the server under test, its PostgreSQL backends or wrk), as a share of "
            "all cores; a round with much other load was disturbed.",
            "",
            *ratio_lines(summary),
            "",
            "The verdicts use the median of the per-round ratios (each round measures the targets "
            "a minute apart).",
            "",
        ]
    )


def rewrite_readme(section: str) -> None:
    text = README.read_text() if README.exists() else "# Benchmarks\n"
    start = text.find(LATEST_HEADING)
    if start == -1:
        new = text.rstrip("\n") + "\n\n" + section
    else:
        following = text.find("\n## ", start + len(LATEST_HEADING))
        rest = text[following + 1 :] if following != -1 else ""
        new = text[:start] + section + ("\n" + rest if rest else "")
    README.write_text(new.rstrip("\n") + "\n")


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m bench.run", description=__doc__.split("\n")[0])
    parser.add_argument("--duration", type=int, default=DURATION, help="seconds per measurement")
    parser.add_argument("--rounds", type=int, default=ROUNDS)
    parser.add_argument("--no-readme", action="store_true", help="leave bench/README.md alone")
    args = parser.parse_args(argv)
    if shutil.which("wrk") is None:
        print("bench: wrk is not installed (BRUG_BENCH=1 bash .ci/services.sh)", file=sys.stderr)
        return 2

    date = dt.datetime.now(dt.UTC).replace(microsecond=0)
    try:
        result = run(args.duration, max(1, args.rounds))
    except (BenchError, ProcessError) as error:
        print(f"bench: FAILED: {error}", file=sys.stderr)
        return 1
    measurements: list[Measurement] = result.pop("measurements")
    summary = summarise(measurements, max(1, args.rounds))
    info = machine()
    RESULTS_DIR.mkdir(exist_ok=True)
    results_file = f"bench-{date.strftime('%Y%m%dT%H%M%SZ')}.json"
    result.update(
        date=date.isoformat().replace("+00:00", "Z"),
        duration=args.duration,
        rounds=max(1, args.rounds),
        results_file=results_file,
    )
    raw = {
        **result,
        "machine": info,
        "wrk_command": wrk_argv("<url>", "brug_session=<token>", args.duration),
        "measurements": [
            {"target": m.target, "round": m.round, "url": m.url, **m.figures} for m in measurements
        ],
        "summary": summary,
    }
    (RESULTS_DIR / results_file).write_text(json.dumps(raw, indent=2) + "\n")

    print()
    print("\n".join(table(measurements)))
    print()
    print("\n".join(ratio_lines(summary)))
    print()
    say(f"raw figures: {RESULTS_DIR.relative_to(ROOT) / results_file}")
    if not args.no_readme:
        rewrite_readme(
            latest_section({**result, "measurements_objects": measurements}, summary, info)
        )
        say(f"updated {README.relative_to(ROOT)}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
