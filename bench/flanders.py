"""A Flanders-size database for the scale measurements (issue 19), deterministic, loaded with COPY.

    .venv/bin/python -m bench.flanders [--scale flanders|demo|tiny] [--database brug_bench_flanders]
    make bench-data SCALE=flanders

The database is dropped, migrated with the portal's own migrations, then filled table by table
with PostgreSQL's binary ``COPY`` (asyncpg's ``copy_records_to_table``): the secondary indexes are
dropped before and built after, foreign-key triggers are off for the loading session
(``session_replication_role = replica``; every reference is made consistent by construction) and
the sequences are moved past the ids given. Where the write path keeps something derived, the
loader computes it as the write path does: a client's ``search_name`` (``core.text.fold``) and
``last_activity_at``, the access log's hash chains with their heads (``audit.chain.digest``),
the routes from municipality to OCMW. The same ``--seed`` gives the same rows.

``demo`` has the shape of Flanders at the size of one region (the same people per OCMW, clients
per social worker, events per client): the ratios of issue 19 compare a page at ``flanders``
with the same page at ``demo``, for the same kind of viewer. After loading, every page the scale
measurements open is requested once in-process, each for its kind of viewer, and must answer
200 (``--no-check`` skips it).
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import datetime as dt
import json
import math
import os
import random
import subprocess
import sys
import time
from collections.abc import AsyncIterator, Iterable, Iterator, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

import asyncpg

from bench.run import OIDC_ENV, REDIS_URL, STATEMENTS_ENV, _recreate_database
from portal.core.text import fold

if TYPE_CHECKING:
    from portal.core.periods import Period

ROOT = Path(__file__).resolve().parents[1]
NOW = dt.datetime(2026, 12, 1, 9, 0, tzinfo=dt.UTC)
"""The loaded world's "now": every moment lies before it, so a run is the same on any day."""
BATCH = 50_000


@dataclass(frozen=True)
class Scale:
    ocmws: int
    clients: int
    events: int
    signals: int
    questions: int
    documents: int
    accesses: int
    vdab_teams: int
    partners_per_ocmw: int = 2
    toeleiders_per_partner: int = 6
    mediators_per_team: int = 50
    clients_per_social_worker: int = 12
    years: int = 5
    ocmw_skew: float = 1.2
    """The Pareto shape of the OCMWs' sizes: a few cities, many small municipalities. A region
    of ten has fewer extremes (a larger shape), so that it has an OCMW of the size measured."""


SCALES = {
    "flanders": Scale(
        ocmws=300,
        clients=100_000,
        events=10_000_000,
        signals=1_000_000,
        questions=200_000,
        documents=500_000,
        accesses=20_000_000,
        vdab_teams=40,
    ),
    "demo": Scale(
        ocmws=10,
        clients=2_000,
        events=200_000,
        signals=20_000,
        questions=4_000,
        documents=10_000,
        accesses=400_000,
        vdab_teams=1,
        mediators_per_team=25,
        ocmw_skew=3.0,
    ),
    "tiny": Scale(
        ocmws=3,
        clients=120,
        events=6_000,
        signals=300,
        questions=60,
        documents=150,
        accesses=6_000,
        vdab_teams=1,
        mediators_per_team=4,
    ),
}

FIRST_NAMES = (
    "Aïssatou", "Amina", "Ahmed", "Björn", "Chloé", "Dries", "Elif", "Emre", "Fatima", "Gaëlle",
    "Hanne", "Ibrahim", "Jef", "Joëlle", "Karim", "Lena", "Lotte", "Mariam", "Noah", "Noël",
    "Olga", "Pieter", "Rania", "Seppe", "Sofie", "Tomás", "Yusuf", "Zoë", "Françoise", "Mathéo",
)  # fmt: skip
LAST_NAMES = (
    "Peeters", "Janssens", "Maes", "Jacobs", "Mertens", "Willems", "Claes", "Goossens", "Wouters",
    "De Smet", "Dubois", "Lambert", "Çelik", "Yılmaz", "El Amrani", "Haidari", "Diallo", "Nowak",
    "Vermeulen", "Van den Bossche", "Desmet", "Verhaeghe", "Rahimi", "Bakker", "Kovačević",
)  # fmt: skip
NOTE_SUBJECTS = (
    "Gesprek over het traject",
    "Telefonisch contact",
    "Huisbezoek",
    "Afspraak bij de VDAB voorbereid",
    "Opvolging na de opleiding",
    "Vraag naar kinderopvang",
    "Documenten binnengebracht",
)
THEMES = (
    "civil_affairs", "education", "housing", "health", "work", "language", "mobility", "digital",
    "money", "other",
)  # fmt: skip
STATUSES = ("intake", "activation", "art60", "in_training", "follow_up", "on_hold")
QUESTION_TYPES = ("trajectory", "training_advice", "invitation", "other")
CATEGORIES = (("cv", "trajectory"), ("diploma", "trajectory"), ("certificate", "trajectory"),
              ("agreement_note", "trajectory"), ("social_report", "social"),
              ("medical", "health"), ("other", "trajectory"))  # fmt: skip


def say(message: str) -> None:
    print(f"[flanders] {message}", flush=True)


@dataclass
class World:
    """What later tables refer to, kept in memory while loading."""

    ocmws: list[int] = field(default_factory=list)
    ocmw_names: dict[int, str] = field(default_factory=dict)
    partners: dict[int, list[int]] = field(default_factory=dict)
    """OCMW → its partner organisations."""
    team_of: dict[int, int] = field(default_factory=dict)
    """OCMW → the VDAB team of its region."""
    social_workers: dict[int, list[int]] = field(default_factory=dict)
    coordinators: dict[int, int] = field(default_factory=dict)
    """Organisation → its coordinator."""
    toeleiders: dict[int, list[int]] = field(default_factory=dict)
    mediators: dict[int, list[int]] = field(default_factory=dict)
    roles: dict[int, str] = field(default_factory=dict)
    org_of: dict[int, int] = field(default_factory=dict)
    clients: list[tuple[int, int, int, dt.datetime]] = field(default_factory=list)
    """(client, ocmw, file holder, registered at)."""
    team: dict[int, list[int]] = field(default_factory=dict)
    """Client → care-team members beside the file holder."""
    partnerships: list[dict[str, int]] = field(default_factory=list)
    """Each as ``evaluations.figures`` takes it: id, ocmw, partner, vdab."""


def _sizes(
    total: int, parts: int, rng: random.Random, skew: float, cap: float = 400.0
) -> list[int]:
    """``total`` split over ``parts``, unevenly (a Pareto tail of shape ``skew``, cut at ``cap``
    times the smallest share), each ≥ 1."""
    weights = [min(rng.paretovariate(skew), cap) for _ in range(parts)]
    scale = (total - parts) / sum(weights)
    sizes = [1 + int(weight * scale) for weight in weights]
    sizes[max(range(parts), key=sizes.__getitem__)] += total - sum(sizes)
    return sizes


def _moment(rng: random.Random, start: dt.datetime, end: dt.datetime) -> dt.datetime:
    span = max((end - start).total_seconds(), 1.0)
    return start + dt.timedelta(seconds=int(rng.random() * span))


async def _copy(
    connection: asyncpg.Connection, table: str, columns: Sequence[str], rows: Iterable[tuple]
) -> int:
    """COPY ``rows`` into ``table`` a batch at a time; the number of rows."""
    count = 0
    batch: list[tuple] = []
    for row in rows:
        batch.append(row)
        if len(batch) == BATCH:
            await connection.copy_records_to_table(table, records=batch, columns=list(columns))
            count += len(batch)
            batch = []
    if batch:
        await connection.copy_records_to_table(table, records=batch, columns=list(columns))
        count += len(batch)
    return count


def _migrate(dsn: str) -> None:
    env = {**os.environ, "PORTAL_DATABASE_URL": dsn, "PICCOLO_CONF": "portal.piccolo_conf"}
    subprocess.run([str(ROOT / ".venv/bin/portal"), "migrate"], check=True, env=env, cwd=ROOT)  # nosec B603


async def _secondary_indexes(connection: asyncpg.Connection) -> list[tuple[str, str]]:
    """Indexes that back no constraint: dropped for the load, built again after it."""
    rows = await connection.fetch(
        """
        SELECT i.indexname, i.indexdef FROM pg_indexes i
        WHERE i.schemaname = 'public'
          AND NOT EXISTS (SELECT 1 FROM pg_constraint c WHERE c.conname = i.indexname)
        """
    )
    return [(row["indexname"], row["indexdef"]) for row in rows]


def _organisations(scale: Scale, world: World) -> Iterator[tuple]:
    next_id = 1
    for number in range(1, scale.vdab_teams + 1):
        yield (next_id, f"vdab-{number:02}", f"VDAB regio {number:02}", "vdab")
        next_id += 1
    teams = list(range(1, scale.vdab_teams + 1))
    for number in range(1, scale.ocmws + 1):
        ocmw = next_id
        name = f"OCMW Gemeente {number:03}"
        world.ocmws.append(ocmw)
        world.ocmw_names[ocmw] = name
        world.team_of[ocmw] = teams[(number - 1) * len(teams) // scale.ocmws]
        yield (ocmw, f"ocmw-{number:03}", name, "ocmw")
        next_id += 1
        world.partners[ocmw] = []
        for part in range(1, scale.partners_per_ocmw + 1):
            world.partners[ocmw].append(next_id)
            yield (
                next_id,
                f"partner-{number:03}-{part}",
                f"Partner {number:03}.{part} vzw",
                "partner",
            )
            next_id += 1


def _partnerships(world: World) -> Iterator[tuple]:
    next_id = 1
    for ocmw in world.ocmws:
        for partner in world.partners[ocmw]:
            name = f"{world.ocmw_names[ocmw]} – partner {partner}"
            team = world.team_of[ocmw]
            world.partnerships.append(
                {"id": next_id, "ocmw": ocmw, "partner": partner, "vdab": team}
            )
            yield (next_id, name, ocmw, partner, team)
            next_id += 1


def _people(scale: Scale, world: World, client_counts: dict[int, int]) -> Iterator[tuple]:
    next_id = 1

    def person(org: int, role: str, username: str, name: str) -> tuple:
        nonlocal next_id
        pid = next_id
        next_id += 1
        world.roles[pid] = role
        world.org_of[pid] = org
        return (pid, username, name, f"{username}@bench.invalid", org, [role], True)

    for team in range(1, scale.vdab_teams + 1):
        yield (
            row := person(
                team, "coordinator", f"coordinator.vdab{team}", f"Coördinator VDAB {team}"
            )
        )
        world.coordinators[team] = row[0]
        world.mediators[team] = []
        for number in range(1, scale.mediators_per_team + 1):
            row = person(
                team,
                "mediator",
                f"mediator{number}.vdab{team}",
                f"Bemiddelaar {number} VDAB {team}",
            )
            world.mediators[team].append(row[0])
            yield row
    for index, ocmw in enumerate(world.ocmws, 1):
        yield (
            row := person(
                ocmw, "coordinator", f"coordinator.ocmw{index}", f"Coördinator OCMW {index}"
            )
        )
        world.coordinators[ocmw] = row[0]
        workers = max(2, math.ceil(client_counts[ocmw] / scale.clients_per_social_worker))
        world.social_workers[ocmw] = []
        for number in range(1, workers + 1):
            row = person(
                ocmw,
                "social_worker",
                f"sw{number}.ocmw{index}",
                f"Maatschappelijk werker {number} OCMW {index}",
            )
            world.social_workers[ocmw].append(row[0])
            yield row
        for partner in world.partners[ocmw]:
            yield (
                row := person(
                    partner,
                    "coordinator",
                    f"coordinator.p{partner}",
                    f"Coördinator partner {partner}",
                )
            )
            world.coordinators[partner] = row[0]
            world.toeleiders[partner] = []
            for number in range(1, scale.toeleiders_per_partner + 1):
                row = person(
                    partner,
                    "toeleider",
                    f"toeleider{number}.p{partner}",
                    f"Toeleider {number} partner {partner}",
                )
                world.toeleiders[partner].append(row[0])
                yield row


def _clients(
    scale: Scale, world: World, counts: dict[int, int], rng: random.Random
) -> Iterator[tuple]:
    start = NOW - dt.timedelta(days=365 * scale.years)
    next_id = 1
    for ocmw in world.ocmws:
        workers = world.social_workers[ocmw]
        for number in range(counts[ocmw]):
            first, last = rng.choice(FIRST_NAMES), rng.choice(LAST_NAMES)
            created = _moment(rng, start, NOW - dt.timedelta(days=2))
            holder = workers[number % len(workers)]
            closed = created + dt.timedelta(days=400) < NOW and rng.random() < 0.15
            agreement = created.date() + dt.timedelta(days=60) if rng.random() < 0.7 else None
            world.clients.append((next_id, ocmw, holder, created))
            yield (
                next_id, ocmw, first, last, "nl", world.ocmw_names[ocmw].removeprefix("OCMW "),
                f"04{rng.randrange(10**8):08}", f"{rng.randrange(10**11):011}",
                dt.date(1960, 1, 1) + dt.timedelta(days=rng.randrange(365 * 45)),
                f"Straat {rng.randrange(1, 200)}", rng.randint(1, 6),
                "closed" if closed else rng.choice(STATUSES),
                "Sociaal verslag (bench)", "Financiën (bench)", "Gezondheid (bench)",
                created, holder, agreement,
                created.date(), fold(f"{first} {last}"),
                created + dt.timedelta(days=400) if closed else None,
                "outflow_work" if closed else "",
            )  # fmt: skip
            next_id += 1


CLIENT_COLUMNS = (
    "id", "ocmw", "first_name", "last_name", "language", "municipality", "phone",
    "national_number", "birth_date", "address", "ladder_step", "status", "social_report",
    "finances", "health_notes", "created_at", "file_holder", "agreement_note_on",
    "living_wage_start", "search_name", "closed_at", "closed_reason",
)  # fmt: skip


def _care_teams(world: World, rng: random.Random) -> Iterator[tuple]:
    next_id = 1
    for client, ocmw, holder, created in world.clients:
        members = [holder]
        if rng.random() < 0.6:
            members.append(rng.choice(world.toeleiders[rng.choice(world.partners[ocmw])]))
        if rng.random() < 0.4:
            members.append(rng.choice(world.mediators[world.team_of[ocmw]]))
        world.team[client] = members[1:]
        for person in members:
            yield (next_id, client, person, created)
            next_id += 1


def _consents(world: World, rng: random.Random) -> Iterator[tuple]:
    next_id = 1
    for client, _ocmw, holder, created in world.clients:
        for org in sorted({world.org_of[p] for p in world.team[client]}):
            yield (next_id, client, org, rng.random() < 0.92, created.date(), holder)
            next_id += 1


def _events(
    scale: Scale, world: World, rng: random.Random, last_activity: dict[int, dt.datetime]
) -> Iterator[tuple]:
    """Timeline events, unevenly over the files (most small, a few with thousands)."""
    sizes = _sizes(scale.events, len(world.clients), rng, 1.3)
    next_id = 1
    for (client, ocmw, holder, created), size in zip(world.clients, sizes, strict=True):
        team = world.team[client]
        times = sorted(_moment(rng, created, NOW) for _ in range(size - 1))
        yield (
            next_id,
            client,
            "client.registered",
            created,
            holder,
            ocmw,
            "care_team",
            "basic",
            "{}",
            "",
            False,
        )
        next_id += 1
        for moment in times:
            author = holder if not team or rng.random() < 0.6 else rng.choice(team)
            org = world.org_of[author]
            roll = rng.random()
            if roll < 0.05:
                step = rng.randint(1, 5)
                payload = json.dumps({"step_from": step, "step_to": step + 1})
                row = ("ladder.changed", "trajectory", payload, "")
            else:
                sensitivity = "trajectory"
                if world.roles[author] == "social_worker" and roll > 0.8:
                    sensitivity = "social" if roll < 0.93 else "health"
                payload = json.dumps({"subject": rng.choice(NOTE_SUBJECTS)})
                row = ("note.added", sensitivity, payload, "Notitie van de bench.")
            audience = "care_team" if rng.random() < 0.8 else "own_org"
            kind, sensitivity, payload, text = row
            yield (
                next_id,
                client,
                kind,
                moment,
                author,
                org,
                audience,
                sensitivity,
                payload,
                text,
                False,
            )
            next_id += 1
        last_activity[client] = times[-1] if times else created


EVENT_COLUMNS = (
    "id", "client", "kind", "occurred_at", "author", "author_org", "audience", "sensitivity",
    "payload", "text", "left_behind",
)  # fmt: skip


def _accesses(
    scale: Scale, world: World, rng: random.Random, heads: list[tuple]
) -> Iterator[tuple]:
    """One year of access log in each client's chain, hashed as ``audit.chain`` hashes."""
    from portal.audit.chain import GENESIS, chain_of, digest

    year_ago = NOW - dt.timedelta(days=365)
    sizes = _sizes(scale.accesses, len(world.clients), rng, 1.5, cap=300.0)
    next_id = 1
    actions = (
        ("client.opened", "identity"), ("client.listed", ""), ("client.opened", "identity,social"),
        ("client.timeline_read", ""), ("client.section_read", "social"),
    )  # fmt: skip
    for (client, _ocmw, holder, created), size in zip(world.clients, sizes, strict=True):
        readers = [holder, *world.team[client]]
        chain = chain_of(client, None)
        prev = heads_prev = GENESIS
        start = max(created, year_ago)
        times = sorted(_moment(rng, start, NOW) for _ in range(size))
        for seq, moment in enumerate(times, 1):
            person = holder if rng.random() < 0.7 else rng.choice(readers)
            action, revealed = actions[min(int(rng.random() ** 2 * 5), 4)]
            if person != holder and action != "client.listed":
                action, revealed = "client.opened", ""
            entry = {
                "chain": chain, "seq": seq, "at": moment, "person": person,
                "organisation": world.org_of[person], "roles": world.roles[person],
                "client_id": client, "action": action, "revealed": revealed,
                "subject": "list" if action == "client.listed" else "", "reason": "",
                "request_id": f"bench-{next_id}", "cross_site": False,
            }  # fmt: skip
            hashed = digest(prev, entry)
            yield (
                next_id,
                moment,
                person,
                client,
                action,
                revealed,
                "",
                entry["subject"],
                entry["organisation"],
                entry["roles"],
                entry["request_id"],
                False,
                chain,
                seq,
                prev,
                hashed,
            )
            next_id += 1
            heads_prev, prev = prev, hashed
        if times:
            heads.append((len(heads) + 1, chain, len(times), prev, 0, GENESIS, heads_prev))


ACCESS_COLUMNS = (
    "id", "at", "person", "client_id", "action", "revealed", "reason", "subject", "organisation",
    "roles", "request_id", "cross_site", "chain", "seq", "prev_hash", "hash",
)  # fmt: skip


def _signals(
    scale: Scale, world: World, rng: random.Random, client_counts: dict[int, int]
) -> Iterator[tuple]:
    """Signals to each OCMW in proportion to its clients (a city hears more than a village)."""
    start = NOW - dt.timedelta(days=365 * scale.years)
    by_ocmw: dict[int, list[int]] = {}
    for client, ocmw, _holder, _created in world.clients:
        by_ocmw.setdefault(ocmw, []).append(client)
    sizes = [scale.signals * client_counts[ocmw] // scale.clients for ocmw in world.ocmws]
    sizes[max(range(len(sizes)), key=sizes.__getitem__)] += scale.signals - sum(sizes)
    next_id = 1
    for ocmw, size in zip(world.ocmws, sizes, strict=True):
        for _ in range(size):
            partner = rng.choice(world.partners[ocmw])
            reporter = rng.choice(world.toeleiders[partner])
            about = rng.choice(by_ocmw[ocmw]) if rng.random() < 0.3 else None
            created = _moment(rng, start, NOW)
            age = (NOW - created).days
            state = (
                "closed"
                if age > 120
                else rng.choice(("new", "in_progress", "followed_up", "closed"))
            )
            handler = rng.choice(world.social_workers[ocmw]) if state != "new" else None
            responded = created + dt.timedelta(days=rng.randint(1, 15)) if state != "new" else None
            urgency = "urgent" if rng.random() < 0.1 else "normal"
            followed = (
                responded + dt.timedelta(days=rng.randint(1, 20))
                if state in ("followed_up", "closed") and responded
                else None
            )
            yield (
                next_id, reporter, partner, ocmw, about, rng.choice(THEMES),
                f"Signaal {next_id}", "Beschrijving van een signaal uit het veld.",
                world.ocmw_names[ocmw].removeprefix("OCMW "), urgency,
                "trajectory" if about else "basic", state, handler, created,
                (created + dt.timedelta(days=14)).date(), responded, followed,
                followed if state == "closed" else None, "Opgevolgd." if followed else "",
            )  # fmt: skip
            next_id += 1


SIGNAL_COLUMNS = (
    "id", "reporter", "reporter_org", "ocmw", "client", "theme", "title", "description",
    "municipality", "urgency", "sensitivity", "state", "handler", "created_at", "due_on",
    "first_response_at", "followed_up_at", "closed_at", "outcome",
)  # fmt: skip


def _questions(scale: Scale, world: World, rng: random.Random) -> Iterator[tuple]:
    start = NOW - dt.timedelta(days=365 * scale.years)
    for number in range(1, scale.questions + 1):
        client, ocmw, holder, created = rng.choice(world.clients)
        team = world.team_of[ocmw]
        asked = _moment(rng, max(start, created), NOW)
        age = (NOW - asked).days
        state = "closed" if age > 90 else rng.choice(("open", "claimed", "answered", "closed"))
        assignee = rng.choice(world.mediators[team]) if state != "open" else None
        answered = (
            asked + dt.timedelta(days=rng.randint(1, 12))
            if state in ("answered", "closed")
            else None
        )
        due = (asked + dt.timedelta(days=14)).date()
        closed = answered + dt.timedelta(days=3) if state == "closed" and answered else None
        yield (
            number, client, ocmw, team, holder, rng.choice(QUESTION_TYPES),
            "Kan de VDAB deze cliënt verder helpen?", "{}", state, assignee, asked, due, due,
            answered, answered, closed,
            rng.choice(("yes", "conditional", "no")) if answered else "",
            "Antwoord van de bench." if answered else "", "",
        )  # fmt: skip


QUESTION_COLUMNS = (
    "id", "client", "ocmw", "team", "asker", "type", "text", "shares", "state", "assignee",
    "created_at", "due_on", "first_due_on", "first_answered_at", "answered_at", "closed_at",
    "answer", "reason", "next_step",
)  # fmt: skip


def _documents(scale: Scale, world: World, rng: random.Random) -> Iterator[tuple]:
    for number in range(1, scale.documents + 1):
        client, ocmw, holder, created = rng.choice(world.clients)
        category, sensitivity = rng.choice(CATEGORIES)
        uploaded = _moment(rng, created, NOW)
        yield (
            number, number, 1, True, client, "", None, category, sensitivity, "care_team",
            holder, ocmw, f"document-{number}.pdf", "application/pdf", 100_000 + number,
            f"{number:064x}", f"bench/{number}", uploaded, False,
        )  # fmt: skip


DOCUMENT_COLUMNS = (
    "id", "series", "version", "current", "client", "host_kind", "host_id", "category",
    "sensitivity", "audience", "author", "author_org", "name", "content_type", "size", "sha256",
    "object_key", "uploaded_at", "left_behind",
)  # fmt: skip


SURVEY = (
    ("scale", "Hoe tevreden ben je over de samenwerking in deze periode?"),
    ("scale", "Hoe vlot verliepen de doorverwijzingen?"),
    ("open", "Wat moet er volgende periode anders?"),
)
FIGURES_AT_ONCE = 4
"""Evaluations whose figures are computed at the same time while loading."""


def _finalised_at(period: Period) -> dt.datetime:
    return dt.datetime.combine(period.last_day + dt.timedelta(days=30), dt.time(10), dt.UTC)


def _evaluation_plan(scale: Scale) -> list[tuple[Period, dt.datetime | None]]:
    """Each partnership's evaluations: each past year of the history and this year's ended
    quarters, finalised a month after their end (``None``: this year's, still a draft).
    ``core.periods`` is imported here: it opens the database whose address ``main`` sets."""
    from portal.core.periods import QUARTERS, Period

    years = [Period(year) for year in range(NOW.year - scale.years + 1, NOW.year)]
    quarters = [Period(NOW.year, quarter) for quarter in QUARTERS]
    plan: list[tuple[Period, dt.datetime | None]] = [
        (period, _finalised_at(period))
        for period in (*years, *quarters)
        if _finalised_at(period) < NOW
    ]
    return [*plan, (Period(NOW.year), None)]


async def _frozen_figures(
    world: World, plan: Sequence[tuple[Period, dt.datetime | None]]
) -> dict[tuple[int, str], dict[str, Any]]:
    """The figures each finalised evaluation keeps, computed by the portal's own
    ``figures_of`` at the moment it was finalised, as the write path freezes them."""
    from portal.core import db
    from portal.evaluations.figures import figures_of

    await db.start()
    at_once = asyncio.Semaphore(FIGURES_AT_ONCE)

    async def one(
        partnership: dict[str, int], period: Period, at: dt.datetime
    ) -> tuple[tuple[int, str], dict[str, Any]]:
        async with at_once:
            return (partnership["id"], period.code), await figures_of(partnership, period, now=at)

    try:
        done = await asyncio.gather(
            *(
                one(partnership, period, at)
                for partnership in world.partnerships
                for period, at in plan
                if at is not None
            )
        )
    finally:
        await db.stop()
    return dict(done)


@dataclass
class EvaluationRows:
    evaluations: list[tuple] = field(default_factory=list)
    questions: list[tuple] = field(default_factory=list)
    invitations: list[tuple] = field(default_factory=list)
    answers: list[tuple] = field(default_factory=list)
    actions: list[tuple] = field(default_factory=list)


def _evaluations(
    world: World,
    rng: random.Random,
    plan: Sequence[tuple[Period, dt.datetime | None]],
    frozen: dict[tuple[int, str], dict[str, Any]],
) -> EvaluationRows:
    """Finalised evaluations with their survey (invitations, anonymous answers), conclusions
    and action points; this year's as a draft opened ten days ago."""
    rows = EvaluationRows()
    for partnership in world.partnerships:
        ocmw, partner, team = partnership["ocmw"], partnership["partner"], partnership["vdab"]
        coordinator = world.coordinators[ocmw]
        colleagues = sorted(
            {*world.social_workers[ocmw], *world.toeleiders[partner], *world.mediators[team]}
        )
        for period, finalised in plan:
            number = len(rows.evaluations) + 1
            if finalised is None:
                opened = NOW - dt.timedelta(days=10)
                rows.evaluations.append(
                    (number, partnership["id"], period.code, f"{partnership['id']}/{period.code}",
                     "draft", coordinator, opened, "", "", None, None, 0, "{}", None, None,
                     opened)
                )  # fmt: skip
                continue
            opened = finalised - dt.timedelta(days=25)
            sent, closed = opened + dt.timedelta(days=2), opened + dt.timedelta(days=16)
            rows.evaluations.append(
                (number, partnership["id"], period.code, f"{partnership['id']}/{period.code}",
                 "finalised", coordinator, opened, "Korte lijnen tussen toeleider en OCMW.",
                 "Sneller terugkoppelen op signalen.", sent, closed, len(colleagues),
                 json.dumps(frozen[(partnership["id"], period.code)]), coordinator, finalised,
                 finalised)
            )  # fmt: skip
            asked = []
            for position, (kind, text) in enumerate(SURVEY, 1):
                asked.append((len(rows.questions) + 1, kind))
                rows.questions.append((asked[-1][0], number, position, kind, text))
            for person in colleagues:
                answered = rng.random() < 0.6
                rows.invitations.append(
                    (len(rows.invitations) + 1, number, person, answered, f"{number}/{person}")
                )
                for question, kind in asked if answered else ():
                    score = rng.randint(2, 5) if kind == "scale" else None
                    text = "" if kind == "scale" else "Meer overleg over de wachtlijsten."
                    rows.answers.append((len(rows.answers) + 1, number, question, score, text))
            for position in range(2):
                due = period.last_day + dt.timedelta(days=90 * (position + 1))
                rows.actions.append(
                    (len(rows.actions) + 1, number, "Maandelijks casusoverleg plannen.",
                     "Coördinator OCMW", due, position)
                )  # fmt: skip
    return rows


EVALUATION_COLUMNS = (
    "id", "partnership", "period", "slot", "state", "opened_by", "opened_at", "strengths",
    "adjustments", "survey_sent_at", "survey_closed_at", "invited", "figures", "finalised_by",
    "finalised_at", "changed_at",
)  # fmt: skip


async def load(scale_name: str, database: str, seed: int) -> dict[str, Any]:
    scale = SCALES[scale_name]
    rng = random.Random(seed)
    dsn = f"postgresql://postgres@127.0.0.1:5432/{database}"
    started = time.perf_counter()
    await _recreate_database(database)
    _migrate(dsn)
    world = World()
    figures: dict[str, Any] = {"scale": scale_name, "seed": seed, "rows": {}, "seconds": {}}
    connection = await asyncpg.connect(dsn)
    try:
        await connection.execute("SET session_replication_role = replica")
        indexes = await _secondary_indexes(connection)
        for name, _definition in indexes:
            await connection.execute(f'DROP INDEX "{name}"')

        async def step(table: str, columns: Sequence[str], rows: Iterable[tuple]) -> None:
            began = time.perf_counter()
            count = await _copy(connection, table, columns, rows)
            figures["rows"][table] = figures["rows"].get(table, 0) + count
            figures["seconds"][table] = round(time.perf_counter() - began, 1)
            say(f"{table}: {count:,} rows in {figures['seconds'][table]} s")

        await step(
            "organisation", ("id", "code", "name", "kind"), list(_organisations(scale, world))
        )
        await step("partnership", ("id", "name", "ocmw", "partner", "vdab"), _partnerships(world))
        places = [world.ocmw_names[ocmw].removeprefix("OCMW ") for ocmw in world.ocmws]
        routes = [
            (number, place.lower(), place, ocmw)
            for number, (place, ocmw) in enumerate(zip(places, world.ocmws, strict=True), 1)
        ]
        await step("signal_route", ("id", "municipality", "name", "ocmw"), routes)
        sizes = _sizes(scale.clients, scale.ocmws, rng, scale.ocmw_skew)
        counts = dict(zip(world.ocmws, sizes, strict=True))
        await step(
            "person",
            ("id", "username", "display_name", "email", "organisation", "roles", "active"),
            list(_people(scale, world, counts)),
        )
        await step("client", CLIENT_COLUMNS, _clients(scale, world, counts, rng))
        await step(
            "care_team_member", ("id", "client", "person", "added_at"), _care_teams(world, rng)
        )
        await step(
            "consent",
            ("id", "client", "organisation", "given", "decided_on", "recorded_by"),
            _consents(world, rng),
        )
        last_activity: dict[int, dt.datetime] = {}
        await step("timeline_event", EVENT_COLUMNS, _events(scale, world, rng, last_activity))
        heads: list[tuple] = []
        await step("access_log", ACCESS_COLUMNS, _accesses(scale, world, rng, heads))
        await step(
            "audit_chain",
            ("id", "key", "seq", "head", "pruned_seq", "pruned_hash", "prev_head"),
            heads,
        )
        await step("signal", SIGNAL_COLUMNS, _signals(scale, world, rng, counts))
        await step("question", QUESTION_COLUMNS, _questions(scale, world, rng))
        await step("document", DOCUMENT_COLUMNS, _documents(scale, world, rng))
        began = time.perf_counter()
        await connection.execute("CREATE TEMP TABLE activity (client int, at timestamptz)")
        await connection.copy_records_to_table(
            "activity", records=list(last_activity.items()), columns=["client", "at"]
        )
        await connection.execute(
            "UPDATE client SET last_activity_at = a.at FROM activity a WHERE a.client = client.id"
        )
        for _name, definition in indexes:
            await connection.execute(definition)
        figures["seconds"]["indexes"] = round(time.perf_counter() - began, 1)
        began = time.perf_counter()
        await connection.execute("ANALYZE")
        plan = _evaluation_plan(scale)
        frozen = await _frozen_figures(world, plan)
        took = figures["seconds"]["evaluation figures"] = round(time.perf_counter() - began, 1)
        say(f"{len(frozen):,} finalised evaluations' figures in {took} s")
        made = _evaluations(world, rng, plan, frozen)
        await step("evaluation", EVALUATION_COLUMNS, made.evaluations)
        await step(
            "evaluation_question",
            ("id", "evaluation", "position", "kind", "text"),
            made.questions,
        )
        await step(
            "evaluation_invitation",
            ("id", "evaluation", "person", "answered", "slot"),
            made.invitations,
        )
        await step(
            "evaluation_answer", ("id", "evaluation", "question", "score", "text"), made.answers
        )
        await step(
            "evaluation_action",
            ("id", "evaluation", "text", "owner", "due_on", "position"),
            made.actions,
        )
        began = time.perf_counter()
        await connection.execute(
            """
            SELECT setval(pg_get_serial_sequence(quote_ident(c.table_name), c.column_name),
                          GREATEST(1, (xpath('/row/m/text()', query_to_xml(
                              format('SELECT max(%I) AS m FROM %I', c.column_name, c.table_name),
                              false, true, '')))[1]::text::bigint))
            FROM information_schema.columns c
            WHERE c.table_schema = 'public' AND c.column_default LIKE 'nextval%'
            """
        )
        await connection.execute("SET session_replication_role = origin")
        await connection.execute("VACUUM ANALYZE")  # as autovacuum would have: index-only scans
        finishing = round(time.perf_counter() - began, 1)
        figures["seconds"]["sequences, vacuum analyse"] = finishing
        size = await connection.fetchval("SELECT pg_database_size(current_database())")
        figures["size_gb"] = round(size / 1024**3, 2)
    finally:
        await connection.close()
    figures["total_seconds"] = round(time.perf_counter() - started, 1)
    say(
        f"loaded {scale_name} into {database}: "
        f"{figures['size_gb']} GB in {figures['total_seconds']} s"
    )
    return figures


@contextlib.asynccontextmanager
async def served_in_process(database: str) -> AsyncIterator[Any]:
    """The portal with production settings, in this process, on ``database``. Yields
    ``logged_in(person_id)``: an async context manager giving an httpx client with a session of
    that person written into Redis (production has no development login)."""
    import logging
    import secrets
    import tempfile

    import httpx
    from litestar.stores.redis import RedisStore

    import portal.domains  # noqa: F401 (installs event kinds and record policies)
    from portal.app import create_app
    from portal.core.sessions import REDIS_NAMESPACE, SessionData, store_key
    from portal.settings import load_settings

    logging.getLogger("httpx").setLevel(logging.WARNING)
    settings = load_settings(
        {
            "PORTAL_ENV": "production",
            "PORTAL_SECRET_KEY": secrets.token_urlsafe(36),
            "PORTAL_BASE_URL": "https://127.0.0.1",
            "PORTAL_DATABASE_URL": f"postgresql://postgres@127.0.0.1:5432/{database}",
            "PORTAL_VAR_DIR": tempfile.mkdtemp(prefix="brug-flanders-"),
            "PORTAL_REDIS_URL": REDIS_URL,
            **OIDC_ENV,
            **STATEMENTS_ENV,
        }
    )
    app = create_app(settings)
    store = RedisStore.with_client(url=REDIS_URL, namespace=REDIS_NAMESPACE)

    @contextlib.asynccontextmanager
    async def logged_in(person: int) -> AsyncIterator[httpx.AsyncClient]:
        token = secrets.token_urlsafe(32)
        await store.set(store_key(token), SessionData.fresh(person).to_json(), expires_in=3600)
        try:
            async with httpx.AsyncClient(
                transport=httpx.ASGITransport(app=app),  # type: ignore[arg-type]
                base_url="https://127.0.0.1",
                cookies={"brug_session": token},
                timeout=600,
            ) as http:
                yield http
        finally:
            await store.delete(store_key(token))

    try:
        async with app.lifespan():
            yield logged_in
    finally:
        await store._redis.aclose()


async def check(database: str) -> None:
    """Every page the scale measurements open (``bench.scale.PAGES``) answers 200 in-process on
    the loaded database, for the viewers they choose: the rows are what the portal expects."""
    from bench.scale import PAGES, choose

    chosen = await choose(database)
    async with served_in_process(database) as logged_in:
        for page in PAGES:
            url = page.path.format(**chosen["values"])
            async with logged_in(chosen["people"][page.viewer]) as http:
                began = time.perf_counter()
                response = await http.get(url)
            took = (time.perf_counter() - began) * 1000
            say(f"{page.viewer:14} GET {url}: {response.status_code} in {took:.0f} ms (cold)")
            if response.status_code != 200:
                raise SystemExit(f"{page.viewer}: GET {url} answered {response.status_code}")


def main() -> int:
    parser = argparse.ArgumentParser(
        prog="python -m bench.flanders", description=__doc__.split("\n")[0]
    )
    parser.add_argument("--scale", choices=sorted(SCALES), default="flanders")
    parser.add_argument("--database", default=None, help="default: brug_bench_<scale>")
    parser.add_argument("--seed", type=int, default=19)
    parser.add_argument("--no-check", action="store_true", help="skip requesting the pages")
    args = parser.parse_args()
    database = args.database or f"brug_bench_{args.scale}"
    os.environ["PORTAL_DATABASE_URL"] = f"postgresql://postgres@127.0.0.1:5432/{database}"
    os.environ.setdefault("PICCOLO_CONF", "portal.piccolo_conf")
    figures = asyncio.run(load(args.scale, database, args.seed))
    print(json.dumps(figures, indent=2))
    if not args.no_check:
        asyncio.run(check(database))
    return 0


if __name__ == "__main__":
    sys.exit(main())
