"""What a signal sends to an inbox: to its new handler, and news to its reporter and handler."""

from __future__ import annotations

from portal.core.i18n import N_
from portal.notifications.kinds import InboxKind

RECORD = "signal"
ASSIGNED = "signal.assigned"
CHANGED = "signal.changed"
NEW = "signal.new"


KINDS = (
    InboxKind(NEW, RECORD, N_("A new signal waits for a handler: %(record)s")),
    InboxKind(ASSIGNED, RECORD, N_("A signal was handed to you: %(record)s")),
    InboxKind(CHANGED, RECORD, N_("News on a signal you follow: %(record)s")),
)
