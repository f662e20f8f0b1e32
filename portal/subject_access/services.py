"""The subject-access export (GDPR art. 15): everything the portal holds about one client, for
their file holder to hand to them.

Nothing here reads a table of its own: every part comes from the service that shows it to the
file holder on the client's pages (the file, the whole timeline, the care team and consent, the
trajectory, courses, the activation review, referral questions, signals, documents and the file's
access log), each through ``visible_to`` at the file holder's relation and projected by its
domain's policy. A withheld timeline entry stays a placeholder. The export is written to the
access log once it is made, with every sensitive class it holds.
"""

from __future__ import annotations

import datetime as dt
import json
import re
import tempfile
import unicodedata
import zipfile
from collections.abc import Generator, Mapping
from dataclasses import dataclass, field
from typing import IO, Any

from jinja2 import Environment

from portal.audit import log as access_log
from portal.audit.services import record_access
from portal.audit.visibility import AccessView
from portal.clients.services import NotAllowed, consents, find_client, team_of
from portal.clients.visibility import (
    PROJECTED_FIELDS,
    ClientView,
    ConsentView,
    TeamMemberView,
)
from portal.core.periods import today_in_belgium
from portal.core.storage import DocumentStore, in_thread
from portal.courses.services import ClientCourse, client_courses
from portal.documents.services import Target, documents_of, host_target_of
from portal.documents.visibility import DocumentView
from portal.questions import services as questions
from portal.questions.visibility import QuestionView
from portal.review.services import items_about
from portal.review.visibility import ItemView
from portal.signals import services as signals
from portal.signals.visibility import SignalView
from portal.subject_access.pdf import render_export
from portal.timeline.services import Cursor, screen
from portal.timeline.visibility import EventView
from portal.trajectory.services import TrajectoryRecords, records_of
from portal.visibility.policy import Relation, Sensitivity
from portal.visibility.viewer import Viewer

EXPORTED = "client.exported"
"""The access-log action of a subject-access export."""
FORMAT = "brug-subject-access/1"
TIMELINE_SCREEN = 100
"""Timeline entries read per query while the whole timeline is gathered."""
SPOOL_BYTES = 16 * 1024 * 1024
"""An archive up to this size stays in memory; a larger one goes to a temporary file."""
CHUNK = 256 * 1024


@dataclass(frozen=True)
class SignalRecord:
    signal: SignalView
    changes: list[signals.ChangeView]
    attachments: list[DocumentView]


@dataclass(frozen=True)
class QuestionRecord:
    question: QuestionView
    thread: list[questions.ChangeView]


@dataclass(frozen=True)
class SubjectAccess:
    """Everything about one client as their file holder sees it, at one moment."""

    exported_at: dt.datetime
    exporter: Viewer
    client: ClientView
    timeline: list[EventView]
    team: list[TeamMemberView]
    consents: list[ConsentView]
    trajectory: TrajectoryRecords
    courses: list[ClientCourse]
    reviews: list[tuple[str, ItemView]]
    """Each activation-review item with its round's period."""
    questions: list[QuestionRecord]
    signals: list[SignalRecord]
    documents: list[DocumentView]
    access_log: list[AccessView]
    organisations: dict[int, str] = field(default_factory=dict)
    """The names of the organisations in the access log."""

    @property
    def files(self) -> list[DocumentView]:
        """Every document whose bytes go into the archive: the client's, and those attached to
        the signals about them."""
        return [*self.documents, *(d for record in self.signals for d in record.attachments)]

    @property
    def classes(self) -> frozenset[Sensitivity]:
        """Every sensitivity class of what the export holds."""
        found = set(self.client.revealed)
        found |= {event.sensitivity for event in self.timeline if event.sensitivity is not None}
        found |= {document.sensitivity for document in self.files}
        found |= {a.sensitivity for _intake, answers in self.trajectory.intakes for a in answers}
        for _period, item in self.reviews:
            found |= item.revealed
        trajectory = self.trajectory
        if (
            self.consents
            or self.courses
            or self.reviews
            or self.questions
            or self.signals
            or trajectory.requests
            or trajectory.invitations
            or trajectory.intakes
            or trajectory.placements
        ):
            found.add(Sensitivity.trajectory)
        if self.team or self.access_log:
            found.add(Sensitivity.basic)
        return frozenset(found)


# Gathering -------------------------------------------------------------------------------------


async def _whole_timeline(viewer: Viewer, client: ClientView) -> list[EventView]:
    """Every screen of the timeline, newest first, as the file holder loads them one by one."""
    events: list[EventView] = []
    cursor: Cursor | None = None
    while True:
        page = await screen(viewer, client, before=cursor, limit=TIMELINE_SCREEN)
        events += page.events
        if page.next_cursor is None:
            return events
        cursor = Cursor.decode(page.next_cursor)


async def _whole_access_log(
    viewer: Viewer, client: ClientView
) -> tuple[list[AccessView], dict[int, str]]:
    entries: list[AccessView] = []
    organisations: dict[int, str] = {}
    cursor: Cursor | None = None
    while True:
        page = await access_log.file_log(viewer, client, access_log.Filters(), cursor)
        entries += page.entries
        organisations |= page.organisations
        if page.next_cursor is None:
            return entries, organisations
        cursor = Cursor.decode(page.next_cursor)


async def _signals(viewer: Viewer, client: ClientView) -> list[SignalRecord]:
    found = []
    for signal in await signals.signals_about(viewer, client):
        attachments = await documents_of(viewer, host_target_of("signal", signal))
        found.append(SignalRecord(signal, await signals.changes_of(signal), attachments))
    return found


async def _questions(viewer: Viewer, client: ClientView) -> list[QuestionRecord]:
    panel = await questions.client_questions(viewer, client)
    asked = sorted(panel.questions, key=lambda q: (q.created_at, q.id)) if panel else []
    return [QuestionRecord(question, await questions.thread_of(question)) for question in asked]


async def gather(viewer: Viewer, client_id: int) -> SubjectAccess:
    """Everything about the client as their file holder sees it: 404 for who does not see the
    client, ``NotAllowed`` for anyone but the file holder."""
    client = await find_client(viewer, client_id, sections=True)
    if client.relation is not Relation.file_holder:
        raise NotAllowed("only the file holder exports the file")
    courses = await client_courses(viewer, client)
    entries, organisations = await _whole_access_log(viewer, client)
    return SubjectAccess(
        exported_at=dt.datetime.now(dt.UTC),
        exporter=viewer,
        client=client,
        timeline=await _whole_timeline(viewer, client),
        team=await team_of(viewer, client),
        consents=await consents(viewer, client),
        trajectory=await records_of(viewer, client),
        courses=courses.courses if courses else [],
        reviews=await items_about(viewer, client),
        questions=await _questions(viewer, client),
        signals=await _signals(viewer, client),
        documents=await documents_of(viewer, Target(client=client)),
        access_log=entries,
        organisations=organisations,
    )


# The machine-readable form ---------------------------------------------------------------------


_UNSAFE = re.compile(r"[^A-Za-z0-9._-]+")


def file_name(document: DocumentView) -> str:
    """Where a document's bytes go in the archive: its id and its name, in plain characters."""
    ascii_name = unicodedata.normalize("NFKD", document.name).encode("ascii", "ignore").decode()
    safe = _UNSAFE.sub("_", ascii_name).strip("._")[:100] or "document"
    return f"documents/{document.id}-{safe}"


def _document(document: DocumentView) -> dict[str, Any]:
    return {
        "id": document.id,
        "name": document.name,
        "category": document.category.code,
        "sensitivity": document.sensitivity,
        "audience": document.audience if document.client is not None else None,
        "version": document.version,
        "content_type": document.content_type,
        "size": document.size,
        "sha256": document.sha256,
        "uploaded_at": document.uploaded_at,
        "uploaded_by": document.author_name,
        "uploaded_by_organisation": document.author_org_name,
        "file": file_name(document),
    }


def _event(event: EventView) -> dict[str, Any]:
    if event.withheld:
        return {"day": event.day, "withheld": True}
    return {
        "id": event.id,
        "occurred_at": event.occurred_at,
        "kind": event.kind,
        "kind_label": event.kind_label,
        "line": event.headline,
        "text": event.text,
        "audience": event.audience,
        "sensitivity": event.sensitivity,
        "author": event.author_name,
        "author_organisation": event.author_org_name,
        "payload": dict(event.payload or {}),
    }


def _trajectory(records: TrajectoryRecords) -> dict[str, list[dict[str, Any]]]:
    return {
        "training_requests": [
            {
                "id": r.id,
                "course": r.course,
                "provider": r.provider,
                "note": r.note,
                "state": r.state,
                "start_date": r.start_date,
                "reason": r.reason,
                "requested_by": r.requested_by_name,
                "requested_at": r.requested_at,
                "changed_at": r.changed_at,
            }
            for r in records.requests
        ],
        "invitations": [
            {
                "id": i.id,
                "at": i.at,
                "place": i.place,
                "invited_by": i.invited_by_name,
                "organisation": i.organisation_name,
            }
            for i in records.invitations
        ],
        "intakes": [
            {
                "id": intake.id,
                "held_on": intake.held_on,
                "held_by": intake.held_by_name,
                "proposed_step": intake.proposed_step,
                "confirmed_at": intake.confirmed_at,
                "answers": [
                    {"topic": a.topic, "text": a.text, "sensitivity": a.sensitivity}
                    for a in answers
                ],
            }
            for intake, answers in records.intakes
        ],
        "placements": [
            {
                "id": p.id,
                "pre_kind": p.pre_kind,
                "pre_days_per_week": p.pre_days_per_week,
                "pre_start": p.pre_start,
                "pre_end": p.pre_end,
                "work_site": p.work_site,
                "start": p.start,
                "end": p.end,
                "hours_per_week": p.hours_per_week,
                "follow_up": p.follow_up,
                "outflow": p.outflow,
            }
            for p in records.placements
        ],
    }


def _course(course: ClientCourse) -> dict[str, Any]:
    return {
        "id": course.id,
        "title": course.title,
        "place": course.place,
        "sessions": course.sessions,
        "sessions_held": course.past,
        "attendance": {presence.code: count for presence, count in course.counts},
        "attendance_not_recorded": course.unrecorded,
        "next_session": course.next.date if course.next else None,
    }


def _review(period: str, item: ItemView) -> dict[str, Any]:
    return {
        "period": period,
        "decision": item.decision,
        "reason_kind": item.reason_kind,
        "reason": item.reason,
        "reason_withheld": item.withheld,
        "decided_by": item.decided_by_name,
        "decided_at": item.decided_at,
    }


def _question(record: QuestionRecord) -> dict[str, Any]:
    q = record.question
    return {
        "id": q.id,
        "type": q.type.code,
        "text": q.text,
        "state": q.state.code,
        "asked_by": q.asker_name,
        "asking_organisation": q.ocmw_name,
        "addressed_to": q.team_name,
        "assignee": q.assignee_name,
        "created_at": q.created_at,
        "due_on": q.due_on,
        "answered_at": q.answered_at,
        "closed_at": q.closed_at,
        "answer": q.answer.code if q.answer else None,
        "reason": q.reason,
        "next_step": q.next_step,
        "interview_at": q.interview_at,
        "interview_place": q.interview_place,
        "shared_fields": list(q.shared_fields),
        "shared_documents": list(q.shared_documents),
        "thread": [
            {
                "at": change.at,
                "kind": change.kind,
                "from_state": change.from_state,
                "to_state": change.to_state,
                "answer": change.answer,
                "text": change.text,
                "by": change.person_name,
                "organisation": change.org_name,
            }
            for change in record.thread
        ],
    }


def _signal(record: SignalRecord) -> dict[str, Any]:
    s = record.signal
    return {
        "id": s.id,
        "theme": s.theme.code,
        "title": s.title,
        "description": s.description,
        "municipality": s.municipality,
        "urgency": s.urgency,
        "state": s.state.code,
        "reported_by": s.reporter_name,
        "reporting_organisation": s.reporter_org_name,
        "handler": s.handler_name,
        "created_at": s.created_at,
        "due_on": s.due_on,
        "first_response_at": s.first_response_at,
        "followed_up_at": s.followed_up_at,
        "closed_at": s.closed_at,
        "outcome": s.outcome,
        "changes": [
            {
                "at": change.at,
                "kind": change.kind,
                "from_state": change.from_state,
                "to_state": change.to_state,
                "text": change.text,
                "by": change.person_name,
                "handler": change.handler_name,
            }
            for change in record.changes
        ],
        "attachments": [_document(document) for document in record.attachments],
    }


def _access(entry: AccessView, organisations: Mapping[int, str]) -> dict[str, Any]:
    return {
        "at": entry.at,
        "person": entry.person_name,
        "organisation": organisations.get(entry.organisation or 0, ""),
        "roles": list(entry.roles),
        "action": entry.action,
        "classes_shown": list(entry.revealed),
        "subject": entry.subject,
        "reason": entry.reason,
        "cross_site": entry.cross_site,
    }


def as_data(export: SubjectAccess) -> dict[str, Any]:
    """The export as plain data with stable English keys: what ``dossier.json`` holds, and what
    the PDF shows. Dates and moments stay objects here (ISO in the JSON)."""
    client = export.client
    return {
        "format": FORMAT,
        "exported_at": export.exported_at,
        "exported_by": {
            "name": export.exporter.display_name,
            "organisation": export.exporter.org_name,
        },
        "client": {
            "id": client.id,
            "file_holder": client.file_holder_name,
            **{
                spec.name: client.values[spec.name]
                for spec in PROJECTED_FIELDS
                if spec.name in client.values
            },
        },
        "care_team": [
            {
                "name": member.display_name,
                "organisation": member.organisation_name,
                "roles": list(member.roles),
                "added_at": member.added_at,
            }
            for member in export.team
        ],
        "consents": [
            {
                "organisation": consent.organisation_name,
                "given": consent.given,
                "decided_on": consent.decided_on,
            }
            for consent in export.consents
        ],
        "timeline": [_event(event) for event in export.timeline],
        **_trajectory(export.trajectory),
        "courses": [_course(course) for course in export.courses],
        "activation_reviews": [_review(period, item) for period, item in export.reviews],
        "referral_questions": [_question(record) for record in export.questions],
        "signals": [_signal(record) for record in export.signals],
        "documents": [_document(document) for document in export.documents],
        "access_log": [_access(entry, export.organisations) for entry in export.access_log],
    }


def _iso(value: Any) -> Any:
    if isinstance(value, dt.date | dt.datetime | dt.time):
        return value.isoformat()
    raise TypeError(f"{type(value).__name__} is not JSON")


def as_json(data: Mapping[str, Any]) -> bytes:
    return json.dumps(data, ensure_ascii=False, indent=2, default=_iso).encode("utf-8")


# The archive -----------------------------------------------------------------------------------


@dataclass
class Archive:
    """The ZIP download: its name, its size and its bytes, spooled (in memory or a temporary
    file) until they are sent."""

    filename: str
    size: int
    body: IO[bytes]

    def chunks(self) -> Generator[bytes, None, None]:
        """The bytes, a chunk at a time; the spool is closed at the end (or when the download
        stops)."""
        try:
            self.body.seek(0)
            while chunk := self.body.read(CHUNK):
                yield chunk
        finally:
            self.body.close()


def _write_archive(
    store: DocumentStore, pdf: bytes, document: bytes, files: list[DocumentView]
) -> tuple[IO[bytes], int]:
    """The ZIP, written in a worker thread (the store is synchronous)."""
    spool = tempfile.SpooledTemporaryFile(max_size=SPOOL_BYTES)  # noqa: SIM115 (closed by Archive)
    try:
        with zipfile.ZipFile(spool, "w", compression=zipfile.ZIP_DEFLATED) as archive:
            archive.writestr("dossier.pdf", pdf)
            archive.writestr("dossier.json", document)
            for item in files:
                with archive.open(file_name(item), "w", force_zip64=True) as out:
                    for chunk in store.chunks(item.object_key):
                        out.write(chunk)
        size = spool.tell()
    except BaseException:
        spool.close()
        raise
    return spool, size


async def export_file(
    viewer: Viewer, client_id: int, *, store: DocumentStore, templates: Environment
) -> Archive:
    """The subject-access archive of one client, for their file holder: ``dossier.pdf``,
    ``dossier.json`` and the bytes of every document they may read. Written to the access log
    once made, with every class it holds; 404 for who does not see the client, ``NotAllowed``
    for who is not its file holder."""
    export = await gather(viewer, client_id)
    data = as_data(export)
    pdf = await in_thread(render_export, templates, data)
    body, size = await in_thread(_write_archive, store, pdf, as_json(data), export.files)
    try:
        await record_access(viewer, client_id, EXPORTED, export.classes)
    except BaseException:
        body.close()
        raise
    filename = f"dossier-{client_id}-{today_in_belgium().isoformat()}.zip"
    return Archive(filename, size, body)
