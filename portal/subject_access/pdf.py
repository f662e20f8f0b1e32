"""The export's PDF: the same data as ``dossier.json``, laid out for a person to read, rendered
on the server with WeasyPrint from ``templates/subject_access/export.html``.

Values reach the template already formatted (dates in Belgian time, classes and audiences by
name, yes or no). WeasyPrint fetches nothing: the page has no external resource, and its URL
fetcher refuses any it would be asked for. Rendering is synchronous and slow: callers run it in a
worker thread.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from enum import Enum
from pathlib import Path
from typing import Any

from jinja2 import Environment

from portal.audit.log import ACTION_LABELS
from portal.clients.labels import FIELD_LABELS
from portal.core.i18n import N_
from portal.core.i18n import gettext_ as _
from portal.core.pdf import render_pdf
from portal.core.templating import local_time
from portal.documents.workflow import CATEGORIES
from portal.trajectory.workflow import INTAKE_TOPICS
from portal.visibility.labels import AUDIENCE_LABELS, ROLE_LABELS, SENSITIVITY_LABELS
from portal.visibility.policy import Audience, Sensitivity

STYLESHEET = Path(__file__).with_name("export.css")
"""The PDF's page and type: a stylesheet of its own (templates carry no inline style)."""
TEMPLATE = "subject_access/export.html"


@dataclass(frozen=True)
class Column:
    title: str
    """Message id."""
    bare: tuple[str, ...]
    """Keys whose values the cell shows as they are, one a line."""
    named: tuple[str, ...] = ()
    """Keys the cell shows after them, with their names ("Provider: …")."""
    width: int = 0
    """Percent of the page's width; 0: a share of what the others leave."""


@dataclass(frozen=True)
class Layout:
    key: str
    title: str
    """Message id."""
    columns: tuple[Column, ...] = ()
    """A list of many short records: a table with a row each. Without columns each record is a
    table of its own (a few long records with lists inside)."""
    heading: tuple[str, ...] = ()
    """The keys a record's heading is made of (records shown one by one)."""


def _c(title: str, *bare: str, named: tuple[str, ...] = (), width: int = 0) -> Column:
    return Column(title, bare, named, width)


SECTIONS: tuple[Layout, ...] = (
    Layout(
        "care_team",
        N_("Care team"),
        (
            _c(N_("Name"), "name"),
            _c(N_("Organisation"), "organisation"),
            _c(N_("Roles"), "roles"),
            _c(N_("Added on"), "added_at"),
        ),
    ),
    Layout(
        "consents",
        N_("Consent to share"),
        (
            _c(N_("Organisation"), "organisation"),
            _c(N_("Given"), "given"),
            _c(N_("Decided on"), "decided_on"),
        ),
    ),
    Layout(
        "timeline",
        N_("Timeline"),
        (
            _c(N_("When"), "occurred_at", "day", width=17),
            _c(N_("Entry"), "withheld", "kind_label", "line", "text", width=47),
            _c(N_("Class"), "sensitivity", "audience", width=14),
            _c(N_("Written by"), "author", "author_organisation", width=22),
        ),
    ),
    Layout(
        "training_requests",
        N_("Training requests"),
        (
            _c(N_("Course"), "course", named=("provider", "note")),
            _c(N_("State"), "state", named=("start_date", "reason")),
            _c(N_("Requested"), "requested_at", "requested_by"),
            _c(N_("Last changed"), "changed_at"),
        ),
    ),
    Layout(
        "invitations",
        N_("Invitations"),
        (
            _c(N_("When"), "at"),
            _c(N_("Place"), "place"),
            _c(N_("Invited by"), "invited_by", "organisation"),
        ),
    ),
    Layout("intakes", N_("Intakes"), heading=("held_on",)),
    Layout(
        "placements",
        N_("Art. 60 placements"),
        (
            _c(N_("Work site"), "work_site", named=("hours_per_week",)),
            _c(N_("Period"), named=("start", "end")),
            _c(
                N_("Pre-trajectory"),
                "pre_kind",
                named=("pre_days_per_week", "pre_start", "pre_end"),
            ),
            _c(N_("Follow-up"), "follow_up", named=("outflow",)),
        ),
    ),
    Layout(
        "courses",
        N_("Group courses"),
        (
            _c(N_("Course"), "title", "place"),
            _c(N_("Sessions"), "sessions", named=("sessions_held", "next_session")),
            _c(N_("Attendance"), "attendance", named=("attendance_not_recorded",)),
        ),
    ),
    Layout(
        "activation_reviews",
        N_("Activation reviews"),
        (
            _c(N_("Period"), "period"),
            _c(N_("Decision"), "decision"),
            _c(N_("Reason"), "reason_withheld", "reason_kind", "reason"),
            _c(N_("Decided"), "decided_at", "decided_by"),
        ),
    ),
    Layout("referral_questions", N_("Referral questions"), heading=("created_at", "type")),
    Layout("signals", N_("Signals"), heading=("created_at", "title")),
    Layout(
        "documents",
        N_("Documents"),
        (
            _c(N_("Document"), "name", named=("file",), width=40),
            _c(N_("Kind"), "category", "sensitivity", "audience", width=18),
            _c(N_("Added"), "uploaded_at", "uploaded_by", "uploaded_by_organisation", width=22),
            _c(N_("File"), "content_type", named=("size", "version"), width=20),
        ),
    ),
    Layout(
        "access_log",
        N_("Who looked at this file"),
        (
            _c(N_("When"), "at", width=17),
            _c(N_("Who"), "person", "organisation", "roles", width=28),
            _c(N_("What"), "action", "cross_site", named=("subject", "reason"), width=37),
            _c(N_("Classes shown"), "classes_shown", width=18),
        ),
    ),
)
"""The lists of the export, in the order the PDF shows them. The JSON holds every key; the PDF's
tables leave out what only a computer needs (a document's checksum, an entry's payload)."""

FLAGS = {
    "withheld": N_("Withheld"),
    "reason_withheld": N_("The reason is withheld."),
    "cross_site": N_("Reached from another website."),
}
"""Yes-or-no keys a cell shows as a sentence when they are true, and not at all otherwise."""

SUBSECTIONS = {
    "answers": N_("Answers"),
    "thread": N_("Messages and changes"),
    "changes": N_("Changes"),
    "attachments": N_("Attachments"),
}

KEY_LABELS = {
    "id": N_("Number"),
    "file_holder": N_("File holder"),
    "name": N_("Name"),
    "organisation": N_("Organisation"),
    "roles": N_("Roles"),
    "added_at": N_("Added on"),
    "given": N_("Given"),
    "decided_on": N_("Decided on"),
    "day": N_("Day"),
    "withheld": N_("Withheld (you may not read this entry)"),
    "occurred_at": N_("When"),
    "kind": N_("Kind code"),
    "kind_label": N_("Kind"),
    "line": N_("Entry"),
    "text": N_("Text"),
    "audience": N_("Audience"),
    "sensitivity": N_("Class"),
    "author": N_("Written by"),
    "author_organisation": N_("Organisation of the author"),
    "course": N_("Course"),
    "provider": N_("Provider"),
    "note": N_("Note"),
    "state": N_("State"),
    "start_date": N_("Start date"),
    "reason": N_("Reason"),
    "requested_by": N_("Requested by"),
    "requested_at": N_("Requested on"),
    "changed_at": N_("Last changed"),
    "at": N_("When"),
    "place": N_("Place"),
    "invited_by": N_("Invited by"),
    "held_on": N_("Held on"),
    "held_by": N_("Held by"),
    "proposed_step": N_("Proposed ladder step"),
    "confirmed_at": N_("Confirmed on"),
    "topic": N_("Topic"),
    "pre_kind": N_("Pre-trajectory"),
    "pre_days_per_week": N_("Pre-trajectory days per week"),
    "pre_start": N_("Pre-trajectory start"),
    "pre_end": N_("Pre-trajectory end"),
    "work_site": N_("Work site"),
    "start": N_("Start"),
    "end": N_("End"),
    "hours_per_week": N_("Hours per week"),
    "follow_up": N_("Follow-up"),
    "outflow": N_("Outflow"),
    "title": N_("Title"),
    "sessions": N_("Sessions"),
    "sessions_held": N_("Sessions held"),
    "attendance": N_("Attendance"),
    "attendance_not_recorded": N_("Attendance not recorded"),
    "next_session": N_("Next session"),
    "period": N_("Period"),
    "decision": N_("Decision"),
    "reason_kind": N_("Kind of reason"),
    "reason_withheld": N_("Reason withheld"),
    "decided_by": N_("Decided by"),
    "decided_at": N_("Decided on"),
    "type": N_("Type"),
    "asked_by": N_("Asked by"),
    "asking_organisation": N_("Asking organisation"),
    "addressed_to": N_("Addressed to"),
    "assignee": N_("Handled by"),
    "created_at": N_("Created on"),
    "due_on": N_("Due on"),
    "answered_at": N_("Answered on"),
    "closed_at": N_("Closed on"),
    "closed_reason": N_("Reason for closing"),
    "last_activity_at": N_("Last activity"),
    "answer": N_("Answer"),
    "next_step": N_("Next step"),
    "interview_at": N_("Interview"),
    "interview_place": N_("Interview place"),
    "shared_fields": N_("Shared fields"),
    "shared_documents": N_("Shared documents"),
    "from_state": N_("From"),
    "to_state": N_("To"),
    "by": N_("By"),
    "handler": N_("Handler"),
    "theme": N_("Theme"),
    "description": N_("Description"),
    "municipality": N_("Municipality"),
    "urgency": N_("Urgency"),
    "reported_by": N_("Reported by"),
    "reporting_organisation": N_("Reporting organisation"),
    "first_response_at": N_("First response"),
    "followed_up_at": N_("Followed up on"),
    "outcome": N_("Outcome"),
    "category": N_("Category"),
    "version": N_("Version"),
    "content_type": N_("Type of file"),
    "size": N_("Size in bytes"),
    "sha256": N_("SHA-256"),
    "uploaded_at": N_("Added on"),
    "uploaded_by": N_("Added by"),
    "uploaded_by_organisation": N_("Organisation of who added it"),
    "file": N_("File in this download"),
    "person": N_("Person"),
    "action": N_("What"),
    "classes_shown": N_("Classes shown"),
    "subject": N_("About"),
    "cross_site": N_("Reached from another website"),
}
"""Readable names of the export's keys (message ids)."""

CODE_LABELS: dict[str, Mapping[str, str]] = {
    "action": ACTION_LABELS,
    "category": {category.code: category.label for category in CATEGORIES},
    "topic": {topic.code: topic.label for topic in INTAKE_TOPICS},
    "classes_shown": {cls.value: label for cls, label in SENSITIVITY_LABELS.items()},
    "roles": {role.value: label for role, label in ROLE_LABELS.items()},
}
"""Codes the PDF shows by name (message ids); the JSON keeps the codes."""

LEFT_OUT = frozenset({"payload"})
"""Keys the PDF does not show: the structured data a timeline entry's line is made of (it is in
the JSON)."""


@dataclass(frozen=True)
class Record:
    heading: str
    rows: list[tuple[str, str]]
    groups: list[tuple[str, list[Record]]] = field(default_factory=list)


@dataclass(frozen=True)
class Section:
    key: str
    title: str
    columns: list[tuple[str, int]]
    """Column titles (and widths in percent, 0 for a share of the rest) of a table with a row
    per record; empty when records come one by one."""
    rows: list[list[str]]
    records: list[Record]


def readable(value: Any) -> str:
    """One value as a person reads it."""
    if value is None or value == "":
        return "–"
    if isinstance(value, bool):
        return _("yes") if value else _("no")
    if isinstance(value, dt.datetime):
        return local_time(value).strftime("%d-%m-%Y %H:%M")
    if isinstance(value, dt.date):
        return value.strftime("%d-%m-%Y")
    if isinstance(value, Sensitivity):
        return _(SENSITIVITY_LABELS[value])
    if isinstance(value, Audience):
        return _(AUDIENCE_LABELS[value])
    if isinstance(value, Enum):
        return str(value.value)
    if isinstance(value, Mapping):
        return "; ".join(f"{key}: {readable(item)}" for key, item in value.items()) or "–"
    if isinstance(value, list | tuple):
        return ", ".join(readable(item) for item in value) or "–"
    return str(value)


def _coded(key: str, value: Any) -> str:
    labels = CODE_LABELS.get(key)
    if labels is None:
        return readable(value)
    codes = value if isinstance(value, list) else [value]
    return ", ".join(_(labels[code]) if code in labels else str(code) for code in codes) or "–"


def _label(key: str) -> str:
    return _(KEY_LABELS[key]) if key in KEY_LABELS else key


def _record(data: Mapping[str, Any], heading_keys: Sequence[str]) -> Record:
    parts = [readable(data[key]) for key in heading_keys if data.get(key) not in (None, "")]
    rows: list[tuple[str, str]] = []
    groups: list[tuple[str, list[Record]]] = []
    for key, value in data.items():
        if key in LEFT_OUT:
            continue
        if key in SUBSECTIONS and isinstance(value, list):
            if value:
                title = _(SUBSECTIONS[key])
                groups.append((title, [_record(item, ()) for item in value]))
            continue
        rows.append((_label(key), _coded(key, value)))
    return Record(" · ".join(parts), rows, groups)


def _cell(data: Mapping[str, Any], column: Column) -> str:
    lines = []
    for key in column.bare:
        value = data.get(key)
        if key in FLAGS:
            if value:
                lines.append(_(FLAGS[key]))
        elif value not in (None, "", [], {}):
            lines.append(_coded(key, value))
    for key in column.named:
        value = data.get(key)
        if value not in (None, "", [], {}):
            lines.append(f"{_label(key)}: {_coded(key, value)}")
    return "\n".join(lines) or "–"


def _section(layout: Layout, items: Sequence[Mapping[str, Any]]) -> Section:
    if layout.columns:
        rows = [[_cell(item, column) for column in layout.columns] for item in items]
        titles = [(_(column.title), column.width) for column in layout.columns]
        return Section(layout.key, _(layout.title), titles, rows, [])
    records = [_record(item, layout.heading) for item in items]
    return Section(layout.key, _(layout.title), [], [], records)


def _client_rows(client: Mapping[str, Any]) -> list[tuple[str, str]]:
    return [
        (_(FIELD_LABELS[key]) if key in FIELD_LABELS else _label(key), readable(value))
        for key, value in client.items()
    ]


def context_of(data: Mapping[str, Any]) -> dict[str, Any]:
    """What the template receives: every value already formatted."""
    return {
        "client_name": " ".join(
            str(data["client"].get(name) or "") for name in ("first_name", "last_name")
        ).strip(),
        "exported_at": readable(data["exported_at"]),
        "exported_by": data["exported_by"]["name"],
        "exported_by_organisation": data["exported_by"]["organisation"],
        "client_rows": _client_rows(data["client"]),
        "sections": [_section(layout, data.get(layout.key, [])) for layout in SECTIONS],
    }


def render_export(templates: Environment, data: Mapping[str, Any]) -> bytes:
    """The PDF of the export (synchronous: run it in a worker thread)."""
    html = templates.get_template(TEMPLATE).render(context_of(data))
    return render_pdf(html, STYLESHEET.read_text(encoding="utf-8"))
