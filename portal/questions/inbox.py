"""What a referral question sends to an inbox: each change, to the other side."""

from __future__ import annotations

from portal.core.i18n import N_
from portal.notifications.kinds import InboxKind
from portal.questions import events

RECORD = "question"
ANSWERED = "question.answered"
MESSAGE = "question.message"
CHANGED = "question.changed"

KIND_OF_CHANGE = {events.ANSWERED: ANSWERED, events.MESSAGE: MESSAGE}
"""The timeline code of a change and the inbox kind it sends; any other change is ``CHANGED``."""


KINDS = (
    InboxKind(ANSWERED, RECORD, N_("VDAB answered your referral question: %(record)s")),
    InboxKind(MESSAGE, RECORD, N_("New message on a referral question: %(record)s")),
    InboxKind(CHANGED, RECORD, N_("A referral question moved on: %(record)s")),
)
