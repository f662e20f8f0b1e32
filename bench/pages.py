"""``make bench-pages``: the pages opened most after the client page, each against a bare baseline
measured in the same run: a social worker's start page, their OCMW's signal queue (filtered by
theme and state as ``bench.signal_queue`` measures it, and unfiltered for information) and a VDAB
mediator's question queue.

Steps: recreate the PostgreSQL database ``brug_bench_pages``; ``portal migrate``; seed it
(``python -m bench.pages --seed``, its own process: ``bench.pages_world``); write a session for
the social worker and one for the mediator straight into Redis (production has no development
login); time each page serially as the cluster's PostgreSQL is configured (JIT included), then
turn JIT off for this database (``--jit default`` keeps it); serve the portal as in production
(``portal serve``, ``PORTAL_ENV=production``) and the baselines (``bench.baselines`` under
uvicorn), one worker each; check that every page and its baseline answer 200 and show the same
rows and counts, and what the seed says; warm up; measure with wrk, each page next to its
baseline in every round (even rounds in reverse order); print a table, save the raw figures under
``bench/results/`` and rewrite "## Latest page results" in ``bench/README.md``.

Options: ``--duration`` (seconds per measurement), ``--rounds``, ``--jit``, ``--no-readme``.
"""

from __future__ import annotations

import argparse
import asyncio
import datetime as dt
import json
import os
import secrets
import shutil
import statistics
import sys
import time
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import asyncpg
import httpx

from bench import pages_check
from bench.run import (
    ADMIN_DSN,
    README,
    ROOT,
    WARMUP,
    BenchError,
    Context,
    _delete_session,
    _recreate_database,
    _write_session,
    baseline_server,
    bench_context,
    machine,
    portal_env,
    run_wrk,
    say,
    stop,
    wrk_argv,
)
from bench.sizes import Measurement, rewrite_section, rounds_text, table, write_results
from portal.testing.processes import (
    BIN,
    PortalServer,
    ProcessError,
    checked,
    free_port,
    run_command,
    run_portal_ok,
)

DB_NAME = "brug_bench_pages"
DATABASE_URL = ADMIN_DSN.rsplit("/", 1)[0] + f"/{DB_NAME}"
DURATION = 15
ROUNDS = 3
TARGET_RATIO = 0.33  # page requests/s ÷ its baseline's requests/s, at least
SERIAL_REQUESTS = 3
"""Requests per page timed one after the other, for the serial times with and without JIT."""
LATEST_HEADING = "## Latest page results"


@dataclass(frozen=True)
class Page:
    name: str
    path: str
    """On the portal."""
    baseline: str
    """On the baselines' app; ``{person}`` is the viewer's id."""
    viewer: str
    """``social_worker`` or ``mediator``: the seed's key of the person."""
    read: pages_check.Reader
    title: str
    verdict: bool = True


PAGES = (
    Page(
        "start",
        "/",
        "/start/{person}",
        "social_worker",
        pages_check.start,
        "Start page of a social worker (`GET /`)",
    ),
    Page(
        "queue",
        "/signals?theme=housing&state=new",
        "/signals/{person}?theme=housing&state=new",
        "social_worker",
        pages_check.signal_queue,
        "Signal queue of the OCMW, filtered (`GET /signals?theme=housing&state=new`)",
    ),
    Page(
        "queue-open",
        "/signals",
        "/signals/{person}",
        "social_worker",
        pages_check.signal_queue,
        "Signal queue of the OCMW, the open signals unfiltered (`GET /signals`)",
        verdict=False,
    ),
    Page(
        "questions",
        "/questions",
        "/questions/{person}",
        "mediator",
        pages_check.question_queue,
        "Question queue of a VDAB mediator (`GET /questions`)",
    ),
)
TARGETS = tuple(target for page in PAGES for target in (f"{page.name}-baseline", page.name))


def page_of(target: str) -> Page:
    return next(page for page in PAGES if target in (page.name, f"{page.name}-baseline"))


# --- the database ------------------------------------------------------------------------------


async def _set_jit(off: bool) -> str:
    """JIT off for the bench database's new sessions (or back to the cluster's setting); the
    cluster's own setting."""
    conn = await asyncpg.connect(ADMIN_DSN)
    try:
        if off:
            await conn.execute(f'ALTER DATABASE "{DB_NAME}" SET jit = off')
        else:
            await conn.execute(f'ALTER DATABASE "{DB_NAME}" RESET jit')
        return str(await conn.fetchval("SHOW jit"))
    finally:
        await conn.close()


# --- serving, checking, timing -----------------------------------------------------------------


@dataclass
class Site:
    portal: PortalServer
    baseline_url: str
    seed: dict[str, Any]
    cookies: dict[str, str]

    def url(self, target: str) -> str:
        page = page_of(target)
        if target == page.name:
            return f"{self.portal.url}{page.path}"
        person = self.seed[page.viewer]
        return f"{self.baseline_url}{page.baseline.format(person=person)}"

    def cookie(self, target: str) -> str:
        return self.cookies[page_of(target).viewer]


def _get(url: str, cookie: str) -> httpx.Response:
    response = httpx.get(url, headers={"Cookie": cookie}, timeout=120, follow_redirects=False)
    if response.status_code != 200:
        raise BenchError(f"GET {url} answered {response.status_code}, not 200")
    return response


def check(site: Site) -> dict[str, int]:
    """Every page and its baseline show the same, and what the seed says; the portal without a
    session sends to the login. Returns the body size of every target."""
    sizes: dict[str, int] = {}
    for page in PAGES:
        person = int(site.seed[page.viewer])
        portal = _get(site.url(page.name), site.cookie(page.name))
        baseline = _get(site.url(f"{page.name}-baseline"), "")
        shown = page.read(portal.text, person)
        pages_check.same(page.name, shown, page.read(baseline.text, person))
        pages_check.expected(page.name, shown, site.seed)
        sizes[page.name], sizes[f"{page.name}-baseline"] = (
            len(portal.content),
            len(baseline.content),
        )
        anonymous = httpx.get(site.url(page.name), timeout=30, follow_redirects=False)
        if anonymous.status_code != 303:
            raise BenchError(f"{page.name} without a session answered {anonymous.status_code}")
    return sizes


def serial_ms(
    site: Site, targets: tuple[str, ...], requests: int = SERIAL_REQUESTS
) -> dict[str, float]:
    """Median wall time of ``requests`` requests one after the other, after one warm-up."""
    times: dict[str, float] = {}
    for target in targets:
        url, cookie = site.url(target), site.cookie(target)
        _get(url, cookie)
        took = []
        for _ in range(requests):
            started = time.perf_counter()
            _get(url, cookie)
            took.append((time.perf_counter() - started) * 1000)
        times[target] = round(statistics.median(took), 1)
    return times


def _portal(ctx: Context, env: dict[str, str]) -> PortalServer:
    server = PortalServer(env, free_port(), "--no-access-log", "--log-level", "warning", cwd=ROOT)
    ctx.servers.append(server.start())
    server.wait_until_healthy()
    return server


def _stop(ctx: Context, server: PortalServer) -> None:
    stop(server)
    ctx.servers.remove(server)


def _log(target: str, round_no: int, figures: dict[str, Any]) -> None:
    cpu = figures["cpu"]
    say(
        f"  round {round_no} {target}: {figures['requests_per_s']:.1f} req/s, "
        f"p50 {figures['latency_ms']['p50']:.2f} ms, CPU/request "
        f"{cpu['server_ms_per_request']:.2f} ms server + {cpu['postgres_ms_per_request']:.2f} ms "
        f"PostgreSQL, other load {cpu['other_load_pct']:.0f} %"
    )


def run(duration: int, rounds: int, jit_off: bool) -> dict[str, Any]:
    started = time.monotonic()
    mediator_token = secrets.token_urlsafe(32)
    with bench_context() as ctx:
        say(f"recreating database {DB_NAME}")
        pg_version = asyncio.run(_recreate_database(DB_NAME))
        env = portal_env(ctx.var_dir / "portal", DATABASE_URL)
        os.makedirs(env["PORTAL_VAR_DIR"])
        run_portal_ok(env, "migrate", cwd=ROOT)
        say("seeding: organisations and people through the services, the rest in bulk")
        t0 = time.monotonic()
        argv = [str(BIN / "python"), "-m", "bench.pages", "--seed"]
        seed = json.loads(checked(run_command(argv, env, cwd=ROOT, timeout=1800)).splitlines()[-1])
        seed["seconds"] = round(time.monotonic() - t0, 1)
        say(f"seeded in {seed['seconds']:.0f} s: {seed['counts']}")

        ctx.token = secrets.token_urlsafe(32)
        tokens = {"social_worker": ctx.token, "mediator": mediator_token}
        try:
            for viewer, token in tokens.items():
                asyncio.run(_write_session(token, seed[viewer]))
            cookies = {viewer: f"brug_session={token}" for viewer, token in tokens.items()}
            cluster_jit = asyncio.run(_set_jit(off=False))
            site = Site(_portal(ctx, env), "", seed, cookies)
            say(f"serial times with the cluster's jit = {cluster_jit} (may take a minute)")
            serial_default = serial_ms(site, tuple(page.name for page in PAGES))
            say(f"  {serial_default}")
            if jit_off:
                _stop(ctx, site.portal)
                asyncio.run(_set_jit(off=True))
                site.portal = _portal(ctx, env)
            baseline = baseline_server(free_port(), "bench.baselines:app", DATABASE_URL)
            ctx.servers.append(baseline.start())
            baseline.wait_until_answers(f"/questions/{seed['mediator']}")
            site.baseline_url = baseline.url
            serial = serial_ms(site, TARGETS)
            say(f"serial times as measured (jit {'off' if jit_off else cluster_jit}): {serial}")

            sizes = check(site)
            say("every page and its baseline show the same rows and counts; without a session: 303")
            for target in TARGETS:
                say(f"warming up {target} ({WARMUP} s)")
                run_wrk(site.url(target), site.cookie(target), WARMUP)

            measurements: list[Measurement] = []
            for round_no in range(1, rounds + 1):
                for target in TARGETS if round_no % 2 else tuple(reversed(TARGETS)):
                    for viewer, token in tokens.items():
                        asyncio.run(_write_session(token, seed[viewer]))
                    pid = (baseline if target.endswith("-baseline") else site.portal).pid
                    url = site.url(target)
                    figures = run_wrk(url, site.cookie(target), duration, pid, DB_NAME)
                    page = page_of(target).name
                    measurements.append(Measurement(target, page, 0, round_no, url, figures))
                    _log(target, round_no, figures)
            check(site)
        finally:
            asyncio.run(_delete_session(mediator_token))

    return {
        "pg_version": pg_version,
        "seed": seed,
        "bytes": sizes,
        "jit": {"cluster": cluster_jit, "measured": "off" if jit_off else cluster_jit},
        "serial_ms": {"cluster_jit": serial_default, "measured": serial},
        "measurements": measurements,
        "elapsed_s": round(time.monotonic() - started, 1),
    }


# --- summarising -------------------------------------------------------------------------------


def summarise(measurements: list[Measurement], rounds: int) -> dict[str, Any]:
    """Per page, its requests/s over its baseline's in each round, and the median (the verdict);
    by CPU per request (server + PostgreSQL; the baseline's over the page's) for information."""

    def figure(target: str, round_no: int, read: Callable[[dict[str, Any]], float]) -> float:
        return next(
            read(m.figures) for m in measurements if (m.target, m.round) == (target, round_no)
        )

    def rps(f: dict[str, Any]) -> float:
        return float(f["requests_per_s"])

    def cpu(f: dict[str, Any]) -> float:
        return float(f["cpu"]["server_ms_per_request"] + f["cpu"]["postgres_ms_per_request"])

    numbers = range(1, rounds + 1)
    ratios: dict[str, Any] = {}
    for page in PAGES:
        base = f"{page.name}-baseline"
        per_round = [figure(page.name, r, rps) / figure(base, r, rps) for r in numbers]
        by_cpu = [figure(base, r, cpu) / figure(page.name, r, cpu) for r in numbers]
        ratios[page.name] = {
            "per_round": per_round,
            "median": statistics.median(per_round),
            "by_cpu_per_round": by_cpu,
            "by_cpu_median": statistics.median(by_cpu),
            "target": TARGET_RATIO if page.verdict else None,
            "met": statistics.median(per_round) >= TARGET_RATIO if page.verdict else None,
        }
    return {
        "median_requests_per_s": {
            t: statistics.median(figure(t, r, rps) for r in numbers) for t in TARGETS
        },
        "median_cpu_ms": {
            t: statistics.median(figure(t, r, cpu) for r in numbers) for t in TARGETS
        },
        "ratios": ratios,
    }


def ratio_lines(summary: dict[str, Any]) -> list[str]:
    lines = ["| Ratio | Per round | Median | Target | Met |", "|---|---|--:|---|---|"]
    for page in PAGES:
        ratio = summary["ratios"][page.name]
        prefix = "" if page.verdict else "*For information:* "
        target = f"≥ {ratio['target']}" if page.verdict else ""
        met = ("**yes**" if ratio["met"] else "**no**") if page.verdict else ""
        lines.append(
            f"| {prefix}{page.title} ÷ its baseline, requests/s | "
            f"{rounds_text(ratio['per_round'])} | {ratio['median']:.2f} | {target} | {met} |"
        )
    for page in PAGES:
        ratio = summary["ratios"][page.name]
        lines.append(
            f"| *For information:* {page.name} ÷ its baseline by CPU per request (server + "
            f"PostgreSQL; the baseline's ÷ the page's) | {rounds_text(ratio['by_cpu_per_round'])} "
            f"| {ratio['by_cpu_median']:.2f} | | |"
        )
    return lines


def latest_section(result: dict[str, Any], summary: dict[str, Any], info: dict[str, Any]) -> str:
    pkgs = info["packages"]
    commit = info["commit"] + (" (plus uncommitted changes)" if info["uncommitted_changes"] else "")
    wrk_cmd = " ".join(
        "'" + part + "'" if " " in part else part
        for part in wrk_argv("<url>", "brug_session=<token>", result["duration"])
    )
    seed, jit, serial = result["seed"], result["jit"], result["serial_ms"]
    counts = seed["counts"]
    expected = seed["expected"]
    serial_default = ", ".join(f"{t} {ms:,.0f}" for t, ms in serial["cluster_jit"].items())
    serial_measured = ", ".join(f"{t} {ms:,.1f}" for t, ms in serial["measured"].items())
    page_bytes = ", ".join(f"{target} {size:,}" for target, size in result["bytes"].items())
    measured = result["measurements_objects"]
    loads = [m.figures["cpu"]["other_load_pct"] for m in measured]
    timeouts = [
        f"{m.target} round {m.round}: {m.figures['socket_errors']['timeout']}"
        for m in measured
        if m.figures["socket_errors"]["timeout"]
    ]
    late = (
        "wrk's socket timeouts (requests not answered within its 2 s, so not counted): "
        + "; ".join(timeouts)
        + "."
        if timeouts
        else "No socket timeouts."
    )
    return "\n".join(
        [
            LATEST_HEADING,
            "",
            f"Written by `make bench-pages` on {result['date']}, commit `{commit}`; raw figures "
            f"in `bench/results/{result['results_file']}` (not in git). The whole run took "
            f"{result['elapsed_s']:.0f} s.",
            "",
            f"- Machine: `nproc` = {info['nproc']} ({info['cpu'] or 'unknown CPU'}), "
            f"`free -h` total memory {info['memory_total']}, Linux {info['kernel']}; wrk, "
            f"PostgreSQL, the portal and the baselines on the same machine. Other load during "
            f"the rounds: {min(loads):.0f}–{max(loads):.0f} % of all cores (other work on the "
            "machine).",
            f"- Software: Python {info['python']}, PostgreSQL {result['pg_version']}, Litestar "
            f"{pkgs['litestar']}, Piccolo {pkgs['piccolo']}, asyncpg {pkgs['asyncpg']}, Jinja2 "
            f"{pkgs['jinja2']}, uvicorn {pkgs['uvicorn']} (uvloop {pkgs['uvloop']}, httptools "
            f"{pkgs['httptools']}), one worker process per server; sessions in Redis.",
            f"- Seeded (in {seed['seconds']:.0f} s): {counts['clients']:,} client files of two "
            f"OCMWs, {counts['events']:,} timeline events, {counts['signals']:,} signals "
            f"({expected['signals']['default']:,} open, {expected['signals']['filtered']} new in "
            f"Housing), {counts['questions']:,} referral questions "
            f"({expected['questions_waiting']} waiting for the team).",
            f"- PostgreSQL JIT: the cluster has `jit = {jit['cluster']}`; measured with "
            f"`jit = {jit['measured']}` on `{DB_NAME}`. Serial time per page (ms, median of "
            f"{SERIAL_REQUESTS}) with the cluster's setting: {serial_default}; as measured: "
            f"{serial_measured}.",
            f"- Responses (bytes): {page_bytes}.",
            f"- Order: {WARMUP} s warm-up of each target, then {result['rounds']} rounds of "
            f"every page next to its baseline (even rounds in reverse order), "
            f"{result['duration']} s each, with:",
            "",
            f"      {wrk_cmd}",
            "",
            *table(measured),
            "",
            late,
            "",
            *ratio_lines(summary),
            "",
            "The verdicts use the median of the per-round ratios (each round measures a page and "
            "its baseline one after the other).",
            "",
        ]
    )


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        prog="python -m bench.pages", description=__doc__.split("\n")[0]
    )
    parser.add_argument("--duration", type=int, default=DURATION, help="seconds per measurement")
    parser.add_argument("--rounds", type=int, default=ROUNDS)
    parser.add_argument(
        "--jit",
        choices=("off", "default"),
        default="off",
        help="measure with PostgreSQL's JIT off for the bench database (default), or as the "
        "cluster has it",
    )
    parser.add_argument("--no-readme", action="store_true", help="leave bench/README.md alone")
    parser.add_argument("--seed", action="store_true", help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    if args.seed:
        from bench.pages_world import seed

        if not os.environ.get("PORTAL_DATABASE_URL", "").startswith("postgresql://"):
            print("--seed: PORTAL_DATABASE_URL must name a PostgreSQL database", file=sys.stderr)
            return 2
        print(json.dumps(asyncio.run(seed()), default=str))
        return 0
    if shutil.which("wrk") is None:
        print("bench: wrk is not installed (BRUG_BENCH=1 bash .ci/services.sh)", file=sys.stderr)
        return 2
    rounds = max(1, args.rounds)
    date = dt.datetime.now(dt.UTC).replace(microsecond=0)
    try:
        result = run(args.duration, rounds, args.jit == "off")
    except (BenchError, ProcessError) as error:
        print(f"bench: FAILED: {error}", file=sys.stderr)
        return 1
    measurements: list[Measurement] = result.pop("measurements")
    summary = summarise(measurements, rounds)
    info = machine()
    result.update(
        date=date.isoformat().replace("+00:00", "Z"), duration=args.duration, rounds=rounds
    )
    write_results("pages", date, result, measurements, summary, info)
    print()
    print("\n".join(table(measurements)))
    print()
    print("\n".join(ratio_lines(summary)))
    print()
    if not args.no_readme:
        section = latest_section({**result, "measurements_objects": measurements}, summary, info)
        rewrite_section(LATEST_HEADING, section)
        say(f"updated {README.relative_to(ROOT)}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
