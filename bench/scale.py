"""``make bench-scale``: each hot page at Flanders size against the same page at demo size (#19).

Needs the two databases of ``bench.flanders`` (``make bench-data SCALE=flanders`` and
``SCALE=demo``), vacuumed and analysed first (each run's page views add access-log entries). In
each, the same kind of viewer is chosen the same way: the OCMW whose number of clients is nearest to
``OCMW_CLIENTS``; in it, the client whose number of timeline events is nearest to ``FILE_EVENTS``
and that client's file holder (the social worker); the OCMW's coordinator, with this year's
evaluation (a draft, its figures computed as they stand) of the OCMW's first partnership; the first
mediator of the OCMW's VDAB team; the busiest file (most access-log entries) and its file holder.
Both portals are served as in production (``portal serve``, one worker each) at once; each page is
measured with wrk on one, then on the other (even rounds in reverse order), and the verdict is the
median over the rounds of its time per request at Flanders size over that at demo size (target ≤
1.5). Figures go to ``bench/results/`` and under "## Latest scale results" in ``bench/README.md``.
"""

from __future__ import annotations

import argparse
import asyncio
import datetime as dt
import os
import secrets
import statistics
import sys
import time
from dataclasses import dataclass
from typing import Any

import asyncpg
import httpx

from bench.run import (
    ADMIN_DSN,
    WARMUP,
    BenchError,
    _delete_session,
    _write_session,
    bench_context,
    machine,
    portal_env,
    run_wrk,
    say,
    stop,
)
from bench.sizes import Measurement, rewrite_section, rounds_text, table, write_results
from portal.core.text import fold
from portal.testing.processes import ROOT, PortalServer, free_port

SCALES = ("demo", "flanders")
OCMW_CLIENTS = 200
FILE_EVENTS = 200
DURATION = 10
ROUNDS = 3
TARGET = 1.5
LATEST_HEADING = "## Latest scale results"


@dataclass(frozen=True)
class Page:
    name: str
    viewer: str
    path: str
    """With ``{client}``, ``{busy}``, ``{name}``, ``{evaluation}`` from the viewers' choice."""


PAGES = (
    Page("start", "social_worker", "/"),
    Page("client-list", "social_worker", "/clients"),
    Page("client-search", "social_worker", "/clients?q={name}"),
    Page("client-page", "social_worker", "/clients/{client}"),
    Page("access-log", "holder", "/clients/{busy}/access-log"),
    Page("signal-queue", "coordinator", "/signals?theme=housing&state=new"),
    Page("question-queue", "mediator", "/questions"),
    Page("evaluation-figures", "coordinator", "/evaluations/{evaluation}"),
)


async def choose(database: str) -> dict[str, Any]:
    """The viewers and records of one database, chosen alike at every scale."""
    connection = await asyncpg.connect(ADMIN_DSN.rsplit("/", 1)[0] + f"/{database}")
    try:
        # Earlier runs wrote access-log entries: the statistics and visibility map as autovacuum
        # keeps them, or the planner misjudges the busiest file at one size and not the other.
        await connection.execute("VACUUM ANALYZE")
        ocmw = await connection.fetchval(
            "SELECT ocmw FROM client GROUP BY ocmw ORDER BY abs(count(*) - $1), ocmw LIMIT 1",
            OCMW_CLIENTS,
        )
        file = await connection.fetchrow(
            """
            SELECT c.id, c.file_holder, c.first_name, count(e.id) AS events
            FROM client c JOIN timeline_event e ON e.client = c.id
            WHERE c.ocmw = $1 AND c.closed_at IS NULL
            GROUP BY c.id ORDER BY abs(count(e.id) - $2), c.id LIMIT 1
            """,
            ocmw,
            FILE_EVENTS,
        )
        busy = await connection.fetchrow(
            """
            SELECT a.client_id AS id, c.file_holder, count(*) AS entries
            FROM access_log a JOIN client c ON c.id = a.client_id
            GROUP BY a.client_id, c.file_holder ORDER BY count(*) DESC, a.client_id LIMIT 1
            """
        )
        coordinator = await connection.fetchval(
            "SELECT id FROM person WHERE organisation = $1 AND 'coordinator' = ANY(roles)", ocmw
        )
        partnership = await connection.fetchrow(
            "SELECT id, vdab FROM partnership WHERE ocmw = $1 ORDER BY id LIMIT 1", ocmw
        )
        team = partnership["vdab"]
        evaluation = await connection.fetchval(
            "SELECT id FROM evaluation WHERE partnership = $1 AND state = 'draft'"
            " ORDER BY period DESC LIMIT 1",
            partnership["id"],
        )
        mediator = await connection.fetchval(
            "SELECT id FROM person WHERE organisation = $1 AND 'mediator' = ANY(roles)"
            " ORDER BY id LIMIT 1",
            team,
        )
        counts = {
            "ocmw clients": await connection.fetchval(
                "SELECT count(*) FROM client WHERE ocmw = $1", ocmw
            ),
            "clients": await connection.fetchval("SELECT count(*) FROM client"),
            "timeline events": await connection.fetchval("SELECT count(*) FROM timeline_event"),
            "access log": await connection.fetchval("SELECT count(*) FROM access_log"),
            "file events": file["events"],
            "busy file entries": busy["entries"],
            "evaluations": await connection.fetchval("SELECT count(*) FROM evaluation"),
        }
    finally:
        await connection.close()
    return {
        "people": {
            "social_worker": file["file_holder"],
            "holder": busy["file_holder"],
            "coordinator": coordinator,
            "mediator": mediator,
        },
        "values": {
            "client": file["id"],
            "busy": busy["id"],
            "name": fold(file["first_name"]),
            "evaluation": evaluation,
        },
        "counts": counts,
    }


@dataclass
class Site:
    scale: str
    database: str
    portal: PortalServer
    chosen: dict[str, Any]
    tokens: dict[str, str]

    def url(self, page: Page) -> str:
        return self.portal.url + page.path.format(**self.chosen["values"])

    def cookie(self, page: Page) -> str:
        return f"brug_session={self.tokens[page.viewer]}"

    def sessions(self) -> None:
        for viewer, token in self.tokens.items():
            asyncio.run(_write_session(token, self.chosen["people"][viewer]))


def run(duration: int, rounds: int) -> dict[str, Any]:
    started = time.monotonic()
    sites: dict[str, Site] = {}
    with bench_context() as ctx:
        try:
            for scale in SCALES:
                database = f"brug_bench_{scale}"
                chosen = asyncio.run(choose(database))
                say(f"{scale}: {chosen['counts']}; viewers {chosen['people']}")
                env = portal_env(ctx.var_dir / scale, ADMIN_DSN.rsplit("/", 1)[0] + f"/{database}")
                os.makedirs(env["PORTAL_VAR_DIR"])
                portal = PortalServer(
                    env, free_port(), "--no-access-log", "--log-level", "warning", cwd=ROOT
                )
                ctx.servers.append(portal.start())
                portal.wait_until_healthy()
                tokens = {viewer: secrets.token_urlsafe(32) for viewer in chosen["people"]}
                sites[scale] = Site(scale, database, portal, chosen, tokens)
                sites[scale].sessions()
            sizes: dict[str, int] = {}
            for site in sites.values():
                for page in PAGES:
                    response = httpx.get(
                        site.url(page), headers={"Cookie": site.cookie(page)}, timeout=300
                    )
                    if response.status_code != 200:
                        raise BenchError(f"{site.scale} {page.name}: {response.status_code}")
                    sizes[f"{page.name}@{site.scale}"] = len(response.content)
            for site in sites.values():
                for page in PAGES:
                    run_wrk(site.url(page), site.cookie(page), WARMUP)
            measurements: list[Measurement] = []
            for round_no in range(1, rounds + 1):
                order = SCALES if round_no % 2 else tuple(reversed(SCALES))
                for page in PAGES:
                    for scale in order:
                        site = sites[scale]
                        site.sessions()
                        url = site.url(page)
                        figures = run_wrk(
                            url, site.cookie(page), duration, site.portal.pid, site.database
                        )
                        target = f"{page.name}@{scale}"
                        measurements.append(
                            Measurement(target, page.name, 0, round_no, url, figures)
                        )
                        cpu = figures["cpu"]
                        say(
                            f"  round {round_no} {target}: {figures['requests_per_s']:.1f} req/s, "
                            f"CPU/request {cpu['server_ms_per_request']:.2f} ms server + "
                            f"{cpu['postgres_ms_per_request']:.2f} ms PostgreSQL"
                        )
        finally:
            for site in sites.values():
                for token in site.tokens.values():
                    asyncio.run(_delete_session(token))
            for site in sites.values():
                stop(site.portal)
                ctx.servers.remove(site.portal)
    return {
        "chosen": {scale: site.chosen for scale, site in sites.items()},
        "bytes": sizes,
        "measurements": measurements,
        "elapsed_s": round(time.monotonic() - started, 1),
    }


def summarise(measurements: list[Measurement], rounds: int) -> dict[str, Any]:
    """Per page and round: time per request at Flanders size over demo size (inverse req/s)."""

    def rate(page: str, scale: str, round_no: int) -> float:
        return next(
            m.figures["requests_per_s"]
            for m in measurements
            if (m.target, m.round) == (f"{page}@{scale}", round_no)
        )

    pages: dict[str, Any] = {}
    for page in PAGES:
        ratios = [
            rate(page.name, "demo", r) / rate(page.name, "flanders", r)
            for r in range(1, rounds + 1)
        ]
        median = statistics.median(ratios)
        pages[page.name] = {"ratios": ratios, "median": median, "met": median <= TARGET}
    return {"pages": pages, "all_met": all(p["met"] for p in pages.values())}


def latest_section(result: dict[str, Any], summary: dict[str, Any], info: dict[str, Any]) -> str:
    chosen = result["chosen"]
    lines = [
        LATEST_HEADING,
        "",
        f"Written by `make bench-scale` on {result['date']}, commit `{info['commit']}`; raw "
        f"figures in `bench/results/{result['results_file']}` (not in git). The whole run took "
        f"{result['elapsed_s']:.0f} s.",
        "",
        f"- Machine: `nproc` = {info['nproc']} ({info['cpu']}), {info['memory_total']} of memory, "
        f"Linux {info['kernel']}; wrk, PostgreSQL and both portals on the same machine.",
        "- Databases: "
        + "; ".join(f"`brug_bench_{scale}` {chosen[scale]['counts']}" for scale in SCALES)
        + ".",
        f"- wrk -t2 -c16, {result['duration']} s per measurement, {result['rounds']} rounds.",
        "",
        *table(result["measurements"]),
        "",
        "| Page | Flanders ÷ demo, time per request, per round | Median | Target | Met |",
        "|---|---|--:|---|---|",
    ]
    for name, page in summary["pages"].items():
        lines.append(
            f"| {name} | {rounds_text(page['ratios'])} | {page['median']:.2f} | ≤ {TARGET} | "
            f"{'yes' if page['met'] else '**no**'} |"
        )
    return "\n".join(lines) + "\n"


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        prog="python -m bench.scale", description=__doc__.split("\n")[0]
    )
    parser.add_argument("--duration", type=int, default=DURATION)
    parser.add_argument("--rounds", type=int, default=ROUNDS)
    parser.add_argument("--no-readme", action="store_true")
    args = parser.parse_args(argv)
    date = dt.datetime.now(dt.UTC)
    result = run(args.duration, args.rounds)
    result |= {
        "date": date.isoformat(timespec="seconds"),
        "duration": args.duration,
        "rounds": args.rounds,
    }
    summary = summarise(result["measurements"], args.rounds)
    info = machine()
    write_results("scale", date, result, result["measurements"], summary, info)
    for name, page in summary["pages"].items():
        say(f"{name}: Flanders ÷ demo {rounds_text(page['ratios'])} → {page['median']:.2f}")
    if not args.no_readme:
        rewrite_section(LATEST_HEADING, latest_section(result, summary, info))
    return 0 if summary["all_met"] else 1


if __name__ == "__main__":
    sys.exit(main())
