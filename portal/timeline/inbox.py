"""Inbox items that point at one entry of a client's timeline (an interview invitation), resolved
through the timeline's scope: only an entry the reader may read in full names its client."""

from __future__ import annotations

from collections.abc import Sequence

from portal.clients.visibility import client_of_row
from portal.core.i18n import N_
from portal.notifications.kinds import InboxKind, RecordSource, Target
from portal.timeline.tables import TimelineEvent
from portal.visibility.records import visible_to
from portal.visibility.viewer import Viewer

RECORD = "event"
INVITATION = "invitation.new"


async def _events(viewer: Viewer, ids: Sequence[int]) -> dict[int, Target]:
    scope = visible_to(viewer, TimelineEvent, readable_only=True)
    rows = await scope.select(
        TimelineEvent.id,
        TimelineEvent.client,
        TimelineEvent.client.first_name,
        TimelineEvent.client.last_name,
    ).where(TimelineEvent.id.is_in(list(ids)))
    targets = {}
    for row in rows:
        client = client_of_row(viewer, row)
        if client is not None:
            targets[row["id"]] = Target(client.full_name, f"/clients/{client.id}#event-{row['id']}")
    return targets


SOURCES = (RecordSource(RECORD, _events),)
KINDS = (InboxKind(INVITATION, RECORD, N_("VDAB invited %(record)s to an interview.")),)
