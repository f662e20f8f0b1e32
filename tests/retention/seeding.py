"""Files for the retention tests: the test world (clients X, Y and Z, open) and files of OCMW A
with a distinctive tag in every text people could write on them, through the services where a
page would write them (questions, signals, documents, closing) and as rows elsewhere, then closed
at a given moment. The tables as they stand, the rows one file owns, and the figures the
evaluations count, each read with plain SQL (not through ``portal.retention``)."""

from __future__ import annotations

import datetime as dt
from typing import Any

from piccolo.columns import JSON, Text, Varchar
from piccolo.querystring import QueryString

from portal import domains
from portal.clients.closing import close_file
from portal.core import db
from portal.core.storage import DocumentStore
from portal.documents.services import remove
from portal.review.tables import ReviewItem
from portal.signals.services import capture, comment
from portal.signals.tables import Signal, SignalRoute
from portal.trajectory.tables import Intake, IntakeAnswer, Invitation, Placement, TrainingRequest
from tests.support.documents import upload
from tests.support.factories import (
    NOW,
    World,
    add_event,
    add_to_team,
    build_world,
    enrol_client,
    make_client,
    make_review_round,
    set_consent,
)
from tests.support.questions import question_in
from tests.support.trajectory import viewer_of

RETENTION_TABLES = ("retention_deletion", "retention_object")


async def sql(text: str, *values: Any) -> list[dict[str, Any]]:
    return [dict(row) for row in await db.DB.run_querystring(QueryString(text, *values))]


async def retention_world() -> World:
    """The test world, a route for signals about Zottegem and a review round of OCMW A."""
    world = await build_world()
    await SignalRoute(municipality="zottegem", name="Zottegem", ocmw=world.orgs["ocmw-a"]).save()
    world.review_rounds["ocmw-a"] = await make_review_round(
        world.orgs["ocmw-a"], world.people["sw.a"]
    )
    return world


async def add_file(
    world: World,
    store: DocumentStore,
    tag: str,
    *,
    closed: dt.datetime | None,
    ladder_step: int = 3,
    status: str = "activation",
) -> int:
    """A file of OCMW A held by sw.a, with ``tag`` in every free text, closed at ``closed``
    (open when ``None``): entries of several kinds, a referral question answered with messages
    from both sides, a signal with a comment, an outcome and a photo, two documents (one removed
    with a reason), trajectory rows, a review item and a group course."""
    ocmw, holder = world.orgs["ocmw-a"], world.people["sw.a"]
    client_id = await make_client(
        ocmw, tag, municipality="Zottegem", status=status, ladder_step=ladder_step
    )
    world.clients[tag] = client_id
    for username in ("mediator", "toeleider"):
        await add_to_team(client_id, world.people[username])
    await set_consent(client_id, world.orgs["vdab"], True)
    await set_consent(client_id, world.orgs["partner"], True)
    author = {"author": holder, "author_org": ocmw}
    at = (closed or NOW) - dt.timedelta(days=40)
    await add_event(
        client_id, **author, subject=f"{tag} subject", text=f"{tag} note", occurred_at=at
    )
    await add_event(
        client_id,
        **author,
        kind="training.requested",
        payload={"course": f"{tag} course", "provider": f"{tag} provider"},
        occurred_at=at,
    )
    await add_event(
        client_id,
        **author,
        kind="invitation.sent",
        payload={"when": "02-03-2015 10:00", "place": f"{tag} street 1"},
        occurred_at=at,
    )
    await add_event(
        client_id,
        **author,
        kind="ladder.changed",
        payload={"step_from": 2, "step_to": ladder_step},
        occurred_at=at,
    )
    await question_in(world, "answered", label=tag, tag=tag)
    sw = await viewer_of(world, "sw.a")
    signal_id = await capture(
        sw,
        {
            "theme": "housing",
            "title": f"{tag} signal title",
            "description": f"{tag} signal text",
            "municipality": "Zottegem",
            "urgency": "normal",
            "client": str(client_id),
        },
    )
    await comment(sw, signal_id, f"{tag} signal comment")
    await Signal.update({Signal.outcome: f"{tag} signal outcome"}).where(Signal.id == signal_id)
    await upload(world, store, "sw.a", "cv", client=tag, label=f"{tag}-cv")
    removed = await upload(world, store, "sw.a", "medical", client=tag, label=f"{tag}-medical")
    await remove(sw, removed.id, {"reason": f"{tag} removed by mistake"})
    await upload(world, store, "sw.a", "photo", signal=signal_id, label=f"{tag}-photo")
    await TrainingRequest(
        client=client_id,
        course=f"{tag} course",
        provider=f"{tag} provider",
        note=f"{tag} training note",
        reason=f"{tag} training reason",
        state="completed",
        requested_by=holder,
        requested_at=at,
        changed_at=at,
    ).save()
    await Invitation(
        client=client_id,
        at=at,
        place=f"{tag} street 1",
        invited_by=world.people["mediator"],
        organisation=world.orgs["vdab"],
        created_at=at,
    ).save()
    intake = Intake(client=client_id, held_on=at.date(), held_by=holder, created_at=at)
    await intake.save()
    await IntakeAnswer(
        intake=intake.id,
        client=client_id,
        topic="wishes",
        text=f"{tag} wishes",
        sensitivity="trajectory",
    ).save()
    await Placement(
        client=client_id,
        work_site=f"{tag} work site",
        start=at.date(),
        follow_up=f"{tag} follow-up",
        outflow="regular_job",
        recorded_by=holder,
        recorded_at=at,
        changed_at=at,
    ).save()
    round_id = world.review_rounds["ocmw-a"]
    await ReviewItem(
        round=round_id,
        client=client_id,
        slot=f"{round_id}/{client_id}",
        decision="not_yet",
        reason_kind="dutch",
        reason=f"{tag} review reason",
        decided_by=holder,
        decided_at=at,
    ).save()
    await enrol_client(world.courses["A"], client_id, holder)
    if closed is not None:
        await close_file(
            sw, client_id, {"reason": "other", "note": f"{tag} closing note"}, at=closed
        )
    return client_id


def _text_columns() -> list[tuple[str, str]]:
    return [
        (table._meta.tablename, column._meta.db_column_name)
        for table in domains.tables()
        for column in table._meta.columns
        if isinstance(column, Varchar | Text | JSON)
    ]


async def mentions(tag: str) -> list[str]:
    """Every ``table.column#id`` whose text holds ``tag`` (in any case), in every table."""
    found = []
    for table, column in _text_columns():
        rows = await sql(
            f'SELECT id FROM "{table}" WHERE LOWER(CAST("{column}" AS TEXT)) LIKE {{}}',
            f"%{tag.lower()}%",
        )
        found += [f"{table}.{column}#{row['id']}" for row in rows]
    return sorted(found)


async def snapshot() -> dict[str, dict[int, dict[str, Any]]]:
    """Every row of every table, by table and id."""
    tables: dict[str, dict[int, dict[str, Any]]] = {}
    for table in domains.tables():
        name = table._meta.tablename
        tables[name] = {row["id"]: row for row in await sql(f'SELECT * FROM "{name}"')}
    return tables


def changed_rows(
    before: dict[str, dict[int, dict[str, Any]]], after: dict[str, dict[int, dict[str, Any]]]
) -> set[tuple[str, int]]:
    """Rows added, removed or changed, as (table, id)."""
    changed = set()
    for table in before.keys() | after.keys():
        old, new = before.get(table, {}), after.get(table, {})
        for row_id in old.keys() | new.keys():
            if old.get(row_id) != new.get(row_id):
                changed.add((table, row_id))
    return changed


async def rows_of_file(client_id: int) -> set[tuple[str, int]]:
    """The rows one file owns, found here by plain SQL: the client row, every row with that
    client, the changes of its questions and signals, and its signals' attachments."""
    owned = {("client", client_id)}
    for table in domains.tables():
        if "client" in {column._meta.name for column in table._meta.columns}:
            name = table._meta.tablename
            rows = await sql(f'SELECT id FROM "{name}" WHERE client = {{}}', client_id)
            owned |= {(name, row["id"]) for row in rows}
    for table, parent in (("question_change", "question"), ("signal_change", "signal")):
        rows = await sql(
            f'SELECT id FROM "{table}" WHERE "{parent}" IN'
            f' (SELECT id FROM "{parent}" WHERE client = {{}})',
            client_id,
        )
        owned |= {(table, row["id"]) for row in rows}
    rows = await sql(
        "SELECT id FROM document WHERE host_kind = 'signal' AND host_id IN"
        " (SELECT id FROM signal WHERE client = {})",
        client_id,
    )
    return owned | {("document", row["id"]) for row in rows}


FIGURES = {
    "clients per OCMW, ladder step, status, municipality and reason for closing": (
        "SELECT ocmw, ladder_step, status, municipality, closed_reason, COUNT(*) AS n"
        " FROM client GROUP BY ocmw, ladder_step, status, municipality, closed_reason"
    ),
    "timeline entries per kind and month": (
        "SELECT kind, SUBSTR(CAST(occurred_at AS TEXT), 1, 7) AS month, COUNT(*) AS n"
        " FROM timeline_event GROUP BY kind, SUBSTR(CAST(occurred_at AS TEXT), 1, 7)"
    ),
    "training requests per state": (
        "SELECT state, COUNT(*) AS n FROM training_request GROUP BY state"
    ),
    "questions per type, state and answer": (
        "SELECT type, state, answer, COUNT(*) AS n FROM question GROUP BY type, state, answer"
    ),
    "signals per theme, municipality and state": (
        "SELECT theme, municipality, state, COUNT(*) AS n FROM signal"
        " GROUP BY theme, municipality, state"
    ),
    "documents per category": (
        "SELECT category, COUNT(*) AS n, SUM(size) AS bytes FROM document GROUP BY category"
    ),
    "placements per outflow": "SELECT outflow, COUNT(*) AS n FROM placement GROUP BY outflow",
    "review items per decision and reason": (
        "SELECT decision, reason_kind, COUNT(*) AS n FROM review_item"
        " GROUP BY decision, reason_kind"
    ),
    "enrolments per course": ("SELECT course, COUNT(*) AS n FROM course_enrolment GROUP BY course"),
}
"""What the evaluations count, written here as plain SQL."""


async def figures() -> dict[str, list[tuple[str, ...]]]:
    return {
        name: sorted(tuple(str(value) for value in row.values()) for row in await sql(query))
        for name, query in FIGURES.items()
    }
