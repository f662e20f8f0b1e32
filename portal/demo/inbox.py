"""The demo inboxes: what the stories sent is there; each person has read what is older than
two weeks except their newest few, so the header shows a few unread items and the inbox a
history."""

from __future__ import annotations

import datetime as dt

from portal.notifications import services
from portal.notifications.tables import InboxItem
from portal.visibility.viewer import Viewer

READ_BEFORE = dt.timedelta(days=14)
KEPT_UNREAD = 3


async def tell(actors: dict[str, Viewer], _files: dict[str, int]) -> None:
    cutoff = dt.datetime.now(dt.UTC) - READ_BEFORE
    for actor in actors.values():
        rows = await (
            InboxItem.select(InboxItem.id, InboxItem.created_at)
            .where(InboxItem.person == actor.person_id)
            .order_by(InboxItem.created_at, InboxItem.id, ascending=False)
        )
        old = [row["id"] for row in rows[KEPT_UNREAD:] if row["created_at"] < cutoff]
        await services.mark_all_read(actor, only=old)
