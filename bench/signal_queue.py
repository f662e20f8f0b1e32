"""``make bench-queue``: the OCMW's signal queue with 100,000 signals against the same queue with
1,000, filtered by theme and state, as a social worker of that OCMW sees it.

Steps: recreate the PostgreSQL databases ``brug_bench_queue_1k`` and ``brug_bench_queue_100k``;
``portal migrate`` each; seed each (``python -m bench.signal_queue --seed N``): the
organisations, people and routes through the portal's services or as rows, then 400 client files
and N signals for one OCMW in bulk (``COPY``), drawn by the same generator (three years of
signals, their state by their age: most closed), then ``VACUUM ANALYZE``; write a session for
the social worker straight into Redis (production has no development login); serve each
database as in production (``portal serve``, ``PORTAL_ENV=production``, one worker each); check
that each page answers 200 with the expected count and rows; warm up; measure with wrk, the two
sizes of one page adjacent in every round; print a table, save the raw figures under
``bench/results/`` and rewrite "## Latest queue results" in ``bench/README.md``.

Options: ``--duration`` (seconds per measurement), ``--rounds``, ``--sizes`` (e.g.
``1000,100000``), ``--no-readme``.
"""

from __future__ import annotations

import datetime as dt
import os
import random
import re
import sys
from collections.abc import Iterator
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any
from urllib.parse import urlencode

import asyncpg
import httpx

from bench.run import WARMUP, BenchError, wrk_argv
from bench.sizes import Report, SizeBench, main_for, rounds_text, table

if TYPE_CHECKING:
    from portal.visibility.viewer import Viewer

SIZES = (1_000, 100_000)
DURATION = 15
ROUNDS = 3
TARGET_RATIO = 2.0  # time per request, 100k ÷ 1k, at most
DB_PREFIX = "brug_bench_queue_"
LATEST_HEADING = "## Latest queue results"

FILTER = {"theme": "housing", "state": "new"}
"""The measured page: the queue filtered by theme and state."""
PAGES = {"filtered": FILTER, "default": {}}
"""``filtered`` carries the verdict; ``default`` (the open signals, no filter) is for
information."""
PAGE_SIZE = 25

SPAN_DAYS = 3 * 365
"""The signals were reported over the last three years."""
CLIENTS = 400
HANDLERS = 8
REPORTERS = 12
ABOUT_A_CLIENT = 0.3
URGENT = 0.1
SEED = 20261203

THEMES = {
    "housing": 18,
    "money": 15,
    "work": 14,
    "civil_affairs": 10,
    "health": 10,
    "language": 9,
    "education": 8,
    "digital": 7,
    "mobility": 5,
    "other": 4,
}
MUNICIPALITIES = {
    "Benchstad": 40,
    "Brakel": 15,
    "Herzele": 15,
    "Lierde": 10,
    "Sint-Lievens-Houtem": 10,
    "Zwalm": 10,
}
STATES_BY_AGE: tuple[tuple[int, dict[str, int]], ...] = (
    # (at most this many days old, weights of the states)
    (14, {"new": 35, "in_progress": 40, "followed_up": 15, "closed": 10}),
    (60, {"new": 5, "in_progress": 25, "followed_up": 20, "closed": 50}),
    (365, {"in_progress": 3, "followed_up": 4, "closed": 93}),
    (SPAN_DAYS + 1, {"followed_up": 1, "closed": 199}),
)
"""A signal's state by its age: the recent ones are being followed up, the old ones closed."""


# --- the seed (runs in its own process, on the database named by PORTAL_DATABASE_URL) ---------


@dataclass(frozen=True)
class Cast:
    ocmw: int
    partner: int
    vdab: int
    handler: int
    """The social worker whose queue is measured."""
    handlers: tuple[int, ...]
    reporters: tuple[tuple[int, int], ...]
    """(person, organisation)."""


async def _cast() -> Cast:
    """Organisations and people through the portal's services, as ``bench.seed`` writes them;
    the routes of the OCMW's municipalities as rows (kept as data)."""
    from bench.seed import OCMW, PARTNER, VDAB, _actor, _organisations
    from portal.signals.tables import SignalRoute
    from portal.visibility.policy import Role

    orgs = await _organisations()
    ocmw = orgs[OCMW]
    people: list[Viewer] = [await _actor("sw.bench", "Sam Bench", ocmw, Role.social_worker)]
    for number in range(2, HANDLERS):
        people.append(
            await _actor(f"sw.bench{number}", f"Social Worker {number}", ocmw, Role.social_worker)
        )
    people.append(await _actor("coordinator.bench", "Cora Bench", ocmw, Role.coordinator))
    reporters = [(person.person_id, person.org_id) for person in people[:3]]
    for number in range(1, REPORTERS - 3):
        viewer = await _actor(
            f"toeleider.bench{number}", f"Toeleider {number}", orgs[PARTNER], Role.toeleider
        )
        reporters.append((viewer.person_id, viewer.org_id))
    mediator = await _actor("mediator.bench", "Mia Bench", orgs[VDAB], Role.mediator)
    reporters.append((mediator.person_id, mediator.org_id))
    for name in MUNICIPALITIES:
        await SignalRoute(municipality=name.lower(), name=name, ocmw=ocmw).save()
    return Cast(
        ocmw=ocmw,
        partner=orgs[PARTNER],
        vdab=orgs[VDAB],
        handler=people[0].person_id,
        handlers=tuple(person.person_id for person in people),
        reporters=tuple(reporters),
    )


def _pick(rng: random.Random, weights: dict[str, int]) -> str:
    return rng.choices(list(weights), weights=list(weights.values()))[0]


def _state(rng: random.Random, age_days: float) -> str:
    for limit, weights in STATES_BY_AGE:
        if age_days <= limit:
            return _pick(rng, weights)
    return "closed"


def signal_rows(
    size: int, cast: Cast, clients: list[int], now: dt.datetime
) -> Iterator[tuple[Any, ...]]:
    """``size`` signals for the OCMW, the same draw for the same size: columns as ``COLUMNS``."""
    from portal.core.templating import local_time
    from portal.core.workdays import BELGIUM

    rng = random.Random(SEED + size)
    due: dict[dt.date, dt.date] = {}
    for number in range(size):
        age = rng.uniform(0, SPAN_DAYS)
        created = now - dt.timedelta(days=age)
        day = local_time(created).date()
        if day not in due:
            due[day] = BELGIUM.add_working_days(day, 10)
        state = _state(rng, age)
        theme = _pick(rng, THEMES)
        client = rng.choice(clients) if rng.random() < ABOUT_A_CLIENT else None
        reporter, reporter_org = rng.choice(cast.reporters)
        assigned = state != "new" or rng.random() < 0.4
        handler = rng.choice(cast.handlers[:-1]) if assigned else None
        responded = (
            None
            if state == "new"
            else min(now, created + dt.timedelta(days=rng.uniform(0.2, min(age, 16) or 0.2)))
        )
        followed = (
            min(now, responded + dt.timedelta(days=rng.uniform(1, 30)))
            if responded and state in ("followed_up", "closed")
            else None
        )
        closed = (
            min(now, followed + dt.timedelta(days=rng.uniform(0, 10)))
            if followed and state == "closed"
            else None
        )
        yield (
            reporter,
            reporter_org,
            cast.ocmw,
            client,
            theme,
            f"Bench signal {number} ({theme})",
            "Seen in the field: something that blocks people, described at some length. " * 3,
            _pick(rng, MUNICIPALITIES),
            "urgent" if rng.random() < URGENT else "normal",
            "basic" if client is None else "trajectory",
            state,
            handler,
            created,
            due[day],
            responded,
            followed,
            closed,
            "What was done about it." if followed else "",
        )


COLUMNS = (
    "reporter",
    "reporter_org",
    "ocmw",
    "client",
    "theme",
    "title",
    "description",
    "municipality",
    "urgency",
    "sensitivity",
    "state",
    "handler",
    "created_at",
    "due_on",
    "first_response_at",
    "followed_up_at",
    "closed_at",
    "outcome",
)


CREATED = COLUMNS.index("created_at")


def expected(rows: list[tuple[Any, ...]], today: dt.date) -> dict[str, int]:
    """What each measured page must show: the number of signals it counts."""
    index = {name: position for position, name in enumerate(COLUMNS)}

    def matches(row: tuple[Any, ...], params: dict[str, str]) -> bool:
        state = row[index["state"]]
        ok = state == params["state"] if "state" in params else state != "closed"
        return ok and all(
            row[index[key]] == value for key, value in params.items() if key != "state"
        )

    found = {name: sum(matches(row, params) for row in rows) for name, params in PAGES.items()}
    found["overdue"] = sum(
        row[index["state"]] == "new" and row[index["due_on"]] < today for row in rows
    )
    return found


async def seed(size: int) -> dict[str, Any]:
    import portal.domains  # noqa: F401 (installs event kinds and record policies)
    from portal.core import db
    from portal.core.templating import local_time

    await db.start()
    try:
        cast = await _cast()
    finally:
        await db.stop()
    dsn = "postgresql://" + os.environ["PORTAL_DATABASE_URL"].split("://", 1)[1]
    now = dt.datetime.now(dt.UTC)
    connection = await asyncpg.connect(dsn)
    try:
        client_rows = [
            (
                cast.ocmw,
                cast.handlers[number % (len(cast.handlers) - 1)],
                f"First{number}",
                f"Last{number}",
                f"first{number} last{number}",
                now - dt.timedelta(days=SPAN_DAYS + 30),
            )
            for number in range(CLIENTS)
        ]
        await connection.copy_records_to_table(
            "client",
            records=client_rows,
            columns=["ocmw", "file_holder", "first_name", "last_name", "search_name", "created_at"],
        )
        clients = [r["id"] for r in await connection.fetch("SELECT id FROM client ORDER BY id")]
        # Written in the order they were reported, as a portal in use writes them.
        rows = sorted(signal_rows(size, cast, clients, now), key=lambda row: row[CREATED])
        await connection.copy_records_to_table("signal", records=rows, columns=list(COLUMNS))
        await connection.execute("VACUUM ANALYZE")
        written = await connection.fetchval("SELECT COUNT(*) FROM signal")
    finally:
        await connection.close()
    return {
        "person_id": cast.handler,
        "signals": int(written),
        "clients": len(clients),
        "expected": expected(rows, local_time(now).date()),
    }


# --- the run ---------------------------------------------------------------------------------


def check_page(url: str, cookie: str, seed: dict[str, Any], page: str) -> int:
    """The page answers 200 with the expected count in the queue's heading and its first rows;
    returns the body size."""
    total = seed["expected"][page]
    response = httpx.get(url, headers={"Cookie": cookie}, timeout=30, follow_redirects=False)
    if response.status_code != 200:
        raise BenchError(f"GET {url} answered {response.status_code}, not 200")
    html = response.text
    heading = re.search(r'<h2 id="queue-heading">[^<]*\((\d+)\)</h2>', html)
    if heading is None or int(heading.group(1)) != total:
        found = heading.group(1) if heading else "no heading"
        raise BenchError(f"GET {url}: the queue counts {found}, not {total}")
    start = html.index('id="queue-results"')
    end = html.find('id="mine-heading"', start)
    rows = len(re.findall(r'href="/signals/\d+"', html[start : end if end != -1 else None]))
    if rows != min(PAGE_SIZE, total):
        raise BenchError(f"GET {url}: {rows} signals listed, not {min(PAGE_SIZE, total)}")
    return len(response.content)


BENCH = SizeBench("bench.signal_queue", DB_PREFIX, "/signals", PAGES, check_page)


def ratio_lines(summary: dict[str, Any]) -> list[str]:
    small, large = summary["small"], summary["large"]
    filtered, default = summary["ratios"]["filtered"], summary["ratios"]["default"]

    rounds = rounds_text
    query = urlencode(FILTER)
    return [
        "| Ratio | Per round | Median | Target | Met |",
        "|---|---|--:|---|---|",
        f"| Queue filtered by theme and state (`?{query}`), {large} ÷ {small} signals, time "
        f"per request (inverse requests/s) | {rounds(filtered['per_round'])} "
        f"| {filtered['median']:.2f} | ≤ {TARGET_RATIO} "
        f"| {'**yes**' if filtered['met'] else '**no**'} |",
        f"| *For information:* the same by CPU per request (server + PostgreSQL) "
        f"| {rounds(filtered['by_cpu_per_round'])} | {filtered['by_cpu_median']:.2f} | | |",
        f"| *For information:* the same by p50 latency | {rounds(filtered['p50_per_round'])} "
        f"| {filtered['p50_median']:.2f} | | |",
        f"| *For information:* the default queue (the open signals, no filter), {large} ÷ "
        f"{small}, time per request | {rounds(default['per_round'])} "
        f"| {default['median']:.2f} | | |",
        f"| *For information:* the default queue by CPU per request "
        f"| {rounds(default['by_cpu_per_round'])} | {default['by_cpu_median']:.2f} | | |",
    ]


def latest_section(result: dict[str, Any], summary: dict[str, Any], info: dict[str, Any]) -> str:
    pkgs = info["packages"]
    commit = info["commit"] + (" (plus uncommitted changes)" if info["uncommitted_changes"] else "")
    wrk_cmd = " ".join(
        "'" + part + "'" if " " in part else part
        for part in wrk_argv(
            f"http://127.0.0.1:<port>/signals?{urlencode(FILTER)}",
            "brug_session=<token>",
            result["duration"],
        )
    )
    seeds = result["seeds"]
    seeded = "; ".join(
        f"{size}: {seed['signals']:,} signals ({seed['expected']['default']:,} open, "
        f"{seed['expected']['filtered']:,} new in Housing, {seed['expected']['overdue']:,} "
        f"overdue), {seed['clients']} clients"
        for size, seed in seeds.items()
    )
    page_bytes = ", ".join(f"{target} {size:,}" for target, size in result["bytes"].items())
    return "\n".join(
        [
            LATEST_HEADING,
            "",
            f"Written by `make bench-queue` on {result['date']}, commit `{commit}`; raw figures "
            f"in `bench/results/{result['results_file']}` (not in git). The whole run took "
            f"{result['elapsed_s']:.0f} s.",
            "",
            f"- Machine: `nproc` = {info['nproc']} ({info['cpu'] or 'unknown CPU'}), "
            f"`free -h` total memory {info['memory_total']}, Linux {info['kernel']}; wrk, "
            f"PostgreSQL and both portals on the same machine.",
            f"- Software: Python {info['python']}, PostgreSQL {result['pg_version']}, Litestar "
            f"{pkgs['litestar']}, Piccolo {pkgs['piccolo']}, asyncpg {pkgs['asyncpg']}, Jinja2 "
            f"{pkgs['jinja2']}, uvicorn {pkgs['uvicorn']} (uvloop {pkgs['uvloop']}, httptools "
            f"{pkgs['httptools']}), one worker process per portal; sessions in Redis.",
            f"- Seeded: {seeded}.",
            f"- Responses (bytes): {page_bytes}.",
            f"- Order: {WARMUP} s warm-up of each target, then {result['rounds']} rounds of "
            f"every target (even rounds in reverse order), {result['duration']} s each, with:",
            "",
            f"      {wrk_cmd}",
            "",
            *table(result["measurements_objects"]),
            "",
            *ratio_lines(summary),
            "",
            "The verdict uses the median of the per-round ratios (each round measures the two "
            "sizes of a page one after the other).",
            "",
        ]
    )


REPORT = Report("queue", LATEST_HEADING, latest_section, ratio_lines, TARGET_RATIO)


def main(argv: list[str] | None = None) -> int:
    return main_for(BENCH, REPORT, seed, (SIZES, DURATION, ROUNDS), argv, __doc__.split("\n")[0])


if __name__ == "__main__":
    sys.exit(main())
