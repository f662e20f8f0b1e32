"""``make bench-start``: a social worker's start page with 1,000,000 timeline events in the
portal against the same page with 1,000.

Steps: recreate the PostgreSQL databases ``brug_bench_start_1k`` and ``brug_bench_start_1000k``;
``portal migrate`` each; seed each (``python -m bench.start_page --seed N``): the organisations
and people through the portal's services, then the client files of two OCMWs (the measured
social worker's and another one whose files they cannot see), their care teams and N timeline
events in bulk (``COPY``), drawn by the same generator (three years of history, spread unevenly:
most files have a few events, some thousands), each file's ``last_activity_at`` as the timeline's
writer keeps it, then ``VACUUM ANALYZE``; write a session for the social worker straight into
Redis; serve each database as in production; check that each page answers 200 with the newest
readable events in its "recent activity"; warm up; measure with wrk, the two sizes adjacent in
every round; print a table, save the raw figures under ``bench/results/`` and rewrite "## Latest
start page results" in ``bench/README.md``.

Options: ``--duration``, ``--rounds``, ``--sizes`` (e.g. ``1000,1000000``), ``--no-readme``.
"""

from __future__ import annotations

import datetime as dt
import html
import json
import os
import random
import re
import sys
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

import asyncpg
import httpx

from bench.run import WARMUP, BenchError, wrk_argv
from bench.sizes import Report, SizeBench, main_for, rounds_text, table

SIZES = (1_000, 1_000_000)
DURATION = 15
ROUNDS = 3
TARGET_RATIO = 1.5  # time per request, 1M ÷ 1k events, at most
DB_PREFIX = "brug_bench_start_"
LATEST_HEADING = "## Latest start page results"

SPAN_DAYS = 3 * 365
OWN_CLIENTS = 400
"""Files of the measured social worker's OCMW; they hold every eighth one."""
OTHER_CLIENTS = 1_600
"""Files of another OCMW: history the measured social worker never sees."""
OWN_SHARE = 0.2
"""The share of all events that is on the measured OCMW's files."""
SOCIAL_WORKERS = 8
SEED = 20261204
AUDIENCES = {"care_team": 70, "own_org": 20, "file_holder_only": 10}
SENSITIVITIES = {"trajectory": 80, "social": 15, "health": 5}
RECENT = 10
"""Events in "recent activity" on the start page."""

OTHER_OCMW = "ocmw-bench-other"


@dataclass(frozen=True)
class Cast:
    ocmw: int
    other_ocmw: int
    social_workers: tuple[int, ...]
    """The measured one first."""
    others: tuple[int, ...]
    """Social workers of the other OCMW."""


async def _cast() -> Cast:
    from bench.seed import OCMW, _actor, _organisations
    from portal.accounts.tables import OrgKind
    from portal.admin.forms import OrganisationForm
    from portal.admin.services import save_organisation
    from portal.visibility.policy import Role

    orgs = await _organisations()
    form = OrganisationForm(name="OCMW Elders", code=OTHER_OCMW, kind=OrgKind.ocmw.value)
    if errors := await save_organisation(form):
        raise BenchError(f"organisation {OTHER_OCMW}: {errors}")
    from portal.accounts.tables import Organisation

    other = await Organisation.select(Organisation.id).where(Organisation.code == OTHER_OCMW)
    other_ocmw = int(other[0]["id"])
    own = [(await _actor("sw.bench", "Sam Bench", orgs[OCMW], Role.social_worker)).person_id]
    for number in range(2, SOCIAL_WORKERS + 1):
        viewer = await _actor(
            f"sw.bench{number}", f"Social Worker {number}", orgs[OCMW], Role.social_worker
        )
        own.append(viewer.person_id)
    others = []
    for number in range(1, SOCIAL_WORKERS + 1):
        viewer = await _actor(
            f"sw.elders{number}", f"Elder Worker {number}", other_ocmw, Role.social_worker
        )
        others.append(viewer.person_id)
    return Cast(orgs[OCMW], other_ocmw, tuple(own), tuple(others))


def _pick(rng: random.Random, weights: dict[str, int]) -> str:
    return rng.choices(list(weights), weights=list(weights.values()))[0]


def _weights(rng: random.Random, count: int) -> list[float]:
    """Uneven files: most have little history, a few a great deal (Pareto)."""
    return [rng.paretovariate(1.2) for _ in range(count)]


def event_rows(
    size: int,
    cast: Cast,
    own: list[tuple[int, int]],
    other: list[tuple[int, int]],
    now: dt.datetime,
) -> Iterator[tuple[Any, ...]]:
    """``size`` note events, the same draw for the same size: columns as ``EVENT_COLUMNS``.
    ``own``/``other`` are (client, file holder) of each OCMW."""
    rng = random.Random(SEED + size)
    own_weights, other_weights = _weights(rng, len(own)), _weights(rng, len(other))
    for number in range(size):
        mine = rng.random() < OWN_SHARE
        client, holder = rng.choices(
            own if mine else other, own_weights if mine else other_weights
        )[0]
        author = (
            holder
            if rng.random() < 0.7
            else rng.choice(cast.social_workers if mine else cast.others)
        )
        yield (
            client,
            "note.added",
            now - dt.timedelta(seconds=rng.uniform(0, SPAN_DAYS * 86400)),
            author,
            cast.ocmw if mine else cast.other_ocmw,
            _pick(rng, AUDIENCES),
            _pick(rng, SENSITIVITIES),
            "",
            json.dumps({"subject": f"bench note {number}"}),
        )


EVENT_COLUMNS = (
    "client",
    "kind",
    "occurred_at",
    "author",
    "author_org",
    "audience",
    "sensitivity",
    "text",
    "payload",
)


async def seed(size: int) -> dict[str, Any]:
    import portal.domains  # noqa: F401 (installs event kinds and record policies)
    from portal.core import db

    await db.start()
    try:
        cast = await _cast()
    finally:
        await db.stop()
    dsn = "postgresql://" + os.environ["PORTAL_DATABASE_URL"].split("://", 1)[1]
    now = dt.datetime.now(dt.UTC).replace(microsecond=0)
    opened = now - dt.timedelta(days=SPAN_DAYS + 30)
    connection = await asyncpg.connect(dsn)
    try:
        client_rows = []
        for ocmw, holders, count, tag in (
            (cast.ocmw, cast.social_workers, OWN_CLIENTS, "Own"),
            (cast.other_ocmw, cast.others, OTHER_CLIENTS, "Other"),
        ):
            for number in range(count):
                first, last = f"{tag}{number}", f"Bench{number}"
                client_rows.append(
                    (
                        ocmw,
                        holders[number % len(holders)],
                        first,
                        last,
                        f"{first} {last}".lower(),
                        opened,
                        3,
                    )
                )
        await connection.copy_records_to_table(
            "client",
            records=client_rows,
            columns=[
                "ocmw",
                "file_holder",
                "first_name",
                "last_name",
                "search_name",
                "created_at",
                "ladder_step",
            ],
        )
        rows = await connection.fetch("SELECT id, ocmw, file_holder FROM client ORDER BY id")
        own = [(r["id"], r["file_holder"]) for r in rows if r["ocmw"] == cast.ocmw]
        other = [(r["id"], r["file_holder"]) for r in rows if r["ocmw"] == cast.other_ocmw]
        await connection.copy_records_to_table(
            "care_team_member",
            records=[(client, holder, opened) for client, holder in own + other],
            columns=["client", "person", "added_at"],
        )
        events = sorted(event_rows(size, cast, own, other, now), key=lambda row: row[2])
        await connection.copy_records_to_table(
            "timeline_event", records=events, columns=list(EVENT_COLUMNS)
        )
        await connection.execute(
            "UPDATE client SET last_activity_at = latest.at FROM (SELECT client, "
            "MAX(occurred_at) AS at FROM timeline_event GROUP BY client) AS latest "
            "WHERE client.id = latest.client"
        )
        await connection.execute("VACUUM ANALYZE")
        written = await connection.fetchval("SELECT COUNT(*) FROM timeline_event")
    finally:
        await connection.close()
    return {
        "person_id": cast.social_workers[0],
        "events": int(written),
        "clients": len(own) + len(other),
        "expected": await expected(cast.social_workers[0]),
    }


async def expected(person_id: int) -> list[str]:
    """The headlines "recent activity" must show, newest first, read the plain way: one query
    over every event with the viewer's scope as a condition (what the start page did before it
    went client by client)."""
    from portal.accounts.services import load_viewer
    from portal.core import db
    from portal.timeline.services import EVENT_COLUMNS
    from portal.timeline.tables import TimelineEvent
    from portal.visibility.records import visible_to

    await db.start()
    try:
        viewer = await load_viewer(person_id)
        assert viewer is not None
        scope = visible_to(viewer, TimelineEvent, readable_only=True)
        rows = (
            await scope.select(*EVENT_COLUMNS)
            .order_by(TimelineEvent.occurred_at, TimelineEvent.id, ascending=False)
            .limit(RECENT)
            .output(load_json=True)
        )
        return [scope.project(row).headline for row in rows]
    finally:
        await db.stop()


# --- the run ---------------------------------------------------------------------------------


def check_page(url: str, cookie: str, seed: dict[str, Any], _page: str) -> int:
    """The start page answers 200 and its "recent activity" lists the expected events in order;
    returns the body size."""
    response = httpx.get(url, headers={"Cookie": cookie}, timeout=30, follow_redirects=False)
    if response.status_code != 200:
        raise BenchError(f"GET {url} answered {response.status_code}, not 200")
    page = response.text
    start = page.find('id="recent-section"')
    if start == -1:
        raise BenchError(f"GET {url}: no recent activity")
    section = page[start : page.index("</section>", start)]
    shown = [
        html.unescape(line).strip() for line in re.findall(r"</a>:\s*([^<]*?)\s*</li>", section)
    ]
    if shown != seed["expected"]:
        raise BenchError(f"GET {url}: recent activity {shown}, not {seed['expected']}")
    return len(response.content)


PAGES: dict[str, dict[str, str]] = {"start": {}}
BENCH = SizeBench("bench.start_page", DB_PREFIX, "/", PAGES, check_page)


def ratio_lines(summary: dict[str, Any]) -> list[str]:
    small, large = summary["small"], summary["large"]
    start = summary["ratios"]["start"]
    return [
        "| Ratio | Per round | Median | Target | Met |",
        "|---|---|--:|---|---|",
        f"| Start page of a social worker, {large} ÷ {small} timeline events, time per request "
        f"(inverse requests/s) | {rounds_text(start['per_round'])} | {start['median']:.2f} "
        f"| ≤ {TARGET_RATIO} | {'**yes**' if start['met'] else '**no**'} |",
        f"| *For information:* the same by CPU per request (server + PostgreSQL) "
        f"| {rounds_text(start['by_cpu_per_round'])} | {start['by_cpu_median']:.2f} | | |",
        f"| *For information:* the same by p50 latency | {rounds_text(start['p50_per_round'])} "
        f"| {start['p50_median']:.2f} | | |",
    ]


def latest_section(result: dict[str, Any], summary: dict[str, Any], info: dict[str, Any]) -> str:
    pkgs = info["packages"]
    commit = info["commit"] + (" (plus uncommitted changes)" if info["uncommitted_changes"] else "")
    wrk_cmd = " ".join(
        "'" + part + "'" if " " in part else part
        for part in wrk_argv("http://127.0.0.1:<port>/", "brug_session=<token>", result["duration"])
    )
    seeded = "; ".join(
        f"{size}: {seed['events']:,} timeline events on {seed['clients']:,} files "
        f"(seeded in {seed['seconds']:.0f} s)"
        for size, seed in result["seeds"].items()
    )
    page_bytes = ", ".join(f"{target} {size:,}" for target, size in result["bytes"].items())
    return "\n".join(
        [
            LATEST_HEADING,
            "",
            f"Written by `make bench-start` on {result['date']}, commit `{commit}`; raw figures "
            f"in `bench/results/{result['results_file']}` (not in git). The whole run took "
            f"{result['elapsed_s']:.0f} s.",
            "",
            f"- Machine: `nproc` = {info['nproc']} ({info['cpu'] or 'unknown CPU'}), "
            f"`free -h` total memory {info['memory_total']}, Linux {info['kernel']}; wrk, "
            f"PostgreSQL and both portals on the same machine.",
            f"- Software: Python {info['python']}, PostgreSQL {result['pg_version']}, Litestar "
            f"{pkgs['litestar']}, Piccolo {pkgs['piccolo']}, asyncpg {pkgs['asyncpg']}, one "
            f"worker process per portal; sessions in Redis.",
            f"- Seeded: {seeded}. The measured social worker's OCMW holds {OWN_CLIENTS} files "
            f"(a share of {OWN_SHARE:.0%} of the events); another OCMW {OTHER_CLIENTS}.",
            f"- Responses (bytes): {page_bytes}.",
            f"- Order: {WARMUP} s warm-up of each target, then {result['rounds']} rounds "
            f"(even rounds in reverse order), {result['duration']} s each, with:",
            "",
            f"      {wrk_cmd}",
            "",
            *table(result["measurements_objects"]),
            "",
            *ratio_lines(summary),
            "",
        ]
    )


REPORT = Report("start", LATEST_HEADING, latest_section, ratio_lines, TARGET_RATIO)


def main(argv: list[str] | None = None) -> int:
    return main_for(BENCH, REPORT, seed, (SIZES, DURATION, ROUNDS), argv, __doc__.split("\n")[0])


if __name__ == "__main__":
    sys.exit(main())
