"""The world of ``bench.pages``: one database where a social worker's start page, their OCMW's
signal queue and a VDAB mediator's question queue all show what a portal in use shows.

Run by ``python -m bench.pages --seed`` in its own process (``PORTAL_DATABASE_URL`` names the
database; Piccolo binds its engine on import). The organisations and people are written through
the portal's services, as ``bench.seed`` writes them; the rest in bulk (``COPY``), drawn by the
generators of the other benches where there is one: the files of two OCMWs with their care teams
and timeline events (``bench.start_page``), the signals of the measured OCMW
(``bench.signal_queue``), and the referral questions of both OCMWs to their VDAB team (here), each
client asked about having consented to that team. Then ``VACUUM ANALYZE``.
"""

from __future__ import annotations

import datetime as dt
import os
import random
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

import asyncpg

from bench import signal_queue, start_page

EVENTS = 100_000
"""Timeline events on both OCMWs' files (a fifth on the measured OCMW's), as ``bench.start_page``
draws them."""
SIGNALS = 10_000
"""Signals routed to the measured OCMW over three years, as ``bench.signal_queue`` draws them:
between that bench's two sizes."""
QUESTIONS = 4_000
"""Referral questions to the VDAB team over three years (about four a working day), from both
OCMWs: a few dozen waiting at any time."""
MEDIATORS = 4
SPAN_DAYS = 3 * 365
OWN_SHARE_OF_QUESTIONS = 0.5
SEED = 20261205

QUESTION_TYPES = {"trajectory": 40, "training_advice": 30, "invitation": 20, "other": 10}
QUESTION_STATES_BY_AGE: tuple[tuple[int, dict[str, int]], ...] = (
    # (at most this many days old, weights of the states)
    (10, {"open": 45, "claimed": 35, "answered": 15, "closed": 5}),
    (30, {"open": 4, "claimed": 8, "answered": 38, "closed": 50}),
    (SPAN_DAYS + 1, {"answered": 5, "closed": 95}),
)
"""A question's state by its age: the recent ones wait for an answer, the old ones are closed."""
ANSWERS = {"yes": 50, "conditional": 30, "no": 20}
WAITING = ("open", "claimed")
DEADLINE = 10
"""Working days to an answer (``questions.workflow.DEFAULT_DEADLINE``)."""


@dataclass(frozen=True)
class Cast:
    start: start_page.Cast
    signals: signal_queue.Cast
    vdab: int
    mediators: tuple[int, ...]
    """The measured one first."""


async def _cast() -> Cast:
    """The three organisations of ``bench.seed`` and their partnership, a second OCMW in
    partnership with the same VDAB team, and their people, through the services."""
    from bench.seed import OCMW, PARTNER, VDAB, SeedRefused, _actor, _organisations
    from portal.accounts.tables import Organisation, OrgKind
    from portal.admin.forms import OrganisationForm, PartnershipForm
    from portal.admin.services import save_organisation, save_partnership
    from portal.signals.tables import SignalRoute
    from portal.visibility.policy import Role

    orgs = await _organisations()
    other_code = start_page.OTHER_OCMW
    form = OrganisationForm(name="OCMW Elders", code=other_code, kind=OrgKind.ocmw.value)
    if errors := await save_organisation(form):
        raise SeedRefused(f"organisation {other_code}: {errors}")
    row = await Organisation.select(Organisation.id).where(Organisation.code == other_code).first()
    assert row is not None
    other = int(row["id"])
    partnership = PartnershipForm(
        name="OCMW Elders × VDAB Benchstad", ocmw=str(other), vdab=str(orgs[VDAB])
    )
    if errors := await save_partnership(partnership):
        raise SeedRefused(f"partnership: {errors}")

    own = [(await _actor("sw.bench", "Sam Bench", orgs[OCMW], Role.social_worker)).person_id]
    for number in range(2, start_page.SOCIAL_WORKERS + 1):
        viewer = await _actor(
            f"sw.bench{number}", f"Social Worker {number}", orgs[OCMW], Role.social_worker
        )
        own.append(viewer.person_id)
    elders = []
    for number in range(1, start_page.SOCIAL_WORKERS + 1):
        viewer = await _actor(
            f"sw.elders{number}", f"Elder Worker {number}", other, Role.social_worker
        )
        elders.append(viewer.person_id)
    coordinator = await _actor("coordinator.bench", "Cora Bench", orgs[OCMW], Role.coordinator)
    reporters = [(person, orgs[OCMW]) for person in own[:3]]
    for number in range(1, signal_queue.REPORTERS - 3):
        viewer = await _actor(
            f"toeleider.bench{number}", f"Toeleider {number}", orgs[PARTNER], Role.toeleider
        )
        reporters.append((viewer.person_id, viewer.org_id))
    mediators = [(await _actor("mediator.bench", "Mia Bench", orgs[VDAB], Role.mediator)).person_id]
    for number in range(2, MEDIATORS + 1):
        viewer = await _actor(
            f"mediator.bench{number}", f"Mediator {number}", orgs[VDAB], Role.mediator
        )
        mediators.append(viewer.person_id)
    reporters.append((mediators[0], orgs[VDAB]))
    for name in signal_queue.MUNICIPALITIES:
        await SignalRoute(municipality=name.lower(), name=name, ocmw=orgs[OCMW]).save()
    return Cast(
        start=start_page.Cast(orgs[OCMW], other, tuple(own), tuple(elders)),
        signals=signal_queue.Cast(
            ocmw=orgs[OCMW],
            partner=orgs[PARTNER],
            vdab=orgs[VDAB],
            handler=own[0],
            # The last one (the coordinator) hands out but never handles.
            handlers=(*own, coordinator.person_id),
            reporters=tuple(reporters),
        ),
        vdab=orgs[VDAB],
        mediators=tuple(mediators),
    )


def _pick(rng: random.Random, weights: dict[str, int]) -> str:
    return rng.choices(list(weights), weights=list(weights.values()))[0]


QUESTION_COLUMNS = (
    "client",
    "ocmw",
    "team",
    "asker",
    "type",
    "text",
    "shares",
    "state",
    "assignee",
    "created_at",
    "due_on",
    "first_due_on",
    "first_answered_at",
    "answered_at",
    "closed_at",
    "answer",
    "reason",
)


def question_rows(
    size: int,
    cast: Cast,
    files: dict[int, list[tuple[int, int]]],
    now: dt.datetime,
) -> Iterator[tuple[Any, ...]]:
    """``size`` questions to the VDAB team, the same draw for the same size: columns as
    ``QUESTION_COLUMNS``. ``files`` holds (client, file holder) per OCMW; the file holder asks."""
    from portal.core.templating import local_time
    from portal.core.workdays import BELGIUM

    rng = random.Random(SEED + size)
    own, other = cast.start.ocmw, cast.start.other_ocmw
    due: dict[dt.date, dt.date] = {}
    for number in range(size):
        age = rng.uniform(0, SPAN_DAYS)
        created = now - dt.timedelta(days=age)
        day = local_time(created).date()
        if day not in due:
            due[day] = BELGIUM.add_working_days(day, DEADLINE)
        ocmw = own if rng.random() < OWN_SHARE_OF_QUESTIONS else other
        client, holder = rng.choice(files[ocmw])
        state = _pick(rng, next(w for limit, w in QUESTION_STATES_BY_AGE if age <= limit))
        answered = (
            min(now, created + dt.timedelta(days=rng.uniform(0.5, min(age, 14) or 0.5)))
            if state in ("answered", "closed")
            else None
        )
        closed = (
            min(now, answered + dt.timedelta(days=rng.uniform(0, 10)))
            if answered and state == "closed"
            else None
        )
        kind = _pick(rng, QUESTION_TYPES)
        yield (
            client,
            ocmw,
            cast.vdab,
            holder,
            kind,
            f"Bench question {number} ({kind}): what VDAB can offer this client, at some "
            "length. " * 2,
            "{}",
            state,
            rng.choice(cast.mediators) if state != "open" else None,
            created,
            due[day],
            due[day],
            answered,
            answered,
            closed,
            _pick(rng, ANSWERS) if answered else "",
            "Why, in a sentence or two." if answered else "",
        )


async def seed() -> dict[str, Any]:
    import portal.domains  # noqa: F401 (installs event kinds and record policies)
    from portal.core import db
    from portal.core.templating import local_time

    await db.start()
    try:
        cast = await _cast()
    finally:
        await db.stop()
    dsn = "postgresql://" + os.environ["PORTAL_DATABASE_URL"].split("://", 1)[1]
    now = dt.datetime.now(dt.UTC).replace(microsecond=0)
    opened = now - dt.timedelta(days=SPAN_DAYS + 30)
    start = cast.start
    connection = await asyncpg.connect(dsn)
    try:
        client_rows = []
        for ocmw, holders, count, tag in (
            (start.ocmw, start.social_workers, start_page.OWN_CLIENTS, "Own"),
            (start.other_ocmw, start.others, start_page.OTHER_CLIENTS, "Other"),
        ):
            for number in range(count):
                first, last = f"{tag}{number}", f"Bench{number}"
                municipality = list(signal_queue.MUNICIPALITIES)[number % 6]
                holder = holders[number % len(holders)]
                name = f"{first} {last}".lower()
                client_rows.append((ocmw, holder, first, last, name, municipality, opened, 3))
        await connection.copy_records_to_table(
            "client",
            records=client_rows,
            columns=[
                "ocmw",
                "file_holder",
                "first_name",
                "last_name",
                "search_name",
                "municipality",
                "created_at",
                "ladder_step",
            ],
        )
        rows = await connection.fetch("SELECT id, ocmw, file_holder FROM client ORDER BY id")
        files: dict[int, list[tuple[int, int]]] = {start.ocmw: [], start.other_ocmw: []}
        for row in rows:
            files[row["ocmw"]].append((row["id"], row["file_holder"]))
        own, other = files[start.ocmw], files[start.other_ocmw]
        await connection.copy_records_to_table(
            "care_team_member",
            records=[(client, holder, opened) for client, holder in own + other],
            columns=["client", "person", "added_at"],
        )
        events = sorted(
            start_page.event_rows(EVENTS, start, own, other, now), key=lambda row: row[2]
        )
        await connection.copy_records_to_table(
            "timeline_event", records=events, columns=list(start_page.EVENT_COLUMNS)
        )
        await connection.execute(
            "UPDATE client SET last_activity_at = latest.at FROM (SELECT client, "
            "MAX(occurred_at) AS at FROM timeline_event GROUP BY client) AS latest "
            "WHERE client.id = latest.client"
        )
        signals = sorted(
            signal_queue.signal_rows(SIGNALS, cast.signals, [c for c, _h in own], now),
            key=lambda row: row[signal_queue.CREATED],
        )
        await connection.copy_records_to_table(
            "signal", records=signals, columns=list(signal_queue.COLUMNS)
        )
        questions = sorted(
            question_rows(QUESTIONS, cast, files, now),
            key=lambda row: row[QUESTION_COLUMNS.index("created_at")],
        )
        holder_of = dict(own + other)
        asked = sorted({row[0] for row in questions})
        await connection.copy_records_to_table(
            "consent",
            records=[
                (client, cast.vdab, True, opened.date(), holder_of[client]) for client in asked
            ],
            columns=["client", "organisation", "given", "decided_on", "recorded_by"],
        )
        await connection.copy_records_to_table(
            "question", records=questions, columns=list(QUESTION_COLUMNS)
        )
        await connection.execute("VACUUM ANALYZE")
    finally:
        await connection.close()
    today = local_time(now).date()
    state = QUESTION_COLUMNS.index("state")
    return {
        "social_worker": start.social_workers[0],
        "mediator": cast.mediators[0],
        "counts": {
            "events": len(events),
            "clients": len(rows),
            "signals": len(signals),
            "questions": len(questions),
        },
        "expected": {
            "recent": await start_page.expected(start.social_workers[0]),
            "signals": signal_queue.expected(signals, today),
            "questions_waiting": sum(row[state] in WAITING for row in questions),
        },
    }
