"""Nothing erases history (issue 8): no delete of an organisation, a person or a client takes the
rows that refer to it along; the database refuses it (``ON DELETE RESTRICT``).

The rules are checked three ways: the table classes declare them, the database enforces them (one
world, and every foreign key on its own), and the migrations bring a database made by the earlier
migrations, rows and all, to the same rules without losing a row.
"""

from __future__ import annotations

import asyncio
import itertools
import json
import sqlite3
import subprocess
import sys
import textwrap
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any
from urllib.parse import urlparse

import asyncpg
import pytest
from piccolo.apps.migrations.auto.schema_snapshot import SchemaSnapshot
from piccolo.apps.migrations.commands.base import BaseMigrationManager
from piccolo.columns import ForeignKey
from piccolo.columns.base import OnDelete
from piccolo.querystring import QueryString
from piccolo.table import Table

from portal import domains
from portal.accounts.tables import Organisation, Partnership, Person
from portal.admin.tables import AdminAction
from portal.audit.chain import append as append_entry
from portal.audit.tables import AuditCheckpoint
from portal.clients.tables import Client
from portal.core import db
from portal.visibility.scoping import unscoped
from tests.conftest import TABLES, TEST_DATABASE_URL, WORKER
from tests.support.factories import (
    NOW,
    add_event,
    add_to_team,
    add_trajectory_rows,
    enrol_client,
    make_client,
    make_course,
    make_intake,
    make_org,
    make_partnership,
    make_person,
    make_review_item,
    make_review_round,
    make_session,
    mark_attendance,
    set_consent,
)

ROOT = Path(__file__).resolve().parents[2]
HISTORY = (Organisation, Person, Client)
"""Rows whose deletion could erase history: every foreign key to them must be RESTRICT."""
REFUSED = (sqlite3.IntegrityError, asyncpg.exceptions.ForeignKeyViolationError)
MIGRATIONS = {
    "accounts": "2026-12-02T10:00:00:000000",
    "clients": "2026-12-02T10:00:01:000000",
    "audit": "2026-12-02T10:00:02:000000",
}
LATER_APPS = {
    "admin": ("admin_action",),
    "courses": ("course", "course_session", "course_enrolment", "course_attendance"),
    "trajectory": ("training_request", "invitation", "intake", "intake_answer", "placement"),
    "review": ("review_round", "review_item"),
    "documents": ("document",),
    "signals": ("signal_theme", "signal_route", "signal", "signal_change"),
    "questions": ("question_deadline", "question", "question_change"),
    "notifications": ("inbox_item", "digest_choice"),
    "transfers": ("transfer", "transfer_handover"),
    "evaluations": (
        "evaluation",
        "evaluation_question",
        "evaluation_invitation",
        "evaluation_answer",
        "evaluation_action",
    ),
    "retention": ("retention_deletion", "retention_object"),
}
"""Apps whose tables were made after these migrations, with RESTRICT from the start."""
LATER_TABLES = {table for tables in LATER_APPS.values() for table in tables}
_seq = itertools.count(1)


async def _signal_rows(org: int, person: int, client: int) -> tuple[int, int]:
    """A route, a signal about a client, one change of it and its inbox item to the reporter, as
    the services write them."""
    from portal.notifications.tables import InboxItem
    from portal.signals.tables import Signal, SignalChange, SignalRoute

    await SignalRoute(municipality=f"place-{next(_seq)}", name="Place", ocmw=org).save()
    row = Signal(
        reporter=person,
        reporter_org=org,
        ocmw=org,
        client=client,
        theme="housing",
        title="t",
        description="d",
        municipality="Place",
        sensitivity="trajectory",
        handler=person,
        created_at=NOW,
        due_on=NOW.date(),
    )
    with unscoped("test: a row as written"):
        await row.save()
    change = SignalChange(signal=row.id, kind="assign", handler=person, person=person, at=NOW)
    await change.save()
    await InboxItem(
        person=person,
        kind="signal.assigned",
        record="signal",
        record_id=row.id,
        detail=change.id,
        created_at=NOW,
    ).save()
    return int(row.id), int(change.id)


async def _file_life_rows(ocmw: int, other: int, person: int, client: int) -> None:
    """A transfer with an entry handed over, and a retention run's deletion log with an object
    still to delete."""
    from portal.retention.tables import RetentionDeletion, RetentionObject
    from portal.transfers.tables import HandedOver, Transfer

    transfer = Transfer(
        client=client,
        from_ocmw=ocmw,
        to_ocmw=other,
        proposed_by=person,
        proposed_at=NOW,
        decided_by=person,
        note="n",
    )
    with unscoped("test: a row as written"):
        await transfer.save()
    await HandedOver(transfer=transfer.id, kind="event", record=1, audience="own_org").save()
    deletion = RetentionDeletion(file=client, at=NOW, closed_at=NOW, cutoff=NOW, years=10)
    await deletion.save()
    await RetentionObject(deletion=deletion.id, document=1, object_key="k-history").save()


async def _evaluation_rows(partnership: int, person: int) -> int:
    """An evaluation with a survey question, an invitation, an answer and an action point."""
    from portal.evaluations.tables import (
        ActionPoint,
        Evaluation,
        SurveyAnswer,
        SurveyInvitation,
        SurveyQuestion,
    )

    evaluation = Evaluation(
        partnership=partnership,
        period="2026",
        slot=f"{partnership}/2026",
        opened_by=person,
        opened_at=NOW,
        finalised_by=person,
        changed_at=NOW,
    )
    with unscoped("test: a row as written"):
        await evaluation.save()
    question = SurveyQuestion(evaluation=evaluation.id, position=0, kind="open", text="q")
    await question.save()
    await SurveyInvitation(
        evaluation=evaluation.id, person=person, slot=f"{evaluation.id}/{person}"
    ).save()
    await SurveyAnswer(evaluation=evaluation.id, question=question.id, text="a").save()
    await ActionPoint(evaluation=evaluation.id, text="t", owner="o", due_on=NOW.date()).save()
    return int(evaluation.id)


async def _question_rows(ocmw: int, vdab: int, person: int, client: int) -> tuple[int, int]:
    """A deadline, a question about a client, one change of it and its inbox item, as the
    services write them."""
    from portal.notifications.tables import DigestChoice, InboxItem
    from portal.questions.tables import Question, QuestionChange, QuestionDeadline

    if not await QuestionDeadline.exists().where(QuestionDeadline.type == "other"):
        await QuestionDeadline(type="other", working_days=5).save()
    row = Question(
        client=client,
        ocmw=ocmw,
        team=vdab,
        asker=person,
        type="other",
        text="q",
        assignee=person,
        created_at=NOW,
        due_on=NOW.date(),
        first_due_on=NOW.date(),
    )
    with unscoped("test: a row as written"):
        await row.save()
    change = QuestionChange(question=row.id, kind="message", person=person, person_org=ocmw, at=NOW)
    await change.save()
    await InboxItem(
        person=person,
        kind="question.message",
        record="question",
        record_id=row.id,
        detail=change.id,
        created_at=NOW,
    ).save()
    await DigestChoice(person=person, frequency="daily").save()
    return int(row.id), int(change.id)


async def _document_row(client: int, person: int, org: int) -> None:
    """A document's row as the upload writes it (its bytes do not matter here)."""
    from portal.documents.tables import Document

    row = Document(
        client=client,
        category="cv",
        sensitivity="trajectory",
        audience="care_team",
        author=person,
        author_org=org,
        deleted_by=person,
        name="cv.pdf",
        content_type="application/pdf",
        size=1,
        sha256="0" * 64,
        object_key=f"documents/00/{next(_seq)}",
        uploaded_at=NOW,
    )
    with unscoped("test: a row as written"):
        await row.save()


def _as_before(after: dict[str, list[dict]], before: dict[str, list[dict]]) -> dict:
    """The rows after the migrations, with only the columns they had before (later migrations
    add columns; none may lose or change a row)."""
    return {
        table: [{key: row[key] for key in before[table][0]} for row in rows]
        for table, rows in after.items()
    }


def _foreign_keys() -> list[tuple[type[Table], ForeignKey]]:
    return [
        (table, column)
        for table in domains.tables()
        for column in table._meta.foreign_key_columns
        if column._foreign_key_meta.resolved_references in HISTORY
    ]


async def _rows(sql: str, *values: Any) -> list[dict[str, Any]]:
    return [dict(row) for row in await db.DB.run_querystring(QueryString(sql, *values))]


async def _everything() -> dict[str, list[dict[str, Any]]]:
    """Every row of every table (read below the scoping layer: this is the database itself)."""
    return {table: await _rows(f'SELECT * FROM "{table}" ORDER BY id') for table in TABLES}


async def _exists(table: type[Table], row_id: int) -> bool:
    sql = f'SELECT id FROM "{table._meta.tablename}" WHERE id = {{}}'
    return bool(await _rows(sql, row_id))


@contextmanager
def _refused() -> Iterator[None]:
    with pytest.raises(REFUSED) as refusal:
        yield
    assert "foreign key" in str(refusal.value).lower()


async def _delete(table: type[Table], row_id: int) -> None:
    await table.delete().where(table._meta.primary_key == row_id)


# --- what the table classes declare ------------------------------------------------------------


def test_every_foreign_key_to_people_organisations_and_clients_is_restrict() -> None:
    keys = _foreign_keys()
    assert len(keys) >= 14
    cascading = [
        f"{table._meta.tablename}.{column._meta.db_column_name}"
        for table, column in keys
        if column._foreign_key_meta.on_delete is not OnDelete.restrict
    ]
    assert cascading == []


async def test_the_migration_snapshot_knows_the_keys_are_restrict() -> None:
    """Later auto migrations compare the tables with Piccolo's snapshot of the migrations: both
    must say RESTRICT, or an auto migration would try to alter these keys (and fail on SQLite)."""
    finder = BaseMigrationManager()
    snapshot: dict[tuple[str, str], Any] = {}
    for app in [*MIGRATIONS, *LATER_APPS]:
        managers = await finder.get_migration_managers(app_config=finder.get_app_config(app))
        for table in SchemaSnapshot(managers=managers).get_snapshot():
            for column in table.columns:
                snapshot[(table.tablename, column._meta.name)] = column._meta.params.get(
                    "on_delete"
                )
    assert {
        (table._meta.tablename, column._meta.name): snapshot.get(
            (table._meta.tablename, column._meta.name)
        )
        for table, column in _foreign_keys()
    } == {
        (table._meta.tablename, column._meta.name): OnDelete.restrict
        for table, column in _foreign_keys()
    }


# --- what the database enforces ------------------------------------------------------------------


async def test_deleting_an_organisation_a_writer_or_a_client_is_refused_and_nothing_is_gone() -> (
    None
):
    ocmw = await make_org("ocmw-h", "ocmw")
    partner = await make_org("partner-h", "partner")
    vdab = await make_org("vdab-h", "vdab")
    partnership = await make_partnership(ocmw, partner, vdab)
    holder = await make_person("sw.h", ocmw, "social_worker")
    writer = await make_person("toeleider.h", partner, "toeleider")
    client = await make_client(ocmw, "H")
    for person in (holder, writer):
        await add_to_team(client, person)
    await set_consent(client, partner, True)
    await _rows("UPDATE consent SET recorded_by = {} WHERE client = {}", holder, client)
    await add_event(client, author=writer, author_org=partner, subject="huisbezoek")
    await add_event(client, author=holder, author_org=ocmw, subject="leefloon")
    for person in (holder, writer):
        await append_entry({"at": NOW, "person": person, "client_id": client, "action": "opened"})
    await AuditCheckpoint(
        chain="client:0", through_seq=1, through_hash="", removed=1, before=NOW, at=NOW
    ).save()
    await AdminAction(
        at=NOW,
        actor=holder,
        actor_org=ocmw,
        action="organisation.updated",
        target_kind="organisation",
        target_id=ocmw,
        organisations=[ocmw],
    ).save()
    course = await make_course(ocmw, writer, partner)
    session = await make_session(course, NOW.date())
    await enrol_client(course, client, holder)
    await mark_attendance(session, client, "present", writer)
    await add_trajectory_rows(client, holder, vdab)
    await make_review_item(await make_review_round(ocmw, holder), client, holder)
    await _document_row(client, holder, ocmw)
    await _signal_rows(ocmw, holder, client)
    await _question_rows(ocmw, vdab, holder, client)
    await _file_life_rows(ocmw, partner, holder, client)
    evaluated = await make_partnership(ocmw, partner, vdab)
    await _evaluation_rows(evaluated, holder)
    before = await _everything()
    assert all(before[table] for table in TABLES), "every table holds rows"

    for table, row_id in (
        (Organisation, ocmw),
        (Organisation, partner),
        (Person, writer),
        (Person, holder),
        (Client, client),
    ):
        with _refused():
            await _delete(table, row_id)
        assert await _everything() == before, f"{table.__name__} {row_id}: something is gone"

    # A partnership's evaluations are its record: that partnership stays; nothing else refers
    # to one.
    with _refused():
        await _delete(Partnership, evaluated)
    await _delete(Partnership, partnership)
    after = await _everything()
    assert after.pop("partnership") == [
        row for row in before["partnership"] if row["id"] == evaluated
    ]
    assert after == {table: rows for table, rows in before.items() if table != "partnership"}


@pytest.mark.parametrize(
    ("table", "column"),
    [(table, column._meta.name) for table, column in _foreign_keys()],
    ids=[f"{table._meta.tablename}.{column._meta.name}" for table, column in _foreign_keys()],
)
async def test_each_reference_on_its_own_refuses_the_delete(
    table: type[Table], column: str
) -> None:
    """A row referred to by this one key only cannot be deleted; once the reference is gone, it
    can: so every constraint is RESTRICT by itself, not covered by another."""
    home_org = await make_org(f"home-{next(_seq)}", "ocmw")
    home = {
        "organisation": home_org,
        "person": await make_person(f"home.{next(_seq)}", home_org, "social_worker"),
        "client": await make_client(home_org, file_holder=None),
    }
    home["course"] = await make_course(home_org, home["person"], home_org)
    home["course_session"] = await make_session(home["course"], NOW.date())
    home["intake"] = await make_intake(home["client"], home["person"])
    home["review_round"] = await make_review_round(home_org, home["person"])
    home["signal"], home["signal_change"] = await _signal_rows(
        home_org, home["person"], home["client"]
    )
    home["question"], home["question_change"] = await _question_rows(
        home_org, home_org, home["person"], home["client"]
    )
    home["partnership"] = await make_partnership(home_org, None, None)
    home["evaluation"] = await _evaluation_rows(home["partnership"], home["person"])
    referenced = table._meta.get_column_by_name(column)._foreign_key_meta.resolved_references
    target = {
        "organisation": lambda: make_org(f"target-{next(_seq)}", "partner"),
        "person": lambda: make_person(f"target.{next(_seq)}", home_org),
        "client": lambda: make_client(home_org, file_holder=None),
    }[referenced._meta.tablename]
    target_id = await target()

    values: dict[str, Any] = {
        key._meta.name: home[key._foreign_key_meta.resolved_references._meta.tablename]
        for key in table._meta.foreign_key_columns
    }
    values[column] = target_id
    if table is Person:
        values["username"] = f"referring.{next(_seq)}"
    row = table(**values)
    await row.save()
    row_id = int(row.id)

    with _refused():
        await _delete(referenced, target_id)
    assert await _exists(referenced, target_id) and await _exists(table, row_id)

    await _delete(table, row_id)
    await _delete(referenced, target_id)
    assert not await _exists(referenced, target_id)


# --- what the migrations do to a database made before them ---------------------------------------

SCRIPT = textwrap.dedent(
    """
    import asyncio, json, sys
    from piccolo.apps.migrations.commands.base import BaseMigrationManager
    from piccolo.apps.migrations.commands.forwards import run_forwards
    from piccolo.querystring import QueryString as Q
    from portal.core import db

    MINE = json.loads(sys.argv[1])
    TABLES = ("organisation", "person", "partnership", "client", "care_team_member", "consent",
              "timeline_event", "access_log")
    SQLITE_KEYS = '''SELECT m.name AS "table", f."from" AS "column", f.on_delete, f.on_update
        FROM sqlite_schema m, pragma_foreign_key_list(m.name) f WHERE m.type = 'table' '''
    POSTGRES_KEYS = '''SELECT t.relname AS "table", a.attname AS "column",
        c.confdeltype::text AS on_delete, c.confupdtype::text AS on_update
        FROM pg_constraint c JOIN pg_class t ON t.oid = c.conrelid
        JOIN pg_attribute a ON a.attrelid = c.conrelid AND a.attnum = c.conkey[1]
        WHERE c.contype = 'f' '''
    finder = BaseMigrationManager()

    async def run(sql, *values):
        return [dict(r) for r in await db.DB.run_querystring(Q(sql, *values))]

    async def everything():
        return {t: await run(f'SELECT * FROM "{t}" ORDER BY id') for t in TABLES}

    async def keys():
        rows = await run(SQLITE_KEYS if db.is_sqlite() else POSTGRES_KEYS)
        return {r["table"] + "." + r["column"]: [r["on_delete"], r["on_update"]] for r in rows}

    def module(app, migration_id):
        folder = finder.get_app_config(app).resolved_migrations_folder_path
        return finder.get_migration_modules(folder)[migration_id]

    async def main():
        await db.start()
        for app in ("accounts", "audit", "clients"):
            folder = finder.get_app_config(app).resolved_migrations_folder_path
            before = max(i for i in finder.get_migration_modules(folder) if i < MINE[app])
            assert (await run_forwards(app_name=app, migration_id=before)).success
        o = "INSERT INTO organisation (code, name, kind) VALUES ({}, {}, {}) RETURNING id"
        ocmw = (await run(o, "ocmw", "OCMW", "ocmw"))[0]["id"]
        partner = (await run(o, "partner", "Partner", "partner"))[0]["id"]
        vdab = (await run(o, "vdab", "VDAB", "vdab"))[0]["id"]
        await run("INSERT INTO partnership (name, ocmw, partner, vdab) VALUES ('p', {}, {}, {})",
                  ocmw, partner, vdab)
        p = "INSERT INTO person (username, organisation) VALUES ({}, {}) RETURNING id"
        holder = (await run(p, "sw", ocmw))[0]["id"]
        writer = (await run(p, "toeleider", partner))[0]["id"]
        client = (await run("INSERT INTO client (ocmw, file_holder, first_name, status, created_at) "
                            "VALUES ({}, {}, 'A', 'intake', CURRENT_TIMESTAMP) RETURNING id",
                            ocmw, holder))[0]["id"]
        for person in (holder, writer):
            await run("INSERT INTO care_team_member (client, person, added_at) "
                      "VALUES ({}, {}, CURRENT_TIMESTAMP)", client, person)
            await run("INSERT INTO access_log (at, person, client_id, action) "
                      "VALUES (CURRENT_TIMESTAMP, {}, {}, 'client.opened')", person, client)
        await run("INSERT INTO consent (client, organisation, given, decided_on, recorded_by) "
                  "VALUES ({}, {}, true, CURRENT_DATE, {})", client, partner, holder)
        for author, org, text in ((writer, partner, "Huisbezoek"), (holder, ocmw, "Leefloon")):
            await run("INSERT INTO timeline_event (client, kind, occurred_at, author, author_org, "
                      "audience, sensitivity, text) VALUES ({}, 'note.added', CURRENT_TIMESTAMP, "
                      "{}, {}, 'care_team', 'trajectory', {})", client, author, org, text)
        report = {"rows_before": await everything(), "keys_before": await keys()}
        assert (await run_forwards(app_name="all")).success
        report["rows_after"] = await everything()
        report["keys_after"] = await keys()
        report["ran"] = [r["name"] for r in await run("SELECT name FROM migration")]
        if db.is_sqlite():
            report["integrity"] = [r["integrity_check"] for r in await run("PRAGMA integrity_check")]
        try:
            await run("DELETE FROM organisation WHERE id = {}", ocmw)
            report["delete"] = "done"
        except Exception as error:
            report["delete"] = type(error).__name__ + ": " + str(error)
        for app in ("audit", "clients", "accounts"):
            await (await module(app, MINE[app]).forwards()).run(backwards=True)
        report["keys_backwards"] = await keys()
        for _twice in range(2):  # the second time finds nothing to change
            for app in ("accounts", "clients", "audit"):
                await (await module(app, MINE[app]).forwards()).run()
        report["keys_again"] = await keys()
        report["rows_again"] = await everything()
        print("\\nREPORT", json.dumps(report, default=str))
        await db.stop()

    asyncio.run(main())
    """
)


def _fresh_url(tmp_path: Path) -> str:
    if TEST_DATABASE_URL.startswith("sqlite"):
        return f"sqlite:///{tmp_path}/history.sqlite3"
    return urlparse(TEST_DATABASE_URL)._replace(path=f"/brug_history_{WORKER}").geturl()


async def _recreate(url: str) -> None:
    if url.startswith("sqlite"):
        return
    name = urlparse(url).path.lstrip("/")
    admin = await asyncpg.connect(urlparse(url)._replace(path="/postgres").geturl())
    try:
        await admin.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        await admin.execute(f'CREATE DATABASE "{name}"')
    finally:
        await admin.close()


async def test_the_migrations_keep_every_row_and_make_every_key_restrict(tmp_path: Path) -> None:
    url = _fresh_url(tmp_path)
    await _recreate(url)
    env = {"PORTAL_DATABASE_URL": url, "PICCOLO_CONF": "portal.piccolo_conf", "PATH": ""}
    done = await asyncio.to_thread(
        subprocess.run,
        [sys.executable, "-c", SCRIPT, json.dumps(MIGRATIONS)],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=180,
    )
    assert done.returncode == 0, done.stderr
    lines = [line for line in done.stdout.splitlines() if line.startswith("REPORT ")]
    report = json.loads(lines[-1].removeprefix("REPORT "))

    sqlite = url.startswith("sqlite")
    restrict, cascade = ("RESTRICT", "CASCADE") if sqlite else ("r", "c")
    expected = {
        f"{table._meta.tablename}.{column._meta.name}"
        for table, column in _foreign_keys()
        if table._meta.tablename not in LATER_TABLES
    }
    for state in ("keys_before", "keys_after", "keys_backwards", "keys_again"):
        report[state] = {
            key: value
            for key, value in report[state].items()
            if key.partition(".")[0] not in LATER_TABLES
        }
    assert set(report["keys_after"]) == expected
    assert set(MIGRATIONS.values()) <= set(report["ran"])

    # Before: Piccolo's CASCADE everywhere but the file holder; after: RESTRICT, ON UPDATE kept.
    assert report["keys_before"] == {
        key: [restrict if key == "client.file_holder" else cascade, cascade] for key in expected
    }
    assert report["keys_after"] == {key: [restrict, cascade] for key in expected}
    rows = report["rows_before"]
    assert all(rows.values()), "every table held rows before"
    assert _as_before(report["rows_after"], rows) == rows
    if sqlite:
        assert report["integrity"] == ["ok"]
    assert "foreign key" in report["delete"].lower(), report["delete"]

    # Backwards puts Piccolo's CASCADE back; forwards again makes it RESTRICT, still every row.
    assert report["keys_backwards"] == report["keys_before"]
    assert report["keys_again"] == report["keys_after"]
    assert _as_before(report["rows_again"], rows) == rows
