"""Closing a file and reopening it.

The file holder closes a file with one of ``CLOSE_REASONS``; from then on every write on the file
is refused (``timeline.append`` checks ``closed_at`` under the client's row lock, so a write that
read the file just before it closed does not land either) until the file holder reopens it with a
reason. A file that retention anonymised stays closed.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping

from portal.clients import events
from portal.clients.changes import Invalid, holding
from portal.clients.tables import Client
from portal.clients.workflow import CLOSE_REASON_BY_CODE
from portal.core.db import unit_of_work
from portal.core.i18n import gettext_ as _
from portal.timeline.services import FileReadOnly, append
from portal.visibility.scoping import unscoped
from portal.visibility.viewer import Viewer

NOTE_MAX = 2000


def _words(text: str) -> str:
    return " ".join(text.split())


async def close_file(
    actor: Viewer, client_id: int, fields: Mapping[str, str], *, at: dt.datetime | None = None
) -> None:
    """The file holder closes the file: ``reason`` (a code of ``CLOSE_REASONS``) and an optional
    ``note`` (required for "other")."""
    client = await holding(actor, client_id)
    if client.closed:
        raise FileReadOnly()
    errors: dict[str, str] = {}
    reason = CLOSE_REASON_BY_CODE.get(fields.get("reason", ""))
    note = _words(fields.get("note", ""))
    if reason is None:
        errors.setdefault("reason", _("Choose why the file closes, from the list."))
    elif reason.needs_note and len(note) < 3:
        errors["note"] = _("Say in a few words why the file closes.")
    if len(note) > NOTE_MAX:
        errors["note"] = _("A reason can be at most 2000 characters long.")
    if errors or reason is None:
        raise Invalid(errors)
    moment = at or dt.datetime.now(dt.UTC)
    async with unit_of_work():
        await append(
            client_id,
            events.FILE_CLOSED,
            actor=actor,
            payload={"reason": reason.code},
            text=note,
            occurred_at=moment,
        )
        await Client.update({Client.closed_at: moment, Client.closed_reason: reason.code}).where(
            Client.id == client_id
        )


async def reopen_file(
    actor: Viewer, client_id: int, fields: Mapping[str, str], *, at: dt.datetime | None = None
) -> None:
    """The file holder reopens a closed file, saying why (``reason``)."""
    client = await holding(actor, client_id)
    reason = _words(fields.get("reason", ""))
    if not client.closed:
        raise FileReadOnly()
    errors: dict[str, str] = {}
    if len(reason) < 3:
        errors["reason"] = _("Say in a few words why.")
    elif len(reason) > NOTE_MAX:
        errors["reason"] = _("A reason can be at most 2000 characters long.")
    if errors:
        raise Invalid(errors)
    async with unit_of_work():
        await append(client_id, events.FILE_REOPENED, actor=actor, text=reason, occurred_at=at)
        await Client.update({Client.closed_at: None, Client.closed_reason: ""}).where(
            Client.id == client_id
        )


async def _anonymised(client_id: int) -> bool:
    """Read after ``append`` locked the client's row: a retention run cannot slip in between."""
    with unscoped("closing: whether retention anonymised a file the actor holds"):
        row = await Client.select(Client.anonymised_at).where(Client.id == client_id).first()
    return row is not None and row["anonymised_at"] is not None
