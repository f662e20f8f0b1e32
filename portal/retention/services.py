"""Retention of closed files: a file closed longer ago than the period
(``PORTAL_RETENTION_CLOSED_YEARS``) is anonymised by ``portal retention run``.

What goes and what stays is declared here, per table and column (``CLEARED``, ``KEPT``, and the
timeline payload keys in ``PAYLOAD_KEPT``); ``tests/retention/test_declarations.py`` fails when a
text column of a table that belongs to a file is in neither, so a new column is decided on.

- **Cleared**: the client's personal fields (the names become a placeholder), every free text
  people wrote on the file or its records, the free-text values of its timeline entries' details
  (``payload``), and its documents: names and hashes cleared, every version marked deleted, and
  the bytes deleted from the document store.
- **Kept**: what the evaluations' figures count: the rows themselves (no row is deleted, so every
  count stays), the OCMW, file holder, municipality (figures per municipality), ladder step,
  status and dates of the file, and the codes, dates and classes of its records and entries.
- **The access log** is kept as it is: it is accountability (who read the file, when), it holds
  no content of the file, each entry is chained to the previous one by a hash (changing one would
  break ``portal audit verify``), and ``portal audit prune`` removes entries on its own period
  (``PORTAL_AUDIT_RETENTION_DAYS``, ten years).

Each file is anonymised in one unit of work, which also writes the deletion log
(``RetentionDeletion``: counts, never content) and one ``RetentionObject`` row per stored object
to delete. The objects are deleted only after the commit: a transaction that fails leaves every
byte of rows that still exist. A delete that succeeds removes its row; one that fails leaves it,
is reported, and the next run deletes it again (the store's delete is idempotent). The row rather
than an orphan sweep: the document rows keep naming their keys (so ``portal documents sweep``
never takes them for orphans), and what is still owed stays visible in one table.

No timeline entry is written: nobody reads the file any more, and a closed file refuses entries.
"""

from __future__ import annotations

import datetime as dt
import functools
import json
import logging
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from enum import Enum
from typing import Any

from piccolo.columns import JSON, Column
from piccolo.custom_types import Combinable
from piccolo.table import Table

from portal.audit.tables import AccessLogEntry
from portal.clients import events as client_events
from portal.clients.tables import Client
from portal.core.db import unit_of_work
from portal.core.storage import DocumentStore, in_thread
from portal.courses import events as course_events
from portal.courses.tables import Attendance
from portal.documents import events as document_events
from portal.documents.tables import Document
from portal.questions import events as question_events
from portal.questions.tables import Question, QuestionChange
from portal.retention.tables import RetentionDeletion, RetentionObject
from portal.review import events as review_events
from portal.review.tables import ReviewItem
from portal.signals import events as signal_events
from portal.signals.attachments import ATTACHMENT_KIND as SIGNAL_ATTACHMENT
from portal.signals.tables import Signal, SignalChange
from portal.timeline import events as timeline_events
from portal.timeline.tables import TimelineEvent
from portal.trajectory import events as trajectory_events
from portal.trajectory.tables import IntakeAnswer, Invitation, Placement, TrainingRequest
from portal.transfers import events as transfer_events
from portal.transfers.tables import HandedOver, Transfer
from portal.visibility.scoping import unscoped

log = logging.getLogger(__name__)

FIRST_NAME = "Geanonimiseerd"
"""What an anonymised client is called; the last name becomes ``#<id>``."""
DELETE_REASON = "retention"
"""A document version's ``delete_reason`` once retention deleted its bytes."""


class Owner(Enum):
    """How a table's rows belong to a file."""

    file = "the client row itself"
    client = "rows whose client is the file"
    question = "rows of the file's referral questions"
    signal = "rows of the signals about the file"
    documents = "the file's documents and the attachments of the signals about it"


Value = str | None | dict[str, Any] | Callable[[int], str]
"""What a cleared column holds afterwards; a function of the file's id for a placeholder."""


@dataclass(frozen=True)
class Cleared:
    table: type[Table]
    owner: Owner
    columns: Mapping[str, Value]


@dataclass(frozen=True)
class Kept:
    table: type[Table]
    columns: tuple[str, ...]
    why: str


def _last_name(file_id: int) -> str:
    return f"#{file_id}"


CLEARED: tuple[Cleared, ...] = (
    Cleared(
        Client,
        Owner.file,
        {
            "first_name": FIRST_NAME,
            "last_name": _last_name,
            "search_name": "",
            "language": "",
            "phone": "",
            "national_number": "",
            "birth_date": None,
            "address": "",
            "social_report": "",
            "finances": "",
            "health_notes": "",
        },
    ),
    Cleared(TimelineEvent, Owner.client, {"text": ""}),
    Cleared(
        TrainingRequest,
        Owner.client,
        {"course": "", "provider": "", "note": "", "reason": ""},
    ),
    Cleared(Invitation, Owner.client, {"place": ""}),
    Cleared(IntakeAnswer, Owner.client, {"text": ""}),
    Cleared(Placement, Owner.client, {"work_site": "", "follow_up": ""}),
    Cleared(ReviewItem, Owner.client, {"reason": ""}),
    Cleared(Question, Owner.client, {"text": "", "reason": "", "interview_place": ""}),
    Cleared(QuestionChange, Owner.question, {"text": ""}),
    Cleared(Signal, Owner.client, {"title": "", "description": "", "outcome": ""}),
    Cleared(SignalChange, Owner.signal, {"text": ""}),
    Cleared(Transfer, Owner.client, {"note": "", "reason": "", "summary": {}}),
    Cleared(
        Document,
        Owner.documents,
        {"name": "", "sha256": "", "delete_reason": DELETE_REASON},
    ),
)
"""Every column retention clears, per table, with what it holds afterwards. Training courses,
providers and work sites are typed by people and can name the client's circumstances; the
figures do not need them."""

_CODES = "codes, classes and keys made of ids: no one's words"

KEPT: tuple[Kept, ...] = (
    Kept(
        Client,
        ("municipality", "status", "closed_reason"),
        "the figures count files per municipality, status and reason for closing",
    ),
    Kept(TimelineEvent, ("kind", "audience", "sensitivity"), _CODES),
    Kept(TrainingRequest, ("state",), _CODES),
    Kept(Placement, ("pre_kind", "outflow"), "the figures count outflow to work or training"),
    Kept(IntakeAnswer, ("topic", "sensitivity"), _CODES),
    Kept(Attendance, ("presence",), _CODES),
    Kept(ReviewItem, ("slot", "decision", "reason_kind", "sensitivity"), _CODES),
    Kept(
        Question,
        ("type", "state", "answer", "next_step", "shares"),
        "codes; ``shares`` names fields and document ids, not their values",
    ),
    Kept(QuestionChange, ("kind", "from_state", "to_state", "answer"), _CODES),
    Kept(
        Signal,
        ("theme", "municipality", "urgency", "sensitivity", "state"),
        "the figures count signals per theme and municipality",
    ),
    Kept(SignalChange, ("kind", "from_state", "to_state"), _CODES),
    Kept(Transfer, ("state",), _CODES),
    Kept(HandedOver, ("kind", "audience"), _CODES),
    Kept(
        Document,
        ("host_kind", "category", "sensitivity", "audience", "content_type", "object_key"),
        "the figures count documents per category; the object key is generated, and it is"
        " how a delete that failed is found again",
    ),
    Kept(
        AccessLogEntry,
        (
            "action",
            "revealed",
            "subject",
            "reason",
            "roles",
            "request_id",
            "chain",
            "prev_hash",
            "hash",
        ),
        "the access log is accountability, chained by hashes, and pruned on its own period"
        " (PORTAL_AUDIT_RETENTION_DAYS)",
    ),
    Kept(RetentionDeletion, ("removed",), "the deletion log: counts, never content"),
    Kept(
        RetentionObject,
        ("object_key", "last_error"),
        "generated keys still to delete, and the store's refusal",
    ),
)
"""Every text column of a file's tables that retention leaves as it is, and why."""

PAYLOAD_KEPT: Mapping[str, frozenset[str]] = {
    code: frozenset(keys)
    for code, keys in (
        (client_events.REGISTERED, ()),
        (client_events.TEAM_JOINED, ("organisation",)),
        (client_events.TEAM_LEFT, ("organisation",)),
        (client_events.CONSENT_GIVEN, ("organisation",)),
        (client_events.CONSENT_WITHDRAWN, ("organisation",)),
        (client_events.CONSENT_REFUSED, ("organisation",)),
        (client_events.HOLDER_ASSIGNED, ()),
        (client_events.REASON_STATED, ()),
        (client_events.LADDER_CHANGED, ("step_from", "step_to")),
        (client_events.STATUS_CHANGED, ("status_from", "status_to")),
        (client_events.AGREEMENT_RECORDED, ("start", "due", "made")),
        (client_events.FILE_CLOSED, ("reason",)),
        (client_events.FILE_REOPENED, ()),
        (course_events.ENROLLED, ("course",)),
        (course_events.ATTENDED, ("course", "day", "presence")),
        (course_events.ATTENDANCE_CORRECTED, ("course", "day", "presence")),
        (document_events.ADDED, ("category", "version", "document")),
        (document_events.VERSIONED, ("category", "version", "document")),
        (document_events.REMOVED, ("category", "document")),
        (question_events.ASKED, ("question", "type", "team")),
        (question_events.CLAIMED, ("question", "type", "team")),
        (question_events.ANSWERED, ("question", "type", "team", "answer")),
        (question_events.MESSAGE, ("question", "type", "team")),
        (question_events.CLOSED, ("question", "type", "team")),
        (question_events.REOPENED, ("question", "type", "team")),
        (review_events.READY, ("period",)),
        (review_events.NOT_YET, ("period", "reason_kind")),
        (review_events.NOT_YET_HEALTH, ("period",)),
        (signal_events.REPORTED, ("signal", "theme")),
        (signal_events.MOVED, ("signal", "state")),
        (timeline_events.NOTE, ("corrects", "corrects_day")),
        (trajectory_events.TRAINING_REQUESTED, ()),
        (trajectory_events.TRAINING_MOVED, ("state",)),
        (trajectory_events.TRAINING_SCHEDULED, ("start",)),
        (trajectory_events.INVITED, ("when",)),
        (trajectory_events.INTAKE_RECORDED, ("day", "step")),
        (trajectory_events.INTAKE_CONFIRMED, ("day", "step")),
        (trajectory_events.PLACEMENT_RECORDED, ("start",)),
        (trajectory_events.PLACEMENT_CHANGED, ()),
        (trajectory_events.PLACEMENT_ENDED, ("outflow",)),
        (transfer_events.PROPOSED, ("to",)),
        (transfer_events.WITHDRAWN, ("to",)),
        (transfer_events.REFUSED, ("to",)),
        (transfer_events.ACCEPTED, ("from", "to")),
    )
}
"""The payload keys of each kind of timeline entry that stay: codes, dates, steps, ids and the
names of organisations and group courses. Everything else goes: a note's subject, a document's
name or the reason it was removed, a signal's title, a training's course and provider, an
interview's place, a work site, and the names of people. An entry of a kind not named here
keeps no detail at all."""


def reduced_payload(kind: str, payload: Mapping[str, Any]) -> dict[str, Any]:
    kept = PAYLOAD_KEPT.get(kind, frozenset())
    return {key: value for key, value in payload.items() if key in kept}


# What one file's anonymisation removes ---------------------------------------------------------


@dataclass
class Removed:
    """How much of each kind was removed from one file: counts, never what."""

    fields: int = 0
    """The client's own fields that held a value."""
    event_texts: int = 0
    """Timeline entries whose text was removed."""
    payload_values: int = 0
    """Free-text details removed from timeline entries."""
    texts: dict[str, int] = field(default_factory=dict)
    """Free texts of the file's records, per ``table.column``."""
    documents: int = 0
    """Document versions whose bytes were deleted."""
    bytes: int = 0

    @property
    def record_texts(self) -> int:
        return sum(self.texts.values())

    def as_json(self) -> dict[str, Any]:
        return {
            "fields": self.fields,
            "event_texts": self.event_texts,
            "payload_values": self.payload_values,
            "texts": dict(sorted(self.texts.items())),
            "documents": self.documents,
            "bytes": self.bytes,
        }


@dataclass(frozen=True)
class StoredBytes:
    document: int
    object_key: str
    size: int


@dataclass(frozen=True)
class _Refs:
    """The file and the ids of its records whose own rows hang on them."""

    file_id: int
    questions: tuple[int, ...]
    signals: tuple[int, ...]

    def where(self, owner: Owner, table: type[Table]) -> Combinable | None:
        """Which rows of ``table`` are the file's; ``None`` when none can be."""
        if owner is Owner.file:
            return Client.id == self.file_id
        if owner is Owner.client:
            return _column(table, "client") == self.file_id
        if owner is Owner.documents:
            mine = Document.client == self.file_id
            if not self.signals:
                return mine
            attached = (Document.host_kind == SIGNAL_ATTACHMENT) & Document.host_id.is_in(
                list(self.signals)
            )
            return mine | attached
        name, ids = (
            ("question", self.questions) if owner is Owner.question else ("signal", self.signals)
        )
        return _column(table, name).is_in(list(ids)) if ids else None


def _column(table: type[Table], name: str) -> Column:
    column = table._meta.get_column_by_name(name)
    assert column is not None, f"{table.__name__} has no column {name!r}"
    return column


def _target(value: Value, file_id: int) -> Any:
    return value(file_id) if callable(value) else value


def _empty(value: Any) -> bool:
    if isinstance(value, str) and value.strip() in ("", "{}"):
        return True
    return value is None or value == {}


def _loaded(value: Any) -> Any:
    if isinstance(value, str):
        try:
            return json.loads(value)
        except ValueError:
            return value
    return value


@dataclass
class _Plan:
    """What anonymising one file will do, as read inside its unit of work (or for a dry run)."""

    refs: _Refs
    removed: Removed
    payloads: dict[int, dict[str, Any]]
    """The timeline entries whose details lose free text: their id and what remains."""
    stored: list[StoredBytes]


WHY = "retention: a closed file past its period is anonymised; nobody reads it"


async def _ids(table: type[Table], file_id: int) -> tuple[int, ...]:
    rows = await table.select(_column(table, "id")).where(_column(table, "client") == file_id)
    return tuple(int(row["id"]) for row in rows)


async def _survey(file_id: int) -> _Plan:
    with unscoped(WHY):
        refs = _Refs(
            file_id,
            await _ids(Question, file_id),
            await _ids(Signal, file_id),
        )
        removed = Removed()
        for cleared in CLEARED:
            where = refs.where(cleared.owner, cleared.table)
            if where is None:
                continue
            names = list(cleared.columns)
            rows = await cleared.table.select(*(_column(cleared.table, n) for n in names)).where(
                where
            )
            for name in names:
                column = _column(cleared.table, name)
                target = _target(cleared.columns[name], file_id)
                values = [
                    _loaded(row[name]) if isinstance(column, JSON) else row[name] for row in rows
                ]
                count = sum(1 for value in values if not _empty(value) and value != target)
                if not count:
                    continue
                if cleared.table is Client:
                    removed.fields += count
                elif cleared.table is TimelineEvent:
                    removed.event_texts += count
                else:
                    key = f"{cleared.table._meta.tablename}.{name}"
                    removed.texts[key] = removed.texts.get(key, 0) + count
        payloads: dict[int, dict[str, Any]] = {}
        events = (
            await TimelineEvent.select(TimelineEvent.id, TimelineEvent.kind, TimelineEvent.payload)
            .where(TimelineEvent.client == file_id)
            .output(load_json=True)
        )
        for event in events:
            payload = _loaded(event["payload"]) or {}
            reduced = reduced_payload(event["kind"], payload)
            if reduced != payload:
                payloads[int(event["id"])] = reduced
                removed.payload_values += len(payload) - len(reduced)
        documents_where = refs.where(Owner.documents, Document)
        documents = await Document.select(Document.id, Document.object_key, Document.size).where(
            documents_where
        )
    stored = [
        StoredBytes(int(row["id"]), str(row["object_key"]), int(row["size"] or 0))
        for row in documents
        if row["object_key"]
    ]
    removed.documents = len(stored)
    removed.bytes = sum(item.size for item in stored)
    return _Plan(refs, removed, payloads, stored)


async def _clear(plan: _Plan, now: dt.datetime) -> None:
    """The writes of one file's anonymisation, inside its unit of work."""
    refs = plan.refs
    for cleared in CLEARED:
        where = refs.where(cleared.owner, cleared.table)
        if where is None:
            continue
        values: dict[Column | str, Any] = {}
        for name, value in cleared.columns.items():
            column = _column(cleared.table, name)
            target = _target(value, refs.file_id)
            values[column] = json.dumps(target) if isinstance(column, JSON) else target
        await cleared.table.update(values).where(where)
    documents = refs.where(Owner.documents, Document)
    assert documents is not None
    await Document.update({Document.deleted_at: now}).where(
        documents & Document.deleted_at.is_null()
    )
    # Retention is the one writer of timeline entries besides the timeline's own functions: it
    # erases their text (through CLEARED, above) and their free-text details, and appends none
    # (tests/contract/test_house.py names it).
    for event_id, payload in plan.payloads.items():
        await TimelineEvent.update({TimelineEvent.payload: json.dumps(payload)}).where(
            TimelineEvent.id == event_id
        )


# A run --------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class FileReport:
    file_id: int
    closed_at: dt.datetime
    removed: Removed


@dataclass(frozen=True)
class ObjectFailure:
    file_id: int
    document: int
    error: str


@dataclass
class RetentionReport:
    years: int
    cutoff: dt.datetime
    dry_run: bool
    files: list[FileReport] = field(default_factory=list)
    retried: int = 0
    """Objects left by an earlier run that this run deleted."""
    failed: list[ObjectFailure] = field(default_factory=list)
    """Objects whose delete failed: still owed, the next run deletes them."""
    pending: int = 0
    """Objects still to delete after this run (for a dry run: left by earlier runs)."""


def cutoff_for(now: dt.datetime, years: int) -> dt.datetime:
    """The same moment ``years`` calendar years before ``now`` (29 February: the 28th)."""
    try:
        return now.replace(year=now.year - years)
    except ValueError:
        return now.replace(year=now.year - years, day=28)


async def past_period(cutoff: dt.datetime) -> list[tuple[int, dt.datetime]]:
    """The files closed before ``cutoff`` and not anonymised yet, oldest id first."""
    with unscoped(WHY):
        rows = (
            await Client.select(Client.id, Client.closed_at)
            .where(
                Client.closed_at.is_not_null()
                & (Client.closed_at < cutoff)
                & Client.anonymised_at.is_null()
            )
            .order_by(Client.id)
        )
    return [(int(row["id"]), row["closed_at"]) for row in rows]


def _error(error: Exception) -> str:
    return f"{type(error).__name__}: {error}"[:300]


async def _delete_objects(
    store: DocumentStore, objects: Sequence[tuple[int, int, StoredBytes]], report: RetentionReport
) -> int:
    """Delete each ``(row id, file id, object)`` from the store; a delete that worked removes
    its row, one that failed is counted on its row and reported. The number deleted."""
    deleted = 0
    for row_id, file_id, item in objects:
        try:
            await in_thread(store.delete, item.object_key)
        except Exception as error:
            log.warning("retention: document %s of file %s not deleted", item.document, file_id)
            report.failed.append(ObjectFailure(file_id, item.document, _error(error)))
            await RetentionObject.update(
                {
                    RetentionObject.attempts: RetentionObject.attempts + 1,
                    RetentionObject.last_error: _error(error),
                }
            ).where(RetentionObject.id == row_id)
        else:
            await RetentionObject.delete().where(RetentionObject.id == row_id)
            deleted += 1
    return deleted


async def _delete_after_commit(
    store: DocumentStore, objects: Sequence[tuple[int, int, StoredBytes]], report: RetentionReport
) -> None:
    await _delete_objects(store, objects, report)


async def _owed() -> list[tuple[int, int, StoredBytes]]:
    rows = (
        await RetentionObject.select(
            RetentionObject.id,
            RetentionObject.deletion.file,
            RetentionObject.document,
            RetentionObject.object_key,
            RetentionObject.size,
        )
        .order_by(RetentionObject.id)
        .output(nested=True)
    )
    return [
        (
            int(row["id"]),
            int(row["deletion"]["file"]),
            StoredBytes(int(row["document"]), row["object_key"], int(row["size"])),
        )
        for row in rows
    ]


async def _anonymise(
    store: DocumentStore, file_id: int, report: RetentionReport, now: dt.datetime
) -> FileReport | None:
    """One file in one unit of work; ``None`` when it is no longer past its period (reopened,
    or another run took it first). Its objects are deleted once the unit has committed."""
    async with unit_of_work() as unit:
        claimed = (
            await Client.update({Client.anonymised_at: now})
            .where(
                (Client.id == file_id)
                & Client.closed_at.is_not_null()
                & (Client.closed_at < report.cutoff)
                & Client.anonymised_at.is_null()
            )
            .returning(Client.id, Client.closed_at)
        )
        if not claimed:
            return None
        plan = await _survey(file_id)
        await _clear(plan, now)
        deletion = (
            await RetentionDeletion.insert(
                RetentionDeletion(
                    file=file_id,
                    at=now,
                    closed_at=claimed[0]["closed_at"],
                    cutoff=report.cutoff,
                    years=report.years,
                    removed=json.dumps(plan.removed.as_json()),
                )
            ).returning(RetentionDeletion.id)
        )[0]["id"]
        owed: list[tuple[int, int, StoredBytes]] = []
        for item in plan.stored:
            row = (
                await RetentionObject.insert(
                    RetentionObject(
                        deletion=deletion,
                        document=item.document,
                        object_key=item.object_key,
                        size=item.size,
                    )
                ).returning(RetentionObject.id)
            )[0]
            owed.append((int(row["id"]), file_id, item))
        unit.after_commit(functools.partial(_delete_after_commit, store, owed, report))
    return FileReport(file_id, claimed[0]["closed_at"], plan.removed)


async def run(
    store: DocumentStore, years: int, *, dry_run: bool = False, now: dt.datetime | None = None
) -> RetentionReport:
    """Anonymise every file closed more than ``years`` years before ``now`` (one cutoff for the
    whole run), after deleting what earlier runs still owed the store. ``dry_run``: the same
    report, nothing changed."""
    moment = now or dt.datetime.now(dt.UTC)
    report = RetentionReport(years=years, cutoff=cutoff_for(moment, years), dry_run=dry_run)
    if not dry_run:
        report.retried = await _delete_objects(store, await _owed(), report)
    for file_id, closed_at in await past_period(report.cutoff):
        if dry_run:
            plan = await _survey(file_id)
            report.files.append(FileReport(file_id, closed_at, plan.removed))
            continue
        done = await _anonymise(store, file_id, report, moment)
        if done is not None:
            report.files.append(done)
    report.pending = await RetentionObject.count()
    return report


def describe(item: FileReport) -> str:
    """One file's line of the report: its id and counts, never a name."""
    removed = item.removed
    return (
        f"file {item.file_id} (closed {item.closed_at:%Y-%m-%d}):"
        f" {removed.fields} field(s) cleared;"
        f" {removed.event_texts} entry text(s), {removed.payload_values} entry detail(s)"
        f" and {removed.record_texts} record text(s) removed;"
        f" {removed.documents} document version(s) deleted ({removed.bytes} bytes)"
    )
