"""One page of the portal on a small and a large database, measured in the same run: the shared
runner of ``bench.signal_queue`` and ``bench.start_page``.

Each size gets its own PostgreSQL database (recreated, ``portal migrate``d, then seeded by
``python -m <module> --seed N``, which prints one JSON line) and its own portal served as in
production; one social worker's session is written into Redis; every page is checked, warmed up
and measured with wrk in rounds, the two sizes of a page adjacent in every round (even rounds in
reverse order, so that a drift over the run does not always favour the same size).
"""

from __future__ import annotations

import argparse
import asyncio
import datetime as dt
import json
import os
import secrets
import statistics
import sys
import time
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from typing import Any
from urllib.parse import urlencode

import httpx

from bench.run import (
    ADMIN_DSN,
    README,
    RESULTS_DIR,
    ROOT,
    WARMUP,
    BenchError,
    _recreate_database,
    _write_session,
    bench_context,
    machine,
    portal_env,
    run_wrk,
    say,
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


@dataclass
class Measurement:
    target: str
    page: str
    size: int
    round: int
    url: str
    figures: dict[str, Any]


def label(size: int) -> str:
    return f"{size // 1000}k"


Check = Callable[[str, str, dict[str, Any], str], int]
"""(url, cookie, the size's seed, page name) → the body's size; raises ``BenchError``."""


@dataclass(frozen=True)
class SizeBench:
    module: str
    """Seeds a database with ``python -m <module> --seed N``."""
    db_prefix: str
    path: str
    pages: dict[str, dict[str, str]]
    """Name → query parameters of ``path``; the first page carries the verdict."""
    check: Check
    seed_timeout: int = 1800


def run(bench: SizeBench, sizes: tuple[int, ...], duration: int, rounds: int) -> dict[str, Any]:
    started = time.monotonic()
    with bench_context() as ctx:
        seeds: dict[int, dict[str, Any]] = {}
        servers: dict[int, PortalServer] = {}
        databases: dict[int, str] = {}
        pg_version = ""
        for size in sizes:
            name = databases[size] = f"{bench.db_prefix}{label(size)}"
            say(f"recreating database {name}")
            pg_version = asyncio.run(_recreate_database(name))
            database_url = ADMIN_DSN.rsplit("/", 1)[0] + f"/{name}"
            env = portal_env(ctx.var_dir / label(size), database_url)
            os.makedirs(env["PORTAL_VAR_DIR"])
            run_portal_ok(env, "migrate", cwd=ROOT)
            say(f"seeding size {size:,} in bulk")
            t0 = time.monotonic()
            argv = [str(BIN / "python"), "-m", bench.module, "--seed", str(size)]
            out = checked(run_command(argv, env, cwd=ROOT, timeout=bench.seed_timeout))
            seeds[size] = json.loads(out.strip().splitlines()[-1])
            seeds[size]["seconds"] = round(time.monotonic() - t0, 1)
            say(f"seeded in {seeds[size]['seconds']:.1f} s")
            server = PortalServer(
                env, free_port(), "--no-access-log", "--log-level", "warning", cwd=ROOT
            )
            ctx.servers.append(server.start())
            servers[size] = server

        token = secrets.token_urlsafe(32)
        ctx.token = token
        person = {seeds[size]["person_id"] for size in sizes}
        if len(person) != 1:
            raise BenchError(f"the measured person differs between the databases: {person}")
        person_id = person.pop()
        asyncio.run(_write_session(token, person_id))
        cookie = f"brug_session={token}"

        urls: dict[str, str] = {}
        sizes_bytes: dict[str, int] = {}
        for size, server in servers.items():
            server.wait_until_healthy()
            for page, params in bench.pages.items():
                target = f"{page}-{label(size)}"
                query = urlencode(params)
                urls[target] = f"{server.url}{bench.path}" + (f"?{query}" if query else "")
                sizes_bytes[target] = bench.check(urls[target], cookie, seeds[size], page)
            anonymous = httpx.get(f"{server.url}{bench.path}", timeout=10, follow_redirects=False)
            if anonymous.status_code != 303:
                raise BenchError(f"the page without a session answered {anonymous.status_code}")
        say("every page answers 200 with what it must show; without the session: 303 to login")

        targets = [f"{page}-{label(size)}" for page in bench.pages for size in sizes]
        for target in targets:
            say(f"warming up {target} ({WARMUP} s)")
            run_wrk(urls[target], cookie, WARMUP)

        measurements: list[Measurement] = []
        for round_no in range(1, rounds + 1):
            for target in targets if round_no % 2 else list(reversed(targets)):
                asyncio.run(_write_session(token, person_id))
                say(f"round {round_no}: {target} ({duration} s)")
                page, size_label = target.rsplit("-", 1)
                size = next(s for s in sizes if label(s) == size_label)
                pid = servers[size].pid
                figures = run_wrk(urls[target], cookie, duration, pid, databases[size])
                measurements.append(
                    Measurement(target, page, size, round_no, urls[target], figures)
                )
                cpu = figures["cpu"]
                say(
                    f"  {figures['requests_per_s']:.1f} req/s, "
                    f"p50 {figures['latency_ms']['p50']:.2f} ms, "
                    f"CPU/request {cpu['server_ms_per_request']:.2f} ms server + "
                    f"{cpu['postgres_ms_per_request']:.2f} ms PostgreSQL, "
                    f"other load {cpu['other_load_pct']:.0f} %"
                )
        for size in sizes:
            for page in bench.pages:
                bench.check(urls[f"{page}-{label(size)}"], cookie, seeds[size], page)

    return {
        "pg_version": pg_version,
        "seeds": {label(size): seed for size, seed in seeds.items()},
        "sizes": sizes,
        "bytes": sizes_bytes,
        "measurements": measurements,
        "elapsed_s": round(time.monotonic() - started, 1),
    }


def summarise(
    measurements: list[Measurement],
    pages: dict[str, Any],
    sizes: tuple[int, ...],
    rounds: int,
    target_ratio: float,
) -> dict[str, Any]:
    """Per page, the large size's time per request over the small one's, per round and as a
    median; by requests/s (the verdict, on the first page), CPU and p50 latency."""
    small, large = label(min(sizes)), label(max(sizes))

    def figure(target: str, round_no: int, read: Callable[[dict[str, Any]], float]) -> float:
        return next(
            read(m.figures) for m in measurements if (m.target, m.round) == (target, round_no)
        )

    def rps(f: dict[str, Any]) -> float:
        return float(f["requests_per_s"])

    def cpu(f: dict[str, Any]) -> float:
        return float(f["cpu"]["server_ms_per_request"] + f["cpu"]["postgres_ms_per_request"])

    def db_cpu(f: dict[str, Any]) -> float:
        return float(f["cpu"]["postgres_ms_per_request"])

    def p50(f: dict[str, Any]) -> float:
        return float(f["latency_ms"]["p50"])

    numbers = range(1, rounds + 1)
    verdict = next(iter(pages))
    ratios: dict[str, Any] = {}
    for page in pages:
        a, b = f"{page}-{small}", f"{page}-{large}"
        per_round = [figure(a, r, rps) / figure(b, r, rps) for r in numbers]
        by_cpu = [figure(b, r, cpu) / figure(a, r, cpu) for r in numbers]
        by_p50 = [figure(b, r, p50) / figure(a, r, p50) for r in numbers]
        ratios[page] = {
            "per_round": per_round,
            "median": statistics.median(per_round),
            "by_cpu_per_round": by_cpu,
            "by_cpu_median": statistics.median(by_cpu),
            "p50_per_round": by_p50,
            "p50_median": statistics.median(by_p50),
            "postgres_ms": {
                small: statistics.median(figure(a, r, db_cpu) for r in numbers),
                large: statistics.median(figure(b, r, db_cpu) for r in numbers),
            },
            "target": target_ratio if page == verdict else None,
        }
    ratios[verdict]["met"] = ratios[verdict]["median"] <= target_ratio
    return {
        "median_requests_per_s": {
            m: statistics.median(figure(m, r, rps) for r in numbers)
            for m in sorted({m.target for m in measurements})
        },
        "ratios": ratios,
        "small": small,
        "large": large,
    }


def table(measurements: list[Measurement]) -> list[str]:
    lines = [
        "| Target | Round | Requests/s | p50 ms | p90 ms | p99 ms | Requests | Not 200 "
        "| CPU ms/req server | CPU ms/req PostgreSQL | Other load |",
        "|---|--:|--:|--:|--:|--:|--:|--:|--:|--:|--:|",
    ]
    for m in measurements:
        f, lat, cpu = m.figures, m.figures["latency_ms"], m.figures["cpu"]
        lines.append(
            f"| {m.target} | {m.round} | {f['requests_per_s']:.1f} | {lat['p50']:.2f} | "
            f"{lat['p90']:.2f} | {lat['p99']:.2f} | {f['requests']} | {f['not_200']} | "
            f"{cpu['server_ms_per_request']:.2f} | {cpu['postgres_ms_per_request']:.2f} | "
            f"{cpu['other_load_pct']:.0f} % |"
        )
    return lines


def rounds_text(values: list[float]) -> str:
    return ", ".join(f"{v:.2f}" for v in values)


def rewrite_section(heading: str, section: str) -> None:
    """Replace the section of ``bench/README.md`` under ``heading`` (or add it at the end)."""
    text = README.read_text()
    start = text.find(heading)
    if start == -1:
        new = text.rstrip("\n") + "\n\n" + section
    else:
        following = text.find("\n## ", start + len(heading))
        rest = text[following + 1 :] if following != -1 else ""
        new = text[:start] + section + ("\n" + rest if rest else "")
    README.write_text(new.rstrip("\n") + "\n")


def write_results(
    prefix: str,
    date: dt.datetime,
    result: dict[str, Any],
    measurements: list[Measurement],
    summary: dict[str, Any],
    info: dict[str, Any],
) -> str:
    """Save the raw figures under ``bench/results/``; returns the file's name."""
    RESULTS_DIR.mkdir(exist_ok=True)
    results_file = f"{prefix}-{date.strftime('%Y%m%dT%H%M%SZ')}.json"
    result["results_file"] = results_file
    raw = {
        **result,
        "machine": info,
        "measurements": [
            {"target": m.target, "round": m.round, "url": m.url, **m.figures} for m in measurements
        ],
        "summary": summary,
    }
    (RESULTS_DIR / results_file).write_text(json.dumps(raw, indent=2, default=str) + "\n")
    say(f"raw figures: {RESULTS_DIR.relative_to(ROOT) / results_file}")
    return results_file


Seed = Callable[[int], Awaitable[dict[str, Any]]]
Section = Callable[[dict[str, Any], dict[str, Any], dict[str, Any]], str]


@dataclass(frozen=True)
class Report:
    prefix: str
    """Of the raw figures' file name."""
    heading: str
    """Of the section of ``bench/README.md`` the run rewrites."""
    section: Section
    ratio_lines: Callable[[dict[str, Any]], list[str]]
    target_ratio: float


def main_for(
    bench: SizeBench,
    report: Report,
    seed: Seed,
    defaults: tuple[tuple[int, ...], int, int],
    argv: list[str] | None,
    description: str,
) -> int:
    """The command line of a two-size bench: ``--seed N`` (in the seeding process), or a run."""
    sizes_default, duration, rounds_default = defaults
    parser = argparse.ArgumentParser(prog=f"python -m {bench.module}", description=description)
    parser.add_argument("--duration", type=int, default=duration, help="seconds per measurement")
    parser.add_argument("--rounds", type=int, default=rounds_default)
    parser.add_argument("--sizes", default=",".join(str(s) for s in sizes_default))
    parser.add_argument("--no-readme", action="store_true", help="leave bench/README.md alone")
    parser.add_argument("--seed", type=int, help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    if args.seed is not None:
        if not os.environ.get("PORTAL_DATABASE_URL", "").startswith("postgresql://"):
            print("--seed: PORTAL_DATABASE_URL must name a PostgreSQL database", file=sys.stderr)
            return 2
        print(json.dumps(asyncio.run(seed(args.seed))))
        return 0
    sizes = tuple(sorted(int(s) for s in args.sizes.split(",")))
    if len(sizes) != 2:
        print("--sizes: two sizes, the small one and the large one", file=sys.stderr)
        return 2
    rounds = max(1, args.rounds)
    date = dt.datetime.now(dt.UTC).replace(microsecond=0)
    try:
        result = run(bench, sizes, args.duration, rounds)
    except (BenchError, ProcessError) as error:
        print(f"bench: FAILED: {error}", file=sys.stderr)
        return 1
    measurements: list[Measurement] = result.pop("measurements")
    summary = summarise(measurements, bench.pages, sizes, rounds, report.target_ratio)
    info = machine()
    result.update(
        date=date.isoformat().replace("+00:00", "Z"), duration=args.duration, rounds=rounds
    )
    write_results(report.prefix, date, result, measurements, summary, info)
    print()
    print("\n".join(table(measurements)))
    print()
    print("\n".join(report.ratio_lines(summary)))
    print()
    if not args.no_readme:
        section = report.section({**result, "measurements_objects": measurements}, summary, info)
        rewrite_section(report.heading, section)
        say(f"updated {README.relative_to(ROOT)}")
    return 0
