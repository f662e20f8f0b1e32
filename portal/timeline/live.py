"""The live timeline: every new event is announced on ``client:<id>``, and an open client file
follows it over server-sent events (``GET /clients/{id}/live``).

The message carries only the event's id. Each stream re-reads, for its own reader and at send
time, the client (gone for them: the stream ends, as after a consent withdrawal or a removal from
the care team) and the one event through the timeline's scope, and sends the entry exactly as the
timeline screen would show it: in full, as the "afgeschermd" placeholder, or not at all.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from litestar import Request, get
from litestar.di import NamedDependency
from litestar.exceptions import NotFoundException
from litestar.response import Stream

from portal.accounts.live import Reader, stream_for
from portal.audit.services import LOGGED_CLASSES, record_access
from portal.clients.services import find_client
from portal.core import live
from portal.core.params import RecordId
from portal.core.templating import render_fragment
from portal.timeline import notes, services
from portal.visibility.viewer import Viewer

ENTRY_TEMPLATE = "clients/_timeline_items.html"
MAX_EVENT_ID = services.MAX_ID
LIVE_ENTRY = "client.live_entry"
"""An identity, social or health entry that appeared on an open file."""


def client_topic(client_id: int) -> str:
    return f"client:{client_id}"


async def publish_appended(appended: services.Appended) -> None:
    """After an event's commit: tell the client's streams its id (``on_appended`` listener)."""
    await live.publish(client_topic(appended.client_id), str(appended.event_id))


def event_id_of(message: str) -> int | None:
    """The event id a message names; ``None`` for anything else."""
    if not message.isascii() or not message.isdigit() or len(message) > 10:
        return None
    event_id = int(message)
    return event_id if 1 <= event_id <= MAX_EVENT_ID else None


Fragment = Callable[[str, dict[str, Any]], str]


async def entry_message(
    viewer: Viewer, client_id: int, message: str, fragment: Fragment
) -> bytes | None:
    """The server-sent event for ``message`` as ``viewer`` may see it now: the timeline entry (or
    its placeholder), ``None`` when they would not see it; ``EndStream`` when the client is gone
    for them. ``fragment(template, context)`` renders."""
    try:
        client = await find_client(viewer, client_id)
    except NotFoundException:
        raise live.EndStream() from None
    event_id = event_id_of(message)
    if event_id is None:
        return None
    event = await services.entry(viewer, client, event_id)
    if event is None:
        return None
    if event.sensitivity in LOGGED_CLASSES:
        await record_access(viewer, client_id, LIVE_ENTRY, {event.sensitivity})
    html = fragment(
        ENTRY_TEMPLATE,
        {
            "client": client,
            "timeline": services.TimelinePage([event], None, None),
            "writes_notes": bool(notes.note_choices(viewer, client.relation)[0]),
            "viewer_id": viewer.person_id,
        },
    )
    return live.event(html.strip())


@get("/clients/{client_id:int}/live", name="client_live")
async def client_stream(
    request: Request, viewer: NamedDependency[Viewer], client_id: RecordId
) -> Stream:
    """New entries of a client's timeline as they are written (``text/event-stream``)."""
    await find_client(viewer, client_id)
    reader = Reader.of(request, viewer)

    async def render(message: str) -> bytes | None:
        return await entry_message(
            reader.viewer,
            client_id,
            message,
            lambda template, context: render_fragment(request, template, context),
        )

    return stream_for(request, reader, client_topic(client_id), render)
