"""The demo world's notes, each written by its author with the audience and class they chose."""

from __future__ import annotations

from portal.demo.story import Note
from portal.timeline.notes import add_note
from portal.visibility.viewer import Viewer


async def write(author: Viewer, client_id: int, note: Note) -> None:
    await add_note(
        author,
        client_id,
        subject=note.subject,
        text=note.text,
        audience=note.audience,
        sensitivity=note.sensitivity,
        at=note.at,
    )
