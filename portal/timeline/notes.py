"""Notes: what a person writes on a client's timeline, with an audience and a class they choose.

What an author may choose is read from the policy: a class they are themselves shown for this
client, and an audience that admits their own organisation (so nobody writes what they could not
read back). A note is never edited or deleted; a correction is a new note.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping

from portal.clients.changes import Invalid
from portal.clients.services import NotAllowed, find_client
from portal.clients.visibility import ClientView
from portal.core.db import unit_of_work
from portal.core.i18n import gettext_ as _
from portal.timeline.events import NOTE
from portal.timeline.services import FileReadOnly, append
from portal.timeline.tables import TimelineEvent
from portal.timeline.visibility import EventView
from portal.visibility.policy import (
    Audience,
    Relation,
    Sensitivity,
    may_read_audience,
    shown_classes,
)
from portal.visibility.records import visible_to
from portal.visibility.viewer import Viewer

NOTE_CLASSES = (Sensitivity.trajectory, Sensitivity.social, Sensitivity.health)
NOTE_AUDIENCES = (Audience.care_team, Audience.own_org, Audience.file_holder_only)
WRITERS = frozenset({Relation.file_holder, Relation.care_team})


def note_choices(
    viewer: Viewer, relation: Relation
) -> tuple[tuple[Audience, ...], tuple[Sensitivity, ...]]:
    """The audiences and classes this viewer may give a note on a client of this relation."""
    if relation not in WRITERS:
        return (), ()
    audiences = tuple(
        audience
        for audience in NOTE_AUDIENCES
        if may_read_audience(relation, audience, same_org_as_author=True)
    )
    shown = shown_classes(viewer.roles, relation)
    return audiences, tuple(cls for cls in NOTE_CLASSES if cls in shown)


async def add_note(
    actor: Viewer,
    client_id: int,
    *,
    subject: str,
    text: str,
    audience: Audience = Audience.care_team,
    sensitivity: Sensitivity = Sensitivity.trajectory,
    corrects: EventView | None = None,
    at: dt.datetime | None = None,
) -> int:
    """The file holder or a care-team member writes a note (404 for who cannot see the client);
    a correction names the note it corrects, which stays as it was."""
    client = await find_client(actor, client_id)
    audiences, classes = note_choices(actor, client.relation)
    if audience not in audiences or sensitivity not in classes:
        raise NotAllowed("this audience or class is not open to the author")
    payload: dict[str, object] = {"subject": subject}
    if corrects is not None and corrects.id is not None:
        payload |= {"corrects": corrects.id, "corrects_day": corrects.day.strftime("%d-%m-%Y")}
    async with unit_of_work():
        return await append(
            client_id,
            NOTE,
            actor=actor,
            audience=audience,
            sensitivity=sensitivity,
            payload=payload,
            text=text,
            occurred_at=at,
        )


async def readable_note(viewer: Viewer, client: ClientView, event_id: int) -> EventView | None:
    """A note of this client that the viewer can read, or ``None``."""
    scope = visible_to(viewer, TimelineEvent, client=client, readable_only=True)
    row = await (
        scope.select(
            TimelineEvent.id,
            TimelineEvent.occurred_at,
            TimelineEvent.kind,
            TimelineEvent.audience,
            TimelineEvent.sensitivity,
            TimelineEvent.author_org,
            TimelineEvent.payload,
        )
        .where((TimelineEvent.id == event_id) & (TimelineEvent.kind == NOTE))
        .first()
    )
    return scope.project(row) if row is not None else None


TEXT_MAX, SUBJECT_MAX = 5000, 150


async def add_note_from(actor: Viewer, client_id: int, fields: Mapping[str, str]) -> int:
    """A note as its form sends it (``text``, ``audience``, ``sensitivity``, optional ``subject``):
    ``NotAllowed`` for who may not write on this file, ``Invalid`` for what cannot be written."""
    client = await find_client(actor, client_id)
    audiences, classes = note_choices(actor, client.relation)
    if not audiences:
        raise NotAllowed("only the file holder and the care team write notes")
    if client.closed:
        raise FileReadOnly()
    errors: dict[str, str] = {}
    text = fields.get("text", "").strip()
    subject = " ".join(fields.get("subject", "").split())
    if not text:
        errors["text"] = _("Write the note.")
    elif len(text) > TEXT_MAX:
        errors["text"] = _("A note can be at most 5000 characters long.")
    if len(subject) > SUBJECT_MAX:
        errors["subject"] = _("A subject can be at most 150 characters long.")
    audience = next((a for a in audiences if a.value == fields.get("audience", "")), None)
    if audience is None:
        errors["audience"] = _("Choose who may read the note, from the list.")
    wanted = fields.get("sensitivity") or Sensitivity.trajectory.value
    sensitivity = next((c for c in classes if c.value == wanted), None)
    if sensitivity is None:
        errors["sensitivity"] = _("Choose what the note is about, from the list.")
    corrects = None
    if wanted_id := fields.get("corrects", "").strip():
        if wanted_id.isdigit() and len(wanted_id) < 10:
            corrects = await readable_note(actor, client, int(wanted_id))
        if corrects is None:
            errors["corrects"] = _("The note to correct is not one you can read on this file.")
    if errors or audience is None or sensitivity is None:
        raise Invalid(errors)
    return await add_note(
        actor,
        client_id,
        subject=subject,
        text=text,
        audience=audience,
        sensitivity=sensitivity,
        corrects=corrects,
    )
