"""``make bench-live``: the client page with 200 open live streams against the same page without,
the memory each open stream costs, and how long an entry takes from one process to another.

Steps: recreate the PostgreSQL database ``brug_bench_live``; ``portal migrate``; seed the bench
world (``bench.seed``: clients of 200 and 10,000 events); write a session for the social worker
into Redis; serve the portal as in production (``portal serve``, one process, sessions and live
updates through Redis); check the page answers with its live timeline; measure the server's
resident memory before any stream and with two batches of 200 streams open on the client
(``GET /clients/{id}/live``, one connection each, held by this process): the memory per stream.
Then, in rounds (even rounds in reverse order), wrk on the 200-event client page with no stream
open and with 200 streams open. Last,
a second ``portal serve`` on the same database and Redis serves one stream, and notes written
through the first process (``POST /clients/{id}/notes`` on the 10,000-event client) are timed until
they arrive on it. Figures go to ``bench/results/`` and "## Latest live results" in
``bench/README.md``.

Options: ``--duration``, ``--rounds``, ``--streams``, ``--samples``, ``--no-readme``.
"""

from __future__ import annotations

import argparse
import asyncio
import datetime as dt
import json
import secrets
import shutil
import statistics
import sys
import threading
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any
from urllib.parse import urlparse

import httpx

from bench.run import (
    DURATION,
    RESULTS_DIR,
    ROUNDS,
    WARMUP,
    BenchError,
    _recreate_database,
    _write_session,
    bench_context,
    machine,
    portal_env,
    run_wrk,
    say,
    wrk_argv,
)
from portal.testing.processes import (
    BIN,
    PortalServer,
    ProcessError,
    checked,
    free_port,
    run_command,
    run_portal_ok,
)

ROOT = Path(__file__).resolve().parents[1]
README = ROOT / "bench" / "README.md"
LATEST_HEADING = "## Latest live results"
DB_NAME = "brug_bench_live"
DATABASE_URL = f"postgresql://postgres@127.0.0.1:5432/{DB_NAME}"
STREAMS = 200
SAMPLES = 20
TARGET_RATIO = 0.90
"""Client page requests/s with the streams open ÷ without, at least (no more than 10 % slower)."""


def rss_kib(pid: int) -> int:
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1])
    raise BenchError(f"no VmRSS for process {pid}")


# --- streams held by this process ---------------------------------------------------------------


@dataclass
class Streams:
    """``count`` open ``text/event-stream`` responses, each on its own connection, read by one
    task each; ``events`` counts the unnamed events (timeline entries) they received."""

    url: str
    cookie: str
    count: int
    events: int = 0
    heartbeats: int = 0
    tasks: list[asyncio.Task[None]] = field(default_factory=list)
    writers: list[asyncio.StreamWriter] = field(default_factory=list)
    arrived: asyncio.Queue[float] = field(default_factory=asyncio.Queue)

    async def _open_one(self) -> None:
        target = urlparse(self.url)
        reader, writer = await asyncio.open_connection(target.hostname, target.port)
        self.writers.append(writer)
        writer.write(
            f"GET {target.path} HTTP/1.1\r\nHost: {target.netloc}\r\nCookie: {self.cookie}\r\n"
            "Accept: text/event-stream\r\nHX-Request: true\r\n\r\n".encode()
        )
        await writer.drain()
        head = await reader.readuntil(b"\r\n\r\n")
        if not head.startswith(b"HTTP/1.1 200") or b"text/event-stream" not in head:
            raise BenchError(f"{self.url}: {head.decode(errors='replace')}")
        self.tasks.append(asyncio.create_task(self._read(reader)))

    async def _read(self, reader: asyncio.StreamReader) -> None:
        while line := await reader.readline():
            if line.startswith(b"data: <li"):
                self.events += 1
                self.arrived.put_nowait(time.monotonic())
            elif line.startswith(b": heartbeat"):
                self.heartbeats += 1

    async def open(self) -> None:
        for _ in range(self.count):
            await self._open_one()

    async def close(self) -> None:
        for writer in self.writers:
            writer.close()
        for task in self.tasks:
            task.cancel()
        await asyncio.gather(*self.tasks, return_exceptions=True)


class StreamHolder:
    """Streams held open in a thread's event loop while wrk runs in this one."""

    def __init__(self) -> None:
        self.loop = asyncio.new_event_loop()
        self.thread = threading.Thread(target=self.loop.run_forever, daemon=True)
        self.thread.start()

    def run(self, coroutine: Any, timeout: float = 120) -> Any:
        return asyncio.run_coroutine_threadsafe(coroutine, self.loop).result(timeout)

    def close(self) -> None:
        self.loop.call_soon_threadsafe(self.loop.stop)
        self.thread.join(10)


# --- the run ------------------------------------------------------------------------------------


def check_page(url: str, cookie: str, name: str) -> None:
    answer = httpx.get(url, headers={"Cookie": cookie}, timeout=10, follow_redirects=False)
    if (
        answer.status_code != 200
        or name not in answer.text
        or "data-live-connect" not in answer.text
    ):
        raise BenchError(f"GET {url} answered {answer.status_code} without the live timeline")


def measure_memory(
    holder: StreamHolder, pid: int, url: str, cookie: str, streams: int
) -> dict[str, float]:
    """The server's resident memory before any stream, with ``streams`` open and with twice as
    many (two batches, both open: freed memory cannot be reused by the second batch)."""
    first, second = Streams(url, cookie, streams), Streams(url, cookie, streams)
    before = rss_kib(pid)
    holder.run(first.open())
    time.sleep(2)
    after_first = rss_kib(pid)
    holder.run(second.open())
    time.sleep(2)
    after_second = rss_kib(pid)
    holder.run(first.close())
    holder.run(second.close())
    return {
        "rss_before_kib": before,
        "rss_first_kib": after_first,
        "rss_second_kib": after_second,
        "per_stream_kib": (after_second - before) / (2 * streams),
        "first_batch_per_stream_kib": (after_first - before) / streams,
        "second_batch_per_stream_kib": (after_second - after_first) / streams,
    }


def measure_latency(
    holder: StreamHolder, writer_url: str, reader_url: str, cookie: str, csrf: str, samples: int
) -> list[dict[str, float]]:
    """Notes written through one process, timed until they arrive on a stream of another."""
    stream = Streams(reader_url, cookie, 1)
    holder.run(stream.open())
    figures = []
    try:
        with httpx.Client(headers={"Cookie": cookie}, timeout=30) as http:
            for number in range(samples):
                sent = time.monotonic()
                answer = http.post(
                    writer_url,
                    data={
                        "text": f"bench live note {number}",
                        "audience": "care_team",
                        "sensitivity": "trajectory",
                        "csrf_token": csrf,
                    },
                )
                answered = time.monotonic()
                if answer.status_code != 303:
                    raise BenchError(f"POST {writer_url} answered {answer.status_code}")
                arrived = holder.run(asyncio.wait_for(stream.arrived.get(), 30))
                figures.append(
                    {
                        "post_to_stream_ms": (arrived - sent) * 1000,
                        "answer_to_stream_ms": (arrived - answered) * 1000,
                        "post_ms": (answered - sent) * 1000,
                    }
                )
                time.sleep(0.2)
    finally:
        holder.run(stream.close())
    return figures


def run(duration: int, rounds: int, streams: int, samples: int) -> dict[str, Any]:
    started = time.monotonic()
    with bench_context() as ctx:
        say(f"recreating database {DB_NAME}")
        pg_version = asyncio.run(_recreate_database(DB_NAME))
        env = portal_env(ctx.var_dir / "one", DATABASE_URL)
        Path(env["PORTAL_VAR_DIR"]).mkdir(parents=True)
        run_portal_ok(env, "migrate", cwd=ROOT)
        say("seeding through the services (bench.seed)")
        seed = json.loads(
            checked(run_command([str(BIN / "python"), "-m", "bench.seed"], env, cwd=ROOT))
            .strip()
            .splitlines()[-1]
        )
        client, other = seed["clients"]["200"], seed["clients"]["10k"]
        token = secrets.token_urlsafe(32)
        ctx.token = token
        data = asyncio.run(_write_session(token, seed["person_id"]))
        cookie = f"brug_session={token}"

        one = PortalServer(env, free_port(), "--no-access-log", "--log-level", "warning", cwd=ROOT)
        ctx.servers.append(one.start())
        one.wait_until_healthy()
        page = f"{one.url}/clients/{client['id']}"
        check_page(page, cookie, client["full_name"])

        holder = StreamHolder()
        try:
            say(f"warming up ({WARMUP} s)")
            run_wrk(page, cookie, WARMUP)
            memory = measure_memory(holder, one.pid, f"{page}/live", cookie, streams)
            say(f"  memory per stream: {memory['per_stream_kib']:.1f} KiB")
            measurements: list[dict[str, Any]] = []
            for round_no in range(1, rounds + 1):
                order = (0, streams) if round_no % 2 else (streams, 0)
                for open_streams in order:
                    asyncio.run(_write_session(token, seed["person_id"]))
                    held = Streams(f"{page}/live", cookie, open_streams)
                    holder.run(held.open())
                    say(f"round {round_no}: page with {open_streams} streams open ({duration} s)")
                    figures = run_wrk(page, cookie, duration, one.pid, DB_NAME)
                    figures.pop("raw", None)
                    figures["streams"] = open_streams
                    figures["round"] = round_no
                    figures["rss_kib"] = rss_kib(one.pid)
                    figures["heartbeats_received"] = held.heartbeats
                    holder.run(held.close())
                    measurements.append(figures)
                    say(
                        f"  {figures['requests_per_s']:.1f} req/s, p50 "
                        f"{figures['latency_ms']['p50']:.2f} ms, RSS {figures['rss_kib']} KiB"
                    )

            say("second process on the same database and Redis: cross-process latency")
            env_two = portal_env(ctx.var_dir / "two", DATABASE_URL)
            Path(env_two["PORTAL_VAR_DIR"]).mkdir(parents=True)
            two = PortalServer(
                env_two, free_port(), "--no-access-log", "--log-level", "warning", cwd=ROOT
            )
            ctx.servers.append(two.start())
            two.wait_until_healthy()
            data = asyncio.run(_write_session(token, seed["person_id"]))
            latency = measure_latency(
                holder,
                f"{one.url}/clients/{other['id']}/notes",
                f"{two.url}/clients/{other['id']}/live",
                cookie,
                data.csrf,
                samples,
            )
        finally:
            holder.close()
    return {
        "pg_version": pg_version,
        "streams": streams,
        "measurements": measurements,
        "memory": memory,
        "latency": latency,
        "elapsed_s": round(time.monotonic() - started, 1),
    }


# --- summarising --------------------------------------------------------------------------------


def summarise(result: dict[str, Any]) -> dict[str, Any]:
    by_round: dict[int, dict[int, float]] = {}
    for figures in result["measurements"]:
        by_round.setdefault(figures["round"], {})[figures["streams"]] = figures["requests_per_s"]
    ratios = [r[result["streams"]] / r[0] for _, r in sorted(by_round.items())]
    post = sorted(sample["post_to_stream_ms"] for sample in result["latency"])
    answer = sorted(sample["answer_to_stream_ms"] for sample in result["latency"])
    return {
        "ratio_per_round": ratios,
        "ratio_median": statistics.median(ratios),
        "target": TARGET_RATIO,
        "met": statistics.median(ratios) >= TARGET_RATIO,
        "latency_post_ms": {"p50": statistics.median(post), "max": post[-1]},
        "latency_answer_ms": {"p50": statistics.median(answer), "max": answer[-1]},
    }


def latest_section(result: dict[str, Any], summary: dict[str, Any], info: dict[str, Any]) -> str:
    commit = info["commit"] + (" (plus uncommitted changes)" if info["uncommitted_changes"] else "")
    wrk_cmd = " ".join(
        "'" + part + "'" if " " in part else part
        for part in wrk_argv(
            "http://127.0.0.1:<port>/clients/<id>", "brug_session=<token>", result["duration"]
        )
    )
    rows = [
        "| Round | Streams open | Requests/s | p50 ms | p99 ms | CPU ms/req server "
        "| Server RSS KiB | Other load |",
        "|--:|--:|--:|--:|--:|--:|--:|--:|",
    ]
    for f in result["measurements"]:
        cpu = f["cpu"]
        rows.append(
            f"| {f['round']} | {f['streams']} | {f['requests_per_s']:.1f} | "
            f"{f['latency_ms']['p50']:.2f} | {f['latency_ms']['p99']:.2f} | "
            f"{cpu['server_ms_per_request']:.2f} | {f['rss_kib']} | {cpu['other_load_pct']:.0f} % |"
        )
    ratios = ", ".join(f"{value:.2f}" for value in summary["ratio_per_round"])
    memory = result["memory"]
    post, answer = summary["latency_post_ms"], summary["latency_answer_ms"]
    return "\n".join(
        [
            LATEST_HEADING,
            "",
            f"Written by `make bench-live` on {result['date']}, commit `{commit}`; raw figures in "
            f"`bench/results/{result['results_file']}` (not in git). The run took "
            f"{result['elapsed_s']:.0f} s.",
            "",
            f"- Machine: `nproc` = {info['nproc']} ({info['cpu'] or 'unknown CPU'}), total memory "
            f"{info['memory_total']}, Linux {info['kernel']}; wrk, PostgreSQL, Redis, the servers "
            "and the stream clients on the same machine.",
            f"- Software: Python {info['python']}, PostgreSQL {result['pg_version']}, uvicorn "
            f"{info['packages']['uvicorn']}; `portal serve` in production mode, one process, "
            "sessions and live updates through Redis, heartbeat every 15 s (the default).",
            f"- The 200-event client page, {result['rounds']} rounds of no stream and "
            f"{result['streams']} streams open on that client (even rounds in reverse order), "
            f"{result['duration']} s each, with:",
            "",
            f"      {wrk_cmd}",
            "",
            *rows,
            "",
            "| Figure | Per round | Median | Target | Met |",
            "|---|---|--:|---|---|",
            f"| Client page requests/s, {result['streams']} streams open ÷ none | {ratios} | "
            f"{summary['ratio_median']:.2f} | ≥ {summary['target']:.2f} | "
            f"{'**yes**' if summary['met'] else '**no**'} |",
            "",
            f"Memory: the server's resident set was {memory['rss_before_kib']} KiB before any "
            f"stream, {memory['rss_first_kib']} KiB with {result['streams']} streams open and "
            f"{memory['rss_second_kib']} KiB with {2 * result['streams']}: "
            f"**{memory['per_stream_kib']:.1f} KiB per open stream** (first batch "
            f"{memory['first_batch_per_stream_kib']:.1f}, second "
            f"{memory['second_batch_per_stream_kib']:.1f}).",
            "",
            f"Cross-process latency ({len(result['latency'])} notes written through one process, "
            "each received on a stream of a second `portal serve` on the same database and "
            f"Redis): from sending the POST to the entry's arrival p50 {post['p50']:.1f} ms "
            f"(max {post['max']:.1f} ms); from the POST's answer p50 {answer['p50']:.1f} ms "
            f"(max {answer['max']:.1f} ms; the event is published after the commit, before the "
            "answer is sent, so this can be near zero or negative).",
            "",
        ]
    )


def rewrite_readme(section: str) -> None:
    text = README.read_text()
    start = text.find(LATEST_HEADING)
    if start == -1:
        new = text.rstrip("\n") + "\n\n" + section
    else:
        following = text.find("\n## ", start + len(LATEST_HEADING))
        rest = text[following + 1 :] if following != -1 else ""
        new = text[:start] + section + ("\n" + rest if rest else "")
    README.write_text(new.rstrip("\n") + "\n")


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        prog="python -m bench.live", description=__doc__.split("\n")[0]
    )
    parser.add_argument("--duration", type=int, default=DURATION)
    parser.add_argument("--rounds", type=int, default=ROUNDS)
    parser.add_argument("--streams", type=int, default=STREAMS)
    parser.add_argument("--samples", type=int, default=SAMPLES)
    parser.add_argument("--no-readme", action="store_true")
    args = parser.parse_args(argv)
    if shutil.which("wrk") is None:
        print("bench: wrk is not installed (BRUG_BENCH=1 bash .ci/services.sh)", file=sys.stderr)
        return 2
    date = dt.datetime.now(dt.UTC).replace(microsecond=0)
    try:
        result = run(args.duration, max(1, args.rounds), args.streams, args.samples)
    except (BenchError, ProcessError) as error:
        print(f"bench: FAILED: {error}", file=sys.stderr)
        return 1
    result |= {"date": date.isoformat().replace("+00:00", "Z"), "duration": args.duration}
    result["rounds"] = max(1, args.rounds)
    summary = summarise(result)
    info = machine()
    RESULTS_DIR.mkdir(exist_ok=True)
    name = f"live-{date.strftime('%Y%m%dT%H%M%SZ')}.json"
    result["results_file"] = name
    (RESULTS_DIR / name).write_text(
        json.dumps({"result": result, "summary": summary, "machine": info}, indent=2)
    )
    section = latest_section(result, summary, info)
    print(section)
    if not args.no_readme:
        rewrite_readme(section)
    return 0 if summary["met"] else 1


if __name__ == "__main__":
    raise SystemExit(main())
