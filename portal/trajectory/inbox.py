"""What a training request sends to an inbox: the step that waits for someone, and each change
to the rest of the care team."""

from __future__ import annotations

from portal.core.i18n import N_
from portal.notifications.kinds import InboxKind

RECORD = "training_request"
WAITING = "training_request.waiting"
CHANGED = "training_request.changed"

KINDS = (
    InboxKind(WAITING, RECORD, N_("A training request waits for you: %(record)s")),
    InboxKind(CHANGED, RECORD, N_("A training request moved on: %(record)s")),
)
